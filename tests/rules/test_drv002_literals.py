"""DRV002 looks where a literal of the project names the driver: wherever in the project it is
written, and nowhere when none is (transformers' 300 modules name none)."""

from __future__ import annotations


def test_a_driver_library_named_in_another_module_is_found(run_sigcheck):
    files = {"paths.py": 'LIBCUDA = "libcuda.so.535.104.05"\n',
             "train.py": "import ctypes\n\nfrom paths import LIBCUDA\n\nlib = ctypes.CDLL(LIBCUDA)\n"}
    report = run_sigcheck(files, ["train.py"], select=("DRV002",))
    assert [(d.code, d.path, d.line) for d in report.diagnostics] == [("DRV002", "train.py", 5)]


def test_the_cuda_runtime_by_version_is_no_driver_library(run_sigcheck):
    """libcudart ships in the image with the toolkit; only the driver's libraries come from the host."""
    files = {"train.py": 'import ctypes\n\nlib = ctypes.CDLL("libcudart.so.12")\nname = "cuda"\n'}
    assert run_sigcheck(files, ["train.py"], select=("DRV002",)).diagnostics == []
