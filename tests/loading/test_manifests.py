"""Kubernetes manifests: a pod's container command that runs a project script is a launch of it,
and the pod's terminationGracePeriodSeconds is the run's deadline on Kubernetes."""

from __future__ import annotations

import pytest

from sigcheck.loading.manifests import container_commands

JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: finetune
spec:
  template:
    spec:
      terminationGracePeriodSeconds: 300
      containers:
        - name: trainer
          image: registry.example.com/trainer:1.0
          command: ["python", "train.py"]
          args: ["--epochs", "10"]
        - name: sidecar
          image: busybox
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
"""

PYTORCH_JOB = """\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: ddp
spec:
  pytorchReplicaSpecs:
    Master:
      replicas: 1
      template:
        spec:
          terminationGracePeriodSeconds: 120
          containers:
            - name: pytorch
              image: trainer
              command:
                - torchrun
                - --nproc_per_node=8
                - train.py
    Worker:
      replicas: 3
      template:
        spec:
          terminationGracePeriodSeconds: 90
          containers:
            - name: pytorch
              image: trainer
              command: ["/bin/sh", "-c"]
              args: ["cd /workspace && python train.py"]
"""


def test_each_containers_command_with_its_pods_grace_period():
    (trainer,) = container_commands(JOB)  # the sidecar runs its image's ENTRYPOINT
    assert trainer.words == ("python", "train.py", "--epochs", "10")
    assert (trainer.line, trainer.grace, trainer.grace_line) == (12, 300, 8)
    master, worker = container_commands(PYTORCH_JOB)
    assert master.words == ("torchrun", "--nproc_per_node=8", "train.py") and (master.line, master.grace) == (15, 120)
    assert worker.words == ("/bin/sh", "-c", "cd /workspace && python train.py") and worker.grace == 90


@pytest.mark.parametrize("text", ["kind: Job\ncontainers: [\n", "kind: Job\nspec: {containers: 3}\n", "- a\n- b\n", ""])
def test_what_is_no_manifest_gives_no_command(text):
    assert container_commands(text) == []


_TRAINS = """import torch


def main():
    for step in range(100_000):
        model(batch).sum().backward()
        optimizer.step()


if __name__ == "__main__":
    main()
"""


@pytest.mark.parametrize("platform", ["kubernetes", "sagemaker"])
def test_the_pods_grace_period_is_the_deadline_whatever_the_platform_configured(run_sigcheck, platform):
    (finding,) = run_sigcheck({"train.py": _TRAINS, "k8s/job.yaml": JOB}, ["."], platform=platform).diagnostics
    assert "on Kubernetes (k8s/job.yaml:12) a stop sends SIGTERM, then SIGKILL 300 s later" in finding.message


def test_a_launcher_in_the_pod_kills_sooner_and_a_shell_runs_what_it_is_told(run_sigcheck):
    files = {"train.py": _TRAINS, "k8s/ddp.yaml": PYTORCH_JOB}
    (finding,) = run_sigcheck(files, ["."], platform="kubernetes").diagnostics
    assert "under torchrun (k8s/ddp.yaml:15) a stop sends SIGTERM, then SIGKILL 30 s later" in finding.message
    plain = PYTORCH_JOB.replace("- torchrun\n                - --nproc_per_node=8\n", "- python\n")
    (finding,) = run_sigcheck({"train.py": _TRAINS, "k8s/ddp.yaml": plain}, ["."], platform="kubernetes").diagnostics
    assert "on Kubernetes (k8s/ddp.yaml:26) a stop sends SIGTERM, then SIGKILL 90 s later" in finding.message  # the stricter pod


def test_a_script_launched_otherwise_too_keeps_the_configured_platform(run_sigcheck):
    files = {"train.py": _TRAINS, "k8s/job.yaml": JOB, "run.sh": "#!/bin/bash\npython train.py\n"}
    (finding,) = run_sigcheck(files, ["."], platform="sagemaker").diagnostics
    assert "on SageMaker a stop sends SIGTERM, then SIGKILL 120 s later" in finding.message


def test_a_manifest_named_on_the_command_line_is_read(run_sigcheck):
    report = run_sigcheck({"train.py": _TRAINS, "k8s/job.yaml": JOB}, ["k8s/job.yaml"], platform="kubernetes")
    assert [d.path for d in report.diagnostics] == ["train.py"] and report.errors == []
    report = run_sigcheck({"train.py": _TRAINS, "k8s/cm.yaml": "kind: ConfigMap\ndata: {}\n"}, ["k8s/cm.yaml"])
    assert "not Python" in report.errors[0].message


@pytest.mark.parametrize("name", ["k8s/job.yaml-template", "k8s/job.yaml.template", "k8s/JOB.YML"])
def test_a_manifest_template_envsubst_fills_in_is_read(run_sigcheck, name):
    """awsome-distributed-training's manifests are `*.yaml-template`, with `${VAR}` for envsubst (triage AX)."""
    template = JOB.replace("registry.example.com/trainer:1.0", "${IMAGE_URI}")
    for args in (["."], [name]):
        (finding,) = run_sigcheck({"train.py": _TRAINS, name: template}, args, platform="kubernetes").diagnostics
        assert f"on Kubernetes ({name}:12) a stop sends SIGTERM, then SIGKILL 300 s later" in finding.message
