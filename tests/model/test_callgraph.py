"""Call graph edges: which project function runs which, and how (the edge kind)."""

from __future__ import annotations

import pytest

from sigcheck.model import ir
from sigcheck.model.callgraph import MAIN_THREAD, Step


def edges(analysis, caller: str) -> set[tuple[str, str]]:
    """(callee, kind) pairs leaving `caller`."""
    return {(callee, kind) for _, callee, kind in analysis.graph.graph.out_edges(caller, keys=True)}


def calls(analysis, caller: str) -> set[str]:
    return {callee for callee, kind in edges(analysis, caller) if kind == "call"}


@pytest.fixture
def graph_of(analysis):
    """Edges of every function, called or not: how each is built (reachability: test_reached.py)."""
    def build(code: str, files: dict[str, str] | None = None):
        return analysis({"train.py": code, **(files or {})}, every_function=True)

    return build


def test_direct_call_and_module_body(graph_of):
    a = graph_of("""
        def step():
            pass

        def main():
            step()

        main()
    """)
    assert calls(a, "train:main") == {"train:step"}
    assert calls(a, "train:<module>") == {"train:main"}
    assert calls(a, "train:step") == set()


def test_alias_of_a_function(graph_of):
    a = graph_of("""
        def g():
            pass

        f = g
        f()
    """)
    assert calls(a, "train:<module>") == {"train:g"}


def test_from_import_as(graph_of):
    a = graph_of("""
        from helpers import run as go
        go()
    """, {"helpers.py": "def run():\n    pass\n"})
    assert "helpers:run" in calls(a, "train:<module>")


def test_reexport_through_package_init(graph_of):
    a = graph_of("""
        from pkg import train
        train()
    """, {"pkg/__init__.py": "from .core import train\n", "pkg/core.py": "def train():\n    pass\n"})
    assert "pkg.core:train" in calls(a, "train:<module>")


def test_import_edges_run_module_bodies(graph_of):
    a = graph_of("""
        import pkg.core
        from pkg import core
    """, {"pkg/__init__.py": "", "pkg/core.py": "x = 1\n"})
    assert ("pkg.core:<module>", "import") in edges(a, "train:<module>")
    assert ("pkg:<module>", "import") in edges(a, "train:<module>")


def test_relative_imports(graph_of):
    a = graph_of("""
        from pkg.sub.mod import main
        main()
    """, {
        "pkg/__init__.py": "",
        "pkg/util.py": "def b():\n    pass\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/x.py": "def helper():\n    pass\n",
        "pkg/sub/mod.py": "from . import x\nfrom ..util import b\n\ndef main():\n    x.helper()\n    b()\n",
    })
    assert calls(a, "pkg.sub.mod:main") == {"pkg.sub.x:helper", "pkg.util:b"}
    assert ("pkg.sub.x:<module>", "import") in edges(a, "pkg.sub.mod:<module>")


def test_self_method_call(graph_of):
    a = graph_of("""
        class Trainer:
            def fit(self):
                self.step()

            def step(self):
                pass
    """)
    assert calls(a, "train:Trainer.fit") == {"train:Trainer.step"}


def test_instantiation_calls_init_also_inherited(graph_of):
    a = graph_of("""
        class Base:
            def __init__(self):
                pass

        class Trainer(Base):
            pass

        class Direct:
            def __init__(self):
                pass

        Trainer()
        Direct()
    """)
    assert calls(a, "train:<module>") == {"train:Base.__init__", "train:Direct.__init__"}


def test_inherited_init_from_another_module(graph_of):
    a = graph_of("""
        from base import Base

        class Trainer(Base):
            pass

        Trainer()
    """, {"base.py": "class Base:\n    def __init__(self):\n        pass\n"})
    assert "base:Base.__init__" in calls(a, "train:<module>")


def test_method_through_instance_attribute(graph_of):
    a = graph_of("""
        class Trainer:
            def fit(self):
                pass

        class Job:
            def __init__(self):
                self.trainer = Trainer()

            def run(self):
                self.trainer.fit()
    """)
    assert calls(a, "train:Job.run") == {"train:Trainer.fit"}


def test_method_on_local_instance(graph_of):
    a = graph_of("""
        class Trainer:
            def fit(self):
                pass

        def main():
            t = Trainer()
            t.fit()
    """)
    assert "train:Trainer.fit" in calls(a, "train:main")


def test_method_on_instance_from_factory(graph_of):
    a = graph_of("""
        class Trainer:
            def fit(self):
                pass

        def make():
            return Trainer()

        def main():
            make().fit()
            t = make()
            t.fit()
    """)
    assert calls(a, "train:main") == {"train:make", "train:Trainer.fit"}


def test_nested_function(graph_of):
    a = graph_of("""
        def outer():
            def inner():
                leaf()
            inner()

        def leaf():
            pass
    """)
    assert calls(a, "train:outer") == {"train:outer.<locals>.inner"}
    assert calls(a, "train:outer.<locals>.inner") == {"train:leaf"}


