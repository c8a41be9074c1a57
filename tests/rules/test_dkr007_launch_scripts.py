"""DKR007 and SIG001 on a script a shell script of the project starts through a launcher that keeps
SIGTERM from it: DeepSpeed's runner on one node starts deepspeed.launcher.launch as its child and
passes no signal on, so a handler in the script never runs."""

from __future__ import annotations

import pytest

HANDLES = """
import signal, sys, torch

model = torch.nn.Linear(4, 4)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)


def on_sigterm(signum, frame):
    torch.save(model.state_dict(), "checkpoint.pt")
    sys.exit(0)


signal.signal(signal.SIGTERM, on_sigterm)
for step in range(10_000):
    model(torch.randn(8, 4)).sum().backward()
    optimizer.step()
"""
TRAINS = HANDLES.replace("signal.signal(signal.SIGTERM, on_sigterm)\n", "")


def test_deepspeed_on_one_node_keeps_sigterm_from_the_scripts_handler(run_sigcheck):
    report = run_sigcheck({"main.py": HANDLES, "scripts/run_1node.sh":
                           "#!/bin/bash\nset -e\ndeepspeed --num_gpus 8 main.py --deepspeed ds_config.json\n"}, ["."])
    (finding,) = report.diagnostics
    assert (finding.code, finding.path, finding.line) == ("DKR007", "scripts/run_1node.sh", 3)
    assert "main.py never receives SIGTERM, its handler never runs" in finding.message
    assert "start the workers with torchrun" in finding.message
    assert [step.note for step in finding.trace] == ["deepspeed starts the script", "SIGTERM handler registered here"]


def test_oneflows_launcher_sigkills_its_workers_on_sigterm(run_sigcheck):
    """insightface's arcface_oneflow/train_ddp.sh (triage CN): the launcher's SIGTERM handler
    os.killpg()s every worker with signal 9, so the script's handler never runs."""
    launch = "#!/bin/bash\npython3 -m oneflow.distributed.launch --nproc_per_node 8 --master_port 17788 main.py\n"
    report = run_sigcheck({"main.py": HANDLES, "train_ddp.sh": launch}, ["."])
    (finding,) = report.diagnostics
    assert (finding.code, finding.path, finding.line) == ("DKR007", "train_ddp.sh", 2)
    assert "SIGKILLs its workers' process group the moment it receives SIGTERM" in finding.message


def test_a_script_that_imports_oneflow_and_takes_local_rank_is_not_said_to_run_under_torch(run_sigcheck):
    """`--local_rank` is how OneFlow's launcher tells a worker its rank too: no torchrun deadline."""
    code = "import argparse\nimport oneflow\n" + TRAINS + \
        "\nparser = argparse.ArgumentParser()\nparser.add_argument('--local_rank', type=int)\n"
    (finding,) = run_sigcheck({"main.py": code}, ["main.py"], select=("SIG001",)).diagnostics
    assert "torch.distributed.launch" not in finding.message


@pytest.mark.parametrize("command", [
    "deepspeed --hostfile hostfile main.py --deepspeed ds_config.json",
    "deepspeed --num_nodes 2 --num_gpus 8 main.py",
    "torchrun --nproc_per_node 8 main.py",
    "deepspeed --num_nodes 1 --force_multi --hostfile hostfile main.py",
    "# each host of /job/hostfile runs 8 ranks\ndeepspeed main.py --deepspeed ds_config.json",
], ids=["a hostfile: pdsh passes it on", "two nodes", "torchrun forwards it", "forced to run as several nodes",
        "told nothing, in a script that names the cluster's default hostfile"])
def test_a_launcher_that_passes_the_signal_on_leaves_the_handler_alone(run_sigcheck, command):
    report = run_sigcheck({"main.py": HANDLES, "run.sh": f"#!/bin/bash\n{command}\n"}, ["."])
    assert [d.code for d in report.diagnostics] == []


@pytest.mark.parametrize("script, found", [
    ("scripts/train_lora.sh", ["DKR007"]),
    ("training_scripts/multi_node/run_66b.sh", []),
], ids=["FastChat's and LLaVA's: this node", "DeepSpeed-Chat's multi_node/: several, through a cluster's /job/hostfile"])
def test_deepspeed_told_nothing_runs_on_the_nodes_its_script_says(run_sigcheck, script, found):
    """With no word for its hosts, deepspeed reads /job/hostfile where the cluster has one and runs
    on this node where there is none (triage BG): a script is taken at its word for several."""
    report = run_sigcheck({"main.py": HANDLES, script: "#!/bin/bash\ndeepspeed main.py --deepspeed ds_config.json\n"},
                          ["."])
    assert [d.code for d in report.diagnostics] == found


