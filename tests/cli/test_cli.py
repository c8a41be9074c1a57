"""The CLI end to end: output formats, exit status, options, subcommands."""

from __future__ import annotations

import json
import textwrap

import pytest
from click.testing import CliRunner

from sigcheck import __version__
from sigcheck.cli import _DEFAULT_PLATFORM, main
from sigcheck.rules import ALL_RULES

BAD = """
import signal, sys, torch

def on_sigterm(signum, frame):
    print("bye")
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
for epoch in range(10):
    loss = model(batch)
    loss.backward()
    optimizer.step()
"""

GOOD = """
import signal, sys, torch

def on_sigterm(signum, frame):
    torch.save(model.state_dict(), "ckpt.pt")
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
for epoch in range(10):
    loss = model(batch)
    loss.backward()
    optimizer.step()
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("")

    def write(name, text):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path

    return write


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_json_contract(project):
    project("train.py", BAD)
    result = invoke("train.py", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["version"] == __version__
    assert data["files"] == ["train.py"] and data["errors"] == []
    (finding,) = data["diagnostics"]
    assert finding["code"] == "SIG002" and finding["name"] == "handler-never-saves"
    assert (finding["path"], finding["line"], finding["column"]) == ("train.py", 7, 1)
    assert (finding["end_line"], finding["end_column"]) == (7, 42)
    assert finding["severity"] == "error" and finding["fix"] is None and finding["also_run_from"] == []
    assert finding["trace"][0] == {"path": "train.py", "line": 7, "column": 1, "note": "SIGTERM handler registered here"}
    assert finding["trace"][1]["line"] == 3
    assert data["platform"] == {"name": "sagemaker", "deadline": 120, "named": False}


def test_json_says_whose_deadlines_it_states(project):
    project("train.py", BAD)
    data = json.loads(invoke("train.py", "--format", "json", "--platform", "kubernetes", "--deadline", "45").output)
    assert data["platform"] == {"name": "kubernetes", "deadline": 45, "named": True}


def test_text_output_has_location_caret_and_trace(project):
    project("train.py", BAD)
    result = invoke("train.py", "--no-color")
    lines = result.output.splitlines()
    assert lines[0].startswith("train.py:7:1: SIG002 SIGTERM handler `on_sigterm`")
    assert lines[2] == "7 | signal.signal(signal.SIGTERM, on_sigterm)"
    assert lines[3] == "  | " + "^" * 41
    assert "= trace: SIGTERM handler registered here (train.py:7) → handler on_sigterm (train.py:3)" in result.output
    assert lines[-2:] == ["Found 1 problem (1 file analysed).", _DEFAULT_PLATFORM]
    assert "\x1b[" not in result.output


def test_the_summary_counts_folders_without_entry_points_apart_from_unreadable_files(project):
    """composer: two folders of library code named on the command line are no files."""
    project("train.py", BAD)
    project("lib/util.py", "def helper():\n    return 1\n")
    project("broken.py", "def broken(:\n")
    result = invoke("train.py", "lib", "broken.py", "--no-color")
    assert result.output.splitlines()[-2] == \
        "Found 1 problem, 1 file could not be analysed, 1 folder with no entry point (1 file analysed)."


def test_clean_project_exits_zero(project):
    project("train.py", GOOD)
    result = invoke("train.py")
    assert result.exit_code == 0, result.output
    assert "All checks passed" in result.output


def test_directory_run_finds_the_entry_point(project):
    project("pkg/train.py", BAD + '\nif __name__ == "__main__":\n    pass\n')
    project("pkg/helpers.py", "def unused():\n    pass\n")
    result = invoke(".", "--format", "json")
    data = json.loads(result.output)
    assert [d["path"] for d in data["diagnostics"]] == ["pkg/train.py"]
    assert data["files"] == ["pkg/train.py"]


@pytest.mark.parametrize("args, codes", [
    (["--select", "SIG001"], []),
    (["--ignore", "SIG002"], []),
    (["--select", "SIG00"], ["SIG002"]),
    (["--select", "SIG", "--ignore", "SIG002"], ["SIG011"]),
    (["--extend-select", "SIG011"], ["SIG002", "SIG011"]),
])
def test_selection(project, args, codes):
    project("train.py", BAD)
    data = json.loads(invoke("train.py", "--format", "json", *args).output)
    assert sorted(d["code"] for d in data["diagnostics"]) == codes


def test_unknown_rule_code_is_a_usage_error(project):
    project("train.py", BAD)
    result = invoke("train.py", "--select", "XYZ9")
    assert result.exit_code == 2
    assert "unknown rule code or prefix 'XYZ9'" in result.output


def test_exit_zero_with_a_file_that_could_not_be_analysed(project):
    """A CI job that uploads the report must go on when one Python 2 file of the repository
    cannot be parsed: it is listed in the report. With nothing analysed at all, the status is 2."""
    project("train.py", BAD)
    project("legacy.py", "print 'hello'\n")
    assert invoke("train.py", "legacy.py").exit_code == 1  # findings first
    assert invoke("train.py", "legacy.py", "--exit-zero").exit_code == 0
    assert invoke("legacy.py", "--exit-zero").exit_code == 2


def test_exit_zero_with_a_folder_that_has_no_entry_points(project):
    """Nothing to check is said, and fails the run, unless the user asked for exit status 0, as
    ruff passes a folder with no Python files under `--exit-zero`."""
    project("lib/layers.py", "def dense(x):\n    return x\n")
    assert invoke("lib").exit_code == 2
    result = invoke("lib", "--exit-zero")
    assert result.exit_code == 0 and "no entry points found" in result.output
    project("legacy.py", "print 'hello'\n")
    assert invoke("lib", "legacy.py", "--exit-zero").exit_code == 2  # a file that could not be read still fails


PRETRAIN = """
import torch


