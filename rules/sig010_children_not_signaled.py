from __future__ import annotations

from sigcheck.checking.entries import signalled_by_platform
from sigcheck.checking.rule import Example, Rule
from sigcheck.model import ir
from sigcheck.model.children import names_passed


_HANDED_OR_STARTED = frozenset({"call", "reference", "process"})  # see _trains_in


# torch.multiprocessing's spawn wraps each child's function after prctl(PR_SET_PDEATHSIG, SIGINT)

class ChildrenNotSignaled(Rule):
    """Training runs in a child process and SIGTERM is never forwarded to it.

    ## What it does
    Finds calls on an entry point's main path that start the real training in a child process
    (`subprocess` running `python`, `torchrun`, `accelerate`, `deepspeed` or a `.py` script, or a
    program that trains by itself: `lightgbm`, `llamafactory-cli train`, `swift sft`, `axolotl train`;
    `os.system`; `multiprocessing.Process` or `torch.multiprocessing.spawn` with a target that
    trains, or detectron2's `launch(main, args.num_gpus, ...)` unless it is told literally one GPU on
    one machine (then main runs in this process); a Ray actor's method or remote task that trains, `ray.get(trainer.fit.remote())`,
    itself or in the Ray workers it starts in turn (a driver actor running `fit` on a worker
    group it was handed, as OpenRLHF's PPO trainer does), or a Ray Tune trainable or a Ray
    Train loop that trains, `tune.Tuner(train_fn).fit()`, `TorchTrainer(train_loop_per_worker).fit()`,
    or one Ray registered, named by a string: RLlib's algorithms, `tune.run("PPO", ...)`)
    when no SIGTERM handler of the parent passes the signal on (`terminate()`,
    `send_signal()`, `os.kill`, `os.killpg`, a call of an actor's method such as
    `actor.save.remote()`) or sets an event the child was handed
    (`mp.Process(target=learner, args=(stop,))` and `stop.set()`). A command is judged by its program: an interpreter
    running a script or module, a distributed launcher (`torchrun`, `accelerate launch`), a
    script, one of the project's console scripts (`axolotl train`: the function its program
    calls), or a shell script of the project that launches a script (`bash run.sh`, where run.sh
    runs `deepspeed main.py`: DeepSpeed-Chat's e2e_rlhf.py). A launcher called in the process
    with its command's arguments is that command (`deepspeed.launcher.runner.main([...,
    "train.py"])`, gpt-neox's deepy.py). The script (or `-m` module), the interpreter's or the launcher's (`torchrun ...
    __file__ --worker`, or the whole `sys.argv`, as baselines' `mpi_fork` runs it again: the calling script itself), is read when the project has it, also where its folder
    is computed (`os.path.join(os.path.dirname(__file__), "worker.py")`) and where it is named by
    its path in the image (`python /workspace/bert/create_pretraining_data.py`: the project's file
    of that name nearest the caller): one whose run meets no training loop or fit call is not the
    trainer, even where an import leads to a training function it only hands to a library. A
    script from elsewhere counts when its name says it trains (`train`, `finetune`, `pretrain`,
    `sft`, `dpo`, `rlhf`) and not that it prepares data (`create_pretraining_data.py`,
    `download_pretrained.py`); one sigcheck cannot name at all (a
    glob of test files, a command-line argument) is not taken for the trainer. A positional
    argument the project's own launch lines give is named, read as the launcher's argparse
    declarations read it: DeepLearningExamples' `python ./multiproc.py --nproc_per_node 8
    ./launch.py --epochs 90` makes multiproc.py's `args.training_script` launch.py, which its
    Popen runs; a launcher that runs its own arguments (`[sys.executable] + sys.argv[1:]`,
    Tacotron2's) runs the script its launch lines pass first, where they all pass the same one. Quick tools (`nvidia-smi`, `git`,
    `which`), `python -m pip` and `python -c` are not training.

    On Slurm, which sends SIGTERM to every process of the job, a child the script starts hears
    the stop itself: SIG001 judges whether its run handles it (a Ray worker, which the Ray node
    starts, is still reported here).

    ## Why is this bad?
    `docker stop` signals PID 1 only. A launcher that does not forward SIGTERM either dies at
    once, orphaning the trainer, or (as PID 1 without a handler) ignores it; either way the
    trainer never learns of the stop and is SIGKILLed at the deadline with nothing saved
    (`torch.multiprocessing.spawn` makes SIGINT its children's parent-death signal: a parent that
    dies of the stop has them interrupted at once, which saves nothing either unless the child
    catches KeyboardInterrupt to save). `os.system` and `shell=True` put a `/bin/sh` in between, which forwards nothing. Ray's
    workers are the Ray node's processes, not the driver's children: they hear of the stop only
    when the driver tells them.

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
import subprocess, sys
import torch

def check_shard():
    with torch.no_grad():
        print(model(batch).sum())

if __name__ == "__main__":
    if "--worker" in sys.argv:
        check_shard()
    else:
        subprocess.run(["torchrun", "--nproc-per-node=2", __file__, "--worker"], check=True)
""", "torchrun runs this script again for a forward pass under no_grad: no training to signal"),
        Example("""
import subprocess
import sys

if __name__ == "__main__":
    result = subprocess.run([sys.executable, "check_numerics.py"], timeout=300)
    sys.exit(result.returncode)
""", "the project's script the child runs is read: it runs the model forward once, no training",
                files={"check_numerics.py": "import torch\n\nmodel = torch.nn.Linear(4, 4)\nwith torch.no_grad():\n"
                                            "    print(model(torch.randn(1, 4)).tolist())\n"}),
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
import multiprocessing as mp
import signal


