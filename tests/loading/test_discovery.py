"""Which files a directory search takes as entry points."""

from __future__ import annotations

import json
from pathlib import Path

from sigcheck.loading.discovery import NO_ENTRY_POINTS, discover
from sigcheck.loading.roots import project_root

SCRIPT = "if __name__ == '__main__':\n    for step in range(10):\n        pass\n"


def _entries(root, files, paths=None, globs=()):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    found = discover([root / p for p in (paths or ["."])], globs, root, (), "sagemaker", None, None)
    return sorted(display.replace("\\", "/").rsplit(str(root.name) + "/", 1)[-1] for _, display, _ in found.entries)


def test_tests_are_not_jobs(tmp_path):
    files = {"train.py": SCRIPT, "test_train.py": SCRIPT, "model_test.py": SCRIPT, "tests/smoke.py": SCRIPT,
             "pkg/test_utils/scripts/run_ddp.py": SCRIPT, "pkg/testing_guide.py": SCRIPT, "contest/train.py": SCRIPT}
    assert [e.split("/")[-1] for e in _entries(tmp_path, files)] == ["train.py", "testing_guide.py", "train.py"]


def test_benchmarks_are_not_jobs_unless_named(tmp_path):
    """nanoGPT's bench.py times a few optimizer steps: nothing there to save at a stop."""
    files = {"train.py": SCRIPT, "bench.py": SCRIPT, "benchmark_attention.py": SCRIPT, "train_bench.py": SCRIPT,
             "benchmarks_report.py": SCRIPT, "workbench.py": SCRIPT, "eval/measure_vram.py": SCRIPT,
             "measurements.py": SCRIPT}
    assert _entries(tmp_path, files) == ["benchmarks_report.py", "measurements.py", "train.py", "workbench.py"]
    assert _entries(tmp_path, files, ["bench.py"]) == ["bench.py"]
    (tmp_path / "run.sh").write_text("torchrun --nproc_per_node 8 bench.py\ntorchrun --nproc_per_node 8 train.py\n")
    assert "bench.py" not in _entries(tmp_path, files)  # started by a launcher, still a benchmark


def test_a_test_named_on_the_command_line_or_folder_searched_by_name_is_analysed(tmp_path):
    files = {"tests/smoke.py": SCRIPT, "tests/test_loop.py": SCRIPT}
    assert _entries(tmp_path, files, ["tests/test_loop.py"])[0].endswith("test_loop.py")
    assert [e.split("/")[-1] for e in _entries(tmp_path, files, ["tests"])] == ["smoke.py"]


def test_configured_entry_points_win(tmp_path):
    files = {"tests/test_loop.py": SCRIPT}
    assert [e.split("/")[-1] for e in _entries(tmp_path, files, globs=("tests/*.py",))] == ["test_loop.py"]


def test_a_module_calling_its_own_function_at_top_level_is_a_script(tmp_path):
    files = {
        "train.py": "def main():\n    pass\n\n\nmain()\n",
        "serve.py": "import asyncio\n\nasync def serve():\n    pass\n\nasyncio.run(serve())\n",  # calls asyncio's
        "setup.py": "from setuptools import setup\n\ndef version():\n    return '1'\n\nsetup(version=version())\n",
        "lib.py": "def helper():\n    pass\n\nclass Model:\n    def build(self):\n        helper()\n",
        "job.py": "async def run():\n    pass\n\nrun ()\n",
        # keras-io's cct.py: the call's result is kept (`history = run_experiment(model)`)
        "cct.py": "def run_experiment(model):\n    return model\n\n\nhistory = run_experiment(None)\n",
        "pair.py": "def split():\n    return 1, 2\n\n\ntrain_x, test_x = split()\n",
        "config.py": "import os\n\ndef env(name):\n    return os.environ[name]\n\nPATH = os.getenv('X')\n",  # no own call
    }
    assert _entries(tmp_path, files) == ["cct.py", "job.py", "pair.py", "train.py"]


