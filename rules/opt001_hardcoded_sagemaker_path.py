from __future__ import annotations

from sigcheck.checking.results import Edit, Fix
from sigcheck.checking.rule import Example, Rule
from sigcheck.model import ir
from sigcheck.model.optml import OUTPUT_PARENT, origins, value_sites
from sigcheck.model.trace import Point


class HardcodedSagemakerPath(Rule):
    """A SageMaker path written out where the training toolkit provides a variable for it.

    ## What it does
    Finds literals such as `"/opt/ml/model"`, `"/opt/ml/output/data"`,
    `"/opt/ml/input/data/<channel>"`, `"/opt/ml/input/config"` and `"/opt/ml/checkpoints"`, and
    values built from pieces that spell one out (`os.path.join("/opt/ml", "model")`,
    f-strings, `+`, `%`, `.format`). The literal as the fallback of an environment lookup
    (`os.environ.get("SM_MODEL_DIR", "/opt/ml/model")`) is the recommended form and never
    reported. The trace shows how the value was built and where it is used.

    ## Why is this bad?
    The SageMaker training toolkit (framework images, and images that install
    `sagemaker-training`) tells the script where each folder is through `SM_MODEL_DIR`,
    `SM_OUTPUT_DATA_DIR`, `SM_CHANNEL_<NAME>` and friends. Hard-coded paths break when the layout
    is configured differently, in local mode and in tests, and outside SageMaker entirely. A script
    an analysed image runs with no toolkit (a plain `python` or `ubuntu` base that installs
    nothing that may bring it, `train` on its PATH) gets the layout and none of the variables:
    there the layout is the contract, and its paths (and those of the modules its run reaches)
    are not reported. Neither are those of a script the ENTRYPOINT runs itself, before any
    toolkit (SageMaker's TensorFlow images probe for `/opt/ml/input/config` so, then start
    `train`), unless the image's ENV sets SM_* variables. A literal only asked whether it exists
    (`os.path.exists("/opt/ml/input/config")`, wherever it is written) probes whether the code
    runs on SageMaker, where no variable may be set yet: it is not reported either. Checkpoints have no standard variable: make the path configurable (as the default
    of a command-line option, or of a parameter that callers pass, which is then not reported;
    a parameter no caller passes is as fixed as a literal).

    Only training code is judged. A module that uses `/opt/ml/processing` is a Processing job's
    script, a module that answers `/ping` or `/invocations` (or defines the inference toolkit's
    `model_fn(model_dir)` or another handler, not TensorFlow's `model_fn(features, labels, mode)`, is named
    `serve`, `predictor.py` or `inference.py`, or is kept under a folder named `inference`,
    `serving` or `serve`, or is run by an endpoint image's entry script, as its program or a helper
    it runs first) is an endpoint's, and `test_*.py` or a module under `tests/` is a test:
    none of them gets the training toolkit's variables. In a module that is an endpoint's by its
    handlers alone, the functions a training run reaches are still a trainer's (a single-file
    script that trains under `__main__` and defines `model_fn`). A launcher that defines the job with the
    SageMaker Python SDK (`sagemaker.pytorch.PyTorch(...)`, a tuner, a pipeline) runs on your
    machine, where an /opt/ml path configures the job (`checkpoint_local_path="/opt/ml/checkpoints"`).
    So does a script that prompts at a terminal (`input()`): a job has no terminal to answer it,
    and such a script writes the job's configuration (a recipe's `output_dir: /opt/ml/checkpoints`).
    A module that sets the `SM_*` variables (`os.environ["SM_MODEL_DIR"] = ...`, or an environment
    built as `{"SM_MODEL_DIR": "/opt/ml/model", ...}`) does the toolkit's work, as the SDK's
    container drivers do: its paths define the variables it would be told to read.

    ## Example
    ```python
    torch.save(model.state_dict(), "/opt/ml/model/model.pt")
    ```

    ## Use instead
    ```python
    model_dir = os.environ.get("SM_MODEL_DIR", "/opt/ml/model")
    torch.save(model.state_dict(), os.path.join(model_dir, "model.pt"))
    ```

    ## Fix safety
    The fix replaces a plain string literal with `os.environ.get("SM_…", "<the literal's path>")`
    (joined with the rest of the path) and adds `import os` when needed. It is safe: the value is
    unchanged wherever the variable is unset or equal to the default. A place below /opt/ml/output
    that SageMaker does not upload (`/opt/ml/output/run1/`) gets no fix: the message points it at
    `SM_OUTPUT_DATA_DIR`, which moves the file (where OPT002 reports a write of it, OPT002 alone does)."""

    code = "OPT001"
    name = "hardcoded-sagemaker-path"
    runs_apart = True  # value tracking of paths: shares little with the entry-point rules
    severity = "warning"

    valid = (
        Example("""
from pathlib import Path

CHECKPOINTS = "/opt/ml/checkpoints"


def main():
    model = input("Model id [Qwen/Qwen3-4B]: ").strip() or "Qwen/Qwen3-4B"
    recipe = f"model_name_or_path: {model}\\noutput_dir: {CHECKPOINTS}/{model}\\n"
    Path("recipes", model.replace("/", "--") + ".yaml").write_text(recipe)


if __name__ == "__main__":
    main()
""", "a script that asks at a terminal runs on your machine: it writes the recipe the job reads"),
        Example("""
import os
import torch

if "SM_MODEL_DIR" in os.environ:
    model_dir = os.environ["SM_MODEL_DIR"]
else:
    model_dir = "/opt/ml/model"
torch.save(model.state_dict(), os.path.join(model_dir, "model.pt"))
""", "the path is the fallback of a test for the variable: os.environ.get(..., path) written as if/else"),
        Example("""
FROM python:3.11-slim
RUN pip install tensorflow
COPY trainer /trainer
ENTRYPOINT ["python", "/trainer/start.py"]
""", "a bare image's trainer reads the layout through a module it imports: there the layout is the contract", {
            "trainer/__init__.py": "",
            "trainer/environment.py": 'MODEL_PATH = "/opt/ml/model"\nCONFIG = "/opt/ml/input/config/hyperparameters.json"\n',
            "trainer/start.py": "import os, json\nfrom trainer.environment import MODEL_PATH, CONFIG\n\n"
                                "hp = json.load(open(CONFIG))\nmodel.save(os.path.join(MODEL_PATH, 'model.h5'))\n"},
            name="Dockerfile"),
        Example("""
FROM python:3.11-slim
RUN pip install tensorflow sagemaker-training
COPY entry.py /usr/local/bin/entry.py
ENTRYPOINT ["python", "/usr/local/bin/entry.py"]
""", "the ENTRYPOINT runs before the toolkit it starts (SageMaker's TensorFlow images): nothing has set SM_* yet",
            {"entry.py": 'import os, shlex, subprocess, sys\n\nif not os.path.exists("/opt/ml/input/config"):\n'
                         '    print("not on SageMaker")\nsubprocess.check_call(shlex.split(" ".join(sys.argv[1:])))\n'},
            name="Dockerfile"),
        Example("""
import os, torch

model_dir = os.environ.get("SM_MODEL_DIR", "/opt/ml/model")
data_dir = os.getenv("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train")
torch.save(model.state_dict(), os.path.join(model_dir, "model.pt"))
""", "the literals are fallbacks of the toolkit's variables"),
        Example("""
import argparse

parser = argparse.ArgumentParser()
parser.add_argument("--checkpoint-dir", default="/opt/ml/checkpoints")
""", "checkpoints have no variable; an option's default is already configurable"),
        Example("""
import os

os.makedirs("/opt/ml/code/logs", exist_ok=True)
print(open("/etc/hostname").read(), os.path.join("/tmp", "model"))
""", "/opt/ml/code has no variable, and other paths are not SageMaker's"),
        Example("""
import argparse
import subprocess


def sync_checkpoints(local_path="/opt/ml/checkpoints", s3_uri="s3://bucket/run-1"):
    subprocess.run(["aws", "s3", "sync", local_path, s3_uri], check=True)


parser = argparse.ArgumentParser()
parser.add_argument("--checkpoint-dir", default="/opt/ml/checkpoints")
sync_checkpoints(local_path=parser.parse_args().checkpoint_dir)
""", "a parameter's default is configurable too when its callers pass it"),
        Example("""
import os

import pandas as pd

frame = pd.read_csv("/opt/ml/processing/input/raw.csv")
frame.to_csv("/opt/ml/processing/train/train.csv", index=False)
with open("/opt/ml/output/metrics/cloudwatch/metrics.jsonl", "w") as out:
    out.write("{}")
""", "a Processing job's script: its folders come from the job definition, and no SM_* variable is set"),
        Example("""
import joblib
from flask import Flask, Response

app = Flask(__name__)
model = joblib.load("/opt/ml/model/model.joblib")


@app.route("/ping")
def ping():
    return Response(status=200)
""", "an endpoint's server: SageMaker unpacks the model into /opt/ml/model and sets no SM_MODEL_DIR"),
        Example("""
import os

print(f"/opt/ml/model/: {sorted(os.environ)}")
""", "a message about the folder, not a path"),
        Example("""
import os


def find_models(base_path="/opt/ml/model"):
    return [os.path.join(base_path, name) for name in sorted(os.listdir(base_path))]
""", "a helper of the endpoint's image, kept under its inference folder",
                name="docker/inference/sagemaker/model_paths.py"),
        Example("""
import os, subprocess, sys

if os.path.exists("/opt/ml/input/config"):  # on SageMaker: the toolkit's `train` takes over
    subprocess.check_call(["train"])
""", "asking whether the layout exists probes where the script runs (the TensorFlow images' entry script)",
                name="docker/build_artifacts/dockerd-entrypoint.py"),
        Example("""
from sagemaker.pytorch import PyTorch

estimator = PyTorch(entry_point="train.py", source_dir="src", role=role, instance_type="ml.p4d.24xlarge",
                    checkpoint_s3_uri="s3://bucket/checkpoints", checkpoint_local_path="/opt/ml/checkpoints")
estimator.fit({"train": "s3://bucket/train"})
""", "a launcher on your machine: the path tells SageMaker where the job keeps its checkpoints",
                name="launch_sagemaker_train.py"),
        Example("""
import os
import unittest


class ImageLayout(unittest.TestCase):
    def test_model_folder_exists(self):
        self.assertTrue(os.path.isdir("/opt/ml/model"))
""", "a test of the image's layout", name="test_layout.py"),
        Example("""
import json
import os

SM_MODEL_DIR = "/opt/ml/model"
SM_INPUT_CONFIG_DIR = "/opt/ml/input/config"


def training_environment():
    with open(os.path.join(SM_INPUT_CONFIG_DIR, "resourceconfig.json")) as handle:
        hosts = json.load(handle)["hosts"]
    return {"SM_MODEL_DIR": SM_MODEL_DIR, "SM_HOSTS": json.dumps(hosts)}


for key, value in training_environment().items():
    print(f"export {key}='{value}'")
""", "a container driver that sets the SM_* variables from the layout, as the toolkit does",
                name="container_drivers/scripts/environment.py"),
    )
    invalid = (
        Example("""
import torch


def input(batch):
    return batch.to("cuda")


for batch in loader:
    loss = model(input(batch))
# expect: OPT001
torch.save(model.state_dict(), "/opt/ml/model/model.pt")
""", "the script's own `input` is no prompt at a terminal: the script runs in the job"),
        Example("""
import torch

# expect: OPT001
torch.save(model.state_dict(), "/opt/ml/model/model.pt")
""", "the script the toolkit runs (SAGEMAKER_PROGRAM) is told where the model folder is", {
            "Dockerfile": "FROM python:3.11-slim\nRUN pip install torch sagemaker-training\n"
                          "COPY train.py /opt/ml/code/train.py\nENV SAGEMAKER_PROGRAM=train.py\n"}),
        Example("""
import os
import torch

model_dir = os.environ["SM_MODEL_DIR"]
# expect: OPT001
features = torch.load("/opt/ml/input/data/train/features.pt")
torch.save(features, os.path.join(model_dir, "features.pt"))
""", "reading one SM_* variable does not make a script the toolkit: the channel is still written out"),
        Example("""
import torch

# expect: OPT001
torch.save(model.state_dict(), "/opt/ml/model/model.pt")
""", "the model folder written out"),
        Example("""
import os

BASE = "/opt/ml"
# expect: OPT001
TRAIN = os.path.join(BASE, "input", "data", "train")
files = os.listdir(TRAIN)
""", "a channel folder built from pieces"),
        Example("""
import os

# expect: OPT001
CHECKPOINTS = "/opt/ml/checkpoints"
os.makedirs(CHECKPOINTS, exist_ok=True)
""", "checkpoints have no variable but should be configurable"),
        Example("""
import torch

for epoch in range(3):
    # expect: OPT001
    torch.save(model.state_dict(), f"/opt/ml/model/epoch-{epoch + 1}.pt")
# expect: OPT001
REPORTS = "/opt" + "/ml/output/data"
print(f"saved to {REPORTS}", "run-" + str(epoch), epoch * 2 + 1)
""", "an f-string and a concatenation that spell out a place; the other strings and sums are no paths"),
        Example("""
import os
import shutil


def separate_images(prefix, channel):
    for name in os.listdir(prefix + "/" + channel):
        shutil.copyfile(prefix + "/" + channel + "/" + name, "/data/" + name)


# expect: OPT001
separate_images("/opt/ml/input/data", "train")
""", "reported once, where the literal is written, not again where a parameter carries it into a concatenation"),
    )

    def check(self, analysis):
        seen = set()
        for site in value_sites(analysis.graph, analysis.paths):
            module = analysis.functions[site.func_id].module
            if not analysis.training_code(site.func_id) or module in analysis.without_toolkit:
                continue  # a Processing job's, an endpoint's, a test's or a bare image's paths have no SM_* variable
            for sym, possible, match in origins(analysis.paths, site, analysis.knowledge):
                if (module, sym.node) in seen or sym.node is None:
                    continue
                if not match.env and site.configurable:
                    continue  # no variable to read, and the path is already an option's default
                if match.env and _fallback_of_a_test_for(analysis, module, sym, match.env):
                    continue
                seen.add((module, sym.node))
                anchor = Point(site.func_id, sym.node, f"{match.path!r} written out")
                last = possible.trace[-1] if possible.trace else None
                same = last is not None and last.node == sym.node and last.func_id is not None \
                    and analysis.functions[last.func_id].module == module
                trace = possible.trace if same else (*possible.trace, anchor)
                written = sym.value if isinstance(sym, ir.Const) and isinstance(sym.value, str) else None
                yield self.finding(anchor, _message(match, written), trace, _fix(analysis, site.func_id, sym, match))


