"""Estimator calls read from launcher code and notebooks: which script each runs, and where the
call is written, for a finding placed there."""

from __future__ import annotations

import pytest

import json

from sigcheck.loading.estimators import estimator_calls


def test_each_call_of_a_notebook_is_placed_on_its_own_line_of_the_file(tmp_path):
    (tmp_path / "src").mkdir()
    for name in ("train.py", "finetune.py"):
        (tmp_path / "src" / name).write_text("print('x')\n")
    cells = [
        {"cell_type": "markdown", "source": ["We make the estimator with `PyTorch(...)`.\n"]},
        {"cell_type": "code", "source": ["pre = PyTorch(entry_point=\"train.py\", source_dir=\"src\",\n",
                                         "              role=role)\n"]},
        {"cell_type": "code", "source": ["ft = PyTorch(entry_point=\"finetune.py\", source_dir=\"src\", role=role)\n"]},
    ]
    raw = json.dumps({"cells": cells}, indent=1)
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    calls = estimator_calls(text, tmp_path, "demo.ipynb", raw)
    lines = raw.splitlines()
    assert [c.script.name for c in calls] == ["train.py", "finetune.py"]
    for call, assigned in zip(calls, ("pre = ", "ft = ")):
        line, column = call.span[:2]
        assert lines[line - 1][column - 1:].startswith("PyTorch(") and assigned in lines[line - 1]


