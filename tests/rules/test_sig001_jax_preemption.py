"""JAX's preemption service hears SIGTERM only in a run that started JAX's distributed runtime:
without `jax.distributed.initialize()` there is no sync manager, and orbax's
`reached_preemption(step)` (multihost_utils' `reached_preemption_sync_point`) is always false, so
the branch that saves never runs (maxtext calls it through its own helper)."""

from __future__ import annotations

import pytest

LOOP = """import sys
import jax
import orbax.checkpoint as ocp
{helper}

def main(state, batches, steps):
    {start}
    manager = ocp.CheckpointManager("/ckpt", options=ocp.CheckpointManagerOptions(save_interval_steps=1000))
    for step in range(steps):
        grads = jax.grad(loss_fn)(state.params, next(batches))
        state = state.apply_gradients(grads=grads)
        manager.save(step, args=ocp.args.StandardSave(state))
        if manager.reached_preemption(step):
            manager.wait_until_finished()
            sys.exit()


if __name__ == "__main__":
    main(state, batches, 100_000)
"""

HELPER = """

def start_distributed(config):
    if config.enable_checkpointing or config.hardware == "gpu":
        jax.distributed.initialize()
"""


@pytest.mark.parametrize("start, helper, reported", [
    ("pass", "", True),
    ("jax.distributed.initialize()", "", False),
    ("start_distributed(config)", HELPER, False),
], ids=["never initialised", "initialised", "initialised through a helper, on some runs (maxtext)"])
def test_the_preemption_test_handles_sigterm_only_where_the_distributed_runtime_starts(run_sigcheck, start, helper, reported):
    report = run_sigcheck({"train.py": LOOP.format(start=start, helper=helper)}, ["train.py"])
    assert [d.code for d in report.diagnostics] == (["SIG001"] if reported else [])


MAXTEXT = """import jax
import orbax.checkpoint as ocp


class StopTraining(Exception):
    pass


def maybe_save_checkpoint(manager, state, step, period):
    {save}
    if manager.reached_preemption(step):
        {answer}
        manager.wait_until_finished()
        raise StopTraining("Job is preempted.")


def train_loop(state, batches, steps=100_000, period=10_000):
    jax.distributed.initialize()
    options = ocp.CheckpointManagerOptions(save_decision_policy=ocp.checkpoint_managers.FixedIntervalPolicy(period))
    manager = ocp.CheckpointManager("/ckpt", options=options)
    try:
        for step in range(steps):
            grads = jax.grad(loss_fn)(state.params, next(batches))
            state = state.apply_gradients(grads=grads)
            maybe_save_checkpoint(manager, state, step, period)
    except StopTraining:
        return state


if __name__ == "__main__":
    train_loop(state, batches)
"""


@pytest.mark.parametrize("save, answer, reported", [
    ("if step % period == 0:\\n        manager.save(step, args=ocp.args.StandardSave(state))", "pass", True),
    ("pass", "pass", True),
    ("if step % period == 0:\\n        manager.save(step, args=ocp.args.StandardSave(state))",
     "manager.save(step, args=ocp.args.StandardSave(state), force=True)", False),
], ids=["a save every period only (maxtext)", "no save at all", "the branch saves"])
def test_a_preemption_test_handles_sigterm_only_where_a_save_answers_it(run_sigcheck, save, answer, reported):
    """MaxText notices the preemption and stops, but saves only every `checkpoint_period` steps:
    the steps since then are lost. The branch that saves at the preemption step answers it."""
    code = MAXTEXT.format(save=save.replace("\\n", "\n"), answer=answer)
    report = run_sigcheck({"train.py": code}, ["train.py"])
    assert [d.code for d in report.diagnostics] == (["SIG001"] if reported else [])


@pytest.mark.parametrize("start, noted", [("jax.distributed.initialize()", True), ("pass", False)])
def test_a_run_that_starts_jax_s_notifier_and_never_asks_it_is_told_to(run_sigcheck, start, noted):
    """flax's gemma example (triage DK): jax.distributed.initialize() takes SIGTERM for its
    preemption notifier, and the loop never checks reached_preemption_sync_point."""
    code = f"import jax\nimport optax\n\n\ndef main(params, batches):\n    {start}\n    for batch in batches:\n" \
           f"        grads = jax.grad(loss_fn)(params, batch)\n        params = optax.apply_updates(params, grads)\n\n\nmain(p, b)\n"
    (finding,) = run_sigcheck({"train.py": code}, ["train.py"], select=("SIG001",)).diagnostics
    assert ("reached_preemption_sync_point" in finding.message) is noted
