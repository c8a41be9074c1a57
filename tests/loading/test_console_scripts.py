"""Console scripts: the programs a project's installation puts on PATH (`axolotl train`) run a
function of the project that no module runs as a script. Each is an entry point, analysed through
the wrapper pip writes, and a run's trace starts at the line that declares it."""

from __future__ import annotations

from pathlib import Path

from sigcheck.loading.console_scripts import console_scripts

LOOP = """
import torch


def main():
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for step in range(1000):
        model(torch.randn(8, 4)).sum().backward()
        opt.step()
"""


def declared(name: str, text: str) -> list[tuple[str, str, str, int]]:
    return [(s.name, s.module, s.attribute, s.line) for s in console_scripts(Path(name), text)]


def test_each_project_file_declares_them_its_own_way():
    pyproject = '[project]\nname = "x"\n\n[project.scripts]\nmytool = "mypkg.cli:main"\n"my-other" = "mypkg.cli:App.run"\n'
    assert declared("pyproject.toml", pyproject) == [("mytool", "mypkg.cli", "main", 5), ("my-other", "mypkg.cli", "App.run", 6)]
    poetry = '[tool.poetry.scripts]\ntool = { callable = "pkg.main:run" }\nplain = "pkg.main:go"\n'
    assert declared("pyproject.toml", poetry) == [("tool", "pkg.main", "run", 2), ("plain", "pkg.main", "go", 3)]
    setup_py = ('setup(\n    name="x",\n    entry_points={\n        "console_scripts": [\n            "mytool = mypkg.cli:main",\n'
                '        ],\n        "pytest11": ["myplugin = mypkg.plugin:hooks"],\n    },\n)\n')
    assert declared("setup.py", setup_py) == [("mytool", "mypkg.cli", "main", 5)]
    setup_cfg = "[options.entry_points]\nconsole_scripts =\n    mytool = mypkg.cli:main [extra]\n\n[flake8]\nmax = 1\n"
    assert declared("setup.cfg", setup_cfg) == [("mytool", "mypkg.cli", "main", 3)]
    assert declared("pyproject.toml", "[project\nbroken") == []
    dotted = '[project]\nname = "litgpt"\nversion = "1"\nscripts.litgpt = "litgpt.__main__:main"\n'  # litgpt's
    assert declared("pyproject.toml", dotted) == [("litgpt", "litgpt.__main__", "main", 4)]


def test_the_wrapper_calls_the_function_on_the_declaring_line():
    (script,) = console_scripts(Path("pyproject.toml"), '\n' * 9 + '[project.scripts]\nmytool = "mypkg.cli:App.run"\n')
    lines = script.wrapper().splitlines()
    assert lines[script.line - 1] == "sys.exit(App.run())" and "from mypkg.cli import App" in lines


def test_a_console_scripts_training_is_judged_and_traced_from_its_declaration(run_sigcheck):
    """A CLI project's training runs in a function no module runs as a script: it went unjudged."""
    files = {"pyproject.toml": '[project]\nname = "mypkg"\n\n[project.scripts]\nmytool = "mypkg.cli:main"\n',
             "src/mypkg/__init__.py": "", "src/mypkg/cli.py": LOOP}
    report = run_sigcheck(files, args=["."], select=("SIG001",))
    (finding,) = report.diagnostics
    assert (finding.path, finding.line) == ("src/mypkg/cli.py", 7)
    assert (finding.trace[0].path, finding.trace[0].line, finding.trace[0].note) == ("pyproject.toml", 5, "calls main")


def test_a_script_of_another_package_or_of_a_test_fixture_is_no_entry_point(run_sigcheck):
    files = {"pyproject.toml": '[project.scripts]\nother = "somelib.cli:main"\n',
             "tests/fixtures/pkg/setup.py": 'setup(entry_points={"console_scripts": ["fx = fx.cli:main"]})\n',
             "tests/fixtures/pkg/fx/__init__.py": "", "tests/fixtures/pkg/fx/cli.py": LOOP, "train.py": "print('hi')\n"}
    report = run_sigcheck(files, args=["."], select=("SIG001",))
    assert report.diagnostics == [] and "pyproject.toml" not in report.files


def test_a_command_that_runs_a_console_script_runs_its_function(run_sigcheck):
    """axolotl's RunPod handler runs `axolotl train CONFIG` as a child and passes no signal on:
    the program is the project's own, and what it runs trains."""
    files = {"pyproject.toml": '[project.scripts]\nmytool = "mypkg.cli:main"\n', "mypkg/__init__.py": "", "mypkg/cli.py": LOOP,
             "handler.py": "import subprocess\nimport sys\n\nif __name__ == '__main__':\n"
                           "    subprocess.run(['mytool', 'train', sys.argv[1]], check=True)\n"}
    report = run_sigcheck(files, args=["."], select=("SIG010",), platform="kubernetes")
    assert [(d.code, d.path, d.line) for d in report.diagnostics] == [("SIG010", "handler.py", 5)]
    files["handler.py"] = files["handler.py"].replace("'mytool'", "'othertool'")
    assert run_sigcheck(files, args=["."], select=("SIG010",), platform="kubernetes").diagnostics == []


