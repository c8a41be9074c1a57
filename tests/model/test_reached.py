"""What can run: the flow and the call graph cover the functions a run reaches from the module
bodies (and every function that registers a signal handler), not code that never runs."""

from __future__ import annotations

from sigcheck.model import reached
from sigcheck.model.argflow import reachable_flow
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


CHAINED = """
class Batches:
    def __iter__(self):
        return iter(load())

def load():
    return []

def convert(x):
    return x

def ask(question, convert_to=None):
    if convert_to is not None:
        return convert_to(question)
    return question

def loop_over(batches):
    for batch in batches:
        pass

def hand_on(items):
    loop_over(items)

def main():
    ask("name?")
    ask("ok?", convert_to=convert)
    hand_on(Batches())

main()
"""


def test_a_call_of_a_parameter_reaches_what_a_later_round_passes_it(analysis):
    """`ask` is reached, and its `convert_to(...)` first resolved, in the round that passes it
    `convert`: the next round's resolver must read that site again, not the first one's."""
    a = analysis({"train.py": CHAINED})
    assert "train:convert" in a.graph.built and calls(a, "train:ask") == {"train:convert"}
    _, walked = reachable_flow(a.project, a.knowledge, reached.run_roots(a.project))
    assert "train:convert" in walked  # by the flow's own walk, not by a second settling


def test_a_loop_over_a_parameter_runs_the_iter_of_what_the_settled_flow_passes_it(analysis):
    """`batches` holds a Batches only after two rounds (main -> hand_on -> loop_over): the
    loop's `__iter__` is found when the loops are probed with the settled arguments, and the
    calls it makes pass theirs."""
    a = analysis({"train.py": CHAINED})
    assert {"train:Batches.__iter__", "train:load"} <= a.graph.built
    assert calls(a, "train:Batches.__iter__") == {"train:load"}


def test_loops_are_probed_once_the_call_sites_settle_not_after_every_round(analysis, monkeypatch):
    probes = []
    original = reached.Reacher.again

    def counted(self, resolver, changed, spans):
        probes.append(frozenset(changed))
        return original(self, resolver, changed, spans)

    monkeypatch.setattr(reached.Reacher, "again", counted)
    a = analysis({"train.py": CHAINED})
    assert "train:Batches.__iter__" in a.graph.built
    assert len(probes) == 1 and ("train:loop_over", 0) in probes[0]  # every change since, at once
