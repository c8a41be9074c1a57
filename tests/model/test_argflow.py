"""Arguments into parameters: what a parameter stands for, from the calls that pass it."""

from __future__ import annotations

import textwrap

import pytest

from sigcheck.model import ir
from sigcheck.model.argflow import MAX_ARGUMENTS, MAX_ROUNDS, _Collector, _pass, _passes
from sigcheck.model.resolve import Resolver
from sigcheck.model.values import ClassV, ConstV, FunctionV, InstanceV, SeqV


def param_values(a, func_id: str, name: str) -> set:
    (binding,) = a.functions[func_id].bindings[name]
    return set(a.resolver.resolve(binding.value))


def edges(a, caller: str) -> set[tuple[str, str]]:
    return {(callee, kind) for _, callee, kind in a.graph.graph.out_edges(caller, keys=True)}


@pytest.fixture
def flow(analysis):
    return lambda code, files=None: analysis({"train.py": code, **(files or {})}, every_function=True)


def test_positional_and_keyword_arguments_reach_parameters(flow):
    a = flow("""
        def save():
            pass

        def stop():
            pass

        def run(first, second, third=None):
            first()
            second()

        run(save, third=1, second=stop)
    """)
    assert param_values(a, "train:run", "first") == {FunctionV("train:save")}
    assert param_values(a, "train:run", "second") == {FunctionV("train:stop")}
    assert param_values(a, "train:run", "third") == {ConstV(1)}
    assert {c for c, k in edges(a, "train:run") if k == "call"} == {"train:save", "train:stop"}


def test_the_caller_gets_no_reference_edge_when_a_project_function_receives_the_function(flow):
    a = flow("""
        def save():
            pass

        def run(step):
            step()

        run(save)
        sorted([], key=save)
    """)
    assert edges(a, "train:<module>") == {("train:run", "call"), ("train:save", "reference")}
    assert ("train:save", "call") in edges(a, "train:run")


def test_methods_constructors_and_partials_skip_their_bound_parameters(flow):
    a = flow("""
        import functools

        class Job:
            def __init__(self, on_stop):
                self.on_stop = on_stop

            def run(self, step, *, done):
                pass

        def save():
            pass

        def finish(reason, callback):
            pass

        job = Job(save)
        job.run(save, done=finish)
        functools.partial(finish, "term")(save)
        functools.partial(finish, callback=save)
    """)
    assert param_values(a, "train:Job.__init__", "on_stop") == {FunctionV("train:save")}
    assert param_values(a, "train:Job.run", "step") == {FunctionV("train:save")}
    assert param_values(a, "train:Job.run", "done") == {FunctionV("train:finish")}
    assert param_values(a, "train:finish", "reason") == {ConstV("term")}
    assert param_values(a, "train:finish", "callback") == {FunctionV("train:save")}


def test_positions_after_a_star_argument_are_not_guessed(flow):
    a = flow("""
        def save():
            pass

        def run(step, other=None):
            pass

        run(*steps, save)
        run(*steps, other=save)
    """)
    assert FunctionV("train:save") not in param_values(a, "train:run", "step")
    assert FunctionV("train:save") in param_values(a, "train:run", "other")


def test_a_keywords_spread_keeps_the_positions_of_the_arguments_before_it(flow):
    """fairseq's hydra_train: `call_main(cfg, pre_main, **kwargs)` hands pre_main on as the second
    argument; the spread fills keywords only, while a `*` one leaves every position unknown."""
    a = flow("""
        def save():
            pass

        def call_main(cfg, main, **kwargs):
            main(cfg, **kwargs)

        def guess(cfg, main):
            pass

        call_main(None, save, **options)
        guess(*extra, save, **options)
    """)
    assert FunctionV("train:save") in param_values(a, "train:call_main", "main")
    assert ("train:save", "call") in edges(a, "train:call_main")
    assert FunctionV("train:save") not in param_values(a, "train:guess", "main")


def test_a_parameter_called_with_a_parameter_is_followed_to_a_fixed_point(flow):
    a = flow("""
        def leaf():
            pass

        def middle(f):
            f()

        def top(g, h):
            g(h)

        runner = top
        runner(middle, leaf)
    """)
    assert ("train:middle", "call") in edges(a, "train:top")
    assert ("train:leaf", "call") in edges(a, "train:middle")


