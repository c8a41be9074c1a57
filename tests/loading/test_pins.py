"""Version pins of libraries whose SIGTERM handling came with a release (Lightning 2.0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sigcheck.loading.pins import Pins, _only_before

LIGHTNING = ["pytorch-lightning", "lightning"]


@pytest.mark.parametrize("clause, before", [
    ("==1.4.2", True), ("=1.4.2", True), ("==1.9.*", True), ("<2.0", True), ("<2", True), ("<=1.9.5", True),
    ("~=1.4", True), ("~=1.9.0", True), ("<1.6", True), ("<2.0.0", True), ("<1.10.0", True),  # bolts' `<2.0.0`
    ("<2.0.1", False), ("<2.1", False),
    ("==2.0.0", False), ("==2", False), ("==2.0.0rc1", False), (">=1.4", False), ("<=2.0", False), ("<3", False),
    ("~=2.1", False), ("!=1.5.0", False), (">1.9", False),
])
def test_a_clause_allows_only_releases_before_the_limit(clause, before):
    assert _only_before(clause, (2, 0)) is before


def pins_in(tmp_path: Path, files: dict[str, str]) -> Pins:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return Pins(tmp_path, frozenset(LIGHTNING))


def test_pins_from_each_kind_of_environment_file(tmp_path):
    pins = pins_in(tmp_path, {
        "ldm/environment.yaml": "dependencies:\n  - python=3.8\n  - pip:\n    - pytorch-lightning==1.4.2\n",
        "a/requirements/base.txt": "torch\npytorch_lightning >= 1.4, < 1.6  # old API\n",
        "b/setup.py": "setup(install_requires=['lightning~=1.9.0', 'lightning-utilities==0.3'])\n",
        "c/pyproject.toml": "[project]\ndependencies = [\"lightning>=2.1\", \"pytorch-lightning-bolts==0.3\"]\n",
        "d/requirements.txt": "lightning-utilities==0.3\nlightning @ git+https://github.com/Lightning-AI/lightning\n",
        "e/Dockerfile": "FROM nvcr.io/nvidia/pytorch:22.12-py3\nRUN pip install pytorch-lightning==1.8.6 hydra-core\n",
        "f/requirement.txt": "torch==1.7.1\npytorch-lightning==1.2.0\n",  # microsoft/LoRA's singular name
    })
    assert pins.below(tmp_path / "f/train.py", LIGHTNING, "2.0") == "pytorch-lightning==1.2.0 in f/requirement.txt"
    assert pins.below(tmp_path / "ldm/main.py", LIGHTNING, "2.0") == "pytorch-lightning==1.4.2 in ldm/environment.yaml"
    assert pins.below(tmp_path / "a/train.py", LIGHTNING, "2.0") == "pytorch-lightning<1.6 in a/requirements/base.txt"
    assert pins.below(tmp_path / "b/train.py", LIGHTNING, "2.0") == "lightning~=1.9.0 in b/setup.py"
    assert pins.below(tmp_path / "c/train.py", LIGHTNING, "2.0") is None
    assert pins.below(tmp_path / "d/train.py", LIGHTNING, "2.0") is None  # no version, or another package
    assert pins.below(tmp_path / "e/src/train.py", LIGHTNING, "2.0") == "pytorch-lightning==1.8.6 in e/Dockerfile"


def test_the_nearest_folder_that_pins_the_package_decides(tmp_path):
    """A monorepo pinning an old release at its root, and a project beside it with its own."""
    pins = pins_in(tmp_path, {"requirements.txt": "pytorch-lightning==1.5.10\n",
                              "new/requirements.txt": "lightning==2.2.0\n", "other/requirements.txt": "torch\n"})
    assert pins.below(tmp_path / "new/scripts/train.py", LIGHTNING, "2.0") is None
    assert pins.below(tmp_path / "other/train.py", LIGHTNING, "2.0") == "pytorch-lightning==1.5.10 in requirements.txt"
    assert tmp_path / "new/requirements.txt" in pins.inputs() and tmp_path / "other/setup.py" in pins.inputs()


def test_an_extras_pin_binds_only_where_no_usual_file_allows_the_release(tmp_path):
    """LLaMA-Factory's pyproject allows transformers 5; `requirements/moss-vl.txt`, one model's
    extra, pins 4.57.1. The project is not kept before 5 by that file: only where nothing the
    environment is usually built from says otherwise."""
    pins = pins_in(tmp_path, {
        "lf/pyproject.toml": '[project]\ndependencies = ["lightning>=1.8,<=2.5"]\n',
        "lf/requirements/moss-vl.txt": "lightning==1.9.4\n",
        "old/requirements.txt": "lightning==1.9.4\n", "old/setup.py": "setup(install_requires=['lightning>=1.8'])\n",
        "extra/requirements/gpu.txt": "lightning==1.9.4\n",
    })
    assert pins.below(tmp_path / "lf/train.py", LIGHTNING, "2.0") is None
    assert pins.below(tmp_path / "old/train.py", LIGHTNING, "2.0") == "lightning==1.9.4 in old/requirements.txt"
    assert pins.below(tmp_path / "extra/train.py", LIGHTNING, "2.0") == "lightning==1.9.4 in extra/requirements/gpu.txt"
