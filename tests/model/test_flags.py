"""Which flags a function looks at: what a stop handler sets has to be found where the loop reads it."""

from __future__ import annotations

import textwrap

GETTERS = """
class Stop:
    def __init__(self):
        self.stopping = False

    def plain(self):
        return self.stopping

    def through_a_local(self):
        agreed = all_ranks(self.stopping)
        return agreed

    def in_a_list(self):
        return [self.stopping]

    def tested_through_a_local(self):
        now = self.stopping
        if now:
            print("stopping")

    def unrelated(self):
        count = self.steps
        return count
"""


def test_a_flag_is_read_through_a_local_or_inside_a_list(analysis):
    """Megatron's signals_received() gathers the flag from every rank into a local it returns;
    others return it in a list: both read the flag as `return self.stopping` does."""
    a = analysis({"train.py": textwrap.dedent(GETTERS)})
    flag = ("attr", "stopping")
    for getter in ("plain", "through_a_local", "in_a_list", "tested_through_a_local"):
        assert flag in a.flags.read_in(f"train:Stop.{getter}"), getter
    assert flag not in a.flags.read_in("train:Stop.unrelated")


def test_an_item_unpacked_from_a_call_is_no_flag_read(analysis):
    """`status, _ = poll()` takes item 0 of what poll returns: no stored flag such as a
    handler's `self.t[0] = 1` (MXNet's RN50) is read there."""
    a = analysis({"train.py": textwrap.dedent("""
        def poll():
            return 1, 2

        def status():
            first, _ = poll()
            return first
    """)})
    assert ("item", 0) not in a.flags.read_in("train:status")


INDEXED = """
import functools
import signal

sizes = [4, 4]
stop = [False]


def on_term(flag, signum, frame):
    flag[0] = True


def guard(signum, frame):
    fired = [False]
    if not fired[0]:
        fired[0] = True


def polls():
    return stop[0]


def sized():
    return sizes[0] > 0


signal.signal(signal.SIGTERM, functools.partial(on_term, stop))
signal.signal(signal.SIGINT, guard)
"""


def test_an_indexed_flag_is_the_lists_not_every_lists_at_that_index(analysis):
    """Megatron's telemetry handler guards itself with `fired[0]`: no loop testing `sizes[0]`
    looks at it. A list handed to the handler as a parameter is the one its callers pass."""
    a = analysis({"train.py": textwrap.dedent(INDEXED)})
    [(written, _, _)] = a.flags.written("train:on_term")
    assert written == ("item", ("global", "train", "stop"), 0)
    assert written in a.flags.read_in("train:polls")
    assert written not in a.flags.read_in("train:sized")
    assert list(a.flags.written("train:guard")) == []  # an item of its own local list


def test_a_list_a_function_hands_to_itself_is_keyed_without_end(analysis):
    """`walk(items[1:])`, `visit(node[0])`: the parameter's argument is an item of the parameter."""
    a = analysis({"train.py": textwrap.dedent("""
        def visit(node, depth):
            if node[0]:
                visit(node[0], depth + 1)
            node[1] = True

        visit([[None, False], False], 0)
    """)})
    assert list(a.flags.written("train:visit")) == []  # the list each call is handed is none of one place


PROPERTY_FLAG = """
import signal, sys
import torch


class Preemption:
    def __init__(self):
        self._interrupted = False
        self._started = False
        signal.signal(signal.SIGTERM, self._handler)

    def _handler(self, signum, frame):
        self._interrupted = True

    @property
    def interrupted(self):
        return self._interrupted

    @property
    def started(self):
        return self._started


def main():
    preemption = Preemption()
    for step in range(1_000_000):
        model(batch).sum().backward()
        optimizer.step()
        if preemption.{read}:
            torch.save(model.state_dict(), "last.pt")
            sys.exit(0)


if __name__ == "__main__":
    main()
"""


def test_a_flag_read_through_a_property_is_polled(run_sigcheck):
    """NeMo's PreemptionCallback: the handler sets `_interrupted`, the loop asks `interrupted`."""
    assert run_sigcheck({"train.py": PROPERTY_FLAG.replace("{read}", "interrupted")}, ["train.py"]).diagnostics == []
    report = run_sigcheck({"train.py": PROPERTY_FLAG.replace("{read}", "started")}, ["train.py"])
    assert {d.code for d in report.diagnostics} == {"SIG002", "SIG004"}  # a property of another attribute


