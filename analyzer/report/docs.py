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

    for written in write_rule_pages(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules"), ALL_RULES):
        print(written)
