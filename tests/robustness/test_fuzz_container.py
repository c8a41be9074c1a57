"""Any Dockerfile and entry script, however odd, gives findings, located errors or nothing.

The strategy assembles a folder as a training image's repository looks: a Dockerfile, an entry
script and train.py, from realistic pieces (the instructions, launchers, inits, wrappers and
shell idioms the launch chain follows) mixed with random text in any place a piece can go, so
the parsers (BuildKit's, tree-sitter-bash), the ARG/ENV substitution and the chain builder all
meet both plausible and broken input. The folder goes through the engine as `sigcheck FOLDER`
does, then through `sigcheck chain`'s description; neither may raise.

tests/container/ tests the chain on hand-written cases; this is the only property test there is
for it. The default profile runs 150 examples; SIGCHECK_FUZZ=1 runs 5,000 (tests/conftest.py).
"""

from __future__ import annotations

import os

from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sigcheck.checking.engine import analyse, prepare
from sigcheck.config.settings import Settings
from sigcheck.container.explain import describe
from sigcheck.rules import ALL_RULES

# A few hundred examples in the normal run, thousands with SIGCHECK_FUZZ=1.
EXAMPLES = 5000 if os.environ.get("SIGCHECK_FUZZ") else 150

EVERY_RULE = Settings(select=tuple(sorted({rule.code for rule in ALL_RULES})))
PLATFORMS = ("sagemaker", "kubernetes", "docker", "slurm", "generic")

# Random text: any character a file can hold (lone surrogates cannot be written as UTF-8).
noise = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
word = st.one_of(st.sampled_from(["train", "serve", "$@", "\"$@\"", "${SM_CHANNEL}", "--epochs", "3", "&&", ";",
                                  "|", "'", "\"", "\\", "$(id -u)", "`date`", "2>&1", ">", "*"]),
                 st.from_regex(r"[A-Za-z0-9_./=$-]{1,12}", fullmatch=True), noise)

LAUNCHERS = ["python train.py", "python -u /opt/ml/code/train.py", "python3 /opt/program/train.py",
             "exec python train.py \"$@\"", "python -m pkg.main", "torchrun --nproc_per_node=2 train.py",
             "accelerate launch train.py", "tini -- python train.py", "tini -g -- sh entrypoint.sh",
             "dumb-init python train.py", "gosu trainer python train.py", "env PYTHONUNBUFFERED=1 python train.py",
             "sh -c 'python train.py'", "bash -c \"exec python train.py $0 $@\"", "/usr/local/bin/entrypoint.sh",
             "entrypoint.sh", "train", "./train.py", "serve", "exec \"$@\""]
command = st.one_of(st.sampled_from(LAUNCHERS), st.lists(word, min_size=1, max_size=6).map(" ".join))


def exec_form(words: list[str]) -> str:
    quoted = (w.replace("\\", "\\\\").replace("\"", "\\\"") for w in words)
    return "[" + ", ".join(f"\"{w}\"" for w in quoted) + "]"


launch = st.one_of(command, command.map(lambda c: exec_form(c.split(" "))), st.lists(word, max_size=4).map(exec_form))
FIXED = ["ARG BASE=python:3.11", "FROM ${BASE} AS builder", "FROM python:3.11-slim", "FROM scratch",
         "COPY train.py /opt/ml/code/train.py", "COPY . /opt/program/", "COPY --from=builder /src /opt/program",
         "COPY entrypoint.sh /usr/local/bin/entrypoint.sh", "ADD train.py /opt/ml/model/",
         "RUN chmod +x /usr/local/bin/entrypoint.sh && ln -s /opt/program/train.py /usr/local/bin/train",
         "RUN apt-get install -y nvidia-driver-535 cuda-drivers", "ENV SAGEMAKER_PROGRAM=train.py",
         "ENV PATH=/opt/program:$PATH", "WORKDIR /opt/program", "WORKDIR /opt/ml/data", "USER 1000",
         "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]", "VOLUME /opt/ml/checkpoints", "EXPOSE 8080",
         "LABEL a=b", "HEALTHCHECK CMD curl -f localhost || exit 1", "ONBUILD RUN echo hi",
         "RUN <<EOF\nset -e\npip install torch\nEOF",
         "COPY <<EOF /usr/local/bin/train\n#!/bin/sh\nexec python train.py\nEOF",
         "# sigcheck: ignore[DKR001]", "# a comment", "", "\\"]
known_instruction = st.one_of(  # a valid instruction keyword; its arguments may still be anything
    st.sampled_from(FIXED),
    st.builds("ENTRYPOINT {}".format, launch), st.builds("CMD {}".format, launch),
    st.builds("RUN {}".format, command), st.builds("STOPSIGNAL {}".format, st.one_of(
        st.sampled_from(["SIGTERM", "SIGINT", "SIGKILL", "SIGUSR1", "15", "2", "9", "999", "TERM"]), noise)),
    st.builds("ARG {}={}".format, st.sampled_from(["BASE", "PROGRAM", "X"]), word),
    st.builds("ENV {}={}".format, st.sampled_from(["SAGEMAKER_PROGRAM", "PATH", "PROGRAM"]), word),
    st.builds("{} {}".format, st.sampled_from(["FROM", "COPY", "ADD", "WORKDIR", "USER", "ENV", "ARG", "LABEL",
                                               "SHELL", "ENTRYPOINT", "CMD", "RUN"]), noise),
)
instruction = st.one_of(known_instruction, st.builds("FOO {}".format, noise), noise)
FROMS = ["FROM python:3.11-slim", "ARG BASE=python:3.11\nFROM ${BASE} AS base", "FROM scratch",
         "FROM python:3.11 AS builder\nRUN pip wheel torch\nFROM python:3.11-slim",
         "FROM 763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1-gpu-py310"]