def learner(stop):
    while not stop.is_set():
        batch = queue_get()
        model(batch).backward()
        optimizer.step()
    save_checkpoint()


if __name__ == "__main__":
    stop = mp.Event()

    def on_sigterm(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_sigterm)
    process = mp.Process(target=learner, args=(stop,))
    process.start()
    process.join()
""", "the handler sets the event the learner process was handed and polls"),
        Example("""
import os

os.execvp("torchrun", ["torchrun", "--nproc_per_node=4", "train.py"])
""", "exec replaces the launcher, so the trainer receives the signal itself"),
        Example("""
import os
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "pip", "install", "awswrangler"])
os.system("python3 -m pip install -U sagemaker && which accelerate")
location = subprocess.check_output(["which", "accelerate"], text=True)
subprocess.run(["accelerate", "env"], check=True)
""", "installs and queries: the program is pip or `which`, not a trainer, whatever words follow"),
        Example("""
import subprocess
import sys

# The benchmark's own repository has the scorer; it is not part of this project.
subprocess.run([sys.executable, "mmmu/eval/score_answers.py", "--results", "answers.json"], check=True)
""", "a script from elsewhere whose name does not say it trains: an evaluation is not guessed to be training"),
        Example("""
import subprocess
import unittest

def require_gpu(test):
    return unittest.skipUnless(True, "needs a GPU")(test)

class TestLaunch(unittest.TestCase):
    @require_gpu
    def test_launch(self):
        subprocess.check_output(["accelerate", "launch", "train.py"])

if __name__ == "__main__":
    print("run me with pytest")
""", "a decorator wraps the test method without calling it, and nothing here runs the test",
                name="launch_checks.py"),
        Example("""
import glob
import subprocess
import sys

for test_file in sorted(glob.glob("test_*.py")):
    subprocess.run([sys.executable, test_file], check=True)
""", "a script sigcheck cannot know (a glob of test files) is not taken for the trainer", name="run_tests.py"),
        Example("""
import signal

import ray


@ray.remote(num_gpus=1)
class Trainer:
    def fit(self, steps):
        for step in range(steps):
            model(next(batches)).backward()
            optimizer.step()

    def save(self):
        torch.save(model.state_dict(), "/opt/ml/checkpoints/model.pt")


trainer = Trainer.remote()
signal.signal(signal.SIGTERM, lambda signum, frame: ray.get(trainer.save.remote()))
ray.get(trainer.fit.remote(100_000))
""", "the driver's handler asks the actor to save: the stop is passed on"),
    )

    invalid = (
        Example("""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# expect: SIG010
