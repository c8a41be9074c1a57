"""Which kind of SageMaker code a module is, from what the module itself shows.

The /opt/ml layout differs by job. A training job gets the SM_* variables from the training
toolkit and uploads model/, output/ and checkpoints/. A Processing job reads and writes
/opt/ml/processing/*, uploads the folders its job definition names and sets no SM_* variable.
An endpoint's server reads the model SageMaker unpacks into /opt/ml/model, where no toolkit
sets SM_MODEL_DIR. A test checks the layout itself. A launcher defines a job with the SageMaker
Python SDK (`PyTorch(entry_point=...)`, `estimator.fit()`, `ModelTrainer(...)`) on the user's
machine: an /opt/ml path there configures the job (`checkpoint_local_path="/opt/ml/checkpoints"`). So
does a script that asks a person at a terminal (`input()`): a job has no terminal to answer it,
and such a script writes the job's configuration (a recipe's `output_dir: /opt/ml/checkpoints`).
A module that sets the
SM_* variables plays the training toolkit's part (the SDK's container drivers and remote-function
bootstrap): it derives them from the layout, so its paths are the layout's definition. Only
training code is judged by the layout rules.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import PurePath

from sigcheck.model import ir

TRAINING, PROCESSING, SERVING, TEST, LAUNCHER, TOOLKIT = \
    "training", "processing", "serving", "test", "launcher", "toolkit"

# An endpoint answers GET /ping and POST /invocations; the framework images' inference scripts
# define these handlers in `inference.py`; `serve` and `predictor.py` are the bring-your-own
# layout's names. Code kept in a folder named inference, serving or serve is the endpoint's too.
_ROUTES = re.compile(r"""["']/(?:ping|invocations)["']""")
# The inference toolkits' handlers, by how many arguments they take: `model_fn(model_dir[, context])`,
# `input_fn(request_body, content_type[, context])`... TensorFlow's Estimator API uses two of the
# names for other functions, `model_fn(features, labels, mode, ...)` and `input_fn()`, which a
# training script defines.
HANDLERS = {"model_fn": (1, 2), "input_fn": (2, 3), "predict_fn": (2, 3), "output_fn": (2, 3), "transform_fn": (4, 5)}
_SERVING_STEMS = frozenset({"serve", "predictor", "inference"})  # inference.py: the framework images' script
_SERVING_FOLDERS = frozenset({"inference", "serving", "serve"})
_SERVING_IMPORTS = ("sagemaker_inference", "ts.torch_handler", "mms.")
_TEST_FOLDERS = frozenset({"tests", "test", "testing"})
# The SDK's modules that define jobs; a training script may use others (sagemaker.experiments).
# ModelTrainer's are sagemaker.modules (SDK 2) and sagemaker.train (SDK 3).
_JOB_DEFINITIONS = re.compile(r"\bsagemaker\.(?:estimator|pytorch|tensorflow|huggingface|sklearn|xgboost|mxnet|tuner|"
                              r"processing|workflow|jumpstart|modules|train)\b")
# Setting an SM_* variable: `os.environ["SM_MODEL_DIR"] = ...`, `env["SM_HOSTS"] = ...`, or a key of
# the environment a dict builds (`{"SM_MODEL_DIR": SM_MODEL_DIR}`); reading one never matches.
_SETS_SM_VARIABLE = re.compile(r"""\[\s*["']SM_[A-Z0-9_]+["']\s*\]\s*=(?!=)|["']SM_[A-Z0-9_]+["']\s*:"""
                               r"""|(?:setdefault|putenv)\(\s*["']SM_""")


class JobKinds:
    def __init__(self, project) -> None:
        self.project = project

    def of(self, module: str) -> str:
        return self._kinds.get(module, TRAINING)

    def serves_by_handlers(self, module: str) -> bool:
        """An endpoint's module by the handlers it defines alone, whose other functions may train:
        SageMaker's single-file examples train under `__main__` and define `model_fn` for the
        endpoint that serves the model."""
        summary = self.project.modules[module]
        return self.of(module) == SERVING and self._kind(module, summary, handlers=False) == TRAINING

    @cached_property
    def _kinds(self) -> dict[str, str]:
        found = {}
        for name, summary in self.project.modules.items():
            kind = self._kind(name, summary)
            if kind != TRAINING:
                found[name] = kind
        return found

    def _kind(self, name: str, summary, handlers: bool = True) -> str:
        path = PurePath(summary.path)
        if is_test(name.split(".")):
            return TEST
        source = self.project.sources.get(name)
        text = source.text if source is not None else ""
        # Each pattern's literal looked for first: a pattern that starts with \b or alternatives
        # is tried at every position, ~2 ms per module of transformers against 0.04 for `in`.
        if "sagemaker." in text and _JOB_DEFINITIONS.search(text):
            return LAUNCHER
        if "input(" in text and _prompts(summary):
            return LAUNCHER
        if "SM_" in text and _SETS_SM_VARIABLE.search(text):
            return TOOLKIT
        if "/opt/ml/processing" in text:
            return PROCESSING
        if (("/ping" in text or "/invocations" in text) and _ROUTES.search(text)) or path.stem in _SERVING_STEMS \
                or (handlers and self._defines_handlers(summary)) \
                or not _SERVING_FOLDERS.isdisjoint(name.split(".")[:-1]) \
                or any(i.startswith(_SERVING_IMPORTS) for i in summary.imports):
            return SERVING
        return TRAINING

    @staticmethod
    def _defines_handlers(summary) -> bool:
        return any(fn.parent == summary.body_id and fn.kind == "function" and fn.qualname in HANDLERS
                   and _takes(fn, *HANDLERS[fn.qualname]) for fn in summary.functions.values())


def _takes(fn, fewest: int, most: int) -> bool:
    """Whether the function can be called with as many positional arguments as a handler is given."""
    positional = [p for p in fn.params if p.kind in ("posonly", "pos")]
    required = sum(not p.has_default for p in positional)
    return required <= most and (len(positional) >= fewest or any(p.kind == "varargs" for p in fn.params))


def _prompts(summary) -> bool:
    """The module calls the built-in `input()`, which it does not bind itself."""
    if "input" in summary.body.bindings:
        return False
    return any(isinstance(event, ir.CallSite) and isinstance(event.func, ir.Name) and event.func.name == "input"
               and "input" not in fn.bindings for fn in summary.functions.values() for event in fn.events)


def is_benchmark(stem: str) -> bool:
    """`bench.py`, `benchmark_attention.py`, `train_bench.py`, `measure_vram.py`: a script that
    times a few steps or measures the memory they take (nanoVLM's batch-size sweep, with a
    throwaway optimizer), with nothing to save when it is stopped."""
    return any(stem == word or stem.startswith(word + "_") or stem.endswith("_" + word) for word in _BENCHMARK_WORDS)


_BENCHMARK_WORDS = ("bench", "benchmark", "measure")


def is_test(parts: list[str]) -> bool:
    """`tests.unit.test_train`, `conftest`, `model_test`, `test_utils/scripts/run`: by the module's
    dotted name in the project, or a file's path parts with its stem last."""
    stem = parts[-1]
    return stem.startswith("test_") or stem.endswith("_test") or stem == "conftest" or \
        any(part in _TEST_FOLDERS or part.startswith("test_") or part.endswith("_tests") for part in parts[:-1])