def test_lambda_called_and_its_body(graph_of):
    a = graph_of("""
        def leaf():
            pass

        run = lambda: leaf()
        run()
    """)
    (lam,) = [f for f in a.functions.values() if f.kind == "lambda"]
    assert lam.id in calls(a, "train:<module>")
    assert calls(a, lam.id) == {"train:leaf"}


def test_decorator_returning_wrapped_function(graph_of):
    a = graph_of("""
        import functools

        def logged(fn):
            @functools.wraps(fn)
            def wrapper(*args, **kwargs):
                return fn(*args, **kwargs)
            return wrapper

        def marker(fn):
            return fn

        @logged
        def train():
            pass

        @marker
        def evaluate():
            pass

        train()
        evaluate()
    """)
    main = calls(a, "train:<module>")
    assert "train:evaluate" in main
    reached = a.graph.reach(["train:<module>"], frozenset({"call"}))
    assert "train:train" in reached


def test_decorator_application(graph_of):
    a = graph_of("""
        import atexit

        def register(fn):
            return fn

        @register
        def evaluate():
            pass

        @atexit.register
        def cleanup():
            pass
    """)
    assert edges(a, "train:<module>") == {("train:register", "call"), ("train:cleanup", "atexit")}


def test_partial_and_bound_method_handlers(graph_of):
    a = graph_of("""
        import functools
        import signal

        def stop(reason, signum, frame):
            pass

        class Job:
            def on_term(self, signum, frame):
                pass

        job = Job()
        signal.signal(signal.SIGTERM, functools.partial(stop, "term"))
        signal.signal(signal.SIGINT, job.on_term)
    """)
    handlers = {callee for callee, kind in edges(a, "train:<module>") if kind == "handler"}
    assert handlers == {"train:stop", "train:Job.on_term"}
    assert "train:stop" not in calls(a, "train:<module>")
    assert "train:stop" not in a.graph.reach(["train:<module>"], frozenset({"call", "import", "reference"}))


def test_function_passed_to_a_library_call_is_a_reference(graph_of):
    a = graph_of("""
        def key(item):
            return item

        sorted([], key=key)
    """)
    assert edges(a, "train:<module>") == {("train:key", "reference")}


def test_a_library_decorator_applied_by_hand_wraps_without_calling(graph_of):
    a = graph_of("""
        import hydra
        import unittest

        def work():
            pass

        def test_case():
            pass

        skipped = unittest.skipUnless(False, "no GPU")(test_case)
        main = hydra.main(config_path="conf")(work)
        main()
    """)
    assert edges(a, "train:<module>") == {("train:work", "call")}


@pytest.mark.parametrize("call", ["getattr(runner, 'start')(work)", "make_runner()(work)", "lib.Runner(cfg)(work)",
                                  "lib.wrap(cfg)(work, 1)"])
def test_a_callable_of_unknown_origin_may_call_its_argument(graph_of, call):
    a = graph_of(f"""
        import lib

        def make_runner():
            return lib.runner

        def work():
            pass

        {call}
    """)
    assert ("train:work", "reference") in edges(a, "train:<module>")


@pytest.mark.parametrize("runner", ["fire.Fire(train)", "typer.run(train)", "CLI(train)", "CLI(components=[train])",
                                    "CLI({'train': train, 'evaluate': evaluate})", "app.run(train)",
                                    "jsonargparse.cli.CLI(train)"])
def test_a_command_line_runner_calls_its_function_now(graph_of, runner):
    a = graph_of(f"""
        import fire
        import jsonargparse.cli
        import typer
        from absl import app
        from jsonargparse import CLI

        def train(epochs=3):
            for epoch in range(epochs):
                loss.backward()
                optimizer.step()

        def evaluate():
            pass

        if __name__ == "__main__":
            {runner}
    """)
    assert ("train:train", "call") in edges(a, "train:<module>")
    work = a.work.first_work("train:<module>")
    assert work is not None and work.func_id == "train:train"


def test_a_library_call_handed_a_function_does_not_run_it_in_order(graph_of):
    a = graph_of("""
        import lib

        def train():
            for epoch in range(3):
                loss.backward()
                optimizer.step()

        lib.register(train)
    """)
    assert edges(a, "train:<module>") == {("train:train", "reference")}
    assert a.work.first_work("train:<module>") is None


@pytest.mark.parametrize("spawn, kind", [
    ("threading.Thread(target=work).start()", "thread"),
    ("threading.Thread(None, work).start()", "thread"),
    ("threading.Timer(1, work).start()", "thread"),
    ("concurrent.futures.ThreadPoolExecutor().submit(work)", "executor"),
    ("multiprocessing.Process(target=work).start()", "process"),
    ("atexit.register(work)", "atexit"),
])
def test_spawn_kinds(graph_of, spawn, kind):
    a = graph_of(f"""
        import atexit
        import concurrent.futures
        import multiprocessing
        import threading

        def work():
            pass

        {spawn}
    """)
    assert ("train:work", kind) in edges(a, "train:<module>")
    assert "train:work" not in calls(a, "train:<module>")
    assert "train:work" not in a.graph.reach(["train:<module>"], frozenset({"call", "import", "reference"}))


