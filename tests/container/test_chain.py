"""The launch chain `docker run IMAGE train` runs, from Dockerfiles written to disk."""

from __future__ import annotations

import pytest

from sigcheck.container.chain import STOPS
from project_files import dockerfile_container as chain_of

TRAIN = "print('train')\n"


def test_multi_stage_target_and_inherited_entrypoint(tmp_path):
    container = chain_of(tmp_path, {"Dockerfile": """
        ARG BASE=python:3.11
        FROM ${BASE} AS base
        COPY train.py /app/
        ENTRYPOINT ["python", "/app/train.py"]
        FROM base AS debug
        ENTRYPOINT python /app/train.py
        FROM base AS final
        ENV X=1
        """, "train.py": TRAIN}, target="final")
    assert container.image.final.name == "final" and container.image.final.root_base == "python:3.11"
    assert container.image.entrypoint.exec_form
    assert container.chain.python.path == (tmp_path / "train.py").resolve()
    assert container.chain.python.call.args == ("train",)
    assert all(container.chain.receives())


def test_path_train_through_symlink_and_shebang(tmp_path):
    container = chain_of(tmp_path, {"Dockerfile": """
        FROM python:3.11
        COPY src/ /opt/program/
        RUN chmod +x /opt/program/run && ln -s /opt/program/run /usr/local/bin/train
        """, "src/run": "#!/bin/sh\ncd /opt/program\nexec python -m pkg.main\n",
        "src/pkg/__init__.py": "", "src/pkg/main.py": TRAIN})
    assert container.chain.python.display.endswith("src/pkg/main.py")
    assert [s.kind for s in container.chain.steps] == ["entrypoint", "script", "python"]


def test_shell_without_exec_stops_the_signal_unless_an_init_signals_the_group(tmp_path):
    files = {"run.sh": "python /a/train.py\n", "train.py": TRAIN}
    plain = chain_of(tmp_path, {**files, "Dockerfile": 'FROM x\nCOPY . /a\nENTRYPOINT ["sh", "/a/run.sh"]\n'})
    assert plain.chain.stopped_at().passes == STOPS and plain.chain.receives()[-1] is False
    grouped = chain_of(tmp_path, {**files, "Dockerfile": 'FROM x\nCOPY . /a\nENTRYPOINT ["tini", "-g", "--", "sh", "/a/run.sh"]\n'})
    assert grouped.chain.receives()[-1] is True


def test_toolkit_and_missing_train(tmp_path):
    toolkit = chain_of(tmp_path, {"Dockerfile": "FROM python\nRUN pip install sagemaker-training\n"
                                  "COPY train.py /opt/ml/code/\nENV SAGEMAKER_PROGRAM=train.py\n", "train.py": TRAIN})
    assert [s.kind for s in toolkit.chain.steps] == ["entrypoint", "toolkit", "python"]
    assert toolkit.chain.receives()[-1] is False
    # the plain toolkit starts the script with Popen and its argv; a framework's (its training
    # module named) with capture_error=True, through /bin/sh (trainer.py, process.py)
    assert not toolkit.chain.toolkit_shell and toolkit.chain.steps[-1].label.startswith("python train.py")
    framework = chain_of(tmp_path, {"Dockerfile": "FROM python\nRUN pip install sagemaker-training\n"
                                    "ENV SAGEMAKER_TRAINING_MODULE=sagemaker_pytorch_container.training:main\n"
                                    "COPY train.py /opt/ml/code/\nENV SAGEMAKER_PROGRAM=train.py\n", "train.py": TRAIN})
    assert framework.chain.toolkit_shell and framework.chain.steps[-1].label.startswith("/bin/sh -c 'python train.py")
    missing = chain_of(tmp_path, {"Dockerfile": 'FROM python\nCMD ["python", "x.py"]\n'})
    assert missing.chain.missing_train and missing.chain.python is None
    kubernetes = chain_of(tmp_path, {"Dockerfile": 'FROM python\nWORKDIR /w\nCOPY train.py .\nCMD ["python", "train.py"]\n',
                                     "train.py": TRAIN}, platform="kubernetes")
    assert kubernetes.chain.python is not None and not kubernetes.chain.missing_train


_ALGORITHM = {"Dockerfile": "FROM python:3.11-slim\nRUN pip install sagemaker-training xgboost\nCOPY src /src\n"
                           "RUN pip install /src\nENV SAGEMAKER_TRAINING_MODULE=mypkg.training:main\n",
              "src/setup.py": "from setuptools import setup\nsetup(name='mypkg', packages=['mypkg'])\n",
              "src/mypkg/__init__.py": "", "src/mypkg/training.py": "def main():\n    print('train')\n"}


