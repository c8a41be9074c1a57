"""What SIG001 takes for training, and what it does not: optimizer steps and library fit calls
train; a fit that submits a job or crops an image, a scheduler's or an environment's steps, a
sampling loop, a profiler's backward passes and a step function handed to a library do not. Run
through SIG001 as its own examples are (the rule's module keeps those about handlers)."""

from __future__ import annotations

import pytest

from sigcheck.checking.rule import Example

TRAINS_NOTHING = (
    Example("""
from sagemaker.estimator import Estimator
from sagemaker.tuner import HyperparameterTuner

estimator = Estimator(image_uri="123.dkr.ecr.us-east-1.amazonaws.com/train:1", role="role",
                      instance_count=1, instance_type="ml.g5.xlarge")
estimator.fit({"train": "s3://bucket/train"})
HyperparameterTuner(estimator, "loss", {}).fit({"train": "s3://bucket/train"})
""", "the SageMaker SDK's fit submits a job that runs elsewhere: nothing trains here"),
    Example("""
from PIL import Image, ImageOps
from rich.console import Console
from rich.panel import Panel

Console().print(Panel.fit("Resizing the dataset"))
for path in paths:
    ImageOps.fit(Image.open(path), (224, 224)).save(path)
""", "fit calls that are no training: rich sizes a panel, PIL crops an image"),
    Example("""
import random
from ray import tune
from ray.air import session


def objective(config):
    for i in range(100):
        session.report({"loss": config["hp"] + random.random()})


tune.Tuner(objective, param_space={"hp": tune.uniform(0, 2)}).fit()
""", "Ray Tune's fit runs trials of an objective that trains nothing (determined's Ray examples)"),
    Example("""
import mlflow
from sklearn.svm import SVC


def train_model(params, X, y):
    model = SVC(**params)
    model = model.fit(X, y)
    return model


mlflow.sklearn.save_model(train_model({}, X, y), "model")
""", "an sklearn fit whose result rebinds the model's own name is still sklearn's (azureml-examples' sweep)"),
    Example("""
from transformers import AutoProcessor

tokenizer = AutoProcessor.from_pretrained("lerobot/fast-action-tokenizer", trust_remote_code=True)
tokenizer.fit(action_chunks, vocab_size=1024).save_pretrained("out")
""", "a processor's fit learns a tokenizer's vocabulary (lerobot's FAST): nothing to checkpoint"),
    Example("""
import tensorflow as tf


def main(_):
    estimator = tf.estimator.Estimator(model_fn=model_fn, model_dir=FLAGS.model_dir)
    print(estimator.evaluate(input_fn=eval_input_fn))


if __name__ == "__main__":
    tf.app.run()
""", "tf.app.run() calls this module's main, which only evaluates"),
    Example("""
import torch

scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10)
for epoch in range(100):
    scheduler.step()
    print(epoch, scheduler.get_last_lr())
""", "a loop of learning-rate scheduler steps alone trains nothing"),
    Example("""
import gymnasium as gym

env = gym.make("CartPole-v1")
obs, info = env.reset()
for t in range(1000):
    obs, reward, done, truncated, info = env.step(env.action_space.sample())
    if done or truncated:
        obs, info = env.reset()
""", "a rollout of environment steps made by gym.make trains nothing"),
    Example("""
import gym
from gym_unity.envs import UnityToGymWrapper
from mlagents_envs.environment import UnityEnvironment


class UnityEnv(gym.Env):
    def __init__(self, name):
        self.env = UnityToGymWrapper(UnityEnvironment(name))

    def step(self, action):
        return self.env.step(action)


def evaluate(agent, episodes):
    env = UnityEnv("Basic")
    for episode in range(episodes):
        state, done = env.reset(), False
        while not done:
            state, reward, done, _ = env.step(agent.compute_action(state))


evaluate(agent, 10)
""", "a restored agent rolled out in a Unity environment, wrapped in a Gym env of the project's (SageMaker's RL examples)"),
    Example("""
def sample(unet, noise_scheduler, latents):
    for t in noise_scheduler.timesteps:
        noise = unet(latents, t)
        latents = noise_scheduler.step(noise, t, latents).prev_sample
    return latents

def rollout(env, policy, steps):
    for _ in range(steps):
        env.step(policy(env.observation))

if __name__ == "__main__":
    images = sample(load_unet(), load_scheduler(), random_latents())
    rollout(make_env(), load_policy(), 1000)
""", "a diffusion sampling loop and an environment rollout: a scheduler's or an environment's step, "
       "named so though sigcheck cannot resolve them, is no optimizer step"),
    Example("""
import pandas as pd
from sklearn import tree
from sklearn.compose import make_column_transformer
from sklearn.preprocessing import OneHotEncoder

frame = pd.read_csv("/opt/ml/input/data/train/data.csv")
encoder = make_column_transformer((OneHotEncoder(), ["color"])).fit(frame)
clf = tree.DecisionTreeClassifier(max_leaf_nodes=5)
clf = clf.fit(encoder.transform(frame), frame["label"])
""", "scikit-learn fits take seconds, also when the estimator is reassigned or built by make_*"),
    Example("""
import time


def profile(model, x, runs=100):
    forward = backward = 0.0
    for _ in range(runs):
        start = time.perf_counter()
        y = model(x)
        middle = time.perf_counter()
        y.sum().backward()
        forward += middle - start
        backward += time.perf_counter() - middle
    return forward / runs, backward / runs


if __name__ == "__main__":
    print(profile(build_model(), sample_input()))
""", "a profiler times forward and backward passes and drops the gradients: nothing is trained"),
    Example("""
import json

with open("config.json") as handle:
    config = json.load(handle)
print(config["lr"])
""", "no training loop: a short script is not reported"),
    Example("""
import hooks


def train_step(model, batch, optimizer):
    model(batch).backward()
    optimizer.step()


def remember(name):
    hooks.register(name, train_step)  # a library keeps the step for later


for name in ["warmup", "main"]:
    remember(name)
""", "the loop only hands a step function to a library: it is not a training loop"),
    Example("""
import submitit
import torch


class Trainer(submitit.helpers.Checkpointable):
    def __call__(self, epochs):
        model = torch.nn.Linear(4, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(epochs):
            model(torch.randn(8, 4)).sum().backward()
            optimizer.step()


if __name__ == "__main__":
    executor = submitit.AutoExecutor(folder="logs")
    executor.update_parameters(timeout_min=60, slurm_partition="gpu")
    job = executor.submit(Trainer(), 100)
    print(job.job_id)
""", "submitit runs the trainer in a Slurm job, where submitit handles the signals: nothing trains here"),
    Example("""
import asyncio


class Generator:
    async def run_in_executor(self, func, *args):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, func, *args) if self.pool else func(*args)

    async def rollout(self, env, policy):
        observation = await self.run_in_executor(env.init)
        for turn in range(self.max_turns):
            observation = await self.run_in_executor(env.step, policy.act(observation))


async def evaluate(generator, envs, policy):
    for env in envs:
        await generator.rollout(env, policy)


if __name__ == "__main__":
    asyncio.run(evaluate(Generator(), make_envs(), load_policy()))
""", "an environment's step handed to a helper that calls it (SkyRL's generator): no optimizer step"),
    Example("""
import torch
from cuml.linear_model import LogisticRegression

features, labels = torch.load("features.pt")
best = None
for C in 10 ** torch.linspace(-6, 5, 45):
    model = LogisticRegression(penalty="l2", C=C.item(), max_iter=1000, output_type="numpy")
    model.fit(features.numpy(), labels.numpy())
    score = model.score(features.numpy(), labels.numpy())
    best = max(best or (score, C), (score, C))
""", "a sweep of cuML's logistic regressions, sklearn's twins on the GPU: each fit one solver run (DINOv2's log_regression.py)"),
)