def test_executor_from_with_statement(graph_of):
    a = graph_of("""
        from concurrent.futures import ThreadPoolExecutor

        def work():
            pass

        with ThreadPoolExecutor() as pool:
            pool.submit(work)
    """)
    assert ("train:work", "executor") in edges(a, "train:<module>")


def test_super_init_reaches_project_base(graph_of):
    a = graph_of("""
        class Base:
            def __init__(self):
                pass

            def fit(self):
                pass

        class Trainer(Base):
            def __init__(self):
                super().__init__()

            def fit(self):
                super(Trainer, self).fit()
    """)
    assert calls(a, "train:Trainer.__init__") == {"train:Base.__init__"}
    assert calls(a, "train:Trainer.fit") == {"train:Base.fit"}


def test_super_skips_own_class_in_deeper_hierarchy(graph_of):
    a = graph_of("""
        class A:
            def setup(self):
                pass

        class B(A):
            pass

        class C(B):
            def setup(self):
                super().setup()
    """)
    assert calls(a, "train:C.setup") == {"train:A.setup"}


def test_callback_instance_methods(graph_of):
    a = graph_of("""
        import lightning

        class SaveOnStop:
            def on_train_end(self, trainer, module):
                pass

        lightning.Trainer(callbacks=[SaveOnStop()])
    """)
    assert ("train:SaveOnStop.on_train_end", "callback") in edges(a, "train:<module>")


def test_a_builtin_calls_back_only_an_objects_special_methods(graph_of):
    """unsloth's liveness check `getattr(backend, "is_alive", None)` and a `print(backend)` run
    neither `start` nor any method named by the object; `sorted` compares with `__lt__`."""
    a = graph_of("""
        class Backend:
            def start(self):
                pass

            def __lt__(self, other):
                return True

        def check(backend):
            alive = getattr(backend, "is_alive", None)
            print(backend)
            return alive

        def order(backends):
            return sorted(backends)

        check(Backend())
        order([Backend(), Backend()])
    """)
    for caller in ("train:check", "train:order"):
        assert {callee for callee, kind in edges(a, caller) if kind == "callback"} == {"train:Backend.__lt__"}


@pytest.mark.parametrize("hold", ["_OPEN.discard(state)", "_OPEN.add(state)", "weakref.ref(state)",
                                  "collections.deque([state], maxlen=4)"])
def test_a_weak_set_or_a_collection_of_the_standard_library_calls_back_no_named_method(graph_of, hold):
    """Composer's Engine._close: `_OPEN_CALLBACKS.discard(callback)` on a WeakSet drops a reference
    and runs none of the object's methods, its `save` least of all."""
    a = graph_of(f"""
        import collections
        import weakref

        import torch

        _OPEN = weakref.WeakSet()

        class State:
            def save(self):
                torch.save({{}}, "ckpt.pt")

            def __hash__(self):
                return 0

        def forget(state: State):
            {hold}

        forget(State())
    """)
    assert {callee for callee, kind in edges(a, "train:forget") if kind == "callback"} == {"train:State.__hash__"}


@pytest.mark.parametrize("wrap", ["torch.compile(model)", "DDP(model, device_ids=[0])", "torch.jit.script(model)"])
def test_a_module_wrapper_calls_back_forward_and_torchs_own_methods_only(graph_of, wrap):
    """Compiling or wrapping the model runs its forward (and an override of state_dict), never the
    project's own `save`: the run that compiles a model does not save it by that."""
    a = graph_of(f"""
        import torch
        from torch.nn.parallel import DistributedDataParallel as DDP

        class Net(torch.nn.Module):
            def forward(self, x):
                return x

            def state_dict(self):
                return {{}}

            def save(self, path):
                torch.save(self.state_dict(), path)

        def main():
            model = Net()
            wrapped = {wrap}

        main()
    """)
    assert {callee for callee, kind in edges(a, "train:main") if kind == "callback"} == {"train:Net.forward", "train:Net.state_dict"}


def test_a_library_call_that_is_no_wrapper_may_call_any_method(graph_of):
    a = graph_of("""
        import torch
        import somelib

        class Net(torch.nn.Module):
            def forward(self, x):
                return x

            def save(self, path):
                torch.save(self.state_dict(), path)

        somelib.fit(Net())
    """)
    assert {callee for callee, kind in edges(a, "train:<module>") if kind == "callback"} == {"train:Net.forward", "train:Net.save"}


def test_dotted_import_runs_every_package_body(graph_of):
    a = graph_of("import pkg.sub.core\n", {
        "pkg/__init__.py": "", "pkg/sub/__init__.py": "", "pkg/sub/core.py": "",
    })
    assert edges(a, "train:<module>") == {("pkg:<module>", "import"), ("pkg.sub:<module>", "import"),
                                          ("pkg.sub.core:<module>", "import")}


def test_module_importing_itself_has_no_edge(graph_of):
    a = graph_of("import train\n")
    assert edges(a, "train:<module>") == set()


def test_self_call_reaches_subclass_override(graph_of):
    a = graph_of("""
        class Base:
            def run(self):
                self.training_step()

            def training_step(self):
                raise NotImplementedError

        class Mine(Base):
            def training_step(self):
                pass

        class Other:
            def training_step(self):
                pass

        Mine().run()
    """)
    assert calls(a, "train:Base.run") == {"train:Base.training_step", "train:Mine.training_step"}


