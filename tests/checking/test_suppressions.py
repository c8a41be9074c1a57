"""`# sigcheck: ignore[...]` comments silence exactly what they name, where they stand."""

from __future__ import annotations

from sigcheck.checking.suppressions import parse_suppressions

BAD = """import signal, sys

def on_sigterm(signum, frame):
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm){comment}
for epoch in range(10):
    loss.backward()
    optimizer.step()
"""


def codes(report):
    return [d.code for d in report.diagnostics]


def test_line_suppression_with_code(run_sigcheck):
    report = run_sigcheck({"train.py": BAD.format(comment="  # sigcheck: ignore[SIG002]")})
    assert codes(report) == [] and report.suppressed == 1


def test_line_suppression_of_another_code_does_not_apply(run_sigcheck):
    report = run_sigcheck({"train.py": BAD.format(comment="  # sigcheck: ignore[SIG001]")})
    assert codes(report) == ["SIG002"]


def test_bare_suppression(run_sigcheck):
    assert codes(run_sigcheck({"train.py": BAD.format(comment="  # sigcheck: ignore")})) == []


def test_file_suppression(run_sigcheck):
    text = "# sigcheck: ignore-file\n" + BAD.format(comment="")
    assert codes(run_sigcheck({"train.py": text})) == []


def test_parse_and_unused():
    parsed = parse_suppressions("x = 1  # sigcheck: ignore[SIG002, sig003]\ny = 2  # sigcheck: ignore\n")
    assert parsed.lines == {1: frozenset({"SIG002", "SIG003"}), 2: None}
    assert parsed.suppresses(1, "SIG003")
    assert parsed.unused() == [(1, "SIG002"), (2, None)]


def test_unused_suppressions_are_reported_and_fixed(run_sigcheck, tmp_path):
    from sigcheck.checking.fixes import plan_fixes, write_fixes

    text = BAD.format(comment="  # sigcheck: ignore[SIG002, SIG003]") + "x = 1  # sigcheck: ignore\n"
    report = run_sigcheck({"train.py": text}, extend_select=("SCK001",))
    found = sorted((d.code, d.line, d.message) for d in report.diagnostics)
    assert found == [("SCK001", 6, "Unused suppression `# sigcheck: ignore[SIG003]`: nothing was reported here"),
                     ("SCK001", 10, "Unused suppression `# sigcheck: ignore`: nothing was reported here")]
    write_fixes(plan_fixes(report, unsafe=False))
    lines = (tmp_path / "train.py").read_text().splitlines()
    assert lines[5].endswith("on_sigterm)  # sigcheck: ignore[SIG002]") and lines[9] == "x = 1"
