"""Fingerprints that keep a finding's identity across runs, for SARIF and GitLab Code Quality.

Both consumers match a new run's findings to the open ones by fingerprint, so the line number
is left out: adding code above a finding must not turn it into a new one. What remains is the
rule, the file, the reported line's text with its whitespace collapsed (re-indenting is not a
change) and the message. Two findings that agree on all four, the same call twice in a file, are
told apart by their order, as GitHub's own `primaryLocationLineHash` does with its `:N` suffix;
GitLab shows only the first of several findings with one fingerprint.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import PurePath
from typing import Iterable

from sigcheck.checking.results import Diagnostic


def fingerprints(diagnostics: Iterable[Diagnostic]) -> list[str]:
    """One fingerprint per diagnostic, in the order given (a Report's order is by file and line)."""
    seen: Counter[str] = Counter()
    out = []
    for d in diagnostics:
        digest = digest_of(d.code, PurePath(d.path).as_posix(), " ".join(d.source_line.split()), d.message)
        seen[digest] += 1
        out.append(f"{digest}:{seen[digest]}")
    return out


def digest_of(*parts: str) -> str:
    # surrogatepass: a path from an undecodable file name still hashes instead of raising.
    data = "\0".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:32]
