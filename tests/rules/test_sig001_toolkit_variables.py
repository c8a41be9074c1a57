"""SIG001 where the script reads a variable only the SageMaker training toolkit sets: the toolkit
runs it, as a child it never forwards SIGTERM to, so the message asks for checkpoints saved as
training goes, not for a handler (the SageMaker examples launch such scripts from notebooks and
launchers that are often elsewhere)."""

from __future__ import annotations

import pytest

TRAIN = """
import argparse
import os

import torch

parser = argparse.ArgumentParser()
parser.add_argument("--model-dir", default={model_dir})
args = parser.parse_args()
model = torch.nn.Linear(4, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(10):
    model(torch.randn(8, 4)).sum().backward()
    opt.step()
torch.save(model.state_dict(), os.path.join(args.model_dir, "model.pt"))
"""
NONE_WOULD_RUN = ("and none would run: it reads SM_MODEL_DIR, which only the SageMaker training toolkit sets, and the "
                  "toolkit starts the script as a child and never forwards SIGTERM")


def test_a_script_that_needs_a_toolkit_variable_is_told_to_checkpoint_as_it_goes(run_sigcheck):
    report = run_sigcheck({"train.py": TRAIN.format(model_dir='os.environ["SM_MODEL_DIR"]')})
    (finding,) = report.diagnostics
    assert finding.code == "SIG001" and finding.line == 11
    assert NONE_WOULD_RUN in finding.message
    assert "save checkpoints to /opt/ml/checkpoints as training goes" in finding.message
    assert (finding.trace[0].line, finding.trace[0].note) == (7, "reads SM_MODEL_DIR, which only the SageMaker "
                                                                 "training toolkit sets")


@pytest.mark.parametrize("model_dir, why", [
    ('os.environ.get("SM_MODEL_DIR", "/opt/ml/model")', "looked up with a fallback: it runs without the toolkit too"),
    ('os.environ["MODEL_DIR"]', "a variable of the project's own"),
    ('os.environ["SM_MODEL_DIR"] if "SM_MODEL_DIR" in os.environ else "model"', "read on one side of a test"),
])
def test_a_script_that_runs_without_the_toolkit_gets_the_platform_s_message(run_sigcheck, model_dir, why):
    (finding,) = run_sigcheck({"train.py": TRAIN.format(model_dir=model_dir)}).diagnostics
    assert "on SageMaker a stop sends SIGTERM" in finding.message, why


def test_on_another_platform_no_toolkit_runs_it(run_sigcheck):
    (finding,) = run_sigcheck({"train.py": TRAIN.format(model_dir='os.environ["SM_MODEL_DIR"]')},
                              platform="kubernetes").diagnostics
    assert "on Kubernetes a stop sends SIGTERM" in finding.message


def test_importing_a_module_that_reads_one_says_nothing_of_the_importer(run_sigcheck):
    """A settings module of a repository that also trains on SageMaker: importing it from a script
    run elsewhere makes no toolkit run the script."""
    files = {"settings.py": 'import os\n\nMODEL_DIR = os.environ["SM_MODEL_DIR"] if os.environ.get("ON_SM") else "model"\n'
                            'SM_DIR = lambda: os.environ["SM_MODEL_DIR"]\n',
             "train.py": "import settings\n" + TRAIN.format(model_dir="settings.MODEL_DIR")}
    (finding,) = run_sigcheck(files, ["train.py"]).diagnostics
    assert "on SageMaker a stop sends SIGTERM" in finding.message


def test_a_script_that_imports_sagemakers_distributed_library_is_the_toolkits(run_sigcheck):
    """SageMaker's data-parallel examples: `smdistributed.dataparallel` exists only in AWS's images,
    where the toolkit starts the script with mpirun; the LOCAL_RANK it reads is no sign of torchrun."""
    source = TRAIN.format(model_dir='"model"').replace(
        "import torch\n", "import torch\nimport smdistributed.dataparallel.torch.torch_smddp\n"
                         "local_rank = int(os.environ.get(\"LOCAL_RANK\", 0))\n")
    (finding,) = run_sigcheck({"train.py": source}).diagnostics
    assert "and none would run: it imports smdistributed.dataparallel.torch.torch_smddp, SageMaker's distributed " \
           "training library, which only its images have, and the toolkit starts the script" in finding.message
    assert "torchrun" not in finding.message


