"""Hooks a configuration builds by their registered names: mmengine's `Runner.from_cfg(cfg)` builds
`custom_hooks = [dict(type='PreemptionHook')]` from the HOOKS registry, where
`@HOOKS.register_module()` put the project's class (triage AW: mmpretrain's tools/train.py)."""

from __future__ import annotations

import pytest

HOOKS = """
import signal, sys
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class PreemptionHook(Hook):
    def __init__(self):
        self.stopping = False

    def before_train(self, runner):
        signal.signal(signal.SIGTERM, self.on_sigterm)

    def on_sigterm(self, signum, frame):
        self.stopping = True

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if self.stopping:
            runner.save_checkpoint(runner.work_dir, "preempted.pth")
            sys.exit(0)
"""
TRAIN = """
from mmengine.config import Config
from mmengine.runner import Runner

import hooks


def main():
    cfg = Config.fromfile("configs/resnet18.py")
    runner = BUILD
    runner.train()


if __name__ == "__main__":
    main()
"""
CONFIG = "model = dict(type='ResNet', depth=18)\ncustom_hooks = [dict(type='PreemptionHook')]\n"


def test_a_runner_built_from_a_configuration_runs_the_registered_hooks(run_sigcheck):
    report = run_sigcheck({"train.py": TRAIN.replace("BUILD", "Runner.from_cfg(cfg)"), "hooks.py": HOOKS,
                           "configs/resnet18.py": CONFIG})
    assert report.diagnostics == [], [d.message for d in report.diagnostics]


@pytest.mark.parametrize("build, hooks", [
    ("Runner.from_cfg(cfg)", {"PreemptionHook.before_train", "PreemptionHook.after_train_iter", "PreemptionHook.__init__",
                              "PreemptionHook.on_sigterm"}),
    ("RUNNERS.build(cfg)", {"PreemptionHook.before_train", "PreemptionHook.after_train_iter", "PreemptionHook.__init__",
                            "PreemptionHook.on_sigterm"}),
    ("Runner(model=cfg.model, work_dir='work')", set()),
], ids=["from_cfg", "RUNNERS.build (mmpretrain's tools/train.py, a runner_type configured)", "built by hand"])
def test_the_runner_calls_the_registered_hooks_methods(analysis, build, hooks):
    train = TRAIN.replace("BUILD", build).replace("from mmengine.runner import Runner",
                                                  "from mmengine.runner import Runner\nfrom mmpretrain.registry import RUNNERS")
    built = analysis({"train.py": train, "hooks.py": HOOKS, "configs/resnet18.py": CONFIG})
    callbacks = {callee.split(":")[1] for _, callee, kind in built.graph.graph.out_edges("train:main", keys=True)
                 if kind == "callback"}
    assert callbacks == hooks


@pytest.mark.parametrize("hooks", [
    HOOKS.replace("        signal.signal(signal.SIGTERM, self.on_sigterm)\n", "        pass\n"),  # registers no handler
    HOOKS.replace("HOOKS.register_module()", "MODELS.register_module()").replace("import HOOKS", "import MODELS"),
], ids=["a hook that handles nothing", "registered as a model, not a hook"])
def test_registered_classes_that_handle_nothing_leave_the_run_unprotected(run_sigcheck, hooks):
    report = run_sigcheck({"train.py": TRAIN.replace("BUILD", "Runner.from_cfg(cfg)"), "hooks.py": hooks,
                           "configs/resnet18.py": CONFIG})
    assert [(d.code, d.path) for d in report.diagnostics] == [("SIG001", "train.py")]


def test_a_runner_built_by_hand_runs_only_the_hooks_it_is_given(run_sigcheck):
    """`Runner(model=..., custom_hooks=[...])` with no configuration builds what it is handed."""
    train = TRAIN.replace("BUILD", "Runner(model=cfg.model, work_dir='work', custom_hooks=[])")
    report = run_sigcheck({"train.py": train, "hooks.py": HOOKS, "configs/resnet18.py": CONFIG})
    assert [(d.code, d.path) for d in report.diagnostics] == [("SIG001", "train.py")]


def test_a_hook_registered_by_call_counts_too(run_sigcheck):
    hooks = HOOKS.replace("@HOOKS.register_module()\n", "") + "\nHOOKS.register_module(module=PreemptionHook)\n"
    report = run_sigcheck({"train.py": TRAIN.replace("BUILD", "Runner.from_cfg(cfg)"), "hooks.py": hooks,
                           "configs/resnet18.py": CONFIG})
    assert report.diagnostics == []


def test_both_ways_openmmlab_builds_its_runner_run_the_hooks(run_sigcheck):
    """mmseg's tools/train.py builds the runner with `Runner.from_cfg(cfg)` or, where the
    configuration names a runner_type, with its own `RUNNERS = Registry('runner', ...)`: both read
    the same custom_hooks, so the hook's handler covers every run (triage BX)."""
    train = TRAIN.replace("    runner = BUILD\n", "    if 'runner_type' not in cfg:\n        runner = Runner.from_cfg(cfg)\n"
                          "    else:\n        runner = RUNNERS.build(cfg)\n").replace(
        "import hooks\n", "import hooks\nfrom registry import RUNNERS\n")
    registry = ("from mmengine.registry import RUNNERS as MMENGINE_RUNNERS\nfrom mmengine.registry import Registry\n\n"
                "RUNNERS = Registry('runner', parent=MMENGINE_RUNNERS)\n")
    report = run_sigcheck({"train.py": train, "hooks.py": HOOKS, "registry.py": registry, "configs/resnet18.py": CONFIG})
    assert report.diagnostics == [], [d.message for d in report.diagnostics]


