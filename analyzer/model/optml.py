"""SageMaker's /opt/ml layout applied to tracked values: hard-coded paths and where writes go."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from sigcheck.knowledge import Entry, Knowledge, SageMakerPath
from sigcheck.model import ir
from sigcheck.model.argflow import argument_in
from sigcheck.model.callgraph import CallGraph
from sigcheck.model.call_sites import default_in_use
from sigcheck.model.pathvalues import _ENV_GET, _JOIN, _PATH_TYPES, PathTracker, PathValue, Possible

ROOT = "/opt/ml"
OUTPUT_PARENT = "output-parent"  # /opt/ml/output: uploaded only through data/ and the places below it


@dataclass(frozen=True)
class LayoutMatch:
    place: SageMakerPath
    path: str  # the concrete path, channel filled in: "/opt/ml/input/data/train"
    env: str  # the concrete variable: "SM_CHANNEL_TRAIN"; "" when there is none
    tail: str | None  # what follows the path ("best.pt"), "" for the path itself, None if unknown


def classify(possible: Possible, knowledge: Knowledge) -> LayoutMatch | None:
    """Which SageMaker place a value's known leading text names, if any."""
    complete = possible.literal is not None
    text = re.sub(r"/+", "/", possible.prefix)
    for place, pattern in _layout_patterns(knowledge.sagemaker_paths):
        found = pattern.match(text)
        if not found:
            continue
        rest = text[found.end():].lstrip("/")
        if not complete and found.end() == len(text) and not text.endswith("/"):
            continue  # "/opt/ml/model" + unknown could be "/opt/ml/models": not decided
        channel = found.groupdict().get("channel")
        env = place.env.replace("{CHANNEL}", channel.upper().replace("-", "_")) if channel else place.env
        return LayoutMatch(place, found.group(0), env, rest if complete else None)
    return None


@lru_cache(maxsize=8)
def _layout_patterns(places: tuple[SageMakerPath, ...]) -> list[tuple[SageMakerPath, re.Pattern]]:
    """Each place with the pattern its paths match, longest first (the most specific wins)."""
    return [(place, re.compile(re.escape(place.path).replace(re.escape("{channel}"), "(?P<channel>[^/]+)") + "(?=/|$)"))
            for place in sorted(places, key=lambda p: -len(p.path))]


def under_root_elsewhere(possible: Possible, knowledge: Knowledge) -> str | None:
    """For a write: the place under /opt/ml outside the uploaded outputs it goes to, or None."""
    if possible.env_first is not None:
        return _below_output_variable(possible, knowledge)
    text = re.sub(r"/+", "/", possible.prefix)
    if not (text == ROOT or text.startswith(ROOT + "/")):
        return None
    match = classify(possible, knowledge)
    if match is not None and match.place.kind == OUTPUT_PARENT:
        return _outside_uploads(match.place, text[len(match.path):], possible.literal is not None)
    if match is not None:
        return None if match.place.kind in ("output", "processing") else match.place.kind
    rest = text[len(ROOT):].lstrip("/")
    if possible.literal is None and "/" not in rest:
        # "/opt/ml/" + unknown names no folder yet; "/opt/ml/run_" + unknown cannot be model/ or
        # any other place SageMaker knows, whatever follows.
        folders = {p.path[len(ROOT) + 1:].split("/")[0] for p in knowledge.sagemaker_paths}
        if not rest or any(folder.startswith(rest) for folder in folders):
            return None
    return "root"


def _below_output_variable(possible: Possible, knowledge: Knowledge) -> str | None:
    """`$SM_OUTPUT_DIR/samples`: the variable names /opt/ml/output wherever the toolkit sets it,
    and below it only data/ and the places listed with it are uploaded. Other variables, and a
    name not yet known (`$SM_OUTPUT_DIR/` + a parameter), are not judged."""
    variable = possible.env_first.env  # type: ignore[union-attr]
    place = next((p for p in knowledge.sagemaker_paths if p.env == variable and p.kind == OUTPUT_PARENT), None)
    if place is None:
        return None
    rest = Possible(possible.pieces[1:])
    return _outside_uploads(place, re.sub(r"/+", "/", rest.prefix), rest.literal is not None)


