"""SIG001 and Hugging Face's `enable_jit_checkpoint`: the Trainer saves and stops on SIGTERM when its
arguments switch it on, whichever TrainingArguments class carries them and however it is set."""

from __future__ import annotations

import pytest

SWITCHED_ON = {
    "a transformers subclass": """
from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments

args = Seq2SeqTrainingArguments(output_dir="out", enable_jit_checkpoint=True)
Seq2SeqTrainer(model=model, args=args, train_dataset=data).train()
""",
    "a TRL config": """
from trl import SFTConfig, SFTTrainer

args = SFTConfig(output_dir="out", enable_jit_checkpoint=True, save_steps=500)
SFTTrainer(model="Qwen/Qwen2-0.5B", args=args, train_dataset=data).train()
""",
    "the project's own dataclass": """
from dataclasses import dataclass
from transformers import Trainer, TrainingArguments


@dataclass
class ScriptArguments(TrainingArguments):
    dataset_name: str = "imdb"


args = ScriptArguments(output_dir="out", enable_jit_checkpoint=True)
Trainer(model=model, args=args, train_dataset=data).train()
""",
    "set on parsed arguments": """
from transformers import HfArgumentParser, Trainer, TrainingArguments

(args,) = HfArgumentParser(TrainingArguments).parse_args_into_dataclasses()
args.enable_jit_checkpoint = True
Trainer(model=model, args=args, train_dataset=data).train()
""",
}

LEFT_OFF = {
    "switched off": """
from transformers import HfArgumentParser, Trainer, TrainingArguments

(args,) = HfArgumentParser(TrainingArguments).parse_args_into_dataclasses()
args.enable_jit_checkpoint = False
Trainer(model=model, args=args, train_dataset=data).train()
""",
    "a config of the project's that is no TrainingArguments": """
from dataclasses import dataclass
from transformers import Trainer, TrainingArguments


@dataclass
class RunConfig:
    enable_jit_checkpoint: bool = False


config = RunConfig(enable_jit_checkpoint=True)
Trainer(model=model, args=TrainingArguments(output_dir="out"), train_dataset=data).train()
""",
}


@pytest.mark.parametrize("source", SWITCHED_ON.values(), ids=SWITCHED_ON.keys())
def test_a_trainer_whose_arguments_switch_jit_checkpointing_on_handles_sigterm(run_sigcheck, source):
    report = run_sigcheck({"train.py": source}, ["train.py"])
    assert [d.code for d in report.diagnostics] == []


@pytest.mark.parametrize("source", LEFT_OFF.values(), ids=LEFT_OFF.keys())
def test_a_trainer_whose_arguments_leave_it_off_is_reported(run_sigcheck, source):
    report = run_sigcheck({"train.py": source}, ["train.py"])
    assert [d.code for d in report.diagnostics] == ["SIG001"]


def test_the_message_for_a_trainer_names_the_switch_and_for_other_fits_does_not(run_sigcheck):
    report = run_sigcheck({"train.py": LEFT_OFF["switched off"],
                           "keras_train.py": "from tensorflow import keras\n\nmodel = keras.Sequential()\nmodel.fit(x, y, epochs=100)\n"},
                          ["train.py", "keras_train.py"])
    messages = {d.path: d.message for d in report.diagnostics}
    assert messages["train.py"].endswith("; enable_jit_checkpoint=True in the TrainingArguments (or TRL config) it is "
                                         "given makes the Trainer save a checkpoint and stop on SIGTERM (transformers 5 and later)")
    assert "enable_jit_checkpoint" not in messages["keras_train.py"]


@pytest.mark.parametrize("keywords, named, first", [
    # the release that brings the switch dropped the keyword (4.48 only deprecated it): named, with the call's line
    ("tokenizer=tokenizer, ", "; transformers 5.0 no longer takes Trainer(tokenizer=...) (train.py:4): pass processing_class instead", ""),
    ("processing_class=tokenizer, ", None, ""),
    # unsloth rebinds the trainers to move `tokenizer=` to processing_class (triage BK)
    ("tokenizer=tokenizer, ", None, "import unsloth\n"),
], ids=["tokenizer=", "processing_class=", "tokenizer= where unsloth is imported"])
def test_the_message_names_a_keyword_the_remedys_release_removed(run_sigcheck, keywords, named, first):
    """stanford_alpaca passes `tokenizer=` to the Trainer: transformers 5, which brings the switch,
    takes it as processing_class, so following the advice alone breaks the call."""
    code = first + f"""
from transformers import HfArgumentParser, Trainer, TrainingArguments

(args,) = HfArgumentParser(TrainingArguments).parse_args_into_dataclasses()
Trainer(model=model, {keywords}args=args, train_dataset=data).train()
"""
    [finding] = run_sigcheck({"train.py": code}, ["train.py"]).diagnostics
    assert finding.message.endswith(named) if named else finding.message.endswith("(transformers 5 and later)"), finding.message


