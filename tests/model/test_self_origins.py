"""A template method reached while an instance is being made runs the override of the class made."""

from __future__ import annotations

import pytest

DATASETS = {
    "pkg/__init__.py": "from pkg.base import Dataset, InMemoryDataset\nfrom pkg.planetoid import Planetoid\n"
                       "from pkg.graphland import GraphLand\n",
    "pkg/base.py": """
class Dataset:
    def __init__(self, root):
        self.root = root
        self._process()

    def _process(self):
        self.process()

    def process(self):
        raise NotImplementedError


class InMemoryDataset(Dataset):
    def __init__(self, root):
        super().__init__(root)
""",
    "pkg/planetoid.py": """
from pkg.base import InMemoryDataset


class Planetoid(InMemoryDataset):
    def __init__(self, root):
        super().__init__(root)

    def process(self):
        self.data = [1, 2, 3]
""",
    "pkg/graphland.py": """
import torch

from pkg.base import InMemoryDataset


class GraphLand(InMemoryDataset):
    def __init__(self, root):
        super(GraphLand, self).__init__(root)

    def process(self):
        model = torch.nn.Linear(3, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        for step in range(10_000):
            model(torch.zeros(3)).sum().backward()
            optimizer.step()
""",
}


def _calls(analysis, caller: str) -> set[str]:
    return {callee for _, callee, kind in analysis.graph.graph.out_edges(caller, keys=True) if kind == "call"}


def test_the_classes_made_decide_the_override_a_constructor_chain_runs(analysis):
    """pyg's datasets: `Planetoid(root)` runs `Dataset.__init__`, whose `self._process()` calls
    `self.process()`: Planetoid's. GraphLand's, a sibling nothing makes, is not run (triage CX:
    a SIG001 on GraphLand's processing was every pyg example's only finding)."""
    a = analysis({**DATASETS, "train.py": "from pkg import Planetoid\n\ndataset = Planetoid('/data')\n"})
    assert _calls(a, "pkg.base:Dataset._process") == {"pkg.base:Dataset.process", "pkg.planetoid:Planetoid.process"}


@pytest.mark.parametrize("made", ["GraphLand('/data')", "[Planetoid, GraphLand][k]('/data')"])
def test_a_run_that_makes_the_sibling_runs_its_override(run_sigcheck, made):
    train = f"from pkg import GraphLand, Planetoid\n\ndataset = {made}\n"
    report = run_sigcheck({**DATASETS, "train.py": train}, ["train.py"], select=("SIG001",))
    assert [(d.path, d.line) for d in report.diagnostics] == [("pkg/graphland.py", 13)]


@pytest.mark.parametrize("made", [
    "Planetoid('/data')",
    "Planetoid('/data')\nprint(dataset.root)",
])
def test_a_run_that_makes_only_other_classes_is_silent(run_sigcheck, made):
    train = f"from pkg import Planetoid\n\ndataset = {made}\n"
    report = run_sigcheck({**DATASETS, "train.py": train}, ["train.py"], select=("SIG001",))
    assert report.diagnostics == []


@pytest.mark.parametrize("way_in", [
    # the method is called on an object from outside the chain: which one is not known
    "dataset = Planetoid('/data')\ndataset._process()\nother._process()\n",
    # a library calls the hook: the classes it makes are not known
    "import somelib\nsomelib.register(Planetoid('/data')._process)\n",
])
def test_any_other_way_into_the_chain_keeps_every_override(run_sigcheck, way_in):
    train = f"from pkg import Planetoid\n\n{way_in}"
    report = run_sigcheck({**DATASETS, "train.py": train}, ["train.py"], select=("SIG001",))
    assert [(d.path, d.line) for d in report.diagnostics] == [("pkg/graphland.py", 13)]


def test_a_partial_of_a_library_class_makes_an_instance_of_it(run_sigcheck):
    """pyg's GraphLand keeps `partial(StandardScaler, copy=False)` in a dict and calls it: the
    `fit` is scikit-learn's scaler's, no training."""
    code = """
from functools import partial

from sklearn.preprocessing import StandardScaler

transforms = {"standard": partial(StandardScaler, copy=False)}


def prepare(x, name):
    transform = transforms[name]()
    transform.fit(x)
    return transform.transform(x)


if __name__ == "__main__":
    prepare([[1.0]], "standard")
"""
    assert run_sigcheck({"prepare.py": code}, ["prepare.py"]).diagnostics == []


SCRIPT = """
class Script:
    def __init__(self, opt):
        self.opt = opt

    def run(self):
        raise NotImplementedError

    @classmethod
    def _run_from_opt(cls, opt):
        script = cls(opt)
        return script.run()

    @classmethod
    def main(cls):
        return cls._run_from_opt({})
"""
LOOP = """
import torch

from script import Script


class Loop(Script):
    def run(self):
        model = torch.nn.Linear(2, 2)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for _ in range(1000):
            model(torch.zeros(2)).sum().backward()
            opt.step()


if __name__ == "__main__":
    Loop.main()
"""
BUILD_DICT = """
from script import Script


class BuildDict(Script):
    def run(self):
        return {"a": 1}


if __name__ == "__main__":
    BuildDict.main()
"""


def test_a_classmethod_called_on_a_class_makes_what_its_cls_makes(run_sigcheck):
    """ParlAI's scripts: `BuildDict.main()` runs `cls(opt).run()` with `cls` BuildDict, not every
    subclass's `run` (triage CX: a training loop of another script was reported on build_dict.py's run)."""
    report = run_sigcheck({"script.py": SCRIPT, "loop.py": LOOP, "build_dict.py": BUILD_DICT}, ["."], select=("SIG001",))
    assert [(d.path, d.line, d.trace[0].path) for d in report.diagnostics] == [("loop.py", 10, "loop.py")]


def test_an_instance_a_classmethod_makes_with_cls_may_be_of_any_subclass(run_sigcheck):
    """`cls(root)` in a classmethod of the base: the class is the one the caller names, so the
    overrides of every subclass stay possible (`GraphLand.build('/data')` makes a GraphLand)."""
    files = {**DATASETS, "pkg/base.py": DATASETS["pkg/base.py"].replace(
        "class InMemoryDataset(Dataset):", "    @classmethod\n    def build(cls, root):\n        return cls(root)\n\n\n"
                                            "class InMemoryDataset(Dataset):")}
    report = run_sigcheck({**files, "train.py": "from pkg import GraphLand\n\ndataset = GraphLand.build('/data')\n"},
                          ["train.py"], select=("SIG001",))
    assert [(d.path, d.line) for d in report.diagnostics] == [("pkg/graphland.py", 13)]
