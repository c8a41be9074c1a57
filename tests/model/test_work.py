"""The first training work of each entry point: found once per function, the same as a fresh walk."""

from __future__ import annotations

import textwrap

import pytest

from sigcheck.model import ir
from sigcheck.model.roots import root_name
from sigcheck.model.work import WorkFinder

# Two entry points meet the same cycle (prepare <-> load) from different sides; `fit` trains.
SHARED = {
    "common.py": """
        import torch

        def prepare(n):
            if n:
                load(n - 1)
            fit()

        def load(n):
            prepare(n)
            for batch in range(3000):
                torch.optim.SGD([]).step()

        def fit():
            for epoch in range(3000):
                torch.optim.SGD([]).step()
        """,
    "a.py": "from common import prepare\n\nprepare(2)\n",
    "b.py": "from common import load\n\nload(2)\n",
    "c.py": "from common import fit, load\n\nfit()\nload(1)\n",
}


def test_memoised_first_work_matches_a_fresh_walk_for_every_entry(analysis):
    files = {name: textwrap.dedent(text) for name, text in SHARED.items()}
    a = analysis(files, ("a.py", "b.py", "c.py"))
    shared = WorkFinder(a.graph, a.knowledge)
    for entry in ("a", "b", "c", "b", "a"):  # later asks read what earlier walks memoised
        body = a.project.modules[entry].body_id
        fresh = WorkFinder(a.graph, a.knowledge).first_work(body)
        found = shared.first_work(body)
        assert found is not None and fresh is not None
        assert (found.func_id, found.event.index, found.path) == (fresh.func_id, fresh.event.index, fresh.path)
        expected = next(work for _, func_id, event in shared.in_order(body, shared.stepping)
                        if (work := shared.work_kind(func_id, event)) in ("training loop", "fit call"))
        assert found.what == expected


def test_a_run_that_never_trains_has_no_first_work(analysis):
    a = analysis({"train.py": "import json\n\nprint(json.dumps({}))\n"})
    assert WorkFinder(a.graph, a.knowledge).first_work(a.project.modules["train"].body_id) is None


def test_a_backward_pass_trains_where_a_grad_is_read_also_inside_a_conditional_expression(analysis):
    a = analysis({"train.py": """
def step(w, lr, loss, clip):
    loss.backward()
    w.data.add_(clipped if clip else w.grad, alpha=-lr)


def profile(model, x):
    model(x).sum().backward()
"""})
    assert a.work._applies_gradients("train:step") and not a.work._applies_gradients("train:profile")


def test_a_gradient_read_into_a_statistic_is_no_update(analysis):
    """bertology scores attention heads by their mask's gradient and a saliency map reads an
    image's: a backward pass whose gradients update nothing trains nothing."""
    a = analysis({"train.py": """
def head_importance(model, loader, head_mask):
    importance = 0
    for batch in loader:
        model(batch, head_mask=head_mask).loss.backward()
        importance += head_mask.grad.abs().detach()
    return importance


def saliency(model, image, label):
    model(image)[label].backward()
    return image.grad.abs().max(dim=1)


def sgd_by_hand(w, loss, lr):
    loss.backward()
    w -= lr * w.grad


def rewrite_data(w, loss, lr):
    loss.backward()
    w.data = w.data - lr * w.grad.data


def add_in_place(params, loss, lr):
    loss.backward()
    for p in params:
        p.data.add_(p.grad.data, alpha=-lr)


def perturb(past, loss, step_size):
    loss.backward()
    for p in past:
        p.grad.data.zero_()
    return [h - step_size * p.grad for h, p in zip(past, past)]
"""})
    for measuring in ("head_importance", "saliency", "perturb"):
        assert not a.work._applies_gradients(f"train:{measuring}"), measuring
    for updating in ("sgd_by_hand", "rewrite_data", "add_in_place"):
        assert a.work._applies_gradients(f"train:{updating}"), updating


def _loops(a, func_id):
    """Each loop of the function with its kind, in order."""
    return [a.work.loop_kind(func_id, e) for e in a.functions[func_id].events if isinstance(e, ir.Loop)]