def setup(steps=1000):
    for step in range(steps):
        model(batch).sum().backward()
        optimizer.step()
"""


def test_a_named_file_that_runs_none_of_its_functions_is_said_to_check_nothing(project):
    """litgpt's pretrain.py runs only through the `litgpt` console script: named on its own, it
    runs none of its code, and a clean pass would vouch for a loop nothing judged."""
    project("pkg/pretrain.py", PRETRAIN)
    result = invoke("pkg/pretrain.py")
    assert result.exit_code == 2
    assert "pkg/pretrain.py:4:5: E902 runs none of its functions when run as a script" in result.output
    assert "All checks passed" not in result.output
    assert invoke("pkg/pretrain.py", "--exit-zero").exit_code == 0
    project("pkg/__main__.py", "from pkg.pretrain import setup\n\nsetup()\n")
    assert invoke("pkg/__main__.py", "--quiet").output.startswith("pkg/pretrain.py:5:5: SIG001 ")
    assert "runs none of its functions" not in invoke("pkg", "--quiet").output  # only a file named is judged so



def test_a_call_the_files_imports_make_at_their_top_is_none_of_its_own(project):
    """vision_transformer's vit_jax/train.py imports a module whose top fills a registry
    (`VIT = _register("vit")`): that runs none of train.py's functions (triage CB)."""
    project("pkg/registry.py", "MODELS = {}\n\n\ndef _register(name):\n    MODELS[name] = name\n    return name\n\n\n"
                               "VIT = _register('vit')\n")
    project("pkg/pretrain.py", "from pkg import registry\n" + PRETRAIN)
    result = invoke("pkg/pretrain.py")
    assert result.exit_code == 2 and "E902 runs none of its functions when run as a script" in result.output


@pytest.mark.parametrize("written", [
    PRETRAIN + "\n\nif __name__ == '__main__':\n    setup()\n",
    "from pkg.pretrain import setup\n\n\ndef helper():\n    pass\n\n\nsetup()\n",  # runs another module's function
    "import flask\n\napp = flask.Flask(__name__)\n\n\n@app.route('/ping')\ndef ping():\n    return 'ok'\n",  # a server runs it
    "import signal\n\n\ndef install(handler):\n    signal.signal(signal.SIGTERM, handler)\n",  # its registration is judged
    "import json\n\nprint(json.dumps({'steps': 10}))\n",  # no function to run
])
def test_a_named_file_that_runs_code_or_defines_none_is_checked(project, written):
    project("pkg/pretrain.py", PRETRAIN)
    project("run.py", written)
    assert "runs none of its functions" not in invoke("run.py").output


