"""SIG010 judges a child by the run that starts it: a shared helper starts, in each script's run,
the function that script handed it, and a function passed through a shared helper's parameters
into a library call is handed over only in the runs that passed it."""

from __future__ import annotations

import pytest

SPAWN_HELPER = {
    "infer.py": """
        from util import spawn

        def work(rank):
            for _ in range(100):
                model.generate(data)

        if __name__ == "__main__":
            spawn(work, 2)
    """,
    "train.py": """
        from util import spawn

        def work(rank):
            for _ in range(100):
                model(data).backward()
                opt.step()

        if __name__ == "__main__":
            spawn(work, 2)
    """,
    "util.py": """
        import torch.multiprocessing as mp

        def spawn(func, nprocs=1):
            mp.spawn(func, nprocs=nprocs)
    """,
}


def test_a_shared_spawn_helper_is_traced_from_the_script_whose_function_trains(run_sigcheck):
    report = run_sigcheck(SPAWN_HELPER, ["."], select=("SIG010",))
    [finding] = report.diagnostics
    assert (finding.path, finding.line) == ("util.py", 4)
    assert [step.path for step in finding.trace] == ["train.py", "util.py"]


POLICIES = {
    "lib.py": """
        class Policy:
            def add_replacement(self, description, policy, key):
                policy.setdefault(key, {}).update(description)
                return policy

        def train_forward(self, loader):
            for batch in loader:
                self.model(batch).backward()
                self.opt.step()

        class TrainPolicy(Policy):
            def module_policy(self):
                return self.add_replacement(description={"forward": train_forward}, policy={}, key="m")
    """,
    "infer.py": """
        import torch.multiprocessing as mp
        from lib import Policy

        def infer_forward(self, x):
            return x

        class InferPolicy(Policy):
            def module_policy(self):
                return self.add_replacement(description={"forward": infer_forward}, policy={}, key="m")

        def worker(rank):
            InferPolicy().module_policy()
            for _ in range(10):
                model.generate()

        if __name__ == "__main__":
            mp.spawn(worker, nprocs=2)
    """,
}


def test_a_function_handed_to_a_library_through_a_shared_helper_is_handed_over_only_where_passed(run_sigcheck):
    """ColossalAI's shardformer policies: each hands its forward functions to a helper that
    stores them with dict.update. The inference workers' run hands over no training forward."""
    assert run_sigcheck(POLICIES, ["."], select=("SIG010",)).diagnostics == []
    trains = dict(POLICIES, **{"infer.py": POLICIES["infer.py"].replace("InferPolicy()", "TrainPolicy()")
                                                    .replace("from lib import Policy", "from lib import Policy, TrainPolicy")})
    assert [d.code for d in run_sigcheck(trains, ["."], select=("SIG010",)).diagnostics] == ["SIG010"]


COMMAND_HELPER = {
    "server.py": """
        import subprocess


        def run_command(cmd_args):
            return subprocess.call(cmd_args)


        def launch(args):
            run_command(cmd_args=args)


        def main():
            run_command(["whoami"])
            run_command(["torchrun", "--nproc-per-node=2", "train.py"])
            launch(["hostname"])


        if __name__ == "__main__":
            main()
    """,
    "train.py": """
        for step in range(1000):
            model(batch).backward()
            opt.step()
    """,
}


def test_a_shared_command_helper_is_traced_through_the_call_that_hands_it_the_trainer(run_sigcheck):
    report = run_sigcheck(COMMAND_HELPER, ["server.py"], select=("SIG010",))
    [finding] = report.diagnostics
    assert (finding.path, finding.line) == ("server.py", 5)
    assert [(step.line, step.note) for step in finding.trace] == [
        (19, "calls main"), (14, "calls run_command"), (5, "starts the child")]


def test_the_trainer_handed_on_through_two_helpers_is_traced_through_both(run_sigcheck):
    files = {**COMMAND_HELPER, "server.py": COMMAND_HELPER["server.py"].replace(
        '''run_command(["torchrun", "--nproc-per-node=2", "train.py"])''', '''launch(["python", "train.py"])''')}
    report = run_sigcheck(files, ["server.py"], select=("SIG010",))
    [finding] = report.diagnostics
    assert [(step.line, step.note) for step in finding.trace] == [
        (19, "calls main"), (14, "calls launch"), (9, "calls run_command"), (5, "starts the child")]


