"""Rule pages and the rules table, rendered from each rule's docstring and tested examples."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from sigcheck.checking.rule import Rule

# Where rule pages are published: docs/rules/<CODE>.md in the repository, each the output of
# `sigcheck rule CODE` (write them with `python -m sigcheck.report.docs docs/rules`; a test keeps
# them in step). The one place a link to a rule's page is made: LSP codeDescription uses it.
DOCS_BASE_URL = "https://github.com/OWNER/sigcheck/blob/main/docs/rules/"


# Not a rule: what a file that could not be analysed is reported as (`--quiet`, GitLab, SARIF and
# the editor name it so, as ruff names an unreadable file). `sigcheck rule E902` prints this page.
FILE_ERROR_CODE = "E902"
FILE_ERROR_PAGE = """# file-not-analysed (E902)

Always reported; it cannot be turned off.

## What it is
A file sigcheck was asked to analyse, or that an analysed file leads to (an import, a script a
Dockerfile runs), that it could not read or parse: a syntax error (Python 2's `print "x"`
included), text that is not valid in its encoding, a file too large or nested too deeply, an
unreadable path or a FIFO, a Dockerfile that is no Dockerfile. It is reported with the place
and the reason; the other files are analysed as usual. A folder with no entry point and a file
named on the command line that only defines functions (run as a script, it runs none of them:
a module that a console script or another script runs) are reported so too: nothing in them was
checked.

## Why does it matter?
A file sigcheck could not read is a file it checked nothing in: a training script with a syntax
error the interpreter of the job accepts (a newer Python's syntax) is not known to be safe. The
exit status says so: 2 (with `--exit-zero`, 0 as long as some file was analysed).

## What to do
Fix the file if the job runs it; leave it out with `exclude` (or `--exclude`) in the
configuration if nothing runs it (an old Python 2 helper, a vendored file). For a file that
only defines functions, name the script or console script that runs them, or the folder.
"""


def rule_url(code: str) -> str:
    return f"{DOCS_BASE_URL}{code}.md"


def write_rule_pages(folder: Path, rules: list[type[Rule]]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for rule in rules:
        page = folder / f"{rule.code}.md"
        page.write_text(rule_page(rule), encoding="utf-8")
        written.append(page)
    return written


def rule_page(rule: type[Rule]) -> str:
    state = "on" if rule.default_enabled else "off"
    header = f"# {rule.name} ({rule.code})\n\nDefault severity: {rule.severity}; enabled by default: {state}.\n"
    parts = [header, rule.page()]
    if rule.invalid:
        parts.append(_example("Reported (tested example)", rule.invalid[0]))
    if rule.valid:
        parts.append(_example("Not reported (tested example)", rule.valid[0]))
    return "\n".join(parts).rstrip() + "\n"


def _example(title: str, example) -> str:
    code = textwrap.dedent(example.code).strip("\n")
    why = f"{example.why}.\n\n" if example.why else ""
    return f"\n## {title}\n{why}```{_language(example.name)}\n{code}\n```\n"


def _language(file_name: str) -> str:
    """The fence's language, so a Markdown viewer (an editor's hover, too) highlights the example."""
    if file_name.endswith(".py"):
        return "python"
    if file_name in ("Dockerfile", "Containerfile") or "Dockerfile" in file_name:
        return "dockerfile"
    return "sh"


def rules_table(rules: list[type[Rule]]) -> str:
    rows = [("CODE", "NAME", "SEVERITY", "DEFAULT", "SUMMARY")]
    rows += [(r.code, r.name, r.severity, "on" if r.default_enabled else "off", r.summary()) for r in rules]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join("  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row)) for row in rows)


if __name__ == "__main__":
    from sigcheck.rules import ALL_RULES

    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules")
    for written in write_rule_pages(folder, ALL_RULES):
        print(written)
    (folder / f"{FILE_ERROR_CODE}.md").write_text(FILE_ERROR_PAGE, encoding="utf-8")
    print(folder / f"{FILE_ERROR_CODE}.md")