def test_a_loop_that_steps_the_optimizers_it_iterates_makes_one_step(analysis):
    """A hybrid CPU/GPU optimizer steps each part once: no training loop. A GAN's inner loop over
    its two optimizers is no training loop either, the batch loop around it is."""
    a = analysis({"train.py": textwrap.dedent("""
        import torch


        class HybridOptimizer:
            def __init__(self, params):
                self.optimizers = [torch.optim.Adam(params[:2]), torch.optim.SGD(params[2:], lr=0.1)]

            def step(self):
                for optimizer in self.optimizers:
                    optimizer.step()


        def train_gan(loader, opt_g, opt_d):
            for real in loader:
                loss_d, loss_g = losses(real)
                for optimizer, loss in ((opt_d, loss_d), (opt_g, loss_g)):
                    optimizer.zero_grad()
                    loss.backward(retain_graph=True)
                    optimizer.step()
        """)})
    assert _loops(a, "train:HybridOptimizer.step") == [None]
    assert _loops(a, "train:train_gan") == ["training loop", None]


def test_a_step_of_an_optimizer_the_same_iteration_made_sets_it_up(analysis):
    """Megatron materialises each new optimizer's state with a step before any gradient: the loop
    building them is setup. An optimizer made once an epoch and stepped in a batch loop trains."""
    a = analysis({"train.py": textwrap.dedent("""
        import torch


        def build_optimizers(modules):
            optimizers = []
            for module in modules:
                optimizer = torch.optim.Adam(module.parameters())
                optimizer.step()
                optimizers.append(optimizer)
            return optimizers


        def train(model, loader, epochs):
            for epoch in range(epochs):
                optimizer = torch.optim.SGD(model.parameters(), lr=0.1 / (epoch + 1))
                for batch in loader:
                    model(batch).backward()
                    optimizer.step()
        """)})
    assert _loops(a, "train:build_optimizers") == [None]
    assert _loops(a, "train:train") == ["training loop", "training loop"]


def test_a_diffusion_sampler_is_no_training_loop_and_an_optax_update_is(analysis):
    """diffusers' DDIMScheduler.step denoises one sampling step; optax.apply_updates, in the
    jitted update function a JAX loop calls, applies an optimizer's updates."""
    a = analysis({"train.py": textwrap.dedent("""
        import functools

        import jax
        import optax
        from diffusers import DDIMScheduler

        scheduler = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear")
        tx = optax.adamw(1e-3)


        def sample(unet, latents):
            with torch.no_grad():
                for t in scheduler.timesteps:
                    latents = scheduler.step(unet(latents, t).sample, t, latents).prev_sample
            return latents


        @functools.partial(jax.jit, donate_argnums=(0,))
        def update_fn(params, opt_state, batch):
            loss, grads = jax.value_and_grad(loss_fn)(params, batch)
            updates, opt_state = tx.update(grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state, loss


        def train(params, opt_state, batches):
            for batch in batches:
                params, opt_state, loss = update_fn(params, opt_state, batch)


        if __name__ == "__main__":
            train(params, tx.init(params), batches)
            sample(unet, noise)
        """)})
    assert _loops(a, "train:sample") == [None]
    assert _loops(a, "train:train") == ["training loop"]


def test_spark_ml_fit_is_not_a_training_job_s_fit_call(analysis):
    """A Glue or EMR step's `KMeans(k=10).fit(df)` runs as Spark jobs on the executors; Keras'
    `fit` in the same script is the trainer's."""
    a = analysis({"job.py": """
from pyspark.ml.clustering import KMeans
from tensorflow import keras

clusters = KMeans(k=10).fit(features)
model = keras.Sequential()
model.fit(x, y, epochs=10)
"""}, ("job.py",))
    body = a.functions[a.project.modules["job"].body_id]
    fits = {root_name(e.func.base).name: a.work.work_kind(body.id, e) for e in body.events
            if isinstance(e, ir.CallSite) and isinstance(e.func, ir.Attr) and e.func.attr == "fit"}
    assert fits == {"KMeans": None, "model": "fit call"}


