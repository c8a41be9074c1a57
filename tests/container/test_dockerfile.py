"""BuildKit's grammar through the official parser; errors are placed, never raised as crashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from sigcheck.container.dockerfile import parse_dockerfile
from sigcheck.loading.sources import LoadError, SourceFile


def parse(text: str):
    return parse_dockerfile(SourceFile(Path("/x/Dockerfile"), "Dockerfile", text))


def test_escape_directive_continuations_comments_and_heredoc():
    parsed = parse("# escape=`\nFROM python AS base\nRUN pip install `\n    # a comment inside\n    torch\n"
                   "COPY --chmod=755 <<-\"EOF\" /usr/local/bin/train\n\t#!/bin/sh\n\texec python t.py\n\tEOF\n"
                   "ENTRYPOINT [\"python\", 'train.py']\n")
    run, copy, entry = parsed.instructions[1:]
    assert run.args == ("pip install     torch",) and (run.line, run.end_line) == (3, 5)
    assert copy.flag("chmod") == "755" and copy.heredocs[0].body == "#!/bin/sh\nexec python t.py\n"
    assert copy.heredocs[0].line == 7 and copy.heredocs[0].quoted
    assert not entry.exec_form  # single quotes are not JSON: BuildKit falls back to shell form
    assert entry.line == 10


def test_exec_form_and_columns():
    parsed = parse("FROM x\n  entrypoint   [\"python\", \"-u\", \"t.py\"]\n")
    entry = parsed.instructions[1]
    assert entry.keyword == "ENTRYPOINT" and entry.exec_form and entry.args == ("python", "-u", "t.py")
    assert entry.span == (2, 3, 2, 40)


@pytest.mark.parametrize("text, line, words", [
    ("FROM x\nRUN a\nRUN <<EOF\nfoo\n", 3, "heredoc"),
    ("FROM x\nENV A=1 B\n", 2, "="),
    ("FROM x\nCMD [\"a\", 1]\n", 2, "strings"),
    ("# only a comment\n", 1, "no instructions"),
    ("FROM x\nFOO bar\n", 2, "unknown instruction"),
    ("RUN echo\n", 1, "before the first FROM"),
    ("FROM x\nRUN " + "a" * 70000 + "\n", 2, "max allowed size"),
])
def test_broken_dockerfiles_give_a_located_error(text, line, words):
    with pytest.raises(LoadError) as caught:
        parse(text)
    assert caught.value.line == line and words in caught.value.message


def test_a_line_continuation_followed_by_nothing_is_no_instruction():
    """Found by the fuzz profile: BuildKit gives a keywordless instruction for `\\` then blank lines."""
    for text in ("FROM python:3.11-slim\n\\\n\n", "FROM python:3.11-slim\nRUN pip install torch \\\n\n\\\n"):
        parsed = parse(text)
        assert [i.keyword for i in parsed.instructions][0] == "FROM"
        assert all(i.keyword is not None for i in parsed.instructions)