def test_a_subclass_override_holds_in_the_runs_that_make_that_subclass(analysis):
    """ms-swift's pipelines: `SwiftDeploy(args).main()` and `SwiftSft(args).main()` share the base's
    `main`, which calls `self.run()`. Each entry point runs its own subclass's `run`; an override
    of a subclass no project code makes (a factory, a registry) stays open to every run."""
    code = {
        "base.py": "class Pipeline:\n    def main(self):\n        return self.run()\n\n    def run(self):\n"
                   "        raise NotImplementedError\n",
        "pipes.py": "from base import Pipeline\n\nclass Train(Pipeline):\n    def run(self):\n"
                    "        for batch in loader:\n            model(batch).backward()\n            opt.step()\n\n"
                    "class Serve(Pipeline):\n    def run(self):\n        print('serving')\n\n"
                    "class Plugin(Pipeline):\n    def run(self):\n        print('made elsewhere')\n",
        "train.py": "from pipes import Train\n\ndef train_main():\n    Train().main()\n\ntrain_main()\n",
        "serve.py": "from pipes import Serve\n\nif __name__ == '__main__':\n    Serve().main()\n",
    }
    a = analysis(code, entries=("train.py", "serve.py"))
    edge = a.graph.graph.get_edge_data("base:Pipeline.main", "pipes:Train.run", key="call")
    assert edge["passers"] == frozenset({"train:train_main"})
    assert "passers" not in a.graph.graph.get_edge_data("base:Pipeline.main", "pipes:Plugin.run", key="call")
    assert a.entry_for("serve").first_work is None
    assert a.entry_for("train").first_work.func_id == "pipes:Train.run"


def test_explicit_instance_call_does_not_guess_subclasses(graph_of):
    a = graph_of("""
        class Base:
            def step(self):
                pass

        class Mine(Base):
            def step(self):
                pass

        Base().step()
    """)
    assert "train:Mine.step" not in calls(a, "train:<module>")


def test_import_edge_sits_at_the_import_statement(graph_of):
    a = graph_of("""
        import os
        print(os.getpid())
        import launch

        def later():
            import helpers
    """, {"launch.py": "", "helpers.py": ""})
    (step,) = a.graph.callers("launch:<module>")
    assert step.caller == "train:<module>" and step.kind == "import"
    assert isinstance(a.functions["train:<module>"].events[step.site], ir.Import)
    event = a.functions["train:<module>"].events[step.site]
    assert a.positions.line_text("train", a.positions.span("train", event.node).line) == "import launch"
    assert [s.caller for s in a.graph.callers("helpers:<module>")] == ["train:later"]


def test_run_order_enters_imported_module_bodies(graph_of):
    a = graph_of("""
        import setup_signals

        def main():
            pass

        main()
    """, {"setup_signals.py": "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_DFL)\n"})
    order = a.work.order("train:<module>")
    (registration,) = a.registrations
    (main_call,) = [e for e in a.functions["train:<module>"].events if isinstance(e, ir.CallSite)]
    assert order[("setup_signals:<module>", registration.site.index)] < order[("train:<module>", main_call.index)]


def test_trace_through_an_import_points_at_the_import(run_sigcheck):
    report = run_sigcheck({
        "train.py": "import launch\n",
        "launch.py": 'import subprocess\n\nsubprocess.Popen(["torchrun", "worker.py"]).wait()\n',
    }, select=("SIG010",))
    assert not report.errors
    (finding,) = report.diagnostics
    assert (finding.trace[0].path, finding.trace[0].line) == ("train.py", 1)


def test_self_call_reaches_a_callable_a_subclass_stores_on_self(graph_of):
    a = graph_of("""
        class Base:
            def run(self):
                self.child()

        class Job(Base):
            def __init__(self):
                self.child = self.save

            def save(self):
                pass
    """)
    assert calls(a, "train:Base.run") == {"train:Job.save"}


def test_raising_a_class_runs_its_init(graph_of):
    a = graph_of("""
        class Stop(Exception):
            def __init__(self):
                pass

        def on_term(signum, frame):
            error = Stop
            raise error
    """)
    assert calls(a, "train:on_term") == {"train:Stop.__init__"}


def test_decorator_wrapper_is_called_and_calls_the_def(graph_of):
    a = graph_of("""
        def retry(fn):
            def wrapper():
                fn()
            return wrapper

        @retry
        def upload():
            pass

        def on_term(signum, frame):
            upload()
    """)
    assert calls(a, "train:on_term") == {"train:retry.<locals>.wrapper", "train:upload"}
    assert calls(a, "train:retry.<locals>.wrapper") == {"train:upload"}


def test_hundreds_of_stacked_decorators_are_analysed(graph_of):
    a = graph_of("def d(f):\n    return f\n\n" + "@d\n" * 800 + "def g():\n    pass\n\ng()\n")
    assert calls(a, "train:<module>") == {"train:d", "train:g"}


