"""A script named alone is judged as it is launched: the project's shell scripts, task files and
estimator calls that start it are read as a run over the project's folder reads them (peft's
examples/sft/train.py is run by accelerate in run_peft_deepspeed.sh: 30 s, not SageMaker's 120 s)."""

from __future__ import annotations

import pytest

from pathlib import Path

from sigcheck.checking.engine import analyse
from sigcheck.config.settings import Settings
from tests.project_files import write_project

TRAINS = ("import torch\n\n\ndef main():\n    for step in range(1000):\n        model(batch).backward()\n"
          "        optimizer.step()\n\n\nif __name__ == \"__main__\":\n    main()\n")


def _messages(report) -> list[tuple[str, str]]:
    return [(d.path, d.message) for d in report.diagnostics]


def test_a_named_script_has_the_deadline_of_the_shell_script_that_launches_it(run_sigcheck):
    files = {"examples/sft/train.py": TRAINS,
             "examples/sft/run.sh": "accelerate launch --config_file zero3.yaml train.py --lr 1e-4\n"}
    named = run_sigcheck(files, ["examples/sft/train.py"])
    (finding,) = named.diagnostics
    assert "under accelerate (examples/sft/run.sh:1)" in finding.message and "30 s" in finding.message
    assert _messages(named) == _messages(run_sigcheck(files, ["."]))


def test_a_named_script_run_by_an_estimator_is_judged_in_script_mode(run_sigcheck):
    files = {"train.py": TRAINS,
             "launch.py": "from sagemaker.pytorch import PyTorch\n"
                          "est = PyTorch(entry_point='train.py', role=role, framework_version='2.1')\nest.fit()\n"}
    (finding,) = run_sigcheck(files, ["train.py"]).diagnostics
    assert "the PyTorch estimator, at launch.py:2" in finding.message


def test_only_the_named_script_is_analysed(run_sigcheck):
    """The shell script also starts evaluate.py, which trains too: not named, not analysed."""
    files = {"train.py": TRAINS, "evaluate.py": TRAINS,
             "run.sh": "torchrun --nproc_per_node 8 train.py\ntorchrun evaluate.py\n"}
    named = run_sigcheck(files, ["train.py"])
    assert [d.path for d in named.diagnostics] == ["train.py"] and named.files == ["train.py"]
    assert "under torchrun (run.sh:1)" in named.diagnostics[0].message
    assert sorted(d.path for d in run_sigcheck(files, ["."]).diagnostics) == ["evaluate.py", "train.py"]


def test_a_launch_of_another_script_of_the_same_name_is_not_the_named_ones(run_sigcheck):
    files = {"train.py": TRAINS, "other/train.py": TRAINS, "other/run.sh": "torchrun train.py\n"}
    (finding,) = run_sigcheck(files, ["train.py"]).diagnostics
    assert "on SageMaker a stop sends SIGTERM, then SIGKILL 120 s later" in finding.message


def test_an_excluded_launch_script_is_not_read(run_sigcheck):
    files = {"train.py": TRAINS, "old/run.sh": "torchrun ../train.py\n"}
    assert "under torchrun (old/run.sh:1)" in run_sigcheck(files, ["train.py"]).diagnostics[0].message
    (finding,) = run_sigcheck(files, ["train.py"], exclude=("old/*",)).diagnostics
    assert "under torchrun" not in finding.message


def test_a_named_shell_script_is_not_read_twice(run_sigcheck):
    files = {"train.py": TRAINS, "run.sh": "torchrun train.py\n"}
    named = run_sigcheck(files, ["train.py", "run.sh"])
    assert [d.path for d in named.diagnostics] == ["train.py"]


def test_outside_a_project_no_folder_is_searched(tmp_path, monkeypatch):
    """No marker: the root is only the working folder, which may be a home folder."""
    write_project(tmp_path, {"train.py": TRAINS, "run.sh": "torchrun train.py\n"})
    monkeypatch.chdir(tmp_path)
    (finding,) = analyse([Path("train.py")], Settings()).diagnostics
    assert "under torchrun" not in finding.message


BYOC = {
    "Dockerfile": "FROM ubuntu:22.04\nRUN apt-get update && apt-get install -y python3\nCOPY code/main.py /main.py\n"
                  'ENTRYPOINT ["python3", "/main.py"]\n',
    "code/main.py": "import sys\n\nMODEL_DIR = '/opt/ml/model/'\n\nif __name__ == '__main__':\n"
                    "    if sys.argv[1] == 'train':\n        open(MODEL_DIR + 'model.txt', 'w').write('done')\n",
}


def test_a_named_script_an_image_with_no_toolkit_runs_keeps_its_opt_ml_paths(run_sigcheck):
    """The bring-your-own-container skeleton: an image with no training toolkit sets no SM_*
    variable, so /opt/ml/model is the contract, named alone as under `sigcheck .` (triage CJ)."""
    assert run_sigcheck(BYOC, ["."]).diagnostics == []
    assert run_sigcheck(BYOC, ["code/main.py"]).diagnostics == []


def test_a_named_script_no_image_runs_is_judged_with_the_toolkits_variables(run_sigcheck):
    alone = {"code/main.py": BYOC["code/main.py"]}
    assert [d.code for d in run_sigcheck(alone, ["code/main.py"]).diagnostics] == ["OPT001"]



@pytest.mark.parametrize("start, codes", [
    ('os.system("bash exp.sh")', ["SIG010"]),
    ('subprocess.run(["bash", "exp.sh"])', ["SIG010"]),
    ('os.system("bash other.sh")', []),
], ids=["os.system", "subprocess.run", "a shell script that launches no trainer"])
def test_a_named_script_that_starts_a_project_shell_script_is_judged_as_in_a_folder_run(run_sigcheck, start, codes):
    """CodeT5's sh/run_exp.py runs `bash exp_with_args.sh`, which runs the trainer (triage CQ):
    `sigcheck sh/run_exp.py` reads what the shell script launches, as `sigcheck .` does."""
    files = {"sh/run_exp.py": f"import os\nimport subprocess\n\nif __name__ == '__main__':\n    {start}\n",
             "sh/exp.sh": "#!/bin/bash\npython ../train.py\n", "sh/other.sh": "#!/bin/bash\npython ../prepare.py\n",
             "train.py": TRAINS, "prepare.py": "print('prepared')\n"}
    report = run_sigcheck(files, ["sh/run_exp.py"], select=("SIG010",))
    assert [d.code for d in report.diagnostics] == codes
