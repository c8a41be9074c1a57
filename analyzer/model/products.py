"""What a library call returns, where its name says it: the few cases resolution relies on.

Library code is never read, so a call of it is unknown, except that a capitalised last part
(`threading.Event()`) makes an instance of that class, as does a class's `from_*` constructor
(`Trainer.from_argparse_args(args)`, `AutoModel.from_pretrained(name)`), scikit-learn's `make_*`
factories build estimators, Gym's `make` builds an environment and `torch.profiler.profile()`
a profiler (neither's `step` is training), PyTorch's moves and casts (`Net().to(device)`) return
the module or tensor they are called on, a multiprocessing context has the module's API, and
JAX's reference optimizers (`jax.example_libraries.optimizers.adam`) return their three functions. A function transformation (`jax.pmap(train_step, axis_name="batch")`, `torch.compile`)
or a batch-size finder (`find_executable_batch_size(self._inner_training_loop, ...)`) returns a
callable that runs the function it is given. A lowercase library function that is not
a builtin is a factory whose product may be a decorator (`unittest.skipUnless(c, why)(test)`):
see Resolver.wraps_argument.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sigcheck.model import ir
from sigcheck.model.values import ClassV, ConfiguredV, ExternalV, InstanceV, SeqV, UnknownV, Value

if TYPE_CHECKING:
    from sigcheck.model.project import ProjectModel
    from sigcheck.model.resolve import Resolver

_MADE = {"gym.make": "gym.Env", "gymnasium.make": "gymnasium.Env", "gym.vector.make": "gym.vector.VectorEnv",
         "gymnasium.make_vec": "gymnasium.vector.VectorEnv",
         # Ignite: the Engine create_supervised_trainer returns takes a training step per batch, and its
         # run() trains; Ignite names no class for it (create_supervised_evaluator's Engine only evaluates)
         "ignite.engine.create_supervised_trainer": "ignite.engine.SupervisedTrainer",
         # OpenMMLab 1.x: the runner a config names (EpochBasedRunner, IterBasedRunner), whose run() trains
         "mmcv.runner.build_runner": "mmcv.runner.BaseRunner", "mmcv.runner.builder.build_runner": "mmcv.runner.BaseRunner",
         # OLMo-core: the trainer its config builds, whose fit handles SIGTERM (knowledge/frameworks.toml)
         "olmo_core.train.TrainerConfig.build": "olmo_core.train.Trainer",
         "olmo_core.train.config.TrainerConfig.build": "olmo_core.train.Trainer",
         # NeMo-Aligner: the NeMoModelCheckpoint it finds among the trainer's callbacks, whose custom_save saves
         "nemo_aligner.utils.utils.add_custom_checkpoint_callback": "nemo.utils.callbacks.NeMoModelCheckpoint",
         # lowercase classes: a profiler (whose `step` marks an iteration, and trains nothing)
         "torch.profiler.profile": "torch.profiler.profile",
         "torch.autograd.profiler.profile": "torch.autograd.profiler.profile",
         # PIL's image factories: an image, whose save writes a picture and keeps no training state
         "PIL.Image.fromarray": "PIL.Image.Image", "PIL.Image.open": "PIL.Image.Image", "PIL.Image.new": "PIL.Image.Image"}


# Calling what these return calls the function given first (compiled, mapped or differentiated, or
# given its arguments from configuration: gin's `configurable(train)()`).
_TRANSFORMS = frozenset({"jax.jit", "jax.pmap", "jax.vmap", "jax.grad", "jax.value_and_grad", "jax.checkpoint",
                         "jax.remat", "jax.experimental.pjit.pjit", "flax.nnx.jit", "flax.nnx.grad",
                         "flax.nnx.value_and_grad", "equinox.filter_jit", "equinox.filter_grad", "equinox.filter_value_and_grad",
                         "equinox.filter_pmap", "equinox.filter_vmap", "gin.configurable", "gin.external_configurable",
                         # haliax's jit by named axes (levanter's trainer compiles its step so), JAX's shard_map
                         "haliax.named_jit", "haliax.partitioning.named_jit", "jax.experimental.shard_map.shard_map",
                         "jax.shard_map",
                         "tensorflow.function", "torch.compile",
                         "torch.func.grad", "torch.func.vmap", "torch.vmap",
                         # batch-size finders: the loop runs, retried with half the batch on out-of-memory
                         "transformers.trainer_utils.find_executable_batch_size",
                         "accelerate.utils.find_executable_batch_size",
                         "accelerate.utils.memory.find_executable_batch_size"})


def runs_its_argument(func: ExternalV) -> bool:
    """Whether calling what `func` returns runs the function it was given first."""
    return func.qualname in _TRANSFORMS


# Calls whose result has the API of a library module: a multiprocessing context's Pool and
# Process are the module's, started with that context's method.
_LIKE_A_MODULE = {"multiprocessing.get_context": "multiprocessing", "torch.multiprocessing.get_context": "multiprocessing"}


# JAX's reference optimizers return an Optimizer triple: `opt_init, opt_update, get_params =
# optimizers.adam(1e-3)`. Calling the second applies one step's gradients.
_JAX_OPTIMIZERS = frozenset(f"{module}.{name}" for module in ("jax.example_libraries.optimizers", "jax.experimental.optimizers")
                            for name in ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "rmsprop_momentum", "adam",
                                         "adamax", "sm3"))
NAMESPACE = InstanceV(ExternalV("argparse.Namespace"))  # what an argparse parser's parse_args() gives (namespaces.py)
TRAIN_OP = InstanceV(ExternalV("tensorflow.Operation"))  # what a TF1 optimizer's minimize() builds (graph_steps.py)
_TF1_OPTIMIZERS = ("tensorflow.train.", "tensorflow.compat.v1.train.")
_BUILDS_AN_UPDATE = (".minimize", ".apply_gradients")
_PARSED = frozenset({"argparse.ArgumentParser.parse_args", "argparse.ArgumentParser.parse_known_args"})
_OPTIMIZER_TRIPLE = SeqV(tuple(ExternalV(f"jax.example_libraries.optimizers.Optimizer.{part}")
                               for part in ("init_fn", "update_fn", "params_fn")))
# `engine, optimizer, loader, scheduler = deepspeed.initialize(...)`: the engine first, whose
# save_checkpoint is a collective of every rank (knowledge/blocking.toml)
_DEEPSPEED_INITIALIZED = SeqV((InstanceV(ExternalV("deepspeed.DeepSpeedEngine")), UnknownV(), UnknownV(), UnknownV()))


# Hydra builds the object a configuration's `_target_` names: a class of the configuration files
CONFIGURED = frozenset({"hydra.utils.instantiate", "hydra.utils.call"})


def configured_classes(project: "ProjectModel", call: ir.CallOf | ir.CallSite) -> tuple[tuple[str, ...], bool]:
    """`hydra.utils.instantiate(cfg.trainer)`: the project classes the Hydra configuration names
    under `trainer` (each file of the `trainer` group may be the one composed), and whether it
    names nothing else there."""
    node = call.args[0] if call.args else dict(call.kwargs).get("config")
    if isinstance(node, ir.Attr):
        return project.configured_classes(node.attr)
    if isinstance(node, ir.Item) and isinstance(node.key, ir.Const) and isinstance(node.key.value, str):
        return project.configured_classes(node.key.value)  # `cfg["trainer"]`
    return (), False


def configured_values(project: "ProjectModel", made: ConfiguredV, call: ir.CallOf) -> list[Value]:
    """What `instantiate(cfg.trainer)` builds: an instance of each project class configured there,
    and an object of a class sigcheck cannot name unless those are all the configuration names."""
    classes, only = configured_classes(project, call)
    return [*([] if only and classes else [made]), *(InstanceV(ClassV(class_id)) for class_id in classes)]


def made_instance(func: ExternalV) -> InstanceV | ExternalV | SeqV | ConfiguredV | None:
    """The instance calling `func` makes, when its name says what it is (or the library object
    whose API its result has)."""
    if func.qualname in CONFIGURED:
        return ConfiguredV(by=func.qualname)
    if func.qualname in _JAX_OPTIMIZERS:
        return _OPTIMIZER_TRIPLE
    if func.qualname == "deepspeed.initialize":
        return _DEEPSPEED_INITIALIZED
    if func.qualname in _LIKE_A_MODULE:
        return ExternalV(_LIKE_A_MODULE[func.qualname])
    if func.qualname in _MADE:
        return InstanceV(ExternalV(_MADE[func.qualname]))
    if func.qualname.startswith(_TF1_OPTIMIZERS) and func.qualname.endswith(_BUILDS_AN_UPDATE):
        return TRAIN_OP
    if func.qualname in _PARSED:
        return SeqV((NAMESPACE, ExternalV("builtins.list"))) if func.qualname.endswith("known_args") else NAMESPACE
    owner, _, last = func.qualname.rpartition(".")
    if last[:1].isupper() or (last.startswith("make_") and func.qualname.startswith("sklearn.")):
        return InstanceV(func)
    if last.startswith("from_") and owner.rpartition(".")[2][:1].isupper():
        return InstanceV(ExternalV(owner))  # an alternative constructor: Trainer.from_argparse_args(args)
    return None


def is_factory(value: Value) -> bool:
    """A library function (not a class, not a builtin such as getattr, whose result is anything)."""
    return isinstance(value, ExternalV) and not value.qualname.startswith("builtins.") \
        and not value.qualname.rsplit(".", 1)[-1][:1].isupper()


# torch.nn.Module's and torch.Tensor's methods that return the object itself, moved or cast
_RETURNS_RECEIVER = frozenset({"to", "cuda", "cpu", "half", "float", "double", "bfloat16", "requires_grad_", "to_empty",
                               "share_memory", "xpu", "mps"})


def receiver_returned(resolver: "Resolver", func: ir.Sym) -> list[Value] | None:
    """`Net().to(device)`, `model.cuda()`: a library method that returns the object it is called
    on (PyTorch's moves and casts of modules and tensors), called on instances whose class does not
    define it. None for any other call."""
    if not (isinstance(func, ir.Attr) and func.attr in _RETURNS_RECEIVER):
        return None
    values = resolver.resolve(func.base)
    if all(isinstance(v, InstanceV) and (isinstance(v.of, ExternalV) or _inherited(resolver, v.of.class_id, func.attr))
           for v in values):
        return list(values)
    return None


def _inherited(resolver: "Resolver", class_id: str, name: str) -> bool:
    """Whether `name` comes to the class from a library base, not from a class of the project."""
    for cls in resolver.mro(class_id):
        if isinstance(cls, ExternalV):
            return True
        if name in resolver.project.classes[cls.class_id].methods:
            return False
    return False