def test_reaching_walks_back_over_the_chosen_edge_kinds(analysis):
    graph = analysis({"train.py": """
        import threading

        def step():
            pass

        def loop():
            step()

        def worker():
            loop()

        threading.Thread(target=worker).start()
    """}).graph
    assert graph.reaching(["train:step"]) == {"train:step", "train:loop", "train:worker"}
    assert "train:<module>" in graph.reaching(["train:step"], frozenset({"call", "thread"}))


def test_an_import_under_type_checking_never_runs(graph_of):
    a = graph_of("""
        from __future__ import annotations
        from typing import TYPE_CHECKING
        import typing
        if TYPE_CHECKING:
            import heavy
        if typing.TYPE_CHECKING:
            from launch import Launcher
        def run(launcher: Launcher):
            launcher.go()
    """, {"heavy.py": "", "launch.py": "class Launcher:\n    def go(self):\n        pass\n"})
    assert a.graph.callers("heavy:<module>") == [] and a.graph.callers("launch:<module>") == []
    assert "heavy" in a.project.modules  # still read: annotations name its classes
    assert [s.caller for s in a.graph.callers("launch:Launcher.go")] == ["train:run"]


MAIN_BLOCK = {
    "train.py": """
        import helpers

        helpers.configure()
        """,
    "helpers.py": """
        import torch

        def configure():
            torch.manual_seed(0)

        def main():
            for step in range(100):
                torch.optim.SGD([]).step()

        if __name__ == "__main__":
            main()
        """,
}


def test_an_imported_module_runs_without_its_main_block(analysis):
    found = analysis(MAIN_BLOCK)
    train, helpers = found.project.modules["train"].body_id, found.project.modules["helpers"].body_id
    assert "helpers:main" not in found.graph.reach([train], MAIN_THREAD)
    assert "helpers:main" in found.graph.reach([helpers], MAIN_THREAD)  # run as the program, it does
    assert train not in found.work.stepping and helpers in found.work.stepping
    assert found.work.first_work(train) is None and found.work.first_work(helpers) is not None


def test_no_training_is_reported_through_an_import_of_a_script(run_sigcheck):
    report = run_sigcheck(MAIN_BLOCK, ["train.py"])
    assert [d.code for d in report.diagnostics] == []


def test_a_handler_registered_in_an_imported_main_block_does_not_protect_the_importer(run_sigcheck):
    report = run_sigcheck({
        "train.py": """
            import torch
            import setup_signals

            for step in range(1000):
                torch.optim.SGD([]).step()
            """,
        "setup_signals.py": """
            import signal, sys

            if __name__ == "__main__":
                signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
            """,
    }, ["train.py"])
    assert [d.code for d in report.diagnostics] == ["SIG001"]


def test_trace_of_a_loop_that_trains_through_a_call_goes_on_to_the_step(run_sigcheck):
    report = run_sigcheck({"train.py": """
def train_baseline(opt_level):
    for epoch in range(3):
        evaluate(opt_level)
        run_epoch(opt_level)


def run_epoch(opt_level):
    for batch in loader:
        model(batch).backward()
        optimizer.step()


if __name__ == "__main__":
    for opt_level in ["O1", "O2"]:
        train_baseline(opt_level)
"""}, select=("SIG001",))
    (finding,) = report.diagnostics
    assert [(step.line, step.note) for step in finding.trace] == [
        (14, "training loop starts here"), (15, "calls train_baseline"), (4, "calls run_epoch"),
        (9, "training step backward()")]


def test_trace_of_a_loop_that_steps_itself_ends_at_its_step(run_sigcheck):
    """What made the loop one of training, also where the body is too long to show it (nanoGPT's
    `while True:` steps 60 lines below)."""
    report = run_sigcheck({"train.py": "for epoch in range(300):\n    loss.backward()\n    optimizer.step()\n"}, select=("SIG001",))
    (finding,) = report.diagnostics
    assert [(step.line, step.note) for step in finding.trace] == [(1, "training loop starts here"),
                                                                  (2, "training step backward()")]


_RUNNER = """
class Runner:
    def __init__(self, fn):
        self.fn = fn

    def run(self):
        return self.fn()
"""


def test_a_callable_stored_by_another_entry_point_is_not_run_by_this_one(run_sigcheck):
    """The argument flow is one for the whole project: `self.fn` stands for both functions. Each
    script runs only what it passed, so evaluate.py neither trains nor has a handler that fails
    to save what it trains."""
    report = run_sigcheck({
        "runner.py": _RUNNER,
        "train.py": ("from runner import Runner\n\ndef train():\n    for epoch in range(10):\n"
                     "        loss.backward()\n        optimizer.step()\n\n"
                     "if __name__ == '__main__':\n    Runner(train).run()\n"),
        "evaluate.py": ("import signal, sys\nfrom runner import Runner\n\ndef evaluate():\n    print(0.9)\n\n"
                        "if __name__ == '__main__':\n    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))\n"
                        "    Runner(evaluate).run()\n"),
    }, args=["train.py", "evaluate.py"])
    assert [(d.code, d.path, d.trace[0].path) for d in report.diagnostics] == [("SIG001", "train.py", "train.py")]


