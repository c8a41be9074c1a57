"""Call graph accuracy against PyCG's micro-benchmark: sigcheck and PyCG side by side.

PyCG (Salis et al., ICSE 2021) publishes a suite of small programs, each with the call graph it
should produce (`micro-benchmark/snippets/<category>/<name>/{main.py,callgraph.json}` in its
sdist). This script downloads that sdist at benchmark time (it is never committed), installs PyCG
from it into a throw-away virtual environment, runs `python -m pycg --package . main.py` and
`sigcheck graph --format pycg --root . main.py` in every snippet's folder, and prints edge
precision and recall for both tools per category and overall. Edges to builtins (`<builtin>.len`,
`<**PyStr**>.join`) are counted apart: sigcheck's rules never need them.

    python benchmarks/callgraph.py            # needs network access to the package index
    python benchmarks/callgraph.py --details  # also every missed and every false edge
    python benchmarks/callgraph.py --work DIR # keep the download and the venv in DIR, reuse them

Run it with the Python that has sigcheck installed (`python -m sigcheck` is what it runs).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import venv
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

PYCG_VERSION = "0.0.8"
SNIPPETS = "micro-benchmark/snippets/"
# The categories whose resolution a SIGTERM handler's path depends on (the goal: no edge there
# that PyCG finds and sigcheck misses).
HANDLER_CATEGORIES = ("functions", "assignments", "classes", "imports", "decorators", "lambdas", "args",
                      "kwargs", "returns", "mro")
TIMEOUT = 120  # seconds per tool and snippet

Edge = tuple[str, str]


@dataclass
class Score:
    true: int = 0
    false: int = 0  # produced, not expected
    missed: int = 0  # expected, not produced

    def add(self, produced: set[Edge], expected: set[Edge]) -> None:
        self.true += len(produced & expected)
        self.false += len(produced - expected)
        self.missed += len(expected - produced)

    @property
    def precision(self) -> float | None:  # None: no edge produced
        return self.true / (self.true + self.false) if self.true + self.false else None

    @property
    def recall(self) -> float | None:  # None: no edge expected
        return self.true / (self.true + self.missed) if self.true + self.missed else None


@dataclass
class Snippet:
    category: str
    name: str
    folder: Path
    expected: set[Edge] = field(default_factory=set)
    produced: dict[str, set[Edge]] = field(default_factory=dict)  # tool -> edges
    failures: dict[str, str] = field(default_factory=dict)  # tool -> why it produced nothing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, help="keep the download and PyCG's venv here (reused when present)")
    parser.add_argument("--details", action="store_true", help="list every missed and false edge")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 4)
    args = parser.parse_args()

    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
        return run(args.work.resolve(), args)
    with tempfile.TemporaryDirectory(prefix="sigcheck-callgraph-") as work:
        return run(Path(work), args)


def run(work: Path, args) -> int:
    sdist = download_sdist(work)
    snippets = extract_snippets(sdist, work / "snippets")
    pycg_python = install_pycg(sdist, work / "pycg-venv")
    tools = {
        "sigcheck": [sys.executable, "-m", "sigcheck", "graph", "--format", "pycg", "--root", ".", "main.py"],
        "pycg": [str(pycg_python), "-m", "pycg", "--package", ".", "main.py"],
    }
    with ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
        for snippet in snippets:
            for tool, command in tools.items():
                pool.submit(run_tool, snippet, tool, command)
    print(report(snippets, list(tools), args.details))
    return 0


# -- getting the suite and PyCG -----------------------------------------------------------------

def download_sdist(work: Path) -> Path:
    found = sorted(work.glob(f"pycg-{PYCG_VERSION}.tar.gz"))
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps",
                        f"pycg=={PYCG_VERSION}", "-d", str(work)], check=True, stdout=subprocess.DEVNULL)
        found = sorted(work.glob(f"pycg-{PYCG_VERSION}.tar.gz"))
    return found[0]


def extract_snippets(sdist: Path, target: Path) -> list[Snippet]:
    """Only the snippets leave the archive (the sdist's own pyproject.toml would otherwise be
    taken for the project root above them)."""
    if not target.exists():
        with tarfile.open(sdist) as archive:
            for member in archive.getmembers():
                _, _, inside = member.name.partition("/")
                if not inside.startswith(SNIPPETS) or not (member.isfile() or member.isdir()):
                    continue
                relative = Path(inside[len(SNIPPETS):])
                if relative.is_absolute() or ".." in relative.parts:
                    continue
                if member.isdir():
                    (target / relative).mkdir(parents=True, exist_ok=True)
                else:
                    (target / relative).parent.mkdir(parents=True, exist_ok=True)
                    (target / relative).write_bytes(archive.extractfile(member).read())
    snippets = []
    for expected in sorted(target.glob("*/*/callgraph.json")):
        folder = expected.parent
        snippet = Snippet(folder.parent.name, folder.name, folder)
        snippet.expected = edges_of(json.loads(expected.read_text()))
        snippets.append(snippet)
    return snippets


def install_pycg(sdist: Path, env: Path) -> Path:
    """PyCG's wheel is broken (it ships `PyCG/` but imports `pycg`): install from the sdist."""
    python = env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not python.exists():
        venv.create(env, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-binary", "pycg", str(sdist)],
                       check=True, stdout=subprocess.DEVNULL)
    return python