def _fallback_of_a_test_for(analysis, module: str, sym: ir.Sym, env: str) -> bool:
    """`if "SM_MODEL_DIR" in os.environ: d = os.environ["SM_MODEL_DIR"] else: d = "/opt/ml/model"`:
    the literal is assigned in a branch of a test that asks for the variable, the fallback
    `os.environ.get(env, path)` spells in one call."""
    for fn in analysis.project.modules[module].functions.values():
        for event in fn.events:
            if isinstance(event, ir.Assign) and event.value is sym:
                return any(isinstance(branch, ir.Branch) and branch.index < event.index < branch.end
                           and _asks_for(fn, branch, env) for branch in fn.events[:event.index])
    return False


def _asks_for(fn: ir.FunctionInfo, branch: ir.Branch, env: str) -> bool:
    """The branch's test names the variable: `env in os.environ`, `os.environ.get(env)`, `os.getenv(env)`."""
    written = [*branch.test_reads, *(arg for event in fn.events[branch.test_start:branch.index]
                                      if isinstance(event, ir.CallSite) for arg in event.args)]
    return any(isinstance(sym, ir.Const) and sym.value == env for sym in written)


def _message(match, written: str | None = None) -> str:
    """`written`: the literal as the code spells it, quoted where it is the path itself (`'/opt/ml/model/'`)."""
    if not match.env:
        return (f"Hard-coded {match.path!r}: SageMaker sets no variable for it, so make it configurable "
                f"(an argument or variable) with {match.path!r} as the default")
    lookup = f"os.environ.get({match.env!r}, {match.path!r})"
    tail = (match.tail or "").strip("/")
    if not tail:
        shown = written if written is not None and written.rstrip("/") == match.path else match.path
        return (f"Hard-coded {shown!r}: read {match.env}, which the SageMaker training toolkit sets, "
                f"with the path as fallback: {lookup}")
    if _outside_uploads(match, tail):  # OPT002's concern too: point it at the folder that is uploaded
        return (f"Hard-coded {match.path + '/' + tail!r}: SageMaker uploads only data/ of {match.path!r} (and a few "
                f"places it names); read SM_OUTPUT_DATA_DIR, with its path as fallback: "
                f"os.path.join(os.environ.get('SM_OUTPUT_DATA_DIR', '/opt/ml/output/data'), {tail!r})")
    # `/opt/ml/input/data` has no variable of its own: the message quotes the path as written
    return (f"Hard-coded {match.path + '/' + tail!r}: read {match.env}, which the SageMaker training toolkit sets "
            f"to {match.path!r}, with that as fallback: os.path.join({lookup}, {tail!r})")