@pytest.mark.parametrize("command", [
    "deepspeed --num_nodes 1 --num_gpus 4 --hostfile /dev/null main.py",
    "deepspeed --num_nodes=1 --hostfile hostfile main.py",
    "deepspeed --hostfile /dev/null main.py",
], ids=["BingBertSquad's 'only local node'", "one node kept of a hostfile's", "a hostfile that is no file"])
def test_deepspeed_told_one_node_keeps_the_signal_whatever_the_hostfile(run_sigcheck, command):
    """runner.py keeps the first `--num_nodes` hosts of the hostfile, and a hostfile that is not a
    regular file lists none: either way one node runs, and no pdsh passes SIGTERM on."""
    report = run_sigcheck({"main.py": HANDLES, "run.sh": f"#!/bin/bash\n{command}\n"}, ["."])
    assert [d.code for d in report.diagnostics] == ["DKR007"]


def test_a_script_deepspeed_keeps_the_signal_from_is_told_a_handler_would_not_run(run_sigcheck):
    report = run_sigcheck({"main.py": TRAINS, "run.sh": "#!/bin/bash\ndeepspeed --include localhost:0,1 main.py\n"},
                          ["."])
    (finding,) = report.diagnostics
    assert finding.code == "SIG001" and "and none would run: deepspeed, at run.sh:2," in finding.message
    assert finding.message.endswith("and handle SIGTERM") and finding.trace[0].path == "run.sh"


def test_on_slurm_the_workers_hear_the_stop_themselves(run_sigcheck):
    """Slurm signals every process of the job: deepspeed's runner keeping SIGTERM to itself keeps
    nothing from its workers there, so the handler runs (DeepSpeedExamples' offload_states on Slurm
    was told none would). A script with none is told what a plain run is, and what it loses."""
    launch = "#!/bin/bash\ndeepspeed --num_gpus 2 main.py\n"
    assert run_sigcheck({"main.py": HANDLES, "run.sh": launch}, ["."], platform="slurm").diagnostics == []
    (finding,) = run_sigcheck({"main.py": TRAINS, "run.sh": launch}, ["."], platform="slurm").diagnostics
    assert finding.code == "SIG001" and "none would run" not in finding.message
    (kept,) = run_sigcheck({"main.py": TRAINS, "run.sh": launch}, ["."], platform="kubernetes").diagnostics
    assert "none would run" in kept.message and "all the training is lost: nothing in the run saves it; start" in kept.message


@pytest.mark.parametrize("command", ["colossalai run --nproc_per_node 2 main.py",
                                     "colossalai run --host node1,node2 --nproc_per_node 8 main.py --lr 1e-4"])
def test_colossalai_run_keeps_sigterm_from_the_script_on_any_number_of_nodes(run_sigcheck, command):
    """`colossalai run` runs torchrun through a shell in a multiprocessing child (ColossalAI's
    examples launch so): no process on the way passes the signal on, one node or many."""
    (finding,) = run_sigcheck({"main.py": HANDLES, "run.sh": f"#!/bin/bash\n{command}\n"}, ["."]).diagnostics
    assert (finding.code, finding.path, finding.line) == ("DKR007", "run.sh", 2)
    assert "colossalai runs torchrun through a shell" in finding.message and "start the workers with torchrun" in finding.message
    (unhandled,) = run_sigcheck({"main.py": TRAINS, "run.sh": f"#!/bin/bash\n{command}\n"}, ["."]).diagnostics
    assert unhandled.code == "SIG001" and "and none would run: colossalai, at run.sh:2," in unhandled.message


@pytest.mark.parametrize("command", ["composer -n 8 main.py", "composer --nproc 8 --world_size 16 --node_rank 1 main.py --lr 1e-4"])
def test_composers_launcher_passes_sigterm_to_its_ranks_and_kills_them_30_s_later(run_sigcheck, command):
    """llm-foundry's documented launch, `composer train.py`: the launcher imports composer, whose
    handler raises SystemExit in it; its `finally` sends the ranks SIGTERM, then SIGKILL after 30 s
    (triage CH, read from composer/cli/launcher.py and core/engine.py)."""
    assert run_sigcheck({"main.py": HANDLES, "run.sh": f"#!/bin/bash\n{command}\n"}, ["."]).diagnostics == []
    (unhandled,) = run_sigcheck({"main.py": TRAINS, "run.sh": f"#!/bin/bash\n{command}\n"}, ["."]).diagnostics
    assert unhandled.code == "SIG001" and "under composer (run.sh:2) a stop sends SIGTERM, then SIGKILL 30 s later" in unhandled.message


