"""What an `accelerate launch` line and the config file it names say about how the script runs.

accelerate picks a launcher (commands/launch.py, `launch_command`): with several processes
(`--multi_gpu`, FSDP, Megatron-LM, DeepSpeed on one node) it runs torch.distributed.run in its own
process, which passes SIGTERM on to the workers and SIGKILLs them 30 s later; with one process and
no such mode, its simple launcher starts the script with `subprocess.Popen` and waits, with no
handler: as PID 1 it ignores SIGTERM, otherwise its default action ends accelerate alone, and the
script never hears the stop. A config file with `compute_environment: AMAZON_SAGEMAKER` builds a
SageMaker estimator instead. Which launcher the machine's default config picks cannot be known:
only what the line or the named file says is taken.
"""

from __future__ import annotations

import re
from pathlib import Path

from sigcheck.loading.sources import LoadError, decode_text, display_path, is_file, read_bytes

_CONFIG_FILE = ("--config_file", "--config-file")
_ON_SAGEMAKER = re.compile(r"^compute_environment\s*:\s*['\"]?AMAZON_SAGEMAKER\b", re.M)
_ONE_PROCESS_TYPE = re.compile(r"^distributed_type\s*:\s*['\"]?NO['\"]?\s*(?:#.*)?$", re.M | re.I)
_DISTRIBUTED_TYPE = re.compile(r"^distributed_type\s*:", re.M)
_PROCESSES = re.compile(r"^num_processes\s*:\s*(\d+)\s*(?:#.*)?$", re.M)
# flags that make accelerate run torch.distributed.run (or another launcher) in its own process
_SEVERAL = frozenset({"--multi_gpu", "--use_deepspeed", "--use_fsdp", "--use_megatron_lm", "--tpu", "--num_machines"})


def named_config(words: list[str | None], folder: Path, root: Path) -> tuple[str, str] | None:
    """(display, text) of the config file the line names, looked for beside the launch script, then
    at the project root."""
    named = next((words[i + 1] for i, w in enumerate(words[:-1]) if w in _CONFIG_FILE), None)
    named = named or next((w.split("=", 1)[1] for w in words if w and w.split("=", 1)[0] in _CONFIG_FILE and "=" in w), None)
    for base in (folder, root) if named else ():
        config = base / named
        if is_file(config):
            try:
                return display_path(config), decode_text(read_bytes(config, display_path(config)), display_path(config))
            except LoadError:
                return None
    return None


def on_sagemaker(config: tuple[str, str] | None) -> str | None:
    """The config file's display, where it runs the job on SageMaker."""
    return config[0] if config is not None and _ON_SAGEMAKER.search(config[1]) else None


def runs_one_process(words: list[str | None], config: tuple[str, str] | None) -> bool:
    """Whether the launch runs the script through accelerate's simple launcher: one process,
    said by the config file (`distributed_type: NO`) or the line (`--num_processes 1` with no
    mode of several), and nothing on the line asking for several."""
    if any(word is not None and word.split("=", 1)[0] in _SEVERAL for word in words):
        return False
    processes = _option(words, "--num_processes")
    if processes is not None and processes != "1":
        return False
    if config is not None and _DISTRIBUTED_TYPE.search(config[1]):
        counted = _PROCESSES.search(config[1])
        return bool(_ONE_PROCESS_TYPE.search(config[1])) and (counted is None or counted.group(1) == "1" or processes == "1")
    return processes == "1" and config is None


def _option(words: list[str | None], name: str) -> str | None:
    for index, word in enumerate(words):
        if word == name and index + 1 < len(words):
            return words[index + 1]
        if word is not None and word.startswith(name + "="):
            return word.split("=", 1)[1]
    return None
