"""sigcheck's own name resolution: what a name, attribute or call stands for."""

from __future__ import annotations

import textwrap

import pytest

from sigcheck.model import ir
from sigcheck.model.values import (ClassV, ConstV, ExternalV, FunctionV, InstanceV, ModuleV, PartialV, SeqV,
                                   SuperV, UnknownV)


@pytest.fixture
def resolve(analysis):
    """`resolve(code, last, files)`: the values bound to `probe` in train.py, which is `code`
    followed by the line(s) `last`."""

    def run(code: str, last: str = "", files: dict[str, str] | None = None, scope: str = "train:<module>"):
        a = analysis({"train.py": textwrap.dedent(code).lstrip("\n") + last, **(files or {})})
        fn = a.functions[scope]
        (value,) = [b.value for b in fn.bindings["probe"]]
        return a.resolver.resolve(value)

    return run


def test_builtin_and_unknown_names(resolve):
    assert resolve("probe = len") == (ExternalV("builtins.len"),)
    assert resolve("probe = undefined_name") == (UnknownV(),)


def test_name_bound_twice_has_both_values(resolve):
    values = resolve("""
        def a():
            pass

        def b():
            pass

        handler = a
        if True:
            handler = b
        probe = handler
    """)
    assert set(values) == {FunctionV("train:a"), FunctionV("train:b")}


def test_external_import_spellings(resolve):
    assert resolve("import torch.distributed as dist\nprobe = dist.barrier") == (ExternalV("torch.distributed.barrier"),)
    assert resolve("import os.path\nprobe = os.path.join") == (ExternalV("os.path.join"),)
    assert resolve("from functools import partial as p\nprobe = p") == (ExternalV("functools.partial"),)


def test_external_class_call_makes_an_instance(resolve):
    assert resolve("import threading\nprobe = threading.Event()") == (InstanceV(ExternalV("threading.Event")),)
    assert resolve("import os\nprobe = os.getpid()") == (UnknownV(),)


def test_attribute_of_external_instance(resolve):
    values = resolve("import lightning\ntrainer = lightning.Trainer()\nprobe = trainer.fit")
    assert values == (ExternalV("lightning.Trainer.fit"),)


def test_project_module_and_submodule(resolve):
    files = {"pkg/__init__.py": "", "pkg/core.py": "def train():\n    pass\n"}
    assert resolve("import pkg.core\nprobe = pkg.core.train", files=files) == (FunctionV("pkg.core:train"),)
    assert resolve("from pkg import core\nprobe = core", files=files) == (ModuleV("pkg.core"),)


def test_reexport_keeps_every_binding(resolve):
    files = {
        "pkg/__init__.py": "try:\n    from .fast import train\nexcept ImportError:\n    from .slow import train\n",
        "pkg/fast.py": "def train():\n    pass\n",
        "pkg/slow.py": "def train():\n    pass\n",
    }
    values = resolve("from pkg import train\nprobe = train", files=files)
    assert set(values) == {FunctionV("pkg.fast:train"), FunctionV("pkg.slow:train")}


def test_star_import_from_project_module(resolve):
    values = resolve("from helpers import *\nprobe = run", files={"helpers.py": "def run():\n    pass\n"})
    assert values == (FunctionV("helpers:run"),)


@pytest.mark.parametrize("code, expected", [
    # a library's star import binds any name asked of it: the project's, after it, is the one (triage CW:
    # azureml's DenseNet trainer, `from apex.fp16_utils import *` then `from image_classification.training import *`)
    ("from apex.fp16_utils import *\nfrom helpers import *\nprobe = run", (FunctionV("helpers:run"),)),
    ("from helpers import *\nfrom apex.fp16_utils import *\nprobe = run", (FunctionV("helpers:run"),)),
    # of two project modules, the last star import wins, as in Python
    ("from helpers import *\nfrom others import *\nprobe = run", (FunctionV("others:run"),)),
    # a name no project module binds is the library's
    ("from apex.fp16_utils import *\nfrom helpers import *\nprobe = FP16_Optimizer", (ExternalV("apex.fp16_utils.FP16_Optimizer"),)),
])
def test_star_imports_bind_as_python_does_and_the_projects_before_a_librarys(resolve, code, expected):
    files = {"helpers.py": "def run():\n    pass\n", "others.py": "def run():\n    pass\n"}
    assert resolve(code, files=files) == expected


def test_an_f_string_of_module_names_imports_one_of_the_modules_it_stands_for(resolve):
    files = {"app/__init__.py": "", "app/vjepa/__init__.py": "", "app/vjepa/train.py": "def main():\n    pass\n"}
    code = "import importlib\napp = input()\nprobe = importlib.import_module(f'app.{app}.train').main"
    assert resolve(code, files=files) == (FunctionV("app.vjepa.train:main"),)


def test_import_cycle_does_not_recurse(resolve):
    files = {"a.py": "from b import f\n", "b.py": "from a import f\n"}
    assert resolve("from a import f\nprobe = f", files=files) == (UnknownV(),)


def test_self_referential_assignment(resolve):
    assert ConstV(None) in resolve("node = None\nnode = node.parent\nprobe = node")  # and terminates


def test_self_cls_and_static_parameters(analysis):
    a = analysis({"train.py": """
        class Trainer:
            def fit(self):
                pass

            @classmethod
            def create(cls):
                pass

            @staticmethod
            def helper(x):
                pass
    """})
    r = a.resolver
    assert r.resolve(ir.Param("train:Trainer.fit", 0)) == (InstanceV(ClassV("train:Trainer")),)
    assert r.resolve(ir.Param("train:Trainer.create", 0)) == (ClassV("train:Trainer"),)
    assert r.resolve(ir.Param("train:Trainer.helper", 0)) == (UnknownV(),)


def test_parameter_annotation_and_default(analysis):
    a = analysis({"train.py": """
        import threading

        class Trainer:
            pass

        def run(trainer: Trainer, stop=threading.Event(), other=None):
            pass
    """})
    fn = a.functions["train:run"]
    assert a.resolver.resolve(fn.bindings["trainer"][0].value) == (InstanceV(ClassV("train:Trainer")),)
    assert a.resolver.resolve(fn.bindings["stop"][0].value) == (InstanceV(ExternalV("threading.Event")),)
    assert a.resolver.resolve(fn.bindings["other"][0].value) == (UnknownV(),)


def test_methods_bound_and_unbound(resolve):
    code = """
        class Trainer:
            def fit(self):
                pass

            @staticmethod
            def helper():
                pass

        t = Trainer()
    """
    assert resolve(code, "probe = t.fit") == (FunctionV("train:Trainer.fit", bound=1),)
    assert resolve(code, "probe = Trainer.fit") == (FunctionV("train:Trainer.fit", bound=0),)
    assert resolve(code, "probe = t.helper") == (FunctionV("train:Trainer.helper", bound=0),)


