"""The first training work of each entry point: found once per function, the same as a fresh walk."""

from __future__ import annotations

import textwrap

from sigcheck.model.work import WorkFinder

# Two entry points meet the same cycle (prepare <-> load) from different sides; `fit` trains.
SHARED = {
    "common.py": """
        import torch

        def prepare(n):
            if n:
                load(n - 1)
            fit()

        def load(n):
            prepare(n)
            for batch in range(3):
                torch.optim.SGD([]).step()

        def fit():
            for epoch in range(3):
                torch.optim.SGD([]).step()
        """,
    "a.py": "from common import prepare\n\nprepare(2)\n",
    "b.py": "from common import load\n\nload(2)\n",
    "c.py": "from common import fit, load\n\nfit()\nload(1)\n",
}


def test_memoised_first_work_matches_a_fresh_walk_for_every_entry(analysis):
    files = {name: textwrap.dedent(text) for name, text in SHARED.items()}
    a = analysis(files, ("a.py", "b.py", "c.py"))
    shared = WorkFinder(a.graph, a.knowledge)
    for entry in ("a", "b", "c", "b", "a"):  # later asks read what earlier walks memoised
        body = a.project.modules[entry].body_id
        fresh = WorkFinder(a.graph, a.knowledge).first_work(body)
        found = shared.first_work(body)
        assert found is not None and fresh is not None
        assert (found.func_id, found.event.index, found.path) == (fresh.func_id, fresh.event.index, fresh.path)
        expected = next(work for _, func_id, event in shared.in_order(body, shared.stepping)
                        if (work := shared.work_kind(func_id, event)) in ("training loop", "fit call"))
        assert found.what == expected


def test_a_run_that_never_trains_has_no_first_work(analysis):
    a = analysis({"train.py": "import json\n\nprint(json.dumps({}))\n"})
    assert WorkFinder(a.graph, a.knowledge).first_work(a.project.modules["train"].body_id) is None


def test_a_backward_pass_trains_where_a_grad_is_read_also_inside_a_conditional_expression(analysis):
    a = analysis({"train.py": """
def step(w, lr, loss, clip):
    loss.backward()
    w.data.add_(clipped if clip else w.grad, alpha=-lr)


def profile(model, x):
    model(x).sum().backward()
"""})
    assert a.work._applies_gradients("train:step") and not a.work._applies_gradients("train:profile")
