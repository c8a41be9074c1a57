"""The project's shell scripts that start a training script through torchrun, `accelerate launch`
or deepspeed: that script is an entry point, under the launcher's 30 s, whatever its own code
reads (peft's run_peft_multigpu.sh starts sft/train.py with torchrun)."""

from __future__ import annotations

import pytest

TRAINS = """
import torch
from lib import build

model, optimizer = build()
for step in range(10_000):
    model(torch.randn(8, 4)).sum().backward()
    optimizer.step()
"""
# a script with no main guard, loop of its own or call of its own function: found through the launch only
IMPORTED_MAIN = "from lib import main\n\nmain()\n"
LIB = """
import torch


def build():
    model = torch.nn.Linear(4, 1)
    return model, torch.optim.SGD(model.parameters(), lr=0.1)


def main():
    model, optimizer = build()
    for step in range(10_000):
        model(torch.randn(8, 4)).sum().backward()
        optimizer.step()
"""


def _messages(report) -> dict[str, str]:
    return {d.path: d.message for d in report.diagnostics if d.code == "SIG001"}


@pytest.mark.parametrize("script, command, where", [
    ("run.sh", "CUDA_VISIBLE_DEVICES=0,1 torchrun --nproc_per_node 2 --nnodes 1 train.py --lr 1e-4", "run.sh:3"),
    ("scripts/multi_gpu.sh", "accelerate launch --config_file configs/fsdp.yaml train.py", "scripts/multi_gpu.sh:3"),
    ("launch.bash", "python -m torch.distributed.run --nproc_per_node=8 train.py", "launch.bash:3"),
    # accelerate's own examples (alst_ulysses_sequence_parallelism/sp-alst.sh): the module is the launcher,
    # and an option sigcheck does not list is followed by its value, then the script
    ("sp.sh", "python -u -m accelerate.commands.launch --main_process_ip localhost --config_file c.yml train.py",
     "sp.sh:3"),
])
def test_a_launch_script_gives_the_launchers_deadline(run_sigcheck, script, command, where):
    files = {"train.py": TRAINS, "lib.py": LIB, script: f"#!/bin/bash\nset -e\n{command}\n"}
    report = run_sigcheck(files, ["."])
    message = _messages(report)["train.py"]
    launcher = command.split()[1] if command.startswith("CUDA") else command.split()[0]
    launcher = {"-m": "torchrun", "-u": "accelerate"}.get(command.split()[1], launcher) if launcher == "python" else launcher
    assert f"under {launcher} ({where}) a stop sends SIGTERM, then SIGKILL 30 s later" in message
    assert len(report.diagnostics) == 1  # the launcher's module is no script of the project's


def test_deepspeed_on_one_node_passes_no_signal_on_so_the_platforms_deadline_holds(run_sigcheck):
    """deepspeed's runner handles SIGTERM only for multi-node runs (runner.py): the script it
    starts is an entry point, stopped at the platform's deadline, not after a launcher's 30 s,
    and a handler there would not run (tests/rules/test_dkr007_launch_scripts.py)."""
    files = {"main.py": IMPORTED_MAIN, "lib.py": LIB, "run.sh": "deepspeed --num_gpus 8 main.py --deepspeed ds.json\n"}
    message = _messages(run_sigcheck(files, ["."]))["lib.py"]
    assert "SIGKILL comes 120 s after a stop" in message and "under deepspeed" not in message


def test_a_script_found_only_through_its_launch_is_an_entry_point(run_sigcheck):
    files = {"main.py": IMPORTED_MAIN, "lib.py": LIB, "run.sh": "torchrun --nproc-per-node 4 main.py\n"}
    report = run_sigcheck(files, ["."])
    assert "under torchrun (run.sh:1)" in _messages(report)["lib.py"]


def test_without_its_launch_such_a_script_is_no_entry_point(run_sigcheck):
    assert not _messages(run_sigcheck({"main.py": IMPORTED_MAIN, "lib.py": LIB, "notes.txt": ""}, ["."]))