def _outside_uploads(place: SageMakerPath, below: str, complete: bool) -> str | None:
    """OUTPUT_PARENT when the text `below` output/ names a place in it none of the uploaded ones
    holds; None for output/ itself, or a name the unknown text that follows may still make
    `data...`."""
    below = below.lstrip("/")
    if not below or ("/" not in below and not complete):
        return None
    return None if below.split("/", 1)[0] in place.uploaded else OUTPUT_PARENT


@dataclass(frozen=True)
class ValueSite:
    func_id: str
    sym: ir.Sym
    at: int | None
    configurable: bool = False  # an option's default, or a parameter's that callers pass: already changeable


def may_name_opt_ml(project) -> bool:
    """Whether the project's string literals could spell out a path under /opt/ml at all: "opt"
    and "ml" as parts of a path (`"/opt/ml/model"`, `os.path.join("/opt", "ml")`), or name a
    toolkit variable (`os.environ["SM_OUTPUT_DIR"]`). One that holds neither has nothing for the
    value tracking to find, and big trees skip it (transformers names an "opt" model, no "ml")."""
    marks = project.literal_marks()
    return "SM_" in marks or {"opt", "ml"} <= marks


# Asking whether a path exists: `os.path.exists("/opt/ml/input/config")` tells a SageMaker job from
# another run (the TensorFlow image's entry script does, before any toolkit sets a variable)
_EXISTENCE = frozenset({"os.path.exists", "os.path.isdir", "os.path.isfile", "os.path.lexists",
                        "posixpath.exists", "posixpath.isdir", "posixpath.isfile", "os.access"})


def value_sites(graph: CallGraph, tracker: PathTracker) -> Iterator[ValueSite]:
    """Every expression whose value the code uses: call arguments, assigned values, returns and
    parameter defaults. An environment lookup's fallback is left out: it is the recommended form;
    so is a literal only asked whether it exists, which probes where the code runs."""
    if not may_name_opt_ml(graph.project):
        return
    for fn in graph.project.functions.values():
        for event in fn.events:
            if isinstance(event, ir.CallSite):
                option = isinstance(event.func, ir.Attr) and event.func.attr == "add_argument"
                for position, arg in enumerate(event.args):
                    if isinstance(arg, _MAY_ORIGINATE) and _may_originate(tracker, arg) \
                            and not (position == 1 and _calls_one_of(tracker, event.func, _ENV_GET)) \
                            and not (position == 0 and isinstance(arg, ir.Const) and _calls_one_of(tracker, event.func, _EXISTENCE)):
                        yield ValueSite(fn.id, arg, event.index)
                for keyword, arg in event.kwargs:
                    if isinstance(arg, _MAY_ORIGINATE) and _may_originate(tracker, arg) \
                            and not (keyword == "default" and _calls_one_of(tracker, event.func, _ENV_GET)):
                        yield ValueSite(fn.id, arg, event.index, configurable=option and keyword == "default")
            elif isinstance(event, ir.Assign) and _may_originate(tracker, event.value):
                yield ValueSite(fn.id, event.value, event.index)
        for returned in fn.returns:
            if _may_originate(tracker, returned):
                yield ValueSite(fn.id, returned, None)
        for bindings in fn.bindings.values():
            for binding in bindings:
                if binding.kind == "param" and _may_originate(tracker, binding.value.default):
                    in_use = default_in_use(graph, fn, binding.value.index)
                    yield ValueSite(fn.id, binding.value.default, None, configurable=not in_use)




_MAY_HOLD = (ir.BinOp, ir.FString, ir.CallOf, ir.Seq)  # the symbols `_children` looks into, and joins


