"""A base image, named so and with no command of its own, is built FROM by the image SageMaker
runs: `docker run IMAGE train` never runs it (sm-training-jui's Dockerfile.base; triage BB)."""

from __future__ import annotations

import pytest

BASE = ("FROM nvidia/cuda:12.4.1-devel-ubuntu22.04\nRUN apt-get update && apt-get install -y python3-pip\n"
        "COPY sagemaker_setup.py /sagemaker_setup.py\n")


@pytest.mark.parametrize("name, codes", [
    ("docker/Dockerfile.base", []),
    ("docker/base.Dockerfile", []),
    ("docker/Dockerfile-base", []),
    ("docker/Dockerfile", ["DKR003"]),
    ("docker/Dockerfile.baseline", ["DKR003"]),
], ids=["Dockerfile.base", "base.Dockerfile", "Dockerfile-base", "no base in its name", "baseline is no base"])
def test_a_base_image_is_not_judged_for_train(run_sigcheck, name, codes):
    report = run_sigcheck({name: BASE, "docker/sagemaker_setup.py": "print('setup')\n"}, [name])
    assert [d.code for d in report.diagnostics] == codes


def test_a_base_image_with_a_command_of_its_own_is_judged(run_sigcheck):
    report = run_sigcheck({"docker/Dockerfile.base": BASE + 'CMD ["python3", "/missing.py"]\n',
                           "docker/sagemaker_setup.py": "print('setup')\n"}, ["docker/Dockerfile.base"])
    assert [d.code for d in report.diagnostics] == ["DKR003"]