@pytest.mark.parametrize("script", [
    "python train.py --epochs 3\n",
    "accelerate config default\naccelerate env\n",
    "torchrun --nproc_per_node 2 missing.py\n",
    "if [ -z \"$X\" ; then torchrun train.py\n",  # does not parse: says nothing
])
def test_no_launcher_deadline_from_other_commands(run_sigcheck, script):
    files = {"train.py": TRAINS, "lib.py": LIB, "run.sh": script}
    assert "on SageMaker a stop" in _messages(run_sigcheck(files, ["."]))["train.py"]


def test_a_test_launched_by_ci_is_no_entry_point(run_sigcheck):
    files = {"lib.py": LIB, "tests/test_ddp.py": IMPORTED_MAIN,
             "ci/run_dist.sh": "torchrun --nproc_per_node 2 tests/test_ddp.py\n", "README.md": ""}
    report = run_sigcheck(files, ["ci", "tests"])
    assert report.diagnostics == [] and "tests/test_ddp.py" not in report.files


def test_a_module_the_launcher_runs_is_found_in_the_project(run_sigcheck):
    # torchtitan's run_train.sh: `torchrun ... --local-ranks-filter ${LOG_RANK} -m torchtitan.train`
    command = ('PYTORCH_ALLOC_CONF="expandable_segments:True" \\\n'
               'torchrun --nproc_per_node=${NGPU} --rdzv_backend c10d --local-ranks-filter ${LOG_RANK} '
               '--role rank --tee 3 -m pkg.train --config ${CONFIG} "$@"\n')
    files = {"pkg/__init__.py": "", "pkg/train.py": TRAINS, "lib.py": LIB, "run_train.sh": command}
    assert "under torchrun (run_train.sh:1)" in _messages(run_sigcheck(files, ["."]))["pkg/train.py"]


def test_a_module_the_launcher_runs_is_found_under_src_in_a_src_layout(run_sigcheck):
    # open_clip: `torchrun --nproc_per_node 4 -m open_clip_train.main` runs src/open_clip_train/main.py
    files = {"src/pkg/__init__.py": "", "src/pkg/train.py": TRAINS, "src/pkg/lib.py": LIB,
             "scripts/train.sh": "cd ..\ntorchrun --nproc_per_node 4 -m pkg.train --epochs 3\n"}
    files["src/pkg/train.py"] = TRAINS.replace("from lib import", "from pkg.lib import")
    assert "under torchrun (scripts/train.sh:2)" in _messages(run_sigcheck(files, ["."]))["src/pkg/train.py"]


def test_launcher_options_in_an_unquoted_variable_are_split_as_the_shell_splits_them(run_sigcheck):
    # Qwen's finetune_ds.sh: DISTRIBUTED_ARGS holds the options over several lines
    script = 'DISTRIBUTED_ARGS="\n    --nproc_per_node 8 \\\n    --nnodes 1\n"\n\ntorchrun $DISTRIBUTED_ARGS train.py \\\n    --bf16 True\n'
    files = {"train.py": TRAINS, "lib.py": LIB, "finetune/finetune_ds.sh": script}
    assert "under torchrun (finetune/finetune_ds.sh:6)" in _messages(run_sigcheck(files, ["."]))["train.py"]


def test_a_place_two_entry_points_reach_is_worded_with_the_stricter_deadline(run_sigcheck):
    # LLaVA: scripts run `deepspeed llava/train/train_mem.py` (here torchrun, which has a deadline),
    # a wrapper calling train() of train.py, which has a main guard of its own and sorts first
    train = TRAINS.replace("model, optimizer = build()\nfor", "def train():\n    model, optimizer = build()\n    for")
    train = train.replace("\n    model(torch", "\n        model(torch").replace("\n    optimizer.step()", "\n        optimizer.step()")
    files = {"pkg/__init__.py": "", "pkg/train.py": train + "\n\nif __name__ == '__main__':\n    train()\n",
             "pkg/train_mem.py": "from pkg.train import train\n\nif __name__ == '__main__':\n    train()\n",
             "lib.py": LIB, "scripts/run.sh": "torchrun --nproc_per_node 8 pkg/train_mem.py --deepspeed zero2.json\n"}
    assert "under torchrun (scripts/run.sh:1)" in _messages(run_sigcheck(files, ["."]))["pkg/train.py"]


