"""`# sigcheck: ignore[SIG002]` on a line, bare `# sigcheck: ignore`, `# sigcheck: ignore-file`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_COMMENT = re.compile(r"#\s*sigcheck:\s*ignore(?P<file>-file)?(?:\[(?P<codes>[^\]]*)\])?", re.I)


@dataclass
class Suppressions:
    lines: dict[int, frozenset[str] | None] = field(default_factory=dict)  # None: every code
    whole_file: frozenset[str] | None | bool = False  # False: no file-level suppression
    used: set[tuple[int, str]] = field(default_factory=set)

    def suppresses(self, line: int, code: str, bare: bool = True) -> bool:
        """`bare=False` for findings about suppressions: a bare comment must not hide its own report."""
        if (self.whole_file is None and bare) or (self.whole_file and code in self.whole_file):
            return True
        if line not in self.lines:
            return False
        codes = self.lines[line]
        if (codes is None and bare) or (codes is not None and code in codes):
            self.used.add((line, code))
            return True
        return False

    def unused(self) -> list[tuple[int, str | None]]:
        """Suppression comments that silenced nothing in this run: (line, code or None for bare)."""
        result = []
        for line, codes in sorted(self.lines.items()):
            if codes is None:
                if not any(used_line == line for used_line, _ in self.used):
                    result.append((line, None))
            else:
                result.extend((line, code) for code in sorted(codes) if (line, code) not in self.used)
        return result


def parse_suppressions(text: str) -> Suppressions:
    result = Suppressions()
    if "sigcheck:" not in text:
        return result
    for number, line in enumerate(text.splitlines(), start=1):
        if "sigcheck:" not in line:
            continue
        match = _COMMENT.search(line)
        if match is None:
            continue
        codes = frozenset(c.strip().upper() for c in match.group("codes").split(",") if c.strip()) if match.group("codes") else None
        if match.group("file"):
            result.whole_file = None if codes is None else codes
        else:
            result.lines[number] = codes
    return result


@dataclass(frozen=True)
class SuppressionUsage:
    """After the rules ran: every file's suppression comments and which of them silenced something."""

    files: dict  # display path -> (SourceFile, Suppressions)
    codes_run: frozenset[str]  # a comment naming a rule that did not run cannot be judged


def comment_span(line_text: str) -> tuple[int, int] | None:
    """1-based start and end columns of the suppression comment on a line."""
    match = _COMMENT.search(line_text)
    return (match.start() + 1, match.end() + 1) if match else None
