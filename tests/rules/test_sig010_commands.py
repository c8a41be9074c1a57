"""How SIG010 reads a command line spelled other than as one list: a string split into words
(`shlex.split(cmd)`, `cmd.split()`, a formatted string split, a list's pieces joined into one),
lists joined with `+`, and a list unpacked into the arguments (`create_subprocess_exec(*cmd)`). Run
through SIG010 as its own examples are (the rule's module keeps the forms it documents)."""

from __future__ import annotations

import pytest

from sigcheck.checking.rule import Example

NO_TRAINER = (
    Example("""
import asyncio


async def revision():
    cmd = ["git", "rev-parse", "HEAD"]
    process = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE)
    return (await process.communicate())[0]


print(asyncio.run(revision()))
""", "an unpacked command list that runs git"),
    Example("""
import shlex
import subprocess

usage = subprocess.run("nvidia-smi --query-gpu=memory.used --format=csv".split(), capture_output=True)
subprocess.run(shlex.split("python3 /opt/eval/score.py --results answers.json"), check=True)
""", "command strings split into words run a query and an evaluation, neither of them training"),
    Example("""
import subprocess
import sys

subprocess.run(["nvidia-smi", "--query-gpu=memory.used"] + sys.argv[1:], check=True)
subprocess.run([sys.executable, "-m", "pip", "install"] + ["-r", "requirements.txt"], check=True)
""", "joined lists that run a query and an install"),
    Example("""
import subprocess

if __name__ == "__main__":
    subprocess.call(["mpirun", "-np", "2", "hostname"])
    subprocess.call(["mpirun", "--allow-run-as-root", "-np", "2", "tritonserver", "--model-repository=/models"])
""", "an MPI launcher that runs a quick tool and an inference server in each rank, not a trainer"),
    Example("""
import os


def partition(params):
    os.system(f"mpirun -np {params.num_parts} -hostfile {params.hosts} pm_dglpart3 graph {params.num_parts}")


if __name__ == "__main__":
    partition(parser.parse_args())
""", "an MPI launcher that runs ParMETIS' partitioner, its options' values unknown (dgl's parmetis_wrapper.py, triage CZ)"),
    Example("""
import subprocess
import sys

subprocess.call(f"{sys.executable} setup.py build_ext --inplace", shell=True)
subprocess.call("python build.py && python -m pkg.prepare", shell=True)
""", "command lines that build an extension and prepare data, their scripts read from the project (PaddleOCR's pse, triage CY)",
            files={"setup.py": "from setuptools import setup\nsetup(name='pse')\n", "build.py": "print('built')\n",
                   "pkg/__init__.py": "", "pkg/prepare.py": "print('prepared')\n"}),
    Example("""
import deepspeed.launcher.runner

deepspeed.launcher.runner.main(["--num_gpus", "1", "evaluate.py", "--checkpoint", "last.pt"])
""", "deepspeed's runner in this process runs an evaluation, which trains nothing",
            files={"evaluate.py": "for batch in loader:\n    print(model(batch))\n"}),
    Example("""
import subprocess

subprocess.run("tune download meta-llama/Llama-3.2-1B --output-dir /tmp/model", shell=True, check=True)
subprocess.run("tune run eleuther_eval --config eval.yaml", shell=True, check=True)
""", "torchtune's download and its evaluation recipe: nothing trains"),
)

