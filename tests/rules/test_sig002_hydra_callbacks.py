"""SIG002 and a Lightning Trainer whose callbacks Hydra builds from the project's YAML files
(lightning-hydra-template and the projects made from it): `hydra.utils.instantiate(cb_conf)` for
each node under `callbacks`, then `instantiate(cfg.trainer, callbacks=callbacks)`. No run builds a
callback that no file under the `@hydra.main` config_path names."""

from __future__ import annotations

import pytest

from sigcheck.checking.rule import Example

_TRAIN = """
from typing import List

import hydra
from lightning import Callback, Trainer

from helpers import instantiate_callbacks


@hydra.main(version_base="1.3", config_path={path}, config_name="train")
def main(cfg):
    callbacks: List[Callback] = instantiate_callbacks(cfg.get("callbacks"))
    trainer: Trainer = hydra.utils.instantiate(cfg.trainer, callbacks=callbacks)
    {expect}trainer.fit(hydra.utils.instantiate(cfg.model))


if __name__ == "__main__":
    main()
"""

_HELPERS = {"helpers.py": """
import hydra


def instantiate_callbacks(callbacks_cfg):
    callbacks = []
    for _, cb_conf in callbacks_cfg.items():
        if "_target_" in cb_conf:
            callbacks.append(hydra.utils.instantiate(cb_conf))
    return callbacks
"""}

_CONFIGS = {
    "configs/train.yaml": "defaults:\n  - callbacks: default\n  - trainer: default\n  - _self_\n",
    "configs/trainer/default.yaml": "_target_: lightning.pytorch.trainer.Trainer\nmax_epochs: 10\n",
    "configs/model/net.yaml": "_target_: models.Net\nlr: 0.001\n",
    "configs/callbacks/default.yaml": "defaults:\n  - model_checkpoint\n  - _self_\n",
    "configs/callbacks/model_checkpoint.yaml": ("model_checkpoint:\n  _target_: lightning.pytorch.callbacks.ModelCheckpoint\n"
                                                "  save_last: True\n"),
}


def _app(expect: bool = False, path: str = '"configs"', **files: str) -> Example:
    code = _TRAIN.format(path=path, expect="# expect: SIG002\n    " if expect else "")
    return Example(code, files.pop("why", ""), files={**_HELPERS, **_CONFIGS, **files})


LOSES_WORK = (
    _app(True, why="ModelCheckpoint is the only callback the configuration names"),
    _app(True, **{"configs/experiment/long.yaml": "callbacks:\n  model_checkpoint:\n    save_top_k: 3\n",
                  "configs/callbacks/model_checkpoint.yaml": _CONFIGS["configs/callbacks/model_checkpoint.yaml"]
                  + "  save_on_exception: False\n", "why": "save_on_exception written out as false"}),
    _app(True, **{"configs/callbacks/default.yaml": "defaults:\n  - model_checkpoint\n  - _self_\n\nmodel_checkpoint:\n"
                  "  dirpath: checkpoints\n  save_last: true\n", "why": "the defaults list's own override saves nothing more"}),
    Example(_TRAIN.format(path='"../configs"', expect="# expect: SIG002\n    "), "the configuration folder above the script's",
            files={"src/helpers.py": _HELPERS["helpers.py"], **_CONFIGS}, name="src/train.py"),
)

SAVES_OR_UNSEEN = (
    _app(**{"configs/callbacks/on_exception.yaml": "on_exception:\n  _target_: lightning.pytorch.callbacks.OnExceptionCheckpoint\n",
            "why": "a file names OnExceptionCheckpoint"}),
    _app(**{"configs/experiment/resumable.yaml": "callbacks:\n  model_checkpoint:\n"
            "    _target_: lightning.pytorch.callbacks.ModelCheckpoint\n    save_on_exception: true\n",
            "why": "an experiment turns save_on_exception on"}),
    _app(**{"configs/callbacks/default.yaml": "defaults:\n  - model_checkpoint\n  - _self_\n\nmodel_checkpoint:\n"
            "  dirpath: checkpoints\n  save_on_exception: true\n",
            "why": "the defaults list's own override turns save_on_exception on (lightning-hydra-template; triage DI)"}),
    _app(**{"configs/callbacks/mine.yaml": "mine:\n  _target_: callbacks.SaveOnStop\n",
            "why": "a project callback sigcheck has not read may save"}),
    _app(**{"configs/callbacks/ema.yaml": "ema:\n  _target_: pl_bolts.callbacks.EMA\n",
            "why": "another library's callback may save"}),
    _app(**{"configs/hydra/default.yaml": "searchpath:\n  - pkg://shared.configs\n",
            "why": "the search path reaches configuration elsewhere"}),
    _app(**{"configs/callbacks/broken.yaml": "a: [\n", "why": "a file that cannot be read as YAML"}),
    _app(path="CONFIG_DIR", why="a config_path sigcheck cannot read"),
    _app(path='"missing"', why="a config_path that names no folder"),
)


# `trainer: Trainer = instantiate(cfg.trainer)`: no callbacks from the code, those of the trainer's file
_DECLARED = """
import hydra
from lightning import Trainer


@hydra.main(version_base="1.3", config_path="configs", config_name="train")
def main(cfg):
    trainer: Trainer = hydra.utils.instantiate(cfg.trainer)
    {expect}trainer.fit(hydra.utils.instantiate(cfg.model))


main()
"""