@pytest.mark.parametrize("command", ["python3 -m trainer.distribute --script main.py",
                                     "CUDA_VISIBLE_DEVICES=0,1 exec python -m trainer.distribute --gpus 0,1 --script main.py"])
def test_coquis_distribute_keeps_sigterm_from_its_workers(run_sigcheck, command):
    """coqui TTS's documented multi-GPU launch: trainer.distribute starts a python3 per GPU with
    Popen and waits, passing no signal on (triage BY)."""
    (finding,) = run_sigcheck({"main.py": HANDLES, "run.sh": f"#!/bin/bash\n{command}\n"}, ["."]).diagnostics
    assert (finding.code, finding.path, finding.line) == ("DKR007", "run.sh", 2)
    assert "trainer.distribute starts a python3 process per GPU" in finding.message


def test_a_library_handler_under_a_launcher_that_passes_the_signal_on_is_judged_as_under_pid_1(run_sigcheck):
    """Composer's own handler (installed on import) is the one a Composer trainer has: under its
    launcher each rank hears the stop, exits at once and saves nothing, as it does as PID 1."""
    trainer = "from composer import Trainer\n\nTrainer(model=model, max_duration='10ep').fit()\n"
    (finding,) = run_sigcheck({"main.py": trainer, "run.sh": "#!/bin/bash\ncomposer -n 8 main.py\n"}, ["."]).diagnostics
    assert (finding.code, finding.path) == ("SIG002", "main.py")


def test_phps_composer_in_a_setup_script_starts_no_script(run_sigcheck):
    report = run_sigcheck({"main.py": HANDLES, "run.sh": "#!/bin/bash\ncomposer install --no-dev\npython main.py\n"}, ["."])
    assert report.diagnostics == [] and report.errors == []


@pytest.mark.parametrize("command", ["colossalai check -i", "accelerate config default", "accelerate env"])
def test_a_launchers_other_subcommands_start_no_script(run_sigcheck, command):
    report = run_sigcheck({"main.py": HANDLES, "run.sh": f"#!/bin/bash\n{command}\npython main.py\n"}, ["."])
    assert report.diagnostics == [] and report.errors == []
    # the word after the launcher is no script: without its subcommand, a launcher starts none
    from sigcheck.container.argv import launcher_target

    program, subcommand = command.split()[0], {"accelerate": "launch", "colossalai": "run"}[command.split()[0]]
    assert launcher_target(command.split(), [], subcommand).script is None
    assert launcher_target([program, subcommand, "--flag", "x", "main.py"], ["--flag"], subcommand).script == "main.py"


ONE_PROCESS = "compute_environment: LOCAL_MACHINE\ndistributed_type: 'NO'\nmixed_precision: bf16\nnum_processes: 1\n"
SEVERAL = "compute_environment: LOCAL_MACHINE\ndistributed_type: MULTI_GPU\nnum_processes: 8\n"


@pytest.mark.parametrize("command, config, kept", [
    ("accelerate launch --config_file one.yaml main.py", ONE_PROCESS, True),
    ("accelerate launch --num_processes 1 main.py", None, True),
    ("accelerate launch --config_file several.yaml main.py", SEVERAL, False),
    ("accelerate launch --num_processes 8 main.py", None, False),
    ("accelerate launch --multi_gpu --num_processes 1 main.py", None, False),
    # the machine's default config decides: not known, taken to pass the signal on
    ("accelerate launch main.py", None, False),
])
def test_accelerates_simple_launcher_keeps_sigterm_from_the_script(run_sigcheck, command, config, kept):
    """One process and no distributed mode: accelerate's simple_launcher starts the script with
    Popen and waits, with no handler, so the script's handler never runs (trl's CLI, most
    single-GPU fine-tuning READMEs)."""
    files = {"main.py": HANDLES, "run.sh": f"#!/bin/bash\n{command}\n", "one.yaml": ONE_PROCESS, "several.yaml": SEVERAL}
    codes = [(d.code, d.path) for d in run_sigcheck(files, ["."]).diagnostics]
    assert codes == ([("DKR007", "run.sh")] if kept else [])