def test_exit_zero_quiet_and_statistics(project):
    project("train.py", BAD)
    assert invoke("train.py", "--exit-zero").exit_code == 0
    quiet = invoke("train.py", "--quiet")
    assert quiet.output.strip().splitlines() == [quiet.output.strip().splitlines()[0]]
    assert quiet.output.startswith("train.py:7:1: SIG002 ")
    stats = invoke("train.py", "--statistics", "--no-color")
    assert "    1  SIG002  handler-never-saves" in stats.output
    project("Dockerfile", 'FROM python:3.11\nCOPY train.py /opt/program/\nENTRYPOINT ["python", "/opt/program/train.py"]\n')
    stats = invoke("Dockerfile", "--statistics", "--no-color", "--no-cache").output
    # the Dockerfile is read, not parsed as Python, and nothing came from a cache
    assert "2  files analysed (1 Python: 1 parsed, 0 from the cache; 1 Dockerfiles, scripts and other files read)" in stats, stats
    project("legacy.py", 'print "Python 2"\n')  # a file that fails to parse is an error, not a file analysed
    stats = invoke("train.py", "legacy.py", "--statistics", "--no-color", "--no-cache").output
    assert "1  files analysed (1 Python: 1 parsed, 0 from the cache), 1 could not be" in stats, stats


def test_deadline_and_platform_reach_messages(project):
    project("train.py", """
        for epoch in range(300):
            loss.backward()
            optimizer.step()
    """)
    data = json.loads(invoke("train.py", "--format", "json", "--platform", "kubernetes").output)
    assert "on Kubernetes" in data["diagnostics"][0]["message"] and "30 s" in data["diagnostics"][0]["message"]
    data = json.loads(invoke("train.py", "--format", "json", "--deadline", "45").output)
    assert "45 s" in data["diagnostics"][0]["message"]


def test_version_rule_page_and_rules_table():
    assert __version__ in invoke("--version").output
    page = invoke("rule", "sig002").output
    for heading in ("# handler-never-saves (SIG002)", "## What it does", "## Why is this bad?", "## Example",
                    "## Use instead", "## Reported (tested example)", "## Not reported (tested example)"):
        assert heading in page
    assert invoke("rule", "SIG999").exit_code == 2
    table = invoke("rules").output.splitlines()
    assert table[0].split() == ["CODE", "NAME", "SEVERITY", "DEFAULT", "SUMMARY"]
    assert any(line.startswith("SIG011  unsafe-io-in-handler") and " off " in line for line in table)
    assert len(table) == len(ALL_RULES) + 1
    # the options `check` takes for plain output are taken here too, where output is always plain
    assert invoke("rule", "sig002", "--no-color").output == page
    assert invoke("rules", "--no-color").output.splitlines() == table


def test_torchrun_worker_gets_the_launchers_shorter_deadline(project):
    project("train.py", """
        import os
        local_rank = int(os.environ["LOCAL_RANK"])
        for epoch in range(300):
            loss.backward()
            optimizer.step()
    """)
    message = json.loads(invoke("train.py", "--format", "json").output)["diagnostics"][0]["message"]
    assert "under torchrun" in message and "SIGKILL 30 s later" in message
    message = json.loads(invoke("train.py", "--format", "json", "--platform", "docker").output)["diagnostics"][0]["message"]
    assert "on Docker" in message and "10 s" in message


def test_the_launchers_deadline_needs_the_variable_read_on_the_run(project):
    project("dist.py", """
        import os

        def local_rank():
            return int(os.environ.get("LOCAL_RANK", -1))

        def world_size():
            return int(os.environ.get("WORLD_SIZE", 1))
    """)
    project("train.py", """
        import dist

        size = dist.world_size()
        for epoch in range(300):
            loss.backward()
            optimizer.step()
    """)
    message = json.loads(invoke("train.py", "--format", "json").output)["diagnostics"][0]["message"]
    assert "on SageMaker" in message and "120 s" in message  # dist reads LOCAL_RANK, but not on this run
    project("train.py", """
        import dist

        rank = dist.local_rank()
        for epoch in range(300):
            loss.backward()
            optimizer.step()
    """)
    message = json.loads(invoke("train.py", "--format", "json").output)["diagnostics"][0]["message"]
    assert "SIGKILL 120 s later (30 s if started by torchrun)" in message  # read with a default