@pytest.mark.parametrize("imported", [
    "import torch.sagemaker as tsm",  # model parallelism v2 (aws/amazon-sagemaker-examples' SMP v2 scripts)
    "from sagemaker_xgboost_container import distributed",  # the XGBoost framework image's own modules
    "from sagemaker_containers import entry_point",  # the legacy toolkit
])
def test_a_script_that_imports_a_package_only_sagemakers_images_have_is_the_toolkits(run_sigcheck, imported):
    source = TRAIN.format(model_dir='"model"').replace("import torch\n", f"import torch\n{imported}\n")
    (finding,) = run_sigcheck({"train.py": source}).diagnostics
    assert "and none would run: it imports " in finding.message
    assert "which only SageMaker's training images have, and the toolkit starts the script" in finding.message


@pytest.mark.parametrize("helper, found", [
    ("import torch.sagemaker as tsm\n", True),
    ("try:\n    import torch.sagemaker as tsm\nexcept ImportError:\n    tsm = None\n", False),  # a fallback elsewhere
], ids=["imported at its top", "imported where it may be missing"])
def test_a_helper_module_that_imports_a_package_only_sagemakers_images_have_makes_the_run_the_toolkits(
        run_sigcheck, helper, found):
    """The distributed-training workshop's train.py imports train_lib, whose `import torch.sagemaker as
    tsm` runs only in SageMaker's images (triage CR); a settings module's variable read does not count."""
    files = {"train_lib.py": helper + "\n\ndef main():\n    pass\n",
             "train.py": "import train_lib\n" + TRAIN.format(model_dir='"model"')}
    (finding,) = run_sigcheck(files, ["train.py"]).diagnostics
    assert ("and none would run: it imports torch.sagemaker" in finding.message) is found


@pytest.mark.parametrize("imported", ["import torch.sagemakerish", "import sagemaker", "from sagemaker.pytorch import PyTorch"])
def test_a_package_that_only_begins_alike_or_the_sdk_is_no_sign(run_sigcheck, imported):
    source = TRAIN.format(model_dir='"model"').replace("import torch\n", f"import torch\n{imported}\n")
    (finding,) = run_sigcheck({"train.py": source}).diagnostics
    assert "none would run" not in finding.message


SAVES_EACH_EPOCH = TRAIN.replace("    opt.step()\n", "    opt.step()\n    torch.save(model.state_dict(), os.path.join(args.model_dir, f'epoch-{{epoch}}.pt'))\n")
HF = """
import os

from transformers import Trainer, TrainingArguments

args = TrainingArguments(output_dir=os.environ["SM_MODEL_DIR"], num_train_epochs=3{extra})
Trainer(model=model, args=args, train_dataset=data).train()
"""


@pytest.mark.parametrize("source, why", [
    (SAVES_EACH_EPOCH.format(model_dir='os.environ["SM_MODEL_DIR"]'), "the loop saves each epoch"),
    (HF.format(extra=""), "the Hugging Face Trainer saves every save_steps"),
])
def test_where_no_handler_would_run_training_that_saves_as_it_goes_is_not_reported(run_sigcheck, source, why):
    """All the message asks of such a run is to checkpoint as training goes: it does (SageMaker's
    fine-tuning examples point the Trainer's output_dir at /opt/ml/checkpoints or the model dir)."""
    assert run_sigcheck({"train.py": source}).diagnostics == [], why


def test_training_that_saves_only_at_its_end_or_can_be_told_of_the_stop_is_still_reported(run_sigcheck):
    (off,) = run_sigcheck({"train.py": HF.format(extra=', save_strategy="no"')}).diagnostics
    assert NONE_WOULD_RUN in off.message
    (reachable,) = run_sigcheck({"train.py": SAVES_EACH_EPOCH.format(model_dir='"model"')}).diagnostics
    assert "on SageMaker a stop sends SIGTERM" in reachable.message  # a handler could save at the stop


