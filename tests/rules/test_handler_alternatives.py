"""A handler another registration makes moot: replaced before the training starts, or the other
ranks' side of a rank test whose rank 0 side saves. SIG002 and SIG004 judge only the handlers a
stop of the training can meet, for a process that has something of its own to keep."""

from __future__ import annotations

REPLACED = """
import signal, sys, torch

class TimeoutHandler:
    def __enter__(self):
        self.interrupted = False
        def handler(signum, frame):
            self.interrupted = True
        signal.signal(signal.SIGTERM, handler)
        return self

    def __exit__(self, *exc):
        return False

def ignore_while_loading():
    def handler(signum, frame):
        print("SIGTERM while loading, ignored")
    signal.signal(signal.SIGTERM, handler)

def main():
    ignore_while_loading()
    data = load()
    with TimeoutHandler() as timeout:
        for step in range(100_000):
            model(next(data)).backward()
            optimizer.step()
            if timeout.interrupted:
                torch.save(model.state_dict(), "ckpt.pt")
                sys.exit(0)

main()
"""

RANKS = """
import signal, sys, torch
import torch.distributed as dist

STOP = False

def on_rank_zero(signum, frame):
    global STOP
    STOP = True

def on_other_ranks(signum, frame):
    print("SIGTERM: rank 0 decides")

def main():
    if dist.get_rank() == 0:
        signal.signal(signal.SIGTERM, on_rank_zero)
    else:
        signal.signal(signal.SIGTERM, on_other_ranks)
    for step in range(100_000):
        model(next(data)).backward()
        optimizer.step()
        stop = torch.tensor([int(STOP)])
        dist.broadcast(stop, src=0)
        if stop.item():
            if dist.get_rank() == 0:
                torch.save(model.state_dict(), "ckpt.pt")
            sys.exit(0)

main()
"""

RULES = ("SIG002", "SIG004")


def _found(run_sigcheck, code):
    report = run_sigcheck({"train.py": code}, ["train.py"], select=RULES)
    return sorted((d.code, d.line) for d in report.diagnostics)


def test_a_handler_replaced_before_the_training_starts_is_not_judged(run_sigcheck):
    """Transformer-XL ignores SIGTERM while it loads its data, then its TimeoutHandler's
    __enter__ installs the handler that saves, before the first step."""
    assert _found(run_sigcheck, REPLACED) == []


def test_a_replacement_made_under_a_condition_leaves_the_first_handler_in_place(run_sigcheck):
    code = REPLACED.replace("def main():\n", "def main(args):\n").replace("main()\n", "main(parse())\n") \
        .replace("    with TimeoutHandler() as timeout:\n", "    timeout = TimeoutHandler().__enter__() if args.graceful else None\n    if True:\n")
    assert ("SIG002", 17) in _found(run_sigcheck, code)


def test_a_replacement_made_once_training_started_leaves_the_first_handler_in_place(run_sigcheck):
    code = REPLACED.replace("    data = load()\n", "    data = load()\n    for warmup in range(100):\n        model(next(data)).backward()\n        optimizer.step()\n")
    assert _found(run_sigcheck, code) == [("SIG002", 17), ("SIG004", 17)]


def test_the_other_ranks_handler_is_moot_where_rank_zero_saves(run_sigcheck):
    """NVIDIA's ConvNets: rank 0 records the stop and broadcasts it, the other ranks ignore the
    signal and stop when the broadcast says so; rank 0's checkpoint is the job's."""
    assert _found(run_sigcheck, RANKS) == []


def test_an_option_is_no_rank_test_its_other_side_runs_in_other_jobs(run_sigcheck):
    code = RANKS.replace("def main():\n    if dist.get_rank() == 0:", "def main(args):\n    if args.save_on_stop:") \
        .replace("main()\n", "main(parse())\n")
    assert _found(run_sigcheck, code) == [("SIG002", 17), ("SIG004", 17)]


def test_where_rank_zero_saves_nothing_the_other_ranks_handler_is_judged(run_sigcheck):
    code = RANKS.replace('                torch.save(model.state_dict(), "ckpt.pt")\n', '                print("stopping")\n')
    assert ("SIG002", 17) in _found(run_sigcheck, code)