@pytest.mark.parametrize("words, kept", [('"--num_processes", "1"', True), ('"--multi_gpu", "--num_processes", "8"', False)])
def test_accelerate_in_one_process_as_the_entrypoint_keeps_sigterm(run_sigcheck, words, kept):
    """On Kubernetes torchrun's 30 s is the platform's: only a launcher that passes nothing on is
    reported, accelerate's simple launcher, not its torch.distributed.run."""
    dockerfile = ("FROM python:3.11-slim\nRUN pip install accelerate==1.10.0\nCOPY main.py /opt/program/main.py\n"
                  f'ENTRYPOINT ["accelerate", "launch", {words}, "/opt/program/main.py"]\n')
    report = run_sigcheck({"main.py": HANDLES, "Dockerfile": dockerfile}, ["."], platform="kubernetes")
    assert [d.code for d in report.diagnostics] == (["DKR007"] if kept else [])


_COMPOSER_TRAINER = "from composer import Trainer\n\nTrainer(model=model, max_duration='10ep').fit()\n"


@pytest.mark.parametrize("entrypoint, code", [
    ('["composer", "-n", "8", "/app/main.py"]', "SIG002"),  # the launcher passes the signal on: each rank exits at once
    ('["python", "/app/main.py"]', "SIG002"),  # PID 1 itself: Composer's handler exits at once and nothing saves
    ('["sh", "-c", "composer -n 8 /app/main.py"]', "DKR004"),  # a shell that waits for the launcher keeps the signal
])
def test_an_image_whose_chain_keeps_sigterm_from_a_library_handler_is_told_so_at_the_chain(run_sigcheck, entrypoint, code):
    dockerfile = f"FROM python:3.11-slim\nRUN pip install mosaicml\nCOPY main.py /app/main.py\nENTRYPOINT {entrypoint}\n"
    report = run_sigcheck({"main.py": _COMPOSER_TRAINER, "Dockerfile": dockerfile}, ["."], platform="kubernetes")
    assert [d.code for d in report.diagnostics] == [code]


_OLD_LAUNCH = "#!/bin/bash\npython -m torch.distributed.launch --nproc_per_node 8 main.py --epochs 300\n"


@pytest.mark.parametrize("pin, kept", [
    ("torch==1.7.1\n", True),  # beit's requirements.txt (triage DA)
    ("torch>=1.6,<1.9\n", True),
    ("torch==1.10.0\n", False),  # launch.py wraps torchrun: it forwards, and SIGKILLs 30 s later
    ("torch>=1.7\n", False),  # any later torch may be installed
    ("", False),
])
def test_torchs_launcher_before_1_9_keeps_sigterm_from_the_scripts_handler(run_sigcheck, pin, kept):
    """From 1.9 the module wraps torchrun, which passes the signal on: the handler is left alone."""
    files = {"main.py": HANDLES, "tools/dist_train.sh": _OLD_LAUNCH, **({"requirements.txt": pin} if pin else {})}
    found = [(d.code, d.path, d.line) for d in run_sigcheck(files, ["."]).diagnostics]
    assert found == ([("DKR007", "tools/dist_train.sh", 2)] if kept else [])


@pytest.mark.parametrize("base, pin, shown", [
    ("python:3.8", "torch==1.8.1\n", "torch==1.8.1 in requirements.txt"),
    ("pytorch/pytorch:1.7.1-cuda11.0-cudnn8-runtime", "", "torch==1.7.1 in Dockerfile"),  # the base image's tag
    ("pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime", "", None),
])
def test_an_image_whose_torch_is_pinned_before_1_9_runs_the_old_launcher(run_sigcheck, base, pin, shown):
    dockerfile = (f"FROM {base}\nWORKDIR /app\nCOPY . /app/\nRUN pip install -r requirements.txt\n"
                  "ENTRYPOINT [\"python\", \"-m\", \"torch.distributed.launch\", \"--nproc_per_node=8\", \"main.py\"]\n")
    files = {"main.py": HANDLES, "requirements.txt": pin, "Dockerfile": dockerfile}
    found = run_sigcheck(files, ["."], select=("DKR007",)).diagnostics
    if shown is None:  # torchrun: it forwards, then SIGKILLs 30 s later, sooner than SageMaker
        assert [d.message.split(" forwards")[0] for d in found] == ["torchrun"]
        return
    (finding,) = found
    assert (finding.path, finding.line) == ("Dockerfile", 5)
    assert finding.message.startswith(f"torch.distributed.launch ({shown}) is torch's launcher"), finding.message