def test_a_callable_a_helper_hands_on_is_passed_by_the_scope_that_named_it(graph_of):
    """launch(fn) hands `fn` on to Runner: the edge to train holds where launch(train) is called,
    not in every run of launch (launch(evaluate) alone runs no training)."""
    a = graph_of(_RUNNER + """
def train():
    for epoch in range(10):
        loss.backward()
        optimizer.step()

def evaluate():
    pass

def launch(fn):
    Runner(fn).run()

launch(train)
launch(evaluate)
""")
    (step,) = [s for s in a.work.first_work("train:<module>", lambda f: f == "train:<module>").path
               if s.callee == "train:train"]
    assert a.graph.condition(step) == frozenset({"train:<module>"})
    assert a.work.holds(step, lambda f: f == "train:<module>") and not a.work.holds(step, lambda f: f == "train:launch")


def test_a_function_passed_to_a_project_decorator_is_run_only_where_the_def_itself_runs(graph_of):
    """`@parse def main`: the wrapper runs main in the runs that call main's name, which stands
    for the wrapper and the def both; not in every run that imports the module that holds it."""
    a = graph_of("""
import sys


def parse(recipe_main):
    def wrapper():
        sys.exit(recipe_main({}))
    return wrapper


def make_recipe():
    @parse
    def inner(cfg):
        for batch in loader:
            model(batch).backward()
            optimizer.step()
    return inner


@parse
def recipe_main(cfg):
    print(cfg)
""")
    wrapper = "train:parse.<locals>.wrapper"
    (call,) = [e for e in a.functions[wrapper].events
               if isinstance(e, ir.CallSite) and getattr(e.func, "name", None) == "recipe_main"]
    conditions = {callee: a.graph.condition(Step(wrapper, call.index, callee, "call"))
                  for callee in ("train:recipe_main", "train:make_recipe.<locals>.inner")}
    assert conditions == {"train:recipe_main": frozenset({"train:recipe_main"}),
                          "train:make_recipe.<locals>.inner": frozenset({"train:make_recipe.<locals>.inner"})}


def test_a_script_calling_one_decorated_function_runs_no_other_the_decorator_wraps(run_sigcheck):
    """axolotl's `@send_errors` wraps both load_cfg and train in one module: a script that only
    loads the configuration trains nothing (triage BW)."""
    files = {
        "telemetry.py": "import functools\n\n\ndef send_errors(func):\n    @functools.wraps(func)\n"
                        "    def wrapper(*args, **kwargs):\n        return func(*args, **kwargs)\n\n    return wrapper\n",
        "train_lib.py": "from transformers import Trainer\n\nfrom telemetry import send_errors\n\n\n@send_errors\n"
                        "def load_cfg(path):\n    return {'path': path}\n\n\n@send_errors\ndef train(cfg, model):\n"
                        "    Trainer(model=model).train()\n",
        "preprocess.py": "from train_lib import load_cfg\n\nif __name__ == '__main__':\n    print(load_cfg('cfg.yml'))\n",
        "run_train.py": "from train_lib import train\n\nif __name__ == '__main__':\n    train({}, None)\n",
    }
    assert run_sigcheck(files, ["preprocess.py"]).diagnostics == []
    (finding,) = run_sigcheck(files, ["run_train.py"]).diagnostics
    assert (finding.code, finding.path) == ("SIG001", "train_lib.py")


_UNDER_REVIEW = ("import functools\nimport warnings\n\n\ndef under_review():\n    def decorator(fn):\n"
                 "        @functools.wraps(fn)\n        def wrapper(*args, **kwargs):\n"
                 "            warnings.warn('under review')\n            return fn(*args, **kwargs)\n\n"
                 "        return wrapper\n\n    return decorator\n")


def test_a_wrapper_shared_by_decorated_defs_runs_each_only_for_its_own(run_sigcheck):
    """lightning-bolts' `@under_review()` on a network block and on cli_main (triage DI): the loop
    that builds the layers calls the block's wrapper, which does not run cli_main's fit."""
    files = {
        "stability.py": _UNDER_REVIEW,
        "layers.py": "from stability import under_review\n\n\n@under_review()\ndef make_block(width):\n"
                     "    return width\n\n\ndef make_layers(width, blocks):\n    layers = []\n"
                     "    for _ in range(blocks):\n        layers.append(make_block(width))\n    return layers\n",
        "train.py": "from transformers import Trainer\n\nfrom layers import make_layers\nfrom stability import under_review\n\n\n"
                    "@under_review()\ndef cli_main():\n    model = make_layers(8, 4)\n    Trainer(model=model).train()\n\n\n"
                    "if __name__ == '__main__':\n    cli_main()\n",
    }
    (finding,) = run_sigcheck(files, ["train.py"]).diagnostics
    assert (finding.code, finding.path, finding.line) == ("SIG001", "train.py", 10)


