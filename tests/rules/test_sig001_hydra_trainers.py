"""A project trainer that Hydra builds from the configuration (`instantiate(cfg.trainer)` with
`_target_: src.trainer.Trainer` in `configs/trainer/default.yaml`) runs although no module imports
it: sigcheck loads the modules the `@hydra.main` folder's targets name, makes `instantiate` build
those classes (running their `__init__`) and judges their training loops."""

from __future__ import annotations

from sigcheck.model.values import ClassV, ConfiguredV, InstanceV

TRAIN = """
import hydra
from omegaconf import DictConfig


@hydra.main(config_path="configs", config_name="train", version_base=None)
def main(cfg: DictConfig) -> None:
    model = hydra.utils.instantiate(cfg.model)
    trainer = hydra.utils.instantiate(cfg.trainer, model=model)
    trainer.train()


if __name__ == "__main__":
    main()
"""

TRAINER = """
import torch


class Trainer:
    def __init__(self, model, max_epochs=10):
        self.model = model
        self.max_epochs = max_epochs
        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def train(self):
        for epoch in range(self.max_epochs):
            loss = self.model(torch.randn(4, 8)).sum()
            loss.backward()
            self.optimizer.step()
        torch.save(self.model.state_dict(), "model.pt")
"""

HANDLED = """
import signal

import torch


class Trainer:
    def __init__(self, model, max_epochs=10):
        self.model = model
        self.max_epochs = max_epochs
        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        self.stop = False
        signal.signal(signal.SIGTERM, self._on_term)

    def _on_term(self, signum, frame):
        self.stop = True

    def train(self):
        for epoch in range(self.max_epochs):
            if self.stop:
                break
            loss = self.model(torch.randn(4, 8)).sum()
            loss.backward()
            self.optimizer.step()
        torch.save(self.model.state_dict(), "model.pt")
"""

CONFIGS = {
    "configs/train.yaml": "defaults:\n  - model: mlp\n  - trainer: default\n  - _self_\n",
    "configs/model/mlp.yaml": "_target_: torch.nn.Linear\nin_features: 8\nout_features: 2\n",
    "configs/trainer/default.yaml": "_target_: src.trainer.Trainer\nmax_epochs: 10\n",
    "src/__init__.py": "",
}


def _project(trainer: str = TRAINER, **files: str) -> dict[str, str]:
    return {"train.py": TRAIN, **CONFIGS, "src/trainer.py": trainer, **files}


def test_the_loop_of_a_trainer_only_the_configuration_names_is_judged(run_sigcheck):
    report = run_sigcheck(_project(), ["train.py"])
    [finding] = report.diagnostics
    assert (finding.code, finding.path, finding.source_line.strip()) == \
        ("SIG001", "src/trainer.py", "for epoch in range(self.max_epochs):")
    assert [step.path for step in finding.trace][:2] == ["train.py", "train.py"]
    assert "src/trainer.py" in report.files


def test_a_handler_the_configured_trainer_registers_when_built_is_heard(run_sigcheck):
    assert run_sigcheck(_project(HANDLED), ["train.py"]).diagnostics == []


def test_a_trainer_named_under_another_group_is_not_what_cfg_trainer_builds(run_sigcheck):
    files = _project(**{"configs/trainer/default.yaml": "_target_: lightning.pytorch.Trainer\n",
                        "configs/model/mlp.yaml": "_target_: src.trainer.Trainer\n"})
    files["train.py"] = TRAIN.replace("trainer.train()", "trainer.validate()")
    assert run_sigcheck(files, ["train.py"]).diagnostics == []  # `model` builds the class; nothing trains it


def test_a_configuration_folder_sigcheck_cannot_read_whole_loads_nothing(run_sigcheck):
    files = _project(**{"configs/extra.yaml": "hydra:\n  searchpath:\n    - pkg://other.configs\n"})
    report = run_sigcheck(files, ["train.py"])
    assert report.diagnostics == [] and "src/trainer.py" not in report.files


def _built(a) -> set:
    return set(a.resolver.resolve(a.functions["train:main"].bindings["trainer"][0].value))


def test_a_group_that_names_only_project_classes_builds_one_of_them(analysis):
    assert _built(analysis(_project())) == {InstanceV(ClassV("src.trainer:Trainer"))}


def test_a_group_that_also_names_a_library_class_keeps_the_unknown_object(analysis):
    built = _built(analysis(_project(**{"configs/trainer/lightning.yaml": "_target_: lightning.pytorch.Trainer\n"})))
    assert InstanceV(ClassV("src.trainer:Trainer")) in built and any(isinstance(v, ConfiguredV) for v in built)


COMPOSED = {
    "initialize_config_module": """
import sys
from hydra import compose, initialize_config_module
from hydra.utils import instantiate


def main(name):
    cfg = compose(config_name=name)
    instantiate(cfg.trainer, model=instantiate(cfg.model)).train()


if __name__ == "__main__":
    initialize_config_module("configs", version_base="1.2")
    main(sys.argv[1])
""",
    "with initialize": """
from hydra import compose, initialize
from hydra.utils import instantiate

if __name__ == "__main__":
    with initialize(config_path="configs", version_base="1.2"):
        cfg = compose(config_name="train")
    instantiate(cfg.trainer, model=instantiate(cfg.model)).train()
""",
    "hydra.initialize": """
import hydra

if __name__ == "__main__":
    with hydra.initialize(config_path="configs", version_base="1.2"):
        cfg = hydra.compose(config_name="train")
    hydra.utils.instantiate(cfg.trainer, model=hydra.utils.instantiate(cfg.model)).train()
""",
}


def test_a_trainer_the_compose_api_builds_is_judged(run_sigcheck):
    """sam2's training/train.py: `initialize_config_module("sam2")`, `compose(config_name=...)`, then
    `instantiate(cfg.trainer)` (triage BN); `with initialize(config_path=...)` likewise."""
    for name, train in COMPOSED.items():
        files = {**_project(), "train.py": train, "configs/__init__.py": ""}
        report = run_sigcheck(files, ["train.py"])
        assert [(d.code, d.path) for d in report.diagnostics] == [("SIG001", "src/trainer.py")], name
        assert run_sigcheck({**files, "src/trainer.py": HANDLED}, ["train.py"]).diagnostics == [], name