TRAINS = (
    Example("""
import torch

from model import UNet

unet = UNet().cuda()
optimizer = torch.optim.AdamW(unet.parameters(), lr=1e-4)
steps = 500
# expect: SIG001
for step in range(steps):
    x = torch.randn(8, 4, 64, 64).cuda()
    loss = unet(x).pow(2).mean()
    loss.backward()
    optimizer.step()
""", "steps on noise, but 500 of them: more than a check's few, long enough to lose to a stop"),
    Example("""
import torch
import torch.nn.functional as F

from setup import args, noise_scheduler, train_dataloader, unet, optimizer

data = iter(train_dataloader)
# expect: SIG001
for step in range(args.max_train_steps):
    latents = next(data)["latents"]
    noise = torch.randn_like(latents)
    timesteps = torch.randint(0, 1000, (latents.shape[0],), device=latents.device)
    loss = F.mse_loss(unet(noise_scheduler.add_noise(latents, noise, timesteps), timesteps), noise)
    loss.backward()
    optimizer.step()
""", "a diffusion model's noise, in a loop over the configured number of steps: training on data"),
    Example("""
from mmengine.registry import OPTIM_WRAPPERS

optim_wrapper = OPTIM_WRAPPERS.build(dict(type="AmpOptimWrapper", optimizer=optimizer))
# expect: SIG001
for epoch in range(100):
    for batch in loader:
        loss = model(**batch).loss
        optim_wrapper.update_params(loss)
""", "MMEngine's optimizer wrapper, built by a registry, makes the backward pass and the step in update_params"),
    Example("""
import deepspeed
from deepspeed.pipe import PipelineModule

engine, _, _, _ = deepspeed.initialize(model=PipelineModule(layers=layers, num_stages=2), config="ds_config.json")
# expect: SIG001
for step in range(100_000):
    loss = engine.train_batch()
    if step % 1000 == 0:
        engine.save_checkpoint("ckpt")
""", "DeepSpeed's pipeline engine takes a whole global batch's forward, backward and step in train_batch (triage BH)"),
    Example("""
import itertools

import jax.numpy as jnp
from jax import grad, jit
from jax.example_libraries import optimizers


def loss(params, batch):
    inputs, targets = batch
    return jnp.mean((inputs @ params - targets) ** 2)


def main(epochs, batches):
    opt_init, opt_update, get_params = optimizers.adam(step_size=1e-3)
    opt_state = opt_init(jnp.zeros((4, 1)))
    counter = itertools.count()

    @jit
    def update(i, opt_state, batch):
        return opt_update(i, grad(loss)(get_params(opt_state), batch), opt_state)

    # expect: SIG001
    for epoch in range(epochs):
        for batch in batches:
            opt_state = update(next(counter), opt_state, batch)


if __name__ == "__main__":
    main(100, load_batches())
""", "JAX's reference optimizers: opt_update, the second of the three functions adam returns, applies a step"),
    Example("""
import torch


class Trainer:
    def train(self):
        # expect: SIG001
        for step in range(self.steps):
            loss = self.model(next(self.batches)).mean()
            loss.backward()
            self.optimizer.step()


def main(config):
    trainer: Trainer | None = None
    trainer = config.build()
    trainer.train()


if __name__ == "__main__":
    main(load_config())
""", "a factory's product assigned to a name declared `Trainer | None` is that Trainer (torchtitan's train.py)"),
    Example("""
import tensorflow as tf


def main(_):
    estimator = tf.estimator.Estimator(model_fn=model_fn, model_dir=FLAGS.model_dir)
    # expect: SIG001
    estimator.train(input_fn=train_input_fn, max_steps=FLAGS.num_train_steps)


if __name__ == "__main__":
    tf.app.run()
""", "TensorFlow 1: tf.app.run() with no function calls this module's main, and Estimator.train is the whole loop"),
    Example("""
import gymnasium as gym

env = gym.make("CartPole-v1")
obs, info = env.reset()
# expect: SIG001
for episode in range(500):
    obs, reward, done, truncated, info = env.step(policy(obs))
    loss = -reward * policy.log_prob
    loss.backward()
    optimizer.step()
""", "a policy-gradient loop: the environment's step is not training, the optimizer's is"),
    Example("""
import torch

w = torch.zeros(3, requires_grad=True)
# expect: SIG001
for step in range(10_000):
    loss = ((x @ w - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= 0.01 * w.grad
        w.grad.zero_()
""", "gradient descent by hand: the backward pass's gradients update the weights"),
    Example("""
import torch


def sgd_update(params, lr):
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None


if __name__ == "__main__":
    # expect: SIG001
    for batch in loader:
        model(batch).backward()
        sgd_update(model.parameters(), lr=0.01)
""", "an update by hand in a helper the loop calls: the gradients are used"),
    Example("""
from mxnet import autograd, gluon

trainer = gluon.Trainer(net.collect_params(), "adam")
# expect: SIG001
for epoch in range(10):
    for data, label in train_data:
        with autograd.record():
            loss = loss_fn(net(data), label)
        loss.backward()
        trainer.update(data.shape[0])
""", "MXNet Gluon: the Trainer's update applies the gradients of the backward pass"),
    Example("""
import mxnet as mx
from mxnet import autograd

trainer = mx.gluon.Trainer(net.collect_params(), optimizer="adam", kvstore="device")
# expect: SIG001
for epoch in range(10):
    for batch in train_data:
        with autograd.record():
            loss = net(*batch.values())
        loss.backward()
        trainer.step(loss.shape[0])
""", "MXNet Gluon: the Trainer's step(batch_size) applies them too (gluonts' mx Trainer)"),
    Example("""
import torch


class Pipeline:
    def progress(self, batches):
        model(next(batches)).backward()
        optimizer.step()


pipeline = Pipeline()
# expect: SIG001
for _ in range(10_000):
    try:
        pipeline.progress(batches)
    except StopIteration:
        break
""", "a break in the except clause leaves only when the step fails: the loop repeats the step (torchrec)"),
    Example("""
import xgboost as xgb
from sagemaker_xgboost_container import checkpointing

dtrain = xgb.DMatrix("/opt/ml/input/data/train/train.libsvm")
# expect: SIG001
booster = checkpointing.train(params, dtrain, num_boost_round=500, checkpoint_dir="/opt/ml/checkpoints")
""", "the SageMaker XGBoost container's checkpointing.train wraps xgb.train (AWS's spot-training example)"),
    Example("""
from dopamine.discrete_domains import run_experiment

runner = run_experiment.Runner("/opt/ml/checkpoints/dqn", create_agent)
# expect: SIG001
runner.run_experiment()
""", "Dopamine's Runner trains its agent for every iteration and checkpoints at each end (tensor2tensor's DQN; triage DH)"),
    Example("""
import tf_slim as slim

# expect: SIG001
slim.learning.train(train_op, "/opt/ml/checkpoints", number_of_steps=100000, save_interval_secs=300)
""", "TF-Slim's learning.train runs the whole loop, its Supervisor saving every few minutes"),
    Example("""
from denoising_diffusion_pytorch import GaussianDiffusion, Trainer, Unet

diffusion = GaussianDiffusion(Unet(dim=64), image_size=128)
trainer = Trainer(diffusion, "/opt/ml/input/data/train", train_num_steps=700000)
# expect: SIG001
trainer.train()
""", "denoising-diffusion-pytorch's Trainer installed from the package index (triage DJ)"),
    Example("""
from stable_baselines3 import PPO

model = PPO("MlpPolicy", "CartPole-v1")
# expect: SIG001
model.learn(total_timesteps=10_000_000)
model.save("/opt/ml/model/ppo")
""", "Stable-Baselines3's learn collects rollouts and updates the policy for the whole job"),
    Example("""
import trax
from trax import layers as tl
from trax.supervised import training

task = training.TrainTask(labeled_data=batches, loss_layer=tl.CategoryCrossEntropy(), optimizer=trax.optimizers.Adam(0.01))
loop = training.Loop(tl.Serial(tl.Dense(10), tl.LogSoftmax()), task)
# expect: SIG001
loop.run(100000)
""", "trax's supervised Loop.run steps the optimizer n times and saves nothing without an output_dir "
         "(the SageMaker JAX bring-your-own example's train_trax.py)"),
    Example("""
import torch
from retry import find_executable_batch_size


@find_executable_batch_size
def inner_training_loop(batch_size):
    # expect: SIG001
    for epoch in range(100):
        model(torch.randn(batch_size, 10)).sum().backward()
        optimizer.step()


inner_training_loop()
""", "a loop that calls the training once and returns retries it on OOM: the training loop is the one inside "
         "(accelerate's find_executable_batch_size)",
            files={"retry.py": """
def find_executable_batch_size(function, starting_batch_size=128):
    batch_size = starting_batch_size

    def decorator(*args, **kwargs):
        nonlocal batch_size
        while True:
            try:
                return function(batch_size, *args, **kwargs)
            except RuntimeError:
                batch_size //= 2

    return decorator
"""}),
)


