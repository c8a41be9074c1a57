"""What an editor can do with a published diagnostic: apply its fix, silence it on its line, or
read its rule's page."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types

from sigcheck.checking.results import Diagnostic
from sigcheck.container.dockerfile import is_dockerfile
from sigcheck.loading.sources import source_lines
from sigcheck.lsp.convert import Texts
from sigcheck.report.docs import rule_page

# The syntax sigcheck.checking.suppressions reads: `# sigcheck: ignore[CODE, ...]` on the line.
_SUPPRESSION = re.compile(r"#\s*sigcheck:\s*ignore\[(?P<codes>[^\]]*)\]", re.I)
_ANY_SUPPRESSION = re.compile(r"#\s*sigcheck:\s*ignore", re.I)
_CODE = re.compile(r"\b[A-Z]{3}\d{3}\b")
# Docker reads `#` as a comment only at the start of a line; after a shell-form RUN, CMD or
# ENTRYPOINT it reaches the shell, which ignores it. Anywhere else it would change the instruction.
_DOCKER_SHELL_FORM = re.compile(r"^\s*(RUN|CMD|ENTRYPOINT)\s+(?!\[)", re.I)


@dataclass(frozen=True)
class Published:
    """A diagnostic as sent to the client, with what the code actions need from its finding."""

    lsp: types.Diagnostic
    finding: Diagnostic | None  # None: a file that could not be analysed
    fix: types.WorkspaceEdit | None  # placed with the text the analysis read


def fix_action(item: Published) -> types.CodeAction | None:
    if item.finding is None or item.finding.fix is None or item.fix is None:
        return None
    fix = item.finding.fix
    return types.CodeAction(
        title=f"{fix.description} ({item.finding.code})" if fix.safe else f"{fix.description} ({item.finding.code}, unsafe)",
        kind=types.CodeActionKind.QuickFix, diagnostics=[item.lsp], edit=item.fix, is_preferred=fix.safe)


def suppress_action(item: Published, uri: str, path: Path, text: str, texts: Texts) -> types.CodeAction | None:
    """`# sigcheck: ignore[CODE]` at the end of the reported line (or CODE added to the one there),
    offered only where the comment cannot change what the file does."""
    if item.finding is None:
        return None
    code, number = item.finding.code, item.finding.line
    lines = source_lines(text)
    if not 0 < number <= len(lines):
        return None
    line = lines[number - 1]
    existing = _SUPPRESSION.search(line)
    if existing:
        codes = [c.strip() for c in existing.group("codes").split(",") if c.strip()]
        start, end, new_text = existing.start("codes"), existing.end("codes"), ", ".join([*codes, code])
    elif _ANY_SUPPRESSION.search(line) or line.rstrip().endswith("\\"):
        return None  # a bare suppression already covers it; after a continuation it would break the line
    else:
        start = end = len(line)
        new_text = f"  # sigcheck: ignore[{code}]"
    if not _harmless(path, text, lines, number, line[:start] + new_text + line[end:]):
        return None
    edit = types.TextEdit(range=types.Range(start=_position(texts, line, number, start),
                                            end=_position(texts, line, number, end)), new_text=new_text)
    return types.CodeAction(title=f"Suppress {code} on this line", kind=types.CodeActionKind.QuickFix,
                            diagnostics=[item.lsp], edit=types.WorkspaceEdit(changes={uri: [edit]}))


def _position(texts: Texts, line: str, number: int, column: int) -> types.Position:
    return types.Position(line=number - 1, character=texts.units(line[:column]))


def _harmless(path: Path, text: str, lines: list[str], number: int, new_line: str) -> bool:
    if is_dockerfile(path):
        return bool(_DOCKER_SHELL_FORM.match(lines[number - 1]))
    if not _is_python(path, text):
        return True  # a shell script: `#` after a word starts a comment
    changed = "\n".join([*lines[: number - 1], new_line, *lines[number:]])
    try:  # inside a multi-line string the "comment" would become part of the string
        return ast.dump(ast.parse(text)) == ast.dump(ast.parse(changed))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


def _is_python(path: Path, text: str) -> bool:
    return path.suffix in (".py", ".pyi") or (text.startswith("#!") and "python" in text.split("\n", 1)[0])


def hover(items: list[Published], line_text: str, position: types.Position, texts: Texts,
          rules: dict) -> types.Hover | None:
    """The rule's page for a rule code under the cursor (in a suppression comment, say), else for
    the diagnostics whose range holds the cursor."""
    column = _code_points(line_text, position.character, texts)
    for match in _CODE.finditer(line_text):
        if match.start() <= column <= match.end() and match.group() in rules:
            span = types.Range(start=_position(texts, line_text, position.line + 1, match.start()),
                               end=_position(texts, line_text, position.line + 1, match.end()))
            return _pages([match.group()], rules, span)
    under = [item for item in items if _contains(item.lsp.range, position) and item.lsp.code in rules]
    if not under:
        return None
    return _pages(list(dict.fromkeys(str(item.lsp.code) for item in under)), rules, under[0].lsp.range)


def _code_points(line_text: str, units: int, texts: Texts) -> int:
    """The code-point column of a client column (in the negotiated encoding)."""
    if line_text.isascii():
        return min(units, len(line_text))
    for column in range(len(line_text) + 1):
        if texts.units(line_text[:column]) >= units:
            return column
    return len(line_text)


def _pages(codes: list[str], rules: dict, span: types.Range) -> types.Hover:
    value = "\n---\n\n".join(rule_page(rules[code]) for code in codes)
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=value), range=span)


def _contains(span: types.Range, position: types.Position) -> bool:
    start, end = (span.start.line, span.start.character), (span.end.line, span.end.character)
    return start <= (position.line, position.character) <= end