def test_chain_command_prints_who_receives_the_signal(project):
    project("train.py", GOOD)
    project("entrypoint.sh", '#!/bin/sh\ncd /opt/program\npython -u train.py "$@"\n')
    project("Dockerfile", 'FROM python:3.11-slim\nCOPY . /opt/program\nENTRYPOINT ["sh", "/opt/program/entrypoint.sh"]\n')
    result = invoke("chain", "Dockerfile")
    assert result.exit_code == 0, result.output
    assert "entrypoint.sh:3" in result.output and "never receives SIGTERM" in result.output
    assert "SIGKILL after 120 s" in result.output


def test_dockerfile_findings_show_the_line_with_carets_and_a_fix(project):
    project("train.py", GOOD)
    project("Dockerfile", "FROM python:3.11-slim\nCOPY train.py /app/train.py\nENTRYPOINT python /app/train.py\n")
    result = invoke("Dockerfile", "--no-color", "--select", "DKR001")
    assert result.exit_code == 1
    assert "Dockerfile:3:1: DKR001" in result.output and "3 | ENTRYPOINT python /app/train.py" in result.output
    assert "^^^^^^^^^^" in result.output
    data = json.loads(invoke("Dockerfile", "--format", "json", "--select", "DKR001").output)
    fix = data["diagnostics"][0]["fix"]
    assert fix["applicability"] == "safe" and fix["edits"][0]["content"] == 'ENTRYPOINT ["python", "/app/train.py"]'


def test_directory_run_analyses_the_script_a_dockerfile_runs(project):
    project("docker/Dockerfile", 'FROM python\nCOPY src/ /app/\nENTRYPOINT ["python", "/app/job.py"]\n')
    project("docker/src/job.py", BAD)  # no __main__ guard: found through the Dockerfile only
    data = json.loads(invoke(".", "--format", "json").output)
    assert "docker/src/job.py" in data["files"] and "docker/Dockerfile" in data["files"]
    assert any(d["code"] == "SIG002" and d["path"] == "docker/src/job.py" for d in data["diagnostics"])


def test_broken_dockerfile_is_a_located_error(project):
    project("Dockerfile", "FROM x\nRUN <<EOF\nnever ends\n")
    result = invoke("Dockerfile", "--no-color")
    assert result.exit_code == 2
    assert "Dockerfile:2:1: E902 Dockerfile syntax error: unterminated heredoc" in result.output


def test_directory_run_finds_scripts_without_a_main_guard(project):
    project("scripts/train_gan.py", """
        import torch
        for epoch in range(10):
            loss = net(batch)
            loss.backward()
            optimizer.step()
    """)
    project("scripts/models.py", "def build():\n    for layer in range(3):\n        pass\n")
    data = json.loads(invoke(".", "--format", "json").output)
    assert data["files"] == ["scripts/train_gan.py"]
    assert [(d["code"], d["line"]) for d in data["diagnostics"]] == [("SIG001", 2)]