def _may_originate(tracker: PathTracker, sym: ir.Sym | None) -> bool:
    """Whether `_origins` can find anything in `sym` before any value is worked out: `_origins`'
    own tests, less the last (what the value is), and what it asks before it walks into a part.
    Most values the code uses are no literal, join or concatenation that may begin a path under
    /opt/ml, and a site built for each of them, to be walked again, was most of this rule's time."""
    if isinstance(sym, ir.Const):
        return isinstance(sym.value, str) and _may_start_layout(sym)
    if not isinstance(sym, _MAY_HOLD):
        return False
    found = any(isinstance(child, _MAY_ORIGINATE) and _may_originate(tracker, child) for child in _children(sym)) \
        or ((isinstance(sym, (ir.BinOp, ir.FString)) or _builds_path(tracker, sym)) and _may_start_layout(sym))
    # Whether a call is an environment lookup is asked last: it resolves the callee, and most
    # calls hold nothing that could spell a path anyway.
    return found and not (isinstance(sym, ir.CallOf) and _calls_one_of(tracker, sym.func, _ENV_GET))


_MAY_ORIGINATE = (ir.Const, *_MAY_HOLD)  # a name or an attribute never is: asked before the call


def origins(tracker: PathTracker, site: ValueSite, knowledge: Knowledge) -> Iterator[tuple[ir.Sym, Possible, LayoutMatch]]:
    """The sub-expressions where a SageMaker path is first spelled out: a literal, or the join,
    f-string or concatenation that completes it. References (names, attributes) are never origins:
    the literal they lead to is reported where it is written."""
    yield from _origins(tracker, site, site.sym, knowledge)


def _origins(tracker, site, sym, knowledge):
    if isinstance(sym, ir.CallOf) and _calls_one_of(tracker, sym.func, _ENV_GET):
        return  # the fallback of an environment lookup is the recommended form
    candidate = (isinstance(sym, ir.Const) and isinstance(sym.value, str)) or isinstance(sym, (ir.BinOp, ir.FString)) \
        or _builds_path(tracker, sym)
    children = _children(sym)
    found_below = False
    for child in children:
        if not (isinstance(child, _MAY_ORIGINATE) and _may_originate(tracker, child)):
            continue  # a reference, or what cannot spell out a path under /opt/ml: most arguments
        for item in _origins(tracker, site, child, knowledge):
            found_below = True
            yield item
    if found_below or not candidate or not _may_start_layout(sym):
        return
    match = next(((sym, possible, m) for possible in tracker.value(site.func_id, sym, site.at)
                  if (m := classify(possible, knowledge)) is not None and m.place.kind in ("input", "output", OUTPUT_PARENT)), None)
    if match is None:
        return
    # A reference below that already names a path is reported where it was written. Asked only
    # here: evaluating every name passed to any call was most of the work.
    if any(_names_layout(tracker, site, reference, knowledge) for reference in _references(tracker, sym)):
        return
    yield match


def _references(tracker, sym: ir.Sym) -> Iterator[ir.Sym]:
    """The names, attributes and calls a concatenation or f-string is built from, however deeply
    nested (`prefix + "/" + channel` is `(prefix + "/") + channel`)."""
    for child in _children(sym):
        if isinstance(child, (ir.BinOp, ir.FString)) or _builds_path(tracker, child):
            yield from _references(tracker, child)
        elif not isinstance(child, ir.Const):
            yield child


def _may_start_layout(sym: ir.Sym) -> bool:
    """False when the text a value starts with is written out and cannot begin a path under
    /opt/ml ("Loading {name}", "model-" + tag): most strings and f-strings are never paths. Nor
    is arithmetic with a number (`step + 1`, `total / 2`), a product or a power."""
    if isinstance(sym, ir.BinOp) and (sym.op in ("*", "**") or any(
            isinstance(side, ir.Const) and not isinstance(side.value, str) for side in (sym.left, sym.right))):
        return False
    leading = _leading_text(sym)
    return True if not leading else leading[0] == "/" and _may_begin_layout(leading)


@lru_cache(maxsize=4096)  # the same few texts start most values ("", "/", a model's name)
def _may_begin_layout(leading: str) -> bool:
    text = re.sub(r"/+", "/", leading)
    if _PROSE.match(text):
        return False  # f"/opt/ml/model/: {files}" is a message about the folder, not a path
    return text == ROOT or text.startswith(ROOT + "/") or (ROOT + "/").startswith(text)


