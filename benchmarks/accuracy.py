"""Precision, recall and F1 of sigcheck on its corpus, per rule and overall.

Every corpus project's expected.json lists the findings sigcheck must report (code, path, line);
this script runs the analysis on each project the way tests/test_corpus.py does and counts true
positives, false alarms and misses, then lists every miss and false alarm.

    python benchmarks/accuracy.py            # all projects
    python benchmarks/accuracy.py --only pt-  # projects whose name starts with a prefix
"""

from __future__ import annotations

import argparse
import json
import os
from collections import Counter
from pathlib import Path

from sigcheck.checking.engine import analyse
from sigcheck.config.settings import Settings

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def run(project: Path) -> tuple[set, set]:
    spec = json.loads((project / "expected.json").read_text(encoding="utf-8"))
    settings = Settings(select=tuple(spec["select"]) if "select" in spec else None,
                        platform=spec.get("platform", "sagemaker"))
    here = os.getcwd()
    os.chdir(project)
    try:
        report = analyse([Path(a) for a in spec["args"]], settings)
    finally:
        os.chdir(here)
    expected = {(f["code"], f["path"], f["line"]) for f in spec["findings"]}
    actual = {(d.code, Path(d.path).as_posix(), d.line) for d in report.diagnostics}
    return expected, actual


def scores(tp: int, fp: int, fn: int) -> tuple[str, str, str]:
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = 2 * precision * recall / (precision + recall) if precision and recall else None
    return tuple("–" if v is None else f"{v:.3f}" for v in (precision, recall, f1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="only projects whose folder name starts with this")
    options = parser.parse_args()
    projects = sorted(p.parent for p in CORPUS.glob(f"{options.only}*/expected.json"))
    tp, fp, fn = Counter(), Counter(), Counter()
    misses, alarms = [], []
    for project in projects:
        expected, actual = run(project)
        for finding in expected & actual:
            tp[finding[0]] += 1
        for finding in sorted(actual - expected):
            fp[finding[0]] += 1
            alarms.append((project.name, finding))
        for finding in sorted(expected - actual):
            fn[finding[0]] += 1
            misses.append((project.name, finding))
    correct = sum(1 for p in projects if not json.loads((p / "expected.json").read_text())["findings"])
    print(f"{len(projects)} projects ({correct} correct, {len(projects) - correct} with findings)\n")
    print(f"{'rule':8} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'recall':>8} {'F1':>7}")
    for code in sorted(set(tp) | set(fp) | set(fn)):
        print(f"{code:8} {tp[code]:4} {fp[code]:4} {fn[code]:4} " + " ".join(f"{s:>{w}}" for s, w in zip(scores(tp[code], fp[code], fn[code]), (10, 8, 7))))
    total = (sum(tp.values()), sum(fp.values()), sum(fn.values()))
    print(f"{'overall':8} {total[0]:4} {total[1]:4} {total[2]:4} " + " ".join(f"{s:>{w}}" for s, w in zip(scores(*total), (10, 8, 7))))
    for title, rows in (("misses", misses), ("false alarms", alarms)):
        print(f"\n{title}: {len(rows)}")
        for name, (code, path, line) in rows:
            print(f"  {name}: {code} {path}:{line}")


if __name__ == "__main__":
    main()