WRAPPED = ("COPY entrypoint.sh /usr/local/bin/entrypoint.sh\nCOPY . /opt/program/\nWORKDIR /opt/program\n"
           "ENTRYPOINT [\"/usr/local/bin/entrypoint.sh\"]")  # the wrapper-script image: the entry script runs
# Mostly a plausible image (a FROM, then instructions, often an ENTRYPOINT or CMD last), so that the
# chain is followed deep; random text still turns up in every position.
directive = st.sampled_from(["", "# escape=`\n", "# syntax=docker/dockerfile:1\n"])
base = st.one_of(st.sampled_from(FROMS), st.sampled_from(FROMS), noise)
ending = st.one_of(st.builds("ENTRYPOINT {}".format, launch), st.builds("CMD {}".format, launch), st.just(""))
dockerfile = st.one_of(
    st.builds(lambda d, b, body, last: "\n".join([d + b, *body, last]) + "\n",
              directive, base, st.lists(instruction, max_size=10), ending),
    st.builds(lambda d, b, body: "\n".join([d + b, *body, WRAPPED]) + "\n",  # the entry script runs
              directive, base, st.lists(known_instruction, max_size=4)))

SHELL_LINES = ["set -euo pipefail", "cd /opt/program", "exec python train.py \"$@\"", "python train.py \"$@\"",
               "python train.py &", "PID=$!", "trap 'kill -TERM $PID' TERM INT", "trap 'kill -TERM $PID' TERM",
               "wait $PID", "wait", "if [ \"$1\" = train ]; then shift; fi",
               "case \"$1\" in train) exec python train.py;; esac",
               "exec \"$@\"", "\"$@\"", "start() { python train.py; }", "start", "exec torchrun train.py",
               "cat <<EOF\nhello\nEOF", "for i in 1 2; do echo $i; done", "echo \"unclosed", "fi", "}"]
STARTS = ["exec python train.py \"$@\"", "python train.py \"$@\"", "python -u train.py",
          "python train.py &\nPID=$!\ntrap 'kill -TERM $PID' TERM\nwait $PID", "python train.py &\nwait",
          "exec torchrun --nproc_per_node=2 train.py", "exec accelerate launch train.py", "exec \"$@\""]
shebang = st.sampled_from(["#!/bin/sh\n", "#!/bin/bash\n", "#!/usr/bin/env python\n", ""])
lines = st.lists(st.one_of(st.sampled_from(SHELL_LINES), command, noise), max_size=4)
# Half plausible wrappers (a line that starts the trainer, among other lines), half anything.
script = st.one_of(
    st.builds(lambda bang, before, start, after: bang + "\n".join([*before, start, *after]) + "\n",
              shebang, lines, st.sampled_from(STARTS), lines),
    st.builds(lambda bang, body: bang + "\n".join(body) + "\n", shebang, lines))

TRAINERS = [
    "import signal, sys\nimport torch\n\ndef save():\n    torch.save({}, '/opt/ml/model/m.pt')\n\n"
    "def on_term(signum, frame):\n    save()\n    sys.exit(0)\n\nsignal.signal(signal.SIGTERM, on_term)\n"
    "for epoch in range(3):\n    pass\nsave()\n",
    "import argparse\nparser = argparse.ArgumentParser()\nparser.add_argument('--epochs')\nargs = parser.parse_args()\n"
    "for epoch in range(3):\n    pass\n",
    "if __name__ == '__main__':\n    model.fit(x)\n",
    "",
]
trainer = st.one_of(st.sampled_from(TRAINERS), noise)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """One folder for the module: each example overwrites the same three files."""
    root = tmp_path_factory.mktemp("fuzz-container")
    (root / "pyproject.toml").touch()
    return root


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                         HealthCheck.function_scoped_fixture])
@given(docker=dockerfile, entry=script, train=trainer, platform=st.sampled_from(PLATFORMS))
def test_any_dockerfile_and_entry_script(folder, monkeypatch, docker, entry, train, platform):
    for name, text in (("Dockerfile", docker), ("entrypoint.sh", entry), ("train.py", train)):
        (folder / name).write_bytes(text.encode("utf-8"))
    monkeypatch.chdir(folder)
    settings_ = EVERY_RULE.with_overrides(platform=platform)
    report = analyse([Path(".")], settings_)  # must not raise, whatever the files say
    shown = set(report.files)
    event("a Python entry point found" if any(f.endswith("train.py") for f in shown) else "no Python entry point")
    for diagnostic in report.diagnostics:
        event(f"reports {diagnostic.code}")  # `--hypothesis-show-statistics`: what the examples reach
        assert diagnostic.line >= 1 and diagnostic.column >= 1, diagnostic
        assert diagnostic.path in shown, (diagnostic, shown)
    found, analysis = prepare([Path("Dockerfile")], settings_)  # `sigcheck chain Dockerfile`
    for container in analysis.containers:
        assert describe(container, analysis)