@pytest.mark.parametrize("folder", [
    'SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"',
    'SCRIPT_DIR=$(dirname "$0")',
    'SCRIPT_DIR="$(cd "$(dirname "$0")" >/dev/null 2>&1 && pwd)"',
    'SCRIPT_DIR=`dirname $0`',
])
def test_the_folder_a_launch_script_works_out_for_itself_is_its_own(run_sigcheck, folder):
    """aws-samples' sm_accelerate_train.sh: `TRAINING_SCRIPT="${SCRIPT_DIR}/sft.py"`."""
    files = {"code/sft.py": TRAINS, "code/lib.py": LIB,
             "code/run.sh": f'#!/bin/bash\n{folder}\nTRAINING_SCRIPT="${{SCRIPT_DIR}}/sft.py"\n'
                            'accelerate launch --num_processes 8 "$TRAINING_SCRIPT"\n'}
    assert "under accelerate (code/run.sh:4)" in _messages(run_sigcheck(files, ["."]))["code/sft.py"]


@pytest.mark.parametrize("launch", [
    "base_dir=`pwd`\naccelerate launch --num_processes 8 ${base_dir}/sft.py\n",
    'cmd="accelerate launch --num_processes 8 sft.py --lr 1e-5"\neval $cmd\n',
    # Domino's: parts sigcheck cannot know (arithmetic, a variable set elsewhere) leave the rest
    'cmd="accelerate launch --num_processes $((G*N)) sft.py --out $OUT"\neval ${cmd}\n',
    'cmd="accelerate launch --num_processes $(nproc) sft.py $ARGS"\n$cmd\n',
], ids=["the folder it runs in", "a command line it evals", "one it evals with unknown parts", "one it runs"])
def test_a_launch_written_through_the_working_folder_or_eval_is_read(run_sigcheck, launch):
    """DeepSpeedExamples' bing_bert runs `deepspeed ${base_dir}/deepspeed_train.py` after
    ``base_dir=`pwd` ``, Domino `eval $cmd`: the launcher was guessed from the code instead."""
    files = {"code/sft.py": TRAINS, "code/lib.py": LIB, "code/run.sh": "#!/bin/bash\n" + launch}
    assert "under accelerate (code/run.sh:3)" in _messages(run_sigcheck(files, ["."]))["code/sft.py"]


def test_a_folder_worked_out_otherwise_is_not_taken_for_the_scripts(run_sigcheck):
    files = {"code/sft.py": TRAINS, "code/lib.py": LIB,
             "code/run.sh": '#!/bin/bash\nSCRIPT_DIR="$(git rev-parse --show-toplevel)"\n'
                            'accelerate launch "${SCRIPT_DIR}/sft.py"\n'}
    assert "under accelerate" not in _messages(run_sigcheck(files, ["."]))["code/sft.py"]


def test_accelerate_configured_for_sagemaker_runs_the_script_there(run_sigcheck):
    """`compute_environment: AMAZON_SAGEMAKER`: accelerate builds a HuggingFace estimator and the
    script runs in AWS's image under the platform's deadline, not accelerate's 30 s (Hugging Face's
    notebooks, sagemaker/22_accelerate_sagemaker_examples)."""
    files = {"train.py": TRAINS, "lib.py": LIB, "sm.yaml": "compute_environment: AMAZON_SAGEMAKER\nnum_machines: 1\n",
             "local.yaml": "compute_environment: LOCAL_MACHINE\n",
             "launch.sh": "accelerate launch --config_file sm.yaml train.py\n"}
    message = _messages(run_sigcheck(files, ["."]))["train.py"]
    assert "accelerate launch with sm.yaml (compute_environment: AMAZON_SAGEMAKER), at launch.sh:1, runs it in AWS's " \
           "framework image" in message and "SIGKILL comes 120 s after a stop" in message
    files["launch.sh"] = "accelerate launch --config_file=local.yaml train.py\n"
    assert "under accelerate (launch.sh:1)" in _messages(run_sigcheck(files, ["."]))["train.py"]


