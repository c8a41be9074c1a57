"""The per-module summary built from a libcst tree: events, structure, bindings, imports."""

from __future__ import annotations

import textwrap

import libcst as cst

from sigcheck.model import ir
from sigcheck.model.builder import build_summary


def summarise(code: str, name: str = "train", is_package: bool = False) -> ir.ModuleSummary:
    tree = cst.parse_module(textwrap.dedent(code).lstrip("\n"))
    return build_summary(tree, name, f"/project/{name.replace('.', '/')}.py", f"{name}.py", is_package)


def kinds(fn: ir.FunctionInfo) -> list[str]:
    return [type(e).__name__ for e in fn.events]


def called(fn: ir.FunctionInfo) -> list[ir.Sym]:
    return [e.func for e in fn.events if isinstance(e, ir.CallSite)]


def test_functions_methods_lambdas_and_ids():
    s = summarise("""
        def main():
            def inner():
                pass
            return lambda: inner()

        class Trainer:
            def fit(self):
                pass

            class Config:
                def load(self):
                    pass
    """)
    assert set(s.functions) == {"train:<module>", "train:main", "train:main.<locals>.inner",
                                "train:main.<locals>.<lambda#1>", "train:Trainer.fit", "train:Trainer.Config.load"}
    assert s.functions["train:main.<locals>.inner"].parent == "train:main"
    assert s.functions["train:main.<locals>.<lambda#1>"].kind == "lambda"
    assert s.functions["train:Trainer.fit"].class_id == "train:Trainer"
    assert s.classes["train:Trainer"].methods == {"fit": "train:Trainer.fit"}
    assert s.classes["train:Trainer.Config"].methods == {"load": "train:Trainer.Config.load"}
    assert [b.value for b in s.body.bindings["main"]] == [ir.FuncRef("train:main")]
    assert "fit" not in s.body.bindings  # methods are not module names


def test_calls_in_source_order_with_arguments():
    s = summarise("""
        import signal
        signal.signal(signal.SIGTERM, handler=on_term)
        run(*args)
    """)
    first, second = [e for e in s.body.events if isinstance(e, ir.CallSite)]
    body = "train:<module>"
    assert first.func == ir.Attr(ir.Name("signal", body), "signal")
    assert first.args == (ir.Attr(ir.Name("signal", body), "SIGTERM"),)
    assert first.kwargs == (("handler", ir.Name("on_term", body)),)
    assert second.star_args and first.index < second.index


def test_nested_call_arguments_are_events_before_the_call():
    s = summarise("outer(inner())\n")
    assert [f.name for f in called(s.body)] == ["inner", "outer"]


def test_parameters_and_defaults_run_in_the_enclosing_scope():
    s = summarise("""
        def run(a, /, b=make(), *rest, c, **extra):
            pass
    """)
    fn = s.functions["train:run"]
    assert [(p.name, p.kind, p.has_default) for p in fn.params] == [
        ("a", "posonly", False), ("b", "pos", True), ("rest", "varargs", False),
        ("c", "kwonly", False), ("extra", "varkw", False)]
    assert [f.name for f in called(s.body)] == ["make"]
    assert called(fn) == []
    assert fn.bindings["b"][0].value == ir.Param("train:run", 1, None, ir.CallOf(ir.Name("make", "train:<module>")))


def test_imports_and_bindings():
    s = summarise("""
        import os.path
        import torch.distributed as dist
        from signal import signal as sig, SIGTERM
        from helpers import *
    """)
    assert {"os.path", "torch.distributed", "signal", "signal.signal", "signal.SIGTERM", "helpers"} <= s.imports
    bindings = {name: [b.value for b in found] for name, found in s.body.bindings.items()}
    assert bindings["os"] == [ir.Imported("os", None, "train")]
    assert bindings["dist"] == [ir.Imported("torch.distributed", None, "train")]
    assert bindings["sig"] == [ir.Imported("signal", "signal", "train")]
    assert bindings["SIGTERM"] == [ir.Imported("signal", "SIGTERM", "train")]
    assert bindings["*"] == [ir.Imported("helpers", None, "train")]
    assert [e.modules for e in s.body.events] == [
        ("os.path",), ("torch.distributed",), ("signal", "signal.signal", "signal.SIGTERM"), ("helpers",)]


def test_relative_imports_in_a_module_and_in_a_package():
    module = summarise("from . import x\nfrom ..a import b\nfrom .c import d\n", name="pkg.sub.mod")
    assert module.body.bindings["x"][0].value == ir.Imported("pkg.sub", "x", "pkg.sub.mod")
    assert module.body.bindings["b"][0].value == ir.Imported("pkg.a", "b", "pkg.sub.mod")
    assert module.body.bindings["d"][0].value == ir.Imported("pkg.sub.c", "d", "pkg.sub.mod")
    package = summarise("from .core import train\n", name="pkg", is_package=True)
    assert package.body.bindings["train"][0].value == ir.Imported("pkg.core", "train", "pkg")
    assert package.imports == {"pkg.core", "pkg.core.train"}