@pytest.mark.parametrize("saving, why", [
    ("    json.dump({'epoch': epoch}, open('history.json', 'w'))\n", "a metrics file is no checkpoint"),
    ("    history = {'loss': [], 'acc': []}\n    history['loss'].append(1.0)\n    torch.save(history, 'stat.pt')\n",
     "torch.save of a dict of numbers is a metrics file too (DeepSpeedExamples' ViT fine-tuning)"),
    ("    torch.save({'loss': loss.item(), 'acc': float(acc), 'batches': len(data)}, 'metrics.pt')\n",
     "numbers taken from tensors and conversions are metrics, though their values are unknown"),
    ("    stats = {'loss': [loss.item()], 'lr': float(lr)}\n    torch.save(stats, 'stats.pt')\n",
     "the same dict, bound to a name first"),
    ("    if epoch == 9:\n        torch.save(model.state_dict(), 'model.pt')\n", "a save on the last epoch only"),
    ("    if epoch > best:\n        torch.save(model.state_dict(), 'best.pt')\n", "a save only when something improves"),
])
def test_a_loop_that_writes_no_checkpoint_each_period_is_still_reported(run_sigcheck, saving, why):
    source = TRAIN.format(model_dir='os.environ["SM_MODEL_DIR"]').replace("import argparse\n", "import argparse\nimport json\n")
    source = source.replace("    opt.step()\n", "    opt.step()\n" + saving)
    (finding,) = run_sigcheck({"train.py": source}).diagnostics
    assert NONE_WOULD_RUN in finding.message, why


@pytest.mark.parametrize("saved", ["{'model': model.state_dict(), 'epoch': epoch}", "model", "model.state_dict()",
                                   "{'model': model.state_dict(), 'loss': loss.item()}"])
def test_torch_save_of_a_models_state_is_a_checkpoint(run_sigcheck, saved):
    source = TRAIN.format(model_dir='os.environ["SM_MODEL_DIR"]').replace(
        "    opt.step()\n", f"    opt.step()\n    torch.save({saved}, 'ckpt.pt')\n")
    assert run_sigcheck({"train.py": source}).diagnostics == []


def test_a_loop_that_checkpoints_once_a_period_is_left_alone(run_sigcheck):
    source = TRAIN.format(model_dir='os.environ["SM_MODEL_DIR"]').replace(
        "    opt.step()\n", "    opt.step()\n    if (epoch + 1) % 5 == 0:\n        torch.save(model.state_dict(), 'ckpt.pt')\n")
    assert run_sigcheck({"train.py": source}).diagnostics == []


@pytest.mark.parametrize("strategy", ['"no"', "IntervalStrategy.NO", "options.save_strategy"])
def test_a_trainer_whose_saving_is_off_or_unknown_is_still_reported(run_sigcheck, strategy):
    source = HF.format(extra=f", save_strategy={strategy}").replace(
        "from transformers import", "from transformers import IntervalStrategy,")
    (finding,) = run_sigcheck({"train.py": source}).diagnostics
    assert NONE_WOULD_RUN in finding.message


def test_an_image_of_the_project_that_runs_the_script_says_how_it_runs(run_sigcheck):
    """The image sets SM_MODEL_DIR itself and runs the script as PID 1: a handler would run."""
    files = {"Dockerfile": 'FROM python:3.11-slim\nENV SM_MODEL_DIR=/opt/ml/model\nCOPY train.py /opt/program/\n'
                           'ENTRYPOINT ["python", "/opt/program/train.py"]\n',
             "train.py": TRAIN.format(model_dir='os.environ["SM_MODEL_DIR"]').replace(
                 "args = parser.parse_args()", "args, _ = parser.parse_known_args()")}
    report = run_sigcheck(files, ["."])
    (finding,) = [d for d in report.diagnostics if d.code == "SIG001"]
    assert "none would run" not in finding.message and "on SageMaker a stop sends SIGTERM" in finding.message


def test_a_guarded_import_of_sagemakers_library_is_no_sign(run_sigcheck):
    """accelerate imports smdistributed only when it finds itself on SageMaker; a fallback in a
    `try` is no sign either."""
    guarded = TRAIN.format(model_dir='"model"').replace(
        "import torch\n", "import torch\ntry:\n    import smdistributed.dataparallel.torch.torch_smddp\nexcept ImportError:\n    pass\n")
    (finding,) = run_sigcheck({"train.py": guarded}).diagnostics
    assert "none would run" not in finding.message
