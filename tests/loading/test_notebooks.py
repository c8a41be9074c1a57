"""Scripts a notebook's cells write (`%%writefile code/train.py`): analysed as those files, shown in
the notebook at the lines that hold them, where the repository has no such file."""

from __future__ import annotations

import json
from pathlib import Path

from sigcheck.loading.notebooks import code_cells, written_scripts

TRAIN_CELL = ["%%writefile code/train.py\n", "import torch\n", "\n", "model_dir = '/opt/ml/model'\n",
              "for epoch in range(10):\n", "    loss = model(batch)\n", "    loss.backward()\n", "    optimizer.step()\n",
              "torch.save(model.state_dict(), model_dir + '/model.pt')"]
LAUNCH_CELL = ["from sagemaker.pytorch import PyTorch\n",
               "est = PyTorch(entry_point='train.py', source_dir='code', role=role, instance_count=1,\n",
               "              instance_type='ml.g5.xlarge', framework_version='2.1', py_version='py310')\n",
               "est.fit()"]


def notebook(*sources, as_strings: bool = False) -> str:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# Training\n"]}]
    cells += [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
               "source": "".join(source) if as_strings else list(source)} for source in sources]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)


def test_each_line_of_a_written_script_stands_at_its_line_in_the_notebook():
    text = notebook(["print('first')"], TRAIN_CELL, LAUNCH_CELL)
    (script,) = written_scripts(text, code_cells(text), Path("nb"))
    lines = text.splitlines()
    assert script.path == Path("nb/code/train.py")
    assert "%%writefile code/train.py" in lines[script.line - 1]
    for number, line in enumerate(script.text.splitlines(), start=1):
        if line:
            assert json.dumps(line + "\n")[:-1] in lines[number - 1] or json.dumps(line) in lines[number - 1]
    assert script.text.splitlines()[script.line:] == [line.rstrip("\n") for line in TRAIN_CELL[1:]]


def test_an_appending_cell_adds_to_the_script_and_other_cells_write_nothing_followed():
    text = notebook(TRAIN_CELL, ["%%writefile -a code/train.py\n", "print('done')\n"],
                    ["%%writefile code/requirements.txt\n", "torch\n"], ["%%writefile {folder}/train.py\n", "x = 1\n"],
                    ["%%time\n", "train()\n"])
    script, requirements = written_scripts(text, code_cells(text), Path("."))  # the {folder} path and %%time are not
    assert script.text.rstrip().endswith("print('done')") and "loss.backward()" in script.text
    assert requirements.path == Path("code/requirements.txt") and requirements.text.strip() == "torch"


def test_a_cell_whose_lines_the_file_does_not_hold_one_by_one_is_not_followed():
    """Its script's lines would have no line of the notebook to be shown at."""
    for text in (notebook(TRAIN_CELL, as_strings=True), json.dumps(json.loads(notebook(TRAIN_CELL)))):
        assert written_scripts(text, code_cells(text), Path(".")) == []


def test_a_notebooks_written_script_is_analysed_where_the_notebook_holds_it(run_sigcheck):
    report = run_sigcheck({"launch.ipynb": notebook(TRAIN_CELL, LAUNCH_CELL)}, ["."])
    lines = notebook(TRAIN_CELL, LAUNCH_CELL).splitlines()
    found = {d.code: d for d in report.diagnostics}
    assert sorted(found) == ["OPT001", "SIG001"]
    assert all(d.path == "launch.ipynb" for d in report.diagnostics)
    assert "'/opt/ml/model'" in lines[found["OPT001"].line - 1] and found["OPT001"].source_line == "model_dir = '/opt/ml/model'"
    assert "for epoch in range(10)" in lines[found["SIG001"].line - 1]
    assert found["OPT001"].fix is None  # an edit of the script's text would break the notebook's JSON


def test_the_file_in_the_repository_wins_over_the_cell_that_writes_it(run_sigcheck):
    report = run_sigcheck({"launch.ipynb": notebook(TRAIN_CELL, LAUNCH_CELL),
                           "code/train.py": "print('no training here')\n"}, ["."])
    assert report.diagnostics == []


def test_a_written_script_no_estimator_runs_is_not_analysed(run_sigcheck):
    report = run_sigcheck({"launch.ipynb": notebook(TRAIN_CELL, ["print('train in the kernel')\n"])}, ["launch.ipynb"])
    assert report.diagnostics == [] and "starts no training job sigcheck follows" in report.errors[0].message


def test_odd_cells_and_paths_are_no_crash(run_sigcheck):
    """A NUL byte in a written path or an entry point, a path deeper than the file system takes,
    sources that are not text: each is passed over, and the rest is analysed."""
    deep = "d/" * 300
    cells = [["%%writefile a\0b.py\n", "x = 1\n"], [f"%%writefile {deep}x.py\n", "import torch\n"], [1, 2],
             "%%writefile s.py", ["est = PyTorch(entry_point='a\0b.py')\n", f"e2 = PyTorch(entry_point='x.py', source_dir='{deep}')\n"]]
    text = json.dumps({"cells": [{"cell_type": "code", "source": source} for source in cells]})
    report = run_sigcheck({"launch.ipynb": text}, ["."])
    assert report.diagnostics == []


def test_a_requirements_file_a_cell_writes_pins_the_scripts_libraries(run_sigcheck):
    """sagemaker-distributed-training-workshop's Lab_1: the notebook writes scripts/mnist.py and
    scripts/requirements.txt (pytorch-lightning == 1.6.3), which the toolkit installs. Lightning
    before 2.0 handles no SIGTERM: SIG001 names the pin, where DKR007 took Lightning to handle it."""
    train = ["%%writefile scripts/mnist.py\n", "import pytorch_lightning as pl\n", "\n",
             "trainer = pl.Trainer(max_epochs=10)\n", "trainer.fit(model, loader)\n"]
    pins = ["%%writefile scripts/requirements.txt\n", "pytorch-lightning == 1.6.3\n", "torchvision\n"]
    launch = ["from sagemaker.pytorch import PyTorch\n",
              "PyTorch(entry_point='mnist.py', source_dir='scripts', role=role, framework_version='1.12').fit()"]
    report = run_sigcheck({"Lab.ipynb": notebook(train, pins, launch)}, ["."])
    assert [d.code for d in report.diagnostics] == ["SIG001"]
    assert "pytorch-lightning==1.6.3 in Lab.ipynb: a release before the library handled SIGTERM" in report.diagnostics[0].message
    assert [d.code for d in run_sigcheck({"Lab.ipynb": notebook(train, launch)}, ["."]).diagnostics] == ["DKR007"]
