"""The cache: summaries by content, whole runs by their inputs, and nothing in it trusted."""

from __future__ import annotations

import json
import os
import pickle
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from project_files import write_project
from sigcheck.checking.engine import analyse
from sigcheck.checking.runcache import RunOptions
from sigcheck.config.settings import Settings
from sigcheck.loading.cache import Cache, cache_folder, key_of

PROJECT = {
    "pyproject.toml": "",
    "train.py": """
        import signal, sys, torch
        from helpers import save

        def on_term(signum, frame):
            sys.exit(0)

        signal.signal(signal.SIGTERM, on_term)
        for batch in loader:
            optimizer.step()
    """,
    "helpers.py": """
        def save(model):
            torch.save(model.state_dict(), "/opt/ml/model/model.pt")
    """,
    "launch.py": """
        import subprocess
        if __name__ == "__main__":
            subprocess.run(["python", "train.py"])
    """,
}


def _key(report):
    return [(d.code, d.path, d.line, d.column, d.message, d.trace) for d in report.diagnostics], \
        [(e.path, e.message) for e in report.errors], report.files


@pytest.fixture
def project(tmp_path, monkeypatch):
    write_project(tmp_path, PROJECT)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(folder: Path, jobs: int = 1, cache: bool = True, paths=(".",)):
    options = RunOptions(jobs, Cache(folder / ".sigcheck_cache") if cache else None)
    return analyse([Path(p) for p in paths], Settings(), options=options)


def test_warm_run_parses_nothing_and_gives_the_same_report(project):
    cold = _run(project)
    assert cold.parsed == 3 and cold.diagnostics
    warm = _run(project)
    assert warm.parsed == 0
    assert _key(warm) == _key(cold)


def test_entries_stored_as_the_workers_pickled_them_are_read_back(project):
    # Workers send each summary pickled as its cache entry, which is stored as it came.
    cold = analyse([Path(".")], Settings(), options=RunOptions(2, Cache(project / ".sigcheck_cache"), isolated=True))
    assert cold.parsed == 3
    stored = list((project / ".sigcheck_cache").rglob("summary/*/*"))
    assert len(stored) == 3
    (project / "train.py").write_text((project / "train.py").read_text() + "\n")  # the run's own entry is stale
    warm = _run(project)
    assert warm.parsed == 1  # the edited file only: the other two entries were read
    assert _key(warm) == _key(cold)


def test_one_module_changed_is_the_only_one_parsed(project):
    cold = _run(project)
    (project / "helpers.py").write_text("def save(model):\n    torch.save(model, 'm.pt')\n", encoding="utf-8")
    changed = _run(project)
    assert changed.parsed == 1
    assert _key(changed) != _key(cold)
    assert _key(changed) == _key(_run(project, cache=False))  # the same as a run without the cache


def test_a_new_module_is_seen_by_a_warm_run(project):
    _run(project)
    (project / "extra.py").write_text("if __name__ == '__main__':\n    for b in loader:\n        optimizer.step()\n",
                                      encoding="utf-8")
    assert "extra.py" in _run(project).files


def test_a_version_pin_written_or_changed_is_seen_by_a_warm_run(tmp_path, monkeypatch):
    """Lightning handles SIGTERM from 2.0 (stopping the fit, which here nothing saves: SIG002):
    the pin decides between SIG001 and SIG002, so a cached report that read no requirements
    file, or an older one, is stale once a pin is written or changed."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "train.py").write_text("import lightning as L\n\nif __name__ == '__main__':\n"
                                       "    L.Trainer().fit(model)\n")
    assert [d.code for d in _run(tmp_path).diagnostics] == ["SIG002"]
    (tmp_path / "requirements.txt").write_text("lightning==1.9.5\n")
    assert [d.code for d in _run(tmp_path).diagnostics] == ["SIG001"]
    (tmp_path / "requirements.txt").write_text("lightning==2.2.0\n")
    assert [d.code for d in _run(tmp_path).diagnostics] == ["SIG002"]


def test_a_hydra_configuration_file_added_or_edited_is_seen_by_a_warm_run(tmp_path, monkeypatch):
    """The callbacks Hydra builds are judged by the configuration folder's files: one added (in a
    new subfolder too) or edited makes a cached report stale."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "train.py").write_text(
        "import hydra\nfrom lightning import Trainer\n\n@hydra.main(config_path='conf', config_name='c')\ndef main(cfg):\n"
        "    callbacks = [hydra.utils.instantiate(c) for c in cfg.callbacks.values()]\n"
        "    trainer: Trainer = hydra.utils.instantiate(cfg.trainer, callbacks=callbacks)\n    trainer.fit(model)\n\nmain()\n")
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "c.yaml").write_text("trainer:\n  _target_: lightning.pytorch.Trainer\n")
    assert [d.code for d in _run(tmp_path).diagnostics] == ["SIG002"]
    (tmp_path / "conf" / "callbacks").mkdir()
    saving = tmp_path / "conf" / "callbacks" / "default.yaml"
    saving.write_text("last:\n  _target_: lightning.pytorch.callbacks.OnExceptionCheckpoint\n")
    assert _run(tmp_path).diagnostics == []
    saving.write_text("last:\n  _target_: lightning.pytorch.callbacks.ModelCheckpoint\n")
    assert [d.code for d in _run(tmp_path).diagnostics] == ["SIG002"]