def test_relative_import_in_a_top_level_script_adds_no_empty_module():
    s = summarise("from . import helpers\n")
    assert "" not in s.imports


def test_assignment_targets():
    s = summarise("""
        class Job:
            limit = 3

            def __init__(self):
                self.stop = False

        a, (b, c) = 1, (2, 3)
        state["stop"] = True
        if (n := compute()):
            pass
    """)
    job = s.classes["train:Job"]
    assert job.attributes == {"limit": [ir.Const(3)], "stop": [ir.Const(False)]}
    bindings = {name: [b.value for b in found] for name, found in s.body.bindings.items()}
    assert bindings["a"] == [ir.Const(1)] and bindings["c"] == [ir.Const(3)]
    assert bindings["n"] == [ir.CallOf(ir.Name("compute", "train:<module>"))]
    assert "limit" not in bindings
    targets = [e.target for e in s.body.events if isinstance(e, ir.Assign)]
    assert ir.Item(ir.Name("state", "train:<module>"), ir.Const("stop")) in targets


def test_global_and_nonlocal_assignments_bind_in_the_owner():
    s = summarise("""
        stop = False

        def on_term(signum, frame):
            global stop
            stop = True

        def main():
            done = False

            def finish():
                nonlocal done
                done = True
    """)
    assert [b.value for b in s.body.bindings["stop"]] == [ir.Const(False), ir.Const(True)]
    assert "stop" not in s.functions["train:on_term"].bindings
    (assign,) = [e for e in s.functions["train:on_term"].events if isinstance(e, ir.Assign)]
    assert assign.target == ir.Name("stop", "train:<module>")
    assert [b.value for b in s.functions["train:main"].bindings["done"]] == [ir.Const(False), ir.Const(True)]
    (assign,) = [e for e in s.functions["train:main.<locals>.finish"].events if isinstance(e, ir.Assign)]
    assert assign.target == ir.Name("done", "train:main")


def test_loop_structure():
    s = summarise("""
        for batch in loader:
            step(batch)
            if done:
                break
        else:
            finished()
        while True:
            for x in y:
                break
            work()
    """)
    loops = [e for e in s.body.events if isinstance(e, ir.Loop)]
    first, forever, inner = loops
    events = s.body.events
    assert first.kind == "for" and first.exits and not first.infinite
    body_calls = [e.func.name for e in events[first.index + 1: first.body_end] if isinstance(e, ir.CallSite)]
    else_calls = [e.func.name for e in events[first.body_end: first.end] if isinstance(e, ir.CallSite)]
    assert body_calls == ["step"] and else_calls == ["finished"]
    assert forever.kind == "while" and forever.infinite
    assert not forever.exits  # the break leaves the inner loop only
    assert first.end <= forever.index and forever.index < inner.index < inner.end <= forever.end


def test_branch_ranges_and_guards():
    s = summarise("""
        if stop is None:
            a()
        elif other:
            b()
        else:
            c()
        if __name__ == "__main__":
            main()
    """)
    first, nested, guard = [e for e in s.body.events if isinstance(e, ir.Branch)]
    names = {e.index: e.func.name for e in s.body.events if isinstance(e, ir.CallSite)}
    assert [names[i] for i in range(first.index, first.then_end) if i in names] == ["a"]
    assert [names[i] for i in range(first.then_end, first.end) if i in names] == ["b", "c"]
    assert set(first.test_reads) == {ir.Name("stop", "train:<module>"), ir.Const(None)}
    assert first.then_end <= nested.index < nested.end == first.end
    assert guard.guard == "main" and s.has_main_guard


def test_condition_reads_constants_as_constants():
    s = summarise("while not stop and True:\n    pass\n")
    (loop,) = [e for e in s.body.events if isinstance(e, ir.Loop)]
    assert ir.Name("True", "train:<module>") not in loop.test_reads
    assert ir.Name("stop", "train:<module>") in loop.test_reads


def test_try_with_and_raise():
    s = summarise("""
        try:
            train()
        except (KeyboardInterrupt, SystemExit) as exc:
            save()
            raise
        except Exception:
            pass
        finally:
            cleanup()
        with open(path) as f, lock:
            write(f)
    """)
    (event,) = [e for e in s.body.events if isinstance(e, ir.Try)]
    first, second = event.clauses
    body = "train:<module>"
    assert first.types == (ir.Name("KeyboardInterrupt", body), ir.Name("SystemExit", body))
    assert [type(e).__name__ for e in s.body.events[first.start:first.end]] == ["CallSite", "Raise"]
    assert second.types == (ir.Name("Exception", body),) and second.start == second.end
    final = [e.func.name for e in s.body.events[event.final[0]:event.final[1]] if isinstance(e, ir.CallSite)]
    assert final == ["cleanup"]
    (with_event,) = [e for e in s.body.events if isinstance(e, ir.With)]
    assert with_event.items[1] == ir.Name("lock", body)
    assert s.body.bindings["f"][0].kind == "with"
    assert s.body.events[with_event.end - 1].func.name == "write"