LOSES_WORK += (
    Example(_DECLARED.format(expect="# expect: SIG002\n    "), "a declared trainer with the default callbacks",
            files={"configs/trainer/default.yaml": "_target_: lightning.pytorch.Trainer\n"}),
    Example(_DECLARED.format(expect="# expect: SIG002\n    "), "a declared trainer whose file lists a ModelCheckpoint",
            files={"configs/trainer/default.yaml": "_target_: lightning.pytorch.Trainer\ncallbacks:\n"
                                                   "  - _target_: lightning.pytorch.callbacks.ModelCheckpoint\n"}),
)
SAVES_OR_UNSEEN += (
    Example(_DECLARED.format(expect=""), "a declared trainer whose file lists OnExceptionCheckpoint",
            files={"configs/trainer/default.yaml": "_target_: lightning.pytorch.Trainer\ncallbacks:\n"
                                                   "  - _target_: lightning.pytorch.callbacks.OnExceptionCheckpoint\n"
                                                   "    dirpath: ckpt\n"}),
    Example(_DECLARED.format(expect="").replace("trainer: Trainer = ", "trainer = "),
            "a trainer no annotation declares: its fit is not known to be Lightning's",
            files={"configs/trainer/default.yaml": "_target_: lightning.pytorch.Trainer\n"}),
)


@pytest.mark.parametrize("example", LOSES_WORK, ids=lambda e: e.why[:60])
def test_callbacks_no_configuration_file_saves_with_are_reported(example, example_findings):
    found, marked = example_findings("SIG002", example)
    assert [line for path, line in found if path == example.name] == marked, example.why


@pytest.mark.parametrize("example", SAVES_OR_UNSEEN, ids=lambda e: e.why[:60])
def test_callbacks_that_may_save_are_not_reported(example, example_findings):
    found, _ = example_findings("SIG002", example)
    assert found == [], f"{example.why}: {found}"


def test_a_project_callback_is_judged_by_its_exception_hook(run_sigcheck):
    callback = "import torch\nfrom lightning import Callback\n\n\nclass SaveOnStop(Callback):\n" \
               "    def on_exception(self, trainer, module, error):\n        {body}\n"
    files = {**_HELPERS, **_CONFIGS, "configs/callbacks/mine.yaml": "mine:\n  _target_: callbacks.SaveOnStop\n"}
    train = "import callbacks\n" + _TRAIN.format(path='"configs"', expect="")
    prints = run_sigcheck({"train.py": train, **files, "callbacks.py": callback.format(body="print(error)")}, ["train.py"])
    saves = run_sigcheck({"train.py": train, **files,
                          "callbacks.py": callback.format(body='trainer.save_checkpoint("last.ckpt")')}, ["train.py"])
    assert [d.code for d in prints.diagnostics] == ["SIG002"] and saves.diagnostics == []


def test_the_finding_names_the_configuration(run_sigcheck):
    example = LOSES_WORK[0]
    report = run_sigcheck({"train.py": example.code, **example.files}, ["train.py"])
    (finding,) = report.diagnostics
    assert "the Hydra configuration in configs names" in finding.message
    assert "_target_: lightning.pytorch.callbacks.OnExceptionCheckpoint" in finding.message


_COMPOSED = """
from typing import List

import hydra
from hydra import compose, initialize
from lightning import Callback, Trainer

from helpers import instantiate_callbacks

if __name__ == "__main__":
    with initialize(config_path="configs", version_base="1.3"):
        cfg = compose(config_name="train")
    callbacks: List[Callback] = instantiate_callbacks(cfg.get("callbacks"))
    trainer: Trainer = hydra.utils.instantiate(cfg.trainer, callbacks=callbacks)
    trainer.fit(hydra.utils.instantiate(cfg.model))
"""


def test_callbacks_the_compose_api_builds_are_judged_as_hydra_mains_are(run_sigcheck):
    """`with initialize(config_path="configs"): cfg = compose(...)` reads the same folder."""
    files = {**_HELPERS, **_CONFIGS}
    report = run_sigcheck({"train.py": _COMPOSED, **files}, ["train.py"])
    assert [d.code for d in report.diagnostics] == ["SIG002"]
    saving = {"configs/callbacks/on_exception.yaml":
              "on_exception:\n  _target_: lightning.pytorch.callbacks.OnExceptionCheckpoint\n"}
    assert run_sigcheck({"train.py": _COMPOSED, **files, **saving}, ["train.py"]).diagnostics == []


@pytest.mark.parametrize("target", ["callbacks.GradNormMonitor", "callbacks.grad_norm.GradNormMonitor"],
                         ids=["through the package's re-export", "in its own module"])
def test_a_project_callback_named_through_its_packages_re_export_is_read(run_sigcheck, target):
    """fish-speech's configuration names `fish_speech.callbacks.GradNormMonitor`, which the
    package's `__init__` imports from `.grad_norm` (triage CL): the class is the project's, whose
    hooks save nothing, so the fit's stop loses the steps since the last checkpoint."""
    files = {**_HELPERS, **_CONFIGS, "configs/callbacks/grad.yaml": f"grad:\n  _target_: {target}\n",
             "callbacks/__init__.py": "from .grad_norm import GradNormMonitor\n",
             "callbacks/grad_norm.py": "from lightning import Callback\n\n\nclass GradNormMonitor(Callback):\n"
                                       "    def on_before_optimizer_step(self, trainer, module, optimizer):\n"
                                       "        module.log('grad_norm', 1.0)\n"}
    report = run_sigcheck({"train.py": "import callbacks\n" + _TRAIN.format(path='"configs"', expect=""), **files}, ["train.py"])
    assert [d.code for d in report.diagnostics] == ["SIG002"]
