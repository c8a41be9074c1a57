"""sigcheck's knowledge of libraries and platforms, kept as documented data in TOML files.

Each entry names the calls it covers (`match`, glob patterns over qualified names) and why it
is there (`reason`). Entries are validated on load; configuration can add to them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase, translate
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]


class KnowledgeError(ValueError):
    pass


# Per category: the keys an entry may have besides `match` and `reason`, with their types.
_CATEGORIES: dict[str, tuple[str, str, dict[str, type]]] = {
    "save": ("saving.toml", "save", {"checkpoint": bool, "object-arg": int, "periodic": bool, "when-keyword": str}),
    "recompute": ("saving.toml", "recompute", {}),
    "blocking": ("blocking.toml", "blocking", {"unless-keyword": list, "max-positional": int, "receiver-types": list, "length": list,
                                               "bounded-by": list}),
    "spawn": ("spawning.toml", "spawn", {"kind": str, "target": list, "default-target": str, "arguments": list, "parent-death-signal": str, "trains-named": list,
                                         "leading": int, "registered-with": list, "decorates": bool,
                                         "ignores-sigterm": bool, "requeue-hook": str, "platform": str, "label": str,
                                         "unless-single": list, "when": str}),
    "framework": ("frameworks.toml", "framework", {"behaviour": str, "deadline": int, "when-keyword": str, "only-fit-calls": bool,
                                                  "package": list, "since": str, "swallows": list, "removed-since": list, "removed-imports": list, "removed-methods": list, "spawns-with": list,
                                                  "launcher": str, "env-hints": list, "option-hints": list,
                                                  "hints-unless-imported": list, "hints-not-for-runs-of": list, "hints-library": list, "saves-before": str, "saves-before-into": str, "label": str,
                                                  "stops-raising": str, "chains-handlers": bool, "trainer-classes": list,
                                                  "saving-callbacks": list, "saving-callback-keyword": list, "configured-instead": str,
                                                  "callback-packages": list, "exception-hook": str, "instead": str, "needs-call": list,
                                                  "saves-when-true": bool}),
    "step": ("training.toml", "step", {"needs-update": bool, "fetches": list}),
    "fit": ("training.toml", "fit", {"remedy": str, "remedy-since": str, "remedy-removed": dict, "remedy-removed-from": list, "remedy-removed-kept-by": dict, "package": list, "saves-unless": list,
                                      "switch": str, "saves-with": list, "quiet-callbacks": list, "trains-with": list, "attached-by": list,
                                      "saves-when-stopped": bool, "saves-on-raise": list, "idle-model": list,
                                      "not-when-false": str}),
    "data": ("training.toml", "data", {}),
    "random-input": ("training.toml", "random-input", {}),
    "gradient-use": ("training.toml", "gradient-use", {}),
    "unsafe-io": ("unsafe_io.toml", "unsafe-io", {}),
    "exit": ("exits.toml", "exit", {"effect": str, "raises": str}),
    "child": ("spawning.toml", "child", {}),
    "forward": ("spawning.toml", "forward", {}),
    "training-command": ("spawning.toml", "training-command", {"verbs": list, "unless": list}),
    "formatter": ("spawning.toml", "formatter", {}),
    "registry-build": ("spawning.toml", "registry-build", {"registries": list, "written": list}),
    "wrapper": ("spawning.toml", "wrapper", {"methods": list}),
    "command": ("spawning.toml", "command", {"form": str, "position": int, "keyword": str, "replaces": bool,
                                         "program": str}),
    "container": ("containers.toml", "container", {"kind": str, "forwards": bool, "deadline": int,
                                                    "value-options": list, "leading": int, "keeps": str,
                                                    "instead": str, "subcommand": str,
                                                    "forwards-across-nodes": bool, "keeps-in-one-process": bool,
                                                    "implementation": str, "runs-command": bool, "marks": list,
                                                    "installed": list, "images": list, "pair-options": list,
                                                    "delay-option": str, "delay-variable": str, "gloo-variable": str, "in-process-unless": list,
                                                    "gloo-images": list, "managers": list, "in-process": str,
                                                    "legacy-names": list, "legacy-package": list, "legacy-before": str,
                                                    "legacy-keeps": str, "legacy-instead": str, "verbs": list}),
    "write": ("writing.toml", "write", {"path": list, "modes": str, "mode-arg": int, "folder": bool}),
    "driver-library": ("drivers.toml", "driver-library", {}),
    "driver-command": ("drivers.toml", "driver-command", {}),
    "driver-loader": ("drivers.toml", "driver-loader", {}),
    "driver-dir": ("drivers.toml", "driver-dir", {}),
    "stop-attribute": ("frameworks.toml", "stop-attribute", {"called": bool, "receivers": list, "receiver-names": list}),
    "replaces-handler": ("frameworks.toml", "replaces-handler", {"imported": bool, "swallows": str}),
    "save-attribute": ("frameworks.toml", "save-attribute", {}),
    "stop-return": ("frameworks.toml", "stop-return", {}),
}
_SPAWN_KINDS = {"thread", "executor", "process", "atexit", "call", "remote", "callback"}
_BEHAVIOURS = {"handles", "exits", "forwards", "defeats"}
_EFFECTS = {"raise", "hard", "resend"}
_COMMAND_FORMS = {"argv", "shell", "words"}
_CONTAINER_KINDS = {"init", "exec-wrapper", "runner", "shell", "interpreter", "launcher", "python-launcher", "toolkit-package", "toolkit-env",
                    "toolkit-image", "train-provider", "plain-image", "inference-package", "inference-image", "model-server", "interactive", "driver-image",
                    "other-platform-image", "other-platform-variable", "framework-estimator", "source-code-runner", "toolkit-estimator",
                    "strict-argv", "driver-package", "driver-installer"}


@dataclass(frozen=True)
class Entry:
    category: str
    patterns: tuple[str, ...]
    reason: str
    options: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    source: str = ""

    def option(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)


class PatternSet:
    """Entries of one category, matched against qualified names with one compiled regex."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries = list(entries)
        self._compiled: list[re.Pattern] | None = None  # on the first lookup: most sets are never asked in a run
        self._found: dict[str, list[Entry]] = {}
        self._endings: tuple[frozenset[str], tuple[str, ...]] | None = None  # see may_name

    def find(self, qualname: str | None) -> list[Entry]:
        if not qualname:
            return []
        found = self._found.get(qualname)
        if found is None:  # the same few hundred names are asked for again and again
            found = [e for e, rx in zip(self.entries, self._regexes) if rx.match(qualname)]
            found = [e for e in found if not any(fnmatchcase(qualname, p) for p in e.option("exclude", ()))]
            self._found[qualname] = found
        return found

    @property
    def _regexes(self) -> list[re.Pattern]:
        if self._compiled is None:
            self._compiled = [re.compile("|".join(f"(?:{translate(p)})" for p in e.patterns)) for e in self.entries]
        return self._compiled

    def may_name(self, attribute: str) -> bool:
        """Whether a name ending in `.attribute` can match: a call of `model.forward` is never
        `subprocess.run`, and answering that needs no resolution of `model`."""
        if self._endings is None:
            endings = {p.rsplit(".", 1)[-1] for e in self.entries for p in e.patterns}
            self._endings = (frozenset(endings), tuple(e for e in endings if any(c in e for c in "*?[")))
        plain, wild = self._endings
        return attribute in plain or any(fnmatchcase(attribute, ending) for ending in wild)

    def __iter__(self):
        return iter(self.entries)