@pytest.mark.parametrize("example", TRAINS_NOTHING, ids=lambda e: e.why[:60])
def test_no_training_is_not_reported(example, example_findings):
    found, _ = example_findings("SIG001", example)
    assert found == [], f"{example.why}: {found}"


@pytest.mark.parametrize("example", TRAINS, ids=lambda e: e.why[:60])
def test_training_with_no_handler_is_reported(example, example_findings):
    found, marked = example_findings("SIG001", example)
    assert [line for path, line in found if path == example.name] == marked, example.why


PROBE_ON_NOISE = """
import time

import torch
from torch import nn


class UNet(nn.Module):
    def forward(self, x, t):
        return x


if __name__ == "__main__":
    unet = UNet().cuda()
    optimizer = torch.optim.AdamW(unet.parameters(), lr=1e-4)
    steps = 10
    for step in range(steps):
        if step == 1:
            start = time.perf_counter()
        x = torch.randn(1, 4, 128, 128).cuda()
        t = torch.randint(low=0, high=10, size=(1,), device="cuda")
        loss = torch.nn.functional.mse_loss(unet(x, t), torch.randn(1, 4, 128, 128).cuda())
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    print(f"{(time.perf_counter() - start) / (steps - 1):.3f} s a step")
"""

TRAINS_THE_UNET = """
import signal
import sys

import torch

from unet import UNet


def main():
    unet = UNet()
    optimizer = torch.optim.AdamW(unet.parameters(), lr=1e-4)

    def save_and_exit(signum, frame):
        torch.save(unet.state_dict(), "unet.pt")
        sys.exit(0)

    signal.signal(signal.SIGTERM, save_and_exit)
    for batch in torch.utils.data.DataLoader(range(100)):
        unet(batch, 0).sum().backward()
        optimizer.step()


if __name__ == "__main__":
    main()
"""