def test_the_toolkit_calls_a_training_module_of_the_context_in_its_own_process(tmp_path):
    """The XGBoost container's algorithm mode: `train` imports SAGEMAKER_TRAINING_MODULE and calls
    it in PID 1, with no SAGEMAKER_PROGRAM and no child (triage CW): the module is the trainer."""
    container = chain_of(tmp_path, _ALGORITHM)
    assert [s.kind for s in container.chain.steps] == ["entrypoint", "toolkit", "python"]
    assert all(container.chain.receives()) and container.chain.problem is None
    python = container.chain.python
    assert python.path == (tmp_path / "src" / "__sagemaker_training_module__.py").resolve()
    assert python.program.splitlines()[0] == "from mypkg.training import main"
    assert python.program.splitlines()[4] == "main()"  # on the ENV line (5), where a trace points


@pytest.mark.parametrize("module", [
    "sagemaker_pytorch_container.training:main",  # a framework's, installed from the index: it runs SAGEMAKER_PROGRAM
    "mypkg.missing:main",  # no such module in the build context
    "mypkg.training",  # no function named
])
def test_a_training_module_not_of_the_context_leaves_the_toolkit_running_the_program(tmp_path, module):
    files = {**_ALGORITHM, "Dockerfile": _ALGORITHM["Dockerfile"].replace("mypkg.training:main", module)}
    container = chain_of(tmp_path, files)
    assert container.chain.python is None and container.chain.awaits_program
    assert container.chain.steps[-1].passes == STOPS


def test_broken_script_on_the_chain_is_a_located_error(tmp_path):
    container = chain_of(tmp_path, {"Dockerfile": 'FROM x\nCOPY e.sh /e.sh\nENTRYPOINT ["sh", "/e.sh"]\n',
                                    "e.sh": "echo start\nif true; then\n  python t.py\n"})
    assert container.chain.python is None
    assert container.errors and container.errors[0].display.endswith("e.sh") and container.errors[0].line == 4


def test_bash_finds_a_script_named_without_a_folder_on_path(tmp_path):
    # the Deep Learning Containers' `ENTRYPOINT ["bash", "-m", "start_with_right_hostname.sh"]`
    files = {"Dockerfile": 'FROM python\nCOPY train.py /opt/program/\nCOPY start.sh /usr/local/bin/start.sh\n'
                           'WORKDIR /\nENTRYPOINT ["bash", "-m", "start.sh"]\n',
             "start.sh": 'python /opt/program/train.py "$@"\n', "train.py": TRAIN}
    container = chain_of(tmp_path, files)
    assert [s.kind for s in container.chain.steps] == ["entrypoint", "script", "python"]
    assert container.chain.receives() == [True, True, False]
    # sh (dash) does not search PATH for its script: there the chain ends
    sh = chain_of(tmp_path, {**files, "Dockerfile": files["Dockerfile"].replace('"bash", "-m"', '"sh"')})
    assert sh.chain.python is None and "not a file of the build context" in sh.chain.problem


def test_a_script_that_runs_the_toolkits_train(tmp_path):
    # `train` without exec in a wrapper, as the Deep Learning Containers' PyTorch images run it
    wrapper = {"Dockerfile": 'FROM python\nRUN pip install sagemaker-training\nCOPY train.py /opt/ml/code/\n'
                             'ENV SAGEMAKER_PROGRAM=train.py\nCOPY start.sh /start.sh\nENTRYPOINT ["bash", "/start.sh"]\n',
               "start.sh": 'if [[ "$1" = "train" ]]; then\n    LD_PRELOAD=/x.so train\nelse\n    eval "$@"\nfi\n',
               "train.py": TRAIN}
    container = chain_of(tmp_path, wrapper)
    assert [s.kind for s in container.chain.steps] == ["entrypoint", "script", "toolkit", "python"]
    assert container.chain.receives() == [True, True, False, False]
    # the toolkit known from the variable only it reads, installed from a lock file sigcheck does not read
    locked = {**wrapper, "Dockerfile": wrapper["Dockerfile"].replace(
        "RUN pip install sagemaker-training", "RUN uv sync --frozen\nENV SAGEMAKER_TRAINING_MODULE=sagemaker_pytorch_container.training:main")}
    assert [s.kind for s in chain_of(tmp_path, locked).chain.steps] == ["entrypoint", "script", "toolkit", "python"]
    # without the toolkit, `train` is no program of the image: what `eval "$@"` runs is not found
    bare = {**wrapper, "Dockerfile": wrapper["Dockerfile"].replace("RUN pip install sagemaker-training\n", "")}
    assert chain_of(tmp_path, bare).chain.problem == "no executable `train` is placed on the image's PATH"


