"""Reads the job description SageMaker leaves in the input/config folder."""
import json
import os

CONFIG_DIR = os.environ.get("SM_INPUT_CONFIG_DIR", "/opt/ml/input/config")


def load_json(path):
    with open(path) as f:
        return json.load(f)


def hyperparameters(config_dir=CONFIG_DIR):
    raw = load_json(os.path.join(config_dir, "hyperparameters.json"))
    # SageMaker passes every value as a JSON-encoded string
    return {k: json.loads(v) if v[:1] in "[{0123456789" else v for k, v in raw.items()}


def resource_config(config_dir=CONFIG_DIR):
    with open(os.path.join(config_dir, "resourceconfig.json"), "r") as f:
        return json.load(f)


def channel_modes(config_dir=CONFIG_DIR):
    path = "%s/inputdataconfig.json" % config_dir
    with open(path, "rb") as f:
        cfg = json.loads(f.read())
    return {name: spec.get("TrainingInputMode", "File") for name, spec in cfg.items()}
