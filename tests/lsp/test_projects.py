"""Which folder the language server analyses for a document, and which documents start a run."""

from __future__ import annotations

from pathlib import Path

from sigcheck.lsp.projects import forget_configs, is_analysable, project_folder


def test_the_workspace_folder_unless_a_sub_project_has_its_own_configuration(tmp_path: Path):
    (tmp_path / "jobs" / "a").mkdir(parents=True)
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "sigcheck.toml").write_text("")
    forget_configs()
    assert project_folder(tmp_path / "jobs" / "a" / "train.py", [tmp_path]) == tmp_path
    assert project_folder(tmp_path / "svc" / "train.py", [tmp_path]) == tmp_path / "svc"


def test_a_configuration_above_the_workspace_does_not_widen_it(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.sigcheck]\n")
    (tmp_path / "ws").mkdir()
    forget_configs()
    assert project_folder(tmp_path / "ws" / "train.py", [tmp_path / "ws"]) == tmp_path / "ws"
    assert project_folder(tmp_path / "ws" / "train.py", []) == tmp_path  # no workspace: the configuration's


def test_outside_any_workspace_a_folder_already_analysed_holds_the_file(tmp_path: Path):
    (tmp_path / "lib").mkdir()
    forget_configs()
    assert project_folder(tmp_path / "lib" / "util.py", [], known=[tmp_path]) == tmp_path


def test_which_documents_trigger_a_run():
    assert is_analysable(Path("train.py")) and is_analysable(Path("Dockerfile.gpu"))
    assert is_analysable(Path("train")) and is_analysable(Path("run.sh"))
    assert is_analysable(Path("job.txt"), "python")
    assert not is_analysable(Path("README.md"))


def test_an_edit_reparses_only_the_edited_document(tmp_path):
    from sigcheck.lsp.projects import check_folder

    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (tmp_path / "helpers.py").write_text(f"FOLDER = {str(tmp_path)!r}\ndef save(m):\n    torch.save(m, 'm.pt')\n",
                                         encoding="utf-8")
    train = tmp_path / "train.py"
    train.write_text("from helpers import save\nif __name__ == '__main__':\n    for b in loader:\n"
                     "        optimizer.step()\n", encoding="utf-8")
    first = check_folder(tmp_path.resolve(), {})
    assert first.parsed == 2
    edited = train.read_text(encoding="utf-8") + "    save(model)\n"
    second = check_folder(tmp_path.resolve(), {train.resolve(): edited})
    assert second.parsed == 1 and second.diagnostics == check_folder(tmp_path.resolve(), {train.resolve(): edited}).diagnostics


def test_a_run_keeps_no_earlier_run_alive(tmp_path: Path, monkeypatch):
    """The server analyses on every edit: what one run built must be freed once it is reported.
    The project has a stop flag, a registration and a training loop, so the flag, save, run-order
    and path-value facts are all built."""
    import gc
    import weakref

    from sigcheck.checking import engine
    from sigcheck.lsp.projects import check_folder

    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "train.py").write_text(
        "import signal, sys, threading, torch\n\nstop = threading.Event()\n\n\n"
        "def on_sigterm(signum, frame):\n    stop.set()\n\n\n"
        "signal.signal(signal.SIGTERM, on_sigterm)\n"
        "for epoch in range(10):\n    if stop.is_set():\n        torch.save({}, '/opt/ml/model/m.pt')\n"
        "        sys.exit(0)\n    model(batch).backward()\n    optimizer.step()\n")
    built = []
    analysis_of = engine._analysis

    def noted(*args, **kwargs):
        analysis = analysis_of(*args, **kwargs)
        built.append(weakref.ref(analysis.project))
        return analysis

    monkeypatch.setattr(engine, "_analysis", noted)
    for _ in range(3):
        assert check_folder(tmp_path, {}).diagnostics  # OPT001 at least: every rule's facts were asked for
    gc.collect()
    assert [ref() is None for ref in built] == [True, True, True]


def test_workspace_files_are_parsed_within_their_budget_and_open_documents_here(tmp_path: Path, monkeypatch):
    """The server analyses in a thread: files on disk are parsed in worker processes, each within
    its time budget, so none can hold the analysis; the open document is parsed here, by parts.
    A module of 60,000 lines takes libcst seconds, ten times the budget given here."""
    import threading

    from sigcheck.loading import summaries
    from sigcheck.lsp.projects import _PARSER, check_folder

    monkeypatch.setattr(summaries, "FILE_BUDGET", 0.5)
    (tmp_path / "pyproject.toml").write_text("")
    slow = tmp_path / "constants.py"
    slow.write_text("".join(f"VALUE_{n} = {n}\n" for n in range(60_000)))
    train = (tmp_path / "train.py").resolve()
    train.write_text("")
    text = "import constants\nif __name__ == '__main__':\n    for epoch in range(300):\n        loss.backward()\n        optimizer.step()\n"
    reports = []
    worker = threading.Thread(target=lambda: reports.append(check_folder(tmp_path.resolve(), {train: text})))
    worker.start()
    worker.join(120)
    (report,) = reports
    (error,) = [e for e in report.errors if e.path.endswith("constants.py")]
    assert "no summary within 0.5 s" in error.message
    assert [d.code for d in report.diagnostics if d.path.endswith("train.py")] == ["SIG001"]
    assert str(train) in _PARSER._last and str(slow.resolve()) not in _PARSER._last