def test_a_step_a_distribution_strategy_runs_makes_a_training_loop(analysis):
    """SimCLR's TF2 loop calls strategy.run(single_step, args=...): the strategy runs the step at
    once on each replica, so the loop trains; a loop that runs an evaluation step does not."""
    a = analysis({"train.py": """
import tensorflow as tf

strategy = tf.distribute.MirroredStrategy()

def single_step(x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x) - y) ** 2)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))

def eval_step(x, y):
    return tf.reduce_mean((model(x) - y) ** 2)

def train(batches):
    for x, y in batches:
        strategy.run(single_step, args=(x, y))

def evaluate(batches):
    for x, y in batches:
        strategy.run(eval_step, args=(x, y))

if __name__ == "__main__":
    train(dataset)
    evaluate(dataset)
"""})
    [train_loop] = [e for e in a.functions["train:train"].events if isinstance(e, ir.Loop)]
    [eval_loop] = [e for e in a.functions["train:evaluate"].events if isinstance(e, ir.Loop)]
    assert a.work.loop_kind("train:train", train_loop) == "training loop"
    assert a.work.loop_kind("train:evaluate", eval_loop) != "training loop"


def test_work_on_a_thread_the_run_starts_is_its_work(analysis):
    """unsloth's CLI runs trainer.train() on a thread while the main thread polls it: a stop ends
    the process, so that is the run's work; a thread that only prefetches batches is not."""
    a = analysis({"train.py": """
import queue
import threading
from transformers import Trainer

def fit():
    Trainer(model=model, train_dataset=dataset).train()

def prefetch(loader, batches):
    for batch in loader:
        batches.put(batch)

def main():
    batches = queue.Queue()
    threading.Thread(target=prefetch, args=(loader, batches), daemon=True).start()
    worker = threading.Thread(target=fit)
    worker.start()
    worker.join()

if __name__ == "__main__":
    main()
"""})
    work = a.work.first_work("train:main")
    assert work.func_id == "train:fit" and work.what == "fit call" and [s.kind for s in work.path] == ["thread"]
    assert a.work.first_work("train:prefetch") is None


def test_a_profilers_step_and_a_pipelines_scheduler_step_are_no_training_steps(analysis):
    """torchrec's benchmarks mark profiled iterations with `prof.step()`; a diffusion pipeline's
    `pipe.scheduler.step(...)` denoises, whatever class the pipeline is known as; vLLM's engine
    step generates tokens (ms-swift's sampling)."""
    code = """
        import torch

        class Pipe(torch.nn.Module):
            pass

        def profiled(inputs):
            with torch.profiler.profile() as prof:
                for x in inputs:
                    model(x)
                    prof.step()

        def sample(pipe: Pipe, latents):
            for t in range(50):
                latents = pipe.scheduler.step(pipe.unet(latents, t), t, latents)

        def train(inputs):
            for x in inputs:
                model(x).backward()
                optimizer.step()

        def generate(engine):
            while engine.has_unfinished_requests():
                for out in engine.step():
                    print(out)

        def benchmarked(inputs):  # speechbrain's profile.py: a profiler from a helper sigcheck cannot resolve
            prof = mytools.make_profiler()
            for x in inputs:
                with torch.no_grad():
                    model(x)
                prof.step()

        def resized(names, progress=None, timer=None):  # an image-resizing script's progress display (triage CY)
            for name in names:
                Image.open(name).resize((256, 256)).save(name)
                progress.step()
                timer.step()

        def counted(env):  # dreamerv3's frames-per-second meter, a library's (triage DE)
            fps = elements.FPS()
            for _ in range(100_000):
                env.step(env.action_space.sample())
                fps.step()

        def stepped_by_hand(inputs, opt=None):  # an optimizer sigcheck cannot resolve still steps
            for x in inputs:
                model(x).backward()
                opt.step()

        profiled(data)
        benchmarked(data)
        sample(Pipe(), None)
        generate(vllm.LLMEngine.from_engine_args(args))
        resized(files)
        counted(gym.make("CartPole-v1"))
        stepped_by_hand(data)
        train(data)
    """
    a = analysis({"train.py": "import mytools\nimport vllm\nimport elements\nimport gym\nfrom PIL import Image\n" + textwrap.dedent(code)})
    assert a.work.stepping.isdisjoint({"train:profiled", "train:sample", "train:generate", "train:benchmarked", "train:resized",
                                       "train:counted"})
    assert {"train:train", "train:stepped_by_hand"} <= a.work.stepping