def test_a_loop_calling_a_decorated_step_is_a_training_loop(run_sigcheck):
    """The other way round: the def a wrapper runs is what a call of its name runs."""
    files = {
        "stability.py": _UNDER_REVIEW,
        "train.py": "import torch\n\nfrom stability import under_review\n\n\n@under_review()\ndef step(model, optimizer, batch):\n"
                    "    model(batch).backward()\n    optimizer.step()\n\n\n@under_review()\ndef main(model, optimizer, loader):\n"
                    "    for batch in loader:\n        step(model, optimizer, batch)\n    torch.save(model.state_dict(), 'model.pt')\n\n\n"
                    "if __name__ == '__main__':\n    main(None, None, [])\n",
    }
    (finding,) = run_sigcheck(files, ["train.py"]).diagnostics
    assert (finding.code, finding.path, finding.line) == ("SIG001", "train.py", 14)


def test_calling_a_library_object_is_named_by_its_class_s_call_method(graph_of):
    """`loss_scaler(loss, optimizer)` on timm's NativeScaler runs its `__call__`, named so that
    knowledge can match it; an object sigcheck knows nothing about stays unnamed."""
    a = graph_of("""
        from timm.utils import NativeScaler
        import torch

        def step(loss, optimizer, made):
            loss_scaler = NativeScaler()
            loss_scaler(loss, optimizer)
            torch.nn.CrossEntropyLoss()(loss, loss)
            made(loss)
    """)
    fn = a.functions["train:step"]
    named = [a.graph.qualnames(fn.id, e) for e in fn.events if isinstance(e, ir.CallSite)]
    assert ["timm.utils.NativeScaler.__call__"] in named
    assert ["torch.nn.CrossEntropyLoss.__call__"] in named
    assert named[-1] == []  # `made(loss)`: a parameter nothing passes


def test_calling_a_typer_app_runs_its_registered_commands(graph_of):
    """setfit's scripts: `app = typer.Typer()`, `@app.command() def train(...)`, `app()`. Calling
    the app runs a command registered with it, not another app's nor an undecorated function."""
    a = graph_of("""
        import typer

        app = typer.Typer()
        tools = typer.Typer()

        @app.command()
        def train(epochs: int = 3):
            for epoch in range(epochs):
                loss.backward()
                optimizer.step()

        @tools.command()
        def convert():
            pass

        def helper():
            pass

        if __name__ == "__main__":
            app()
    """)
    assert calls(a, "train:<module>") == {"train:train"}
    work = a.work.first_work("train:<module>")
    assert work is not None and work.func_id == "train:train"


def test_a_runners_target_from_the_star_argument_leaves_the_keywords_handed_on(graph_of):
    # `CLI(*args, ...)`: the function run is the tail's first item, which is no written argument
    a = graph_of("""
        from jsonargparse import CLI

        def setup():
            pass

        def report():
            pass

        def cli(*args):
            return CLI(*args, on_done=report)

        cli(setup)
    """)
    assert ("train:setup", "call") in edges(a, "train:cli")
    assert any(callee == "train:report" for callee, _ in edges(a, "train:cli"))


def test_a_with_statement_runs_the_instances_enter(graph_of):
    # NVIDIA's ConvNets: `with TimeoutHandler() as th:` registers the SIGTERM handler in __enter__
    a = graph_of("""
        import contextlib

        class Guard:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

        class AsyncGuard:
            async def __aenter__(self):
                return self

        async def serve():
            async with AsyncGuard():
                pass

        def main():
            with Guard() as guard, open("log.txt") as log, contextlib.suppress(KeyError):
                pass
    """)
    assert {callee for callee, kind in edges(a, "train:main") if kind == "call"} == {"train:Guard.__enter__"}
    assert ("train:AsyncGuard.__aenter__", "call") in edges(a, "train:serve")
    assert "train:Guard.__enter__" in a.graph.built


def test_an_object_a_builtin_only_looks_at_runs_none_of_its_code(graph_of):
    """`type(self)(args)` makes a new instance of the class (mae's Trainer.checkpoint); type() and
    isinstance() call none of the object's methods, so `__call__` is no callback of theirs."""
    a = graph_of("""
class Trainer:
    def __init__(self, args):
        self.args = args

    def __call__(self):
        train(self.args)

    def again(self):
        if isinstance(self, Trainer):
            return type(self)(self.args)
""")
    assert edges(a, "train:Trainer.again") == {("train:Trainer.__init__", "call")}


def test_a_submitit_job_runs_the_callable_elsewhere_and_its_requeue_returns_the_next_one(graph_of):
    """submitit runs the callable in a job of its own and calls its checkpoint() there; the
    DelayedSubmission that checkpoint() returns is the next job's callable, which runs nothing now."""
    a = graph_of("""
import submitit


class Trainer:
    def __call__(self):
        train()

    def checkpoint(self):
        return submitit.helpers.DelayedSubmission(Trainer())


executor = submitit.AutoExecutor(folder="logs")
executor.submit(Trainer())
""")
    assert {("train:Trainer.__call__", "remote"), ("train:Trainer.checkpoint", "remote")} <= edges(a, "train:<module>")
    assert ("train:Trainer.__call__", "callback") not in edges(a, "train:Trainer.checkpoint")


_PLUGINS = """
import importlib
from typing import List


class BaseProcess:
    def run(self):
        pass


class TrainProcess(BaseProcess):
    def run(self):
        train()


class ExportProcess(BaseProcess):
    def run(self):
        export()


class Job:
    def __init__(self, config):
        self.process: List[BaseProcess]
        module = importlib.import_module(config["module"])
        self.process = [getattr(module, name)(config) for name in config["names"]]

    def run(self):
        for process in self.process:
            process.run()


def run_one(process: BaseProcess):
    process.run()


def train():
    pass


def export():
    pass
"""