STARTS_A_TRAINER = (
    Example("""
import subprocess

# expect: SIG010
subprocess.run("tune run --nnodes 1 --nproc_per_node 8 lora_finetune_distributed --config cfg.yaml",
               shell=True, check=True)
""", "torchtune's `tune run` starts a fine-tuning recipe through torchrun (sagemaker-distributed-training-workshop)"),
    Example("""
import subprocess

# expect: SIG010
subprocess.run("tune run --master-addr 10.0.0.1 --master-port 7777 --nnodes 2 --node-rank 0 --nproc_per_node 8 "
               "full_finetune_distributed --config cfg.yaml", shell=True, check=True)
""", "torchrun's options spelled with dashes take their values too (the workshop's 13_torchtune launcher)"),
    Example("""
import os
import subprocess

hosts = os.environ["SM_HOSTS"]
if __name__ == "__main__":
    # expect: SIG010
    subprocess.run(["mpirun", "--allow-run-as-root", "-np", "8", "-x", "NCCL_DEBUG=INFO", "--mca", "btl_tcp_if_include",
                    "eth0", "python", "train_model.py", "--epochs", "10"], check=True)
""", "an MPI launcher that runs the trainer in each rank, after its options", name="launcher.py",
            files={"train_model.py": "for batch in loader:\n    model(batch).backward()\n    optimizer.step()\n"}),
    Example("""
import subprocess

if __name__ == "__main__":
    # expect: SIG010
    subprocess.call(["mpiexec", "-n", "8", "python", "scripts/image_train.py", "--lr", "1e-4"])
""", "mpiexec, MPI's other name for mpirun (guided-diffusion's README launches so)", name="launcher.py",
            files={"scripts/image_train.py": "for batch in loader:\n    model(batch).backward()\n    optimizer.step()\n"}),
    Example("""
import os
import sys

if __name__ == "__main__":
    # expect: SIG010
    os.system(f"mpirun -np {sys.argv[1]} {sys.argv[2]} --epochs 10")
""", "an MPI launcher whose program sigcheck cannot know, after options it knows: it may be the trainer"),
    Example("""
import subprocess

if __name__ == "__main__":
    # expect: SIG010
    subprocess.call(["t2t-trainer", "--problem", "summarize", "--model", "transformer", "--output_dir", "/out"])
    subprocess.call(["t2t-trainer", "--schedule=continuous_eval", "--output_dir", "/out"])
""", "Tensor2Tensor's trainer program, run with its default schedule (kubeflow's github_issue_summarization, triage DC)"),
    Example("""
import subprocess

if __name__ == "__main__":
    # expect: SIG010
    subprocess.call("python build.py && python fit.py --epochs 10", shell=True)
""", "a command line whose second script trains, read from the project", name="launcher.py",
            files={"build.py": "print('built')\n",
                   "fit.py": "for batch in loader:\n    model(batch).backward()\n    optimizer.step()\n"}),
    Example("""
import asyncio
import sys


async def run(script, **options):
    cmd = [sys.executable, script, "--epochs", "10"]
    # expect: SIG010
    process = await asyncio.create_subprocess_exec(*cmd, **options)
    return await process.wait()


if __name__ == "__main__":
    sys.exit(asyncio.run(run("train_model.py")))
""", "a command list unpacked into one word per argument", name="launcher.py",
            files={"train_model.py": "for batch in loader:\n    model(batch).backward()\n    optimizer.step()\n"}),
    Example("""
import shlex
import subprocess


def build_command(epochs, batch):
    pieces = list()
    pieces.append("/opt/conda/bin/python3.8 /yolov5/train.py --project /opt/ml/model ")
    pieces.append(" --epochs " + str(epochs))
    pieces.append(" --batch " + str(batch))
    return "".join(pieces)


if __name__ == "__main__":
    # expect: SIG010
    subprocess.run(shlex.split(build_command(300, 16)), check=True)
""", "a command joined from a list filled with append (SageMaker's YOLOv5 wrapper)", name="training_wrapper.py"),
    Example("""
import shlex
import subprocess

cmd = "python3 /yolov5/train.py --img 640 --epochs 300"
cmd += " --project /opt/ml/model"
# expect: SIG010
subprocess.run(shlex.split(cmd), check=True)
""", "a command string split into words, as SageMaker's YOLOv5 wrapper does: no shell, but no forwarding either",
            name="training_wrapper.py"),
    Example("""
import subprocess
import sys

from trainer import run_sft


def launch():
    torchrun = ["torchrun", "--nproc-per-node", "8"]
    script = [__file__, "--worker"] + sys.argv[1:]
    # expect: SIG010
    subprocess.run(torchrun + script, check=True)


if __name__ == "__main__":
    run_sft() if "--worker" in sys.argv else launch()
""", "lists joined with `+` make the command: torchrun runs this script again, which trains", name="launcher.py",
            files={"trainer.py": "def run_sft():\n    for batch in loader:\n        model(batch).backward()\n"
                                 "        optimizer.step()\n"}),
    Example("""
import subprocess
import sys

# expect: SIG010
subprocess.run("torchrun --nproc_per_node {n} {script} {args}".format(
    n=8, script="sft.py", args=" ".join(sys.argv[1:])).split(), check=True)
""", "a formatted command split into words", name="launcher.py",
            files={"sft.py": "for batch in loader:\n    model(batch).backward()\n    optimizer.step()\n"}),
    Example("""
import sys

import deepspeed.launcher.runner


def main():
    # expect: SIG010
    deepspeed.launcher.runner.main(["--num_gpus", "8", "train.py"] + sys.argv[1:])


if __name__ == "__main__":
    main()
""", "deepspeed's runner called in this process with the deepspeed command's arguments (gpt-neox's deepy.py)",
            name="deepy.py", files={"train.py": "for batch in loader:\n    model(batch).backward()\n    optimizer.step()\n"}),
    Example("""
import subprocess


class Job:
    def __init__(self, lr):
        command = ["python", "-m", "pkg.train", "--lr", str(lr)]
        self.command_str = " ".join(command)


def launch(jobs):
    for job in jobs:
        # expect: SIG010
        subprocess.call(job.command_str, shell=True)


launch([Job(lr) for lr in (0.1, 0.01)])
""", "a command joined into an attribute in __init__ (DomainBed's sweep; triage DI)", name="sweep.py",
            files={"pkg/__init__.py": "", "pkg/train.py": "for batch in loader:\n    model(batch).backward()\n    optimizer.step()\n"}),
    Example("""
import subprocess

commands = ["python -m pkg.train --lr " + str(lr) for lr in (0.1, 0.01)]
for command in commands:
    # expect: SIG010
    subprocess.call(command, shell=True)
""", "commands a comprehension builds from its own loop variable", name="grid.py",
            files={"pkg/__init__.py": "", "pkg/train.py": "for batch in loader:\n    model(batch).backward()\n    optimizer.step()\n"}),
)