def test_a_worker_group_is_traced_through_the_call_that_names_the_training_method(run_sigcheck):
    files = {"train.py": """
        import ray


        @ray.remote
        class Worker:
            def init_model(self):
                self.model = build()

            def fit(self, steps):
                for _ in range(steps):
                    self.model(batch).backward()
                    self.opt.step()


        class WorkerGroup:
            def __init__(self, n):
                self.workers = [Worker.remote() for _ in range(n)]

            def execute_all(self, method_name: str, *args):
                return ray.get([getattr(w, method_name).remote(*args) for w in self.workers])


        group = WorkerGroup(4)
        group.execute_all("init_model")
        group.execute_all("fit", 1000)
    """}
    report = run_sigcheck(files, ["train.py"], select=("SIG010",))
    [finding] = report.diagnostics
    assert [(step.line, step.note) for step in finding.trace] == [
        (25, "calls WorkerGroup.execute_all"), (20, "starts the child")]


def test_a_start_several_scripts_run_names_the_others(run_sigcheck):
    """detectron2's tools and projects all train through one `launch()`: its start is reported
    once, and the scripts its trace does not start from are named, as SIG001 names them."""
    files = {**SPAWN_HELPER, "train_large.py": SPAWN_HELPER["train.py"], "tools/train_small.py": SPAWN_HELPER["train.py"]}
    report = run_sigcheck(files, ["."], select=("SIG010",))
    [finding] = report.diagnostics
    assert finding.trace[0].path == "train.py"
    assert finding.message.endswith("(also run from tools/train_small.py, train_large.py)")


_TRAINS = ("import torch\n\nmodel = torch.nn.Linear(4, 1)\nopt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
           "for epoch in range(100):\n    model(torch.randn(8, 4)).sum().backward()\n    opt.step()\n")


def test_a_trainer_started_in_the_background_is_no_child_the_launcher_holds(run_sigcheck):
    """yolov7's AWS resume script: `os.system("python train.py ... > /dev/null 2>&1 &")` returns at
    once and the launcher exits, so no parent is left to pass SIGTERM on; the trainer's own missing
    handler is SIG001's (triage BX)."""
    launcher = "import os\n\nos.system('nohup python train.py --resume last.pt > /dev/null 2>&1 &')\n"
    report = run_sigcheck({"resume.py": launcher, "train.py": _TRAINS}, ["resume.py"], select=("SIG010",))
    assert report.diagnostics == []


def test_trainers_started_in_the_background_and_waited_for_are_the_launchers_children(run_sigcheck):
    launcher = "import os\n\nos.system('python train.py --rank 0 & python train.py --rank 1 & wait')\n"
    report = run_sigcheck({"launch.py": launcher, "train.py": _TRAINS}, ["launch.py"], select=("SIG010",))
    assert [d.code for d in report.diagnostics] == ["SIG010"]


@pytest.mark.parametrize("start, interrupted", [
    ("torch.multiprocessing.spawn(worker, nprocs=2)", True),
    ("multiprocessing.Process(target=worker, args=(0,)).start()", False),
], ids=["torch's spawn", "a plain Process"])
def test_a_child_torchs_spawn_starts_is_said_to_be_interrupted_when_the_parent_dies(run_sigcheck, start, interrupted):
    """torch.multiprocessing.spawn's children have SIGINT as their parent-death signal: where the
    parent is not PID 1 they are interrupted at once, not SIGKILLed at the deadline (triages CM, CN, CO, CU)."""
    code = ("import multiprocessing\nimport torch\nimport torch.multiprocessing\n\n\ndef worker(rank):\n"
            "    model = torch.nn.Linear(2, 2)\n    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
            "    for step in range(1000):\n        model(torch.randn(4, 2)).sum().backward()\n        optimizer.step()\n\n\n"
            f"if __name__ == '__main__':\n    {start}\n")
    (finding,) = run_sigcheck({"train.py": code}, ["train.py"], select=("SIG010",)).diagnostics
    assert ("torch's spawn then interrupts the child at once (SIGINT, its parent-death signal)" in finding.message) is interrupted


def test_detectron2s_launch_children_are_said_to_be_interrupted_when_the_parent_dies(run_sigcheck):
    """detectron2's launch starts its workers with torch.multiprocessing.start_processes, whose
    children get SIGINT when the parent dies (Mask2Former's train_net.py, triage DB)."""
    code = ("import torch\nfrom detectron2.engine import launch\n\n\ndef main(args):\n    model = torch.nn.Linear(2, 2)\n"
            "    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n    for step in range(1000):\n"
            "        model(torch.randn(4, 2)).sum().backward()\n        optimizer.step()\n\n\n"
            "if __name__ == '__main__':\n    launch(main, 8, num_machines=1, args=(None,))\n")
    (finding,) = run_sigcheck({"train_net.py": code}, ["train_net.py"], select=("SIG010",)).diagnostics
    assert "torch's spawn then interrupts the children at once (SIGINT, their parent-death signal)" in finding.message, finding.message