def run_tool(snippet: Snippet, tool: str, command: list[str]) -> None:
    try:
        done = subprocess.run(command, cwd=snippet.folder, capture_output=True, text=True, timeout=TIMEOUT)
        snippet.produced[tool] = edges_of(json.loads(done.stdout))
    except (subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
        snippet.produced[tool] = set()
        snippet.failures[tool] = type(exc).__name__


def edges_of(graph: dict[str, list[str]]) -> set[Edge]:
    return {(caller, callee) for caller, callees in graph.items() for callee in callees}


def is_builtin(edge: Edge) -> bool:
    return edge[1].startswith(("<builtin>.", "<**"))


# -- the report -----------------------------------------------------------------------------------

def report(snippets: list[Snippet], tools: list[str], details: bool) -> str:
    categories = sorted({s.category for s in snippets})
    lines = []
    for title, keep in (("Edges between functions (builtins left out)", lambda e: not is_builtin(e)),
                        ("Edges to builtins", is_builtin)):
        lines += [title, "", _header(tools)]
        overall = {tool: Score() for tool in tools}
        for category in categories:
            scores = {tool: Score() for tool in tools}
            count = 0
            for snippet in (s for s in snippets if s.category == category):
                expected = {e for e in snippet.expected if keep(e)}
                count += len(expected)
                for tool in tools:
                    produced = {e for e in snippet.produced.get(tool, ()) if keep(e)}
                    scores[tool].add(produced, expected)
                    overall[tool].add(produced, expected)
            lines.append(_row(category, count, scores, tools))
        lines += [_row("overall", sum(s.true + s.missed for s in [overall[tools[0]]]), overall, tools), ""]
    lines += _pycg_only(snippets, tools)
    failures = [f"{s.category}/{s.name}: {tool} failed ({why})" for s in snippets for tool, why in s.failures.items()]
    lines += failures
    if details:
        lines += ["", "Details (non-builtin edges): - missed, + false"]
        for snippet in snippets:
            for tool in tools:
                produced = {e for e in snippet.produced.get(tool, ()) if not is_builtin(e)}
                expected = {e for e in snippet.expected if not is_builtin(e)}
                for sign, found in (("-", expected - produced), ("+", produced - expected)):
                    for caller, callee in sorted(found):
                        lines.append(f"  {tool:9} {snippet.category}/{snippet.name}: {sign} {caller} -> {callee}")
    return "\n".join(lines)


def _pycg_only(snippets: list[Snippet], tools: list[str]) -> list[str]:
    """Expected edges PyCG finds and sigcheck misses, in the categories handlers depend on."""
    if tools[:2] != ["sigcheck", "pycg"]:
        return []
    lines = []
    for snippet in snippets:
        if snippet.category not in HANDLER_CATEGORIES:
            continue
        found = (snippet.produced.get("pycg", set()) & snippet.expected) - snippet.produced.get("sigcheck", set())
        lines += [f"  {snippet.category}/{snippet.name}: {c} -> {d}" for c, d in sorted(found) if not is_builtin((c, d))]
    title = "Expected edges PyCG finds and sigcheck misses (handler categories, builtins left out):"
    return [title, *(lines or ["  none"]), ""]


def _header(tools: list[str]) -> str:
    columns = "".join(f" | {tool + ' P':>11} {tool + ' R':>11}" for tool in tools)
    return f"{'category':14} {'edges':>5}{columns}"


def _row(name: str, count: int, scores: dict[str, Score], tools: list[str]) -> str:
    columns = "".join(f" | {_ratio(scores[t].precision)} {_ratio(scores[t].recall)}" for t in tools)
    return f"{name:14} {count:5}{columns}"


def _ratio(value: float | None) -> str:
    return f"{value:11.3f}" if value is not None else f"{'-':>11}"


if __name__ == "__main__":
    sys.exit(main())