def test_property_resolves_to_its_return(resolve):
    values = resolve("""
        import threading

        class Job:
            @property
            def stop(self):
                return threading.Event()

        probe = Job().stop
    """)
    assert values == (InstanceV(ExternalV("threading.Event")),)


def test_instance_attribute_from_init_and_class_attribute(resolve):
    code = """
        class Trainer:
            pass

        class Job:
            patience = 3

            def __init__(self):
                self.trainer = Trainer()

        job = Job()
    """
    assert resolve(code, "probe = job.trainer") == (InstanceV(ClassV("train:Trainer")),)
    assert resolve(code, "probe = job.patience") == (ConstV(3),)


def test_inherited_method_and_external_base(resolve):
    code = """
        import lightning

        class Base:
            def fit(self):
                pass

        class Trainer(Base):
            pass

        class Module(lightning.LightningModule):
            pass
    """
    assert resolve(code, "probe = Trainer().fit") == (FunctionV("train:Base.fit", bound=1),)
    assert resolve(code, "probe = Module().log") == (ExternalV("lightning.LightningModule.log"),)


def test_super_resolves_after_the_own_class(analysis):
    a = analysis({"train.py": """
        import lightning

        class Base(lightning.LightningModule):
            def setup(self):
                pass

        class Trainer(Base):
            def setup(self):
                probe = super()
                other = super(Trainer, self)
                probe.setup
                probe.teardown
    """})
    r = a.resolver
    fn = a.functions["train:Trainer.setup"]
    assert r.resolve(fn.bindings["probe"][0].value) == (SuperV("train:Trainer"),)
    assert r.resolve(fn.bindings["other"][0].value) == (SuperV("train:Trainer"),)
    assert r.resolve(ir.Attr(fn.bindings["probe"][0].value, "setup")) == (FunctionV("train:Base.setup", bound=1),)
    assert r.resolve(ir.Attr(fn.bindings["probe"][0].value, "teardown")) == (
        ExternalV("lightning.LightningModule.teardown"),)


def test_factory_return_value(resolve):
    values = resolve("""
        class Trainer:
            pass

        def make(kind):
            if kind:
                return Trainer()
            return None

        probe = make(1)
    """)
    assert InstanceV(ClassV("train:Trainer")) in values


def test_partial_counts_bound_arguments(resolve):
    values = resolve("""
        import functools

        def stop(reason, signum, frame):
            pass

        probe = functools.partial(stop, "term", frame=None)
    """)
    assert values == (PartialV(FunctionV("train:stop"), 1, frozenset({"frame"})),)


def test_sequences_and_items(resolve):
    code = """
        import signal

        SIGNALS = (signal.SIGTERM, signal.SIGINT)
    """
    assert resolve(code, "probe = SIGNALS[1]") == (ExternalV("signal.SIGINT"),)
    assert resolve(code, "probe = SIGNALS") == (SeqV((ExternalV("signal.SIGTERM"), ExternalV("signal.SIGINT"))),)
    assert resolve(code, "for probe in SIGNALS:\n    pass") == (ExternalV("signal.SIGTERM"), ExternalV("signal.SIGINT"))


def test_global_assigned_in_a_function(resolve):
    values = resolve("""
        import threading

        stop = None

        def setup():
            global stop
            stop = threading.Event()

        probe = stop
    """)
    assert InstanceV(ExternalV("threading.Event")) in values


def test_nonlocal_assigned_in_a_closure(analysis):
    a = analysis({"train.py": """
        import threading

        def main():
            stop = None

            def setup():
                nonlocal stop
                stop = threading.Event()

            setup()
            probe = stop
    """})
    values = a.resolver.resolve(a.functions["train:main"].bindings["probe"][0].value)
    assert InstanceV(ExternalV("threading.Event")) in values


def test_closure_sees_enclosing_function(analysis):
    a = analysis({"train.py": """
        def main():
            def on_term(signum, frame):
                pass

            def install():
                probe = on_term
    """})
    fn = a.functions["train:main.<locals>.install"]
    assert a.resolver.resolve(fn.bindings["probe"][0].value) == (FunctionV("train:main.<locals>.on_term"),)


def test_qualnames(analysis):
    a = analysis({"train.py": "class Trainer:\n    def fit(self):\n        pass\n"})
    r = a.resolver
    assert r.qualname(FunctionV("train:Trainer.fit")) == "train.Trainer.fit"
    assert r.qualname(ClassV("train:Trainer")) == "train.Trainer"
    assert r.qualname(UnknownV("save")) == "?.save"
    assert r.qualname(ConstV(1)) is None


def test_relative_import_next_to_a_top_level_script(resolve):
    values = resolve("from . import helpers\nprobe = helpers.run", files={"helpers.py": "def run():\n    pass\n"})
    assert values == (FunctionV("helpers:run"),)


def test_property_with_a_setter(resolve):
    values = resolve("""
        import threading

        class Job:
            def __init__(self):
                self._stop = threading.Event()

            @property
            def stop(self):
                return self._stop

            @stop.setter
            def stop(self, value):
                self._stop = value

        probe = Job().stop
    """)
    assert InstanceV(ExternalV("threading.Event")) in values


def test_mro_is_c3_not_depth_first(analysis):
    a = analysis({"train.py": """
        class A:
            def fit(self):
                pass

        class B(A):
            pass

        class C(A):
            def fit(self):
                pass

        class D(B, C):
            pass

        probe = D().fit
    """})
    assert a.resolver.mro("train:D") == [ClassV("train:D"), ClassV("train:B"), ClassV("train:C"), ClassV("train:A")]
    (binding,) = a.functions["train:<module>"].bindings["probe"]
    assert a.resolver.resolve(binding.value) == (FunctionV("train:C.fit", bound=1),)


def test_mro_that_cannot_be_ordered_falls_back_to_depth_first(analysis):
    a = analysis({"train.py": """
        class A:
            pass

        class B(A):
            pass

        class C(A, B):
            pass
    """})
    assert a.resolver.mro("train:C") == [ClassV("train:C"), ClassV("train:A"), ClassV("train:B")]


def test_instance_attribute_set_in_any_class_of_the_mro(resolve):
    values = resolve("""
        class Base:
            def setup(self):
                self.on_stop = self.save

            def save(self):
                pass

        class Job(Base):
            def configure(self):
                self.on_stop = self.exit

            def exit(self):
                pass

        probe = Job().on_stop
    """)
    assert set(values) == {FunctionV("train:Job.exit", bound=1), FunctionV("train:Base.save", bound=1)}