def test_a_module_checking_itself_on_noise_is_no_training(run_sigcheck):
    """Ten steps on noise in the main block of a module the training script imports: a memory
    and speed check of the model (kohya-ss' sdxl_original_unet.py), not the job's training."""
    report = run_sigcheck({"unet.py": PROBE_ON_NOISE, "train.py": TRAINS_THE_UNET}, args=["."], select=("SIG001",))
    assert not report.errors, report.errors
    assert [d for d in report.diagnostics if d.code == "SIG001"] == []


def test_a_script_of_a_few_steps_on_noise_run_as_itself_trains(run_sigcheck):
    """The same steps in a script nothing imports: a first try at training, which a stop ends."""
    report = run_sigcheck({"unet.py": PROBE_ON_NOISE}, args=["."], select=("SIG001",))
    assert [(d.path, d.line) for d in report.diagnostics if d.code == "SIG001"] == [("unet.py", 16)]


FITS_NOISE_MADE_BEFORE = """
import torch


class LossScaler:
    def __init__(self, scale=2.0 ** 32):
        self.scale = scale


if __name__ == "__main__":
    x = torch.randn(64, 1000)
    y = torch.randn(64, 10)
    w1 = torch.randn(1000, 100, requires_grad=True)
    w2 = torch.randn(100, 10, requires_grad=True)
    optimizer = torch.optim.SGD([w1, w2], lr=1e-6)
    scaler = LossScaler()
    for t in range(500):
        loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum() * scaler.scale
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""

IMPORTS_THE_SCALER = TRAINS_THE_UNET.replace("from unet import UNet", "from unet import UNet\nfrom loss_scaler import LossScaler")


def test_a_module_fitting_noise_it_made_before_its_loop_checks_itself(run_sigcheck):
    """apex's fp16 loss_scaler.py, copied into tacotron2 and waveglow (triage CU): its main block
    fits random tensors made before a loop of 500 steps. The training script imports the module:
    the block is the module's test of itself, not the job's training."""
    files = {"loss_scaler.py": FITS_NOISE_MADE_BEFORE, "unet.py": PROBE_ON_NOISE, "train.py": IMPORTS_THE_SCALER}
    report = run_sigcheck(files, args=["."], select=("SIG001",))
    assert not report.errors, report.errors
    assert [d for d in report.diagnostics if d.code == "SIG001"] == []


@pytest.mark.parametrize("files, line", [
    # run as itself, nothing importing it: somebody's first try at training, which a stop ends
    ({"loss_scaler.py": FITS_NOISE_MADE_BEFORE}, 16),
    # the body fetches its batches: the noise made before was something else (a shape check)
    ({"loss_scaler.py": FITS_NOISE_MADE_BEFORE.replace("        loss = (x.mm", "        x, y = next(batches)\n        loss = (x.mm"),
      "unet.py": PROBE_ON_NOISE, "train.py": IMPORTS_THE_SCALER}, 16),
    # an open-ended loop, no count written out
    ({"loss_scaler.py": FITS_NOISE_MADE_BEFORE.replace("for t in range(500):", "for t in range(args.steps):"),
      "unet.py": PROBE_ON_NOISE, "train.py": IMPORTS_THE_SCALER}, 16),
])
def test_a_fit_of_noise_made_before_its_loop_trains_otherwise(run_sigcheck, files, line):
    report = run_sigcheck(files, args=["."], select=("SIG001",))
    assert [(d.path, d.line) for d in report.diagnostics if d.code == "SIG001"] == [("loss_scaler.py", line)]


_LOOP = "import torch\n\nfor batch in loader:\n    loss = model(batch).sum()\n    loss.backward()\n    optimizer.step()\n"


@pytest.mark.parametrize("after_the_step, lost", [
    # litgpt's tutorial trains and keeps nothing: "since the last save" would name a save there is none of
    ("", "all the training is lost: nothing in the run saves it"),
    # a run that checkpoints loses what it trained since
    ("    torch.save(model.state_dict(), 'model.pt')\n", "everything since the last save is lost"),
    # pytorch/examples' mnist saves once the epochs are done (`--save-model`): a stop during them loses all
    ("torch.save(model.state_dict(), 'model.pt')\n", "all the training is lost: nothing saves it while the loop runs"),
    # a loop that saves its best model at some passes loses what came since
    ("    if loss < best:\n        torch.save(model.state_dict(), 'best.pt')\n", "everything since the last save is lost"),
    # cleanrl's JAX agents write their parameters to a file they open: a save, if not a checkpoint call
    ("    if step % 1000 == 0:\n        with open('model.msgpack', 'wb') as f:\n"
     "            f.write(flax.serialization.to_bytes(params))\n", "everything since the last save is lost"),
    ("    if step % 1000 == 0:\n        with open('model.json', 'w') as f:\n            json.dump(weights(model), f)\n",
     "everything since the last save is lost"),
    # big_vision writes its arrays through JAX's async checkpoint manager every few steps
    ("    if step % 1000 == 0:\n        from jax.experimental.array_serialization import serialization\n"
     "        serialization.GlobalAsyncCheckpointManager().serialize_with_paths(params, paths)\n",
     "everything since the last save is lost"),
    # rlkit's snapshot: a dict filled key by key with the trainer's modules, saved each pass (triage DE)
    ("    snapshot = {}\n    for k, v in {'policy': model}.items():\n        snapshot['trainer/' + k] = v\n"
     "    torch.save(snapshot, 'params.pkl')\n", "everything since the last save is lost"),
    # the same filled with numbers only: a metrics file
    ("    stats = {}\n    stats['loss'] = loss.item()\n    stats.update(lr=float(lr))\n    torch.save(stats, 'stats.pt')\n",
     "all the training is lost: nothing saves it while the loop runs"),
    # a metrics file written each pass keeps none of the training (DeepSpeedExamples' ViT fine-tuning)
    ("    torch.save({'loss': loss.item(), 'lr': float(lr)}, 'stat.pt')\ntorch.save(model.state_dict(), 'model.pt')\n",
     "all the training is lost: nothing saves it while the loop runs"),
    # big_vision's trainers hand the save to a thread pool and train on (triage BJ)
    ("    if step % 1000 == 0:\n        pool.apply_async(save_checkpoint, (model.state_dict(), 'ckpt.pt'))\n"
     "def save_checkpoint(state, path):\n    torch.save(state, path)\n"
     "import multiprocessing.pool\npool = multiprocessing.pool.ThreadPool()\n", "everything since the last save is lost"),
    ("    if step % 1000 == 0:\n        executor.submit(save_checkpoint, model.state_dict(), 'ckpt.pt')\n"
     "def save_checkpoint(state, path):\n    torch.save(state, path)\n"
     "import concurrent.futures\nexecutor = concurrent.futures.ThreadPoolExecutor(1)\n", "everything since the last save is lost"),
    # NeMo-Aligner's loops save through the NeMoModelCheckpoint it fishes out of the trainer (triage CI)
    ("    if step % 100 == 0:\n        ckpt.custom_save(monitor_candidates={}, is_train_end=False)\n"
     "from nemo_aligner.utils.utils import add_custom_checkpoint_callback\n"
     "ckpt = add_custom_checkpoint_callback(trainer, model)\n", "everything since the last save is lost"),
    # activation checkpointing recomputes and writes nothing, whatever its name (DeepSpeed-Chat's step 3)
    ("    model.gradient_checkpointing_disable()\n    out = torch.utils.checkpoint.checkpoint(block, batch)\n"
     "torch.save(model.state_dict(), 'model.pt')\n",
     "all the training is lost: nothing saves it while the loop runs"),
])
def test_what_a_stop_loses_follows_where_the_run_saves(run_sigcheck, after_the_step, lost):
    diagnostics = run_sigcheck({"train.py": _LOOP + after_the_step}, select=("SIG001",)).diagnostics
    assert [d.message.split("later, and ")[1] for d in diagnostics] == [lost]


_KERAS = "import tensorflow as tf\n\nmodel = tf.keras.Sequential([tf.keras.layers.Dense(1)])\nmodel.compile(loss='mse')\n"


@pytest.mark.parametrize("fit, lost", [
    # ColossalAI's and Keras' demos: a fit handed no checkpoint callback writes nothing while it runs
    ("model.fit(x, y, epochs=100)\nmodel.save('model.keras')\n", "all the training is lost: nothing saves it while the fit runs"),
    ("model.fit(x, y, epochs=100)\n", "all the training is lost: nothing in the run saves it"),
    # KerasCV's evaluation callbacks compute metrics and write no model (keras-cv's train_pillars; triage DH)
    ("from keras_cv.callbacks import WaymoEvaluationCallback\nmodel.fit(x, y, epochs=5, callbacks=[WaymoEvaluationCallback(val)])\n",
     "all the training is lost: nothing in the run saves it"),
    # a checkpoint callback, or callbacks sigcheck cannot see into, may save as it goes
    ("model.fit(x, y, epochs=100, callbacks=[tf.keras.callbacks.ModelCheckpoint('ck.keras')])\n",
     "everything since the last save is lost"),
    ("model.fit(x, y, 32, 100, 1, callbacks)\n", "everything since the last save is lost"),
    # keras-io: callbacks that write no model save nothing; a LambdaCallback may call anything
    ("model.fit(x, y, callbacks=[tf.keras.callbacks.EarlyStopping(patience=3), tf.keras.callbacks.ReduceLROnPlateau()])\n",
     "all the training is lost: nothing in the run saves it"),
    ("model.fit(x, y, callbacks=[tf.keras.callbacks.LambdaCallback(on_epoch_end=keep)])\n",
     "everything since the last save is lost"),
    ("model.fit(x, y, **options)\n", "everything since the last save is lost"),
    # a callback of the project's that only sets the learning rate (big_transfer's BiTLRSched, triage DA)
    ("class Sched(tf.keras.callbacks.Callback):\n    def on_train_batch_begin(self, batch, logs=None):\n"
     "        self.model.optimizer.lr.assign(0.1)\nmodel.fit(x, y, callbacks=[Sched()])\n",
     "all the training is lost: nothing in the run saves it"),
    # one that saves the weights each epoch, or derives from the library's checkpoint
    ("class Keep(tf.keras.callbacks.Callback):\n    def on_epoch_end(self, epoch, logs=None):\n"
     "        self.model.save_weights('w.h5')\nmodel.fit(x, y, callbacks=[Keep()])\n", "everything since the last save is lost"),
    ("class Keep(tf.keras.callbacks.ModelCheckpoint):\n    pass\nmodel.fit(x, y, callbacks=[Keep('ck.keras')])\n",
     "everything since the last save is lost"),
    # xgboost keeps its booster in memory until train() returns
    ("import xgboost as xgb\nbooster = xgb.train(params, dtrain, num_boost_round=1000)\nbooster.save_model('m.json')\n",
     "all the training is lost: nothing saves it while the fit runs"),
    # a loop of fits that saves each one's model (RAPIDS' cross-validation folds): the fold in progress is lost
    ("import xgboost as xgb\nfor fold in range(5):\n    booster = xgb.train(params, dtrain, num_boost_round=1000)\n"
     "    booster.save_model(f'fold{fold}.json')\n", "everything since the last save is lost"),
    ("import xgboost as xgb\nfor fold in range(5):\n    booster = xgb.train(params, dtrain, num_boost_round=1000)\n"
     "booster.save_model('last.json')\n", "all the training is lost: nothing saves it while the fit runs"),
    ("import xgboost as xgb\ndef fit(dtrain):\n    return xgb.train(params, dtrain, num_boost_round=1000)\n"
     "def main():\n    for fold in range(5):\n        booster = fit(dtrain)\n        if fold == 2:\n"
     "            booster.save_model('best.json')\nmain()\n", "everything since the last save is lost"),
])
def test_what_a_stop_loses_in_a_fit_follows_its_callbacks(run_sigcheck, fit, lost):
    diagnostics = run_sigcheck({"train.py": _KERAS + fit}, select=("SIG001",)).diagnostics
    assert [d.message.split("later, and ")[1] for d in diagnostics] == [lost]


def test_compiling_a_model_with_a_save_method_saves_nothing(run_sigcheck):
    """`torch.compile(model)` runs the model's forward, not its `save`: the run keeps nothing."""
    code = """import torch


class Net(torch.nn.Module):
    def forward(self, x):
        return x.sum()

    def save(self, path):
        torch.save(self.state_dict(), path)


model = Net()
compiled = torch.compile(model)
for batch in loader:
    compiled(batch).backward()
    optimizer.step()
"""
    (finding,) = run_sigcheck({"train.py": code}, select=("SIG001",)).diagnostics
    assert finding.message.split("later, and ")[1] == "all the training is lost: nothing in the run saves it"


