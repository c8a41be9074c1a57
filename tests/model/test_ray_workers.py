"""Which functions a `.remote(...)` call runs in a Ray worker, and that they are no call of this process."""

from __future__ import annotations

from sigcheck.model import ir
from sigcheck.model.callgraph import MAIN_THREAD

RAY_PROJECT = {
    "train.py": """
import ray

from roles import Critic, Policy


@ray.remote(num_gpus=1)
def rollout(prompts):
    return prompts


class Tokenizer:
    @classmethod
    def remote(cls, name):  # a method of its own called remote: not Ray's
        return cls()


CriticActor = ray.remote(Critic)
ray.init()
policy = ray.remote(num_gpus=1)(Policy).options(num_gpus=2).remote("base")
critic = CriticActor.remote("base")
samples = rollout.remote(["hello"])
policy.fit.remote(samples)
critic.fit.remote(samples)
Tokenizer.remote("gpt2")
""",
    "roles.py": """
class Base:
    def __init__(self, name):
        self.name = name

    def fit(self, samples):
        return samples


class Policy(Base):
    pass


class Critic(Base):
    def fit(self, samples):
        return len(samples)
""",
}


def _run_by(analysis) -> dict[str, list[str]]:
    """What each `.remote(...)` call of the module body runs, by the call's line of code."""
    graph = analysis.graph
    body = analysis.project.modules["train"].body
    return {_spelled(e.func): graph.ray.run_by(e) for e in body.events
            if isinstance(e, ir.CallSite) and isinstance(e.func, ir.Attr) and e.func.attr == "remote"}


def _spelled(sym) -> str:
    if isinstance(sym, ir.Attr):
        return f"{_spelled(sym.base)}.{sym.attr}"
    if isinstance(sym, ir.CallOf):
        return f"{_spelled(sym.func)}()"
    return sym.name if isinstance(sym, ir.Name) else "?"


def test_remote_calls_run_tasks_actor_starts_and_actor_methods(analysis):
    run_by = _run_by(analysis(RAY_PROJECT))
    assert run_by == {
        "ray.remote": [],  # ray.remote(Critic) makes an actor class and runs nothing
        "ray.remote()().options().remote": ["roles:Base.__init__"],
        "CriticActor.remote": ["roles:Base.__init__"],
        "rollout.remote": ["train:rollout"],
        "policy.fit.remote": ["roles:Base.fit"],
        "critic.fit.remote": ["roles:Critic.fit"],
        "Tokenizer.remote": [],
    }


def test_a_worker_runs_in_another_process_not_on_the_main_thread(analysis):
    result = analysis(RAY_PROJECT)
    body = result.project.modules["train"].body_id
    on_main_thread = result.graph.reach([body], MAIN_THREAD)
    anywhere = result.graph.reach([body], MAIN_THREAD | {"process"})
    assert "roles:Critic.fit" not in on_main_thread and "roles:Critic.fit" in anywhere
    assert "train:Tokenizer.remote" in on_main_thread


def test_actors_kept_in_a_list_made_by_a_comprehension(analysis):
    """verl's and SkyRL's drivers: `workers = [Worker.remote() for _ in range(n)]`, then each
    worker's method, in a comprehension or a loop."""
    result = analysis({"train.py": """
import ray


@ray.remote(num_gpus=1)
class Worker:
    def train_step(self, batch):
        return batch

    def save(self, path):
        return path


workers = [Worker.remote() for _ in range(4)]
ray.get([w.train_step.remote(1) for w in workers])
for worker in workers:
    worker.save.remote("checkpoints")
"""})
    assert _run_by(result) == {"ray.remote": [], "Worker.remote": [],  # Worker has no __init__ of its own
                               "w.train_step.remote": ["train:Worker.train_step"],
                               "worker.save.remote": ["train:Worker.save"]}


def test_a_worker_group_runs_each_actors_method_by_its_name(analysis):
    """A worker group calls one method on every actor, by the name its caller passes
    (`group.execute_all("fit")`): the name written in getattr, or handed in."""
    code = """
import ray


@ray.remote
class Worker:
    def fit(self, steps):
        return steps

    def save(self):
        return None


class WorkerGroup:
    def __init__(self, n):
        self.workers = [Worker.remote() for _ in range(n)]

    def execute_all(self, method_name, *args):
        return [getattr(w, method_name).remote(*args) for w in self.workers]

    def save_all(self):
        return [getattr(w, "save").remote() for w in self.workers]

    def run_unknown(self, names):
        return [getattr(w, names.pop()).remote() for w in self.workers]


group = WorkerGroup(4)
ray.get(group.execute_all("fit", 1000))
"""
    result = analysis({"train.py": code})
    methods = result.project.functions
    run_by = {fid.rsplit(".", 1)[-1]: result.graph.ray.run_by(e) for fid in methods if fid.startswith("train:WorkerGroup.")
              for e in methods[fid].events if isinstance(e, ir.CallSite) and isinstance(e.func, ir.Attr)
              and e.func.attr == "remote"}
    assert run_by == {"__init__": [], "execute_all": ["train:Worker.fit"], "save_all": ["train:Worker.save"], "run_unknown": []}