def test_class_attribute_of_a_subclass_still_hides_the_base_ones(resolve):
    values = resolve("""
        class Base:
            patience = 3

        class Job(Base):
            patience = 5

        probe = Job().patience
    """)
    assert values == (ConstV(5),)


def test_decorated_function_is_the_wrapper_and_the_def(resolve):
    code = """
        import functools

        def logged(fn):
            @functools.wraps(fn)
            def wrapper(*args, **kwargs):
                return fn(*args, **kwargs)
            return wrapper

        def register(fn):
            return fn

        @logged
        def train():
            pass

        @register
        def evaluate():
            pass

        @functools.lru_cache()
        def cached():
            pass
    """
    assert set(resolve(code, "probe = train")) == {FunctionV("train:logged.<locals>.wrapper"), FunctionV("train:train")}
    assert resolve(code, "probe = evaluate") == (FunctionV("train:evaluate"),)  # register returns this very def
    assert resolve(code, "probe = cached") == (FunctionV("train:cached"),)  # a library decorator: the def


def test_stacked_decorators_hand_each_other_their_wrappers(analysis):
    a = analysis({"train.py": """
        def outer(f):
            def outer_wrapper():
                return f()
            return outer_wrapper

        def inner(f):
            def inner_wrapper():
                return f()
            return inner_wrapper

        @outer
        @inner
        def step():
            pass

        step()
    """})
    def calls(caller):
        return {c for _, c, k in a.graph.graph.out_edges(caller, keys=True) if k == "call"}
    # what `inner` returned, and the def its wrapper was made for, which the name stands for too
    assert calls("train:outer.<locals>.outer_wrapper") == {"train:inner.<locals>.inner_wrapper", "train:step"}
    assert calls("train:inner.<locals>.inner_wrapper") == {"train:step"}
    assert {"train:outer.<locals>.outer_wrapper", "train:step"} <= calls("train:<module>")


def test_mro_of_a_long_chain_of_subclasses_does_not_exhaust_the_stack(analysis):
    chain = "".join(f"class C{i}(C{i - 1}):\n    pass\n\n" for i in range(1, 1500))
    a = analysis({"train.py": "class C0:\n    def fit(self):\n        pass\n\n" + chain + "class Loop(Loop2):\n    pass\n\n"
                  "class Loop2(Loop):\n    pass\n"})
    order = a.resolver.mro("train:C1499")
    assert order[:2] == [ClassV("train:C1499"), ClassV("train:C1498")] and len(order) == 64
    assert a.resolver.mro("train:C40")[-1] == ClassV("train:C0")
    assert a.resolver.mro("train:Loop") == [ClassV("train:Loop"), ClassV("train:Loop2")]  # a cycle ends


def test_a_conditional_expression_or_an_or_stands_for_each_of_its_values(resolve):
    classes = """
        class SimpleTrainer:
            pass

        class AMPTrainer:
            pass

    """
    assert resolve(classes, "probe = (AMPTrainer if amp else SimpleTrainer)()\n") == (
        InstanceV(ClassV("train:AMPTrainer")), InstanceV(ClassV("train:SimpleTrainer")))
    assert resolve(classes, "probe = configured or SimpleTrainer\n") == (UnknownV(), ClassV("train:SimpleTrainer"))


def test_a_star_import_rebinds_a_name_its_package_also_has_as_a_submodule(resolve):
    """`from .launch import *` in engine/__init__.py binds `engine.launch` to the function the
    submodule exports, as Python does; a submodule no star import shadows stays the module."""
    files = {"engine/__init__.py": "from .launch import *\nfrom .hooks import *\n",
             "engine/launch.py": "__all__ = ['launch']\n\ndef launch(main_func):\n    main_func()\n",
             "engine/hooks.py": "def periodic():\n    pass\n",
             "engine/tools.py": "def helper():\n    pass\n"}
    assert resolve("from engine import launch as probe\n", files=files) == (FunctionV("engine.launch:launch"),)
    assert resolve("from engine import tools as probe\n", files=files) == (ModuleV("engine.tools"),)
    assert resolve("import engine\nprobe = engine.hooks.periodic\n", files=files) == (FunctionV("engine.hooks:periodic"),)


def test_star_imports_in_a_cycle_resolve_the_same_from_either_side(resolve):
    """a and b star-import each other: a name defined in a is found through b, and b's search,
    cut short where the cycle closes, is not kept as the answer for later questions."""
    files = {"a.py": "from b import *\n\ndef fit():\n    pass\n", "b.py": "from a import *\n"}
    assert resolve("from b import fit as probe\n", files=files) == (FunctionV("a:fit"),)
    assert resolve("import a, b\nfirst = b.fit\nprobe = a.fit\n", files=files) == (FunctionV("a:fit"),)


def test_a_star_import_lattice_is_searched_once_per_module_and_name(analysis, monkeypatch):
    """Each level star-imports both modules of the next: the paths double at every level, the
    searches must not (transformers' __init__ files star-import hundreds of submodules)."""
    from sigcheck.model.resolve import Resolver

    levels = 12
    files = {f"pkg/l{i}{side}.py": f"from pkg.l{i + 1}a import *\nfrom pkg.l{i + 1}b import *\n"
             for i in range(levels) for side in "ab"}
    files["pkg/__init__.py"] = ""
    files[f"pkg/l{levels}a.py"] = "def fit():\n    pass\n"
    files[f"pkg/l{levels}b.py"] = ""
    files["train.py"] = "from pkg.l0a import fit\nprobe = fit\n"
    a = analysis(files)
    searches = []
    real = Resolver._star_search
    monkeypatch.setattr(Resolver, "_star_search", lambda self, module, name: searches.append(name) or real(self, module, name))
    (probe,) = [b.value for b in a.functions["train:<module>"].bindings["probe"]]
    assert a.resolver.resolve(probe) == (FunctionV(f"pkg.l{levels}a:fit"),)
    assert len(searches) <= 2 * (levels + 1)


def test_a_parameter_takes_every_function_many_scripts_pass_it(resolve):
    """detectron2's `launch(main, ...)` is called by a dozen tools, each with its own main: the
    parameter stands for all of them, past the cut that bounds other values."""
    tools = {f"tool{i}.py": "from engine import launch\n\ndef main():\n    pass\n\nlaunch(main)\n" for i in range(12)}
    files = {"engine.py": "def launch(main_func):\n    probe = main_func\n    main_func()\n", **tools}
    values = resolve("import " + ", ".join(f"tool{i}" for i in range(12)) + "\nprobe = 0\n", files=files,
                     scope="engine:launch")
    assert set(values) == {FunctionV(f"tool{i}:main") for i in range(12)}


