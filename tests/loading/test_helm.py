"""Helm chart templates: read as the manifests they render to, line for line, with the chart's
values put in where the text tells them (prime-rl's k8s/ chart; triage CC)."""

from __future__ import annotations

import pytest

from sigcheck.loading.helm import rendered
from sigcheck.loading.manifests import container_commands
from tests.rules.test_dkr007_launch_scripts import HANDLES  # a trainer whose handler saves

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-trainer
  labels:
    {{- include "chart.labels" . | nindent 4 }}
spec:
  template:
    spec:
      terminationGracePeriodSeconds: {{ .Values.grace }}
      containers:
        - name: trainer
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          {{- if .Values.trainer.command }}
          command: ["/bin/bash", "-c"]
          args:
            - {{ .Values.trainer.command }}
          {{- else }}
          command: ["sleep", "infinity"]
          {{- end }}
"""
VALUES = {"grace": 45, "image": {"repository": "example/trainer", "tag": "v1"},
          "trainer": {"command": "python train.py --out /data: ; sleep infinity"}}

def test_a_template_renders_line_for_line_with_the_values_it_names():
    text = rendered(DEPLOYMENT, VALUES)
    lines = text.split("\n")
    assert len(lines) == len(DEPLOYMENT.split("\n"))
    assert lines[3] == "  name: ${HELM_VALUE}-trainer"  # no value file holds .Release
    assert lines[5] == ""  # a line of actions only
    assert lines[12] == '          image: "example/trainer:v1"'
    (command,) = container_commands(text)[:1]
    assert command.words == ("/bin/bash", "-c", "python train.py --out /data: ; sleep infinity")
    assert (command.line, command.grace) == (15, 45)


def test_a_value_the_file_lacks_is_a_word_not_known():
    (command,) = container_commands(rendered(DEPLOYMENT, {}))[:1]
    assert command.words == ("/bin/bash", "-c", "${HELM_VALUE}")


@pytest.mark.parametrize("chart", ["Chart.yaml", "values.yaml only"])
def test_a_shell_that_keeps_sigterm_in_a_charts_template_is_reported(run_sigcheck, chart):
    files = {"train.py": HANDLES, "chart/templates/deployment.yaml": DEPLOYMENT,
             "chart/values.yaml": "grace: 45\ntrainer:\n  command: python train.py ; sleep infinity\n"}
    if chart == "Chart.yaml":
        files["chart/Chart.yaml"] = "apiVersion: v2\nname: trainer\nversion: 0.1.0\n"
    report = run_sigcheck(files, ["chart/templates/deployment.yaml", "train.py"], platform="kubernetes")
    assert [(d.code, d.path, d.line) for d in report.diagnostics] == [("DKR007", "chart/templates/deployment.yaml", 15)]
    assert "SIGKILLed 45 s after a stop" in report.diagnostics[0].message
