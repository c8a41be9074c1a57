"""`sigcheck graph`: the call graph as dot, json and PyCG's format."""

from __future__ import annotations

import json

from click.testing import CliRunner

from sigcheck.cli import main
from sigcheck.report.graph import GraphView, pycg_library_name, render_dot, render_json, render_pycg

TRAIN = """
import signal
import sys
import threading

import helpers

class Trainer:
    def fit(self):
        def step():
            pass
        step()
        helpers.save()

    square = lambda self, x: x * x

def on_term(signum, frame):
    helpers.save()
    sys.exit(0)

def start():
    pass

def start():
    pass

first = lambda: start()
second = lambda: (lambda: None)()
signal.signal(signal.SIGTERM, on_term)
threading.Thread(target=start).start()
print(len([]))
Trainer().fit()
"""

HELPERS = """
def save():
    pass
"""


def test_pycg_names_and_edges(analysis):
    view = GraphView(analysis({"train.py": TRAIN, "helpers.py": HELPERS}, every_function=True))
    graph = json.loads(render_pycg(view))
    assert graph["train.Trainer.fit"] == ["helpers.save", "train.Trainer.fit.step"]  # no <locals>
    assert graph["train.on_term"] == ["helpers.save", "sys.exit"]
    assert "train.<lambda1>" in graph and "train.<lambda2>" in graph  # numbered per scope, in source order
    assert graph["train.<lambda1>"] == ["train.start"]  # both definitions of start, under one name
    assert graph["train.<lambda2>"] == ["train.<lambda2>.<lambda1>"]
    assert "train.Trainer.<lambda1>" in graph
    main = graph["train"]
    assert {"<builtin>.print", "<builtin>.len", "signal.signal", "threading.Thread", "train.Trainer.fit"} <= set(main)
    assert "train.on_term" not in main and "train.start" not in main  # registered or started, not called
    assert "helpers" not in main  # PyCG draws no edge for an import


def test_library_names_as_pycg_spells_them():
    assert pycg_library_name("builtins.len") == "<builtin>.len"
    assert pycg_library_name("builtins.str.join") == "<**PyStr**>.join"
    assert pycg_library_name("torch.save") == "torch.save"


def test_json_lists_nodes_and_edges_with_kinds_and_places(analysis):
    view = GraphView(analysis({"train.py": TRAIN, "helpers.py": HELPERS}, every_function=True))
    graph = json.loads(render_json(view))
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert nodes["train:on_term"]["handler"] and nodes["train:on_term"]["line"] == 16
    assert nodes["train:on_term"]["name"] == "train.on_term" and nodes["train:on_term"]["kind"] == "function"
    kinds = {(e["caller"], e["callee"], e["kind"]) for e in graph["edges"]}
    assert ("train:<module>", "train:on_term", "handler") in kinds
    assert ("train:<module>", "train:start", "thread") in kinds
    assert ("train:<module>", "helpers:<module>", "import") in kinds
    assert ("train:on_term", "sys.exit", "call") in kinds
    [handler_edge] = [e for e in graph["edges"] if e["kind"] == "handler"]
    assert (handler_edge["path"], handler_edge["line"], handler_edge["library"]) == ("train.py", 28, False)


def test_dot_styles_handler_and_thread_edges_apart(analysis):
    view = GraphView(analysis({"train.py": TRAIN, "helpers.py": HELPERS}, every_function=True))
    dot = render_dot(view)
    assert dot.startswith("digraph sigcheck {") and dot.rstrip().endswith("}")
    assert '"train:<module>" -> "train:on_term" [color="red3", penwidth=2, label="handler"' in dot
    assert '"train:<module>" -> "train:start" [color="blue3", style="dashed", label="thread"' in dot
    assert '"train:on_term" [label="on_term", style="filled", fillcolor="red3"' in dot
    assert '"helpers:save" [label="save", style="filled", fillcolor="mistyrose"]' in dot  # the handler reaches it


def test_handlers_only_keeps_what_the_handlers_reach(analysis):
    view = GraphView(analysis({"train.py": TRAIN, "helpers.py": HELPERS}, every_function=True), handlers_only=True)
    assert view.nodes == ["helpers:save", "train:on_term"]
    assert [(c, d, k) for c, d, k, _ in view.edges()] == [("train:on_term", "helpers:save", "call")]


def test_graph_command_end_to_end(tmp_path, monkeypatch):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "train.py").write_text(TRAIN)
    (tmp_path / "pkg" / "helpers.py").write_text(HELPERS)
    (tmp_path / "pyproject.toml").touch()
    monkeypatch.chdir(tmp_path)
    found = CliRunner().invoke(main, ["graph", "pkg/train.py", "--format", "pycg"])
    assert found.exit_code == 0, found.output
    assert "pkg.train.on_term" in json.loads(found.output)  # module names from the project root
    rooted = CliRunner().invoke(main, ["graph", "pkg/train.py", "--format", "pycg", "--root", "pkg"])
    assert json.loads(rooted.output)["train.on_term"] == ["helpers.save", "sys.exit"]
    dot = CliRunner().invoke(main, ["graph", "pkg/train.py"])
    assert dot.exit_code == 0 and dot.output.startswith("digraph")
    missing = CliRunner().invoke(main, ["graph", "nowhere.py", "--format", "json"])
    assert missing.exit_code == 2 and "nowhere.py: E902" in missing.output