def test_an_annotation_stands_in_for_a_value_a_factory_makes(resolve):
    """`trainer: Trainer = instantiate(cfg)`: the factory's product is unknown, the declared
    class is not. A value that is known keeps its own class (the annotation may be a base)."""
    imports = "import hydra\nfrom lightning import Trainer\n\nclass Net:\n    pass\n\ndef build():\n    return Net()\n\n"
    assert resolve(imports, "probe: Trainer = hydra.utils.instantiate(cfg)\n") == (InstanceV(ExternalV("lightning.Trainer")),)
    assert resolve(imports, "probe: Trainer = build()\n") == (InstanceV(ClassV("train:Net")),)
    quoted = resolve(imports, "probe: \"Trainer\" = hydra.utils.instantiate(cfg)\n")  # a string: not read
    assert not any(isinstance(v, InstanceV) for v in quoted)



def test_a_declared_class_holds_for_the_name_in_its_whole_scope(analysis):
    """torchtitan: `trainer: Trainer | None = None`, then `trainer = config.build()`. The
    annotation declares the name's class, whatever the factory assigned to it later is; an
    optional class (`X | None`, `Optional[X]`) declares X."""
    code = textwrap.dedent("""
        from typing import Optional
        from lightning import Trainer

        def main(config):
            probe: Trainer | None = None
            probe = config.build()
            other: Optional[Trainer] = make(config)
            plain = config.build()
    """).lstrip("\n")
    a = analysis({"train.py": code})
    bindings = a.functions["train:main"].bindings
    trainer = (InstanceV(ExternalV("lightning.Trainer")),)
    assert a.resolver.resolve(bindings["probe"][-1].value) == trainer
    assert a.resolver.resolve(bindings["other"][-1].value) == trainer
    assert not any(isinstance(v, InstanceV) for v in a.resolver.resolve(bindings["plain"][-1].value))

def test_a_class_s_from_constructor_makes_an_instance_of_it(resolve):
    """`pl.Trainer.from_argparse_args(args)` is a Trainer, whose fit handles SIGTERM."""
    code = "import pytorch_lightning as pl\nfrom transformers import AutoModel\n\n"
    assert resolve(code, "probe = pl.Trainer.from_argparse_args(args)\n") == (InstanceV(ExternalV("pytorch_lightning.Trainer")),)
    assert resolve(code, "probe = AutoModel.from_pretrained('gpt2')\n") == (InstanceV(ExternalV("transformers.AutoModel")),)
    assert not isinstance(resolve(code, "probe = pl.utilities.from_env()\n")[0], InstanceV)  # not a class's


def test_a_function_transformation_runs_the_function_it_is_given(resolve):
    """`jax.pmap(train_step, axis_name="batch")` is called in the loop as train_step is: the
    step inside it (optax.apply_updates) is what makes the loop a training loop."""
    code = "import jax\nimport torch\n\ndef train_step(state, batch):\n    return state\n\n"
    assert FunctionV("train:train_step") in resolve(code, "probe = jax.pmap(train_step, axis_name='batch')\n")
    assert FunctionV("train:train_step") in resolve(code, "probe = torch.compile(train_step)\n")
    # compiled ahead of time, the executable runs it (axlearn's trainer; triage BP)
    assert FunctionV("train:train_step") in resolve(code, "probe = jax.jit(train_step).lower(state, batch).compile()\n")
    assert FunctionV("train:train_step") not in resolve(code, "probe = re.compile(pattern)\n")
    # levanter's trainer compiles its step with haliax's jit by named axes (triage BP)
    named = code.replace("import jax\n", "import jax\nimport haliax as hax\nfrom haliax.partitioning import named_jit\n")
    assert FunctionV("train:train_step") in resolve(named, "probe = hax.named_jit(train_step, axis_resources=mapping)\n")
    assert FunctionV("train:train_step") in resolve(named, "probe = named_jit(train_step, mapping, donate_args=(True,))\n")
    assert FunctionV("train:train_step") not in resolve(code, "probe = jax.device_put(train_step)\n")


def test_a_batch_size_finder_runs_the_training_loop_it_is_given(resolve):
    """A copy of Hugging Face's Trainer (ChatGLM's ptuning/trainer.py) runs its loop as
    `find_executable_batch_size(self._inner_training_loop, ...)(args=args)`: calling what the
    finder returns runs the loop, retried with a smaller batch on out-of-memory."""
    code = ("from transformers.trainer_utils import find_executable_batch_size\n"
            "from accelerate.utils import find_executable_batch_size as finder\n\n"
            "def inner_loop(batch_size, args):\n    return args\n\n")
    assert FunctionV("train:inner_loop") in resolve(code, "probe = find_executable_batch_size(inner_loop, 8, True)\n")
    assert FunctionV("train:inner_loop") in resolve(code, "probe = finder(inner_loop, starting_batch_size=64)\n")


def test_targets_unpacked_from_a_returned_tuple_take_its_items(analysis):
    """HyperPod's examples: `trainer, data_module = SageMakerTrainerBuilder(cfg).create_trainer()`
    returns a Lightning Trainer first; its `fit` is Lightning's, which handles SIGTERM."""
    a = analysis({"train.py": """
from pytorch_lightning import Trainer

class Builder:
    def create_trainer(self):
        trainer = Trainer(max_steps=10)
        return trainer, "data"

def main():
    trainer, data = Builder().create_trainer()
    first, *rest = Builder().create_trainer()
    trainer.fit(model, datamodule=data)
"""})
    from sigcheck.model.values import ConstV, ExternalV, InstanceV

    def values(name):
        (binding,) = a.functions["train:main"].bindings[name]
        return set(a.resolver.resolve(binding.value))

    assert values("trainer") == {InstanceV(ExternalV("pytorch_lightning.Trainer"))}
    assert values("data") == {ConstV("data")}
    assert values("first") == values("trainer")