@pytest.mark.parametrize("code, steps", [
    ("from l2cs import Pipeline\n\npipeline = Pipeline()\nwhile True:\n    pipeline.step(frame)\n", False),
    # beside gradients, a library's step trains, whatever its optimizer is called (lion-pytorch's Lion)
    ("from lion_pytorch import Lion\n\nopt = Lion(params)\nwhile True:\n    loss.backward()\n    opt.zero_grad()\n"
     "    opt.step(closure)\n", True),
    ("from lion_pytorch import Lion\n\nopt = Lion(params)\nwhile True:\n    opt.step()\n", True),
    ("import torch\n\nscaler = torch.cuda.amp.GradScaler()\nwhile True:\n    scaler.step(optimizer)\n", True),
], ids=["a pipeline stepped on a frame", "an optimizer stepped beside gradients", "an optimizer's step of nothing",
        "AMP's scaler handed the optimizer"])
def test_a_librarys_step_handed_something_trains_only_beside_gradients(analysis, code, steps):
    """efficientvit's gaze demo steps l2cs' Pipeline on each webcam frame: inference (triage CT)."""
    work = analysis({"train.py": code}).work.first_work("train:<module>")
    assert (work is not None and work.what == "training loop") is steps


@pytest.mark.parametrize("loop, steps", [
    ("actions, values, states, _ = model.step(obs)\n    obs, rew, done, _ = env.step(actions)", False),
    ("obs, rew, done, info = self.venv.step(u)", False),
    ("loss = model.step(obs)", True),
], ids=["a policy acting: its result unpacked", "a vectorised environment", "a result kept whole"])
def test_a_step_whose_result_is_unpacked_or_a_venvs_is_no_optimizers(analysis, loop, steps):
    """openai/baselines' play loop after learn(): `model.step(obs)` returns actions and values
    (triage CI); her's rollout steps `self.venv`."""
    code = "import gym\n\nobs = None\nwhile True:\n    " + loop + "\n"
    work = analysis({"train.py": code}).work.first_work("train:<module>")
    assert (work is not None and work.what == "training loop") is steps


@pytest.mark.parametrize("call, steps", [
    ("self.task.step(action=action, episode=self.episode)", False),
    ("self.task.step(actions=[action])", False),
    ("self.task.step(closure=None)", True),  # Optimizer.step's own keyword
    ("self.task.step()", True),
], ids=["action and episode", "actions", "closure", "no argument"])
def test_a_step_handed_an_action_by_keyword_is_a_simulators(analysis, call, steps):
    """habitat-lab's Env steps a task from a registry sigcheck cannot follow: its
    `self.task.step(action=..., episode=...)` is no optimizer's step (triage CK)."""
    code = f"""
        import random

        class Env:
            def __init__(self, task):
                self.task = task
                self.episode = None

            def step(self, action):
                return {call}

        def play(env):
            for _ in range(100):
                env.step(random.choice(["left", "right"]))

        play(Env(make_task()))
    """
    a = analysis({"train.py": textwrap.dedent(code)})
    assert ("train:Env.step" in a.work.stepping) is steps


