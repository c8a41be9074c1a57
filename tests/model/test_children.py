"""Which calls start the training in a child process: the command's script is read where the
project has it, also when its folder is computed, and one sigcheck cannot name is not the trainer."""

from __future__ import annotations

import textwrap

import pytest

TRAINS = "for batch in loader:\n    model(batch).backward()\n    optimizer.step()\n"
SPLITS = "import sys\n\nfor line in open(sys.argv[1]):\n    print(line)\n"


def _starts(analysis, launcher: str, files: dict[str, str]) -> list[str]:
    a = analysis({"launch.py": textwrap.dedent(launcher), **files}, entries=("launch.py", *files))
    return [start.api for start in a.child_starts if a.functions[start.func_id].module == "launch"]


BESIDE = """
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
subprocess.run([sys.executable, os.path.join(HERE, "{script}"), "--epochs", "10"])
"""


def test_a_script_beside_the_caller_is_read(analysis):
    assert _starts(analysis, BESIDE.format(script="worker.py"), {"worker.py": TRAINS}) == ["subprocess.run"]
    assert _starts(analysis, BESIDE.format(script="split_batches.py"), {"split_batches.py": SPLITS}) == []


def test_a_script_under_a_computed_root_is_read(analysis):
    # Megatron's dataset tool runs tools/preprocess_data.py under a folder given on its command line
    launcher = """
        import os
        import subprocess
        import sys

        def run_preprocess(megatron_dir):
            subprocess.run([sys.executable, os.path.join(megatron_dir, "tools", "preprocess_data.py")])

        run_preprocess(sys.argv[1])
    """
    assert _starts(analysis, launcher, {"tools/preprocess_data.py": SPLITS}) == []
    assert _starts(analysis, launcher, {"tools/preprocess_data.py": TRAINS}) == ["subprocess.run"]


def test_a_script_sigcheck_cannot_name_is_not_the_trainer(analysis):
    launcher = """
        import glob
        import subprocess
        import sys

        for test_file in glob.glob("test_*.py"):
            subprocess.run([sys.executable, test_file])
        subprocess.run(["/opt/conda/bin/python", sys.argv[1], *sys.argv[2:]])
    """
    assert _starts(analysis, launcher, {}) == []


IN_IMAGE = """
import subprocess

command = "python /workspace/bert/{script}"
command += " --input_file=shard_0.txt --output_file=shard_0.hdf5"
subprocess.Popen(command, shell=True)
"""


def test_a_script_named_by_its_path_in_the_image_is_the_project_s_file_of_that_name(analysis):
    # NVIDIA's bertPrep.py runs /workspace/bert/create_pretraining_data.py, the project's file
    # copied into the image: that file prepares data and trains nothing.
    script = "create_pretraining_data.py"
    assert _starts(analysis, IN_IMAGE.format(script=script), {f"bert/{script}": SPLITS}) == []
    assert _starts(analysis, IN_IMAGE.format(script=script), {f"bert/{script}": TRAINS}) == ["subprocess.Popen"]
    # two files of that name: the one nearest the caller is read
    nearest = {"run_pretraining.py": TRAINS, "legacy/run_pretraining.py": SPLITS}
    assert _starts(analysis, IN_IMAGE.format(script="run_pretraining.py"), nearest) == ["subprocess.Popen"]


def test_a_script_from_elsewhere_is_told_by_its_name(analysis):
    assert _starts(analysis, IN_IMAGE.format(script="finetune_llm.py"), {}) == ["subprocess.Popen"]
    for script in ("download_pretrained.py", "create_pretraining_data.py", "prepare_train_split.py"):
        assert _starts(analysis, IN_IMAGE.format(script=script), {}) == [], script


def test_a_script_that_only_hands_a_training_function_to_a_library_is_not_the_trainer(analysis):
    # NeMo's deploy script imports the recipes, which name `pretrain` as a command-line factory's
    # target: a step is reachable, but the server's run meets no training loop.
    files = {
        "api.py": "def pretrain(loader, model, optimizer):\n" + textwrap.indent(TRAINS, "    "),
        "recipes.py": "import nemo_run as run\nfrom api import pretrain\n\nrun.cli.factory(target=pretrain)\n",
        "deploy_server.py": "import recipes\n\nprint('serving on :8886')\n",
        "finetune.py": "from api import pretrain\n\npretrain(loader, model, optimizer)\n",
    }
    launcher = 'import subprocess\n\nsubprocess.Popen(["python", "/opt/project/{script}"])\n'
    assert _starts(analysis, launcher.format(script="deploy_server.py"), files) == []
    assert _starts(analysis, launcher.format(script="finetune.py"), files) == ["subprocess.Popen"]


def test_a_command_given_one_word_per_argument_is_read(analysis):
    """minigo's loop runs `asyncio.create_subprocess_exec("python3", "train.py", ...)`: the
    words are the positional arguments, the program first."""
    launcher = """
        import asyncio

        async def main(script):
            child = await asyncio.create_subprocess_exec("python3", script, "--epochs", "10")
            await child.wait()

        asyncio.run(main("{script}"))
    """
    assert _starts(analysis, launcher.format(script="train.py"), {"train.py": TRAINS}) == ["asyncio.create_subprocess_exec"]
    assert _starts(analysis, launcher.format(script="split_batches.py"), {"split_batches.py": SPLITS}) == []