def test_calls_that_cannot_run_a_library_function_are_told_without_resolving(analysis):
    """may_call_library lets most calls go unresolved; it must never let go one that may run a
    function the patterns name, however it is spelled."""
    from sigcheck.knowledge import builtin_knowledge

    writes = builtin_knowledge().writes
    a = analysis({
        "util.py": "from shutil import copyfile as cp\nfrom json import loads as parse\n",
        "again.py": "from util import cp\n",
        "stars.py": "from util import *\n",
        "train.py": textwrap.dedent("""
            from again import cp
            from util import parse
            from shutil import copyfile as duplicate
            import stars

            class Model:
                pass

            def train(out):
                pass

            def run(model, fn):
                length = len(out)
                train(out)
                Model()
                parse(out)
                model.forward(out)
                model.save(out)
                duplicate("a", out)
                cp("a", out)
                fn(out)
        """).lstrip("\n"),
    })
    called = {e.func.attr if isinstance(e.func, ir.Attr) else e.func.name: e.func
              for e in a.functions["train:run"].events if isinstance(e, ir.CallSite)}
    may = {name for name, func in called.items() if a.resolver.may_call_library(func, writes)}
    # the project's def and class, a builtin, a library function named otherwise, a method named otherwise
    assert not may & {"len", "train", "Model", "parse", "forward"}
    # a write method, a library write imported under another name, the same re-exported, a parameter
    assert may == {"save", "duplicate", "cp", "fn"}
    star = analysis({"util.py": "from shutil import copyfile as cp\n", "train.py": "from util import *\ncp('a', 'b')\n"})
    (site,) = [e for e in star.functions["train:<module>"].events if isinstance(e, ir.CallSite)]
    assert star.resolver.may_call_library(site.func, writes)  # an unbound name a star import may bind


def test_a_modules_move_or_cast_returns_the_module(resolve):
    code = """
        import torch
        from transformers import AutoModel

        class Net(torch.nn.Module):
            pass

        class Own:
            def to(self, device):
                return device

    """
    assert resolve(code, "probe = Net().to('cuda').half()") == (InstanceV(ClassV("train:Net")),)
    assert resolve(code, "probe = AutoModel.from_pretrained('m').cuda()") == (InstanceV(ExternalV("transformers.AutoModel")),)
    # a class of the project's own that defines the method: what it returns
    assert resolve(code, "probe = Own().to('cuda')") == (ConstV("cuda"),)
    # eval() and train() are left out: a trainer's train() returns its results, not itself
    assert resolve(code, "probe = Net().eval()") == (UnknownV(),)


def test_an_index_is_not_answered_from_the_memo_of_an_equal_bool(analysis):
    # 0 == False and hash(0) == hash(False): the literal `False` resolved first once made
    # `steps[0]` an item by the key False, which no list has
    a = analysis({"train.py": "def a():\n    pass\n\ndef b():\n    pass\n\nflag = False\nsteps = [a, b]\nprobe = steps[0]\n"})
    assert a.resolver.resolve(ir.Const(False)) == (ConstV(False),)
    (value,) = [binding.value for binding in a.functions["train:<module>"].bindings["probe"]]
    assert a.resolver.resolve(value) == (FunctionV("train:a"),)
    assert len({ConstV(0), ConstV(False), ConstV(0.0)}) == 3


def test_getattr_with_a_known_name_is_that_attribute(resolve):
    code = """
        import torch

        class Trainer:
            def fit(self):
                pass

        def pick(name):
            return getattr(Trainer(), name)

        chosen = pick("fit")
    """
    assert resolve(code, "probe = getattr(torch.optim, 'AdamW')") == (ExternalV("torch.optim.AdamW"),)
    assert resolve(code, "probe = getattr(Trainer, 'fit', None)") == (FunctionV("train:Trainer.fit"), ConstV(None))
    assert resolve(code, "probe = chosen") == (FunctionV("train:Trainer.fit", bound=1),)
    assert resolve(code, "probe = getattr(Trainer, input())") == (UnknownV(),)


def test_getattr_with_a_name_known_only_at_run_time_is_a_method_it_may_spell(resolve):
    """ultralytics' `yolo train`: `getattr(model, mode)(**overrides)`, where the mode comes from
    the command line: a public method of the object's class or a base's; a name written to begin
    or end with some text only the methods spelled so."""
    code = """
        import sys

        class Base:
            def train(self):
                pass

        class Model(Base):
            def predict(self):
                pass

            def _on_stop(self):
                pass

            def _on_start(self):
                pass

            def _helper(self):
                pass

        model = Model()
        event = sys.argv[2]
    """
    methods = lambda *names: {FunctionV(name, bound=1) for name in names}  # noqa: E731
    assert set(resolve(code, "probe = getattr(model, sys.argv[1])")) == methods("train:Model.predict", "train:Base.train")
    assert set(resolve(code, 'probe = getattr(model, f"_on_{event}")')) == methods("train:Model._on_stop", "train:Model._on_start")
    assert set(resolve(code, 'probe = getattr(model, "_on_" + event)')) == methods("train:Model._on_stop", "train:Model._on_start")
    assert resolve(code, "probe = getattr(sys, sys.argv[1])") == (UnknownV(),)  # a library's: anything


def test_an_abstract_property_is_what_the_subclasses_return(resolve):
    """ultralytics' Model.task_map raises NotImplementedError; YOLO's returns the classes by task."""
    code = """
        class Model:
            @property
            def task_map(self):
                raise NotImplementedError

            def load(self, key):
                probe = self.task_map

        class Detector:
            pass

        class YOLO(Model):
            @property
            def task_map(self):
                return Detector
    """
    assert resolve(code, scope="train:Model.load") == (ClassV("train:Detector"),)


def test_a_method_self_names_as_a_value_is_also_each_subclass_override(resolve):
    """TF2 model garden's StandardTrainable: `train_fn = self.train_step`, abstract in the base,
    then called in a loop; the instance is a subclass's, whose train_step trains (triage CD). A
    method of an instance made by name is that class's only."""
    code = """
        import abc

        class Trainable(abc.ABC):
            def train(self):
                probe = self.train_step

            @abc.abstractmethod
            def train_step(self):
                pass

        class Runner(Trainable):
            def train_step(self):
                pass

        class Other(Trainable):
            pass
    """
    assert set(resolve(code, scope="train:Trainable.train")) == {
        FunctionV("train:Trainable.train_step", bound=1), FunctionV("train:Runner.train_step", bound=1)}
    assert resolve(code, "probe = Trainable().train_step") == (FunctionV("train:Trainable.train_step", bound=1),)


def test_a_lookup_by_a_parameter_returned_takes_each_calls_argument(resolve):
    """ultralytics' `_smart_load(key)` returns `self.task_map[self.task][key]`: the call with
    "trainer" gives the trainers, not the models and predictors other calls ask for."""
    code = """
        class Trainer:
            pass

        class Predictor:
            pass

        TABLE = {"trainer": Trainer, "predictor": Predictor}

        class Model:
            def load(self, key):
                return TABLE[key]

            def train(self):
                probe = self.load("trainer")

            def predict(self):
                return self.load("predictor")
    """
    assert resolve(code, scope="train:Model.train") == (ClassV("train:Trainer"),)
    nested = code.replace("TABLE[key]", "{'detect': TABLE}[self.task][key]")
    assert resolve(nested, scope="train:Model.train") == (ClassV("train:Trainer"),)


