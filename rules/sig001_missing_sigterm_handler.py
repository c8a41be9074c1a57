from __future__ import annotations

from sigcheck.checking.rule import Example, Rule


class MissingSigtermHandler(Rule):
    """An entry point trains with no SIGTERM handler registered on its path.

    ## What it does
    Finds entry points that run a training loop or a library fit call while no SIGTERM handler
    is registered on the path they run (module level, `main()`, imported project modules), and
    no library they use installs one (Lightning's `Trainer.fit`, Composer's, TensorFlow's
    `PreemptionCheckpointHandler`, Hugging Face with `enable_jit_checkpoint=True`). Lightning
    handles SIGTERM from 2.0: a project whose requirements, conda environment or project file
    pins an older release (`pytorch-lightning==1.4.2`) is reported, and the message names the pin. A loop is a
    training loop when it takes a training step (`backward`, `optimizer.step`, ...) itself or
    through the functions it calls; handing a step function to a library does not make it one.
    Training on a thread the entry point starts counts: SIGTERM ends the whole process. Where a
    command-line runner runs one of several commands (a click group, a Typer app,
    `fire.Fire({...})`), each command is judged on its own: a handler that one command registers
    does not cover another command's training.
    A backward pass is a step only where its gradients are used: the function that makes it, or
    one it calls, steps an optimizer or updates a tensor from its own gradient by hand
    (`w -= lr * w.grad`). A profiler that times backward passes trains nothing, and neither
    does a gradient read into a measurement (bertology's head importance, a saliency map). A loop that steps the optimizers it iterates (`for opt in optimizers:
    opt.step()`) makes one step, fanned out; the loop around it is the training loop.

    ## Why is this bad?
    Platforms stop a job with SIGTERM and SIGKILL it after a deadline (120 s on SageMaker,
    30 s by default on Kubernetes). Inside a container the trainer is PID 1, and PID 1 with no
    handler ignores SIGTERM, so the job runs on until SIGKILL; elsewhere SIGTERM's default
    action kills it at once. Either way `atexit` handlers and `finally` blocks do not run, and
    all work since the last checkpoint is lost. A short script with no loop is not reported.

    ## Example
    ```python
    for epoch in range(args.epochs):
        train_one_epoch(model, loader)
    torch.save(model.state_dict(), "/opt/ml/model/model.pt")
    ```

    ## Use instead
    ```python
    def on_sigterm(signum, frame):
        torch.save(model.state_dict(), os.path.join(model_dir, "model.pt"))
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_sigterm)
    for epoch in range(args.epochs):
        train_one_epoch(model, loader)
    ```
    """

    code = "SIG001"
    name = "missing-sigterm-handler"
    severity = "error"

    valid = (
        Example("""
import signal, sys, torch

def on_sigterm(signum, frame):
    torch.save(model.state_dict(), "model.pt")
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
for epoch in range(10):
    loss = model(batch)
    loss.backward()
    optimizer.step()
""", "a handler is registered before the loop"),
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
import lightning as L

trainer = L.Trainer(max_epochs=10)
trainer.fit(model, datamodule=dm)
""", "Lightning's Trainer.fit installs its own SIGTERM handler"),
        Example("""
from pytorch_lightning.trainer import Trainer

trainer = Trainer(max_steps=100_000, accelerator="gpu")
trainer.fit(model, data)
""", "the same Trainer, imported from its subpackage as Stability AI's generative-models does"),
        Example("""
import hydra
from lightning import LightningModule, Trainer


@hydra.main(version_base="1.3", config_path="configs", config_name="train.yaml")
def main(cfg):
    model: LightningModule = hydra.utils.instantiate(cfg.model)
    trainer: Trainer = hydra.utils.instantiate(cfg.trainer)
    trainer.fit(model=model)


if __name__ == "__main__":
    main()
""", "hydra builds the trainer, its annotation says it is Lightning's, which handles SIGTERM"),
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
from transformers import Trainer, TrainingArguments

args = TrainingArguments(output_dir="out", enable_jit_checkpoint=True)
Trainer(model=model, args=args, train_dataset=ds).train()
""", "enable_jit_checkpoint makes the Hugging Face Trainer checkpoint on SIGTERM"),
        Example("""
from composer import Trainer

trainer = Trainer(model=model, train_dataloader=loader, max_duration="10ep", save_folder="checkpoints")
trainer.fit()
""", "importing Composer installs a SIGTERM handler that exits through the trainer's close path"),
        Example("""
from signal import signal as on, SIGTERM
import utils

on(SIGTERM, utils.save_and_exit)
for step, batch in enumerate(loader):
    optimizer.step()
""", "registration through an aliased import, handler in another module", {"utils.py": """
import sys

def save_and_exit(signum, frame):
    sys.exit(0)
"""}),
        Example("""
import signal, sys
import click


@click.group()
def cli():
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))


@cli.command()
def train():
    for batch in loader:
        model(batch).backward()
        optimizer.step()


if __name__ == "__main__":
    cli()
""", "a click group's own function runs before the subcommand the command line names: its handler covers train"),
    )
    invalid = (
        Example("""
import threading
from transformers import Trainer

def work():
    # expect: SIG001
    Trainer(model=model, train_dataset=dataset).train()

worker = threading.Thread(target=work)
worker.start()
worker.join()
""", "training on a thread the main thread waits for: SIGTERM ends the whole process", name="training-on-a-thread"),
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
import torch

def main():
    # expect: SIG001
    for epoch in range(10):
        for batch in loader:
            loss = model(batch)
            loss.backward()
            optimizer.step()
    torch.save(model.state_dict(), "model.pt")

if __name__ == "__main__":
    main()
""", "trains with no handler: a stop loses every epoch since the last save"),
        Example("""
from transformers import Trainer

trainer = Trainer(model=model, train_dataset=ds)
# expect: SIG001
trainer.train()
""", "a plain Hugging Face Trainer does not handle SIGTERM"),
        Example("""
from hydra.utils import instantiate
from transformers import Trainer


def finetune(cfg):
    trainer: Trainer = instantiate(cfg.trainer)
    # expect: SIG001
    trainer.train()


if __name__ == "__main__":
    finetune(load_config())
""", "built by hydra, declared a Hugging Face Trainer: its train() runs with no handler"),
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
import fire

def train(epochs: int = 10):
    # expect: SIG001
    for epoch in range(epochs):
        for batch in loader:
            model(batch).backward()
            optimizer.step()

if __name__ == "__main__":
    fire.Fire(train)
""", "a command-line runner calls train at once: its loop is the script's"),
        Example("""
import lightning as L

def train(fabric, epochs):
    model, optimizer = fabric.setup(Model(), Optimizer())
    # expect: SIG001
    for epoch in range(epochs):
        for batch in loader:
            fabric.backward(model(batch))
            optimizer.step()

fabric = L.Fabric(accelerator="cuda", devices=4)
fabric.launch(train, 10)
""", "Lightning Fabric calls train on this thread and, unlike the Trainer, installs no SIGTERM handler"),
        Example("""
import signal, sys
import typer

app = typer.Typer()


@app.command()
def serve(port: int = 8080):
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    run_server(port)


@app.command()
def train(epochs: int = 10):
    # expect: SIG001
    for epoch in range(epochs):
        for batch in loader:
            model(batch).backward()
            optimizer.step()


if __name__ == "__main__":
    app()
""", "an invocation runs one command: serve's handler is never registered while train runs"),
        Example("""
import signal
import pytorch_lightning as pl


def on_usr1(signum, frame):
    trainer.save_checkpoint("last.ckpt")


if __name__ == "__main__":
    signal.signal(signal.SIGUSR1, on_usr1)
    trainer = pl.Trainer(max_epochs=100)
    # expect: SIG001
    trainer.fit(model, data)
""", "the project pins Lightning 1.4, which handles SIGTERM only on SLURM: fit runs with no handler",
                files={"environment.yaml": "dependencies:\n  - pip:\n    - pytorch-lightning==1.4.2\n"}),
    )

    def check(self, analysis):
        for entry in analysis.entries:
            work = entry.first_work
            if work is None or entry.framework_handling is not None:
                continue
            handlers = [r for r in entry.registrations if r.action != "ignore" and (r.covers_sigterm or r.signals is None)]
            if not handlers:
                pinned = entry.handling_pinned_out
                yield self._unhandled(analysis, entry, work, work.path, f" ({pinned}: a release before the library handled"
                                                                        " SIGTERM)" if pinned else "")
            for run in entry.command_runs if handlers else ():
                if any(r.func_id in run for r in handlers):
                    continue
                for command in sorted(run.command):
                    found = analysis.work.first_work(command, run.__contains__)
                    if found is not None:
                        way = [*run.path_to(analysis.graph, command), *found.path]
                        yield self._unhandled(analysis, entry, found, way, f" in command {analysis.describe(command)} (only"
                                              f" {analysis.describe(handlers[0].func_id)} registers one, and an invocation runs one command)")
                        break

    def _unhandled(self, analysis, entry, work, way, which: str):
        where = analysis.work_points(work, entry.main.may_run)
        return self.finding(
            where[0],
            f"{work.what.capitalize()} runs with no SIGTERM handler{which}: {entry.deadline.context} a stop sends "
            f"SIGTERM, then SIGKILL {entry.deadline} later, and everything since the last save is lost",
            analysis.path_points(way) + where,
        )