proc = subprocess.Popen([sys.executable, os.path.join(HERE, "worker.py"), "--epochs", "10"])
sys.exit(proc.wait())
""", "a script beside the launcher, found though its folder is computed", name="launch.py",
                files={"worker.py": "for batch in loader:\n    model(batch).backward()\n    optimizer.step()\n"}),
        Example("""
import multiprocessing as mp
import signal
import threading

done = threading.Event()


def learner(stop):
    while not stop.is_set():
        model(next_batch()).backward()
        optimizer.step()


signal.signal(signal.SIGTERM, lambda signum, frame: done.set())
stop = mp.Event()
# expect: SIG010
process = mp.Process(target=learner, args=(stop,))
process.start()
done.wait()
""", "the handler sets an event of the parent's, not the one the child was handed"),
        Example("""
import subprocess

# expect: SIG010
proc = subprocess.Popen(["torchrun", "--nproc_per_node=8", "train.py"])
proc.wait()
""", "torchrun as a child that never hears of the stop", name="launch.py"),
        Example("""
import os

# expect: SIG010
os.system("python train.py --epochs 10")
""", "os.system adds a /bin/sh and cannot forward", name="launch.py"),
        Example("""
import subprocess
import sys

# expect: SIG010
subprocess.run(["env", "OMP_NUM_THREADS=4", sys.executable, "-u", "-m", "trainer.main", "--epochs", "10"])
""", "the interpreter runs a module after `env` and its own options"),
        Example("""
import subprocess

# expect: SIG010
subprocess.run(["python3", "recipes/finetune_llm.py", "--config", "qlora.yaml"], check=True)
""", "a script from elsewhere named for training", name="launch.py"),
        Example("""
import multiprocessing

def train(rank):
    for batch in loader:
        model(batch).backward()
        optimizer.step()

# expect: SIG010
multiprocessing.Process(target=train, args=(0,)).start()
""", "the training loop runs in a child process"),
        Example("""
import ray

from actors import PolicyActor

PolicyRayActor = ray.remote(num_gpus=1)(PolicyActor)

ray.init()
policy = PolicyRayActor.options(num_gpus=2).remote()
# expect: SIG010
ray.get(policy.fit.remote(epochs=3))
""", "a Ray actor made by hand (OpenRLHF's way) whose inherited fit trains",
                files={"actors.py": "class BaseActor:\n    def fit(self, epochs):\n        for epoch in range(epochs):\n"
                                    "            model(next(batches)).backward()\n            optimizer.step()\n\n\n"
                                    "class PolicyActor(BaseActor):\n    pass\n"}),
        Example("""
from ray import tune