def test_a_command_line_built_by_concatenation_is_read_where_its_text_is_known(analysis):
    """`"python train.py " + " ".join(sys.argv[1:])`: the script is known though its arguments
    are not; a line that starts with what sigcheck cannot know names no script."""
    launcher = """
        import os
        import sys

        os.system("{start} " + " ".join(sys.argv[1:]))
    """
    files = {"train.py": TRAINS, "split_batches.py": SPLITS}
    assert _starts(analysis, launcher.format(start="python train.py"), files) == ["os.system"]
    assert _starts(analysis, launcher.format(start="python split_batches.py"), files) == []
    assert _starts(analysis, launcher.replace('"{start} " + ', "sys.argv[1] + "), files) == []


def test_a_training_function_mapped_over_a_process_pool_runs_in_children(analysis):
    """mosaicml's GLUE runner maps each task's fine-tuning over a ProcessPoolExecutor: its
    workers are children; mapping a function that only tokenises is no training child."""
    launcher = """
        from concurrent.futures import ProcessPoolExecutor
        import multiprocessing

        import worker

        def main(configs):
            with ProcessPoolExecutor(max_workers=4) as pool:
                list(pool.map(worker.{function}, configs))
            with multiprocessing.Pool(4) as workers:
                workers.map(worker.{function}, configs)
            with multiprocessing.get_context("spawn").Pool(4) as spawned:  # torchrec: a context's pool
                spawned.map(worker.{function}, configs)

        main([{{}}, {{}}])
    """
    worker = "def run_job(cfg):\n" + textwrap.indent(TRAINS, "    ") + "\ndef tokenize(cfg):\n    return cfg\n"
    assert _starts(analysis, launcher.format(function="run_job"), {"worker.py": worker}) == [
        "concurrent.futures.ProcessPoolExecutor.map", "multiprocessing.Pool.map", "multiprocessing.Pool.map"]
    assert _starts(analysis, launcher.format(function="tokenize"), {"worker.py": worker}) == []


def test_a_script_run_as_a_child_trains_only_in_its_own_run(analysis):
    """fairseq's MMS inference runs `python examples/speech_recognition/new/infer.py`, which
    hands its own main to the launcher train.py hands `train`: in its run it trains nothing."""
    utils = ("def distributed_main(rank, main, cfg):\n    main(cfg)\n\n"
             "def call_main(cfg, main):\n    distributed_main(0, main, cfg)\n")
    infer = "from utils import call_main\n\ndef decode(cfg):\n    print(cfg)\n\ncall_main(None, decode)\n"
    train = ("from utils import call_main\n\ndef train(cfg):\n" + textwrap.indent(TRAINS, "    ")
             + "\ncall_main(None, train)\n")
    launcher = "import subprocess\n\nsubprocess.run('python {script} --beam 5', shell=True)\n"
    files = {"utils.py": utils, "infer.py": infer, "train.py": train}
    assert _starts(analysis, launcher.format(script="train.py"), files) == ["subprocess.run"]
    assert _starts(analysis, launcher.format(script="infer.py"), files) == []


@pytest.mark.parametrize("command, trains", [
    ('[sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "8", "sft.py"]', True),
    ('["python3", "-m", "torch.distributed.launch", "--nproc_per_node=8", "sft.py"]', True),
    ('[sys.executable, "-m", "pip", "install", "-r", "requirements.txt"]', False),
    ('[sys.executable, "-m", "json.tool", "config.json"]', False),
])
def test_a_launcher_run_as_a_module_starts_training(analysis, command, trains):
    """ms-swift's `swift` command runs `python -m torch.distributed.run ... sft.py`: torchrun, by
    its module's name. The interpreter may be `sys.executable`."""
    launcher = f"import subprocess\nimport sys\n\nsubprocess.run({command})\n"
    assert _starts(analysis, launcher, {}) == (["subprocess.run"] if trains else [])


@pytest.mark.parametrize("command, trains", [
    ('["torchrun", "--nproc-per-node=2", "numerics.py", "--check"]', False),
    ('["torchrun", "--nproc-per-node=2", "pretrain.py"]', True),
    ('[sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "numerics.py"]', False),
    ('["torchrun", "--nproc-per-node=2", "-m", "numerics"]', False),
    ('["torchrun", "--nproc-per-node=2", "-m", "pretrain"]', True),
    ('["torchrun", "--nproc-per-node=2", __file__, "--worker"]', False),
    ('["torchrun", "--nproc-per-node=2", "worker.py"]', True),  # not the project's: a launcher's script trains
    ('[sys.executable, "-m", "torch.distributed.run", f"--nproc-per-node={n}", __file__, "--worker"]', False),
    ('["torchrun", f"--nproc-per-node={n}", script]', True),  # nothing names the script: taken to train
])
def test_what_a_distributed_launcher_starts_is_read_as_any_script(analysis, command, trains):
    """torchtitan's numerical tests run `torchrun ... __file__ --worker` (or a worker script) for
    a forward pass under no_grad: the launcher starts no training, so it is no trainer to signal."""
    forward = "import torch\n\nwith torch.no_grad():\n    print(model(batch))\n"
    files = {"numerics.py": forward, "pretrain.py": "if __name__ == '__main__':\n" + textwrap.indent(TRAINS, "    ")}
    launcher = f"import subprocess\nimport sys\n\nif __name__ == '__main__':\n    subprocess.run({command})\n"
    assert _starts(analysis, launcher, files) == (["subprocess.run"] if trains else [])
