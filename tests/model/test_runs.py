"""What an entry point's main thread runs, when a shared function calls what each caller passed."""

from __future__ import annotations

import textwrap

import pytest

from sigcheck.model.runs import _MAX_NEEDS, _keep

LAUNCHER = """
def report():
    print("done")


def launch(main_func, *args):
    main_func(*args)
    report()
"""

TOOL_WITH_HANDLER = """
import signal
import sys

from launcher import launch


def on_sigterm(signum, frame):
    sys.exit(0)


def main():
    signal.signal(signal.SIGTERM, on_sigterm)
    print("serving")


if __name__ == "__main__":
    launch(main)
"""

TOOL_THAT_TRAINS = """
from launcher import launch, report


def main(epochs):
    for epoch in range(epochs):
        loss = model(batch)
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    launch(main, 10)
    launch(report)
"""


@pytest.fixture
def tools(analysis):
    files = {"launcher.py": LAUNCHER, "serve.py": TOOL_WITH_HANDLER, "train.py": TOOL_THAT_TRAINS}
    return analysis({name: textwrap.dedent(text).lstrip("\n") for name, text in files.items()},
                    entries=("serve.py", "train.py"))


def test_each_script_runs_only_the_function_it_passed_to_a_shared_launcher(tools):
    serve, train = tools.entry_for("serve"), tools.entry_for("train")
    assert "serve:main" in serve.main and "train:main" not in serve.main
    assert "train:main" in train.main and "serve:main" not in train.main
    assert not train.main.runs_a_passer("serve:main")  # its way there holds only for serve.py's run
    assert [r.func_id for r in serve.registrations] == ["serve:main"]
    assert train.registrations == []
    assert train.first_work is not None and train.first_work.func_id == "train:main"
    assert serve.first_work is None


def test_listing_paths_and_run_order_take_only_the_passed_function(tools):
    train = tools.entry_for("train")
    assert "serve:main" not in train.main.listed and "train:main" in train.main.listed
    assert [s.callee for s in train.path_to("train:main")] == ["launcher:launch", "train:main"]
    registration = tools.registrations[0]
    assert train.position(registration.func_id, registration.site) is None


def test_a_call_written_out_keeps_the_edge_open_to_every_run(tools):
    """launch() calls report() itself, and train.py also passes report: the edge holds for all."""
    data = tools.graph.graph.get_edge_data("launcher:launch", "launcher:report", key="call")
    assert "passers" not in data
    assert "launcher:report" in tools.entry_for("serve").main
    passed = tools.graph.graph.get_edge_data("launcher:launch", "train:main", key="call")
    assert passed["passers"] == frozenset({"train:<module>"})


def test_ways_with_more_needs_than_kept_open_the_function_to_every_run():
    ways: dict = {}
    assert _keep(ways, "f", frozenset({frozenset({"a"})}))
    assert not _keep(ways, "f", frozenset({frozenset({"a"}), frozenset({"b"})}))  # needs more than a known way
    for number in range(_MAX_NEEDS):
        _keep(ways, "f", frozenset({frozenset({f"p{number}"})}))
    assert ways["f"] == [frozenset()]
    assert _keep(ways, "g", frozenset()) and not _keep(ways, "g", frozenset({frozenset({"a"})}))


HANDED_ON = """
def distributed_main(rank, main, cfg):
    main(cfg)


def _spawn_helper(main, cfg):
    return distributed_main(-1, main, cfg)


def call_main(cfg, main):
    if cfg.spawn:
        return _spawn_helper(main, cfg)
    return distributed_main(0, main, cfg)
"""