def test_a_package_importing_its_own_submodule_binds_the_submodule(resolve):
    """ultralytics/models/yolo/__init__.py: `from ultralytics.models.yolo import detect`."""
    files = {"pkg/__init__.py": "from pkg import detect\n", "pkg/detect/__init__.py": "from .train import Trainer\n",
             "pkg/detect/train.py": "class Trainer:\n    pass\n"}
    assert resolve("import pkg\n", "probe = pkg.detect.Trainer", files) == (ClassV("pkg.detect.train:Trainer"),)


def test_a_getattr_of_the_projects_own_is_no_builtin(resolve):
    code = """
        def getattr(obj, name):
            return 42

        probe = getattr(str, "upper")
    """
    assert resolve(code) == (ConstV(42),)


def test_a_name_rebound_from_its_own_method_has_its_class_at_every_site_whichever_is_asked_first(analysis):
    """`model = model.fit(X, y)`: resolving `model` meets `model.fit` again inside; what is
    worked out within that cycle lacks the SVC and is not kept for the call site, which is
    asked for on its own later (azureml-examples' sweep: an sklearn fit taken for training)."""
    code = textwrap.dedent("""
        from sklearn.svm import SVC

        def train(X, y):
            model = SVC()
            model = model.fit(X, y)
            return model
        """).lstrip("\n")
    for first in ("name", "site"):
        a = analysis({"train.py": code})
        fn = a.functions["train:train"]
        site = next(e for e in fn.events if isinstance(e, ir.CallSite) and isinstance(e.func, ir.Attr))
        asked = [site.func.base, site.func] if first == "name" else [site.func, site.func.base]
        for sym in asked:
            a.resolver.resolve(sym)
        assert a.graph.qualnames("train:train", site) == ["sklearn.svm.SVC.fit", "?.fit"], first


def test_an_attribute_rebuilt_from_itself_keeps_what_its_builder_makes(analysis):
    """`self._loop = self.build(self._loop)` in two methods: resolving the attribute meets the
    call again inside, and the call's answer there lacks the Loop the builder makes. A symbol
    asked later in the same question that used that answer once the cycle was closed kept it for
    good (mmengine's FlexibleRunner: `self.train_loop.run()` ran nothing)."""
    code = textwrap.dedent("""
        class Loop:
            def run(self):
                pass

        class Runner:
            def __init__(self, cfg):
                self._loop = cfg

            @property
            def loop(self):
                if isinstance(self._loop, Loop):
                    return self._loop
                self._loop = self.build(self._loop)
                return self._loop

            def build(self, loop):
                if isinstance(loop, Loop):
                    return loop
                loop = Loop()
                return loop

            def train(self):
                self._loop = self.build(self._loop)
                self.loop.run()

        Runner({}).train()
        """).lstrip("\n")
    a = analysis({"train.py": code})
    assert a.graph.graph.has_edge("train:Runner.train", "train:Loop.run")


def test_a_library_class_first_among_the_bases_may_leave_a_method_to_the_next(resolve):
    """peft's MonteCLoRA trainer is `class MonteCLoRATrainer(MontecloraTrainerMixin, Trainer)`: the
    mixin overrides compute_loss, and `train()` is the Trainer's. Taking the mixin's alone, as
    if a library class defined every name, hid the Trainer's train from SIG001."""
    code = """
        from peft.helpers import SomeMixin
        from transformers import Trainer

        class Own:
            def train(self):
                pass

        class MyTrainer(SomeMixin, Trainer):
            pass

        class Mixed(SomeMixin, Own):
            pass
    """
    assert resolve(code, "probe = MyTrainer().train") == (ExternalV("peft.helpers.SomeMixin.train"),
                                                           ExternalV("transformers.Trainer.train"))
    assert resolve(code, "probe = Mixed().train") == (ExternalV("peft.helpers.SomeMixin.train"), FunctionV("train:Own.train", bound=1))
    assert resolve(code, "probe = MyTrainer().nothing_defines_this") == (ExternalV("peft.helpers.SomeMixin.nothing_defines_this"),
                                                                          ExternalV("transformers.Trainer.nothing_defines_this"))


def test_a_submodule_imported_from_a_namespace_package_is_the_projects(resolve):
    """`from proj.utils import train_utils` where proj/utils/ has no __init__.py (PEP 420, MaxText's
    utils/): the name can only be the submodule, the project's file, not a library's name."""
    files = {"proj/__init__.py": "", "proj/utils/train_utils.py": "def train():\n    pass\n"}
    assert resolve("from proj.utils import train_utils\nprobe = train_utils.train\n", files=files) \
        == (FunctionV("proj.utils.train_utils:train"),)
    assert resolve("from torch import nn\nprobe = nn\n") == (ExternalV("torch.nn"),)


_FACTORY = """
import importlib

TABLE = {"lm": "mypkg.trainers.LMTrainer", "cls": "mypkg.trainers.ClsTrainer"}


def trainer_class(task):
    module_path, class_name = TABLE[task].rsplit(".", 1)
    return getattr(importlib.import_module(module_path), class_name)

"""
_TRAINERS = {"mypkg/__init__.py": "", "mypkg/trainers.py": "class LMTrainer:\n    pass\n\n\nclass ClsTrainer:\n    pass\n"}


def test_a_class_taken_from_a_module_imported_by_its_dotted_text(resolve):
    """ms-swift's TrainerFactory: the module's path and the class's name split from one text."""
    values = resolve(_FACTORY, "probe = trainer_class(task)\n", _TRAINERS)
    assert set(values) == {ClassV("mypkg.trainers:LMTrainer"), ClassV("mypkg.trainers:ClsTrainer")}


@pytest.mark.parametrize("expression, parts", [
    ("'a.b.c'.rsplit('.', 1)", ("a.b", "c")),
    ("'a.b.c'.split('.')", ("a", "b", "c")),
    ("'a.b.c'.split('.', maxsplit=1)", ("a", "b.c")),
    ("'pkg.mod:main'.partition(':')", ("pkg.mod", ":", "main")),
    ("'pkg.mod:main'.rpartition('.')", ("pkg", ".", "mod:main")),
])
def test_a_known_text_split_at_a_written_separator(resolve, expression, parts):
    assert resolve(f"probe = {expression}") == (SeqV(tuple(ConstV(p) for p in parts)),)


@pytest.mark.parametrize("expression", ["'a b'.split()", "'a.b'.split(sep)", "name.rsplit('.', 1)", "'a.b'.split('')"])
def test_a_split_of_a_text_or_at_a_separator_not_known_gives_nothing_known(resolve, expression):
    assert resolve(f"import sys\nname = sys.argv[1]\nsep = sys.argv[2]\nprobe = {expression}") == (UnknownV(),)