def test_a_script_a_model_trainer_runs_through_a_launch_script_has_the_platforms_deadline(run_sigcheck):
    """sm_train.sh runs `bash run.sh` under bash as PID 1: torchrun in it never receives SIGTERM."""
    launcher = ("from sagemaker.modules.configs import SourceCode\nfrom sagemaker.modules.train import ModelTrainer\n\n"
                "ModelTrainer(training_image=image, source_code=SourceCode(source_dir='code', command='bash run.sh')).train()\n")
    files = {"code/train.py": TRAINS, "code/lib.py": LIB, "code/run.sh": "torchrun --nproc_per_node 8 train.py\n"}
    assert "under torchrun (code/run.sh:1)" in _messages(run_sigcheck(files, ["."]))["code/train.py"]
    files["launch.py"] = launcher
    message = _messages(run_sigcheck(files, ["."]))["code/train.py"]
    assert "a ModelTrainer's SourceCode, at launch.py:4, runs it through its sm_train.sh" in message
    assert "under torchrun" not in message and "SIGKILL comes 120 s after a stop" in message


BATCH = "#!/bin/bash\n#SBATCH --job-name=train\n#SBATCH --nodes=2\n#SBATCH --time=24:00:00\n\nmodule load cuda\n{command}\n"


@pytest.mark.parametrize("script, command, context", [
    ("scripts/job.sbatch", "srun --ntasks-per-node=8 -N 2 python train.py --epochs 10", "under Slurm (scripts/job.sbatch:7)"),
    ("slurm/train.slurm", "OMP_NUM_THREADS=8 python -u train.py", "under Slurm (slurm/train.slurm:7)"),
    ("submit.sh", "srun -n 16 torchrun --nproc_per_node 8 train.py", "under torchrun (submit.sh:7)"),
    # srun's options written apart from their value (open_lm's `--comment nextgends`)
    ("scripts/job.sbatch", "srun --comment nextgends -C a100 --cpu-bind=v python -m train", "under Slurm (scripts/job.sbatch:7)"),
    # Hugging Face's IDEFICS script: the launch inside `bash -c`, its lines continued within the quotes
    ("run.slurm", "srun --jobid $SLURM_JOBID bash -c 'python -m torch.distributed.run \\\n --nproc_per_node 8 \\\n"
                  "train.py'", "under torchrun (run.slurm:7)"),
    ("job.sbatch", "srun bash -lc 'cd /work && python train.py --epochs 10'", "under Slurm (job.sbatch:7)"),
])
def test_a_slurm_batch_script_gives_slurms_deadline_to_what_it_runs(run_sigcheck, script, command, context):
    """At a time limit or `scancel` Slurm sends SIGTERM to the job's processes (srun passes it to its
    tasks), then SIGKILL after KillWait: 30 s unless the cluster sets another."""
    files = {"train.py": TRAINS, "lib.py": LIB, script: BATCH.format(command=command)}
    message = _messages(run_sigcheck(files, ["."]))["train.py"]
    assert f"{context} a stop sends SIGTERM, then SIGKILL 30 s later" in message