@pytest.mark.parametrize("called, named", [(False, True), (True, False)])
def test_only_an_unsloth_import_that_runs_keeps_the_keyword(run_sigcheck, called, named):
    """autotrain's package `__init__` imports unsloth inside `is_unsloth_available()`, which the
    script never calls: unsloth never loads, and `tokenizer=` still breaks on transformers 5 (triage BU)."""
    probe = "def is_unsloth_available():\n    try:\n        import unsloth\n        return True\n" \
            "    except ImportError:\n        return False\n"
    code = f"""
from transformers import HfArgumentParser, Trainer, TrainingArguments
from helpers import is_unsloth_available

{"is_unsloth_available()" if called else ""}
(args,) = HfArgumentParser(TrainingArguments).parse_args_into_dataclasses()
Trainer(model=model, tokenizer=tokenizer, args=args, train_dataset=data).train()
"""
    [finding] = run_sigcheck({"train.py": code, "helpers.py": probe}, ["train.py"]).diagnostics
    assert ("no longer takes Trainer(tokenizer=...)" in finding.message) == named, finding.message


@pytest.mark.parametrize("arguments, named", [
    ('TrainingArguments(output_dir="out", evaluation_strategy="steps", save_strategy="no")',
     "; transformers 5.0 no longer takes TrainingArguments(evaluation_strategy=...) (train.py:3): pass eval_strategy instead"),
    ('SFTConfig(output_dir="out", evaluation_strategy="epoch", save_strategy="no")',
     "; transformers 5.0 no longer takes SFTConfig(evaluation_strategy=...) (train.py:3): pass eval_strategy instead"),
    ('TrainingArguments(output_dir="out", eval_strategy="steps", save_strategy="no")', None),
], ids=["TrainingArguments", "a TRL config", "the new name"])
def test_the_message_names_a_keyword_the_arguments_class_no_longer_takes(run_sigcheck, arguments, named):
    """mlcommons' llama2_70b_lora passes `evaluation_strategy=` (eval_strategy since transformers 4.46;
    triage AX): the upgrade the remedy needs breaks the arguments before training starts."""
    code = f"""
from transformers import Trainer, TrainingArguments
from trl import SFTConfig
args = {arguments}
Trainer(model=model, args=args, train_dataset=data).train()
"""
    [finding] = run_sigcheck({"train.py": code}, ["train.py"]).diagnostics
    assert finding.message.endswith(named) if named else finding.message.endswith("(transformers 5 and later)"), finding.message


def test_the_removed_keyword_is_one_given_to_the_trainer_that_fits_not_to_another_branchs(run_sigcheck):
    """unsloth: `trainer` is a Trainer given no tokenizer in one branch, which trains there and
    returns; an SFTTrainer given `tokenizer=` comes after, in the other. The branch that returns
    from the program's main function is a mode of the run (see WorkFinder.exit_branches): the
    finding is the SFTTrainer's, and so is the keyword it names."""
    code = """
import sys
from transformers import Trainer, TrainingArguments
from trl import SFTTrainer, SFTConfig

def run(kind, model, tok, data):
    if kind == "audio":
        trainer = Trainer(model=model, train_dataset=data, args=TrainingArguments(output_dir="out"))
        trainer.train()
        return
    trainer = SFTTrainer(model=model, tokenizer=tok, train_dataset=data, args=SFTConfig(output_dir="out"))
    trainer.train()

if __name__ == "__main__":
    run(sys.argv[1], None, None, None)
"""
    [finding] = run_sigcheck({"train.py": code}, ["train.py"]).diagnostics
    assert finding.line == 11 and "SFTTrainer(tokenizer=...) (train.py:10)" in finding.message, finding.message
    # the mode's own Trainer, given no tokenizer, is not said to take one
    alone = code.replace('    trainer = SFTTrainer(model=model, tokenizer=tok, train_dataset=data, args=SFTConfig(output_dir="out"))\n'
                         '    trainer.train()\n', '')
    [finding] = run_sigcheck({"train.py": alone}, ["train.py"]).diagnostics
    assert finding.line == 8 and finding.message.endswith("(transformers 5 and later)"), finding.message