def test_a_place_a_console_script_also_reaches_names_it(run_sigcheck):
    files = {"pyproject.toml": '[project.scripts]\nmytool = "mypkg.cli:main"\n', "src/mypkg/__init__.py": "",
             "src/mypkg/cli.py": LOOP, "run.py": "from mypkg.cli import main\n\nif __name__ == '__main__':\n    main()\n"}
    (finding,) = run_sigcheck(files, args=["."], select=("SIG001",)).diagnostics
    assert finding.trace[0].path == "run.py"
    assert finding.message.endswith("(also run from the console script `mytool` (pyproject.toml))")
    assert finding.also_run_from == ("pyproject.toml",)  # a path, as JSON's other path fields hold


def test_the_file_a_finding_is_in_run_itself_is_named_so(run_sigcheck):
    """lerobot's lerobot_train.py: the console script's run is the one reported, and the file run
    as a script is the other; naming it bare reads as the file naming itself."""
    files = {"pyproject.toml": '[project]\nname = "pkg"\n\n[project.scripts]\npkg-train = "pkg.train:main"\n',
             "src/pkg/__init__.py": "",
             "src/pkg/train.py": "def main(model=None, opt=None, loader=()):\n    for batch in loader:\n"
                                 "        model(batch).backward()\n        opt.step()\n\n\n"
                                 "if __name__ == \"__main__\":\n    main()\n"}
    (finding,) = run_sigcheck(files, ["."]).diagnostics
    assert finding.path == "src/pkg/train.py" and finding.message.endswith("(also run from src/pkg/train.py itself)")
    assert finding.also_run_from == ("src/pkg/train.py",)  # the file, without the message's wording


def test_a_file_named_alone_runs_the_console_scripts_and_modules_its_commands_name(run_sigcheck):
    """`sigcheck handler.py` judged a child by its name: the console script it runs was unknown
    (a miss), and a `-m` module that trains nothing, not read, was taken to train (a false SIG010);
    a folder run of the same project was right."""
    files = {"setup.py": "setup(entry_points={'console_scripts': ['pkg-train = pkg.train:main']})\n",
             "pkg/__init__.py": "", "pkg/train.py": LOOP,
             "console.py": "import subprocess\n\nif __name__ == '__main__':\n"
                           "    subprocess.run(['pkg-train', '--epochs', '9'], check=True)\n",
             "module.py": "import subprocess, sys\n\nif __name__ == '__main__':\n"
                          "    subprocess.run([sys.executable, '-m', 'pkg.train', '--epochs', '9'], check=True)\n",
             "shell.py": "import os\n\nif __name__ == '__main__':\n    os.system('python -m pkg.train --epochs 9')\n"}
    for named, expected in (("console.py", [("SIG010", "console.py", 4)]), ("module.py", []), ("shell.py", [])):
        alone = run_sigcheck(files, args=[named], select=("SIG010",), platform="kubernetes")
        folder = [d for d in run_sigcheck(files, args=["."], select=("SIG010",), platform="kubernetes").diagnostics
                  if d.path == named]
        assert [(d.code, d.path, d.line) for d in alone.diagnostics] == expected == \
            [(d.code, d.path, d.line) for d in folder], named
    # a console script the file does not name is not read
    assert "setup.py" not in run_sigcheck(files, args=["module.py"], select=("SIG010",)).files


def test_a_script_setup_py_installs_is_an_entry_point(run_sigcheck):
    """tensor2tensor's `setup(scripts=["tensor2tensor/bin/t2t-trainer", ...])`: a Python file with no
    suffix, its first line running Python, that the installation puts on PATH (triage DH); a shell
    script it lists, or one that is missing, is none."""
    trainer = "#!/usr/bin/env python\n" + LOOP + "\n\nmain()\n"
    files = {"setup.py": 'from setuptools import setup\n\nsetup(name="t2t", scripts=["bin/t2t-trainer", "bin/fetch.sh", '
                         '"bin/gone"])\n', "bin/t2t-trainer": trainer, "bin/fetch.sh": "#!/bin/sh\ncurl -O data\n"}
    report = run_sigcheck(files, args=["."], select=("SIG001",))
    assert [(d.path, d.line) for d in report.diagnostics] == [("bin/t2t-trainer", 9)]