@dataclass(frozen=True)
class SageMakerPath:
    path: str  # "/opt/ml/input/data/{channel}" for a family of paths
    env: str  # "" when SageMaker names no variable for it
    kind: str  # "output" | "output-parent" (see uploaded) | "input" | "code" | "processing"
    reason: str
    uploaded: tuple[str, ...] = ()  # an output-parent's: the names below it that SageMaker uploads or reads


@dataclass(frozen=True)
class Platform:
    name: str
    deadline: int
    reason: str
    label: str  # as messages name it: "SageMaker", "a typical scheduler"
    every_process: bool = False  # the stop signal reaches every process of the job, not PID 1 alone (Slurm)


class Knowledge:
    def __init__(self, entries: list[Entry], platforms: dict[str, Platform], signals: dict[str, int],
                 sagemaker_paths: tuple["SageMakerPath", ...] = (), stop_signals: frozenset[int] = frozenset(),
                 toolkit_variables: tuple[str, ...] = (), toolkit_packages: tuple[str, ...] = ()) -> None:
        self._entries = list(entries)  # every category's, for a copy extended from configuration
        by_category: dict[str, list[Entry]] = {name: [] for name in _CATEGORIES}
        for entry in entries:
            by_category[entry.category].append(entry)
        self.saves = PatternSet(by_category["save"])
        self.recomputes = PatternSet(by_category["recompute"])  # named as checkpoints, saving nothing
        self.blocking = PatternSet(by_category["blocking"])
        self.spawns = PatternSet(by_category["spawn"])
        self.frameworks = PatternSet(by_category["framework"])
        self.steps = PatternSet(by_category["step"])
        self.fits = PatternSet(by_category["fit"])
        self.data = PatternSet(by_category["data"])
        self.random_inputs = PatternSet(by_category["random-input"])
        self.gradient_uses = PatternSet(by_category["gradient-use"])
        self.unsafe_io = PatternSet(by_category["unsafe-io"])
        self.exits = PatternSet(by_category["exit"])
        self.children = PatternSet(by_category["child"])
        self.forwards = PatternSet(by_category["forward"])
        self.training_commands = PatternSet(by_category["training-command"])
        self.formatters = PatternSet(by_category["formatter"])
        self.registry_builds = PatternSet(by_category["registry-build"])  # see model/registries.py
        self.wrappers = PatternSet(by_category["wrapper"])
        self.commands = PatternSet(by_category["command"])
        self.containers = {kind: PatternSet(e for e in by_category["container"] if e.option("kind") == kind)
                           for kind in _CONTAINER_KINDS}
        self.writes = PatternSet(by_category["write"])
        self.driver_libraries = PatternSet(by_category["driver-library"])
        self.driver_commands = PatternSet(by_category["driver-command"])
        self.driver_loaders = PatternSet(by_category["driver-loader"])
        self.driver_dirs = PatternSet(by_category["driver-dir"])
        self.stop_attributes = PatternSet(by_category["stop-attribute"])
        self.handler_replacers = PatternSet(by_category["replaces-handler"])  # see SIG005
        self.save_attributes = PatternSet(by_category["save-attribute"])
        self.stop_returns = PatternSet(by_category["stop-return"])  # callbacks whose return ends the loop
        self.sagemaker_paths = sagemaker_paths
        self.platforms = platforms
        self.signals = signals
        self.signal_names = {number: name for name, number in signals.items()}
        self.stop_signals = stop_signals  # see signals.toml's [stop]
        self.toolkit_variables = toolkit_variables  # see sagemaker.toml's [toolkit]
        self.toolkit_packages = toolkit_packages

    @staticmethod
    def configured(patterns: PatternSet, names: list[str]) -> bool:
        """Whether the user's configuration lists one of `names` (project functions included)."""
        return any(e.source == "configuration" for n in names for e in patterns.find(n))

    def extended(self, saves: Iterable[str] = (), blocking: Iterable[str] = ()) -> "Knowledge":
        """A copy with the user's own saving and blocking functions from configuration."""
        extra = [Entry("save", (p,), "configured in save-functions", source="configuration") for p in saves]
        extra += [Entry("blocking", (p,), "configured in blocking-functions", source="configuration") for p in blocking]
        return Knowledge(self._entries + extra, self.platforms, self.signals, self.sagemaker_paths, self.stop_signals,
                         self.toolkit_variables, self.toolkit_packages)


