"""Notes: an image for SageMaker training whose launch chain sigcheck could not follow to a trainer
is said so in every format that has a place for it, beside the findings and never as one."""

from __future__ import annotations

import json
import textwrap

import pytest
from click.testing import CliRunner
from test_sarif import check_github_requirements, validate

from sigcheck.cli import main

TRAINS = """
import torch
model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(1000):
    loss = model(torch.randn(8, 4)).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""

UNKNOWN_BASE = """
FROM 123456789012.dkr.ecr.us-east-1.amazonaws.com/team-base:latest
COPY requirements.txt /opt/ml/code/requirements.txt
"""


def _project(tmp_path, dockerfile: str, files: dict[str, str] | None = None):
    (tmp_path / "Dockerfile").write_text(textwrap.dedent(dockerfile).lstrip(), encoding="utf-8")
    (tmp_path / "requirements.txt").write_text("torch\n", encoding="utf-8")
    for name, text in (files or {}).items():
        (tmp_path / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return tmp_path


def _run(tmp_path, monkeypatch, *args: str):
    monkeypatch.chdir(tmp_path)
    return CliRunner().invoke(main, ["--no-cache", "--jobs", "1", *args, "."])


def _notes(tmp_path, monkeypatch, *args: str) -> list[dict]:
    result = _run(tmp_path, monkeypatch, "--format", "json", *args)
    return json.loads(result.output)["notes"]


def test_a_base_image_sigcheck_cannot_see_into_is_noted_not_reported(tmp_path, monkeypatch):
    _project(tmp_path, UNKNOWN_BASE)
    result = _run(tmp_path, monkeypatch)
    assert result.exit_code == 0  # a note is no problem found
    assert "Dockerfile:1:1: note: the trainer was not checked: the Dockerfile places no `train`; it may come " \
           "from the base image 123456789012.dkr.ecr.us-east-1.amazonaws.com/team-base:latest" in result.output
    assert "`sigcheck chain Dockerfile` shows the chain" in result.output
    assert result.output.rstrip().endswith("All checks passed (1 file analysed).")


def test_the_chain_a_note_points_to_is_the_stage_the_run_judged(tmp_path, monkeypatch):
    """`--target sagemaker`: the command the note gives shows that stage's chain, not the last one's."""
    _project(tmp_path, UNKNOWN_BASE.replace(":latest\n", ":latest AS sagemaker\n") + "FROM ubuntu:22.04 AS dev\n")
    result = _run(tmp_path, monkeypatch, "--target", "sagemaker")
    assert "`sigcheck chain --target sagemaker Dockerfile` shows the chain" in result.output, result.output


def test_the_note_sits_where_the_chain_stopped(tmp_path, monkeypatch):
    _project(tmp_path, """
        FROM python:3.11-slim
        COPY entry.sh /opt/program/entry.sh
        ENTRYPOINT ["bash", "/opt/program/entry.sh"]
        """, {"entry.sh": """
        #!/bin/bash
        set -e
        exec /opt/vendor/bin/trainer "$@"
        """})
    notes = _notes(tmp_path, monkeypatch)
    assert [(n["path"], n["line"]) for n in notes] == [("entry.sh", 3)]
    assert "/opt/vendor/bin/trainer" in notes[0]["message"]


def test_the_chain_command_a_note_suggests_can_be_pasted_into_a_shell(tmp_path, monkeypatch):
    """amazon-sagemaker-examples names its folders with leading spaces to order them."""
    folder = tmp_path / " archived" / "byoc"
    folder.mkdir(parents=True)
    _project(folder, UNKNOWN_BASE)
    (notes,) = _notes(tmp_path, monkeypatch)
    assert notes["message"].endswith("(`sigcheck chain ' archived/byoc/Dockerfile'` shows the chain)")


def test_a_script_running_a_train_from_a_package_says_where_it_may_come_from_once(tmp_path, monkeypatch):
    """sagemaker-pytorch-training-toolkit's images (cpu and gpu share the script): `train` comes
    from the framework's wheel, whose launch sigcheck does not model."""
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "start.sh").write_text("#!/usr/bin/env bash\nif [[ \"$1\" = \"train\" ]]; then\n"
                                               "    LD_PRELOAD=/libhost.so train\nelse\n    eval \"$@\"\nfi\n")
    for device in ("cpu", "gpu"):
        (tmp_path / f"Dockerfile.{device}").write_text(
            "FROM python:3.8\nCOPY lib/start.sh /usr/local/bin/start.sh\n"
            "RUN pip install /sagemaker_pytorch_container-1.1-py2.py3-none-any.whl\n"
            'ENTRYPOINT ["bash", "-m", "start.sh"]\n', encoding="utf-8")
    notes = _notes(tmp_path, monkeypatch)
    assert [(n["path"], n["line"]) for n in notes] == [("lib/start.sh", 3)]
    assert "the Dockerfile places no `train`; it may come from the package" in notes[0]["message"]
    assert notes[0]["message"].endswith("(`sigcheck chain Dockerfile.cpu` and `sigcheck chain Dockerfile.gpu` show the chain)")