def test_a_function_handed_on_through_parameters_is_passed_by_the_script_that_chose_it(analysis):
    """metaseq: call_main(cfg, main) hands `main` to _spawn_helper, which hands it to
    distributed_main: the edge to each script's main holds for that script alone, so each run
    takes its own main, and its training is found on its own way there."""
    files = {
        "utils.py": HANDED_ON,
        "train.py": "from utils import call_main\n\ndef train_main(cfg):\n    for batch in cfg.loader:\n"
                    "        model(batch).backward()\n        optimizer.step()\n\n"
                    "def cli_main():\n    call_main(cfg, train_main)\n\ncli_main()\n",
        "bench.py": "from utils import call_main\n\ndef evaluate(cfg):\n    print(cfg)\n\n"
                    "def statistics():\n    call_main(cfg, evaluate)\n\nstatistics()\n",
    }
    a = analysis({name: textwrap.dedent(text) for name, text in files.items()}, entries=("train.py", "bench.py"))
    edge = a.graph.graph.get_edge_data("utils:distributed_main", "train:train_main", key="call")
    assert edge["passers"] == frozenset({"train:cli_main"})
    bench, train = a.entry_for("bench"), a.entry_for("train")
    assert "train:train_main" not in bench.main and "bench:evaluate" in bench.main
    assert bench.first_work is None and train.first_work.func_id == "train:train_main"


LOOPS_OVER_THE_LAUNCHER = {
    "train.py": "from utils import call_main\n\ndef train_main(cfg):\n    for batch in cfg.loader:\n"
                "        model(batch).backward()\n        optimizer.step()\n\n"
                "def sweep(seeds):\n    for seed in seeds:\n        call_main(seed, train_main)\n\nsweep([1, 2])\n",
    "bench.py": "from utils import call_main\n\ndef evaluate(cfg):\n    print(cfg)\n\n"
                "def statistics(names):\n    for name in names:\n        call_main(name, evaluate)\n\n"
                "statistics(['a', 'b'])\n",
}


def test_a_loop_over_a_shared_launcher_trains_only_where_its_caller_passed_training(analysis):
    """metaseq's generation benchmark loops over models calling call_main(cfg, evaluate): its loop
    reaches train.py's step only through the edge train.py opened, so in its run it is no
    training loop. A sweep over call_main(seed, train_main) is one, its step traced."""
    a = analysis({"utils.py": textwrap.dedent(HANDED_ON), **LOOPS_OVER_THE_LAUNCHER}, entries=("train.py", "bench.py"))
    bench, train = a.entry_for("bench"), a.entry_for("train")
    assert bench.first_work is None
    assert train.first_work.func_id == "train:sweep" and train.first_work.what == "training loop"
    notes = [point.note for point in a.work_points(train.first_work, train.main.runs_a_passer)]
    assert notes[-2:] == ["calls train_main", "training step backward()"]


SPAWNING_LAUNCHER = """
import torch.multiprocessing as mp


def distributed_main(rank, main, cfg):
    main(cfg)


def call_main(cfg, main):
    context = mp.start_processes(distributed_main, args=(main, cfg), nprocs=2, join=False)
    distributed_main(-1, main, cfg)
    context.join()
"""


def test_a_shared_spawn_is_reported_from_the_script_whose_function_trains_in_the_child(analysis):
    """The launcher's child runs what each caller hands it: the benchmark's child evaluates, so
    the SIG010 there is traced from train.py, though the benchmark comes first."""
    from sigcheck.rules.sig010_children_not_signaled import ChildrenNotSignaled

    files = {"utils.py": textwrap.dedent(SPAWNING_LAUNCHER), **LOOPS_OVER_THE_LAUNCHER}
    both = analysis(files, entries=("bench.py", "train.py"))
    [finding] = ChildrenNotSignaled().check(both)
    assert finding.trace[0].func_id.startswith("train:")