@pytest.mark.parametrize("code, trains", [
    ("from mmseg.apis import train_segmentor\n\ntrain_segmentor(model, datasets, cfg)\n", True),
    ("from mmcv.runner import build_runner\n\nrunner = build_runner(cfg.runner)\nrunner.run(loaders, cfg.workflow)\n", True),
    ("from optimum.neuron import NeuronSFTTrainer\n\nNeuronSFTTrainer(model=model, args=args).train()\n", True),
    ("import nvtabular as nvt\n\nworkflow = nvt.Workflow(columns)\nworkflow.fit(dataset)\n", False),
    ("from sat.training.deepspeed_training import training_main\n\ntraining_main(args, model_cls=Engine)\n", True),
    # Ignite: the Engine create_supervised_trainer makes trains; create_supervised_evaluator's evaluates
    ("from ignite.engine import create_supervised_trainer\n\ntrainer = create_supervised_trainer(model, optimizer, loss)\n"
     "trainer.run(loader, max_epochs=100)\n", True),
    ("from ignite.engine import create_supervised_evaluator\n\nevaluator = create_supervised_evaluator(model, metrics)\n"
     "evaluator.run(loader)\n", False),
    # an Engine built with a function that steps trains; one built with an evaluation step does not
    ("from ignite.engine import Engine\n\ndef step(engine, batch):\n    model(batch).sum().backward()\n"
     "    optimizer.step()\n\ntrainer = Engine(step)\ntrainer.run(loader, max_epochs=100)\n", True),
    ("from ignite.engine import Engine\n\ndef step(engine, batch):\n    return model(batch)\n\n"
     "evaluator = Engine(step)\nevaluator.run(loader)\n", False),
    # the function it is built with steps through a helper it calls (triage BR); one whose helper evaluates does not
    ("from ignite.engine import Engine\n\ndef train_step(model, optimizer, batch):\n    model(batch).sum().backward()\n"
     "    optimizer.step()\n\ndef update(engine, batch):\n    return train_step(model, optimizer, batch)\n\n"
     "trainer = Engine(update)\ntrainer.run(loader, max_epochs=100)\n", True),
    ("from ignite.engine import Engine\n\ndef score(model, batch):\n    return model(batch)\n\n"
     "def update(engine, batch):\n    return score(model, batch)\n\nevaluator = Engine(update)\nevaluator.run(loader)\n", False),
    # built by a function of the project that returns it (Ignite's reference examples' create_trainer)
    ("from ignite.engine import Engine\n\ndef create_trainer(model, optimizer):\n    def step(engine, batch):\n"
     "        model(batch).sum().backward()\n        optimizer.step()\n    trainer = Engine(step)\n    return trainer\n\n"
     "trainer = create_trainer(model, optimizer)\ntrainer.run(loader, max_epochs=100)\n", True),
    # MONAI's trainers are Ignite Engines; its evaluators are not trainers
    ("from monai.engines import SupervisedTrainer\n\nSupervisedTrainer(device, 100, loader, net, opt, loss).run()\n", True),
    ("from monai.engines import SupervisedEvaluator\n\nSupervisedEvaluator(device, loader, net).run()\n", False),
])
def test_library_training_calls(analysis, code, trains):
    """OpenMMLab 1.x's train_segmentor and config-built runners, Optimum's trainers, Ignite's and
    MONAI's trainer engines train; NVTabular's Workflow.fit computes preprocessing statistics, and
    an evaluator engine evaluates."""
    a = analysis({"train.py": code})
    work = a.work.first_work("train:<module>")
    assert (work is not None and work.what == "fit call") == trains


def test_an_mlx_optimizers_update_is_a_step(analysis):
    """MLX: `opt.update(model, grads)` applies the gradients (MiniCPM's mlx_finetune.py)."""
    code = """
        import mlx.optimizers as optim

        opt = optim.Adam(learning_rate=1e-4)
        for batch in batches:
            loss, grads = loss_and_grad(model, *batch)
            opt.update(model, grads)
    """
    a = analysis({"train.py": textwrap.dedent(code)})
    work = a.work.first_work("train:<module>")
    assert work is not None and work.what == "training loop"


@pytest.mark.parametrize("body, trains", [
    ("mod.forward_backward(batch)\n    mod.update()", True),
    ("mod.forward(batch, is_train=True)\n    mod.backward()\n    mod.update()", True),
    ("mod.forward(batch, is_train=False)\n    outputs.append(mod.get_outputs())", False),  # prediction
], ids=["forward_backward and update", "forward, backward and update", "forward only"])
def test_an_mxnet_modules_update_is_a_step(analysis, body, trains):
    """MXNet's Module API by hand: `update()` applies the optimizer (insightface's partial_fc, triage CN)."""
    code = "import mxnet as mx\n\nmod = mx.mod.Module(net)\noutputs = []\nfor batch in train_iter:\n    " + body + "\n"
    work = analysis({"train.py": code}).work.first_work("train:<module>")
    assert (work is not None and work.what == "training loop") is trains


