"""The fake /opt/ml: its folders, config files, channels and SM_* variables."""

from __future__ import annotations

import json

import pytest

from sigcheck.verify.layout import LayoutError, create_layout, parse_channel, parse_hyperparameter, remove_layout


@pytest.fixture
def layout_of(tmp_path):
    made = []

    def make(*args, **kwargs):
        layout = create_layout(*args, parent=tmp_path, **kwargs)
        made.append(layout)
        return layout

    yield make
    for layout in made:
        remove_layout(layout)


def test_layout_has_the_sagemaker_folders_and_config(layout_of):
    layout = layout_of(hyperparameters={"epochs": "3"})
    for folder in ("model", "checkpoints", "output/data", "output/intermediate", "input/config", "input/data"):
        assert (layout.root / folder).is_dir(), folder
    config = layout.root / "input" / "config"
    assert json.loads((config / "hyperparameters.json").read_text()) == {"epochs": "3"}
    resources = json.loads((config / "resourceconfig.json").read_text())
    assert resources["current_host"] == "algo-1" and resources["hosts"] == ["algo-1"]
    for area in ("model", "checkpoints", "output"):
        assert not [p for p in (layout.root / area).rglob("*") if p.is_file()], area


def test_environment_names_the_layout(layout_of):
    layout = layout_of(hyperparameters={"lr": "0.1"})
    env = layout.environment()
    root = layout.root
    assert env["SM_MODEL_DIR"] == str(root / "model")
    assert env["SM_OUTPUT_DATA_DIR"] == str(root / "output" / "data")
    assert env["SM_OUTPUT_DIR"] == str(root / "output")
    assert env["SM_INPUT_DIR"] == str(root / "input")
    assert env["SM_INPUT_CONFIG_DIR"] == str(root / "input" / "config")
    assert env["SM_CHECKPOINT_DIR"] == str(root / "checkpoints")
    assert json.loads(env["SM_HPS"]) == {"lr": "0.1"} and env["SM_HP_LR"] == "0.1"
    assert json.loads(env["SM_CHANNELS"]) == []


def test_channels_are_copied_and_named(tmp_path, layout_of):
    data = tmp_path / "data"
    (data / "part").mkdir(parents=True)
    (data / "part" / "rows.csv").write_text("x,y\n1,2\n")
    layout = layout_of([parse_channel(f"train={data}")])
    copied = layout.root / "input" / "data" / "train" / "part" / "rows.csv"
    assert copied.read_text() == "x,y\n1,2\n"
    env = layout.environment()
    assert env["SM_CHANNEL_TRAIN"] == str(layout.root / "input" / "data" / "train")
    assert json.loads(env["SM_CHANNELS"]) == ["train"]
    copied.write_text("changed")  # a job writing into its input never touches the user's data
    assert (data / "part" / "rows.csv").read_text() == "x,y\n1,2\n"


def test_remove_layout_removes_the_temporary_directory(layout_of):
    layout = layout_of()
    remove_layout(layout)
    assert not layout.root.parent.exists()


@pytest.mark.parametrize("spec", ["train", "=dir", "bad name=.", "train=/no/such/dir"])
def test_bad_channel_is_a_usage_error(spec):
    with pytest.raises(LayoutError, match="--channel"):
        parse_channel(spec)


def test_channel_given_twice_is_an_error(tmp_path, layout_of):
    with pytest.raises(LayoutError, match="twice"):
        layout_of([parse_channel(f"train={tmp_path}"), parse_channel(f"train={tmp_path}")])


def test_hyperparameter_needs_key_and_value():
    assert parse_hyperparameter("lr=0.1") == ("lr", "0.1")
    assert parse_hyperparameter("note=a=b") == ("note", "a=b")
    with pytest.raises(LayoutError):
        parse_hyperparameter("lr")
