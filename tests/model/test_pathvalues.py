"""Value tracking for paths: unit cases, and a property test against real os.path and pathlib."""

from __future__ import annotations

import os
import posixpath
import textwrap
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sigcheck.checking.analysis import Analysis
from sigcheck.knowledge import builtin_knowledge
from sigcheck.loading.loader import load_project
from sigcheck.model import ir
from sigcheck.model.optml import classify, under_root_elsewhere
from sigcheck.model.pathvalues import Piece, Possible, PathTracker, value_text


def tracker_for(root: Path, files: dict[str, str]) -> tuple[PathTracker, Analysis]:
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text).lstrip("\n"))
    project = load_project(root, [(root / "train.py", "train.py", "test")])
    assert not project.errors, project.errors
    analysis = Analysis(project, builtin_knowledge(), 120, "sagemaker")
    return analysis.paths, analysis


def written_values(root: Path, files: dict[str, str], func: str = "train:<module>") -> list[set[str]]:
    """The values of the first argument of every `sink(...)` call in `func`."""
    tracker, analysis = tracker_for(root, files)
    fn = analysis.functions[func]
    found = []
    for event in fn.events:
        if isinstance(event, ir.CallSite) and isinstance(event.func, ir.Name) and event.func.name == "sink":
            found.append({value_text(p) for p in tracker.value(fn.id, event.args[0], event.index)})
    return found


def test_flow_sensitive_last_assignment_wins(tmp_path):
    values = written_values(tmp_path, {"train.py": """
        p = "/opt/ml/code/a"
        p = "/opt/ml/model/b"
        sink(p)
        if flag:
            p = "/tmp/c"
        sink(p)
    """})
    assert values == [{"/opt/ml/model/b"}, {"/tmp/c", "/opt/ml/model/b"}]


def test_module_constants_across_imports_and_joins(tmp_path):
    values = written_values(tmp_path, {
        "config.py": 'ROOT = "/opt/ml"\nSUB = ROOT + "/output"\n',
        "train.py": """
            import os
            from pathlib import Path
            from config import ROOT, SUB
            sink(os.path.join(ROOT, "model", "m.pt"))
            sink(Path(ROOT) / "checkpoints" / "last.pt")
            sink(f"{SUB}/data/{'x'}.json")
            sink("%s/tmp/%s" % (ROOT, "y"))
            sink("{}/code/{name}".format(ROOT, name="z"))
            sink(Path(ROOT).joinpath("input", "config").parent)
        """})
    assert values == [{"/opt/ml/model/m.pt"}, {"/opt/ml/checkpoints/last.pt"}, {"/opt/ml/output/data/x.json"},
                      {"/opt/ml/tmp/y"}, {"/opt/ml/code/z"}, {"/opt/ml/input"}]


def test_environment_argparse_and_parameters(tmp_path):
    values = written_values(tmp_path, {"train.py": """
        import argparse, os
        parser = argparse.ArgumentParser()
        parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
        parser.add_argument("--scratch", default="/opt/ml/tmp")
        args = parser.parse_args()

        def save(folder="/opt/ml/output"):
            sink(folder)

        sink(args.model_dir)
        sink(os.path.join(args.scratch, "x"))
        sink(os.environ["SM_CHANNEL_TRAIN"])
        save("/opt/ml/code")
        sink(unknown_call())
    """})
    assert values == [{"$SM_MODEL_DIR"}, {"/opt/ml/tmp/x"}, {"$SM_CHANNEL_TRAIN"}, set()]
    nested = written_values(tmp_path, {"train.py": (tmp_path / "train.py").read_text()}, "train:save")
    assert nested == [{"/opt/ml/code"}]  # the default never runs: the one call passes the folder
    called_bare = (tmp_path / "train.py").read_text() + "save()\n"
    assert written_values(tmp_path, {"train.py": called_bare}, "train:save") == [{"/opt/ml/output", "/opt/ml/code"}]


def test_a_librarys_attribute_is_no_option_of_the_same_name(tmp_path):
    """GNMT's translate.py declares `--executable` (default nmt.py): `sys.executable` elsewhere is
    the interpreter, not that option, which made every `[sys.executable] + argv` launcher run nmt.py."""
    values = written_values(tmp_path, {"train.py": """
        import argparse, sys
        parser = argparse.ArgumentParser()
        parser.add_argument("--executable", default="nmt.py")
        args = parser.parse_args()
        sink(sys.executable)
        sink(args.executable)
    """})
    assert values == [set(), {"nmt.py"}]


def test_instance_attributes_carry_paths(tmp_path):
    values = written_values(tmp_path, {"train.py": """
        class Job:
            def __init__(self):
                self.out = "/opt/ml/tmp"

            def run(self):
                sink(self.out + "/log.txt")

        Job().run()
    """}, "train:Job.run")
    assert values == [{"/opt/ml/tmp/log.txt"}]