def test_a_loop_calling_a_save_sigcheck_cannot_see_may_save(run_sigcheck):
    """torchtitan's loop calls `self.checkpointer.save(step)` on a checkpointer a factory makes:
    sigcheck cannot see that save, so it does not say that nothing saves the training."""
    code = """import torch
from somewhere import build_checkpointer


class Trainer:
    def __init__(self):
        self.checkpointer = build_checkpointer()

    def train(self):
        for batch in loader:
            model(batch).sum().backward()
            optimizer.step()
            self.checkpointer.save(step)
        torch.save(model.state_dict(), "final.pt")


Trainer().train()
"""
    (finding,) = run_sigcheck({"train.py": code}, select=("SIG001",)).diagnostics
    assert finding.message.split("later, and ")[1] == "everything since the last save is lost"


PREALLOCATES = """import torch

model = torch.nn.Linear(8, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for size in range(128, 1024, 128):
    model(torch.randn(size, 8)).sum().backward()
    model.zero_grad()
for step in range(1000):
    model(next(batches)).sum().backward()
    optimizer.step()
    optimizer.zero_grad()
"""


def test_backward_passes_whose_gradients_are_only_zeroed_train_nothing(run_sigcheck):
    """Jasper's and QuartzNet's pre-allocation: backward on each input size, then zero_grad, before
    the training loop. The finding is at the loop that steps, not at the warm-up."""
    (finding,) = run_sigcheck({"train.py": PREALLOCATES}, select=("SIG001",)).diagnostics
    assert finding.line == 8


