"""The loader follows imports from the entry points and never stops on one bad file."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_follows_imports_transitively(load):
    project = load({
        "train.py": "import model\n",
        "model.py": "from layers import Dense\n",
        "layers.py": "class Dense:\n    pass\n",
        "unused.py": "x = 1\n",
    })
    assert set(project.modules) == {"train", "model", "layers"}
    assert [e.module for e in project.entry_points] == ["train"]
    assert project.errors == []


def test_import_cycle_and_self_import_terminate(load):
    project = load({
        "train.py": "import train\nimport a\n",
        "a.py": "import b\n",
        "b.py": "from a import *\nimport train\n",
    })
    assert set(project.modules) == {"train", "a", "b"}
    assert len(project.by_path) == 3


def test_package_with_init_and_submodules(load):
    project = load({
        "train.py": "from pkg.sub import core\n",
        "pkg/__init__.py": "",
        "pkg/sub/__init__.py": "from . import helpers\n",
        "pkg/sub/core.py": "from ..util import f\n",
        "pkg/sub/helpers.py": "",
        "pkg/util.py": "def f():\n    pass\n",
    })
    assert set(project.modules) == {"train", "pkg", "pkg.sub", "pkg.sub.core", "pkg.sub.helpers", "pkg.util"}
    assert project.modules["pkg.sub"].is_package and not project.modules["pkg.sub.core"].is_package


def test_src_layout(load):
    project = load({
        "scripts/train.py": "from mypkg.core import train\ntrain()\n",
        "src/mypkg/__init__.py": "",
        "src/mypkg/core.py": "from .data import loader\ndef train():\n    pass\n",
        "src/mypkg/data.py": "loader = None\n",
    }, entries=("scripts/train.py",))
    paths = {Path(m.path).relative_to(project.root).as_posix() for m in project.modules.values()}
    assert paths == {"scripts/train.py", "src/mypkg/__init__.py", "src/mypkg/core.py", "src/mypkg/data.py"}
    assert project.errors == []


def test_src_layout_module_importing_its_package_both_ways(load):
    """LLaMA-Factory's launcher: `from .trainer import ...` in one function, `from pkg.trainer
    import ...` in another. Both name src/pkg/trainer.py, which is one module."""
    project = load({
        "src/pkg/__init__.py": "",
        "src/pkg/launcher.py": "def export():\n    from .trainer import export_model\n\n\n"
                               "if __name__ == '__main__':\n    from pkg.trainer import run_exp\n    run_exp()\n",
        "src/pkg/trainer.py": "def run_exp():\n    pass\n\n\ndef export_model():\n    pass\n",
    }, entries=("src/pkg/launcher.py",))
    found = project.find_module_file("pkg.trainer", "src.pkg.launcher")
    assert found is not None and found.name == "trainer.py"


def test_module_next_to_a_script_in_a_subfolder(load):
    project = load({"jobs/train.py": "import helpers\n", "jobs/helpers.py": ""}, entries=("jobs/train.py",))
    assert {Path(m.path).name for m in project.modules.values()} == {"train.py", "helpers.py"}


def test_a_broken_module_is_an_error_and_the_rest_loads(load):
    project = load({
        "train.py": "import good\nimport broken\n",
        "good.py": "def f():\n    pass\n",
        "broken.py": "def f(:\n    pass\n",
    })
    assert set(project.modules) == {"train", "good"}
    (error,) = project.errors
    assert error.display.endswith("broken.py") and error.line == 1
    assert "syntax error" in error.message


def test_a_broken_entry_point_is_an_error(load):
    project = load({"train.py": "x = (\n", "other.py": "import os\n"}, entries=("train.py", "other.py"))
    assert [e.module for e in project.entry_points] == ["other"]
    assert len(project.errors) == 1 and project.errors[0].display == "train.py"


def test_a_broken_module_imported_twice_is_reported_once(load):
    project = load({
        "train.py": "import a\nimport broken\n",
        "a.py": "import broken\n",
        "broken.py": "if:\n",
    })
    assert len(project.errors) == 1


def test_imports_outside_the_project_are_not_loaded(load, tmp_path):
    project = load({"train.py": "import os\nimport torch\nimport venv_pkg\n", "venv/venv_pkg.py": ""})
    assert set(project.modules) == {"train"}


def test_sibling_module_shadowed_only_inside_its_own_folder(load):
    """Inside a package, `import utils` is the top-level utils (Python 3 has no implicit
    relative imports), not the package's own utils.py."""
    project = load({
        "train.py": "import pkg.core\n",
        "utils.py": "def top():\n    pass\n",
        "pkg/__init__.py": "",
        "pkg/core.py": "import utils\n",
        "pkg/utils.py": "def inner():\n    pass\n",
    })
    assert project.resolve_import("utils", "pkg.core") == "utils"
    assert "pkg.utils" not in project.modules


def test_each_script_finds_the_module_next_to_it(load):
    project = load({
        "a/train.py": "import helpers\n",
        "a/helpers.py": "import config\n",
        "a/config.py": "",
        "b/train.py": "import helpers\n",
        "b/helpers.py": "import config\n",
        "b/config.py": "",
    }, entries=("a/train.py", "b/train.py"))
    b_helpers = project.by_path[(project.root / "b/helpers.py").resolve()]
    assert project.resolve_import("config", b_helpers) == project.by_path[(project.root / "b/config.py").resolve()]
    assert len(project.modules) == 6


@pytest.mark.parametrize("entries", [("ssd/main.py", "convnets/main.py"), ("convnets/main.py", "ssd/main.py")])
def test_a_package_of_a_projects_own_is_found_from_its_modules_below_whatever_the_order(load, entries):
    """DeepLearningExamples: each project has its own top-level `utils` package. ConvNets'
    runtime/runner.py (imported by its main.py) doing `from utils import hooks` gets ConvNets/utils,
    with its SIGTERM hook, in whichever order the projects are searched, not the first project's."""
    project = load({
        "ssd/main.py": "import utils\n", "ssd/utils/__init__.py": "",
        "convnets/main.py": "from runtime import runner\n", "convnets/runtime/__init__.py": "",
        "convnets/runtime/runner.py": "from utils import hooks\n", "convnets/utils/__init__.py": "",
        "convnets/utils/hooks.py": "",
    }, entries=entries)
    runner = project.by_path[(project.root / "convnets/runtime/runner.py").resolve()]
    hooks = project.by_path[(project.root / "convnets/utils/hooks.py").resolve()]
    assert project.resolve_import("utils.hooks", runner) == hooks
    assert project.resolve_import("utils", runner) == project.by_path[(project.root / "convnets/utils/__init__.py").resolve()]


def test_a_library_name_is_not_the_neighbour_the_module_imports_by_its_own_name(load):
    """big_vision/train.py runs as a script beside big_vision/optax.py, which it imports as
    `big_vision.optax`: its bare `import optax` is the library, not that file a second time. A
    script that imports its neighbour only by the bare name still finds the neighbour."""
    project = load({
        "big_vision/__init__.py": "",
        "big_vision/optax.py": "def get_count(state):\n    return 0\n",
        "big_vision/train.py": "import big_vision.optax as bv_optax\nimport optax\n",
        "tools/optax.py": "def apply_updates(params, updates):\n    return params\n",
        "tools/train.py": "import optax\n",
    }, entries=("big_vision/train.py", "tools/train.py"))
    assert project.resolve_import("big_vision.optax", "big_vision.train") == "big_vision.optax"
    assert project.resolve_import("optax", "big_vision.train") is None
    assert project.resolve_import("optax", "tools.train") == "tools.optax"


def test_a_relative_import_spells_no_name_that_makes_the_package_a_library(load):
    """gluonts' robust-mts-attack/train.py imports `pts` from its own folder; inside it,
    deepvar_estimator.py has `from pts.model import PyTorchEstimator` beside `from .deepvar_network
    import Net`. The root names the package `robust-mts-attack.pts`, but the module never spells
    that: `pts.model` is the same package, however far above the script the run starts (triage BZ)."""
    project = load({
        "robust-mts-attack/train.py": "from pts.model.deepvar import DeepVAREstimator\n",
        "robust-mts-attack/pts/__init__.py": "",
        "robust-mts-attack/pts/model/__init__.py": "from .estimator import PyTorchEstimator\n",
        "robust-mts-attack/pts/model/estimator.py": "class PyTorchEstimator:\n    pass\n",
        "robust-mts-attack/pts/model/deepvar/__init__.py": "from .deepvar_estimator import DeepVAREstimator\n",
        "robust-mts-attack/pts/model/deepvar/deepvar_network.py": "class Net:\n    pass\n",
        "robust-mts-attack/pts/model/deepvar/deepvar_estimator.py":
            "from pts.model import PyTorchEstimator\nfrom .deepvar_network import Net\n",
    }, entries=("robust-mts-attack/train.py",))
    importer = "robust-mts-attack.pts.model.deepvar.deepvar_estimator"
    assert project.resolve_import("pts.model", importer) == "robust-mts-attack.pts.model"


def test_a_library_name_is_not_the_subpackage_the_module_imports_from(load):
    """OpenRLHF's trainer/ppo_trainer.py imports `ray` and, beside it, `from
    openrlhf.trainer.ray.launcher import ...`: the bare name is Ray, not its own subpackage."""
    project = load({
        "openrlhf/__init__.py": "",
        "openrlhf/trainer/__init__.py": "",
        "openrlhf/trainer/ray/__init__.py": "",
        "openrlhf/trainer/ray/launcher.py": "class RayActorGroup:\n    pass\n",
        "openrlhf/trainer/ppo_trainer.py": "import ray\nfrom openrlhf.trainer.ray.launcher import RayActorGroup\n",
        "openrlhf/trainer/eval.py": "import ray\n",
        "train.py": "import openrlhf.trainer.ppo_trainer\nimport openrlhf.trainer.eval\n",
    }, entries=("train.py",))
    assert project.resolve_import("ray", "openrlhf.trainer.ppo_trainer") is None
    assert project.resolve_import("openrlhf.trainer.ray.launcher", "openrlhf.trainer.ppo_trainer") == "openrlhf.trainer.ray.launcher"
    # a package's folder is no place an import looks (Python 3): Ray there too (scenic's train_lib/optax.py; triage CB)
    assert project.resolve_import("ray", "openrlhf.trainer.eval") is None


def test_a_package_installed_from_a_subfolder_imports_from_there(load):
    """MLPerf's maskrcnn: pytorch/setup.py installs maskrcnn_benchmark, which
    pytorch/tools/train_net.py imports; each subproject finds its own package, and a folder with
    no setup beside it does not."""
    project = load({
        "maskrcnn/pytorch/setup.py": "from setuptools import setup\nsetup(name='mylib')\n",
        "maskrcnn/pytorch/tools/train_net.py": "import mylib.engine\n",
        "maskrcnn/pytorch/mylib/__init__.py": "",
        "maskrcnn/pytorch/mylib/engine.py": "def do_train():\n    pass\n",
        "ssd/pyproject.toml": "[project]\nname = 'mylib'\n",
        "ssd/scripts/train.py": "import mylib.engine\n",
        "ssd/mylib/__init__.py": "",
        "ssd/mylib/engine.py": "def other():\n    pass\n",
        "loose/tools/train.py": "import mylib.engine\n",
        "loose/mylib/__init__.py": "",
        "loose/mylib/engine.py": "",
    }, entries=("maskrcnn/pytorch/tools/train_net.py", "ssd/scripts/train.py", "loose/tools/train.py"))
    paths = {str(Path(project.sources[m].path).relative_to(project.root)) for m in project.modules}
    assert {"maskrcnn/pytorch/mylib/engine.py", "ssd/mylib/engine.py"} <= paths
    assert "loose/mylib/engine.py" not in paths


def test_a_module_importing_its_own_top_level_package_finds_it_above_that_package(load):
    """InternVL's chat projects: `sub/internvl/train/mpo.py` imports `internvl.train.trainer_dpo`,
    run with `sub/` on PYTHONPATH by its launcher, with or without `__init__.py` files. Another
    package's name is not looked for there, nor a name the importer's folders do not carry."""
    project = load({
        "sub/internvl/train/mpo.py": "from internvl.train.trainer_dpo import Trainer\nimport other.helpers\n",
        "sub/internvl/train/trainer_dpo.py": "class Trainer:\n    pass\n",
        "sub/other/helpers.py": "",
        "elsewhere/tools/run.py": "import internvl.train.trainer_dpo\n",
    }, entries=("sub/internvl/train/mpo.py", "elsewhere/tools/run.py"))
    assert project.resolve_import("internvl.train.trainer_dpo", "sub.internvl.train.mpo") == \
        "sub.internvl.train.trainer_dpo"
    assert project.resolve_import("other.helpers", "sub.internvl.train.mpo") is None
    assert project.resolve_import("internvl.train.trainer_dpo", "elsewhere.tools.run") is None


def test_a_package_named_as_a_library_inside_another_package_does_not_shadow_the_library(load):
    """NeMo's `nemo/lightning/pytorch/trainer.py` imports `lightning.pytorch as pl`: that is the
    Lightning library, since `nemo/` is no folder on the path, not the package `nemo.lightning`
    around the importer."""
    project = load({
        "nemo/__init__.py": "",
        "nemo/lightning/__init__.py": "from nemo.lightning.pytorch.trainer import Trainer\n",
        "nemo/lightning/pytorch/__init__.py": "",
        "nemo/lightning/pytorch/trainer.py": "import lightning.pytorch as pl\n\n\nclass Trainer(pl.Trainer):\n    pass\n",
        "scripts/train.py": "import nemo.lightning as nl\n\nnl.Trainer(devices=1).fit(model)\n",
    }, entries=("scripts/train.py",))
    assert project.resolve_import("lightning.pytorch", "nemo.lightning.pytorch.trainer") is None
    assert project.resolve_import("nemo.lightning.pytorch", "nemo.lightning.pytorch.trainer") == "nemo.lightning.pytorch"


def test_a_test_folder_named_on_the_command_line_serves_only_the_tests_imports(load):
    """NeMo's tests/lightning/ mirrors the library it tests: named with a test script, tests/ is a
    script folder, but `import lightning.pytorch` in nemo/ is still the library (triage BF); the
    test script's own imports find its neighbours."""
    project = load({
        "nemo/__init__.py": "",
        "nemo/fabric.py": "import lightning.pytorch as pl\n",
        "scripts/train.py": "import nemo.fabric\n",
        "tests/__init__.py": "",
        "tests/check_something.py": "import lightning.pytorch\nimport helpers\n",
        "tests/helpers.py": "",
        "tests/lightning/__init__.py": "",
        "tests/lightning/pytorch/__init__.py": "",
    }, entries=("scripts/train.py", "tests/check_something.py"))
    assert project.resolve_import("lightning.pytorch", "nemo.fabric") is None
    assert project.resolve_import("lightning.pytorch", "tests.check_something") == "tests.lightning.pytorch"
    assert project.resolve_import("helpers", "tests.check_something") == "tests.helpers"


def test_a_script_inside_a_package_puts_its_folder_on_the_path_for_its_neighbours_only(load):
    """`python pkg/data/tool.py` runs with pkg/data/ on its path, where its neighbours import each
    other by bare names; `import webdataset` in pkg/utils.py is still the library for every other
    run (NeMo's nemo/collections/multimodal/data/common/webdataset.py, triage BF)."""
    project = load({
        "pkg/__init__.py": "",
        "pkg/utils.py": "import webdataset\n",
        "pkg/data/__init__.py": "",
        "pkg/data/tool.py": "import webdataset\n\nif __name__ == '__main__':\n    pass\n",
        "pkg/data/webdataset.py": "",
        "scripts/train.py": "import pkg.utils\n",
    }, entries=("scripts/train.py", "pkg/data/tool.py"))
    assert project.resolve_import("webdataset", "pkg.utils") is None
    assert project.resolve_import("webdataset", "pkg.data.tool") == "pkg.data.webdataset"


def test_scripts_a_module_names_are_loaded_where_a_child_would_find_them(load, tmp_path):
    """A child process may run them: whether they train is read, not guessed from their names.
    Looked for beside the module and at the project root; never outside the project."""
    outside = tmp_path.parent / f"{tmp_path.name}-elsewhere.py"
    outside.write_text("x = 1\n")
    project = load({
        "launch.py": "import subprocess, sys\n"
                     "subprocess.run([sys.executable, 'tools/worker.py'])\n"
                     "subprocess.run([sys.executable, 'eval.py', '--config', 'eval.yaml'])\n"
                     f"subprocess.run([sys.executable, {str(outside)!r}])\n"
                     "subprocess.run([sys.executable, 'missing.py'])\n",
        "tools/worker.py": "import helpers\n",
        "tools/helpers.py": "",
        "eval.py": "",
        "unnamed.py": "",
    }, entries=("launch.py",))
    assert {Path(s.path).name for s in project.modules.values()} == {"launch.py", "worker.py", "helpers.py", "eval.py"}
    assert [e.module for e in project.entry_points] == ["launch"]
    assert project.errors == []


def test_a_packaged_module_importing_its_own_package_finds_it_before_a_namesake_elsewhere(load):
    """vertex-ai-samples: one sample's `python_package/trainer/task.py` imports `from trainer
    import experiment`, and another sample keeps a `trainer` package beside a script of its own,
    whose folder is on the scripts' search path."""
    project = load({
        "project_a/convert.py": "import trainer\n",
        "project_a/trainer/__init__.py": "",
        "project_b/python_package/trainer/__init__.py": "",
        "project_b/python_package/trainer/task.py": "from trainer import experiment\n",
        "project_b/python_package/trainer/experiment.py": "def run():\n    pass\n",
    }, entries=("project_a/convert.py", "project_b/python_package/trainer/task.py"))
    assert project.resolve_import("trainer", "project_b.python_package.trainer.task") == "project_b.python_package.trainer"
    assert project.resolve_import("trainer", "project_a.convert") == "project_a.trainer"


def test_a_module_importing_by_name_reads_the_project_modules_its_texts_name(load):
    """ms-swift's TrainerFactory: `"mypkg.trainers.Seq2SeqTrainer"` in a table, imported with
    importlib at run time; a text naming no project module (`"torch.float16"`) reads nothing."""
    project = load({
        "train.py": "import importlib\nTABLE = {'lm': 'mypkg.trainers.Seq2SeqTrainer', 'dtype': 'torch.float16'}\n"
                    "module = importlib.import_module('mypkg.callbacks')\n",
        "mypkg/__init__.py": "",
        "mypkg/trainers.py": "class Seq2SeqTrainer:\n    pass\n",
        "mypkg/callbacks.py": "",
        "mypkg/unused.py": "",
    })
    assert set(project.modules) == {"train", "mypkg", "mypkg.trainers", "mypkg.callbacks"}


STEPS = {"proj/__init__.py": "", "proj/steps/standard.py": "", "proj/steps/ema.py": "", "proj/steps/_private.py": "",
         "proj/steps/sub/__init__.py": "", "proj/steps/sub/deep.py": "", "proj/other.py": ""}


@pytest.mark.parametrize("init", [
    "import importlib\nfrom pathlib import Path\nfor f in Path(__file__).parent.glob('*.py'):\n"
    "    importlib.import_module('proj.steps.' + f.stem)\n",
    "import importlib, os\nfor name in os.listdir(os.path.dirname(__file__)):\n"
    "    importlib.import_module(f'proj.steps.{name[:-3]}')\n",
    "from classy_vision.generic.registry_utils import import_all_modules\n"
    "import_all_modules('/some/root', 'proj.steps')\n",
], ids=["a text ending in a dot", "an f-string", "classy_vision's import_all_modules (vissl)"])
def test_a_package_whose_modules_are_imported_by_a_loop_reads_them_all(load, init):
    """vissl's train steps register themselves with a decorator as their package's `__init__`
    imports every module beside it; the run looks them up in the registry (triage CF)."""
    project = load({"train.py": "import proj.steps\n", "proj/steps/__init__.py": init, **STEPS})
    assert set(project.modules) == {"train", "proj", "proj.steps", "proj.steps.standard", "proj.steps.ema"}


APPS = {"app/__init__.py": "", "app/vjepa/__init__.py": "", "app/vjepa/train.py": "", "app/vjepa/utils.py": "",
        "app/ijepa/__init__.py": "", "app/ijepa/train.py": "", "app/notes/readme.py": "", "app/other.py": ""}


@pytest.mark.parametrize("scaffold, read", [
    # jepa's app/scaffold.py: each subpackage's `train` module (triage CZ)
    ("import importlib\n\ndef main(app):\n    return importlib.import_module(f'app.{app}.train').main()\n",
     {"app.vjepa", "app.vjepa.train", "app.ijepa", "app.ijepa.train"}),
    # the same pattern in a module that never imports importlib reads nothing
    ("NAME = f'app.{x}.train'\n", set()),
    # a pattern whose package is no module of the project reads nothing
    ("import importlib\nimportlib.import_module(f'torchvision.{kind}.train')\n", set()),
])
def test_an_f_string_of_module_names_reads_the_modules_it_stands_for(load, scaffold, read):
    project = load({"train.py": "from app.scaffold import main\nmain('vjepa')\n", "app/scaffold.py": scaffold, **APPS})
    assert set(project.modules) == {"train", "app", "app.scaffold", *read}


def test_a_text_ending_in_a_dot_in_a_module_without_importlib_reads_nothing(load):
    project = load({"train.py": "import proj.steps\n", "proj/steps/__init__.py": "PREFIX = 'proj.steps.'\n", **STEPS})
    assert set(project.modules) == {"train", "proj", "proj.steps"}


def test_dotted_texts_of_a_module_without_importlib_read_nothing(load):
    project = load({"train.py": "NAME = 'mypkg.trainers'\n", "mypkg/__init__.py": "", "mypkg/trainers.py": ""})
    assert set(project.modules) == {"train"}


def test_a_module_outside_any_package_finds_its_neighbours_last(load):
    """A folder with no __init__.py may be put on sys.path by the code itself: its modules'
    neighbours are searched after the project's roots."""
    project = load({"train.py": "import tools.runner\n", "tools/runner.py": "import helpers\n", "tools/helpers.py": ""})
    assert project.resolve_import("helpers", "tools.runner") == "tools.helpers"


def test_a_module_named_like_a_library_in_a_package_is_not_what_its_neighbours_import(load):
    """scenic's train_lib/optax.py beside classification_trainer.py, which imports the optax
    library (triage CB)."""
    project = load({"train.py": "import mypkg.trainer\n", "mypkg/__init__.py": "", "mypkg/trainer.py": "import optax\n",
                    "mypkg/optax.py": "def schedule():\n    pass\n"})
    assert project.resolve_import("optax", "mypkg.trainer") is None