@lru_cache(maxsize=1)
def builtin_knowledge() -> Knowledge:
    entries: list[Entry] = []
    for category, (filename, table, extra_keys) in _CATEGORIES.items():
        document = _load(filename)
        for position, raw in enumerate(document.get(table, [])):
            entries.append(_entry(category, raw, extra_keys, f"{filename}: [[{table}]] #{position + 1}"))
    platforms = {}
    for position, raw in enumerate(_load("platforms.toml").get("platform", [])):
        where = f"platforms.toml: [[platform]] #{position + 1}"
        _check_keys(raw, {"name": str, "deadline": int, "reason": str, "label": str, "every-process": bool}, where,
                    required={"name", "deadline", "reason", "label"})
        platforms[raw["name"]] = Platform(raw["name"], raw["deadline"], raw["reason"], raw["label"], raw.get("every-process", False))
    table = _load("signals.toml")
    signals = dict(table["numbers"])
    stop_signals = frozenset(signals[name] for name in table["stop"]["names"])
    paths = []
    sagemaker = _load("sagemaker.toml")
    for position, raw in enumerate(sagemaker.get("sm-path", [])):
        where = f"sagemaker.toml: [[sm-path]] #{position + 1}"
        _check_keys(raw, {"path": str, "env": str, "kind": str, "reason": str, "uploaded": list}, where,
                    required={"path", "env", "kind", "reason"})
        paths.append(SageMakerPath(raw["path"], raw["env"], raw["kind"], raw["reason"], tuple(raw.get("uploaded", ()))))
    toolkit = sagemaker["toolkit"]
    _check_keys(toolkit, {"variables": list, "packages": list}, "sagemaker.toml: [toolkit]", required={"variables"})
    return Knowledge(entries, platforms, signals, tuple(paths), stop_signals, tuple(toolkit["variables"]),
                     tuple(toolkit.get("packages", ())))


