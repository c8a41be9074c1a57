"""Whether a launcher a shell script runs keeps SIGTERM from the script it starts: one the
knowledge says passes no signal on (`colossalai run`), or DeepSpeed's runner, which passes it on
only across nodes, told to run on this one, or torch's launcher before 1.9 in a project that pins
such a torch (launch_scripts.py asks)."""

from __future__ import annotations

import re
from pathlib import Path

from sigcheck.knowledge import Knowledge
from sigcheck.loading.pins import Pins


def keeps_signal(launcher: str, words: list[str | None], knowledge: Knowledge, several_nodes: bool = False) -> bool:
    """Whether the launcher keeps SIGTERM from what it starts: one the knowledge says passes no
    signal on (`colossalai run`), or passes it on across nodes only (deepspeed's runner) and is
    told to run on this node (`--num_gpus 8`, `--include localhost:0,1`, a hostfile that is not a
    file, `--hostfile /dev/null`) and given no hosts, or told `--num_nodes 1`, which keeps the
    first host of any hostfile (runner.py). Told nothing, deepspeed reads a default hostfile
    (/job/hostfile) where the cluster has one, and runs on this node where there is none (FastChat's
    and LLaVA's `deepspeed train.py`): one node, unless the script says it runs on several
    (`several_nodes`: DeepSpeed-Chat's `multi_node/run_66b.sh` and `single_node/run_1.3b.sh` start
    `deepspeed main.py` alike), where pdsh passes the signal on."""
    entries = knowledge.containers["launcher"].find(launcher)
    if not entries or entries[0].option("forwards", True):
        return False
    if not entries[0].option("forwards-across-nodes", False):
        return True  # on any number of nodes (`colossalai run`)
    given: dict[str, str] = {}
    for index, word in enumerate(words):
        option, equals, value = (word or "").partition("=")
        given.setdefault(option, value if equals else (words[index + 1] or "" if index + 1 < len(words) else ""))
    if "--force_multi" in given:
        return False
    if "--num_nodes" in given:  # the runner keeps the first hosts of any hostfile: one node is one node
        return given["--num_nodes"] == "1"
    if any(option in given for option in _MULTI_NODE) or given.get("--hostfile", given.get("-H")) not in (None, "/dev/null"):
        return False
    # a hostfile that is not a regular file (/dev/null: BingBertSquad's "only local node") lists no host
    return any(option in given for option in ("--num_gpus", "--num_accelerators", "--hostfile", "-H")) \
        or any(given.get(option, "").startswith("localhost") for option in ("--include", "-i")) or not several_nodes


def says_several_nodes(path: Path, text: str) -> bool:
    """Whether a launch script says it runs on several nodes: its path (`multi_node/run_66b.sh`)
    or a hostfile it names, in a comment or a variable (`# needs /job/hostfile`)."""
    return _SEVERAL_NODES.search(path.as_posix()) is not None or _HOSTFILE.search(text) is not None


_SEVERAL_NODES = re.compile(r"multi[_-]?nodes?", re.I)
_HOSTFILE = re.compile(r"hostfile", re.I)


# Words that may make deepspeed's runner start workers on other hosts (runner.py: a hostfile's hosts
# beyond the first, unless --num_nodes 1 keeps that one)
_MULTI_NODE = frozenset({"--exclude", "-e", "--master_addr", "--launcher"})


def legacy_launcher(launcher: str, words, path: Path, root: Path, knowledge: Knowledge) -> tuple[str, str, str] | None:
    """`python -m torch.distributed.launch` (among the command's `words`) where the project pins
    torch before 1.9: the old launcher, which keeps SIGTERM from its workers (beit's
    requirements.txt: torch==1.7.1, triage DA). As ScriptLaunch.kept has it: what keeps the
    signal, how, what to start them with instead."""
    for entry in knowledge.containers["launcher"].find(launcher):
        named = next((word for word in words if word in entry.option("legacy-names", [])), None)
        if named is not None:
            packages = entry.option("legacy-package")
            pin = Pins(root, frozenset(packages)).below(path, packages, entry.option("legacy-before"))
            if pin is not None:
                return f"{named} ({pin})", entry.option("legacy-keeps"), entry.option("legacy-instead")
    return None