def test_an_update_by_hand_before_zero_grad_trains(run_sigcheck):
    by_hand = ("import torch\n\nfor step in range(1000):\n    model(next(batches)).sum().backward()\n"
               "    with torch.no_grad():\n        for p in model.parameters():\n            p -= 0.1 * p.grad\n"
               "    model.zero_grad()\n")
    (finding,) = run_sigcheck({"train.py": by_hand}, select=("SIG001",)).diagnostics
    assert finding.line == 3


def test_a_loop_whose_step_sigcheck_cannot_resolve_still_trains(run_sigcheck):
    """nanochat's chat_rl.py: backward passes in an inner loop, then `optimizer.step()` on an
    optimizer a project method builds, and `model.zero_grad()`: the outer loop is the training."""
    optimizer = ("class MuonAdamW:\n    def __init__(self, groups):\n        self.groups = groups\n\n"
                 "    def step(self):\n        for group in self.groups:\n            fused_update(group)\n")
    code = ("import torch\n\nfrom optim import MuonAdamW\n\noptimizer = MuonAdamW(groups)\nfor step in range(100):\n"
            "    for example in range(8):\n        model(next(batches)).sum().backward()\n"
            "    optimizer.step()\n    model.zero_grad(set_to_none=True)\n")
    (finding,) = run_sigcheck({"train.py": code, "optim.py": optimizer}, select=("SIG001",)).diagnostics
    assert finding.line == 6


_PERIODIC = """
import signal, sys
import torch
from fvcore.common.checkpoint import Checkpointer, PeriodicCheckpointer

model = torch.nn.Linear(2, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
periodic = PeriodicCheckpointer(Checkpointer(model, "output"), period=100, max_iter=1000)
HANDLER
for iteration in range(1000):
    model(torch.randn(4, 2)).sum().backward()
    optimizer.step()
    periodic.step(iteration)
"""
_ON_SIGTERM = """
def on_sigterm(signum, frame):
    periodic.step(iteration)
    sys.exit(0)


signal.signal(signal.SIGTERM, on_sigterm)
"""


def test_a_periodic_checkpointer_saves_as_the_loop_goes_but_not_when_a_handler_calls_it(run_sigcheck):
    """fvcore's PeriodicCheckpointer.step saves every `period` iterations (detectron2's hook calls it
    after each step; triage BD): the loop checkpoints as it goes, but a handler calling it saves only
    where the iteration falls on a period."""
    unhandled = run_sigcheck({"train.py": _PERIODIC.replace("HANDLER", "")}, select=("SIG001", "SIG002")).diagnostics
    assert [(d.code, d.message.split("later, and ")[1]) for d in unhandled] == [
        ("SIG001", "everything since the last save is lost")]
    handled = run_sigcheck({"train.py": _PERIODIC.replace("HANDLER", _ON_SIGTERM)}, select=("SIG001", "SIG002")).diagnostics
    assert [d.code for d in handled] == ["SIG002"]


_FACTORY = {
    "train.py": "from transformers import Seq2SeqTrainingArguments\n\nfrom mypkg.factory import trainer_class\n\n\n"
                "def main(task):\n    trainer = trainer_class(task)(model=model, args=Seq2SeqTrainingArguments(output_dir='out'))\n"
                "    trainer.train()\n\n\nif __name__ == '__main__':\n    main('lm')\n",
    "mypkg/__init__.py": "",
    "mypkg/factory.py": "import importlib\n\nTABLE = {'lm': 'mypkg.trainers.LMTrainer', 'cls': 'mypkg.trainers.ClsTrainer'}\n\n\n"
                        "def trainer_class(task):\n    module_path, class_name = TABLE[task].rsplit('.', 1)\n"
                        "    return getattr(importlib.import_module(module_path), class_name)\n",
}
_TRAINERS = ("import signal\n\nfrom transformers import Seq2SeqTrainer, Trainer\n\n\nclass LMTrainer(Seq2SeqTrainer):\n{own}\n\n"
             "class ClsTrainer(Trainer):\n{own}\n")