def _outside_uploads(match, tail: str) -> bool:
    """A place below /opt/ml/output none of whose uploaded parts holds it (`/opt/ml/output/qwen/run1`)."""
    return match.place.kind == OUTPUT_PARENT and tail.split("/", 1)[0] not in match.place.uploaded


def _fix(analysis, func_id: str, sym: ir.Sym, match) -> Fix | None:
    if not match.env or not isinstance(sym, ir.Const) or match.tail is None:
        return None
    if match.tail.strip("/") and _outside_uploads(match, match.tail.strip("/")):
        return None  # moving the file to output/data changes where it goes: the message says how
    fn = analysis.functions[func_id]
    q = analysis.positions.quote_of(fn.module, sym.node)  # the literal's own: legal where it stands
    lookup = f'os.environ.get({q}{match.env}{q}, {q}{match.path}{q})'
    tail = match.tail.strip("/")
    replacement = f'os.path.join({lookup}, {q}{tail}{q})' if tail else lookup
    span = analysis.positions.span(fn.module, sym.node)
    path = analysis.project.sources[fn.module].display
    edits = [Edit(path, span.line, span.column, span.end_line, span.end_column, replacement)]
    edits += _import_os(analysis, fn.module, path)
    return Fix(f"Read {match.env}, falling back to {match.path!r}", tuple(edits), safe=True)


def _import_os(analysis, module: str, path: str) -> list[Edit]:
    body = analysis.project.modules[module].body
    if any(isinstance(b.value, ir.Imported) and b.value.module == "os" and not b.value.name for b in body.bindings.get("os", ())):
        return []
    line = analysis.positions.first_code_line(module)
    return [Edit(path, line, 1, line, 1, "import os\n")]