@pytest.mark.parametrize("caller", ["train:Job.run", "train:run_one"])
def test_a_call_on_a_base_the_project_never_makes_runs_its_subclasses_overrides(graph_of, caller):
    """ai-toolkit's jobs run plugins' processes, known only as `self.process: List[BaseProcess]`
    (triage BW): each is one of the subclasses, never a BaseProcess itself."""
    a = graph_of(_PLUGINS)
    assert {callee for callee, kind in edges(a, caller) if kind == "call" and callee.endswith(".run")} == {
        "train:BaseProcess.run", "train:TrainProcess.run", "train:ExportProcess.run"}


@pytest.mark.parametrize("made", ["process_class = BaseProcess\n    process = process_class()",
                                  "process_class = importlib.import_module('train').BaseProcess\n    process = process_class()"])
def test_a_base_made_through_a_name_bound_to_its_class_is_made(graph_of, made):
    """DomainBed (triage DI): `algorithm_class = algorithms.ERM; algorithm_class()` makes the base
    itself, so a call on it runs the base's method, not each subclass's override."""
    a = graph_of(_PLUGINS + f"""

def make_and_run():
    {made}
    process.run()


def run_base(process: BaseProcess):
    process.run()
""")
    assert {callee for callee, kind in edges(a, "train:run_base") if kind == "call" and callee.endswith(".run")} == {
        "train:BaseProcess.run"}


def test_a_receiver_that_may_be_a_never_made_base_or_a_wrapper_runs_the_bases_overrides(graph_of):
    """ml-agents' trainer: a registry's class, annotated as the base, or GhostTrainer wrapping it
    (triage CX): the wrapper beside it does not hide the overrides of the base's subclasses."""
    a = graph_of(_PLUGINS + """

class Wrapper(BaseProcess):
    def __init__(self, inner: BaseProcess):
        self.inner = inner

    def run(self):
        self.inner.run()


def wrapped(process: BaseProcess, wrap):
    if wrap:
        process = Wrapper(process)
    process.run()
""")
    assert {callee for callee, kind in edges(a, "train:wrapped") if kind == "call" and callee.endswith(".run")} == {
        "train:BaseProcess.run", "train:TrainProcess.run", "train:ExportProcess.run", "train:Wrapper.run"}


@pytest.mark.parametrize("declared", ["BaseProcess", "TrainProcess"])
def test_an_attribute_the_class_body_annotates_holds_an_instance_of_that_class(graph_of, declared):
    """pytorch3d's implicitron Experiment: `training_loop: TrainingLoopBase` in the class body, the
    object made later by run_auto_creation's setattr (triage DA); named as the base, it is one of
    the subclasses; named as a subclass, that one."""
    a = graph_of(_PLUGINS + f"""

class Experiment:
    loop: {declared}

    def run(self):
        self.loop.run()
""")
    runs = {callee for callee, kind in edges(a, "train:Experiment.run") if kind == "call"}
    assert "train:TrainProcess.run" in runs and ("train:ExportProcess.run" in runs) is (declared == "BaseProcess")


def test_a_call_on_a_base_the_project_makes_runs_its_own_method_only(graph_of):
    a = graph_of(_PLUGINS + "\n\nrun_one(BaseProcess())\n")
    assert {callee for callee, kind in edges(a, "train:run_one") if kind == "call"} == {"train:BaseProcess.run"}


@pytest.mark.parametrize("base", ["", "ABC"])
def test_a_method_one_mixin_calls_on_self_runs_the_sibling_mixins(graph_of, base):
    """mmf's trainer: TrainingLoopMixin's loop calls `self.on_update_end()`, which
    CallbackHookMixin defines; the Trainer combines both (triage CF)."""
    a = graph_of(f"""
        from abc import ABC

        class CallbackHookMixin({base}):
            def on_update_end(self):
                pass

        class TrainingLoopMixin({base}):
            def training_loop(self):
                self.on_update_end()

        class Trainer(CallbackHookMixin, TrainingLoopMixin):
            pass

        Trainer().training_loop()
    """)
    assert "train:CallbackHookMixin.on_update_end" in calls(a, "train:TrainingLoopMixin.training_loop")


@pytest.mark.parametrize("decorator", ["property", "functools.cached_property"])
def test_reading_a_property_runs_its_getter(graph_of, decorator):
    """t5x's `train_step_fn = self._compiled_train_step or self._partitioned_train_step`, a
    cached_property that builds the jitted step (triage DK): the read runs the getter, whose
    calls hold in the runs that read it."""
    a = graph_of(f"""
import functools


class Trainer:
    @{decorator}
    def _partitioned_train_step(self):
        return build_step()

    def train(self):
        step_fn = self._compiled or self._partitioned_train_step
        step_fn()


def build_step():
    return lambda: None
""")
    assert ("train:Trainer._partitioned_train_step", "call") in edges(a, "train:Trainer.train")
