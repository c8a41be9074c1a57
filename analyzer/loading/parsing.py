"""Parse Python with libcst, turning every failure into a located `LoadError`."""

from __future__ import annotations

import libcst as cst

from sigcheck.loading.sources import LoadError, SourceFile


def parse_python(source: SourceFile) -> cst.Module:
    try:
        return cst.parse_module(source.text)
    except cst.ParserSyntaxError as exc:
        message = str(exc.message).strip() or "invalid syntax"
        raise LoadError(source.display, f"syntax error: {message}", exc.raw_line, exc.raw_column + 1) from None
    except RecursionError:
        raise LoadError(source.display, "cannot parse: code is nested too deeply", 1, 1) from None
    except (ValueError, TypeError) as exc:  # libcst raises these for a few malformed inputs
        raise LoadError(source.display, f"cannot parse: {exc}", 1, 1) from None
