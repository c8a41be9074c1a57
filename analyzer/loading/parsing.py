"""Parse Python with libcst, turning every failure into a located `LoadError`.

CPython's compiler looks at the text first; it builds a code object and throws it away, nothing
runs. It refuses nesting deeper than Python itself accepts (200 brackets, a few thousand levels of
operators), well below the depth at which libcst's native parser overflows its stack and takes the
whole process down (about 1,250 brackets or 3,400 nested lambdas on an 8 MB stack), and its syntax
errors name the problem and its place better than libcst's. libcst still has the last word on an
ordinary syntax error, so code written for a newer Python than the one sigcheck runs on is parsed;
such text is first checked for depth with the tokenizer, since CPython did not check all of it.
"""

from __future__ import annotations

import io
import re
import tokenize
import warnings

import libcst as cst

from sigcheck.loading.sources import LoadError, SourceFile

MAX_NESTING = 500  # deeper never reaches libcst (see above); the summary builder stops near 500 anyway
_TOO_DEEP = ("too many nested parentheses", "too many levels of indentation")
_LIBCST_PLACE = re.compile(r"^(?:parser error: )?error at (\d+):(\d+):\s*")


def parse_python(source: SourceFile) -> cst.Module:
    display, text = source.display, source.text
    refusal = _python_check(text)
    if refusal is not None:
        message, line, column, fatal = refusal
        if fatal:
            raise LoadError(display, message, line, column)
        if nesting_score(text)[0] > MAX_NESTING:
            raise LoadError(display, message, line, column)
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        retried = _with_tabs_expanded(text) if refusal is None else None
        if retried is not None:
            return retried
        if refusal is not None:  # CPython's message and place: libcst's often point past the error
            raise LoadError(display, refusal[0], refusal[1], refusal[2]) from None
        message, line, column = _libcst_error(exc)
        raise LoadError(display, f"cannot parse: {message}", line, column) from None
    except cst.CSTValidationError as exc:  # a name libcst's tokenizer takes and its nodes refuse (U+13460)
        if refusal is not None:
            raise LoadError(display, refusal[0], refusal[1], refusal[2]) from None
        raise LoadError(display, f"cannot parse: {exc}", 1, 1) from None
    except (RecursionError, MemoryError):
        raise too_deep(source, "cannot parse") from None
    except (ValueError, TypeError) as exc:  # libcst raises these for a few malformed inputs
        raise LoadError(display, f"cannot parse: {exc}", 1, 1) from None


def _with_tabs_expanded(text: str) -> cst.Module | None:
    """The module parsed with the tabs of each line's indentation expanded as CPython reads them
    (to the next multiple of 8), where CPython accepted the text: libcst refuses a tab followed by
    spaces under a line indented with spaces, which Python runs (Qwen-VL). Columns on those lines
    then count a tab as the spaces it stands for."""
    lines = text.splitlines(keepends=True)
    expanded = [_indent_expanded(line) for line in lines]
    if expanded == lines:
        return None
    try:
        return cst.parse_module("".join(expanded))
    except (cst.ParserSyntaxError, cst.CSTValidationError, RecursionError, MemoryError, ValueError, TypeError):
        return None


def _indent_expanded(line: str) -> str:
    body = line.lstrip(" \t")
    indent = line[: len(line) - len(body)]
    return indent.expandtabs(8) + body if "\t" in indent else line


def too_deep(source: SourceFile, what: str) -> LoadError:
    """The error for code nested too deeply to walk, placed at the statement most likely to be it."""
    _, (line, column) = nesting_score(source.text)
    return LoadError(source.display, f"{what}: code is nested too deeply", line, column)


def _python_check(text: str) -> tuple[str, int, int, bool] | None:
    """None when CPython compiles the text, else (message, line, column, fatal). Fatal: deeper
    than CPython accepts, so unsafe to hand to libcst."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like: not what is asked
            compile(text, "<sigcheck>", "exec", dont_inherit=True)
    except SyntaxError as exc:  # IndentationError and TabError too
        message = exc.msg or "invalid syntax"
        line, column = exc.lineno or 1, max(exc.offset or 1, 1)
        return f"syntax error: {message}", line, column, any(m in message for m in _TOO_DEEP)
    except (RecursionError, MemoryError):  # "too complex" / "maximum recursion depth exceeded"
        _, (line, column) = nesting_score(text)
        return "syntax error: code is nested too deeply for Python to compile", line, column, True
    except (ValueError, OverflowError) as exc:
        return f"syntax error: {exc}", 1, 1, True
    return None


def nesting_score(text: str) -> tuple[int, tuple[int, int]]:
    """A cheap, iterative estimate of how deep the syntax tree goes, and the (line, column) where
    the deepest statement starts. Brackets, operators and keywords such as `not`, `lambda` or `and`
    nest (a chain of N of them is N levels deep); a comma starts a sibling, not a deeper level."""
    best, best_at = 0, (1, 1)
    stack = [[0, 0]]  # per open bracket: [depth where it opened, operators since the last comma]
    start = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            kind, string = token.type, token.string
            if kind in (tokenize.NEWLINE, tokenize.ENDMARKER):
                stack, start = [[0, 0]], None
                continue
            if kind in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT):
                continue
            if start is None:
                start = (token.start[0], token.start[1] + 1)
            top = stack[-1]
            if kind == tokenize.OP and string in "([{":
                top[1] += 1
                stack.append([top[0] + top[1], 0])
            elif kind == tokenize.OP and string in ")]}":
                if len(stack) > 1:
                    stack.pop()
            elif kind == tokenize.OP and string == ",":
                top[1] = 0
            elif (kind == tokenize.OP and string not in (":", ";", "=")) or string in _NESTING_WORDS:
                top[1] += 1
            score = stack[-1][0] + stack[-1][1]
            if score > best:
                best, best_at = score, start
    except (tokenize.TokenError, SyntaxError, ValueError):  # keep what was seen up to the problem
        pass
    return best, best_at


_NESTING_WORDS = frozenset({"not", "and", "or", "if", "else", "lambda", "await", "in", "is", "for"})


def _libcst_error(exc: cst.ParserSyntaxError) -> tuple[str, int, int]:
    """libcst's message without its prefixes, and the place its message names (its `raw_column` is
    always 0 for errors from the native parser)."""
    message = str(exc.message).strip() or "invalid syntax"
    line, column = exc.raw_line, exc.raw_column + 1
    match = _LIBCST_PLACE.match(message)
    if match:
        line, column = int(match.group(1)), int(match.group(2)) + 1
        message = message[match.end():] or "invalid syntax"
    for prefix in ("parser error: ", "tokenizer error: "):
        message = message.removeprefix(prefix)
    return message, max(line, 1), max(column, 1)