@pytest.mark.parametrize("command, found", [
    ("srun torchrun --nnodes 2 /shared/examples/mingpt/train.py", True),  # mingpt/train.py in a folder above
    ("srun torchrun --nnodes 2 /shared/ckpt/train.py", False),  # ckpt/ is no folder of the project
    ("srun torchrun --nnodes 2 /shared/examples/mingpt/slurm/train.py", True),  # its name beside the script
])
def test_a_script_named_by_an_absolute_cluster_path_is_the_project_file_it_ends_with(run_sigcheck, command, found):
    """pytorch/examples' minGPT sbatch_run.sh starts `/shared/examples/mingpt/main.py`, where the
    cluster holds a checkout: two parts of the path at least, or its name beside the launch script."""
    files = {"mingpt/train.py": TRAINS, "mingpt/lib.py": LIB, "mingpt/slurm/run.sh": BATCH.format(command=command)}
    if command.endswith("slurm/train.py"):
        files = {"mingpt/slurm/train.py": TRAINS, "mingpt/slurm/lib.py": LIB, "mingpt/slurm/run.sh": BATCH.format(command=command)}
    report = run_sigcheck(files, ["mingpt/slurm/run.sh"])
    assert bool(report.diagnostics) == found, (report.diagnostics, report.errors)
    # where no file matches, the error says which launch starts what (it said "starts no project script")
    assert [(e.line, e.message.split(",")[0]) for e in report.errors] == ([] if found else [(7, "torchrun starts /shared/ckpt/train.py")])


def test_a_shell_script_that_is_no_batch_script_runs_python_as_no_launcher(run_sigcheck):
    files = {"train.py": TRAINS, "lib.py": LIB, "run.sh": "#!/bin/bash\nset -e\npython train.py\n"}
    assert "on SageMaker" in _messages(run_sigcheck(files, ["."]))["train.py"]


_READS_LOCAL_RANK = """import os
import torch

local_rank = int(os.environ.get("LOCAL_RANK", -1))
for batch in loader:
    model(batch).backward()
    optimizer.step()
"""


@pytest.mark.parametrize("launch, context", [
    ("python train.py --lr=5e-6\n", "on SageMaker a stop sends SIGTERM, then SIGKILL 120 s later"),
    # another script's run says nothing of this one: the platform's deadline, and what torchrun would make it
    ("python prepare.py\n", "on SageMaker a stop sends SIGTERM, then SIGKILL 120 s later (30 s if started by torchrun)"),
    ("python train.py\ntorchrun --nproc_per_node 2 train.py\n", "under torchrun (run.sh:2)"),  # the stricter launch
])
def test_a_shell_script_running_the_script_with_python_itself_sets_the_deadline_before_a_guess(run_sigcheck, launch, context):
    """ColossalAI's dreambooth.sh runs train_dreambooth.py with `python`; the script reads LOCAL_RANK,
    and the finding said "if started by torchrun ... 30 s" although the project's only launch has no launcher."""
    files = {"train.py": _READS_LOCAL_RANK, "prepare.py": "print(1)\n", "run.sh": launch}
    assert context in _messages(run_sigcheck(files, ["."]))["train.py"]


def test_a_script_a_shell_script_runs_with_python_is_an_entry_point(run_sigcheck):
    files = {"main.py": IMPORTED_MAIN, "lib.py": LIB, "run.sh": "python main.py --epochs 3\n"}
    assert "on SageMaker a stop" in _messages(run_sigcheck(files, ["."]))["lib.py"]


def test_a_launch_after_a_cd_finds_its_script_in_the_folder_moved_to(run_sigcheck):
    files = {"src/train.py": _READS_LOCAL_RANK, "scripts/run.sh": "#!/bin/bash\ncd ../src\ntorchrun --nproc_per_node 2 train.py\n"}
    assert "under torchrun (scripts/run.sh:3)" in _messages(run_sigcheck(files, ["."]))["src/train.py"]


def test_a_tests_shell_script_says_nothing_of_how_the_job_runs(run_sigcheck):
    """DeepLearningExamples' DLRM: tests/test_with_opts.sh runs the trainer with `python -m`; the job
    runs it under torchrun, which the code says (LOCAL_RANK), and the test's launch is no evidence."""
    files = {"train.py": _READS_LOCAL_RANK, "tests/test_with_opts.sh": "#!/bin/bash\npython train.py --epochs 1\n"}
    assert "if started by torchrun" in _messages(run_sigcheck(files, ["."]))["train.py"]
    assert "on SageMaker" in _messages(run_sigcheck(files, ["tests/test_with_opts.sh"]))["train.py"]  # named: read


