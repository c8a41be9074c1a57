"""Making the command PID 1: the unshare command line, and a plain reason when it cannot be done."""

from __future__ import annotations

import os
import stat

import pytest

from sigcheck.verify import namespace
from sigcheck.verify.namespace import pid_namespace, unshare_argv


@pytest.fixture
def fresh_probe():
    pid_namespace.cache_clear()
    yield
    pid_namespace.cache_clear()


def test_root_needs_no_user_namespace():
    assert unshare_argv("unshare", as_root=True) == ("unshare", "--pid", "--fork", "--mount-proc")
    assert unshare_argv("unshare", as_root=False) == (
        "unshare", "--user", "--map-root-user", "--pid", "--fork", "--mount-proc")


def test_missing_unshare_is_said_plainly(fresh_probe, monkeypatch):
    monkeypatch.setattr(namespace.shutil, "which", lambda name: None)
    isolation = pid_namespace()
    assert not isolation.pid1 and isolation.prefix == ()
    assert isolation.reason == "the `unshare` command (util-linux) is not installed"


def test_refused_namespace_gives_the_kernel_s_reason(fresh_probe, monkeypatch, tmp_path):
    fake = tmp_path / "unshare"
    fake.write_text("#!/bin/sh\necho 'unshare: unshare failed: Operation not permitted' >&2\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    isolation = pid_namespace()
    assert not isolation.pid1
    assert isolation.reason == "no PID namespace could be made (unshare: unshare failed: Operation not permitted)"