def test_the_entry_point_of_a_call_nested_in_the_arguments_is_that_calls(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text("print('x')\n")
    text = "est = PyTorch(\n    entry_point=\"train.py\", source_dir=\"src\", role=get_role(),\n)\n" \
           "wrap(Other(entry_point=\"missing.py\"))\n"
    (call,) = estimator_calls(text, tmp_path, "launch.py")
    assert (call.name, call.script, call.span) == ("PyTorch", tmp_path / "src" / "train.py", (1, 7, 1, 14))


@pytest.mark.parametrize("source_dir", ['os.path.join(os.getcwd(), "./shared-scripts")', "os.path.join(os.getcwd(), 'shared-scripts')",
                                        'os.getcwd() + "/shared-scripts"'])
def test_a_source_dir_joined_to_the_working_folder_is_that_folder(tmp_path, source_dir):
    """sagemaker-distributed-training-workshop's notebooks: the kernel runs in the notebook's folder."""
    (tmp_path / "shared-scripts").mkdir()
    (tmp_path / "shared-scripts" / "train.py").write_text("print('x')\n")
    text = f"import os\nest = PyTorch(entry_point='train.py', source_dir={source_dir}, role=role)\n"
    (call,) = estimator_calls(text, tmp_path, "launch.py")
    assert call.script == tmp_path / "shared-scripts" / "train.py"


@pytest.mark.parametrize("arguments", ["entry_point='open_lm/main.py'", "entry_point='main.py', source_dir='open_lm'"])
def test_paths_a_launcher_in_a_folder_of_its_own_gives_from_the_root_are_found_there(tmp_path, arguments):
    """The SDK opens them from the working folder: open_lm's sagemaker_train/launch_sagemaker_train.py
    is run from the repository's root. A script beside the launcher is still taken first."""
    (tmp_path / "open_lm").mkdir()
    (tmp_path / "open_lm" / "main.py").write_text("print('x')\n")
    (tmp_path / "sagemaker_train").mkdir()
    text = f"estimator = PyTorch({arguments}, role=role)\n"
    (call,) = estimator_calls(text, tmp_path / "sagemaker_train", "sagemaker_train/launch.py", root=tmp_path)
    assert call.script == tmp_path / "open_lm" / "main.py"
    (tmp_path / "sagemaker_train" / "open_lm").mkdir()
    (tmp_path / "sagemaker_train" / "open_lm" / "main.py").write_text("print('x')\n")
    (call,) = estimator_calls(text, tmp_path / "sagemaker_train", "sagemaker_train/launch.py", root=tmp_path)
    assert call.script == tmp_path / "sagemaker_train" / "open_lm" / "main.py"
    assert estimator_calls(text, tmp_path / "elsewhere", "elsewhere/launch.py", root=tmp_path / "elsewhere") == []


def test_a_launcher_with_many_calls_is_read_in_linear_time(tmp_path):
    """Each `entry_point=` is taken back to its call: not every call of the file read to its end."""
    import time

    (tmp_path / "train.py").write_text("print('x')\n")
    text = "x = f(" * 20_000 + "PyTorch(entry_point='train.py')" + ")" * 20_000 + "\n" + "g(1)\n" * 50_000
    started = time.monotonic()
    calls = estimator_calls(text, tmp_path, "launch.py")
    assert time.monotonic() - started < 5
    assert [c.name for c in calls] == ["PyTorch"]


def test_a_model_trainers_source_code_names_its_script_or_the_command_that_starts_it(tmp_path):
    from sigcheck.knowledge import builtin_knowledge

    (tmp_path / "code").mkdir()
    for name in ("train.py", "sft.py", "dpo.py"):
        (tmp_path / "code" / name).write_text("print('x')\n")
    (tmp_path / "code" / "run.sh").write_text("#!/bin/bash\nNGPU=8\naccelerate launch --num_processes $NGPU dpo.py \"$@\"\n")
    text = """from sagemaker.modules.configs import SourceCode
a = SourceCode(source_dir="code", entry_script="train.py")
b = SourceCode(source_dir="code", command=f"NCCL_DEBUG=INFO torchrun --nproc_per_node 8 sft.py {' '.join(args)}")
c = SourceCode(source_dir="code", command="bash run.sh --beta 0.1")
d = SourceCode(source_dir="code", command="python missing.py")
e = Other(source_dir="code", entry_script="train.py")
"""
    calls = estimator_calls(text, tmp_path, "launch.py", knowledge=builtin_knowledge(), root=tmp_path)
    assert [(c.name, c.script.name, c.span[0]) for c in calls] == [
        ("SourceCode", "train.py", 2), ("SourceCode", "sft.py", 3), ("SourceCode", "dpo.py", 4)]
    assert calls[2].via is not None and (calls[2].via.launcher, calls[2].via.line) == ("accelerate", 3)
    assert estimator_calls(text.replace("sagemaker.modules.configs", "builder"), tmp_path, "launch.py",
                           knowledge=builtin_knowledge(), root=tmp_path) == []


def _scripts_dir(tmp_path, *names):
    (tmp_path / "code").mkdir()
    for name in names:
        (tmp_path / "code" / name).write_text("print('x')\n")


def test_keywords_gathered_in_a_dict_are_the_calls_they_are_spread_into(tmp_path):
    """The SageMaker examples' notebooks: `estimator_args = dict(entry_point=..., source_dir=...)`
    or a dict display, then `HuggingFace(**estimator_args, compiler_config=...)`."""
    _scripts_dir(tmp_path, "run_clm.py", "train.py")
    text = """from sagemaker.huggingface import HuggingFace
estimator_args = dict(
    entry_point=f"run_clm.py",
    source_dir="./code",
    instance_count=1,
)
optimized = HuggingFace(**estimator_args, compiler_config=TrainingCompilerConfig())
parameters = {"entry_point": "train.py", "source_dir": "code", "instance_type": instance_type}
est = PyTorch(role=role, **parameters)
plain = dict(entry_point="train.py", source_dir="code")
"""
    calls = estimator_calls(text, tmp_path, "launch.py")
    assert [(c.name, c.script.name, c.span[:2]) for c in calls] == [("HuggingFace", "run_clm.py", (7, 13)),
                                                                  ("PyTorch", "train.py", (9, 7))]


def test_a_class_imported_under_another_name_is_named_as_the_sdk_names_it(tmp_path):
    _scripts_dir(tmp_path, "train.py")
    text = ("from sagemaker.pytorch import PyTorch as PyTorchEstimator, PyTorchModel\n"
            "est = PyTorchEstimator(entry_point='train.py', source_dir='code', role=role)\n")
    (call,) = estimator_calls(text, tmp_path, "launch.py")
    assert (call.name, call.span[:2]) == ("PyTorch", (2, 7))


def test_an_entry_point_given_by_name_is_each_script_the_name_was_assigned(tmp_path):
    """sm-heterogeneous_clusters: `entry_point = "launcher.py"` on one side of an if, `"train.py"`
    on the other, then `PyTorch(entry_point=entry_point, source_dir=source_dir, ...)`. A name
    assigned no literal before the call, or an attribute, names nothing."""
    _scripts_dir(tmp_path, "launcher.py", "train.py")
    text = """if IS_HETERO:
    entry_point = "launcher.py"
else:
    entry_point = "train.py"
source_dir = "code"
estimator = PyTorch(
    entry_point=entry_point,
    source_dir=source_dir,
    role=role,
)
other = PyTorch(entry_point=args.entry_point, source_dir="code")
late = PyTorch(entry_point=script, source_dir="code")
script = "train.py"
"""
    calls = estimator_calls(text, tmp_path, "launch.py")
    assert [(c.script.name, c.span[0]) for c in calls] == [("launcher.py", 6), ("train.py", 6)]  # keywords on lines of their own


def test_a_call_commented_out_runs_nothing(tmp_path):
    """aws-samples' GRPO notebook keeps an alternative launch commented out in a cell."""
    _scripts_dir(tmp_path, "grpo.py", "grpo_advanced.py")
    text = """from sagemaker.modules.configs import SourceCode
source_code = SourceCode(source_dir="code", entry_script="grpo.py")
# source_code = SourceCode(
#     source_dir="code",
#     entry_script="grpo_advanced.py",
# )
"""
    assert [c.script.name for c in estimator_calls(text, tmp_path, "launch.py")] == ["grpo.py"]


def test_a_call_is_placed_in_its_code_cell_not_in_a_markdown_cells_example_of_it(tmp_path):
    """Hugging Face's SageMaker notebooks show the estimator in a markdown cell (```python) first."""
    _scripts_dir(tmp_path, "train.py")
    call = 'huggingface_estimator = HuggingFace(entry_point="train.py", source_dir="code")\n'
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["```python\n", call, "```\n"]},
             {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": [call]}]
    raw = json.dumps({"cells": cells}, indent=1)
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    (found,) = estimator_calls(text, tmp_path, "demo.ipynb", raw)
    lines = raw.splitlines()
    code_cell = next(number for number, line in enumerate(lines, start=1) if '"cell_type": "code"' in line)
    assert found.span[0] > code_cell and "HuggingFace(" in lines[found.span[0] - 1]


def test_a_name_holds_its_last_value_at_the_call_not_every_earlier_one(tmp_path):
    """A notebook reassigns `entry_point` cell after cell; a keyword on a line of its own inside an
    earlier call is no assignment; `source_dir` as well."""
    _scripts_dir(tmp_path, "train.py", "evaluate.py")
    text = """entry_point = "train.py"
source_dir = "code"
train = PyTorch(entry_point=entry_point, source_dir=source_dir)
other = PyTorch(
    role=role,
    entry_point="evaluate.py"
)
entry_point = "evaluate.py"
evaluate = PyTorch(entry_point=entry_point, source_dir=source_dir)
"""
    calls = estimator_calls(text, tmp_path, "launch.ipynb")
    assert [(c.script.name, c.span[0]) for c in calls] == [("train.py", 3), ("evaluate.py", 9)]


def test_spread_keywords_of_a_commented_call_or_an_annotated_dict_are_read_as_written(tmp_path):
    _scripts_dir(tmp_path, "train.py")
    commented = 'args = {"entry_point": "train.py", "source_dir": "code"}\n# est = PyTorch(**args)\n'
    assert estimator_calls(commented, tmp_path, "launch.py") == []
    annotated = 'args: dict = {"entry_point": "train.py", "source_dir": "code"}\nest = PyTorch(**args)\n'
    assert [c.name for c in estimator_calls(annotated, tmp_path, "launch.py")] == ["PyTorch"]


def test_a_class_renamed_in_an_import_spread_over_lines_is_the_sdks(tmp_path):
    _scripts_dir(tmp_path, "train.py")
    text = ("from sagemaker.pytorch import (\n    PyTorch as PT,\n    PyTorchModel,\n)\n"
            "est = PT(entry_point='train.py', source_dir='code')\n")
    assert [c.name for c in estimator_calls(text, tmp_path, "launch.py")] == ["PyTorch"]


@pytest.mark.parametrize("launcher", [
    # the key set on the dict the call is given, as aws/amazon-sagemaker-examples' pipelines do
    'hp = {"epochs": 6}\nhp["sagemaker_program"] = "train.py"\nhp["sagemaker_submit_directory"] = uri\n'
    'est = Estimator(image_uri=image, role=role,\n    hyperparameters=hp)\n',
    # in the display assigned to the name the call is given
    'hp = {"epochs": 6, "sagemaker_program": "train.py"}\nest = Estimator(image_uri=image, hyperparameters=hp)\n',
    # through the function that encodes it (the pipeline examples' json_encode_hyperparameters)
    'hp = {}\nhp["sagemaker_program"] = "train.py"\nest = Estimator(image_uri=image, hyperparameters=json_encode(hp))\n',
    # in the display written in the call
    'est = Estimator(image_uri=image, hyperparameters={"sagemaker_program": "train.py"}, source_dir="src")\n',
])
def test_a_sagemaker_program_hyperparameter_names_the_script_as_entry_point_would(tmp_path, launcher):
    """entry_point= is the SDK's way to set the `sagemaker_program` hyperparameter the toolkit
    reads: written by hand, it names the script the call's image runs."""
    (tmp_path / "src").mkdir()
    for base in (tmp_path, tmp_path / "src"):
        (base / "train.py").write_text("print('x')\n")
    (call,) = estimator_calls(launcher, tmp_path, "launch.py")
    source = "src" if 'source_dir="src"' in launcher else ""
    assert (call.name, call.script) == ("Estimator", tmp_path / source / "train.py")
    line = launcher.splitlines()[call.span[0] - 1]
    assert line[call.span[1] - 1:].startswith("Estimator(")


@pytest.mark.parametrize("launcher", [
    'hp = {"sagemaker_program": "train.py"}\n',  # given to no call
    'hp = {"sagemaker_program": "train.py"}\nest = Estimator(image_uri=image, hyperparameters=other)\n',
    'hp = {}\n# hp["sagemaker_program"] = "train.py"\nest = Estimator(hyperparameters=hp)\n',  # commented out
    'hp = {"sagemaker_program": "missing.py"}\nest = Estimator(hyperparameters=hp)\n',  # no such file
])
def test_a_sagemaker_program_no_call_is_given_names_no_launch(tmp_path, launcher):
    (tmp_path / "train.py").write_text("print('x')\n")
    assert estimator_calls(launcher, tmp_path, "launch.py") == []


@pytest.mark.parametrize("shell, runs", [
    ("#!/bin/bash\npython ./trainer.py --lr 0.1\n", True),  # the interpreter itself: the toolkit's child's child
    ("#!/bin/bash\nset -e\ntorchrun --nproc_per_node 8 trainer.py\n", True),
    ("#!/bin/bash\npip install -r requirements.txt\n", False),  # starts no script of the project
    ("#!/bin/bash\npython ./run_pretraining.py\n", False),  # a script fetched at run time, not in the project
])
def test_a_shell_script_entry_point_runs_the_script_it_launches(tmp_path, shell, runs):
    """sm-smddp_bert's `PyTorch(entry_point="train.sh")`: the toolkit runs the shell script, which
    runs the trainer."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.sh").write_text(shell)
    (tmp_path / "src" / "trainer.py").write_text("print('x')\n")
    calls = estimator_calls('est = PyTorch(entry_point="train.sh", source_dir="src", role=role)\n', tmp_path, "launch.py")
    assert [(c.script, c.via.display.endswith("src/train.sh") if c.via else None) for c in calls] == \
        ([(tmp_path / "src" / "trainer.py", True)] if runs else [])


@pytest.mark.parametrize("launcher, scripts", [
    # the training-compiler notebooks: the loss chosen in a cell of its own, with a comment
    ('LOSS = "clm"  # or "mlm"\nest = PyTorch(entry_point=f"run_{LOSS}.py", source_dir="src")\n', ["run_clm.py"]),
    ('if mlm:\n    LOSS = "mlm"\nelse:\n    LOSS = "clm"\nest = PyTorch(entry_point=f"run_{LOSS}.py", source_dir="src")\n',
     ["run_clm.py", "run_mlm.py"]),
    ('est = PyTorch(entry_point=f"run_{args.loss}.py", source_dir="src")\n', []),  # an attribute: not known
    ('est = PyTorch(entry_point=f"run_{LOSS}.py", source_dir="src")\n', []),  # a name no literal is assigned to
])
def test_an_f_string_entry_point_of_names_holding_literals_names_those_scripts(tmp_path, launcher, scripts):
    (tmp_path / "src").mkdir()
    for name in ("run_clm.py", "run_mlm.py"):
        (tmp_path / "src" / name).write_text("print('x')\n")
    assert sorted(c.script.name for c in estimator_calls(launcher, tmp_path, "launch.py")) == scripts