def test_a_child_that_trains_through_an_rpc_is_reported(analysis):
    """PyTorch's parameter-server example spawns ranks whose trainers run by RPC: no run hands the
    child a function, so whichever run starts it, the child trains."""
    from sigcheck.rules.sig010_children_not_signaled import ChildrenNotSignaled

    a = analysis({"train.py": textwrap.dedent("""
        import torch.distributed.rpc as rpc
        import torch.multiprocessing as mp

        def run_trainer(loader):
            for batch in loader:
                model(batch).backward()
                optimizer.step()

        def run(rank, world_size):
            rpc.init_rpc(f"worker{rank}", rank=rank, world_size=world_size)
            if rank == 0:
                rpc.rpc_sync("worker1", run_trainer, args=(loader,))
            rpc.shutdown()

        if __name__ == "__main__":
            mp.spawn(run, args=(2,), nprocs=2, join=True)
    """)})
    assert len(list(ChildrenNotSignaled().check(a))) == 1


def test_a_pool_worker_that_reaches_a_step_only_through_callbacks_trains_nothing(analysis):
    """NeMo's add_noise.py maps a function that writes noisy audio over a process pool; a path
    through an object it hands a library (whose methods could train) is no training in the
    worker. A worker whose own calls reach the step is reported."""
    from sigcheck.rules.sig010_children_not_signaled import ChildrenNotSignaled

    code = textwrap.dedent("""
        import multiprocessing
        import soundfile

        class Model:
            def train_step(self, batch):
                self.loss(batch).backward()
                self.optimizer.step()

        def process_row(row):
            soundfile.write(row["out"], Model())

        def train_row(row):
            Model().train_step(row)

        def main(rows):
            with multiprocessing.Pool(4) as pool:
                pool.map({worker}, rows)

        if __name__ == "__main__":
            main([])
    """)
    assert not list(ChildrenNotSignaled().check(analysis({"train.py": code.format(worker="process_row")})))
    assert len(list(ChildrenNotSignaled().check(analysis({"train.py": code.format(worker="train_row")})))) == 1


def test_a_function_passed_as_one_option_of_a_conditional_is_passed_by_the_scope_that_wrote_it(analysis):
    """torchrec's benchmarks: `run(_loop if enabled else None)` in train and in evaluate, each with
    its own nested `_loop`. The edge to each `_loop` holds where it was written, so evaluating runs
    the forward-only loop, not train's."""
    code = """
        def run(fn):
            if fn:
                fn()

        def train(inputs, enabled):
            def _loop():
                for x in inputs:
                    model(x).sum().backward()
                    opt.step()
            run(_loop if enabled else None)

        def evaluate(inputs, enabled):
            def _loop():
                for x in inputs:
                    model(x)
            run(_loop if enabled else None)

        if __name__ == "__main__":
            evaluate(data, True)
    """
    a = analysis({"train.py": textwrap.dedent(code)}, every_function=True)
    edge = a.graph.graph.get_edge_data("train:run", "train:train.<locals>._loop", key="call")
    assert edge["passers"] == frozenset({"train:train"})
    entry = a.entry_for("train")
    assert "train:train.<locals>._loop" not in entry.main and entry.first_work is None


def test_a_runner_under_the_main_guard_of_an_imported_module_picks_no_command(analysis):
    """The console script `speechkit = speechkit.__main__:cli` imports the module whose guarded
    block calls `cli()` too: that call never runs in the console script's run, and taken as a
    second runner it put every command in each command's run (serve's handler judged by train)."""
    cli = ("import click\n\n@click.group()\ndef cli():\n    pass\n\n@cli.command()\ndef serve():\n    pass\n\n"
           "@cli.command()\ndef train():\n    pass\n\nif __name__ == '__main__':\n    cli()\n")
    a = analysis({"train.py": "import sys\nfrom app import cli\nsys.exit(cli())\n", "app.py": cli}, ("train.py", "app.py"))
    runs = [sorted(run.command) for run in a.entry_for("train").command_runs]
    assert runs == [["app:serve"], ["app:train"]]
    assert [sorted(run.command) for run in a.entry_for("app").command_runs] == [["app:serve"], ["app:train"]]
