from __future__ import annotations

from sigcheck.checking.rule import Example, Rule
from sigcheck.model.optml import under_root_elsewhere, writes
from sigcheck.model.pathvalues import value_text
from sigcheck.model.trace import Point

_WHERE = {
    "input": "into input/, which SageMaker fills and never uploads",
    "code": "into /opt/ml/code, which is not uploaded",
    "root": "outside model/, output/ and checkpoints/, which are the only folders SageMaker uploads",
    "output-parent": "into output/ outside output/data/, the part of it SageMaker uploads (as output.tar.gz)",
}


class WriteOutsideSagemakerOutputs(Rule):
    """Data written under /opt/ml somewhere SageMaker does not upload.

    ## What it does
    Follows the destination of writes (`open(..., "w")`, pathlib writes, `os.makedirs`,
    `shutil.copy*`/`move`, `torch.save`, `np.save`, `save_pretrained`, Keras and TensorFlow saves,
    `DataFrame.to_*`, `Booster.save_model`, archives opened for writing, and where checkpoint
    callbacks and managers are built to write: Keras' `ModelCheckpoint` and `BackupAndRestore`,
    Lightning's `ModelCheckpoint(dirpath)`, `tf.train.CheckpointManager`, `TrainingArguments`'
    `output_dir`; a folder made under `input/`, which SageMaker makes itself, writes no data) and
    reports those that go
    under `/opt/ml` but outside `model/`, `output/` and `checkpoints/`: `/opt/ml/code`,
    `/opt/ml/tmp`, `/opt/ml` itself, or into `input/`; and those into `output/` outside the parts
    of it SageMaker uploads or reads (`data/`, `intermediate/`, the `failure` file, and
    `tensorboard/` and `tensors/`, where TensorBoard's and Debugger's output configs upload from),
    written as a literal path or below `$SM_OUTPUT_DIR` (`os.path.join(os.environ["SM_OUTPUT_DIR"],
    "samples")`). Only training code is judged: a
    Processing job's script (one that uses `/opt/ml/processing`) uploads what its job definition
    names, and an endpoint's server or a test uploads nothing (the training code of a script that
    also defines an endpoint's handlers, `model_fn`, is judged). A literal below /opt/ml/output
    this rule follows into such a write is not reported by OPT001 as well: the write is the
    problem, not the spelling.

    ## Why is this bad?
    SageMaker uploads `/opt/ml/model` (as model.tar.gz) and `/opt/ml/output/data` (as
    output.tar.gz) when the job ends and syncs `/opt/ml/checkpoints` while it runs. Everything else
    disappears with the container, silently: the job succeeds and the file is gone.

    ## Example
    ```python
    torch.save(model.state_dict(), "/opt/ml/code/model.pt")
    ```

    ## Use instead
    ```python
    model_dir = os.environ.get("SM_MODEL_DIR", "/opt/ml/model")
    torch.save(model.state_dict(), os.path.join(model_dir, "model.pt"))
    ```
    """

    code = "OPT002"
    name = "write-outside-sagemaker-outputs"
    severity = "error"

    valid = (
        Example("""
import os, torch

out = os.environ.get("SM_OUTPUT_DATA_DIR", "/opt/ml/output/data")
with open(os.path.join(out, "metrics.json"), "w") as handle:
    handle.write("{}")
torch.save(model.state_dict(), "/opt/ml/checkpoints/last.pt")
config = open("/opt/ml/input/config/hyperparameters.json").read()
""", "outputs and checkpoints are uploaded; reading input is fine"),
        Example("""
from pathlib import Path
import torch

BASE = Path("/opt/ml")
(BASE / "input" / "data").mkdir(parents=True, exist_ok=True)
for step in range(1000):
    model(batch).backward()
    optimizer.step()
torch.save(model.state_dict(), "/opt/ml/model/model.pt")
""", "making sure input/'s folders exist (for a run off SageMaker) writes no data"),
        Example("""
import os

output = os.environ.get("SM_OUTPUT_DIR", "/opt/ml/output")
with open(os.path.join(output, "data", "metrics.json"), "w") as handle:
    handle.write(metrics)
with open("/opt/ml/output/failure", "w") as handle:
    handle.write(reason)
writer = open("/opt/ml/output/tensorboard/events.txt", "w")
export(open(os.path.join(output, name), "w"))
""", "data/ is uploaded, the failure file is read, tensorboard/ is the TensorBoard config's; a name not known "
     "may be data"),
        Example("""
import os, torch

torch.save(model.state_dict(), os.path.join(os.environ["MODEL_ROOT"], "model.pt"))
""", "an unknown destination is not guessed"),
        Example("""
import pandas as pd

frame = pd.read_csv("/opt/ml/processing/input/raw.csv")
frame.to_csv("/opt/ml/processing/train/train.csv", index=False)
""", "a Processing job uploads the folders its ProcessingOutputs name, which the script cannot see"),
        Example("""
import os
from tensorflow import keras

checkpoints = os.environ.get("SM_CHECKPOINT_DIR", "/opt/ml/checkpoints")
callbacks = [keras.callbacks.ModelCheckpoint(os.path.join(checkpoints, "epoch-{epoch}.keras")),
             keras.callbacks.BackupAndRestore(backup_dir="/opt/ml/checkpoints/backup")]
model.fit(x, y, epochs=10, callbacks=callbacks)
""", "checkpoint callbacks writing into checkpoints/, which SageMaker syncs"),
    )
    invalid = (
        Example("""
import torch

# expect: OPT002
torch.save(model.state_dict(), "/opt/ml/code/model.pt")
""", "the code folder is not uploaded"),
        Example("""
import os

samples = os.path.join(os.environ.get("SM_OUTPUT_DIR", "/opt/ml/output"), "samples")
# expect: OPT002
with open(os.path.join(samples, "completions.txt"), "a") as handle:
    handle.write(text)
# expect: OPT002
open("/opt/ml/output/report.json", "w").write(report)
""", "only data/ of output/ is uploaded: files beside it are lost"),
        Example("""
import os, torch

# expect: OPT002
torch.save(model.state_dict(), os.path.join(os.environ["SM_OUTPUT_DIR"], "samples", "ckpt.pt"))
""", "below the toolkit's variable for output/, though no /opt/ml path is written anywhere"),
        Example("""
import os
from pathlib import Path

SCRATCH = Path("/opt/ml") / "tmp"

def export(report):
    # expect: OPT002
    (SCRATCH / "report.txt").write_text(report)

export("done")
""", "a pathlib write under /opt/ml/tmp"),
        Example("""
import os
from tensorflow import keras

out = os.environ["SM_OUTPUT_DIR"]
# expect: OPT002
saver = keras.callbacks.ModelCheckpoint(out + "/checkpoint-{epoch}.h5")
model.fit(x, y, epochs=10, callbacks=[saver])
""", "a checkpoint callback writes where it is built to: beside output/data/, never uploaded"),
    )

    def check(self, analysis):
        for write in writes(analysis.graph, analysis.paths, analysis.knowledge):
            if not analysis.training_code(write.func_id):
                continue  # a Processing job uploads what its job definition names; an endpoint uploads nothing
            for possible in write.values:
                where = under_root_elsewhere(possible, analysis.knowledge)
                if where is None or (where == "input" and write.entry.option("folder")):
                    continue  # SageMaker makes input/'s folders: making one again writes no data
                anchor = Point(write.func_id, write.site.node, "writes here")
                yield self.finding(
                    anchor,
                    f"Writes {value_text(possible)!r} {_WHERE[where]}: it is lost when the job ends",
                    (*possible.trace, anchor),
                    # OPT001 would point the same literal at output/data: one problem, the lost file
                    covers=("OPT001",) if where == "output-parent" else (),
                )
                break