@lru_cache(maxsize=None)  # a file holds several categories: parse it once
def _load(filename: str) -> dict:
    text = resources.files("sigcheck.knowledge").joinpath(filename).read_text(encoding="utf-8")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise KnowledgeError(f"{filename}: {exc}") from None


def _entry(category: str, raw: dict, extra_keys: dict[str, type], where: str) -> Entry:
    allowed = {"match": list, "reason": str, "exclude": list, **extra_keys}
    _check_keys(raw, allowed, where, required={"match", "reason"})
    patterns = tuple(raw["match"])
    options = {k: v for k, v in raw.items() if k not in ("match", "reason")}
    if category == "spawn" and options.get("kind") not in _SPAWN_KINDS:
        raise KnowledgeError(f"{where}: kind must be one of {sorted(_SPAWN_KINDS)}")
    if category == "framework" and options.get("behaviour") not in _BEHAVIOURS:
        raise KnowledgeError(f"{where}: behaviour must be one of {sorted(_BEHAVIOURS)}")
    if category == "container" and options.get("kind") not in _CONTAINER_KINDS:
        raise KnowledgeError(f"{where}: kind must be one of {sorted(_CONTAINER_KINDS)}")
    if category == "container" and options.get("kind") == "launcher" and options.get("forwards") is False \
            and not {"keeps", "instead"} <= options.keys():
        raise KnowledgeError(f"{where}: a launcher that never passes the signal on says how (keeps) and what to use instead")
    if category == "exit" and options.get("effect") not in _EFFECTS:
        raise KnowledgeError(f"{where}: effect must be one of {sorted(_EFFECTS)}")
    if category == "command" and options.get("form") not in _COMMAND_FORMS:
        raise KnowledgeError(f"{where}: form must be one of {sorted(_COMMAND_FORMS)}")
    receivers = options.get("receiver-types")
    if receivers:  # "*.get" on a queue.Queue becomes "queue.Queue.get"
        methods = [p.rsplit(".", 1)[-1] for p in patterns]
        patterns = tuple(f"{r}.{m}" for r in receivers for m in methods)
    return Entry(category, patterns, raw["reason"], options, where)


def _check_keys(raw: Any, allowed: dict[str, type], where: str, required: set[str]) -> None:
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{where}: expected a table")
    for key, value in raw.items():
        if key not in allowed:
            raise KnowledgeError(f"{where}: unknown key {key!r}")
        if not isinstance(value, allowed[key]):
            raise KnowledgeError(f"{where}: {key!r} must be a {allowed[key].__name__}")
    missing = required - raw.keys()
    if missing:
        raise KnowledgeError(f"{where}: missing {', '.join(sorted(missing))}")
