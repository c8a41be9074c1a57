"""Reading a Hydra configuration folder: every `_target_` its YAML files name, where, and with
which plain keys; a folder sigcheck cannot vouch for whole is None."""

from __future__ import annotations

from pathlib import Path

from sigcheck.loading.hydra_configs import HydraConfigs


def _folder(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_targets_with_their_place_keys_and_line(tmp_path):
    folder = _folder(tmp_path, {
        "callbacks/model_checkpoint.yaml": "# the checkpoint\nmodel_checkpoint:\n  _target_: lightning.pytorch.callbacks.ModelCheckpoint\n"
                                           "  save_last: True\n  save_on_exception: ${oc.env:SAVE}\n  every_n_epochs: 1\n",
        "trainer/default.yaml": "_target_: lightning.pytorch.Trainer\ncallbacks:\n  - _target_: lightning.pytorch.callbacks.RichProgressBar\n"
                                "    leave: no\n",
        "train.yaml": "defaults:\n  - callbacks: model_checkpoint\n",
    })
    targets = {t.qualname: t for t in HydraConfigs().targets(folder)}
    checkpoint = targets["lightning.pytorch.callbacks.ModelCheckpoint"]
    assert checkpoint.place == ("callbacks", "model_checkpoint", "model_checkpoint") and checkpoint.line == 3
    assert checkpoint.key("save_last") is True and checkpoint.key("save_on_exception") == "${oc.env:SAVE}"
    assert checkpoint.key("every_n_epochs") == "1" and checkpoint.key("dirpath") is None
    bar = targets["lightning.pytorch.callbacks.RichProgressBar"]
    assert bar.place == ("trainer", "default", "callbacks") and bar.key("leave") is False
    assert targets["lightning.pytorch.Trainer"].place == ("trainer", "default")


def test_quoted_booleans_stay_text(tmp_path):
    folder = _folder(tmp_path, {"c.yaml": "a:\n  _target_: x.Y\n  flag: 'false'\n  other: ~\n"})
    (target,) = HydraConfigs().targets(folder)
    assert target.key("flag") == "false" and target.key("other") is None


def test_what_cannot_be_vouched_for_is_none(tmp_path):
    assert HydraConfigs().targets(tmp_path / "missing") is None
    assert HydraConfigs().targets(_folder(tmp_path / "a", {"x.yaml": "k: [\n"})) is None
    assert HydraConfigs().targets(_folder(tmp_path / "b", {"x.yaml": "hydra:\n  searchpath: [pkg://other]\n"})) is None
    deep = "a: " + "[" * 100 + "]" * 100 + "\n"
    assert HydraConfigs().targets(_folder(tmp_path / "c", {"x.yaml": deep})) is None
    (tmp_path / "e").mkdir()
    (tmp_path / "e" / "x.yaml").write_bytes(b"a: \xff\n")
    assert HydraConfigs().targets(tmp_path / "e") is None


def test_every_file_and_folder_read_is_an_input(tmp_path):
    folder = _folder(tmp_path, {"callbacks/a.yaml": "a:\n  _target_: x.A\n", "b.yml": "_target_: x.B\n", "notes.txt": "x"})
    configs = HydraConfigs()
    assert [t.qualname for t in configs.targets(folder)] == ["x.B", "x.A"]  # a folder's files before its subfolders'
    assert set(configs.inputs()) == {folder, folder / "callbacks", folder / "b.yml", folder / "callbacks" / "a.yaml"}


_CHECKPOINT = "model_checkpoint:\n  _target_: lightning.pytorch.callbacks.ModelCheckpoint\n  save_last: null\n  dirpath: null\n"


def test_a_file_whose_defaults_list_names_a_target_s_file_sets_its_keys_when_composed(tmp_path):
    """lightning-hydra-template's callbacks/default.yaml lists model_checkpoint, then `_self_`, and
    sets `save_on_exception: true` on that node (triage DI): the composed target has it too, beside
    model_checkpoint.yaml's own, which a run may compose alone."""
    folder = _folder(tmp_path, {
        "callbacks/model_checkpoint.yaml": _CHECKPOINT,
        "callbacks/default.yaml": "defaults:\n  - model_checkpoint\n  - _self_\n\nmodel_checkpoint:\n"
                                  "  dirpath: checkpoints\n  save_on_exception: true\n",
    })
    found = [t for t in HydraConfigs().targets(folder) if t.qualname.endswith("ModelCheckpoint")]
    assert [(t.display.endswith("default.yaml"), t.key("save_on_exception"), t.key("dirpath")) for t in found] == [
        (False, None, None), (True, True, "checkpoints")]
    assert found[1].line == 6


def test_a_file_composed_before_its_defaults_is_overridden_by_them(tmp_path):
    folder = _folder(tmp_path, {
        "callbacks/model_checkpoint.yaml": _CHECKPOINT,
        "callbacks/default.yaml": "defaults:\n  - _self_\n  - model_checkpoint\n\nmodel_checkpoint:\n"
                                  "  dirpath: checkpoints\n  save_on_exception: true\n",
        "callbacks/other.yaml": "defaults:\n  - model_checkpoint\n\nearly_stopping:\n  patience: 3\n",
    })
    found = [t for t in HydraConfigs().targets(folder) if t.qualname.endswith("ModelCheckpoint")]
    # model_checkpoint.yaml's null dirpath wins; the key it does not set stays the file's
    assert [(t.key("save_on_exception"), t.key("dirpath")) for t in found] == [(None, None), (True, None)]