@pytest.mark.parametrize("example", NO_TRAINER, ids=lambda e: e.why[:60])
def test_a_command_that_starts_no_trainer_is_not_reported(example, example_findings):
    found, _ = example_findings("SIG010", example)
    assert found == [], f"{example.why}: {found}"


@pytest.mark.parametrize("example", STARTS_A_TRAINER, ids=lambda e: e.why[:60])
def test_a_trainer_started_with_no_forwarding_is_reported(example, example_findings):
    found, marked = example_findings("SIG010", example)
    assert [line for path, line in found if path == example.name] == marked, example.why


@pytest.mark.parametrize("command", [
    'subprocess.Popen(["bash", "step1/run_1.3b.sh"]).wait()',
    'subprocess.Popen("bash step1/run_1.3b.sh --actor-model opt", shell=True).wait()',
    'subprocess.run(["step1/run_1.3b.sh"], check=True)',
    # DeepSpeed-Chat's own shapes: the script named from the folder the command runs in, or from
    # the working folder, whose start is not known
    'subprocess.Popen(["bash", "run_1.3b.sh"], cwd="step1").wait()',
    'subprocess.Popen(f"bash {os.path.join(os.getcwd(), \'step1\', \'run_1.3b.sh\')} out 2", shell=True).wait()',
], ids=["bash and the script", "a shell command line", "the script run itself", "in the folder cwd= names",
        "from the working folder"])
def test_a_shell_script_of_the_project_runs_what_it_launches(run_sigcheck, command):
    """DeepSpeed-Chat's e2e_rlhf.py runs `bash training_scripts/run_1.3b.sh`, which runs
    `deepspeed main.py`: the driver dies at a stop and leaves the trainers to the deadline."""
    files = {"e2e.py": f"import os, subprocess\n\nif __name__ == '__main__':\n    {command}\n",
             "step1/run_1.3b.sh": "#!/bin/bash\ndeepspeed --num_gpus 1 main.py\n",
             "step1/main.py": "import torch\nfor step in range(9):\n    loss = torch.ones(1)\n    loss.backward()\n"
                              "    torch.optim.SGD([], lr=0.1).step()\n",
             "step1/eval.sh": "#!/bin/bash\necho nothing to launch\n"}
    report = run_sigcheck(files, args=["."], select=("SIG010",), platform="kubernetes")
    assert [(d.code, d.path) for d in report.diagnostics] == [("SIG010", "e2e.py")]
    files["e2e.py"] = files["e2e.py"].replace("run_1.3b.sh", "eval.sh")
    assert run_sigcheck(files, args=["."], select=("SIG010",), platform="kubernetes").diagnostics == []


_CLICK_GROUP = {
    "pyproject.toml": "[project]\nname = 'mini'\nversion = '0.1'\n\n[project.scripts]\nmini = 'mini.cli:main'\n",
    "mini/__init__.py": "",
    "mini/cli.py": "import click\nfrom transformers import Trainer\n\n\n@click.group()\ndef main():\n    pass\n\n\n"
                   "@main.command()\n@click.argument('config')\ndef train(config):\n    Trainer(model=None).train()\n\n\n"
                   "@main.command(name='pre-process')\n@click.argument('config')\ndef pre_process(config):\n"
                   "    print('tokenising', config)\n",
}


@pytest.mark.parametrize("words, reported", [
    ('"mini", "pre-process", "cfg.yml"', False),
    ('"mini", "train", "cfg.yml"', True),
    ('"mini", "--verbose", "cfg.yml"', True),  # no command named: it may be one that trains
], ids=["a command that trains nothing", "the training command", "no command named"])
def test_a_console_script_child_trains_as_the_command_its_words_name(tmp_path, monkeypatch, words, reported):
    """axolotl's Modal runner starts `axolotl preprocess ...` as a child, which trains nothing
    (triage BW)."""
    from pathlib import Path

    from sigcheck.checking.engine import analyse
    from sigcheck.config.settings import Settings
    from tests.project_files import write_project

    launcher = f"import subprocess\n\nif __name__ == '__main__':\n    raise SystemExit(subprocess.call([{words}]))\n"
    write_project(tmp_path, {**_CLICK_GROUP, "launch.py": launcher})
    monkeypatch.chdir(tmp_path)
    report = analyse([Path("launch.py")], Settings(select=("SIG010",)))
    assert [d.code for d in report.diagnostics] == (["SIG010"] if reported else [])