def test_a_module_fitting_a_model_or_starting_a_process_at_top_level_is_a_script(tmp_path):
    """Keras tutorials are flat scripts: `history = model.fit(...)` with no main block; so are
    launchers that start torchrun at their top level (SIG010's own example)."""
    files = {
        "mnist.py": "import keras\n\nmodel = keras.Sequential()\nhistory = model.fit(x, y, epochs=5)\n",
        "gbm.py": "import xgboost\n\nclf = xgboost.XGBClassifier()\nclf.fit(x, y)\n",
        "sft.py": "from transformers import Trainer\n\ntrainer = Trainer(model=model)\ntrainer.train()\n",
        "layers.py": "import torch\n\nclass Net(torch.nn.Module):\n    def fit(self, x):\n        self.train()\n",
        "models.py": "def train(model, x, y):\n    return model.fit(x, y)\n",  # inside a function: a library
        "launch.py": "import subprocess\nproc = subprocess.Popen(['torchrun', 'train.py'])\nproc.wait()\n",
        "tools.py": "import subprocess\n\ndef sh(cmd):\n    return subprocess.run(cmd, shell=True)\n",
        "chained.py": "from mylib import Trainer\n\nTrainer(model, opt, data).fit()\n",
        "spanning.py": "from mylib import Trainer\n\nTrainer(\n    model,\n    opt,\n).fit(epochs=3)\n",
        "nested.py": "def run():\n    Trainer(model).fit()\n",  # inside a function: a library
    }
    assert _entries(tmp_path, files) == ["chained.py", "gbm.py", "launch.py", "mnist.py", "sft.py", "spanning.py"]


def test_a_loop_inside_a_top_level_block_is_a_script(tmp_path):
    """AutoGPTQ's examples train in `with torch.cuda.amp.autocast():` at module level. The loop must
    belong to the block: a loop in a function defined after it, or text at the left margin between
    them, does not count."""
    loop = "    for step in range(10):\n        pass\n"
    files = {
        "amp.py": "import torch\n\nwith torch.cuda.amp.autocast():  # mixed precision\n" + loop,
        "guarded.py": "import sys\n\ntry:\n    import torch\n\n" + loop + "finally:\n    pass\n",
        "flagged.py": "import os\n\nif os.environ.get('TRAIN'):\n    model = 1\n" + loop,
        "lib.py": "try:\n    import torch\nexcept ImportError:\n    torch = None\n\n\ndef steps():\n" + loop,
        "typed.py": "if True:\n    x = 1\nfor_each = 2\nwhile_ok = 3\n",
    }
    assert _entries(tmp_path, files) == ["amp.py", "flagged.py", "guarded.py"]


def test_dockerfile_names():
    from pathlib import Path

    from sigcheck.container.dockerfile import is_dockerfile

    named = ["Dockerfile", "Containerfile", "dockerfile", "Dockerfile.gpu", "train.Dockerfile", "0.train.dockerfile",
             "Dockerfile_amd", "Dockerfile_gaudi", "Dockerfile-cpu", "Containerfile-arm64", "triton.containerfile"]
    assert all(is_dockerfile(Path("docker") / name) for name in named)
    assert not any(is_dockerfile(Path(name)) for name in ["dockerfile.py", "Dockerfile_notes.md", "build_dockerfile.sh",
                                                          "Dockerfile.py", "Dockerfile_template.sh",
                                                          "Dockerfile.dockerignore", "Dockerfile-gpu.md"])


def test_a_file_named_on_the_command_line_under_no_dockerfile_name_is_read_as_what_it_is(tmp_path):
    """Parsed as Python, `Dockerfile2` gave a syntax error: a file the user names is meant."""
    (tmp_path / "Dockerfile2").write_text("# syntax=docker/dockerfile:1\n\nARG BASE=python:3.11\nFROM $BASE\nCMD [\"x\"]\n")
    (tmp_path / "lower").write_text("from python:3.11 as build\nrun pip install torch\n")
    (tmp_path / "train").write_text("#!/usr/bin/env python\nfrom os import path\narg = 1\n")
    (tmp_path / "run").write_text("arg = 1\nprint(arg)\n")
    (tmp_path / "fit").write_text("from trainer import fit\nfit()\n")
    found = discover([tmp_path / name for name in ("Dockerfile2", "lower", "train", "fit", "run")])
    assert [c.display.rsplit("/", 1)[-1] for c in found.containers] == ["Dockerfile2", "lower"]
    assert sorted(Path(path).name for path, _, _ in found.entries) == ["fit", "run", "train"]


