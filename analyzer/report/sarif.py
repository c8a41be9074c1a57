"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

The output validates against the OASIS schema (tests/data/) and keeps to what GitHub code
scanning documents as required or limited ("SARIF support for code scanning"): `$schema`,
`tool.driver.name` and `rules`, each rule's `shortDescription`, `fullDescription` and `help`
(non-empty; names up to 255 characters, descriptions up to 1024), each result's `message.text`,
one location with a full region, and `partialFingerprints.primaryLocationLineHash`. The upload
limits that can be reached are enforced: 25,000 results per run and 10,000 thread-flow
locations per result (beyond them GitHub rejects the whole file).
"""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePath
from urllib.parse import quote

from sigcheck import __version__
from sigcheck.checking.results import Diagnostic, FileError, Fix, Note, Report, TraceStep
from sigcheck.checking.rule import Rule
from sigcheck.report.docs import rule_page
from sigcheck.report.fingerprint import fingerprints
from sigcheck.rules import ALL_RULES

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
MAX_RESULTS = 25_000
MAX_THREAD_FLOW_LOCATIONS = 10_000
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
# GitHub orders and filters non-security alerts by `problem.severity`; it has no "info".
PROBLEM_SEVERITIES = {"error": "error", "warning": "warning", "info": "recommendation"}


def as_dict(report: Report) -> dict:
    """The SARIF log. Report paths are relative to the working directory, which is %SRCROOT%."""
    index = {rule.code: i for i, rule in enumerate(ALL_RULES)}
    diagnostics, left_out = _within_limit(report.diagnostics)
    results = [_result(d, index.get(d.code), fp) for d, fp in zip(diagnostics, fingerprints(diagnostics))]
    notifications = [_error_notification(e) for e in report.errors] + [_note_notification(n) for n in report.notes]
    if left_out:
        notifications.append({"level": "warning", "message": {"text": (
            f"{left_out} findings left out: GitHub code scanning rejects a run of more than "
            f"{MAX_RESULTS:,} results; the ones kept are the most severe")}})
    root_uri = Path.cwd().as_uri()
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "sigcheck",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule(rule) for rule in ALL_RULES],
            }},
            # Results name files relative to %SRCROOT%, which GitHub takes as the repository root;
            # the absolute base is there for other viewers (SARIF requires a trailing slash).
            "originalUriBaseIds": {SRCROOT: {"uri": root_uri if root_uri.endswith("/") else root_uri + "/"}},
            "invocations": [{
                "executionSuccessful": not report.errors,
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def render(report: Report) -> str:
    # ensure_ascii: any byte-level oddity in a path or message stays printable and valid JSON.
    return json.dumps(as_dict(report), indent=2)


def _within_limit(diagnostics: list[Diagnostic]) -> tuple[list[Diagnostic], int]:
    if len(diagnostics) <= MAX_RESULTS:
        return diagnostics, 0
    rank = {level: i for i, level in enumerate(LEVELS)}
    kept = sorted(diagnostics, key=lambda d: rank[d.severity])[:MAX_RESULTS]
    kept.sort(key=lambda d: d.sort_key)
    return kept, len(diagnostics) - MAX_RESULTS


def _rule(rule: type[Rule]) -> dict:
    help_page = rule_page(rule)
    return {
        "id": rule.code,
        "name": _limit(rule.name, 255),
        "shortDescription": {"text": _limit(rule.summary(), 1024)},
        "fullDescription": {"text": _limit(_section(rule.page(), "What it does") or rule.summary(), 1024)},
        "help": {"text": help_page, "markdown": help_page},
        "defaultConfiguration": {"level": LEVELS[rule.severity], "enabled": rule.default_enabled},
        "properties": {"tags": ["reliability", "sigterm"], "problem.severity": PROBLEM_SEVERITIES[rule.severity]},
    }


def _section(page: str, title: str) -> str:
    """The body of a `## title` section of a rule page (see sigcheck.checking.rule)."""
    for section in page.split("\n## ")[1:]:
        heading, _, body = section.partition("\n")
        if heading.strip() == title:
            return body.strip()
    return ""


def _limit(text: str, size: int) -> str:
    if len(text) <= size:
        return text
    return text[: size - 1].rsplit(None, 1)[0] + "…"  # cut at a word boundary


def _result(d: Diagnostic, rule_index: int | None, fingerprint: str) -> dict:
    result: dict = {"ruleId": d.code}
    if rule_index is not None:
        result["ruleIndex"] = rule_index
    result.update({
        "level": LEVELS[d.severity],
        "message": {"text": d.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": _artifact(d.path),
            "region": {"startLine": d.line, "startColumn": d.column, "endLine": d.end_line, "endColumn": d.end_column},
        }}],
        "partialFingerprints": {"primaryLocationLineHash": fingerprint},
    })
    if d.trace:
        steps = d.trace[:MAX_THREAD_FLOW_LOCATIONS]
        result["codeFlows"] = [{"threadFlows": [{"locations": [_step(s) for s in steps]}]}]
    if d.fix is not None:
        result["fixes"] = [_fix(d.fix)]
    return result


def _artifact(path: str) -> dict:
    """A file's artifactLocation: relative to %SRCROOT% inside the working directory, else absolute."""
    posix = PurePath(path).as_posix()
    if PurePath(path).is_absolute() or posix == ".." or posix.startswith("../"):
        return {"uri": Path(os.path.abspath(path)).as_uri()}
    # surrogateescape: an undecodable file name is written back as its original bytes, %-encoded.
    return {"uri": quote(posix, safe="/", errors="surrogateescape"), "uriBaseId": SRCROOT}


def _step(step: TraceStep) -> dict:
    # A trace step knows where it starts only, so its region has no end (the rest of the line).
    region = {"startLine": step.line, "startColumn": step.column}
    location: dict = {"physicalLocation": {"artifactLocation": _artifact(step.path), "region": region}}
    if step.note:  # an empty message text is invalid where GitHub reads one
        location["message"] = {"text": step.note}
    return {"location": location}


def _fix(fix: Fix) -> dict:
    changes: dict[str, list[dict]] = {}
    for e in fix.edits:
        replacement: dict = {"deletedRegion": {"startLine": e.line, "startColumn": e.column,
                                               "endLine": e.end_line, "endColumn": e.end_column}}
        if e.content:  # SARIF: a replacement without insertedContent is a deletion
            replacement["insertedContent"] = {"text": e.content}
        changes.setdefault(e.path, []).append(replacement)
    return {
        "description": {"text": fix.description},
        "artifactChanges": [{"artifactLocation": _artifact(path), "replacements": replacements}
                            for path, replacements in changes.items()],
        "properties": {"applicability": "safe" if fix.safe else "unsafe"},
    }


def _note_notification(note: Note) -> dict:
    """What the run could not check: a notification, not a result (no rule found a problem)."""
    physical = {"artifactLocation": _artifact(note.path), "region": {"startLine": note.line, "startColumn": note.column}}
    return {"level": "note", "message": {"text": note.message}, "locations": [{"physicalLocation": physical}]}


def _error_notification(error: FileError) -> dict:
    physical: dict = {"artifactLocation": _artifact(error.path)}
    if error.line:
        physical["region"] = {"startLine": error.line, "startColumn": error.column or 1}
    return {
        "level": "error",
        "descriptor": {"id": "E902"},
        "message": {"text": error.message},
        "locations": [{"physicalLocation": physical}],
    }