@pytest.mark.parametrize("path", ["'torch.nn'", "'.trainers'", "sys.argv[1]"])
def test_a_module_imported_by_a_text_of_no_project_module_is_not_known(resolve, path):
    values = resolve(f"import importlib, sys\nprobe = importlib.import_module({path})\n", files=_TRAINERS)
    assert all(isinstance(v, UnknownV) for v in values)


_RESOLVER = """
from typing import TypeVar

T = TypeVar("T")


class Runner:
    pass


class Evaluator:
    pass


class Container:
    def __init__(self):
        self._factories = {}

    def resolve(self, kls: type[T], *, key=None) -> T:
        return self._factories[kls]()


other = Container().resolve(Evaluator)
"""


def test_a_function_annotated_to_return_an_instance_of_the_class_it_is_handed(resolve):
    """fairseq2's `DependencyResolver.resolve(kls: type[T]) -> T`, whose body sigcheck cannot follow
    (triage BV): each call gives an instance of its own argument's class."""
    values = resolve(_RESOLVER, "probe = Container().resolve(Runner)\n")
    assert InstanceV(ClassV("train:Runner")) in values and InstanceV(ClassV("train:Evaluator")) not in values


@pytest.mark.parametrize("signature", ["def make(kls: type[T]) -> list[T]:", "def make(kls: type[T]) -> object:",
                                       "def make(kls: type) -> T:"])
def test_other_annotations_say_nothing_of_the_instance_returned(resolve, signature):
    code = f"from typing import TypeVar\nT = TypeVar('T')\n\n\nclass Runner:\n    pass\n\n\n{signature}\n    return registry[kls]\n\n\n"
    assert InstanceV(ClassV("train:Runner")) not in resolve(code, "probe = make(Runner)\n")


def test_a_class_a_function_calls_and_returns_is_the_class_of_that_call(resolve):
    code = "class A:\n    pass\n\n\nclass B:\n    pass\n\n\ndef make(kls):\n    return kls()\n\n\nother = make(B)\n"
    assert resolve(code, "probe = make(A)\n") == (InstanceV(ClassV("train:A")),)


@pytest.mark.parametrize("factory, made", [
    ("LabelEncoder", InstanceV(ExternalV("sklearn.preprocessing.LabelEncoder"))),
    ("Encoder", InstanceV(ClassV("train:Encoder"))),
    ("make", ConstV(0)),
])
def test_an_item_a_defaultdict_lacks_is_what_its_factory_makes(resolve, factory, made):
    """gluonts' corpus: `defaultdict(LabelEncoder)[name].fit(data)` fits an encoder, no model (triage BZ)."""
    code = ("from collections import defaultdict\nfrom sklearn.preprocessing import LabelEncoder\n\n\n"
            "class Encoder:\n    pass\n\n\ndef make():\n    return 0\n\n\n")
    assert resolve(code, f"probe = defaultdict({factory})[name]\n") == (made,)


def test_a_subscripted_generic_base_is_the_class_it_subscripts(analysis):
    """tianshou's `class OnPolicyAlgorithm(Algorithm[TPolicy], Generic[TPolicy], ABC)` (triage CA)."""
    code = ("from abc import ABC\nfrom typing import Generic, TypeVar\n\nT = TypeVar('T')\n\n\n"
            "class Algorithm(Generic[T], ABC):\n    def run_training(self):\n        pass\n\n\n"
            "class OnPolicy(Algorithm[int], ABC):\n    pass\n")
    a = analysis({"train.py": code})
    assert ClassV("train:Algorithm") in a.resolver.mro("train:OnPolicy")
    assert a.resolver.method_of("train:OnPolicy", "run_training") == "train:Algorithm.run_training"


def test_a_base_subscripted_with_several_types_is_the_class_it_subscripts(analysis):
    """tianshou's `class OnPolicyAlgorithm(Algorithm[TPolicy, "OnPolicyTrainerParams"], ABC)`."""
    code = ("from typing import Generic, TypeVar\n\nT = TypeVar('T')\nP = TypeVar('P')\n\n\n"
            "class Algorithm(Generic[T, P]):\n    def run_training(self):\n        pass\n\n\n"
            "class OnPolicy(Algorithm[int, 'Params']):\n    pass\n")
    a = analysis({"train.py": code})
    assert a.resolver.method_of("train:OnPolicy", "run_training") == "train:Algorithm.run_training"


_FACTORY_METHOD = """
from abc import ABC, abstractmethod


class Trainer:
    pass


class OnPolicyTrainer(Trainer):
    pass


class OffPolicyTrainer(Trainer):
    pass


class Algorithm(ABC):
    {abstract}
    def create_trainer(self):
        {body}

    def run_training(self):
        probe = self.create_trainer()
        return probe


class OnPolicy(Algorithm):
    def create_trainer(self):
        return OnPolicyTrainer()


class OffPolicy(Algorithm):
    def create_trainer(self):
        return OffPolicyTrainer()
"""


@pytest.mark.parametrize("abstract, body", [("@abstractmethod", "pass"), ("", "raise NotImplementedError")])
def test_an_abstract_method_returns_what_its_overrides_return(resolve, abstract, body):
    """tianshou's `trainer = self.create_trainer(params); trainer.run()` in the base (triage CA)."""
    values = resolve(_FACTORY_METHOD.format(abstract=abstract, body=body), scope="train:Algorithm.run_training")
    assert set(values) == {InstanceV(ClassV("train:OnPolicyTrainer")), InstanceV(ClassV("train:OffPolicyTrainer"))}


def test_a_method_that_returns_nothing_of_its_own_but_is_no_abstract_one_returns_nothing_known(resolve):
    values = resolve(_FACTORY_METHOD.format(abstract="", body="print('base')"), scope="train:Algorithm.run_training")
    assert values == (UnknownV(),)


@pytest.mark.parametrize("key, made", [
    ("FLAGS.trainer_name", {ClassV("train:Classification"), ClassV("train:Segmentation")}),
    ("'segmentation'", {ClassV("train:Segmentation")}),
])
def test_a_table_looked_up_by_a_librarys_value_may_give_any_entry(resolve, key, made):
    """scenic's `get_trainer(FLAGS.trainer_name)`: an absl flag is a text known at run time (triage CB)."""
    code = ("from absl import flags\n\nFLAGS = flags.FLAGS\n\n\nclass Classification:\n    pass\n\n\n"
            "class Segmentation:\n    pass\n\n\nTABLE = {'classification': Classification, 'segmentation': Segmentation}\n")
    assert set(resolve(code, f"probe = TABLE[{key}]\n")) == made


