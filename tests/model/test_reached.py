"""What can run: the flow and the call graph cover the functions a run reaches from the module
bodies (and every function that registers a signal handler), not code that never runs."""

from __future__ import annotations

from sigcheck.model import reached
from sigcheck.model.values import FunctionV

RUNNER = """
import signal

def run(step):
    step()

def save():
    pass

def evaluate():
    pass

def never_called():
    run(evaluate)

def install():
    signal.signal(signal.SIGTERM, on_term)

def on_term(signum, frame):
    save()

run(save)
"""


def calls(a, caller: str) -> set[str]:
    return {callee for _, callee, kind in a.graph.graph.out_edges(caller, keys=True) if kind == "call"}


def test_a_function_no_run_reaches_passes_no_arguments(analysis):
    a = analysis({"train.py": RUNNER})
    assert calls(a, "train:run") == {"train:save"}  # not evaluate: never_called never runs
    assert "train:never_called" not in a.graph.built
    step = a.functions["train:run"].bindings["step"][0].value
    assert a.resolver.flow[("train:run", 0)] and set(a.resolver.resolve(step)) == {FunctionV("train:save")}


def test_every_function_mode_keeps_the_calls_of_code_that_never_runs(analysis):
    a = analysis({"train.py": RUNNER}, every_function=True)
    assert calls(a, "train:run") == {"train:save", "train:evaluate"}
    assert "train:never_called" in a.graph.built


def test_a_registration_no_run_reaches_is_still_judged_with_its_handler(analysis):
    a = analysis({"train.py": RUNNER})
    [registration] = a.registrations
    assert registration.func_id == "train:install"
    assert calls(a, "train:on_term") == {"train:save"}


def test_methods_of_an_object_a_library_calls_back_are_reached(analysis):
    a = analysis({"train.py": """
import torch

class Logger:
    def on_step(self, value):
        value()

def flush():
    pass

torch.utils.hooks.register(Logger())
Logger().on_step(flush)
"""})
    assert "train:Logger.on_step" in a.graph.built and calls(a, "train:Logger.on_step") == {"train:flush"}


def test_what_the_graph_reaches_beyond_the_flows_walk_is_taken_in_and_settled_again(analysis, monkeypatch):
    """The walk finds what the graph follows; were it to miss a function, the flow is settled
    again with it, so that its calls pass their arguments (`helper(step)` hands on `save`)."""
    missed = []
    original = reached.Reacher.reach

    def blind_to_run(self, fn, site, spans):
        found = original(self, fn, site, spans)
        if "train:run" in self.reached and not missed:
            del self.reached["train:run"]  # as if the walk had not seen `run(save)` reach it
            missed.append(fn.id)
            return [n for n in found if n not in spans["train:run"]]
        return found

    monkeypatch.setattr(reached.Reacher, "reach", blind_to_run)
    a = analysis({"train.py": """
def helper(f):
    f()

def run(step):
    helper(step)

def save():
    pass

def never_called():
    pass

run(save)
"""})
    assert calls(a, "train:helper") == {"train:save"}
    assert missed == ["train:<module>"]
    assert "train:never_called" not in a.graph.built  # settled over what runs, not over every function


NEVER_RUN = """
import subprocess
import torch

def train_forever(model, opt, data):
    for x in data:
        model(x).sum().backward()
        opt.step()

def relaunch():
    subprocess.run(["torchrun", "--nproc-per-node=8", "pretrain.py"])

print("nothing runs")
"""


PRETRAIN = """
for x in data:
    model(x).sum().backward()
    opt.step()
"""


def test_steps_and_children_of_code_that_never_runs_are_none_of_a_run(analysis):
    a = analysis({"train.py": NEVER_RUN, "pretrain.py": PRETRAIN})
    assert "train:train_forever" not in a.work.stepping and not a.child_starts
    every = analysis({"train.py": NEVER_RUN, "pretrain.py": PRETRAIN}, every_function=True)
    assert "train:train_forever" in every.work.stepping and [s.func_id for s in every.child_starts] == ["train:relaunch"]