def test_of_a_scripts_branches_the_one_that_trains_is_followed(tmp_path):
    # `if [ $1 == 'train' ]; then ... train; else serve; fi`: the last command is serve's
    container = chain_of(tmp_path, {
        "Dockerfile": 'FROM python\nCOPY code/ /opt/ml/code/\nRUN chmod +x /opt/ml/code/train /opt/ml/code/serve\n'
                      'ENV PATH="/opt/ml/code:${PATH}"\nCOPY start.sh /start.sh\nENTRYPOINT ["bash", "/start.sh"]\n',
        "start.sh": "if [ $1 == 'train' ]\nthen\n    LD_PRELOAD=/x.so train\nelse\n    serve\nfi\n",
        "code/train": "#!/usr/bin/env python\n" + TRAIN, "code/serve": "#!/usr/bin/env python\nprint('serving')\n"})
    assert container.chain.steps[1].label == "LD_PRELOAD=/x.so train"
    assert container.chain.python.path.name == "train"


def test_a_python_entrypoint_runs_before_any_toolkit_unless_the_toolkit_starts_it(tmp_path):
    files = {"train.py": "print('training')\n"}
    before = chain_of(tmp_path / "a", {**files, "Dockerfile": 'FROM python:3.11\nRUN pip install sagemaker-training\n'
                                       'COPY train.py /app/\nENTRYPOINT ["python", "/app/train.py"]\n'})
    assert before.python_before_toolkit
    told = chain_of(tmp_path / "b", {**files, "Dockerfile": 'FROM python:3.11\nENV SM_MODEL_DIR=/opt/ml/model\n'
                                     'COPY train.py /app/\nENTRYPOINT ["python", "/app/train.py"]\n'})
    assert not told.python_before_toolkit  # the image's ENV names the folders itself
    run_by_toolkit = chain_of(tmp_path / "c", {**files, "Dockerfile": 'FROM python:3.11\nRUN pip install sagemaker-training\n'
                                               'COPY train.py /opt/ml/code/\nENV SAGEMAKER_PROGRAM=train.py\n'})
    assert [s.kind for s in run_by_toolkit.chain.steps][-1] == "python" and not run_by_toolkit.python_before_toolkit


def test_the_toolkit_a_requirements_file_lists_runs_the_program(tmp_path):
    dockerfile = ("FROM python:3.11\nCOPY requirements.txt /requirements.txt\nRUN pip install -r /requirements.txt\n"
                  "COPY train.py /opt/ml/code/\nENV SAGEMAKER_PROGRAM=train.py\n")
    listed = chain_of(tmp_path / "a", {"Dockerfile": dockerfile, "train.py": TRAIN,
                                       "requirements.txt": "torch\nsagemaker-training==4.8.0  # the toolkit\n"})
    assert [s.kind for s in listed.chain.steps] == ["entrypoint", "toolkit", "python"]
    older = chain_of(tmp_path / "b", {"Dockerfile": dockerfile, "train.py": TRAIN,
                                      "requirements.txt": "sagemaker-containers==2.8.6\n"})
    assert [s.kind for s in older.chain.steps] == ["entrypoint", "toolkit", "python"]  # its trainer runs the script alike
    both = chain_of(tmp_path / "c", {"Dockerfile": dockerfile, "train.py": TRAIN,
                                     "requirements.txt": "sagemaker-training==4.8.0\nsagemaker-xgboost-container==2.0\n"})
    assert "toolkit" not in [s.kind for s in both.chain.steps]  # two `train` scripts: which one runs is not known


def test_the_older_toolkit_sagemaker_containers_runs_the_program_as_a_child(tmp_path):
    """sagemaker-containers' `train` (sagemaker_containers/_trainer.py) runs SAGEMAKER_PROGRAM with Popen and waits."""
    dockerfile = ("FROM python:3.7-slim\nRUN pip install --no-cache-dir sagemaker-containers torch\n"
                  "COPY train.py /opt/ml/code/train.py\nENV SAGEMAKER_PROGRAM train.py\n")
    facts = chain_of(tmp_path, {"Dockerfile": dockerfile, "train.py": TRAIN})
    assert [s.kind for s in facts.chain.steps] == ["entrypoint", "toolkit", "python"]
    assert facts.chain.steps[1].passes == STOPS and "sagemaker-containers" in facts.chain.steps[1].note


