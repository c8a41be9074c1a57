"""Helm chart templates, read as the manifests they render to as far as their text tells.

A chart's `templates/*.yaml` are Go templates, not YAML: `{{ .Values.trainer.command }}` takes a
value from the chart's `values.yaml`, `{{- if ... }}` keeps or drops lines, `{{ include ... }}`
pastes another template. sigcheck renders what text alone tells, line for line (a finding's line
is the template's): a line holding only actions is left blank, so both sides of an `if` are read
(the first `command` of a container is the one taken); `.Values` paths the values file holds
are put in, as one YAML scalar where the action is the whole value; anything else (`.Release.Name`,
a value the file lacks) becomes `${HELM_VALUE}`, which a command's reading treats as a word not
known. Nothing is run, and the values file is read as data (safe loading).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from sigcheck.loading.sources import LoadError, decode_text, read_bytes, resolve

_ACTION = re.compile(r"\{\{-?(.*?)-?\}\}")
_ONLY_ACTIONS = re.compile(r"[ \t]*(?:\{\{.*?\}\}[ \t]*)+")
_VALUES_PATH = re.compile(r"^\s*\.Values((?:\.[A-Za-z_][\w-]*)+)\s*(?:\|\s*(?:quote|squote|toString)\s*)?$")
_WHOLE_BEFORE = re.compile(r"(?:^|[:\-][ \t]+)$")  # the action starts a scalar: after `key: ` or `- `
_NOT_KNOWN = "${HELM_VALUE}"
_MAX_DEPTH = 10  # chart folders looked up for Chart.yaml


def is_template(text: str) -> bool:
    return "{{" in text


def chart_values(template: Path, root: Path) -> dict:
    """The values file of the chart the template is in (the nearest folder above holding a
    Chart.yaml, or a values.yaml beside the `templates` folder, within the project); empty where
    there is none or it cannot be read."""
    import yaml  # here: most runs read no chart

    template = resolve(template)
    for folder in [template.parent, *template.parents][:_MAX_DEPTH]:
        if not folder.is_relative_to(root):
            break
        if (folder / "Chart.yaml").is_file() or ((folder / "templates").is_dir() and (folder / "values.yaml").is_file()):
            try:
                values = yaml.safe_load(decode_text(read_bytes(folder / "values.yaml", "values.yaml"), "values.yaml"))
            except (LoadError, yaml.YAMLError, RecursionError, ValueError):
                return {}
            return values if isinstance(values, dict) else {}
    return {}


def rendered(text: str, values: dict) -> str:
    """The template's text with its actions replaced, line for line."""
    return "\n".join("" if _ONLY_ACTIONS.fullmatch(line) else _filled(line, values) for line in text.split("\n"))


def _filled(line: str, values: dict) -> str:
    parts, end = [], 0
    for match in _ACTION.finditer(line):
        before, after = line[end:match.start()], line[match.end():]
        value = _value(match.group(1), values)
        whole = _WHOLE_BEFORE.search(line[:match.start()]) is not None and not after.strip()
        quoted = before.endswith(('"', "'"))
        if value is None:
            text = _NOT_KNOWN
        elif whole and not quoted:
            text = json.dumps(value)  # a YAML scalar whatever it holds (`; sleep infinity`, a colon)
        else:
            text = value.replace("\\", "\\\\").replace('"', '\\"') if before.endswith('"') else value
        parts += [before, text]
        end = match.end()
    return "".join(parts) + line[end:]


def _value(action: str, values: dict) -> str | None:
    """The text a `.Values` path stands for, where the values file holds a scalar there."""
    path = _VALUES_PATH.match(action)
    if path is None:
        return None
    node = values
    for key in path.group(1).split(".")[1:]:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    if isinstance(node, bool):
        return "true" if node else "false"
    return str(node) if isinstance(node, (str, int, float)) else None