def test_a_jax_update_written_by_hand_trains_and_a_gradient_taken_to_look_at_does_not(analysis):
    """SkyPilot's fault-tolerant JAX example maps `p - lr * g` over the parameters' tree; a
    saliency map takes a gradient of the input and updates nothing."""
    a = analysis({"train.py": textwrap.dedent("""
        import jax
        import jax.numpy as jnp


        def train_step(params, x, y, lr=0.001):
            loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
            params = jax.tree.map(lambda p, g: p - lr * g, params, grads)
            return params, loss


        def saliency(params, image):
            return jnp.abs(jax.grad(lambda x: predict(params, x).max())(image))


        def train(params, batches):
            for x, y in batches:
                params, loss = train_step(params, x, y)


        def explain(params, images):
            for image in images:
                plot(saliency(params, image))


        if __name__ == "__main__":
            train(params, batches)
            explain(params, images)
        """)})
    assert _loops(a, "train:train") == ["training loop"]
    assert _loops(a, "train:explain") == [None]


def test_a_few_rounds_of_steps_written_out_are_no_training_loop(analysis):
    """NeMo's OOMptimizer warms up with one step per modality; Megatron's quick start takes five
    steps. A few epochs around a loop over the data, or around a call that trains, still train."""
    a = analysis({"train.py": textwrap.dedent("""
        import torch


        def warm_up(model, optimizer):
            for kind in ("text", "audio"):
                model(kind).sum().backward()
                optimizer.step()
            for iteration in range(5):
                model(iteration).sum().backward()
                optimizer.step()


        def train_epoch(model, optimizer, loader):
            for batch in loader:
                model(batch).sum().backward()
                optimizer.step()


        def train(model, optimizer, loader):
            for epoch in range(3):
                for batch in loader:
                    model(batch).sum().backward()
                    optimizer.step()
            for epoch in range(3):
                train_epoch(model, optimizer, loader)
            for step in range(100):
                model(step).sum().backward()
                optimizer.step()


        if __name__ == "__main__":
            warm_up(model, optimizer)
            train(model, optimizer, loader)
        """)})
    assert _loops(a, "train:warm_up") == [None, None]
    assert _loops(a, "train:train") == ["training loop", "training loop", "training loop", "training loop"]


@pytest.mark.parametrize("combinator", ["jax.lax.scan(update_minibatch, state, batches)",
                                        "jax.lax.fori_loop(0, 8, lambda i, s: update_minibatch(s, batches[i])[0], state), None",
                                        "jax.lax.while_loop(lambda s: s.step < 8, lambda s: update_minibatch(s, batches)[0], state), None",
                                        "jax.lax.map(lambda x: update_minibatch(state, x), batches)"])
def test_a_step_a_jax_loop_combinator_runs_trains_where_it_is_called(analysis, combinator):
    """cleanrl's PPO scans its update over minibatches: jax.lax.scan, fori_loop, while_loop and map
    call the function they are given, in a loop, in this process."""
    a = analysis({"train.py": textwrap.dedent(f"""
        import jax
        import optax
        from flax.training.train_state import TrainState


        @jax.jit
        def update(state, batches):
            def update_minibatch(state, x):
                loss, grads = jax.value_and_grad(loss_fn)(state.params, x)
                return state.apply_gradients(grads=grads), loss

            state, losses = {combinator}
            return state, losses


        if __name__ == "__main__":
            state = TrainState.create(apply_fn=None, params=params, tx=optax.adam(1e-3))
            for iteration in range(100_000):
                state, losses = update(state, next(batches))
        """)})
    assert _loops(a, "train:<module>") == ["training loop"]


@pytest.mark.parametrize("step, call", [
    # Equinox: gradients with filter_value_and_grad, updates applied by eqx.apply_updates
    ("loss, grads = eqx.filter_value_and_grad(loss_fn)(model, x)\n"
     "        updates, state = optimizer.update(grads, state, model)\n        return eqx.apply_updates(model, updates), state",
     "self.step(model, state, x)"),
    # a step reached through a cached_property that returns it jitted (levanter's, t5x's trainers)
    ("grads = jax.grad(loss_fn)(model, x)\n        updates, state = optimizer.update(grads, state)\n"
     "        return optax.apply_updates(model, updates), state", "self.compiled(model, state, x)"),
], ids=["equinox", "cached property"])
def test_jax_steps_written_the_ways_levanter_and_t5x_write_them_train(analysis, step, call):
    a = analysis({"train.py": textwrap.dedent("""
        import functools
        import equinox as eqx
        import jax
        import optax


        class Trainer:
            def step(self, model, state, x):
                {step}

            @functools.cached_property
            def compiled(self):
                return self.step  # levanter's returns it jitted with its sharding, through a wrapper of its own

            def train(self, model, state, batches):
                for x in batches:
                    model, state = {call}


        if __name__ == "__main__":
            Trainer().train(model, state, batches)
        """).replace("{step}", step).replace("{call}", call)})
    assert _loops(a, "train:Trainer.train") == ["training loop"]