def test_the_program_flushes_its_report_and_exits_with_the_status(project, tmp_path):
    """`python -m sigcheck` ends with os._exit: the output must be out and the status kept."""
    import subprocess
    import sys

    project("train.py", BAD)
    args = [sys.executable, "-m", "sigcheck", "--no-cache", "--format", "json", "train.py"]
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert [d["code"] for d in json.loads(done.stdout)["diagnostics"]] == ["SIG002"]
    piped = subprocess.run(f"{' '.join(args)} | head -c 10", shell=True, cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
    assert piped.stdout == done.stdout[:10] and "Traceback" not in piped.stderr
    usage = subprocess.run([sys.executable, "-m", "sigcheck", "--select", "NOPE999", "train.py"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert usage.returncode == 2 and "NOPE999" in usage.stderr


def test_chain_command_calls_a_program_that_trains_a_trainer_and_others_a_program(project):
    project("serve.py", "from flask import Flask\napp = Flask(__name__)\nif __name__ == '__main__':\n    app.run()\n")
    project("train.py", "for batch in loader:\n    loss = model(batch)\n    loss.backward()\n    optimizer.step()\n")
    project("Dockerfile", 'FROM python:3.11-slim\nCOPY serve.py /opt/program/serve.py\n'
                          'ENTRYPOINT ["python", "/opt/program/serve.py"]\n')
    last = invoke("chain", "Dockerfile").output.strip().splitlines()[-1]
    assert last.startswith("  program serve.py (sigcheck sees no training in it) has no SIGTERM handler") and "to end" in last
    project("Dockerfile", 'FROM python:3.11-slim\nCOPY train.py /opt/program/train.py\n'
                          'ENTRYPOINT ["python", "/opt/program/train.py"]\n')
    last = invoke("chain", "Dockerfile").output.strip().splitlines()[-1]
    assert last.startswith("  trainer train.py has no SIGTERM handler") and "to save" in last


def test_chain_command_says_why_the_train_rules_leave_an_image_alone(project):
    project("serve", "#!/usr/bin/env python3\n")
    project("Dockerfile", 'FROM python:3.11-slim\nCOPY --chmod=755 serve /opt/program/serve\n'
                          'ENV PATH="/opt/program:${PATH}"\n')
    result = invoke("chain", "Dockerfile")
    assert "· no executable `train`" in result.output and "an image for an endpoint" in result.output
    # `train` is run, but no such program is there: it is not said to receive the signal
    assert "would receive SIGTERM as PID 1; sigcheck cannot follow it" in result.output
    assert "receives SIGTERM as PID 1" not in result.output
    project("Dockerfile", 'FROM python:3.11-slim\nRUN pip install torch\nCMD ["bash"]\n')
    output = invoke("chain", "Dockerfile").output
    assert "nothing shows the image is for SageMaker training" in output and "✗" not in output


def test_text_output_says_the_deadlines_are_the_default_platforms_until_one_is_named(project):
    project("train.py", BAD)
    note = "note: deadlines are SageMaker's, the default platform"
    assert note in invoke("train.py", "--no-cache").output
    assert note not in invoke("train.py", "--no-cache", "--platform", "sagemaker").output
    assert note not in invoke("train.py", "--no-cache", "--format", "json").output
    project("sigcheck.toml", 'platform = "kubernetes"\n')
    assert note not in invoke("train.py", "--no-cache").output
    project("train.py", GOOD)
    project("sigcheck.toml", "")
    assert note not in invoke("train.py", "--no-cache").output  # nothing reported, no deadline stated


def test_chain_command_says_once_that_exec_replaces_the_shell(project):
    project("train.py", GOOD)
    project("entrypoint.sh", '#!/bin/sh\ncd /opt/program\nexec python -u train.py "$@"\n')
    project("Dockerfile", 'FROM python:3.11-slim\nCOPY . /opt/program\nENTRYPOINT ["sh", "/opt/program/entrypoint.sh"]\n')
    output = invoke("chain", "Dockerfile").output
    assert "exec replaces the shell with it" in output
    assert "takes its place — exec replaces" not in output
    # the container's command is PID 1, not a program exec'd into: its script runs its lines itself
    assert "sh /opt/program/entrypoint.sh train  (Dockerfile:3)\n     receives SIGTERM as PID 1\n" in output


def test_the_code_a_file_that_could_not_be_analysed_is_shown_with_has_a_page(project):
    page = invoke("rule", "E902")
    assert page.exit_code == 0 and page.output.startswith("# file-not-analysed (E902)")
    from pathlib import Path
    assert (Path(__file__).parents[2] / "docs" / "rules" / "E902.md").read_text(encoding="utf-8") == page.output


def test_statistics_count_a_console_scripts_declaration_as_read_and_skip_only_the_folders_searched(project):
    """Two console scripts of one module were two more "Python" files with a negative cache
    count; the files skipped counted the folders beside the one searched."""
    project("proj/pyproject.toml", '[project]\nname = "pkg"\n[project.scripts]\npkg = "pkg.cli:main"\npkg2 = "pkg.cli:main"\n')
    project("proj/pkg/__init__.py", "")
    project("proj/pkg/cli.py", "def main():\n    print('hello')\n")
    project("proj/pkg/unused.py", "X = 1\n")
    project("other/helper.py", "Y = 2\n")
    stats = invoke("proj", "--statistics", "--no-color", "--no-cache", "--exit-zero").output
    assert "3  files analysed (2 Python: 2 parsed, 0 from the cache; 1 Dockerfiles, scripts and other files read)" in stats, stats
    assert "    1  Python files skipped" in stats, stats  # pkg/unused.py, not other/helper.py
    assert "    0  Python files skipped" in invoke("proj/pkg/cli.py", "--statistics", "--no-color", "--exit-zero").output
