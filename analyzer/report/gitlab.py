"""GitLab Code Quality JSON (the `codequality` report artifact), one issue per finding.

GitLab keeps only the first issue of several with one fingerprint and matches issues between
the merge request and its target branch by fingerprint, so fingerprints are unique in a report
and do not change when lines move (see sigcheck.report.fingerprint). A file that could not be
analysed is reported too (E902), so that a merge request does not look clean because of it.
"""

from __future__ import annotations

import json
from pathlib import PurePath

from sigcheck.checking.results import Diagnostic, FileError, Report
from sigcheck.report.fingerprint import digest_of, fingerprints

# GitLab's scale is info, minor, major, critical, blocker. An error loses the work since the last
# checkpoint on every stop: critical. Blocker is left for code that cannot run at all.
SEVERITIES = {"error": "critical", "warning": "major", "info": "info"}


def as_list(report: Report) -> list[dict]:
    # Hashed once more: the shared fingerprint's ":N" suffix becomes part of a plain hex digest.
    issues = [_issue(d, digest_of(fp)) for d, fp in zip(report.diagnostics, fingerprints(report.diagnostics))]
    return issues + [_error(e) for e in report.errors]


def render(report: Report) -> str:
    return json.dumps(as_list(report), indent=2)


def _issue(d: Diagnostic, fingerprint: str) -> dict:
    return {
        "type": "issue",
        "check_name": d.code,
        "description": f"{d.code} {d.message}",
        "categories": ["Bug Risk"],
        "fingerprint": fingerprint,
        "severity": SEVERITIES[d.severity],
        "location": {"path": PurePath(d.path).as_posix(), "lines": {"begin": d.line, "end": d.end_line}},
    }


def _error(e: FileError) -> dict:
    return {
        "type": "issue",
        "check_name": "E902",
        "description": f"E902 file not analysed: {e.message}",
        "categories": ["Bug Risk"],
        "fingerprint": digest_of("E902", PurePath(e.path).as_posix(), e.message),
        "severity": "major",
        "location": {"path": PurePath(e.path).as_posix(), "lines": {"begin": e.line or 1}},
    }