def test_a_tests_shell_script_still_tells_its_launcher(run_sigcheck):
    """DeepLearningExamples' GNMT trains through scripts/tests/train_full.sh with torchrun."""
    files = {"train.py": _READS_LOCAL_RANK, "scripts/tests/train_full.sh": "#!/bin/bash\ntorchrun --nproc_per_node 8 train.py\n"}
    assert "under torchrun (scripts/tests/train_full.sh:2)" in _messages(run_sigcheck(files, ["."]))["train.py"]


MULTIPROC = """
import subprocess
import sys
from argparse import REMAINDER, ArgumentParser


def main():
    parser = ArgumentParser()
    parser.add_argument("--nproc_per_node", type=int, default=1)
    parser.add_argument("--fp16", action="store_true")
    parser.add_argument("training_script", type=str)
    parser.add_argument("training_script_args", nargs=REMAINDER)
    args = parser.parse_args()
    processes = [subprocess.Popen([sys.executable, "-u", args.training_script] + args.training_script_args)
                 for _ in range(args.nproc_per_node)]
    for process in processes:
        process.wait()


if __name__ == "__main__":
    main()
"""
EVALUATES = """
import torch

model = torch.load("model.pt")
for batch in range(100):
    print(model(torch.randn(8, 4)))
"""


@pytest.mark.parametrize("line, child, trains", [
    ("python ./multiproc.py --nproc_per_node 8 ./main.py --epochs 90 --workspace ${1:-./}", "main.py", True),
    ("python ./multiproc.py --fp16 --nproc_per_node=8 main.py", "main.py", True),
    ("python ./multiproc.py --nproc_per_node 8 ./evaluate.py --checkpoint model.pt", "evaluate.py", False),
    # one line evaluates, another trains: the Popen runs the trainer on the second's launches
    ("python ./multiproc.py --nproc_per_node 8 ./evaluate.py\npython ./multiproc.py --nproc_per_node 8 ./main.py",
     "main.py", True),
    ("python ./multiproc.py $LAUNCH_OPTIONS ./main.py", "main.py", False),  # what $LAUNCH_OPTIONS holds is not known
    ("python ./multiproc.py --nnodes 2 ./main.py", "main.py", False),  # an option multiproc.py does not declare
])
def test_an_argv_launcher_runs_the_script_its_launch_line_names(run_sigcheck, line, child, trains):
    """DeepLearningExamples' multiproc.py runs `args.training_script`, a positional the documented
    launch line (resnet50v1.5/training/*.sh) gives: SIG010 judges the child it names, which its
    Popen never passes SIGTERM on to. A child that does not train, or a line that cannot be read
    as the launcher's argparse reads it, gives nothing."""
    files = {"multiproc.py": MULTIPROC, "main.py": TRAINS.replace("from lib import build\n\n", "")
             .replace("model, optimizer = build()", "model = torch.nn.Linear(4, 1)\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)"),
             "evaluate.py": EVALUATES, "resnet50/training/DGX1_AMP_90E.sh": f"#!/bin/bash\n{line}\n"}
    codes = {(d.code, d.path) for d in run_sigcheck(files, ["."]).diagnostics}
    assert (("SIG010", "multiproc.py") in codes) is trains, codes


ARGV_MULTIPROC = """
import subprocess
import sys

import torch


def main():
    argslist = list(sys.argv)[1:]
    world_size = torch.cuda.device_count()
    argslist.append("--world-size")
    argslist.append(str(world_size))
    workers = []
    for i in range(world_size):
        workers.append(subprocess.Popen([str(sys.executable)] + argslist))
    for worker in workers:
        worker.wait()


if __name__ == "__main__":
    main()
"""


