"""Code actions and hover over published diagnostics: where a suppression comment is safe to add."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from sigcheck.checking.results import Diagnostic
from sigcheck.lsp.actions import Published, hover, suppress_action
from sigcheck.lsp.convert import Texts, diagnostic
from sigcheck.rules import RULES_BY_CODE


def _published(path: Path, text: str, line: int, code: str = "OPT001") -> Published:
    finding = Diagnostic(code=code, name="x", severity="warning", path=str(path), line=line, column=1,
                         end_line=line, end_column=2, message="m")
    return Published(diagnostic(finding, Texts({path: text})), finding, None)


def _suppressed(path: Path, text: str, line: int, code: str = "OPT001") -> str | None:
    action = suppress_action(_published(path, text, line, code), path.as_uri(), path, text, Texts({path: text}))
    if action is None:
        return None
    [edit] = action.edit.changes[path.as_uri()]
    lines = text.split("\n")
    target = lines[edit.range.start.line]
    lines[edit.range.start.line] = target[: edit.range.start.character] + edit.new_text + target[edit.range.end.character:]
    return "\n".join(lines)


@pytest.mark.parametrize("text, line, expected", [
    ('save("/opt/ml/model")\n', 1, 'save("/opt/ml/model")  # sigcheck: ignore[OPT001]\n'),
    ('save("/opt/ml/model")  # keep\n', 1, 'save("/opt/ml/model")  # keep  # sigcheck: ignore[OPT001]\n'),
    ('save("/x")  # sigcheck: ignore[SIG007]\n', 1, 'save("/x")  # sigcheck: ignore[SIG007, OPT001]\n'),
], ids=["plain", "after-a-comment", "added-to-existing"])
def test_suppression_in_python(tmp_path: Path, text, line, expected):
    assert _suppressed(tmp_path / "train.py", text, line) == expected


@pytest.mark.parametrize("text, line", [
    ('x = """start\n/opt/ml/model"""\n', 1),  # the comment would land inside the string
    ('x = 1 + \\\n    2\n', 1),  # after a line continuation it would break the line
    ('x = 1  # sigcheck: ignore\n', 1),  # a bare suppression already covers every code
    ('x = 1\n', 9),  # the document is shorter than the finding's line: stale
], ids=["inside-a-string", "continuation", "bare-suppression", "stale"])
def test_no_suppression_where_it_would_change_the_code(tmp_path: Path, text, line):
    assert _suppressed(tmp_path / "train.py", text, line) is None


def test_suppression_in_dockerfiles_only_after_shell_form_commands(tmp_path: Path):
    dockerfile = tmp_path / "Dockerfile"
    shell_form = "FROM python\nENTRYPOINT python train.py\n"
    assert _suppressed(dockerfile, shell_form, 2, "DKR001").split("\n")[1] == \
        "ENTRYPOINT python train.py  # sigcheck: ignore[DKR001]"
    # In exec form Docker would no longer read the JSON; after STOPSIGNAL the comment is an argument.
    assert _suppressed(dockerfile, 'FROM python\nENTRYPOINT ["python", "train.py"]\n', 2, "DKR002") is None
    assert _suppressed(dockerfile, "FROM python\nSTOPSIGNAL SIGINT\n", 2, "DKR006") is None


def test_suppression_in_a_shell_script(tmp_path: Path):
    assert _suppressed(tmp_path / "entrypoint.sh", "#!/bin/sh\npython train.py\n", 2, "DKR004") == \
        "#!/bin/sh\npython train.py  # sigcheck: ignore[DKR004]\n"


def test_hover_on_a_code_in_a_suppression_comment_and_on_a_diagnostic(tmp_path: Path):
    path = tmp_path / "train.py"
    line = 'save("/opt/ml/model")  # sigcheck: ignore[SIG007]'
    texts = Texts({path: line})
    on_code = hover([], line, types.Position(line=0, character=line.index("SIG007") + 2), texts, RULES_BY_CODE)
    assert on_code.contents.value.startswith("# handler-registered-late (SIG007)")
    assert on_code.range.start.character == line.index("SIG007")

    item = _published(path, line, 1)
    on_diagnostic = hover([item], line, types.Position(line=0, character=1), texts, RULES_BY_CODE)
    assert on_diagnostic.contents.value.startswith("# hardcoded-sagemaker-path (OPT001)")
    assert hover([item], line, types.Position(line=0, character=5), texts, RULES_BY_CODE) is None
