"""The wheel installs `sigcheck` only, with every subpackage and the knowledge files."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import sigcheck.rules
from sigcheck.rules import ALL_RULES

ROOT = Path(__file__).resolve().parents[2]
MAPPING = {"analyzer": "sigcheck", "rules": "sigcheck.rules"}


def _packages_on_disk() -> set[str]:
    found = set()
    for folder, package in MAPPING.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((package, *relative)))
    return found


def test_every_subpackage_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert set(config["packages"]) == _packages_on_disk()
    assert config["package-dir"] == {"sigcheck": "analyzer", "sigcheck.rules": "rules"}


def test_rule_registry_lists_every_rule_module():
    modules = sorted(p.stem for p in (ROOT / "rules").glob("*.py") if p.stem != "__init__")
    registered = sorted(rule.__module__.rsplit(".", 1)[-1] for rule in ALL_RULES)
    assert registered == modules
    for rule in ALL_RULES:
        assert rule.__module__.rsplit(".", 1)[-1].startswith(rule.code.lower() + "_" + rule.name.replace("-", "_"))
    assert len({rule.code for rule in ALL_RULES}) == len(ALL_RULES)
    assert Path(sigcheck.rules.__file__).parent == ROOT / "rules"


@pytest.mark.slow
def test_wheel_contains_sigcheck_only(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next(tmp_path.glob("sigcheck-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top_level == {"sigcheck"}
    for package in _packages_on_disk():
        assert "/".join(package.split(".")) + "/__init__.py" in names, package
    assert "sigcheck/knowledge/saving.toml" in names
