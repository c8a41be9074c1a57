"""Programs that train by themselves, started as a child of a Python PID 1 that forwards nothing:
SIG010 (kubeflow's lightgbm-dist example; triage AY). Their other commands are quick."""

from __future__ import annotations

import pytest

LAUNCH = "import subprocess\n\nsubprocess.run({argv}, check=True)\n"


@pytest.mark.parametrize("argv", [
    '["lightgbm", "config=train.conf"]',
    '["lightgbm", "task=train", "data=train.txt"]',
    '["vw", "-d", "train.vw", "-f", "model.vw"]',
    '["fasttext", "supervised", "-input", "train.txt", "-output", "model"]',
    '["llamafactory-cli", "train", "examples/train_lora/llama3_lora_sft.yaml"]',
    '["axolotl", "train", "config.yml"]',
    '["swift", "sft", "--model", "Qwen/Qwen2.5-7B-Instruct", "--train_type", "lora"]',
    '["litgpt", "finetune_lora", "microsoft/phi-2"]',
])
def test_a_child_running_a_training_program(run_sigcheck, argv):
    report = run_sigcheck({"launch.py": LAUNCH.format(argv=argv)})
    assert [d.code for d in report.diagnostics] == ["SIG010"]


@pytest.mark.parametrize("argv", [
    '["lightgbm", "config=predict.conf", "task=predict"]',
    '["vw", "-t", "-i", "model.vw", "-d", "test.vw"]',
    '["fasttext", "predict", "model.bin", "test.txt"]',
    '["llamafactory-cli", "chat", "examples/inference/llama3.yaml"]',
    '["axolotl", "preprocess", "config.yml"]',
    '["swift", "infer", "--model", "Qwen/Qwen2.5-7B-Instruct"]',
    '["litgpt", "download", "microsoft/phi-2"]',
    '["swift"]',
])
def test_their_other_commands_are_quick(run_sigcheck, argv):
    report = run_sigcheck({"launch.py": LAUNCH.format(argv=argv)})
    assert [d.code for d in report.diagnostics] == []
