"""SIG001 and a switch set from outside the code: a script that parses its arguments into
TrainingArguments (HfArgumentParser, TRL's TrlParser) is told `enable_jit_checkpoint` by the line
that launches it, a config file that line names, or an estimator's hyperparameters. Following the
message's advice there (alignment-handbook's recipes, peft's `sft/` launchers) left the finding."""

from __future__ import annotations

import pytest

from sigcheck.loading.switches import switched_by_arguments, switched_by_hyperparameters

PARSED = """
from transformers import HfArgumentParser, Trainer, TrainingArguments


def main():
    (args,) = HfArgumentParser(TrainingArguments).parse_args_into_dataclasses()
    Trainer(model=None, args=args).train()


if __name__ == "__main__":
    main()
"""
SWITCH = frozenset({"enable_jit_checkpoint"})


def codes(report):
    return sorted(d.code for d in report.diagnostics)


@pytest.mark.parametrize("launch, config", [
    ("accelerate launch --num_processes 8 train.py --output_dir out --enable_jit_checkpoint True", None),
    ("torchrun --nproc_per_node 8 train.py --enable_jit_checkpoint --output_dir out", None),
    ("accelerate launch --num_processes 8 train.py --config recipe.yaml", "output_dir: out\nenable_jit_checkpoint: true\n"),
], ids=["on the line", "a bare flag", "in the config file the line names"])
def test_every_launch_setting_the_switch_counts_as_handling(run_sigcheck, launch, config):
    files = {"train.py": PARSED, "run.sh": launch + "\n", **({"recipe.yaml": config} if config else {})}
    assert codes(run_sigcheck(files, args=["."], select=("SIG001",))) == []


@pytest.mark.parametrize("launches", [
    "accelerate launch --num_processes 8 train.py --output_dir out\n",
    "accelerate launch --num_processes 8 train.py --enable_jit_checkpoint True\n"
    "accelerate launch --num_processes 8 train.py --output_dir out\n",
    "accelerate launch --num_processes 8 train.py --config recipe.yaml --enable_jit_checkpoint false\n",
    "accelerate launch --num_processes 8 train.py --enable_jit_checkpoint $JIT\n",
], ids=["not set", "one launch of two", "the line turns the config's off", "a variable"])
def test_a_launch_that_does_not_set_it_keeps_the_finding(run_sigcheck, launches):
    files = {"train.py": PARSED, "run.sh": launches, "recipe.yaml": "enable_jit_checkpoint: true\n"}
    assert codes(run_sigcheck(files, args=["."], select=("SIG001",))) == ["SIG001"]


def test_a_script_launched_nowhere_in_the_project_keeps_the_finding(run_sigcheck):
    """Its launch is not known: a config file lying beside it says nothing of how it runs."""
    files = {"train.py": PARSED, "recipe.yaml": "enable_jit_checkpoint: true\n"}
    assert codes(run_sigcheck(files, select=("SIG001",))) == ["SIG001"]


def test_an_estimators_hyperparameters_switch_it_on_where_the_signal_reaches_it(run_sigcheck):
    """In script mode the toolkit never passes SIGTERM on: the switch is no help there, and DKR007
    says why, rather than SIG001 asking for what is already set."""
    launcher = """
from sagemaker.huggingface import HuggingFace

hyperparameters = {
    "output_dir": "/opt/ml/model",
    "enable_jit_checkpoint": True,
}
HuggingFace(entry_point="train.py", source_dir=".", hyperparameters=hyperparameters).fit()
"""
    report = run_sigcheck({"train.py": PARSED, "launch.py": launcher}, args=["."], select=("SIG001", "DKR007"))
    assert codes(report) == ["DKR007"]
    assert "train.py's handler never runs" in report.diagnostics[0].message


def test_arguments_are_read_as_argparse_and_hfargumentparser_read_them():
    assert switched_by_arguments(["--enable_jit_checkpoint=yes"], SWITCH, []) == SWITCH
    assert switched_by_arguments(["--enable_jit_checkpoint", "--lr", "1"], SWITCH, []) == SWITCH
    assert switched_by_arguments(["--enable_jit_checkpoint", "False"], SWITCH, []) == frozenset()
    assert switched_by_arguments(["--enable_jit_checkpoint", "True", "--enable_jit_checkpoint", "0"], SWITCH, []) == frozenset()
    assert switched_by_arguments(["--enable_jit_checkpoint", None], SWITCH, []) == frozenset()
    assert switched_by_arguments(["--enable-jit-checkpoint-other", "True"], SWITCH, []) == frozenset()


def test_hyperparameters_are_read_as_written():
    assert switched_by_hyperparameters('{"epochs": 3, "enable_jit_checkpoint": True}', SWITCH) == SWITCH
    assert switched_by_hyperparameters("dict(enable_jit_checkpoint='true')", SWITCH) == SWITCH
    assert switched_by_hyperparameters('{"enable_jit_checkpoint": False}', SWITCH) == frozenset()
    assert switched_by_hyperparameters('{"enable_jit_checkpoint": args.jit}', SWITCH) == frozenset()


@pytest.mark.parametrize("text, on", [
    ('{"model_name_or_path": "gpt2", "output_dir": "/tmp/out", "enable_jit_checkpoint": true}', True),
    ('{"output_dir": "/tmp/out",\n "enable_jit_checkpoint": "true"}', True),
    ('{"output_dir": "/tmp/out", "enable_jit_checkpoint": false}', False),
    ('["enable_jit_checkpoint", true]', False),  # no object of arguments
    ('{"enable_jit_checkpoint": true', False),  # no JSON at all
], ids=["one line", "a string", "false", "a list", "broken"])
def test_a_json_file_of_arguments_is_read_as_json(tmp_path, text, on):
    """`python run_clm.py args.json`: HfArgumentParser.parse_json_file reads the file as JSON, which
    `json.dump` writes on one line (triage CS)."""
    (tmp_path / "args.json").write_text(text, encoding="utf-8")
    assert switched_by_arguments(["args.json"], SWITCH, [tmp_path]) == (SWITCH if on else frozenset())