@pytest.mark.parametrize("create", ["conda env create -f /code/environment.yml", "mamba env update --file /code/environment.yml",
                                    "micromamba create -y -f /code/environment.yml"])
def test_the_toolkit_a_conda_environment_lists_runs_the_program(tmp_path, create):
    """krasserm/sagemaker-tutorial: `- pip: [sagemaker-training, ...]` in the environment file."""
    dockerfile = (f"FROM continuumio/miniconda3\nCOPY environment.yml /code/environment.yml\nRUN {create}\n"
                  "COPY train.py /opt/ml/code/\nENV SAGEMAKER_PROGRAM=train.py\n")
    environment = "name: job\ndependencies:\n  - python=3.11\n  - pip\n  - pip:\n    - sagemaker-training\n    - torch\n"
    listed = chain_of(tmp_path / "a", {"Dockerfile": dockerfile, "train.py": TRAIN, "environment.yml": environment})
    assert [s.kind for s in listed.chain.steps] == ["entrypoint", "toolkit", "python"]
    without = chain_of(tmp_path / "b", {"Dockerfile": dockerfile, "train.py": TRAIN,
                                        "environment.yml": environment.replace("sagemaker-training", "boto3")})
    assert "toolkit" not in [s.kind for s in without.chain.steps]


def test_a_script_ends_in_the_program_it_execs_even_one_sigcheck_cannot_see(tmp_path):
    """`exec` ends the script in that program: a set-up step before it is not the trainer, and a
    program the image gets from elsewhere stops the chain there, saying so."""
    container = chain_of(tmp_path, {"Dockerfile": """
        FROM python:3.11
        COPY . /opt/program/
        ENTRYPOINT ["bash", "/opt/program/run.sh"]
        """, "run.sh": "python /opt/program/prepare.py\nexec /opt/vendor/bin/trainer --config c.yaml\n",
        "prepare.py": TRAIN})
    assert container.chain.python is None
    assert container.chain.problem == "`/opt/vendor/bin/trainer` is not a file of the build context"
    assert container.chain.steps[-1].label == "exec /opt/vendor/bin/trainer --config c.yaml"


def test_the_deep_learning_containers_gallery_names_for_training(tmp_path):
    """The public gallery's PyTorch training image is `pytorch:<version>-...-sagemaker`; a server
    image tagged for SageMaker endpoints (vllm) has no training toolkit."""
    files = {"train.py": TRAIN}
    setup = "COPY train.py /opt/ml/code/train.py\nENV SAGEMAKER_PROGRAM=train.py\n"
    training = chain_of(tmp_path, {**files, "Dockerfile": "FROM public.ecr.aws/deep-learning-containers/pytorch:"
                                   "2.12.1-cu130-amzn2023-sagemaker\n" + setup})
    assert [s.kind for s in training.chain.steps] == ["entrypoint", "toolkit", "python"]
    serving = chain_of(tmp_path, {**files, "Dockerfile": "FROM public.ecr.aws/deep-learning-containers/vllm:"
                                  "0.27-gpu-py312-cu130-ubuntu22.04-sagemaker-v1.0\n" + setup})
    assert "toolkit" not in [s.kind for s in serving.chain.steps]


def test_a_last_stage_that_only_exports_files_is_not_the_image(tmp_path):
    """deep-learning-containers ends with `FROM scratch AS wheel-export`, which nothing runs: the
    stage before it is the image; a scratch stage with a program to run stays the image."""
    stages = """
        FROM python:3.11-slim AS sagemaker
        RUN pip install sagemaker-training
        COPY train.py /opt/ml/code/train.py
        ENV SAGEMAKER_PROGRAM=train.py
        FROM scratch AS wheel-export
        COPY --from=sagemaker /root/.cache/ /wheels/
        """
    exported = chain_of(tmp_path, {"Dockerfile": stages, "train.py": TRAIN})
    assert exported.image.final.name == "sagemaker"
    assert [s.name for s in exported.image.skipped_exports] == ["wheel-export"]
    assert [s.kind for s in exported.chain.steps] == ["entrypoint", "toolkit", "python"]
    runnable = chain_of(tmp_path, {"Dockerfile": stages + 'ENTRYPOINT ["/wheels/run"]\n', "train.py": TRAIN})
    assert runnable.image.final.name == "wheel-export" and runnable.image.skipped_exports == []
    chosen = chain_of(tmp_path, {"Dockerfile": stages, "train.py": TRAIN}, target="wheel-export")
    assert chosen.image.final.name == "wheel-export"
    targeted = chain_of(tmp_path, {"Dockerfile": stages + "FROM python:3.11-slim AS ec2\n", "train.py": TRAIN},
                        target="sagemaker")
    assert targeted.image.final.name == "sagemaker" and targeted.image.skipped_exports == []  # --target chose it