def test_rounds_that_resolve_again_only_what_changed_reach_the_flow_of_rounds_that_resolve_all(flow):
    a = flow("""
        def leaf():
            pass

        def hop1(f):
            f()

        def hop2(f, x):
            f(x)

        def hop3(f, x, y):
            f(x, y)

        def hop4(f, x, y, z):
            f(x, y, z)

        start = hop4
        start(hop3, hop2, hop1, leaf)
    """)
    project = a.project
    sites = [e for fn in project.functions.values() for e in fn.events if isinstance(e, ir.CallSite)]
    everything: dict = {}  # each round a fresh resolver and every call site resolved
    for _ in range(MAX_ROUNDS):
        resolver = Resolver(project, everything)
        collected = _every_argument([list(_passes(project, resolver, site)) for site in sites])
        if collected == everything:
            break
        everything = collected
    assert a.resolver.flow == everything
    assert ("train:leaf", "call") in edges(a, "train:hop1")  # four rounds deep


def test_a_returned_parameter_is_this_calls_argument(flow):
    a = flow("""
        def first():
            pass

        def second():
            pass

        def same(x):
            return x

        probe_a = same(first)
        probe_b = same(x=second)
    """)
    body = a.functions["train:<module>"]
    assert set(a.resolver.resolve(body.bindings["probe_a"][0].value)) == {FunctionV("train:first")}
    assert set(a.resolver.resolve(body.bindings["probe_b"][0].value)) == {FunctionV("train:second")}


def test_objects_passed_to_a_constructor_keep_their_class(flow):
    a = flow("""
        class Saver:
            def save(self):
                pass

        class Job:
            def __init__(self, saver):
                self.saver = saver

            def on_term(self, signum, frame):
                self.saver.save()

        Job(Saver())
    """)
    assert param_values(a, "train:Job.__init__", "saver") == {InstanceV(ClassV("train:Saver"))}
    assert ("train:Saver.save", "call") in edges(a, "train:Job.on_term")


def test_a_handler_registered_through_a_helper_is_a_handler_edge_of_the_helper(flow):
    a = flow("""
        import signal

        def on_term(signum, frame):
            pass

        def install(handler):
            signal.signal(signal.SIGTERM, handler)

        install(on_term)
    """)
    assert ("train:on_term", "handler") in edges(a, "train:install")
    assert "train:on_term" not in {c for c, _ in edges(a, "train:<module>")}  # not run by the caller
    [registration] = a.registrations
    assert registration.action == "handler" and [t.func_id for t in registration.handlers] == ["train:on_term"]


def _every_argument(passes) -> dict:
    """The flow collected from scratch, site after site: what the kept collection must equal."""
    found: dict = {}
    positional: dict = {}
    for site_passes in passes:
        for fn, bound, args, kwargs, star in site_passes:
            _pass(found, fn, bound, args, kwargs, star, positional)
    return {key: tuple(arguments) for key, arguments in found.items()}


def test_a_kept_collection_equals_one_from_scratch_after_sites_move(flow):
    """Twenty call sites pass `f` different arguments: the first MAX_ARGUMENTS in site order are
    kept. When sites stop passing, or pass something else, only their parameters are rebuilt,
    and the answer is the one a collection from scratch gives."""
    calls = "".join(f"f(a{i}, b=a{i})\n" for i in range(20))
    a = flow("def f(x, b=None):\n    pass\n\n" + "".join(f"a{i} = {i}\n" for i in range(20)) + calls)
    project = a.project
    sites = [e for fn in project.functions.values() for e in fn.events if isinstance(e, ir.CallSite)]
    resolver = Resolver(project, {})
    passes = [list(_passes(project, resolver, site)) for site in sites]
    collector = _Collector(project)
    assert collector.update(list(range(len(sites))), passes) == {("train:f", 0), ("train:f", 1)}
    assert collector.flow == _every_argument(passes)
    assert len(collector.flow[("train:f", 0)]) == MAX_ARGUMENTS
    passes[2], passes[5] = [], passes[19]  # one site passes nothing now, another what the last passes
    assert collector.update([2, 5], passes) == {("train:f", 0), ("train:f", 1)}
    assert collector.flow == _every_argument(passes)
    assert collector.update([7], passes) == set()  # moved, but passing what it passed
    fresh = _Collector(project)
    assert fresh.update([3], [[] for _ in sites]) == set() and fresh.flow == {}  # a site that passes nothing