_LAUNCHER = """
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def local_run(train_cmd):
    train_proc = subprocess.Popen(train_cmd)
    train_proc.wait()


def main():
    train_cmd = [sys.executable, os.path.join(HERE, "cli/SCRIPT.py")]
    EXTEND
    RUN


if __name__ == "__main__":
    main()
"""
_CLI = {"cli/train.py": "import torch\n\nmodel = torch.nn.Linear(4, 1)\nopt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
                        "for step in range(10_000):\n    model(torch.randn(8, 4)).sum().backward()\n    opt.step()\n",
        "cli/prepare.py": "import json\n\njson.dump({'shards': 8}, open('meta.json', 'w'))\n"}


@pytest.mark.parametrize("script, extend, run, codes", [
    ("train", "train_cmd.extend(['--epochs', '10'])", "subprocess.Popen(train_cmd).wait()", ["SIG010"]),
    ("train", "pass", "local_run(train_cmd)", ["SIG010"]),
    ("train", "train_cmd.extend(['--epochs', '10'])", "local_run(train_cmd)", ["SIG010"]),
    ("prepare", "train_cmd.extend(['--shards', '8'])", "local_run(train_cmd)", []),
], ids=["extended in place", "handed to a helper", "extended, then handed to a helper", "a script that does not train"])
def test_a_command_list_extended_or_handed_on_keeps_its_script(run_sigcheck, script, extend, run, codes):
    """metaseq's `opt-baselines --local`: `train_cmd = [python, os.path.join(dest, script)]`, then
    `train_cmd.extend(...)` and `local_run(args, env, train_cmd)`, which Popens it (triage CO)."""
    code = _LAUNCHER.replace("SCRIPT", script).replace("EXTEND", extend).replace("RUN", run)
    report = run_sigcheck({"launch.py": code, **_CLI}, ["launch.py"], select=("SIG010",))
    assert [d.code for d in report.diagnostics] == codes


@pytest.mark.parametrize("prefix, codes", [
    ("PYTHONPATH=$PYTHONPATH:{folder}", ["SIG010"]),
    ("PYTHONPATH=/opt/x", ["SIG010"]),
    ("{folder}/bin/run", []),  # the program itself not known: no command to judge
], ids=["an assignment's value interpolated", "a literal assignment", "an interpolated program"])
def test_an_assignment_before_the_program_is_no_word_of_the_command(run_sigcheck, prefix, codes):
    """torchtune's SageMaker launcher (triage CR): `f"PYTHONPATH=$PYTHONPATH:{args.templatedir} tune run
    --nproc_per_node 8 ..."` run with shell=True; the unknown folder is the variable's, not the program's."""
    code = ("import subprocess\nimport sys\n\nfolder = sys.argv[1]\n"
            f'subprocess.run(f"{prefix} torchrun --nproc_per_node 8 train.py", shell=True, check=True)\n')
    report = run_sigcheck({"launcher.py": code, **_CLI}, ["launcher.py"], select=("SIG010",))
    assert [d.code for d in report.diagnostics] == codes


_MPI_FORK = """
import os
import subprocess
import sys

import torch


def mpi_fork(n):
    if n <= 1 or os.getenv("IN_MPI") is not None:
        return
    env = os.environ.copy()
    env.update(IN_MPI="1")
    subprocess.check_call(["mpirun", "-np", str(n), sys.executable] + sys.argv, env=env)
    sys.exit()


def train():
    model = torch.nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(1000):
        model(torch.randn(8, 4)).sum().backward()
        optimizer.step()


if __name__ == "__main__":
    mpi_fork(4)
    WORK
"""


@pytest.mark.parametrize("work, reported", [("train()", True), ("print('nothing to train')", False)])
def test_a_script_that_runs_itself_again_under_mpirun_starts_its_own_training(run_sigcheck, work, reported):
    """baselines' and spinningup's mpi_fork: `[... sys.executable] + sys.argv` re-runs the script,
    whose ranks train; the parent only waits (triage DE)."""
    report = run_sigcheck({"ppo.py": _MPI_FORK.replace("WORK", work)}, ["ppo.py"], select=("SIG010",))
    assert [(d.code, d.line) for d in report.diagnostics] == ([("SIG010", 13)] if reported else [])