@pytest.mark.parametrize("dockerfile, files", [
    pytest.param("""
        FROM python:3.11-slim
        COPY train.py /opt/program/train.py
        ENTRYPOINT ["python", "/opt/program/train.py"]
        """, {"train.py": TRAINS}, id="the chain reaches the trainer: its findings say what there is"),
    pytest.param("""
        FROM python:3.11-slim
        COPY train.py /opt/program/train.py
        CMD ["python", "/opt/program/train.py"]
        """, {"train.py": TRAINS}, id="no train at all: DKR003 reports it"),
    pytest.param("""
        FROM 123456789012.dkr.ecr.us-east-1.amazonaws.com/team-base:latest
        RUN pip install pytest
        CMD ["pytest"]
        """, {}, id="a CI image shows nothing of SageMaker"),
    pytest.param("""
        FROM 123456789012.dkr.ecr.us-east-1.amazonaws.com/team-base:latest
        RUN pip install multi-model-server sagemaker-inference
        COPY requirements.txt /opt/ml/model/code/requirements.txt
        """, {}, id="an endpoint's image is started with serve"),
])
def test_no_note_where_nothing_was_left_unchecked_for_training(tmp_path, monkeypatch, dockerfile, files):
    _project(tmp_path, dockerfile, files)
    assert _notes(tmp_path, monkeypatch) == []


def test_no_note_without_the_launch_chain_rules_or_off_sagemaker(tmp_path, monkeypatch):
    _project(tmp_path, UNKNOWN_BASE)
    assert len(_notes(tmp_path, monkeypatch)) == 1
    assert _notes(tmp_path, monkeypatch, "--select", "SIG001,OPT003") == []
    assert _notes(tmp_path, monkeypatch, "--platform", "kubernetes") == []


def test_quiet_output_has_diagnostics_only(tmp_path, monkeypatch):
    _project(tmp_path, UNKNOWN_BASE)
    assert "note" not in _run(tmp_path, monkeypatch, "--quiet").output


def test_sarif_carries_the_note_as_a_notification(tmp_path, monkeypatch):
    _project(tmp_path, UNKNOWN_BASE)
    log = json.loads(_run(tmp_path, monkeypatch, "--format", "sarif").output)
    validate(log)
    check_github_requirements(log)
    run = log["runs"][0]
    assert run["results"] == []
    (notification,) = run["invocations"][0]["toolExecutionNotifications"]
    assert notification["level"] == "note" and notification["message"]["text"].startswith("the trainer was not checked")
    physical = notification["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "Dockerfile" and physical["region"]["startLine"] == 1
    assert run["invocations"][0]["executionSuccessful"] is True


def test_github_annotates_the_note_as_a_notice(tmp_path, monkeypatch):
    _project(tmp_path, UNKNOWN_BASE)
    (line,) = _run(tmp_path, monkeypatch, "--format", "github").output.splitlines()
    assert line.startswith("::notice file=Dockerfile,line=1,col=1,title=sigcheck%3A not checked::the trainer was not checked")


def _entry_script_notes(tmp_path, monkeypatch, command: str) -> list[dict]:
    """The notes on an image for SageMaker whose entry script runs `command`."""
    _project(tmp_path, "FROM python:3.11-slim\nENV SAGEMAKER_CONTAINER=1\nCOPY entrypoint.sh /usr/local/bin/entrypoint.sh\n"
                       'ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]\n', {"entrypoint.sh": f"#!/bin/bash\n{command}\n"})
    (tmp_path / "entrypoint.sh").chmod(0o755)
    return _notes(tmp_path, monkeypatch)


@pytest.mark.parametrize("server", ["exec text-embeddings-router --port 8080 --json-output",
                                    'exec standard-supervisor python3 -m vllm.entrypoints.openai.api_server "${ARGS[@]}"'])
def test_an_image_whose_chain_starts_a_model_server_is_an_endpoints_and_gets_no_note(tmp_path, monkeypatch, server):
    """deep-learning-containers' TEI and vLLM images: SageMaker starts them with `serve`; that
    sigcheck cannot see into the server's program is no trainer left unchecked."""
    assert _entry_script_notes(tmp_path, monkeypatch, server) == []
    trainer = server.replace("text-embeddings-router", "trainer-cli").replace("vllm.entrypoints.openai.api_server", "trainer")
    assert len(_entry_script_notes(tmp_path, monkeypatch, trainer)) == 1


def test_a_training_image_that_names_a_server_only_as_an_option_value_is_still_a_trainers(tmp_path, monkeypatch):
    """`--rollout-engine vllm`: the program is the trainer, the word only its argument."""
    assert len(_entry_script_notes(tmp_path, monkeypatch, "exec trainer-cli --rollout-engine vllm")) == 1