def test_a_hydra_target_edited_to_a_project_trainer_is_seen_by_a_warm_run(tmp_path, monkeypatch):
    """The loader reads the configuration for the project classes it names: a `_target_` that
    comes to name a project trainer brings its module and its loop in, cache or not."""
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path, {
        "pyproject.toml": "",
        "train.py": "import hydra\n\n@hydra.main(config_path='conf', config_name='c')\ndef main(cfg):\n"
                    "    hydra.utils.instantiate(cfg.trainer).train()\n\nmain()\n",
        "conf/c.yaml": "trainer:\n  _target_: lightning.pytorch.Trainer\n",
        "loops.py": "class Trainer:\n    def train(self):\n        for batch in loader:\n            optimizer.step()\n",
    })
    assert _run(tmp_path).diagnostics == []
    (tmp_path / "conf" / "c.yaml").write_text("trainer:\n  _target_: loops.Trainer\n")
    assert [(d.code, d.path) for d in _run(tmp_path).diagnostics] == [("SIG001", "loops.py")]


_HANDLES = "import signal, sys\n\nsignal.signal(signal.SIGTERM, lambda s, f: sys.exit(0))\nfor batch in loader:\n    optimizer.step()\n"


@pytest.mark.parametrize("launcher, before, after", [
    ("launch.ipynb", "PyTorch(entry_point='train.py', source_dir='src')", "Estimator(entry_point='train.py', source_dir='src')"),
    ("accelerate_config.yaml", "compute_environment: AMAZON_SAGEMAKER", "compute_environment: LOCAL_MACHINE"),
    ("src/run.sh", "torchrun --nproc_per_node 8 train.py", "set -e\ntorchrun --nproc_per_node 8 train.py"),
])
def test_a_launcher_or_its_config_edited_is_seen_by_a_warm_run(tmp_path, monkeypatch, launcher, before, after):
    """What runs the script decides DKR007, and neither a notebook nor accelerate's config is an
    entry point: a cached report that did not keep them as inputs would be stale."""
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path, {"pyproject.toml": "", "src/train.py": _HANDLES,
                             "launch.sh": "accelerate launch --config_file accelerate_config.yaml src/train.py\n"})
    if launcher.endswith(".sh"):  # `sigcheck launch.py`: a ModelTrainer runs run.sh, which no directory search read
        (tmp_path / "launch.py").write_text("from sagemaker.modules.configs import SourceCode\n"
                                            "code = SourceCode(source_dir='src', command='bash run.sh')\n")
    write = (lambda text: (tmp_path / launcher).write_text(json.dumps({"cells": [{"cell_type": "code", "source": [text]}]}))
             if launcher.endswith(".ipynb") else (tmp_path / launcher).write_text(text + "\n"))
    paths = ("launch.py",) if launcher.endswith(".sh") else (".",)
    write(before)
    first = _key(_run(tmp_path, paths=paths))
    write(after)
    assert _key(_run(tmp_path, paths=paths)) == _key(_run(tmp_path, cache=False, paths=paths)) != first