def test_a_function_gin_makes_configurable_runs_when_called(analysis):
    """t5x runs its train() as `gin.configurable(train)()`: gin fills in its arguments and calls it."""
    a = analysis({"train.py": textwrap.dedent("""
        import gin
        import torch


        def train(model, optimizer, loader):
            for batch in loader:
                model(batch).sum().backward()
                optimizer.step()


        if __name__ == "__main__":
            configured = gin.configurable(train)
            configured()
        """)})
    assert a.entries[0].first_work is not None and a.entries[0].first_work.what == "training loop"


def test_a_function_ignites_parallel_runs_is_the_runs_work(analysis):
    """`with idist.Parallel(backend="nccl") as parallel: parallel.run(training, config)` calls
    training in this process (each process torchrun started)."""
    a = analysis({"train.py": textwrap.dedent("""
        import ignite.distributed as idist
        from ignite.engine import create_supervised_trainer


        def training(local_rank, config):
            trainer = create_supervised_trainer(model, optimizer, loss)
            trainer.run(loader, max_epochs=config["epochs"])


        if __name__ == "__main__":
            with idist.Parallel(backend="nccl") as parallel:
                parallel.run(training, {"epochs": 100})
        """)})
    work = a.work.first_work("train:<module>")
    assert work is not None and work.what == "fit call" and work.func_id == "train:training"


def test_a_flashy_solvers_stage_runs_the_method_it_is_given(analysis):
    """audiocraft's solvers run each epoch's training as `self.run_stage('train', self.train)`:
    flashy's BaseSolver calls the method at once, in this process (triage CE)."""
    a = analysis({"train.py": textwrap.dedent("""
        import flashy
        import torch


        class Solver(flashy.BaseSolver):
            def train(self):
                for batch in self.loader:
                    self.model(batch).mean().backward()
                    self.optimizer.step()
                return {}

            def run(self):
                for epoch in range(100):
                    self.run_stage("train", self.train)
                    self.commit()


        if __name__ == "__main__":
            Solver().run()
        """)})
    assert a.work.first_work("train:<module>", lambda f: True) is not None
    assert "train:Solver.train" in {callee for _, callee in a.graph.graph.out_edges("train:Solver.run")}


HELPER_THREAD = """
    import queue, threading
    import torch


    class OffloadManager:
        def __init__(self, opt):
            self.opt = opt
            self.tasks = queue.Queue()
            threading.Thread(target=self._worker_loop, daemon=True).start()

        def _worker_loop(self):
            while True:
                if self.tasks.get() is None:
                    return
                self.opt.step()


    def train(model, opt):
        OffloadManager(opt)
        MAIN_LOOP


    if __name__ == "__main__":
        train(torch.nn.Linear(4, 1), None)
"""


@pytest.mark.parametrize("main_loop, where", [
    ("for batch in loader:\n            model(batch).sum().backward()\n            opt.step()", "train:train"),
    ("pass", "train:OffloadManager._worker_loop"),
], ids=["the main thread's loop", "a thread's, where the main thread trains in none"])
def test_the_first_work_is_the_main_threads_before_a_thread_it_started_first(analysis, main_loop, where):
    """prime-rl's gradient-offload thread steps the optimizer as gradients arrive; it starts before
    the loop that trains, which SIG001 reports (triage CC)."""
    a = analysis({"train.py": textwrap.dedent(HELPER_THREAD).replace("MAIN_LOOP", main_loop)})
    assert a.work.first_work("train:<module>").func_id == where


WARM_UP = """
    import copy
    import torch

    model = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    SNAPSHOT
    for step in sorted({0, 1} | {s + o for s in (3000, 6000) for o in (-1, 0, 1)}):
        model(torch.randn(8, 4)).sum().backward()
        opt.step()
        KEEP
    model.load_state_dict(initial_state["model"])
    for step in range(100000):
        model(torch.randn(8, 4)).sum().backward()
        opt.step()
"""


