from __future__ import annotations

from fnmatch import fnmatchcase

from sigcheck.checking.rule import Example, Rule
from sigcheck.model import ir
from sigcheck.model.values import ConstV, ExternalV, SeqV


class ChildrenNotSignaled(Rule):
    """Training runs in a child process and SIGTERM is never forwarded to it.

    ## What it does
    Finds calls on an entry point's main path that start the real training in a child process
    (`subprocess` running `python`, `torchrun`, `accelerate`, `deepspeed` or a `.py` script;
    `os.system`; `multiprocessing.Process` or `torch.multiprocessing.spawn` with a target that
    trains) when no SIGTERM handler of the parent passes the signal on (`terminate()`,
    `send_signal()`, `os.kill`, `os.killpg`). Quick tools (`nvidia-smi`, `git`) are not training.

    ## Why is this bad?
    `docker stop` signals PID 1 only. A launcher that does not forward SIGTERM either dies at
    once, orphaning the trainer, or (as PID 1 without a handler) ignores it; either way the
    trainer never learns of the stop and is SIGKILLed at the deadline with nothing saved.
    `os.system` and `shell=True` put a `/bin/sh` in between, which forwards nothing.

    ## Example
    ```python
    proc = subprocess.Popen(["torchrun", "--nproc_per_node=8", "train.py"])
    proc.wait()
    ```

    ## Use instead
    ```python
    proc = subprocess.Popen(["torchrun", "--nproc_per_node=8", "train.py"])
    signal.signal(signal.SIGTERM, lambda signum, frame: proc.send_signal(signum))
    sys.exit(proc.wait())
    ```
    Or replace the launcher with the trainer: `os.execvp("torchrun", [...])`.
    """

    code = "SIG010"
    name = "children-not-signaled"
    severity = "error"

    valid = (
        Example("""
import signal, subprocess, sys

proc = subprocess.Popen([sys.executable, "train.py"])
signal.signal(signal.SIGTERM, lambda signum, frame: proc.terminate())
sys.exit(proc.wait())
""", "the parent forwards SIGTERM to the trainer"),
        Example("""
import subprocess

gpus = subprocess.check_output(["nvidia-smi", "-L"], text=True)
print(gpus)
""", "a quick query, not the training"),
        Example("""
import os

os.execvp("torchrun", ["torchrun", "--nproc_per_node=4", "train.py"])
""", "exec replaces the launcher, so the trainer receives the signal itself"),
    )
    invalid = (
        Example("""
import subprocess

# expect: SIG010
proc = subprocess.Popen(["torchrun", "--nproc_per_node=8", "train.py"])
proc.wait()
""", "torchrun as a child that never hears of the stop"),
        Example("""
import os

# expect: SIG010
os.system("python train.py --epochs 10")
""", "os.system adds a /bin/sh and cannot forward"),
        Example("""
import multiprocessing

def train(rank):
    for batch in loader:
        model(batch).backward()

# expect: SIG010
multiprocessing.Process(target=train, args=(0,)).start()
""", "the training loop runs in a child process"),
    )

    def check(self, analysis):
        for entry in analysis.entries:
            if self._forwards(analysis, entry):
                continue
            for func_id in sorted(entry.main):
                for event in analysis.functions[func_id].events:
                    if isinstance(event, ir.CallSite):
                        what = self._child(analysis, func_id, event)
                        if what:
                            anchor = analysis.point(func_id, event, "starts the child")
                            yield self.finding(anchor, what, analysis.path_points(entry.path_to(func_id)) + [anchor])

    @staticmethod
    def _forwards(analysis, entry) -> bool:
        for registration in entry.registrations:
            if not registration.covers_sigterm or not registration.handlers:
                continue
            for func_id in analysis.graph.reach([t.func_id for t in registration.handlers], frozenset({"call"})):
                for event in analysis.functions[func_id].events:
                    if isinstance(event, ir.CallSite) and any(
                            analysis.knowledge.forwards.find(n) for n in analysis.graph.qualnames(func_id, event)):
                        return True
        return False

    def _child(self, analysis, func_id, site) -> str | None:
        names = [n for n in analysis.graph.qualnames(func_id, site) if analysis.knowledge.children.find(n)]
        if not names:
            return None
        name = names[0]
        if name.startswith(("subprocess.", "asyncio.", "os.", "commands.")):
            command = site.args[0] if site.args else dict(site.kwargs).get("args")
            if command is None or not _runs_training(analysis, command):
                return None
            shell = name.startswith(("os.", "commands.")) or _is_true(dict(site.kwargs).get("shell"))
            via = " through /bin/sh" if shell else ""
            return (f"The trainer runs as a child process{via} and SIGTERM is never forwarded to it: it is "
                    f"SIGKILLed at the deadline ({analysis.deadline} s on {analysis.platform}) without saving")
        targets = [site.args[0]] if "spawn" in name or "start_processes" in name else []
        targets += [v for k, v in site.kwargs if k in ("target", "fn")]
        for target in targets:
            for value in analysis.resolver.resolve(target):
                if any(f in analysis.work.stepping for f in analysis.graph.functions_of(value)):
                    return (f"Training runs in a child process and SIGTERM is never forwarded to it: it is "
                            f"SIGKILLed at the deadline ({analysis.deadline} s on {analysis.platform}) without saving")
        return None


def _runs_training(analysis, command) -> bool:
    for value in analysis.resolver.resolve(command):
        for word in _words(value):
            if any(fnmatchcase(word, p) for e in analysis.knowledge.training_commands for p in e.patterns):
                return True
    return False


def _words(value) -> list[str]:
    if isinstance(value, ConstV) and isinstance(value.value, str):
        return value.value.split()
    if isinstance(value, SeqV):
        return [w for item in value.items for w in _words(item)]
    if isinstance(value, ExternalV) and value.qualname == "sys.executable":
        return ["sys.executable"]
    return []


def _is_true(sym) -> bool:
    return isinstance(sym, ir.Const) and bool(sym.value)