@pytest.mark.parametrize("lines, trains", [
    (["python -m multiproc main.py -m Tacotron2 -o output/ --epochs 1501"], True),
    (["python -m multiproc main.py -m Tacotron2", "python -m multiproc main.py -m WaveGlow"], True),
    (["python -m multiproc evaluate.py --checkpoint model.pt"], False),
    (["python -m multiproc main.py -m Tacotron2", "python -m multiproc evaluate.py"], False),  # which one is not known
])
def test_a_launcher_that_runs_its_own_arguments_runs_what_its_launch_lines_pass(run_sigcheck, lines, trains):
    """Tacotron2's multiproc.py runs `[sys.executable] + list(sys.argv)[1:]`: the script it
    starts is the first of the arguments its launch lines (platform/*.sh) give, where they agree."""
    main = TRAINS.replace("from lib import build\n\n", "").replace(
        "model, optimizer = build()", "model = torch.nn.Linear(4, 1)\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)")
    files = {"multiproc.py": ARGV_MULTIPROC, "main.py": main, "evaluate.py": EVALUATES,
             **{f"platform/run_{n}.sh": f"#!/bin/bash\n{line}\n" for n, line in enumerate(lines)}}
    codes = {(d.code, d.path) for d in run_sigcheck(files, ["."]).diagnostics}
    assert (("SIG010", "multiproc.py") in codes) is trains, codes


@pytest.mark.parametrize("readme, trains", [
    # tacotron2's README: the launch is a numbered step's inline code, in no code block
    ("## Multi-GPU\n1. `python -m multiproc main.py --output_directory=outdir --hparams=distributed_run=True`\n", True),
    ("Run:\n\n```bash\npython -m multiproc main.py -o output/\n```\n", True),
    ("1. `python -m multiproc evaluate.py --checkpoint model.pt`\n", False),
    # inline code that is no command line: a word of prose, a script named alone
    ("Pass `--fp16` to `multiproc.py`, which starts `main.py` once per GPU.\n", False),
])
def test_a_readme_line_gives_an_argv_launcher_its_arguments(run_sigcheck, readme, trains):
    """Where the README is the only place a launch is written (triage CU), its line tells what
    the launcher's own arguments run, as a shell script's would."""
    main = TRAINS.replace("from lib import build\n\n", "").replace(
        "model, optimizer = build()", "model = torch.nn.Linear(4, 1)\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)")
    files = {"multiproc.py": ARGV_MULTIPROC, "main.py": main, "evaluate.py": EVALUATES, "README.md": readme}
    codes = {(d.code, d.path) for d in run_sigcheck(files, ["."]).diagnostics}
    assert (("SIG010", "multiproc.py") in codes) is trains, codes


@pytest.mark.parametrize("script", [
    "#!/bin/bash\nsrun --ntasks-per-node=8 python -u train.py\n",
    "#!/bin/bash\nsrun sh -c \"python -u train.py\"\n",
], ids=["srun python", "srun sh -c"])
def test_srun_runs_its_command_under_slurm_with_no_batch_line_too(run_sigcheck, script):
    """A script run under salloc, or one a batch script sources, has no #SBATCH line of its own
    (Megatron-DeepSpeed's examples; triage BO): srun runs its command in the allocation."""
    report = run_sigcheck({"train.py": TRAINS, "lib.py": LIB, "run.sh": script}, ["run.sh"])
    assert "under Slurm (run.sh:2)" in _messages(report)["train.py"]


@pytest.mark.parametrize("option", ["-i localhost:0,1", "-H /dev/null", "-e worker-1"])
def test_deepspeeds_short_options_take_a_value(run_sigcheck, option):
    """`deepspeed -i worker-0:0,1 pretrain_gpt.py` (Megatron-DeepSpeed's run.sh; triage BO): the
    value is no script."""
    report = run_sigcheck({"train.py": TRAINS, "lib.py": LIB, "run.sh": f"#!/bin/bash\ndeepspeed {option} train.py\n"},
                          ["run.sh"])
    assert report.errors == [] and "train.py" in report.files