def _possible(text: str) -> Possible:
    return Possible((Piece(text),))


def test_classify_layout():
    knowledge = builtin_knowledge()
    match = classify(_possible("/opt/ml/input/data/train/x.csv"), knowledge)
    assert (match.path, match.env, match.tail) == ("/opt/ml/input/data/train", "SM_CHANNEL_TRAIN", "x.csv")
    assert classify(_possible("/opt/ml/models"), knowledge) is None
    assert classify(Possible((Piece("/opt/ml/model"), Piece(env="X"))), knowledge) is None  # /opt/ml/model… undecided
    assert classify(_possible("/opt/ml/checkpoints"), knowledge).env == ""
    assert under_root_elsewhere(_possible("/opt/ml/code/a"), knowledge) == "code"
    assert under_root_elsewhere(_possible("/opt/ml"), knowledge) == "root"
    assert under_root_elsewhere(_possible("/opt/ml/model/a"), knowledge) is None
    assert under_root_elsewhere(Possible((Piece("/opt/ml/"), Piece(env="X"))), knowledge) is None


# -- the property: the tracker's verdict equals that of evaluating the expression for real --------

PIECES = st.sampled_from(["/opt/ml", "/opt/ml/", "model", "output", "data", "code", "checkpoints", "input",
                          "config", "train", "tmp", "/tmp", "best.pt", "a/b", "x/", "", "/opt", "ml"])
OPERATIONS = {
    "join": "os.path.join({a}, {b})",
    "path": "str(Path({a}) / {b})",
    "joinpath": "str(Path({a}).joinpath({b}))",
    "plus": "{a} + {b}",
    "fstring": 'f"{{{a}}}/{{{b}}}"',
    "format": '"{{}}/{{}}".format({a}, {b})',
}
trees = st.recursive(PIECES, lambda sub: st.tuples(st.sampled_from(sorted(OPERATIONS)), sub, sub), max_leaves=6)


def program(tree) -> list[str]:
    """Assignments that build the tree's value step by step (v0, v1, ...); the last one is the result."""
    lines: list[str] = []

    def emit(node) -> str:
        if isinstance(node, str):
            expression = repr(node)
        else:
            operation, left, right = node
            expression = OPERATIONS[operation].format(a=emit(left), b=emit(right))
        lines.append(f"v{len(lines)} = {expression}")
        return f"v{len(lines) - 1}"

    emit(tree)
    return lines


def _verdict(possible: Possible, knowledge):
    match = classify(possible, knowledge)
    return (match and (match.path, match.env, match.place.kind), under_root_elsewhere(possible, knowledge))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=trees)
def test_tracker_agrees_with_real_path_operations(tmp_path_factory, tree):
    lines = program(tree)
    root = tmp_path_factory.mktemp("prop")
    result = f"v{len(lines) - 1}"
    (root / "train.py").write_text("import os\nfrom pathlib import Path\n" + "\n".join(lines) + f"\nsink({result})\n")
    namespace = {"os": os, "Path": PurePosixPath, "str": str}
    exec("\n".join(lines), namespace)  # our own generated program, never the analysed user code
    real = namespace[result]
    tracker, analysis = tracker_for(root, {})
    fn = analysis.functions["train:<module>"]
    site = next(e for e in fn.events if isinstance(e, ir.CallSite) and isinstance(e.func, ir.Name) and e.func.name == "sink")
    (tracked,) = tracker.value(fn.id, site.args[0], site.index)
    assert posixpath.normpath(tracked.literal) == posixpath.normpath(real)
    assert _verdict(tracked, analysis.knowledge) == _verdict(_possible(real), analysis.knowledge)


@pytest.mark.parametrize("expression", ['str(Path("/opt/ml/") / "model")', 'os.path.join("a", "/opt/ml/output")'])
def test_absolute_right_side_and_trailing_slash(tmp_path, expression):
    values = written_values(tmp_path, {"train.py": f"import os\nfrom pathlib import Path\nsink({expression})\n"})
    real = eval(expression, {"os": os, "Path": PurePosixPath, "str": str})
    assert {posixpath.normpath(v) for v in values[0]} == {posixpath.normpath(real)}