@pytest.mark.parametrize("cells", [
    # a script a cell writes for an estimator
    [["%%writefile code/train.py\n", "import torch\n", "for batch in loader:\n", "    loss.backward()\n",
      "    optimizer.step()\n"],
     ["est = PyTorch(entry_point='train.py', source_dir='code')\n"]],
    # a function handed to a Kubeflow TrainJob
    [["def train():\n", "    import torch\n", "    for batch in loader:\n", "        loss.backward()\n",
      "        optimizer.step()\n"],
     ["TrainerClient().train(trainer=CustomTrainer(func=train))\n"]],
])
def test_a_script_written_from_a_notebook_edited_in_place_is_seen_by_a_warm_run(tmp_path, monkeypatch, cells):
    """The script is no file of its own: the notebook holding its lines is the input. An edit that
    keeps every line where it was (a handler set on the import line) leaves the entry points and
    launches as they were, so only the notebook's content tells the cached report is stale."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("")

    def write(source):
        (tmp_path / "launch.ipynb").write_text(json.dumps({"cells": [{"cell_type": "code", "source": lines}
                                                                     for lines in source]}, indent=1))
    write(cells)
    assert [d.code for d in _run(tmp_path).diagnostics] == ["SIG001"]
    handled = [list(cells[0]), cells[1]]
    handled[0][1] = handled[0][1].replace("import torch", "import signal, sys, torch; signal.signal(signal.SIGTERM, "
                                                           "lambda s, f: sys.exit(0))")
    write(handled)
    assert _key(_run(tmp_path)) == _key(_run(tmp_path, cache=False))
    assert "SIG002" in [d.code for d in _run(tmp_path).diagnostics]  # the handler saves nothing


def test_results_do_not_depend_on_jobs_or_file_order(project):
    scripts = [f"job{n}.py" for n in range(8)]  # enough files for the worker pool to be used
    write_project(project, {name: f"""
        import subprocess
        from helpers import save
        if __name__ == "__main__":
            subprocess.run(["torchrun", "train.py", "--seed", "{n}"])
    """ for n, name in enumerate(scripts)})
    names = ["train.py", "launch.py", "helpers.py", *scripts]
    one = _run(project, jobs=1, cache=False, paths=names)
    two = _run(project, jobs=2, cache=False, paths=names[::-1])
    assert _key(one) == _key(two) and len(one.diagnostics) >= 8


def test_corrupt_and_foreign_entries_are_ignored_and_rebuilt(project):
    cold = _run(project)
    entries = [p for p in (project / ".sigcheck_cache").rglob("*") if p.is_file() and p.name != ".gitignore"]
    assert entries
    # A pickle that would run code when loaded, with a valid header: it must never be unpickled.
    hostile = pickle.dumps(_Exploit())
    for number, entry in enumerate(entries):
        if number % 2:
            entry.write_bytes(entry.read_bytes()[:-7] + b"garbage")  # torn: the checksum fails
        else:
            import hashlib
            entry.write_bytes(b"sigcheck-cache 1\n" + hashlib.sha256(hostile).digest() + hostile)
    again = _run(project)
    assert not (project / "pwned").exists()
    assert again.parsed == 3 and _key(again) == _key(cold)


class _Exploit:
    def __reduce__(self):
        return (os.system, ("touch pwned",))


def test_cache_folder_is_user_only_and_ignored_by_git(project):
    _run(project)
    folder = project / ".sigcheck_cache"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert (folder / ".gitignore").read_text(encoding="utf-8").strip().endswith("*")


def test_cache_folder_comes_from_the_option_then_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("SIGCHECK_CACHE_DIR", raising=False)
    assert cache_folder(None, tmp_path) == tmp_path / ".sigcheck_cache"
    monkeypatch.setenv("SIGCHECK_CACHE_DIR", str(tmp_path / "env"))
    assert cache_folder(None, tmp_path) == tmp_path / "env"
    assert cache_folder(tmp_path / "given", tmp_path) == tmp_path / "given"


def test_an_unwritable_cache_never_stops_a_run(project):
    blocked = project / "blocked"
    blocked.write_text("a file where the folder should be", encoding="utf-8")
    report = analyse([Path(".")], Settings(), options=RunOptions(1, Cache(blocked / "cache")))
    assert report.diagnostics and not report.errors


def test_keys_separate_their_parts():
    assert key_of("ab", "c") != key_of("a", "bc")


def test_warm_run_imports_neither_libcst_nor_networkx(project):
    cli = [sys.executable, "-m", "sigcheck", "check", ".", "--format", "json", "--cache-dir", ".sigcheck_cache"]
    subprocess.run(cli, capture_output=True, cwd=project, timeout=120)
    probe = ("import sys; from sigcheck.cli import main\n"
             "try:\n    main(['check', '.', '--format', 'json', '--cache-dir', '.sigcheck_cache'])\n"
             "except SystemExit:\n    pass\n"
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'libcst', 'networkx'}), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=project, timeout=120)
    assert done.stderr.strip().splitlines()[-1] == "[]", done.stderr


@pytest.fixture
def parser_hangs_on_hang_py(monkeypatch):
    """The summary of module `hang` never comes; every file has a 3 s budget. The forked workers
    inherit the patch."""
    from sigcheck.loading import summaries
    from sigcheck.model import builder

    real = builder.build_summary

    def hangs_on_one(tree, name, *args):
        if name == "hang":
            time.sleep(120)
        return real(tree, name, *args)

    monkeypatch.setattr(builder, "build_summary", hangs_on_one)
    monkeypatch.setattr(summaries, "FILE_BUDGET", 3.0)


def analysed_within_budget(options: RunOptions):
    started = time.monotonic()
    report = analyse([Path(".")], Settings(), options=options)
    assert time.monotonic() - started < 60
    (error,) = [e for e in report.errors if e.path == "hang.py"]
    assert "no summary within 3 s" in error.message
    return report


def test_a_file_the_parser_hangs_on_is_skipped_and_said_so(project, parser_hangs_on_hang_py):
    scripts = {f"job{n}.py": "if __name__ == '__main__':\n    pass\n" for n in range(6)}
    write_project(project, {**scripts, "hang.py": "if __name__ == '__main__':\n    pass\n"})
    report = analysed_within_budget(RunOptions(2, None))
    assert {f"job{n}.py" for n in range(6)} <= set(report.files)


def test_with_one_job_and_few_files_the_command_line_still_keeps_the_budget(project, parser_hangs_on_hang_py):
    from sigcheck.cli import _run_options

    write_project(project, {"train.py": "if __name__ == '__main__':\n    pass\n",
                            "hang.py": "if __name__ == '__main__':\n    pass\n"})
    options = _run_options([Path(".")], Settings(), 1, True, None, None)  # `--jobs 1 --no-cache`
    assert options.isolated and options.jobs == 1
    report = analysed_within_budget(options)
    assert "train.py" in report.files


def test_the_code_fingerprint_is_the_same_in_every_process():
    probe = "from sigcheck.loading.cache import code_fingerprint; print(code_fingerprint())"
    seen = {subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in (1, 2, 3, 4)}
    assert len(seen) == 1 and len(next(iter(seen)).strip()) == 64


def test_an_edited_file_replaces_its_entry_instead_of_adding_one(project):
    _run(project)
    entries = lambda: sorted(p.name for p in (project / ".sigcheck_cache").rglob("*") if "summary" in p.parts and p.is_file())
    before = entries()
    for number in range(3):
        (project / "helpers.py").write_text(f"def save(model):\n    torch.save(model, 'm{number}.pt')\n", encoding="utf-8")
        assert _run(project).parsed == 1
    assert entries() == before


def test_a_summary_unreadable_after_its_content_hash_is_parsed_again(project):
    """An entry whose content hash matches but whose summary cannot be read (a hostile pickle
    behind a genuine hash) is a miss: the file is parsed, nothing runs."""
    import hashlib

    cold = _run(project)
    for stored_run in (project / ".sigcheck_cache").rglob("run/*/*"):
        stored_run.unlink()  # else the whole run is answered from it
    for entry in (project / ".sigcheck_cache").rglob("summary/*/*"):
        first = pickle.loads(entry.read_bytes()[len(b"sigcheck-cache 1\n") + 32:])  # the content hash
        payload = pickle.dumps(first) + pickle.dumps(_Exploit())
        entry.write_bytes(b"sigcheck-cache 1\n" + hashlib.sha256(payload).digest() + payload)
    again = _run(project)
    assert not (project / "pwned").exists()
    assert again.parsed == 3 and _key(again) == _key(cold)


def test_workers_parse_the_changed_files_while_the_cached_summaries_are_read(project, monkeypatch):
    """The files to parse go to the workers before the cached summaries are built, so that a
    run with one file changed reads the others while it is parsed."""
    from sigcheck.loading import cache, summaries

    events = []
    read = cache.Stored.next
    monkeypatch.setattr(cache.Stored, "next", lambda self: events.append("read") or read(self))

    class Pool:
        def imap(self, work, jobs, chunksize):
            events.append("sent")
            return Results(iter([work(job) for job in jobs]))

    class Results:
        def __init__(self, results):
            self.results = results

        def next(self, timeout):
            return next(self.results)

    monkeypatch.setattr(summaries.Summariser, "_workers", lambda self, preload=True: Pool())
    _run(project)
    (project / "train.py").write_text((project / "train.py").read_text() + "\n")
    events.clear()
    changed = analyse([Path(".")], Settings(), options=RunOptions(2, Cache(project / ".sigcheck_cache"), isolated=True))
    assert changed.parsed == 1
    # the stored run (stale); the entry points' content hashes; the unchanged one's summary only
    # once train.py is sent; then the module they import, in a wave of its own
    assert events == ["read"] + ["read"] * 2 + ["sent"] + ["read"] + ["read"] * 2, events