@pytest.mark.parametrize("name, args", [
    ("run.sub", ["run.sub"]),  # named
    ("run.sub", ["."]),  # found in the folder
    ("submit", ["submit"]),  # a script with no suffix, named
], ids=["named .sub", "a .sub in the folder", "no suffix"])
def test_a_batch_script_under_another_name_is_read_as_the_shell_script_its_first_line_says(run_sigcheck, name, args):
    """NVIDIA's DeepLearningExamples submit with `run.sub` (`#!/bin/bash`, `#SBATCH` lines; triage
    BR): it was read as Python, a syntax error."""
    batch = "#!/bin/bash\n#SBATCH --nodes=2\n\nsrun python -u train.py\n"
    report = run_sigcheck({"train.py": TRAINS, "lib.py": LIB, name: batch}, args)
    assert report.errors == []
    assert f"under Slurm ({name}:4)" in _messages(report)["train.py"]


@pytest.mark.parametrize("workdir, found", [
    ("your_CodeT5_path/CodeT5", True),  # the placeholder the user fills in, then the project's folder
    ("your_path", False),  # no part of the path names a project folder: not guessed
])
def test_a_script_under_a_folder_the_user_fills_in_is_the_project_file_it_ends_with(run_sigcheck, workdir, found):
    """CodeT5's sh/exp_with_args.sh: `WORKDIR="your_CodeT5_path/CodeT5"`, then `python ${WORKDIR}/run_gen.py`
    (triage CQ), run from a launcher that `os.system`s it: the trainer is CodeT5/run_gen.py."""
    files = {"CodeT5/run_gen.py": TRAINS, "CodeT5/lib.py": LIB,
             "CodeT5/sh/exp.sh": f'#!/bin/bash\nWORKDIR="{workdir}"\npython ${{WORKDIR}}/run_gen.py 2>&1 | tee run.log\n',
             "CodeT5/sh/run_exp.py": "import os\n\nif __name__ == '__main__':\n    os.system('bash exp.sh')\n"}
    report = run_sigcheck(files, ["CodeT5/sh/run_exp.py"], select=("SIG010",))
    assert [d.code for d in report.diagnostics] == (["SIG010"] if found else [])


_SEGMENTATION = {
    "pyproject.toml": "[project]\nname = 'seg'\n",
    "segmentation/tools/train.py": "from seg_custom import train_segmentor\n\n\nif __name__ == '__main__':\n    train_segmentor()\n",
    "segmentation/seg_custom/__init__.py": "from .train_api import train_segmentor\n",
    "segmentation/seg_custom/train_api.py": "def train_segmentor():\n    for batch in loader:\n"
                                            "        model(batch).backward()\n        optimizer.step()\n",
}


@pytest.mark.parametrize("launch, found", [
    # mmseg's tools/dist_train.sh (beit's semantic segmentation, triage DA)
    ('PYTHONPATH="$(dirname $0)/..":$PYTHONPATH \\\nexec python "$(dirname "$0")/train.py" "$@"\n', True),
    ('export PYTHONPATH=$PYTHONPATH:"$(dirname $0)/.."\npython "$(dirname "$0")/train.py"\n', True),
    ("export PYTHONPATH=segmentation:$PYTHONPATH\npython segmentation/tools/train.py\n", True),
    # no PYTHONPATH: the package beside tools/ is not on the path, and is no module of the run
    ('exec python "$(dirname "$0")/train.py" "$@"\n', False),
])
def test_a_launchs_pythonpath_is_where_the_scripts_imports_are_found(run_sigcheck, launch, found):
    files = {**_SEGMENTATION, "segmentation/tools/dist_train.sh": f"#!/usr/bin/env bash\n{launch}"}
    for args in (["."], ["segmentation/tools/train.py"]):
        report = run_sigcheck(files, args, select=("SIG001",))
        assert [(d.path, d.line) for d in report.diagnostics] == ([("segmentation/seg_custom/train_api.py", 2)] if found else []), args