def test_unknown_parts_keep_the_known_prefix(tmp_path):
    values = written_values(tmp_path, {"train.py": """
        import os
        ROOT = "/opt/ml"
        sink(f"{ROOT}/tmp/{run_id}.json")
        sink("%s/run_%s.json" % (ROOT, run_id))
        sink(os.path.join(ROOT, name))
        sink(f"{unknown}")
    """})
    assert values == [{"/opt/ml/tmp/….json"}, {"/opt/ml/run_….json"}, {"/opt/ml/…"}, set()]
    knowledge = builtin_knowledge()
    assert under_root_elsewhere(Possible((Piece("/opt/ml/run_"), Piece())), knowledge) == "root"
    assert under_root_elsewhere(Possible((Piece("/opt/ml/mod"), Piece())), knowledge) is None


def test_text_joined_from_a_list_written_and_appended_to(tmp_path):
    """`"".join(parts)` of a list written in place or filled with append before the join (a
    command line built piece by piece); what an extend adds, or a list bound twice, is unknown."""
    values = written_values(tmp_path, {"train.py": """
        parts = ["python3 /yolov5/train.py", "--project /opt/ml/model"]
        parts.append("--epochs " + str(epochs))
        sink(" ".join(parts))
        parts.append("--late")
        sink("/".join(["/opt/ml", "model"]))
        empty = list()
        empty.append("--cache")
        sink("".join(empty))
        more = ["a"]
        more.extend(extra)
        sink("-".join(more))
        twice = ["x"]
        twice = ["y"]
        sink("".join(twice))
    """})
    assert values == [{"python3 /yolov5/train.py --project /opt/ml/model --epochs …"}, {"/opt/ml/model"},
                      {"--cache"}, {"a-…"}, set()]


def test_text_joined_from_the_list_a_parameter_is_handed(tmp_path):
    """`" ".join(cmd)` in a helper: the list its one caller passes, read in the caller's scope."""
    values = written_values(tmp_path, {"train.py": """
        def run(cmd):
            sink(" ".join(cmd))

        script = "train.py"
        run(["python", script, "--epochs", "3"])
    """}, func="train:run")
    assert values == [{"python train.py --epochs 3"}]


def test_value_sites_are_the_values_that_may_spell_out_a_layout_path(tmp_path):
    """OPT001 walks only the values that can spell out a path under /opt/ml: a literal or a
    concatenation that can begin one, a join, or a call handed one. Numbers, names, messages
    and environment lookups are not walked."""
    from sigcheck.model.optml import value_sites

    tracker, analysis = tracker_for(tmp_path, {"train.py": """
        import os
        from pathlib import Path
        base = "/opt/ml"
        log("loss", step + 1, model.forward(x), f"epoch {n}", "model-" + tag, scale)
        sink(os.path.join(base, "model"))
        sink(Path(base) / "input")
        sink(base + "/output/data")
        sink(f"{base}/checkpoints")
        sink(os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
        sink(wrap(["/opt/ml/model"]))
    """})
    sites = [site.sym for site in value_sites(analysis.graph, tracker) if site.func_id == "train:<module>"]
    kinds = [type(sym).__name__ for sym in sites]
    assert kinds == ["Const", "CallOf", "BinOp", "BinOp", "FString", "Seq", "CallOf"], sites  # wrap([...]) is a call too
    assert sites[0].value == "/opt/ml" and sites[-1].func.name == "wrap"


@pytest.mark.parametrize("literals, may", [
    ('NAMES = [("opt", "OPTModel")]\nURL = "https://github.com/huggingface/optimum/blob/main"\n', False),
    ('ROOT = "/opt/ml/model"\n', True),
    ('BASE = os.path.join("/opt", "ml")\n', True),
    ('OUT = f"/opt/{kind}/ml-runs"\n', False),  # "ml-runs" is no "ml" part
    ('OUT = os.environ["SM_OUTPUT_DIR"]\n', True),
])
def test_only_literals_that_can_spell_a_sagemaker_path_turn_the_path_tracking_on(tmp_path, literals, may):
    """transformers names an "opt" model and links optimum's files: no literal there holds "ml" as
    a path's part, and no path under /opt/ml can be spelled out from them."""
    from sigcheck.model.optml import may_name_opt_ml

    _, analysis = tracker_for(tmp_path, {"train.py": "import os\n" + literals})
    assert may_name_opt_ml(analysis.project) is may


@pytest.mark.parametrize("text, marks", [
    ("/opt/ml/model", {"opt", "ml"}), ("opt", {"opt"}), ("https://github.com/huggingface/optimum", set()),
    ("SM_CHANNEL_TRAIN", {"SM_"}), ("html", set()), ("libcuda.so.535.104.05", {"driver"}),
    ("/usr/lib/nvidia-535", {"driver"}), ("modprobe", {"driver"}), ("model.pt", set()), ("nvidia/mit-b0", set()),
])
def test_literal_marks_say_what_a_string_may_be_a_piece_of(text, marks):
    from sigcheck.model.literal_marks import literal_marks

    assert literal_marks(text) == marks