def test_without_entrypoint_or_cmd_off_sagemaker_the_base_images_or_the_jobs_command_runs(tmp_path):
    container = chain_of(tmp_path, {"Dockerfile": "FROM python:3.11-slim\nCOPY train.py /app/train.py\n",
                                    "train.py": TRAIN}, platform="kubernetes")
    assert container.chain.steps == [] and container.chain.python is None
    assert container.chain.problem == ("the Dockerfile sets no ENTRYPOINT or CMD: the base image's (python:3.11-slim) "
                                       "or the command the job gives runs, which sigcheck cannot see")


@pytest.mark.parametrize("entrypoint, worker", [
    ('["torchrun", "--nproc_per_node", "8", "/a/train.py", "--lr", "1"]', "python /a/train.py --lr 1 train"),
    ('["accelerate", "launch", "--num_processes", "2", "-m", "pkg.train"]', "python -m pkg.train train"),
])
def test_a_launchers_workers_are_shown_as_the_python_they_run(tmp_path, entrypoint, worker):
    """sd-scripts' triage: the trainer's step repeated the launcher's command line, as if the
    launcher itself were the trainer."""
    container = chain_of(tmp_path, {"Dockerfile": f"FROM x\nCOPY . /a\nWORKDIR /a\nENTRYPOINT {entrypoint}\n",
                                    "train.py": TRAIN, "pkg/__init__.py": "", "pkg/train.py": TRAIN})
    assert [s.kind for s in container.chain.steps][-2:] == ["launcher", "python"]
    assert container.chain.steps[-1].label == worker


@pytest.mark.parametrize("script", ["$(dirname \"$0\")/train.py", "$(dirname $0)/train.py", "`dirname $0`/train.py"])
def test_a_script_that_names_its_trainer_from_its_own_folder(tmp_path, script):
    """OpenMMLab's tools/dist_train.sh: `python -m torch.distributed.launch ... $(dirname "$0")/train.py`,
    run as `bash tools/dist_train.sh` from /app (triage AW)."""
    container = chain_of(tmp_path, {"Dockerfile": """
        FROM python:3.11
        COPY . /app
        WORKDIR /app
        ENTRYPOINT ["bash", "tools/dist_train.sh"]
        """, "tools/dist_train.sh": f"#!/usr/bin/env bash\nexec python -m torch.distributed.launch "
                                    f"--nproc_per_node=8 {script} $CONFIG --launcher pytorch\n",
        "tools/train.py": TRAIN})
    assert container.chain.problem is None
    assert container.chain.python.display.endswith("tools/train.py")


@pytest.mark.parametrize("layout, install", [
    ("src/trainpkg/shell.py", "RUN pip install torch /trainpkg[shell]"),  # gluonts' examples/dockerfiles
    ("trainpkg/shell.py", "RUN pip install -e ."),
    ("trainpkg/shell/__main__.py", "RUN python -m pip install --no-cache-dir /trainpkg"),
])
def test_a_module_of_the_project_the_image_pip_installs_is_the_trainer(tmp_path, layout, install):
    """`ADD . /gluonts`, `pip install /gluonts[shell]`, `ENTRYPOINT ["python", "-m", "gluonts.shell"]`:
    the module is the build context's, installed into site-packages (triage BZ)."""
    workdir = "WORKDIR /trainpkg\n" if install.endswith(" .") else ""
    container = chain_of(tmp_path, {"Dockerfile": f"FROM python:3.10\nADD . /trainpkg\n{workdir}{install}\n"
                                                  'ENTRYPOINT ["python", "-m", "trainpkg.shell"]\n',
                                    layout: TRAIN, "trainpkg/__init__.py" if "src" not in layout else "src/trainpkg/__init__.py": ""})
    assert container.chain.python is not None and container.chain.python.path == (tmp_path / layout).resolve()


def test_a_module_of_an_uninstalled_folder_is_no_trainer(tmp_path):
    container = chain_of(tmp_path, {"Dockerfile": "FROM python:3.10\nADD . /trainpkg\nRUN pip install torch\n"
                                                  'ENTRYPOINT ["python", "-m", "trainpkg.shell"]\n',
                                    "src/trainpkg/shell.py": TRAIN, "src/trainpkg/__init__.py": ""})
    assert container.chain.python is None and "not a file of the build context" in container.chain.problem