_PROSE = re.compile(r"/opt/ml\S*\s")  # a path followed by a space: the text goes on as words


def _leading_text(sym: ir.Sym) -> str | None:
    """The literal text a value begins with, where it is written out (a concatenation's left
    side, an f-string's first part); None when it is not known. A `/` join can start anew."""
    while True:
        if isinstance(sym, ir.Const):
            return sym.value if isinstance(sym.value, str) else None
        if isinstance(sym, ir.FString) and sym.parts:
            sym = sym.parts[0]
        elif isinstance(sym, ir.BinOp) and sym.op == "+":
            sym = sym.left
        else:
            return None


def _builds_path(tracker, sym) -> bool:
    """A call that assembles a path from its arguments (a call to a project function that returns
    one is a reference: its literal is reported where it is written)."""
    if not isinstance(sym, ir.CallOf):
        return False
    if isinstance(sym.func, ir.Attr) and sym.func.attr in ("joinpath", "format"):
        return True
    return _calls_one_of(tracker, sym.func, _PATH_BUILDERS)


_PATH_BUILDERS = _JOIN | _PATH_TYPES


def _calls_one_of(tracker, func: ir.Sym, qualnames: frozenset[str]) -> bool:
    """Whether `func` is one of these library functions. An attribute of another name never is
    (`model.forward`): nearly every call is asked, and resolving each was most of this rule's time."""
    if isinstance(func, ir.Attr) and func.attr not in _last_names(qualnames):
        return False
    return tracker.qualname(func) in qualnames


@lru_cache(maxsize=8)
def _last_names(qualnames: frozenset[str]) -> frozenset[str]:
    return frozenset(name.rsplit(".", 1)[-1] for name in qualnames)


def _names_layout(tracker, site, sym, knowledge) -> bool:
    return any(classify(p, knowledge) for p in tracker.value(site.func_id, sym, site.at))


def _children(sym: ir.Sym) -> tuple[ir.Sym, ...]:
    if isinstance(sym, ir.BinOp):
        return (sym.left, sym.right)
    if isinstance(sym, ir.FString):
        return sym.parts
    if isinstance(sym, ir.CallOf):
        return (*sym.args, *(v for _, v in sym.kwargs))
    if isinstance(sym, ir.Seq):
        return sym.items
    return ()


@dataclass(frozen=True)
class Write:
    func_id: str
    site: ir.CallSite
    entry: Entry
    values: PathValue


def writes(graph: CallGraph, tracker: PathTracker, knowledge: Knowledge) -> Iterator[Write]:
    if not may_name_opt_ml(graph.project):
        return
    for fn in graph.project.functions.values():
        for event in fn.events:
            if not isinstance(event, ir.CallSite) or not graph.resolver.may_call_library(event.func, knowledge.writes):
                continue  # `model.forward(...)` writes nothing, whatever `model` is
            entries = [e for n in graph.qualnames(fn.id, event) for e in knowledge.writes.find(n)]
            exact = [e for e in entries if not all(p.startswith("*") for p in e.patterns)]
            for entry in exact or entries:
                if not _writing_mode(event, entry):
                    continue
                path = _path_argument(event, entry)
                values = tracker.value(fn.id, path, event.index) if path is not None else ()
                if values:
                    yield Write(fn.id, event, entry, values)
                    break


def _writing_mode(site: ir.CallSite, entry: Entry) -> bool:
    modes = entry.option("modes")
    if not modes:
        return True
    position = entry.option("mode-arg", 1)
    mode = site.args[position] if len(site.args) > position else dict(site.kwargs).get("mode")
    return isinstance(mode, ir.Const) and isinstance(mode.value, str) and any(c in mode.value for c in modes)


def _path_argument(site: ir.CallSite, entry: Entry) -> ir.Sym | None:
    for slot in entry.option("path", []):
        if slot == "receiver" and isinstance(site.func, ir.Attr):
            return site.func.base
        found = argument_in(site, [slot])
        if found is not None:
            return found
    return None