_HANDLES = ("    def train(self):\n        signal.signal(signal.SIGTERM, self.on_stop)\n        return super().train()\n\n"
            "    def on_stop(self, signum, frame):\n        self.save_model('out')\n        raise SystemExit(0)\n")


def test_a_trainer_class_its_factory_imports_by_a_dotted_text_is_the_one_fitted(run_sigcheck):
    """ms-swift's TrainerFactory keeps `"swift.trainers.Seq2SeqTrainer"` in a table, splits it at
    its last dot and imports the module with importlib (triage BK): the fit is a Trainer's."""
    files = {**_FACTORY, "mypkg/trainers.py": _TRAINERS.format(own="    pass\n")}
    (finding,) = run_sigcheck(files, ["train.py"], select=("SIG001",)).diagnostics
    assert (finding.path, finding.line) == ("train.py", 8) and finding.message.startswith("Fit call runs with no SIGTERM handler")


def test_a_trainer_class_imported_by_a_dotted_text_that_handles_the_stop_is_not_reported(run_sigcheck):
    files = {**_FACTORY, "mypkg/trainers.py": _TRAINERS.format(own=_HANDLES)}
    assert run_sigcheck(files, ["train.py"], select=("SIG001",)).diagnostics == []


def test_a_runner_a_dependency_resolver_builds_by_its_class_is_the_one_run(run_sigcheck):
    """fairseq2's `resolver.resolve(_TaskRunner).run(task)`, `resolve(kls: type[T]) -> T` (triage BV):
    the runner's loop runs, and its handler serves SIGUSR1 only."""
    files = {"train.py": 'from container import Container\nfrom runner import TaskRunner\n\n\ndef main() -> None:\n    c = Container()\n    runner = c.resolve(TaskRunner)   # `resolve(kls: type[T]) -> T`: a TaskRunner\n    runner.run()                     # sigcheck draws no edge here\n\n\nif __name__ == "__main__":\n    main()\n',
             "container.py": 'from typing import Callable, TypeVar\n\nT = TypeVar("T")\n\n\ndef wire_object(kls: type[T]) -> T:\n    return kls()\n\n\nclass Container:\n    def __init__(self) -> None:\n        self._factories: dict[type, Callable[[], object]] = {}\n\n    def register(self, kls: type, factory: Callable[[], object]) -> None:\n        self._factories[kls] = factory\n\n    def resolve(self, kls: type[T]) -> T:\n        return self._factories[kls]()  # type: ignore[return-value]\n',
             "runner.py": 'import signal\n\nimport torch\n\n\nclass TaskRunner:\n    def __init__(self) -> None:\n        self.stop = False\n\n    def run(self) -> None:\n        def request_stop(signum, frame):  # only SIGUSR1, as fairseq2 does\n            self.stop = True\n\n        signal.signal(signal.SIGUSR1, request_stop)\n        model = torch.nn.Linear(4, 1)\n        opt = torch.optim.SGD(model.parameters(), lr=0.1)\n        for step in range(100000):\n            if self.stop:\n                torch.save(model.state_dict(), "ckpt.pt")\n                break\n            loss = model(torch.randn(8, 4)).sum()\n            opt.zero_grad()\n            loss.backward()\n            opt.step()\n'}
    (finding,) = run_sigcheck(files, ["train.py"], select=("SIG001",)).diagnostics
    assert (finding.path, finding.line) == ("runner.py", 17) and "handles SIGUSR1 only" in finding.message


def test_training_a_plugin_process_runs_is_reached_through_its_declared_base(run_sigcheck):
    """ai-toolkit: `self.process: List[BaseProcess]` filled from the classes a configuration names,
    each run by `process.run()`; the training loop is a subclass's (triage BW: no finding at all)."""
    files = {
        "run.py": "import sys\n\nfrom job import Job\n\nif __name__ == '__main__':\n    Job(load(sys.argv[1])).run()\n",
        "job.py": "import importlib\nfrom typing import List\n\nfrom proc import BaseProcess\n\n\nclass Job:\n"
                  "    def __init__(self, config):\n        self.process: List[BaseProcess]\n"
                  "        module = importlib.import_module('proc')\n"
                  "        self.process = [getattr(module, name)(config) for name in config['names']]\n\n"
                  "    def run(self):\n        for process in self.process:\n            process.run()\n",
        "proc/__init__.py": "from .base import BaseProcess\nfrom .sd import SDTrainProcess\n",
        "proc/base.py": "class BaseProcess:\n    def __init__(self, cfg):\n        self.cfg = cfg\n\n    def run(self):\n        pass\n",
        "proc/sd.py": "import torch\n\nfrom .base import BaseProcess\n\n\nclass SDTrainProcess(BaseProcess):\n    def run(self):\n"
                      "        for step in range(1_000_000):\n            model(batch).backward()\n            opt.step()\n"
                      "            if step % 500 == 0:\n                torch.save(model.state_dict(), 'ckpt.pt')\n",
    }
    (finding,) = run_sigcheck(files, ["run.py"], select=("SIG001",)).diagnostics
    assert (finding.path, finding.line) == ("job.py", 14) and "everything since the last save" in finding.message