@pytest.mark.parametrize("config", [
    "model = dict(type='ResNet', depth=18)\ncustom_hooks = []\n",
    "model = dict(type='ResNet', depth=18)\n# custom_hooks = [dict(type='CheckpointHook')]\n",
], ids=["no hooks", "another hook"])
def test_a_registered_hook_no_configuration_names_is_built_by_no_run(run_sigcheck, config):
    """mmengine builds only the hooks a configuration lists: registering the class is not enough
    (triage BX: mmseg's tools/train.py with a hook the project's configs never name)."""
    report = run_sigcheck({"train.py": TRAIN.replace("BUILD", "Runner.from_cfg(cfg)"), "hooks.py": HOOKS,
                           "configs/resnet18.py": config})
    assert [(d.code, d.path) for d in report.diagnostics] == [("SIG001", "train.py")]


@pytest.mark.parametrize("config", [
    "from hooks import PreemptionHook\ncustom_hooks = [dict(type=PreemptionHook)]\n",
    'custom_hooks = [{"type": "PreemptionHook", "priority": "VERY_LOW"}]\n',
    "default_hooks = dict(\n    preemption=dict(\n        type = 'PreemptionHook'))\n",
], ids=["the class itself (pure-Python config)", "a dict literal", "spread over lines"])
def test_every_way_a_configuration_names_the_hook_builds_it(run_sigcheck, config):
    report = run_sigcheck({"train.py": TRAIN.replace("BUILD", "Runner.from_cfg(cfg)"), "hooks.py": HOOKS,
                           "configs/resnet18.py": config})
    assert report.diagnostics == [], [d.message for d in report.diagnostics]


def test_a_warm_run_sees_a_configuration_that_now_names_the_hook(tmp_path, monkeypatch):
    """The config files read for hook names are inputs of the cached report."""
    from pathlib import Path

    from project_files import write_project
    from sigcheck.checking.engine import analyse
    from sigcheck.checking.runcache import RunOptions
    from sigcheck.config.settings import Settings
    from sigcheck.loading.cache import Cache

    monkeypatch.chdir(tmp_path)
    files = {"train.py": TRAIN.replace("BUILD", "Runner.from_cfg(cfg)"), "hooks.py": HOOKS,
             "configs/resnet18.py": "custom_hooks = []\n"}
    options = RunOptions(1, Cache(tmp_path / ".sigcheck_cache"))
    write_project(tmp_path, files)
    assert [d.code for d in analyse([Path(".")], Settings(), options=options).diagnostics] == ["SIG001"]
    write_project(tmp_path, {**files, "configs/resnet18.py": CONFIG})
    assert analyse([Path(".")], Settings(), options=options).diagnostics == []


@pytest.mark.parametrize("config, codes", [
    ("custom_imports = dict(imports=['myproj.hooks'], allow_failed_imports=False)\n", []),
    ("custom_imports = {'imports': ['myproj.hooks']}\n", []),
    ("# custom_imports = dict(imports=['myproj.hooks'])\n", ["SIG001"]),  # no dict after it: nothing imported
    ("custom_imports = dict(imports=['myproj.other'])\n", ["SIG001"]),  # another module: the hook is never registered
], ids=["a dict call", "a dict literal", "commented out", "another module"])
def test_a_hook_module_a_configuration_imports_registers_the_hook(run_sigcheck, config, codes):
    """mmengine's Config.fromfile imports `custom_imports`, which is how mmpose's documentation adds
    a hook without editing tools/train.py; nothing in the code imports the hook's module (triage CV)."""
    train = TRAIN.replace("import hooks\n", "").replace("BUILD", "Runner.from_cfg(cfg)")
    files = {"train.py": train, "myproj/__init__.py": "", "myproj/hooks.py": HOOKS, "myproj/other.py": "X = 1\n",
             "configs/resnet18.py": config + "custom_hooks = [dict(type='PreemptionHook')]\n"}
    report = run_sigcheck(files)
    assert [d.code for d in report.diagnostics] == codes


_REGISTRY = ("from mmengine.registry import HOOKS as MMENGINE_HOOKS\nfrom mmengine.registry import Registry\n\n"
             "HOOKS = Registry('hook', parent=MMENGINE_HOOKS, locations=['myproj.engine.hooks'])\n")


@pytest.mark.parametrize("config, registry, codes", [
    ("default_scope = 'myproj'\n", _REGISTRY, []),
    ("default_scope = \"myproj\"\n", _REGISTRY, []),
    # no scope: mmengine never imports the project's registry
    ("", _REGISTRY, ["SIG001"]),
    # the scope's registry looks elsewhere for its hooks
    ("default_scope = 'myproj'\n", _REGISTRY.replace("myproj.engine.hooks", "myproj.models"), ["SIG001"]),
], ids=["single quotes", "double quotes", "no scope", "other locations"])
def test_a_hook_module_the_default_scopes_registry_locates_registers_the_hook(run_sigcheck, config, registry, codes):
    """mmpose's tools/train.py imports only mmengine; `default_scope = 'mmpose'` makes the runner
    import mmpose.registry and the `locations` of its HOOKS registry, where the hook a config lists
    is defined (triage CV: a SIG001 in file mode that `sigcheck .` did not give)."""
    train = TRAIN.replace("import hooks\n", "").replace("BUILD", "Runner.from_cfg(cfg)")
    files = {"train.py": train, "myproj/__init__.py": "", "myproj/registry.py": registry,
             "myproj/engine/__init__.py": "", "myproj/engine/hooks/__init__.py": "from .preemption import PreemptionHook\n",
             "myproj/engine/hooks/preemption.py": HOOKS, "myproj/models.py": "X = 1\n",
             "configs/resnet18.py": config + "custom_hooks = [dict(type='PreemptionHook')]\n"}
    report = run_sigcheck(files)
    assert [d.code for d in report.diagnostics] == codes