@pytest.mark.parametrize("snapshot, keep, kinds", [
    ("initial_state = dict(model=copy.deepcopy(model.state_dict()), optimizer=copy.deepcopy(opt.state_dict()))", "pass",
     [None, "training loop"]),
    ("initial_state = {'model': copy.deepcopy(model.state_dict())}", "initial_state = {'model': model.state_dict()}",
     ["training loop", "training loop"]),
    ("initial_state = torch.load('init.pt')", "pass", ["training loop", "training loop"]),
], ids=["a warm-up undone", "the best state kept in the loop (an early stop)", "weights loaded from a file"])
def test_a_loop_whose_state_is_restored_from_a_snapshot_taken_before_it_trains_nothing(analysis, snapshot, keep, kinds):
    """modded-nanogpt compiles its kernels over a few steps, then restores the model and the
    optimizer from a copy taken before them: the loop after is the run (triage CC)."""
    code = textwrap.dedent(WARM_UP).replace("SNAPSHOT", snapshot).replace("KEEP", keep)
    assert _loops(analysis({"train.py": code}), "train:<module>") == kinds


def test_a_warm_up_undone_is_no_training_loop_whatever_it_calls(analysis):
    """modded-nanogpt's warm-up steps through its training manager's step_optimizers, a project
    method: the restore after it undoes that too (the comparison run of stop 46)."""
    code = textwrap.dedent(WARM_UP).replace(
        "SNAPSHOT", "initial_state = dict(model=copy.deepcopy(model.state_dict()))\ndef step_optimizers():\n    opt.step()"
    ).replace("KEEP", "pass").replace("    opt.step()\n    pass", "    step_optimizers()")
    assert "\n    step_optimizers()\n" in code
    assert _loops(analysis({"train.py": code}), "train:<module>") == [None, "training loop"]


@pytest.mark.parametrize("fetches, kind", [
    ("train_op", "training loop"),
    ("[train_op, loss]", "training loop"),
    ("{'step': train_op, 'loss': loss}", "training loop"),
    ("loss", None),
], ids=["the op", "in a list", "in a dict", "a loss only"])
def test_a_tf1_session_running_an_op_an_optimizer_built_takes_a_step(analysis, fetches, kind):
    """openai/baselines and TF1 models: `sess.run(train_op, feed_dict=...)` where an optimizer's
    minimize built train_op is one update; running the loss alone evaluates (triage CI)."""
    a = analysis({"train.py": textwrap.dedent(f"""
        import tensorflow as tf

        loss = tf.reduce_mean(tf.square(tf.matmul(x, w)))
        train_op = tf.train.AdamOptimizer(1e-3).minimize(loss)
        with tf.Session() as sess:
            for step in range(1000000):
                sess.run({fetches}, feed_dict={{x: batch}})
        """)})
    assert _loops(a, "train:<module>") == [kind]


@pytest.mark.parametrize("base, steps", [
    ("torch.optim.Optimizer", True),  # jukebox's FusedAdam (triage CY)
    ("torch.optim.Adam", True),
    ("torch.optim.lr_scheduler.LRScheduler", False),  # a learning-rate scheduler's step trains nothing
    ("object", False),  # a counter of the project's: its step is its own
])
def test_a_project_optimizers_step_is_the_librarys(analysis, base, steps):
    """The backward pass in a helper, the step on an optimizer the project derives from torch's:
    the loop trains (a helper's backward trains where a caller's step uses its gradients)."""
    code = f"""
import torch

from helpers import backward


class Stepper({base}):
    def step(self, closure=None, scale=1.0):
        for group in self.param_groups:
            for p in group["params"]:
                p.data.add_(p.grad.data / scale, alpha=-group["lr"])


def train(model, opt, loader):
    for x in loader:
        backward(model(x).pow(2).mean())
        opt.step(scale=1.0)


train(torch.nn.Linear(4, 1), Stepper([], {{}}), data)
"""
    a = analysis({"train.py": code, "helpers.py": "def backward(loss):\n    loss.backward()\n"})
    assert ("train:train" in a.work.stepping) is steps