@pytest.mark.parametrize("requirements, pinned", [
    ("transformers==4.53.0\ndatasets\n", "transformers==4.53.0 in requirements.txt"),
    ("transformers>=4.40,<4.58\n", "transformers<4.58 in requirements.txt"),
    ("transformers>=4.40\n", None),
    ("datasets\n", None),
])
def test_the_message_names_a_pin_that_keeps_the_project_before_the_switch(run_sigcheck, requirements, pinned):
    """The switch came with transformers 5: a project pinned to 4.x must lift its pin to use it."""
    report = run_sigcheck({"train.py": LEFT_OFF["switched off"], "requirements.txt": requirements}, ["train.py"])
    (message,) = [d.message for d in report.diagnostics]
    assert message.endswith("(transformers 5 and later)" + (f", and the project pins {pinned}, an older release" if pinned else ""))


@pytest.mark.parametrize("strategy, lost", [
    ('"no"', "all the training is lost: nothing in the run saves it"),
    ('"steps"', "everything since the last save is lost"),
    ("args.strategy", "everything since the last save is lost"),
], ids=["told not to save", "saving", "not known"])
def test_a_trainer_told_not_to_save_loses_everything(run_sigcheck, strategy, lost):
    """peft's KappaTune runs a Trainer with `save_strategy="no"`: there is no last save to lose work since."""
    code = ("from transformers import Trainer, TrainingArguments\n\n"
            f"args = TrainingArguments(output_dir='out', save_strategy={strategy})\n"
            "Trainer(model=None, args=args).train()\n")
    (finding,) = run_sigcheck({"train.py": code}, select=("SIG001",)).diagnostics
    assert lost in finding.message


def test_a_loop_whose_step_is_the_trainers_train_gets_its_remedy_and_its_saving(run_sigcheck):
    """peft's continual learning trains one Trainer per task in a loop: the loop is the work, and
    the Trainer in it both saves every save_steps and takes the switch."""
    code = ("from transformers import Trainer, TrainingArguments\n\n"
            "def main(tasks):\n    for task in tasks:\n"
            "        Trainer(model=None, args=TrainingArguments(output_dir=task{strategy})).train()\n"
            "        for earlier in tasks:\n            print(earlier)\n\n"
            "if __name__ == '__main__':\n    main(['a', 'b'])\n")
    (finding,) = run_sigcheck({"train.py": code.format(strategy="")}, select=("SIG001",)).diagnostics
    assert finding.message.startswith("Training loop runs with no SIGTERM handler")
    assert "everything since the last save is lost; enable_jit_checkpoint=True" in finding.message
    (told,) = run_sigcheck({"train.py": code.format(strategy=", save_strategy='no'")}, select=("SIG001",)).diagnostics
    assert "all the training is lost: nothing in the run saves it; enable_jit_checkpoint=True" in told.message


@pytest.mark.parametrize("switch, found", [("", True), ("enable_jit_checkpoint=True, ", False)])
def test_sentence_transformers_trainer_is_a_trainer_and_takes_the_switch(run_sigcheck, switch, found):
    """autotrain's sentence-transformers trainer: SentenceTransformerTrainer subclasses the Trainer,
    so the remedy is named, and its arguments turn the Trainer's SIGTERM handling on."""
    code = f"""
from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer, SentenceTransformerTrainingArguments

args = SentenceTransformerTrainingArguments({switch}output_dir="out")
SentenceTransformerTrainer(model=SentenceTransformer("all-MiniLM-L6-v2"), args=args, train_dataset=pairs).train()
"""
    messages = [d.message for d in run_sigcheck({"train.py": code}, ["train.py"]).diagnostics]
    assert [m.endswith("(transformers 5 and later)") for m in messages] == ([True] if found else [])


PARSED = """
from transformers import HfArgumentParser, Trainer, TrainingArguments

(args,) = HfArgumentParser(TrainingArguments).parse_args_into_dataclasses()
Trainer(model=model, args=args, train_dataset=data).train()
"""


