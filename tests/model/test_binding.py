"""A call that leaves a required parameter of the project function it names without a value
raises TypeError before the function runs: it adds no edge. Judged only where the parameters
are certain: a bare name only the def binds, no star arguments, no decorator or wrapper that may
fill them (`gin.configurable(train)`, `hydra.main(...)(main)`)."""

from __future__ import annotations

import pytest


def calls(analysis, caller: str) -> set[str]:
    return {callee for _, callee, kind in analysis.graph.graph.out_edges(caller, keys=True) if kind == "call"}


DEFS = """
import functools

def main(args, resume=False):
    pass

def keyword_only(*, config):
    pass

def positional_only(config, /):
    pass

def collect(*paths, **options):
    pass

def deco(f):
    @functools.wraps(f)
    def wrapper(*a, **k):
        return f(*a, **k)
    return wrapper

@deco
def decorated(args):
    pass

class Runner:
    def run(self, config):
        pass

    def go(self):
        self.run()  # not judged: an attribute call
"""


@pytest.mark.parametrize("call, runs", [
    ("main()", False),
    ("main(resume=True)", False),
    ("main(args)", True),
    ("main(args=args)", True),
    ("main(*argv)", True),  # what the star holds is not known
    ("main(**options)", True),
    ("keyword_only()", False),
    ("keyword_only(config=c)", True),
    ("keyword_only(c)", False),
    ("positional_only(config=c)", False),
    ("positional_only(c)", True),
    ("collect()", True),
    ("decorated()", True),  # the wrapper takes anything
    ("functools.partial(main, args)()", True),
])
def test_a_call_runs_the_function_only_when_it_binds_every_required_parameter(analysis, call, runs):
    a = analysis({"train.py": DEFS + f"\nargs = argv = options = c = None\n{call}\n"}, every_function=True)
    callee = f"train:{call.split('(')[0].replace('functools.partial', 'main')}"
    assert (callee in calls(a, "train:<module>")) is runs


def test_a_method_called_through_an_attribute_is_not_judged(analysis):
    a = analysis({"train.py": DEFS}, every_function=True)
    assert calls(a, "train:Runner.go") == {"train:Runner.run"}


@pytest.mark.parametrize("wrapping", [
    "configured = gin.configurable(main)\nconfigured()",
    "main = hydra.main(config_path='conf')(main)\nmain()",
])
def test_a_function_a_library_wraps_may_get_its_arguments_from_the_wrapper(analysis, wrapping):
    code = "import gin\nimport hydra\n\ndef main(cfg):\n    pass\n\n" + wrapping + "\n"
    a = analysis({"train.py": code}, every_function=True)
    assert "train:main" in calls(a, "train:<module>")


IJEPA = {
    "main.py": """
        import yaml
        from src.train import main as app_main

        if __name__ == "__main__":
            params = yaml.safe_load(open("configs/in1k.yaml"))
            app_main(args=params)
    """,
    "src/__init__.py": "",
    "src/train.py": """
        import torch

        def main(args, resume_preempt=False):
            for epoch in range(args["epochs"]):
                loss = model(batch).sum()
                loss.backward()
                optimizer.step()
            torch.save(model.state_dict(), args["out"])

        if __name__ == "__main__":
            main()
    """,
}


def test_a_main_guard_whose_call_cannot_bind_is_no_run_of_the_loop(run_sigcheck):
    """ijepa's src/train.py ends with `main()` although main requires args: run as a script it
    fails at once, so the finding is main.py's alone, with no "also run from" it."""
    [finding] = run_sigcheck(IJEPA, ["."], select=("SIG001",)).diagnostics
    assert (finding.path, finding.also_run_from) == ("src/train.py", ())
    assert "also run from" not in finding.message
    assert finding.trace[0].path == "main.py"
