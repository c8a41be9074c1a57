"""GitHub Actions workflow commands: one `::error file=…,line=…,title=…::message` line per finding.

The runner reads every output line that starts with `::` as a command. Whatever a path or a
message holds must therefore stay inside its own line and its own field: data is escaped as the
runner unescapes it (`%` first, then CR and LF), and a property also escapes the `:` and `,`
that would end it. Terminal escape sequences are dropped, as in the text format, since the log
viewer would interpret them.
"""

from __future__ import annotations

from sigcheck.checking.results import Diagnostic, FileError, Report
from sigcheck.report.text import clean

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return clean(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> str:
    lines = [_diagnostic(d) for d in report.diagnostics]
    lines += [_error(e) for e in report.errors]
    lines += [_command("notice", {"file": n.path, "line": n.line, "col": n.column, "title": "sigcheck: not checked"},
                       n.message) for n in report.notes]
    return "\n".join(lines)


def _command(name: str, properties: dict[str, object], message: str) -> str:
    fields = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{name} {fields}::{escape_data(message)}"


def _diagnostic(d: Diagnostic) -> str:
    message = d.message
    if d.trace:  # the annotation shows several lines; the trace is how to read the finding
        message += "\n\ntrace: " + " → ".join(f"{s.note} ({s.path}:{s.line})" for s in d.trace)
    properties = {"file": d.path, "line": d.line, "endLine": d.end_line, "col": d.column,
                  "endColumn": d.end_column, "title": f"{d.code} {d.name}"}
    return _command(COMMANDS[d.severity], properties, message)


def _error(e: FileError) -> str:
    properties: dict[str, object] = {"file": e.path}
    if e.line:
        properties.update(line=e.line, col=e.column or 1)
    properties["title"] = "sigcheck E902 file not analysed"
    return _command("error", properties, e.message)
