"""Packs the model folder the way the PyTorch inference container expects it."""
import os
import shutil
import tarfile

import torch

# The training code is unpacked here by the toolkit; we ship inference.py next to the weights.
INFERENCE_SOURCE = "/opt/ml/code/inference.py"


def export_model(model, model_dir):
    os.makedirs(os.path.join(model_dir, "code"), exist_ok=True)
    torch.save(model.state_dict(), "{}/model.pth".format(model_dir))
    shutil.copy(INFERENCE_SOURCE, os.path.join(model_dir, "code", "inference.py"))


def archive_for_debugging(model_dir, archive_path="/tmp/model-debug.tar.gz"):
    with tarfile.open(archive_path, "w:gz") as tar:
        tar.add(model_dir, arcname="model")
    return archive_path


def write_failure(output_dir, message):
    with open(os.path.join(output_dir, "failure"), "w") as f:
        f.write(message)