_FANNED_OUT = 'import signal\nimport sys\n\nimport torch\n\nSTOP = False\n\n\ndef on_term(signum, frame):\n    global STOP\n    STOP = True\n\n\nclass Brain:\n    def __init__(self, checkpointer=None):\n        self.checkpointer = checkpointer\n        if self.checkpointer is not None:\n            # speechbrain/core.py:443 -- hands the Brain to the checkpointer\n            self.checkpointer.add_recoverable("brain", self)\n        self.model = torch.nn.Linear(4, 1)\n        self.optimizers = {\n            "a": torch.optim.SGD(self.model.parameters(), lr=0.1),\n        }\n        self.scaler = torch.cuda.amp.GradScaler(enabled=False)\n\n    def optimizers_step(self):\n        # speechbrain/core.py:940 -- one step, fanned out over the optimizers\n        for opt in self.optimizers.values():\n            self.scaler.step(opt)\n        self.scaler.update()\n        for opt in self.optimizers.values():\n            opt.zero_grad(set_to_none=True)\n\n    def fit(self, n):\n        for _ in range(n):\n            loss = self.model(torch.randn(8, 4)).pow(2).mean()\n            self.scaler.scale(loss).backward()\n            self.optimizers_step()\n            if STOP:\n                torch.save(self.model.state_dict(), "ckpt.pt")\n                sys.exit(0)\n\n\ndef main():\n    signal.signal(signal.SIGTERM, on_term)\n    hparams = {}\n    Brain(checkpointer=hparams.get("checkpointer")).fit(100000)\n\n\nif __name__ == "__main__":\n    main()\n'


@pytest.mark.parametrize("fanned", ["self.scaler.step(opt)", "opt.step()"])
def test_a_loop_that_steps_each_optimizer_once_is_no_loop_the_flag_must_reach(run_sigcheck, fanned):
    """speechbrain's Brain.optimizers_step, `for opt in optimizers: self.scaler.step(opt)`, is AMP's
    spelling of one step fanned out, reached also from an object handed to the checkpointer: the
    batch loop polls the flag, and the fan-out needs not (triage BY)."""
    code = _FANNED_OUT.replace("self.scaler.step(opt)", fanned)
    assert run_sigcheck({"train.py": code}).diagnostics == []


def test_a_chainer_trainers_run_is_a_fit(run_sigcheck):
    """ESPnet1's recipes train with Chainer's `training.Trainer(updater, stop_trigger).run()` (triage CI)."""
    code = ("from chainer import training\nfrom chainer.training import StandardUpdater\n\n\ndef main():\n"
            "    trainer = training.Trainer(StandardUpdater(train_iter, optimizer), (100, 'epoch'), out='exp')\n"
            "    trainer.run()\n\n\nif __name__ == '__main__':\n    main()\n")
    (finding,) = run_sigcheck({"train.py": code}, select=("SIG001",)).diagnostics
    assert (finding.line, finding.message.split(" runs ")[0]) == (7, "Fit call")


@pytest.mark.parametrize("base", [
    "detectron2.engine.train_loop.TrainerBase",  # unilm's layoutlmv3 (triage DA)
    "detectron2.engine.SimpleTrainer",
])
def test_a_project_trainers_super_train_runs_detectron2s_loop(run_sigcheck, base):
    module, name = base.rsplit(".", 1)
    trainer = (f"from {module} import {name}\n\n\nclass MyTrainer({name}):\n    def __init__(self, cfg):\n"
               "        super().__init__()\n        self.cfg = cfg\n\n    def train(self):\n"
               "        super().train(0, self.cfg.SOLVER.MAX_ITER)\n")
    main = "from mytrainer import MyTrainer\n\n\nif __name__ == '__main__':\n    MyTrainer(cfg).train()\n"
    (finding,) = run_sigcheck({"train.py": main, "mytrainer.py": trainer}, select=("SIG001",)).diagnostics
    assert (finding.path, finding.line) == ("mytrainer.py", 10)  # the super().train() call


_SCHEDULE_PLOT = """
from mmengine.model import BaseModel
from mmengine.runner import Runner


class SimpleModel(BaseModel):
    def forward(self, inputs, data_samples, mode='tensor'):
        pass

    def train_step(self, data, optim_wrapper):
        STEP


def main(cfg):
    runner = Runner(model=MODEL, work_dir=cfg.work_dir, train_dataloader=cfg.loader, train_cfg=cfg.train_cfg,
                    optim_wrapper=cfg.optim_wrapper, param_scheduler=cfg.param_scheduler)
    runner.train()


if __name__ == '__main__':
    main(load_config())
"""


@pytest.mark.parametrize("step, model, reported", [
    # OpenMMLab's tools/visualizations/vis_scheduler.py (mmaction2's, triage CY): plots the schedule
    ("pass", "SimpleModel()", False),
    ("return None", "SimpleModel()", False),
    ("return super().train_step(data, optim_wrapper)", "SimpleModel()", True),
    ("pass", "build_model(cfg.model)", True),  # a model sigcheck cannot see trains as any may
])
def test_a_runner_built_with_a_model_whose_step_does_nothing_trains_nothing(run_sigcheck, step, model, reported):
    code = _SCHEDULE_PLOT.replace("STEP", step).replace("MODEL", model)
    diagnostics = run_sigcheck({"vis_scheduler.py": code}, select=("SIG001",)).diagnostics
    assert bool(diagnostics) is reported, diagnostics


_MONITORED = """import tensorflow.compat.v1 as tf

train_op = tf.train.AdamOptimizer(1e-3).minimize(loss, global_step=tf.train.get_or_create_global_step())
with tf.train.MonitoredTrainingSession({keywords}hooks=[tf.train.StopAtStepHook(last_step=1000000)]) as sess:
    while not sess.should_stop():
        sess.run(train_op)
"""


@pytest.mark.parametrize("keywords, lost", [
    ('checkpoint_dir="/opt/ml/checkpoints", ', "everything since the last save is lost"),
    ("checkpoint_dir=None, ", "all the training is lost: nothing in the run saves it"),
    ("", "all the training is lost: nothing in the run saves it"),
])
def test_a_monitored_session_given_a_checkpoint_dir_saves_as_its_loop_runs(run_sigcheck, keywords, lost):
    """Its CheckpointSaverHook saves every 600 s by default (triage DH)."""
    diagnostics = run_sigcheck({"train.py": _MONITORED.format(keywords=keywords)}, select=("SIG001",)).diagnostics
    assert [d.message.split("later, and ")[1] for d in diagnostics] == [lost]
