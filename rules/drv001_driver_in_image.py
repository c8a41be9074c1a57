from __future__ import annotations

from sigcheck.checking.rule import Example, Rule
from sigcheck.container.argv import program_name

_INSTALLERS = {"apt-get": "install", "apt": "install", "yum": "install", "dnf": "install", "microdnf": "install",
               "zypper": "install", "apk": "add", "conda": "install", "mamba": "install"}


class DriverInImage(Rule):
    """The image installs the NVIDIA driver; only the CUDA toolkit belongs in it.

    ## What it does
    Finds `RUN` commands that install NVIDIA driver packages (`nvidia-driver-*`, `cuda-drivers`,
    `libnvidia-compute-*`, `nvidia-utils-*`, and of NVIDIA's apt and yum repositories the
    `cuda`/`cuda-X-Y`/`cuda-runtime-X-Y` meta-packages that pull the driver in; conda's `cuda` is
    the toolkit only) with apt, yum, dnf, zypper or conda, or run NVIDIA's
    `NVIDIA-Linux-*.run` installer, in the stage that runs, or build on NVIDIA's driver container
    (`nvcr.io/nvidia/driver`, `ghcr.io/nvidia/driver`), the GPU operator's installer of the host driver.

    ## Why is this bad?
    The driver belongs to the host: the NVIDIA container toolkit (and SageMaker) mount the host's
    driver libraries into the container. A driver in the image shadows them; when its version
    differs from the host's kernel module, CUDA fails with "driver/library version mismatch" or
    "CUDA driver version is insufficient", and the job dies on the first GPU call. It also adds
    hundreds of megabytes.

    ## Example
    ```dockerfile
    RUN apt-get update && apt-get install -y cuda-12-2
    ```

    ## Use instead
    ```dockerfile
    RUN apt-get update && apt-get install -y cuda-toolkit-12-2
    ```
    or start from an `nvidia/cuda:*-runtime` image.
    """

    code = "DRV001"
    name = "driver-in-image"
    severity = "error"

    valid = (
        Example("""
FROM nvidia/cuda:12.2.0-base-ubuntu22.04
RUN apt-get update && apt-get install -y --no-install-recommends cuda-toolkit-12-2 libcudnn8 python3
""", "the CUDA toolkit and cuDNN are user-space libraries that belong in the image", name="Dockerfile"),
        Example("""
FROM ubuntu:22.04 AS driver-test
RUN apt-get update && apt-get install -y nvidia-driver-535
FROM ubuntu:22.04
RUN apt-get update && apt-get install -y python3
""", "a stage that is not the one that runs", name="Dockerfile"),
        Example("""
FROM nvidia/cuda:12.2.0-runtime-ubuntu22.04
RUN apt-get update && apt-get install -y nvidia-container-toolkit-base python3
""", "the container toolkit's base package and the CUDA runtime image: no driver", name="Dockerfile"),
        Example("""
FROM continuumio/miniconda3
RUN conda install -y -c "nvidia/label/cuda-12.1.1" cuda
""", "conda's `cuda` is the runtime and the toolkit (nvcc to build an extension): conda installs no driver "
            "(GroundingDINO's image)", name="Dockerfile"),
    )
    invalid = (
        Example("""
FROM ubuntu:22.04
RUN apt-get update && \\
    apt-get install -y --no-install-recommends \\
        python3 \\
        # expect: DRV001
        cuda-drivers=535.104.05-1 \\
        # expect: DRV001
        libnvidia-compute-535
""", "the driver and its compute library from the package manager", name="Dockerfile"),
        Example("""
FROM ubuntu:22.04
COPY NVIDIA-Linux-x86_64-535.104.05.run /tmp/
# expect: DRV001
RUN sh /tmp/NVIDIA-Linux-x86_64-535.104.05.run --silent --no-kernel-module
""", "NVIDIA's .run installer", {"NVIDIA-Linux-x86_64-535.104.05.run": "#!/bin/sh\n"}, name="Dockerfile"),
        Example("""
FROM ubuntu:22.04
# expect: DRV001
RUN apt-get update && apt-get install -y cuda-12-2
""", "NVIDIA's apt repository's cuda-X-Y meta-package depends on cuda-drivers", name="Dockerfile"),
        Example("""
FROM nvidia/cuda:9.0-cudnn7-devel-ubuntu16.04
# expect: DRV001
RUN apt-get -qy install nvidia-384
""", "Ubuntu 16.04's name for the driver package (rlkit's image, triage DE)", name="Dockerfile"),
        Example("""
# expect: DRV001
FROM ghcr.io/nvidia/driver:550.144.03-ubuntu24.04
RUN apt-get update && apt-get install -y python3-pip
""", "NVIDIA's driver container as the base image (dreamerv3's, triage DE)", name="Dockerfile"),
    )

    def check(self, analysis):
        containers = analysis.knowledge.containers
        for container in analysis.containers:
            base = next((stage for stage in container.image.final.lineage() if containers["driver-image"].find(stage.base)), None)
            if base is not None:
                anchor = container.at(base.start)
                yield self.finding(anchor, f"The image is built on NVIDIA's driver container {base.base}: the host provides "
                                   f"the driver, and a mismatched copy breaks CUDA at run time", [anchor])
            for run in container.runs():
                words = [w for w in run.command.words if w]
                if not words:
                    continue
                manager = program_name(words[0])
                if _INSTALLERS.get(manager) in words[1:]:
                    for word in words[1:]:
                        package = _package(word)
                        if package and any(manager in entry.option("managers", [manager])
                                           for entry in containers["driver-package"].find(package)):
                            anchor = container.at_run(run, word, "installs the driver")
                            yield self.finding(anchor, f"`{manager}` installs the NVIDIA driver package {package} "
                                               f"into the image: the host provides the driver, and a mismatched "
                                               f"copy breaks CUDA at run time", [anchor])
                for word in words:
                    if containers["driver-installer"].find(word) or containers["driver-installer"].find(program_name(word)):
                        anchor = container.at_run(run, program_name(word), "runs the driver installer")
                        yield self.finding(anchor, f"The image runs NVIDIA's driver installer {program_name(word)}: "
                                           f"the host provides the driver, and a mismatched copy breaks CUDA at run time",
                                           [anchor])
                        break


def _package(word: str) -> str | None:
    if word.startswith("-"):
        return None
    name = word.split("=", 1)[0].split(":", 1)[0]  # cuda-drivers=535.*, nvidia-utils-535:amd64
    return name or None