@pytest.mark.parametrize("files, codes", [
    ({"Dockerfile": 'FROM python:3.11\nCOPY . /app\nWORKDIR /app\nENTRYPOINT ["python", "train.py", "--output_dir", '
                    '"/tmp/out", "--enable_jit_checkpoint", "true"]\n'}, []),
    ({"Dockerfile": 'FROM python:3.11\nCOPY . /app\nWORKDIR /app\nENTRYPOINT ["./run.sh"]\n',
      "run.sh": "#!/bin/bash\nexec python train.py --output_dir /tmp/out --enable_jit_checkpoint true\n"}, []),
    ({"Dockerfile": 'FROM python:3.11\nCOPY . /app\nWORKDIR /app\nENTRYPOINT ["python", "train.py", "--output_dir", '
                    '"/tmp/out"]\n'}, ["SIG001"]),
], ids=["in the ENTRYPOINT's arguments", "in the entry script's line", "not given"])
def test_an_image_whose_launch_switches_the_trainers_handling_on(run_sigcheck, files, codes):
    """The flag on the command line an image runs counts as a launch script's does (trl's scripts; triage AZ)."""
    report = run_sigcheck({**files, "train.py": PARSED}, ["Dockerfile"], platform="kubernetes")
    assert [d.code for d in report.diagnostics] == codes


_PARSED = """
from transformers import HfArgumentParser, Trainer, TrainingArguments

(args,) = HfArgumentParser(TrainingArguments).parse_args_into_dataclasses()
Trainer(model=model, args=args, train_dataset=data).train()
"""


@pytest.mark.parametrize("lines, lost", [
    # saves every save_steps: the launch is the project's own, which can start it so that a handler runs (triage BT)
    (["--output_dir out"], "everything since the last save is lost"),
    (["--output_dir out --save_strategy no"], "all the training is lost: nothing in the run saves it"),
    (["--output_dir out --save-strategy=no"], "all the training is lost: nothing in the run saves it"),
    (["--output_dir out --save_strategy no", "--output_dir out"], "everything since the last save is lost"),
    (["--output_dir out --save_strategy steps"], "everything since the last save is lost"),
], ids=["saving left on", "turned off", "turned off, dashed", "one launch of two turns it off", "steps"])
def test_a_launch_line_that_turns_the_trainers_saving_off_is_seen(run_sigcheck, lines, lost):
    """deepspeed on one node keeps SIGTERM from the script; a Trainer its launch line tells
    `--save_strategy no` (HfArgumentParser reads it) saves nothing while it trains (triage BG)."""
    launches = "".join(f"deepspeed --num_gpus 8 train.py {line}\n" for line in lines)
    report = run_sigcheck({"train.py": _PARSED, "run.sh": f"#!/bin/bash\n{launches}"}, ["."], select=("SIG001",))
    (finding,) = report.diagnostics
    assert lost in finding.message and "none would run" in finding.message


@pytest.mark.parametrize("made, codes", [
    ("JIT = True\nargs = TrainingArguments(output_dir='out', enable_jit_checkpoint=JIT)", []),
    ("JIT = False\nargs = TrainingArguments(output_dir='out', enable_jit_checkpoint=JIT)", ["SIG001"]),
    ("cfg = {'output_dir': 'out', 'enable_jit_checkpoint': True}\nargs = TrainingArguments(**cfg)", []),
    ("cfg = {'output_dir': 'out'}\nargs = TrainingArguments(**cfg)", ["SIG001"]),
    ("args = dataclasses.replace(parsed, enable_jit_checkpoint=True)", []),
    ("args = dataclasses.replace(parsed, enable_jit_checkpoint=False)", ["SIG001"]),
], ids=["a name holding true", "a name holding false", "a spread dict with it", "a spread dict without it",
        "dataclasses.replace turning it on", "dataclasses.replace turning it off"])
def test_the_switch_given_through_a_name_a_spread_dict_or_a_replace(run_sigcheck, made, codes):
    """The forms triage CS met around the examples' TrainingArguments: each turns the Trainer's
    SIGTERM checkpoint on (or off) as the literal keyword does."""
    code = ("import dataclasses\nfrom transformers import HfArgumentParser, Trainer, TrainingArguments\n\n"
            "(parsed,) = HfArgumentParser((TrainingArguments,)).parse_args_into_dataclasses()\n"
            f"{made}\nTrainer(model=model, args=args, train_dataset=data).train()\n")
    report = run_sigcheck({"train.py": code}, ["train.py"], select=("SIG001",))
    assert [d.code for d in report.diagnostics] == codes
