"""Rule pages and the rules table, rendered from each rule's docstring and tested examples."""

from __future__ import annotations

import textwrap

from sigcheck.checking.rule import Rule


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
    return f"\n## {title}\n{why}```python\n{code}\n```\n"


def rules_table(rules: list[type[Rule]]) -> str:
    rows = [("CODE", "NAME", "SEVERITY", "DEFAULT", "SUMMARY")]
    rows += [(r.code, r.name, r.severity, "on" if r.default_enabled else "off", r.summary()) for r in rules]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join("  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row)) for row in rows)