def test_a_started_function_receives_the_arguments_its_start_hands_it(flow):
    """SlowFast's launch_job: mp.spawn(run, args=(func, cfg)) calls run(index, func, cfg) in each
    child, so `func` is the training function; Thread(target=f, args=(x,)) calls f(x). An
    argument tuple sigcheck cannot see written out is not guessed."""
    a = flow("""
        import threading
        import torch.multiprocessing as mp

        def train(cfg):
            pass

        def run(local_rank, func, cfg):
            func(cfg=cfg)

        def watch(name):
            print(name)

        def launch_job(cfg, func, packed):
            mp.spawn(run, nprocs=8, args=(func, cfg))
            threading.Thread(target=watch, args=("job",)).start()
            mp.spawn(run, nprocs=8, args=packed)

        launch_job({}, train, ())
    """)
    assert param_values(a, "train:run", "func") == {FunctionV("train:train")}
    assert param_values(a, "train:watch", "name") == {ConstV("job")}
    assert ("train:train", "call") in edges(a, "train:run")


def test_a_parameter_whose_arguments_flip_back_keeps_both_and_the_flow_settles(flow):
    """A call resolved with a parameter's arguments can pass it nothing, and resolved without
    them pass them again (a score of parameters in transformers): the rounds would flip it until
    they ran out, and the answer would be whichever came last. Once its arguments come back,
    it keeps both, and only grows. Taken back once, it is a call resolved better."""
    a = flow("def f(x):\n    pass\n\nf(1)\nf(2)\n")
    project = a.project
    sites = [e for fn in project.functions.values() for e in fn.events if isinstance(e, ir.CallSite)]
    resolver = Resolver(project, {})
    passing = [list(_passes(project, resolver, site)) for site in sites]
    silent = [[] for _ in sites]
    collector = _Collector(project)
    key = ("train:f", 0)
    assert collector.update([0, 1], passing) == {key}
    assert collector.update([0, 1], silent) == {key} and key not in collector.flow  # resolved better: taken back
    assert collector.update([0, 1], passing) == {key}  # back again: kept from now on
    assert collector.update([0, 1], silent) == set()  # it would flip again: the flow has settled
    assert [sym.value for sym in collector.flow[key]] == [1, 2]
    assert collector.update([0], [[], passing[1]]) == set()  # a parameter that only grows


def test_the_tail_of_the_positional_arguments_lands_in_star_args_as_one_tuple(analysis):
    a = analysis({"train.py": textwrap.dedent("""
        def a():
            pass

        def b():
            pass

        def run(first, *rest, **options):
            probe = rest
            return first

        run(a, b, a)
        run(b)
        run(*[a], b)
    """).lstrip("\\n")})
    (value,) = [binding.value for binding in a.functions["train:run"].bindings["probe"]]
    # run(b) passes no tail; after a `*` argument the positions are not known, so nothing lands
    assert SeqV((FunctionV("train:b"), FunctionV("train:a"))) in a.resolver.resolve(value)
    assert all(not isinstance(v, SeqV) or len(v.items) == 2 for v in a.resolver.resolve(value))


def test_functions_handed_over_by_name_are_kept_past_the_cap_on_other_arguments(flow):
    """scenic's 39 scripts each pass their `main` to one shared `app.run(main=main)` (triage CB):
    each function is run only by the script that passed it, so more of them are kept."""
    defs = "".join(f"def main{i}():\n    pass\n\n\n" for i in range(20))
    calls = "".join(f"run(main{i})\n" for i in range(20)) + "".join(f"run({i})\n" for i in range(20))
    a = flow("def run(main):\n    main()\n\n\n" + defs + calls)
    arguments = a.resolver.flow[("train:run", 0)]
    assert sum(isinstance(sym, ir.Name) for sym in arguments) == 20
    assert sum(isinstance(sym, ir.Const) for sym in arguments) == MAX_ARGUMENTS