# expect: SIG010
tune.run("PPO", config={"env": "CartPole-v1", "framework": "torch"}, stop={"time_total_s": 3600})
""", "Ray Tune runs RLlib's PPO, named by its registered name, in its worker processes (Azure ML's RLlib samples)"),
    )

    def check(self, analysis):
        # A finding from each entry point that runs a start unforwarded, where only PID 1 hears the
        # stop (Slurm signals the child itself: SIG001 judges it). The place is reported once, naming
        # the other entry points (detectron2's tools and projects share one launch()). A start of
        # the same workers on the other side of an if/else joins the first's trace (verl's vla).
        starts = sorted(analysis.child_starts, key=lambda c: (c.func_id, c.site.index))
        unforwarded = {(id(child), id(entry)) for child in starts for entry in self._unforwarded(analysis, child)}
        for number, child in enumerate(starts):
            anchor = analysis.point(child.func_id, child.site, "starts the child")
            for entry in analysis.entries:
                if (id(child), id(entry)) not in unforwarded or any(
                        (id(earlier), id(entry)) in unforwarded and _either_or(analysis, earlier, child)
                        for earlier in starts[:number]):
                    continue
                twins = [analysis.point(later.func_id, later.site, "starts it again") for later in starts[number + 1:]
                         if (id(later), id(entry)) in unforwarded and _either_or(analysis, child, later)]
                yield self.finding(anchor, self._message(analysis, child),
                                   analysis.path_points(self._path(analysis, entry, child)) + [anchor] + twins)

    def _unforwarded(self, analysis, child) -> list:
        """The entry points that run the start and whose stop never reaches its training."""
        passed = names_passed(analysis.project, child.site)
        return [entry for entry in analysis.entries if entry.runs(child.func_id, child.site)
                and not (entry.every_process_signalled_by and signalled_by_platform(child))
                and self._trains_in(analysis, entry, child) and not self._forwards(analysis, entry, passed)]

    @staticmethod
    def _path(analysis, entry, child) -> list:
        """The way to the start, through the call that hands a shared launcher its training command."""
        handing = analysis.handing_steps(child, entry.runs)
        if handing:
            return entry.path_to(handing[0].caller) + handing
        return entry.path_to(child.func_id)

    @staticmethod
    def _message(analysis, child) -> str:
        deadline = f"({analysis.deadline} s on {analysis.platform_label})"
        if child.runs == "command":
            via = " through /bin/sh" if child.shell else ""
            return (f"The trainer runs as a child process{via} and SIGTERM is never forwarded to it: it is "
                    f"SIGKILLed at the deadline {deadline} without saving")
        if not signalled_by_platform(child):
            ray = "a Ray worker (an actor's method or a remote task)" if child.api == "ray" \
                else "Ray's worker processes (a Ray Train or Ray Tune run)"
            return f"Training runs in {ray}, which the stop never reaches: no handler tells it to save before the deadline {deadline}"
        death = next((e.option("parent-death-signal") for e in analysis.knowledge.spawns.find(child.api)
                      if e.option("parent-death-signal")), None)
        interrupted = f"; a parent that is not PID 1 dies of the signal, and torch's spawn then interrupts the " \
            f"{'children' if child.when else 'child'} at once ({death}, {'their' if child.when else 'its'} parent-death signal)" \
            if death else ""
        if child.when:
            return (f"Training runs in child processes {child.when}, and SIGTERM is never forwarded "
                    f"to them: they are SIGKILLed at the deadline {deadline} without saving{interrupted}")
        return (f"Training runs in a child process and SIGTERM is never forwarded to it: it is "
                f"SIGKILLed at the deadline {deadline} without saving{interrupted}")

    @staticmethod
    def _trains_in(analysis, entry, child) -> bool:
        """Whether the child trains in this run: a shared launcher's child runs the function each
        caller hands it (`call_main(cfg, train)` in one script, `call_main(cfg, evaluate)` in
        another, or `spawn(work)` handing on to `mp.spawn(func)`). A child that meets no training
        loop or fit call in its walk trains if its calls, or the functions it hands a library (an
        RPC to a trainer), reach a step, or the processes it starts in turn do: no stop reaches
        them either (OpenRLHF's PPO driver, a Ray actor whose fit runs `fit` on each actor of a
        worker group)."""
        if child.runs in ("command", "library"):  # a script that runs itself again trains there where it trains here
            return not child.reruns or entry.first_work is not None
        work, runs = analysis.work, entry.everywhere.runs_a_passer  # the child's run is the target's, started from this one
        return any(work.first_work(target, runs) is not None if work.first_work(target) is not None
                   else work.reaches_a_step(target, runs, _HANDED_OR_STARTED) for target in child.targets
                   if target in entry.everywhere)

    @staticmethod
    def _forwards(analysis, entry, passed: set) -> bool:
        """Whether a SIGTERM handler of this run signals the child: it sends the signal on, or sets
        an event the child was handed (`mp.Process(target=learner, args=(stop,))`, `stop.set()`)."""
        for registration in entry.registrations:
            if registration.covers_sigterm and registration.handlers:
                sends, events = analysis.forwarding(registration)
                if sends is not None or not events.isdisjoint(passed):
                    return True
        return False


def _either_or(analysis, first, later) -> bool:
    """Whether two starts run the same workers from the two sides of one if/else."""
    same = first.runs == later.runs == "target" and first.targets \
        and (first.func_id, first.api, first.targets) == (later.func_id, later.api, later.targets)
    return bool(same) and any(isinstance(e, ir.Branch) and e.index < first.site.index < e.then_end <= later.site.index < e.end
                              for e in analysis.functions[first.func_id].events)