def test_a_shell_script_or_data_file_named_on_the_command_line_is_a_clear_error(tmp_path):
    """Parsed as Python, `run.sh` gave a syntax error that said nothing of what to do instead."""
    (tmp_path / "run.sh").write_text("#!/bin/sh\npython main.py\n")
    (tmp_path / "config.yaml").write_text("lr: 0.1\n")
    found = discover([tmp_path / "run.sh", tmp_path / "config.yaml"])
    assert found.entries == []
    assert ["shell script" in e.message for e in found.errors] == [True, False]
    assert "name the training script" in found.errors[1].message


def test_a_launch_script_named_on_the_command_line_is_read_as_a_folder_scan_reads_it(tmp_path):
    """alignment-handbook's `launch.slurm`, named, was parsed as Python (a syntax error at `[[`);
    found in its folder it was read for the script it starts. Now it is read so either way."""
    (tmp_path / "train.py").write_text("print('training')\n")
    for name in ("launch.slurm", "job.sbatch", "run.sh"):
        (tmp_path / name).write_text('#!/bin/bash\n#SBATCH --nodes=1\nif [[ "$1" == x ]]; then echo; fi\n'
                                     "srun python train.py\n")
        found = discover([tmp_path / name])
        assert found.errors == [] and [Path(path).name for path, _, _ in found.entries] == ["train.py"]
        assert [Path(launch.display).name for launch in found.launches] == [name]


def test_a_notebook_named_that_launches_no_job_says_so(tmp_path):
    """A notebook that trains in its own kernel reported "All checks passed (0 files analysed)";
    in a folder of nothing else, the folder had no entry points but said nothing either."""
    notebook = {"cells": [{"cell_type": "code", "source": ["for batch in data:\n", "    loss.backward()\n"]}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "explore.ipynb").write_text(json.dumps(notebook))
    named = discover([tmp_path / "nb" / "explore.ipynb"])
    assert [e.message.split(":")[0] for e in named.errors] == ["a notebook that starts no training job sigcheck follows "
                                                               "(no SageMaker estimator or ModelTrainer names an entry point, "
                                                               "no Kubeflow CustomTrainer is handed a function the notebook defines)"]
    folder = discover([tmp_path / "nb"])
    assert [e.message for e in folder.errors] == [NO_ENTRY_POINTS]


def test_without_a_project_marker_the_working_folder_holding_the_inputs_is_the_root(tmp_path, monkeypatch):
    """`docker build -f docker/trainer/Dockerfile .` runs from the folder above: a Dockerfile
    named from there finds its build context there."""
    (tmp_path / "docker" / "trainer").mkdir(parents=True)
    dockerfile = tmp_path / "docker" / "trainer" / "Dockerfile"
    dockerfile.write_text("FROM python:3.11\n")
    monkeypatch.chdir(tmp_path)
    assert project_root([Path("docker/trainer/Dockerfile")]) == tmp_path.resolve()
    monkeypatch.chdir(tmp_path / "docker")
    assert project_root([dockerfile]) == (tmp_path / "docker").resolve()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert project_root([dockerfile]) == dockerfile.parent.resolve()  # not below the working folder


def test_a_folder_of_tests_and_benchmarks_says_they_were_left_out(tmp_path):
    """ignite's cifar100_amp_benchmark/: three benchmark scripts with main guards. The error said
    the folder held no such file; it names the scripts and how to check one."""
    folder = tmp_path / "cifar100_amp_benchmark"
    folder.mkdir()
    for name in ("benchmark_fp32.py", "benchmark_nvidia_apex.py"):
        (folder / name).write_text("if __name__ == '__main__':\n    main()\n")
    (message,) = [e.message for e in discover([folder]).errors]
    assert message.startswith("no entry points found in this directory: its scripts are tests or benchmarks (")
    assert "benchmark_fp32.py" in message and "sigcheck check FILE" in message


def test_a_link_met_before_the_file_it_points_to_leaves_the_file_shown(tmp_path):
    """speechbrain's recipes/REAL-M/sisnr-estimation/train_wham.py links to
    WHAMandWHAMR/separation/train.py: the real file is the entry point shown, whichever folder
    is walked first (triage BY)."""
    (tmp_path / "recipes" / "A-link").mkdir(parents=True)
    (tmp_path / "recipes" / "B-real").mkdir(parents=True)
    (tmp_path / "recipes" / "B-real" / "train.py").write_text(SCRIPT)
    (tmp_path / "recipes" / "A-link" / "train_alias.py").symlink_to(Path("..") / "B-real" / "train.py")
    assert _entries(tmp_path, {}) == ["recipes/B-real/train.py"]
