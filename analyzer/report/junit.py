"""JUnit XML for CI systems that show test reports: one test case per file, a failure per finding.

A file with findings is a failed test case with one `<failure>` per finding; a file that could
not be analysed is a test case with an `<error>`; every other analysed file passes. XML 1.0
cannot carry most control characters even as character references, so they are removed (with
terminal escape sequences) before ElementTree escapes the rest.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from sigcheck.checking.results import Diagnostic, Report
from sigcheck.report.text import clean

# Everything outside XML 1.0's Char production: C0 controls but tab, LF and CR; lone surrogates
# (from undecodable file names); U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("", clean(text))


def render(report: Report) -> str:
    findings: dict[str, list[Diagnostic]] = defaultdict(list)
    for d in report.diagnostics:
        findings[d.path].append(d)
    errors = {e.path: e for e in report.errors}
    paths = sorted({*report.files, *findings, *errors})

    failed = sum(1 for p in paths if p in findings)
    counts = {"tests": str(len(paths)), "failures": str(failed), "errors": str(len(errors))}
    suites = ET.Element("testsuites", name="sigcheck", **counts)
    suite = ET.SubElement(suites, "testsuite", name="sigcheck", skipped="0", **counts)
    for path in paths:
        case = ET.SubElement(suite, "testcase", classname="sigcheck", name=_xml(path), file=_xml(path))
        for d in findings.get(path, ()):
            failure = ET.SubElement(case, "failure", type=d.code, message=_xml(f"{d.code} {d.message}"))
            failure.text = _xml(_details(d))
        if path in errors:
            error = errors[path]
            where = f"{path}:{error.line}:{error.column or 1}" if error.line else path
            element = ET.SubElement(case, "error", type="E902", message=_xml(error.message))
            element.text = _xml(f"{where}: E902 {error.message}")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")


def _details(d: Diagnostic) -> str:
    lines = [f"{d.path}:{d.line}:{d.column}: {d.code} [{d.severity}] {d.message}"]
    lines += [f"  {s.path}:{s.line}:{s.column}: {s.note}" for s in d.trace]
    if d.fix is not None:
        lines.append(f"  fix: {d.fix.description}")
    return "\n".join(lines)