AGREED = """
import torch
import torch.distributed as dist

STOP = False

def broadcast_choice():
    flag = torch.tensor([1 if STOP else 0])
    dist.broadcast(flag, src=0)
    return flag.item() == 1

def summed_twice():
    local = torch.tensor([int(STOP)])
    total = local.clone()
    dist.all_reduce(total)
    return total.item() > 0

def size_only():
    flag = torch.tensor([1 if ready else 0])
    return flag.item()

def loop_with_fresh_copy():
    for step in range(10):
        agreed = torch.tensor(float(STOP))
        dist.all_reduce(agreed)
        if agreed > 0:
            break

def listed_and_broadcast():
    flag = [STOP]
    dist.broadcast_object_list(flag, src=0)
    return flag[0]

def listed_beside_another():
    sizes = [STOP, batch_size]
    dist.broadcast_object_list(sizes, src=0)
    return sizes[1]

def loop_with_stale_copy():
    stopping = STOP
    for step in range(10):
        if stopping:
            break
"""


def test_a_flag_agreed_on_by_the_ranks_is_read_where_the_result_is(analysis):
    """Ranks stop together: the flag goes into a tensor (`1 if STOP else 0`, `int(STOP)`), maybe
    through another local, is broadcast or summed, and the result is what is looked at."""
    a = analysis({"train.py": AGREED})
    flag = ("global", "train", "STOP")
    assert flag in a.flags.read_in("train:broadcast_choice")
    assert flag in a.flags.read_in("train:summed_twice")
    assert flag not in a.flags.read_in("train:size_only")
    # or goes into a list an object broadcast sends (mmengine's broadcast_object_list): its item is the flag
    assert flag in a.flags.read_in("train:listed_and_broadcast")
    assert flag not in a.flags.read_in("train:listed_beside_another")


def test_a_loop_test_reads_a_flag_through_a_local_only_when_computed_each_time(analysis):
    a = analysis({"train.py": AGREED})
    flag = ("global", "train", "STOP")
    tests = {fn: [e for e in a.project.functions[f"train:{fn}"].events if type(e).__name__ == "Branch"]
             for fn in ("loop_with_fresh_copy", "loop_with_stale_copy")}
    assert a.flags.test_checks("train:loop_with_fresh_copy", tests["loop_with_fresh_copy"][0], flag)
    assert not a.flags.test_checks("train:loop_with_stale_copy", tests["loop_with_stale_copy"][0], flag)


FORCED_SAVE = """
import torch

class PartitionSignalHandler:
    def __init__(self):
        self.stop = False

    def should_end(self):
        return self.stop

    def train_epoch(self):
        if self.stop:
            return 0.5
        return 1.0

def save_checkpoint(net, epoch, force_save=False):
    if epoch % 10 == 0 or force_save:
        torch.save(net.state_dict(), "ckpt.params")

def drain(queue, should_break):
    while not queue.empty() and not should_break:
        queue.get()

def fit(net, handler):
    for epoch in range(90):
        loss = handler.train_epoch()
        if loss:
            print(loss)
        should_break = handler.should_end()
        save_checkpoint(net, epoch, force_save=should_break)
        drain(queue, should_break)

fit(torch.nn.Linear(16, 1), PartitionSignalHandler())
"""


def test_a_flag_a_method_returns_reaches_a_test_through_a_local_and_a_parameter(analysis):
    """DeepLearningExamples' MXNet fit.py: `should_break = handler.should_end()` (which returns the
    flag), passed as `force_save=should_break` to the function whose `if ... or force_save:`
    saves. A value a function computes while testing the flag (a loss) carries no flag."""
    a = analysis({"train.py": textwrap.dedent(FORCED_SAVE)})
    flag = ("attr", "stop")
    saving = a.functions["train:save_checkpoint"]
    test = next(e for e in saving.events if type(e).__name__ == "Branch")
    assert a.flags.test_checks("train:save_checkpoint", test, flag)
    fit = a.functions["train:fit"]
    logging = next(e for e in fit.events if type(e).__name__ == "Branch")
    assert not a.flags.test_checks("train:fit", logging, flag)
    # a loop's test of a parameter: a drain the flag cuts short answers no stop (lerobot's learner)
    draining = next(e for e in a.functions["train:drain"].events if type(e).__name__ == "Loop")
    assert not a.flags.test_checks("train:drain", draining, flag)