def test_a_module_member_named_by_texts_beside_a_value_not_known_is_each_member_named(resolve):
    """ai-toolkit's `getattr(importlib.import_module("jobs.process"), process_dict[kind])`, the table
    handed in as `process_dict: dict`, whose annotation adds a dict of items not known."""
    code = ("import importlib\n\n\ndef load(table: dict, kind):\n    module = importlib.import_module('jobs.procs')\n"
            "    probe = getattr(module, table[kind])\n    return probe\n\n\nload({'a': 'TrainProcess', 'b': 'ExportProcess'}, input())\n")
    procs = {"jobs/__init__.py": "", "jobs/procs.py": "class TrainProcess:\n    pass\n\n\nclass ExportProcess:\n    pass\n"}
    values = resolve(code, files=procs, scope="train:load")
    assert {ClassV("jobs.procs:TrainProcess"), ClassV("jobs.procs:ExportProcess")} <= set(values)


@pytest.mark.parametrize("parsed", ["args = parser.parse_args()", "args, rest = parser.parse_known_args()"])
def test_an_argparse_namespace_attribute_is_also_what_set_defaults_gives_it(resolve, parsed):
    """argparse's sub-commands: `set_defaults(func=train)` on each sub-parser, then `args.func(args)`
    (allennlp's `allennlp` command; triage CF). An option's value stays unknown."""
    code = f"""
        import argparse

        def train(args):
            pass

        def serve(args):
            pass

        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers()
        sub.add_parser("train").set_defaults(func=train)
        sub.add_parser("serve").set_defaults(func=serve, port=80)
        {parsed}
    """
    assert set(resolve(code, "probe = args.func")) == {FunctionV("train:train"), FunctionV("train:serve"), UnknownV("func")}
    assert set(resolve(code, "probe = args.port")) == {ConstV(80), UnknownV("port")}
    assert resolve(code, "probe = args.lr") == (UnknownV("lr"),)


def test_a_method_value_of_a_base_with_many_overrides_is_the_bases_own(resolve):
    """transformers' `self.forward` taken as a value in PreTrainedModel: a thousand models override
    it. Past _MAX_OVERRIDES the value is the base's method only, as an abstract method's returns
    are not followed past it (what made the whole package 30% slower to analyse)."""
    models = "".join(f"class M{n}(Base):\n    def forward(self):\n        pass\n\n" for n in range(9))
    code = "class Base:\n    def run(self):\n        probe = self.forward\n\n    def forward(self):\n        pass\n\n" + models
    assert resolve(code, scope="train:Base.run") == (FunctionV("train:Base.forward", bound=1),)


CONFIGS = """
from dataclasses import dataclass, field
from typing import Type


@dataclass
class InstantiateConfig:
    _target: Type

    def setup(self, **kwargs):
        return self._target(self, **kwargs)


class Trainer:
    def __init__(self, config, local_rank=0):
        self.config = config


class Pipeline:
    def __init__(self, config):
        self.config = config


@dataclass
class TrainerConfig(InstantiateConfig):
    _target: Type = field(default_factory=lambda: Trainer)
    steps: int = field(default=100)


@dataclass
class PipelineConfig(InstantiateConfig):
    _target: Type = Pipeline
"""


@pytest.mark.parametrize("last, expected", [
    ("probe = TrainerConfig()._target", {ClassV("train:Trainer")}),  # the default factory's product
    ("probe = TrainerConfig().steps", {ConstV(100)}),
    ("probe = TrainerConfig().setup(local_rank=0)", {InstanceV(ClassV("train:Trainer"))}),
    ("probe = PipelineConfig().setup()", {InstanceV(ClassV("train:Pipeline"))}),
], ids=["field default_factory", "field default", "setup on the subclass", "plain class attribute"])
def test_a_config_builds_the_class_its_subclass_gives(resolve, last, expected):
    """nerfstudio's `trainer = config.setup(...)`: the base declares `_target: Type` and returns
    `self._target(self, **kwargs)`; each config subclass gives the class (triage CM)."""
    assert set(resolve(CONFIGS, last)) == expected



@pytest.mark.parametrize("stored, expected", [
    # NeMo-Aligner's add_custom_checkpoint_callback: an attribute set on the object a function made
    ("cb.save = functools.partial(save_fn, 1)", (PartialV(FunctionV("train:save_fn"), 1, frozenset()),)),
    # a function stored on the class is a method of its instances
    ("Callback.save = save_fn", (FunctionV("train:save_fn", bound=1),)),
    # stored on an object of another class: not this one's
    ("other.save = save_fn", (UnknownV("save"),)),
])
def test_an_attribute_stored_on_an_instance_from_outside_its_class_is_read_on_it(resolve, stored, expected):
    code = f"""
import functools


def save_fn(step, where):
    pass


class Callback:
    pass


class Other:
    pass


def make():
    cb = Callback()
    other = Other()
    {stored}
    return cb


probe = make().save
"""
    assert resolve(code) == expected


def _algorithms(count: int, base: str | None = "Algorithm") -> str:
    head = f"class {base}:\n    def update(self, batch):\n        raise NotImplementedError\n\n\n" if base else ""
    return head + "".join(f"class Algo{i}({base or ''}):\n    def update(self, batch):\n        pass\n\n\n"
                          for i in range(count))


@pytest.mark.parametrize("lookup", ["globals()[name]", "globals()[name]()"])
def test_a_lookup_in_the_module_s_globals_is_one_of_its_classes(resolve, lookup):
    """DomainBed's `get_algorithm_class(name)` returns `globals()[name]` (triage DI)."""
    code = _algorithms(2, base=None) + "class _Private:\n    pass\n\n\nname = input()\n"
    values = set(resolve(code, f"probe = {lookup}\n"))
    classes = {ClassV("train:Algo0"), ClassV("train:Algo1")}
    assert values == (classes if lookup.endswith("]") else {InstanceV(c) for c in classes})


def test_a_lookup_by_a_written_name_is_that_class(resolve):
    assert resolve(_algorithms(2, base=None), "probe = globals()['Algo1']\n") == (ClassV("train:Algo1"),)


@pytest.mark.parametrize("base, expected", [("Algorithm", (ClassV("train:Algorithm"),)), (None, (UnknownV(),))])
def test_a_lookup_among_many_classes_is_their_common_base_or_unknown(resolve, base, expected):
    """Forty algorithms of one base: an instance is one of its subclasses (the overrides run);
    classes of nothing in common stay unknown, as a registry of many does."""
    assert resolve(_algorithms(12, base), "probe = globals()[input()]\n") == expected