def test_returns_and_decorators():
    s = summarise("""
        @register("x")
        def make():
            if ok:
                return Trainer()
            return None
    """)
    fn = s.functions["train:make"]
    assert fn.returns == [ir.CallOf(ir.Name("Trainer", "train:make")), ir.Const(None)]
    register = ir.CallOf(ir.Name("register", "train:<module>"), (ir.Const("x"),))
    assert fn.decorators == (register,)
    evaluate, apply = [e for e in s.body.events if isinstance(e, ir.CallSite)]
    assert evaluate.func == ir.Name("register", "train:<module>") and not evaluate.decorator
    assert apply.func == register and apply.args == (ir.FuncRef("train:make"),) and apply.decorator


def test_decorators_are_applied_bottom_up():
    s = summarise("""
        @outer
        @inner
        def f():
            pass
    """)
    assert [e.func.name for e in s.body.events if isinstance(e, ir.CallSite)] == ["inner", "outer"]


def test_class_body_calls_run_in_the_enclosing_scope():
    s = summarise("""
        class Job:
            handler = make_handler()
    """)
    assert [f.name for f in called(s.body)] == ["make_handler"]
    assert s.classes["train:Job"].attributes["handler"] == [ir.CallOf(ir.Name("make_handler", "train:<module>"))]


def test_lambda_body_is_its_own_function():
    s = summarise("callback = lambda signum, frame: stop.set()\n")
    (lam,) = [f for f in s.functions.values() if f.kind == "lambda"]
    assert [p.name for p in lam.params] == ["signum", "frame"]
    assert called(lam) == [ir.Attr(ir.Name("stop", lam.id), "set")]
    assert called(s.body) == []
    assert s.body.bindings["callback"][0].value == ir.FuncRef(lam.id)


def test_a_name_defined_twice_keeps_both_definitions():
    s = summarise("""
        if windows:
            def install():
                pass
        else:
            def install():
                signal.signal(signal.SIGTERM, on_term)

        class Job:
            class Config:
                pass
    """)
    assert [b.value for b in s.body.bindings["install"]] == [ir.FuncRef("train:install"), ir.FuncRef("train:install#2")]
    assert called(s.functions["train:install#2"]) and not called(s.functions["train:install"])
    assert s.functions["train:install#2"].qualname == "install"
    assert s.classes["train:Job"].attributes["Config"] == [ir.FuncRef("train:Job.Config")]


def test_property_setter_does_not_replace_the_getter():
    s = summarise("""
        class Job:
            @property
            def stop(self):
                return self._stop

            @stop.setter
            def stop(self, value):
                self._stop = value
    """)
    assert s.classes["train:Job"].methods == {"stop": "train:Job.stop"}
    assert "train:Job.stop#2" in s.functions


def test_starred_target_gets_the_middle_items():
    s = summarise("a, *b, c = w, x, y, z\n*d, e = p, q\n")
    body = "train:<module>"
    bindings = {name: [b.value for b in found] for name, found in s.body.bindings.items()}
    assert bindings["a"] == [ir.Name("w", body)] and bindings["c"] == [ir.Name("z", body)]
    assert bindings["b"] == [ir.Seq((ir.Name("x", body), ir.Name("y", body)))]
    assert bindings["d"] == [ir.Seq((ir.Name("p", body),))] and bindings["e"] == [ir.Name("q", body)]


def test_dict_displays_slices_and_yields():
    s = summarise("""
        handlers = {"term": on_term, **others}
        head = steps[1:3]

        def batches():
            yield first
            yield from rest
    """)
    body = "train:<module>"
    assert s.body.bindings["handlers"][0].value == ir.DictOf(((ir.Const("term"), ir.Name("on_term", body)),))
    assert s.body.bindings["head"][0].value == ir.SliceOf(ir.Name("steps", body), ir.Const(1), ir.Const(3))
    scope = "train:batches"
    assert s.functions[scope].yields == [ir.Name("first", scope), ir.Item(ir.Name("rest", scope), ir.Opaque("iteration"))]


def test_decorated_def_binds_the_decorated_value_and_the_def():
    s = summarise("""
        @outer
        @inner
        def step():
            pass
    """)
    body = "train:<module>"
    inner = ir.Decorated(ir.Name("inner", body), ir.FuncRef("train:step"))
    assert [b.value for b in s.body.bindings["step"]] == [ir.Decorated(ir.Name("outer", body), inner),
                                                         ir.FuncRef("train:step")]
    applied = [e for e in s.body.events if isinstance(e, ir.CallSite)]
    assert [e.args for e in applied] == [(ir.FuncRef("train:step"),), (inner,)]  # the outer one gets inner's result
