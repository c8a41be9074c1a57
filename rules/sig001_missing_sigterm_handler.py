from __future__ import annotations

from sigcheck.checking.command_deadlines import command_deadline
from sigcheck.checking.handler_work import why_no_handler
from sigcheck.checking.kept_signal import signal_kept_from
from sigcheck.checking.losses import job_loss, saves_as_it_goes, what_a_stop_loses
from sigcheck.checking.rule import Example, Rule
from sigcheck.checking.submitted_jobs import keeps_its_work


class MissingSigtermHandler(Rule):
    """An entry point trains with no SIGTERM handler registered on its path.

    ## What it does
    Finds entry points that run a training loop or a library fit call while no SIGTERM handler
    is registered on the path they run (module level, `main()`, imported project modules), and
    no library they use installs one (Lightning's `Trainer.fit`, Composer's, whose exit SIG002
    judges, TensorFlow's `PreemptionCheckpointHandler`, JAX's preemption sync point polled
    (`reached_preemption_sync_point`, orbax's `reached_preemption`) in a run that calls
    `jax.distributed.initialize()`, where a save answers it: the `if` that asks saves, or the
    function saves before it at every step (not only every so many steps, as MaxText does), Hugging Face with `enable_jit_checkpoint=True` on its
    TrainingArguments, a subclass such as TRL's `SFTConfig` or the project's own dataclass, or
    set as `args.enable_jit_checkpoint = True`, or, for a script that parses its arguments into
    them (HfArgumentParser, TRL's TrlParser), set by every launch the project has of it:
    `--enable_jit_checkpoint True` on a launch script's line, `enable_jit_checkpoint: true` in a
    config file that line names, or an estimator's `hyperparameters`; the message for a Hugging
    Face or TRL trainer's `train()` names that switch). A run that
    polls Determined's preemption request (`core_context.preempt.should_preempt()`, or its
    `DetCallback`, `DeterminedCallback` or `det.pytorch` Trainer, which poll it) stops as
    Determined stops a trial, by that request rather than a signal, and is not reported. A
    script the SageMaker SDK runs in script mode (a framework estimator's `entry_point`, the
    generic Estimator's where a Dockerfile of the project builds a toolkit image that sets no
    SAGEMAKER_PROGRAM, a ModelTrainer's `SourceCode`, `accelerate launch` configured for SageMaker) never receives
    SIGTERM, so a handler would not run either (DKR007): the message says so, names the call
    that runs it, and asks for checkpoints saved as training goes instead; so it does for a
    script that reads a variable only the training toolkit sets (`os.environ["SM_MODEL_DIR"]`,
    not `os.environ.get` with a fallback) or imports, itself or through a module it imports, a package
    only SageMaker's training images have (`smdistributed`, `torch.sagemaker`, ...), whose launch is elsewhere (DKR007 does not judge a
    handler of such a script: a harness of one's own may set the variable). There, training
    that already saves as it goes (a loop that saves, the Hugging Face Trainer's `save_steps`
    unless `save_strategy="no"`, in the code or on a launch line of the project,
    `--save_strategy no`) is not reported: it does all such a run can. A script a shell script
    of the project starts with a launcher that passes no signal on (deepspeed on one node,
    `colossalai run`, `accelerate launch` with one process) is reported so too, whether or not it
    saves as it goes, as the project can start it otherwise: the message names the launch and
    what to start it with instead. Lightning
    handles SIGTERM from 2.0: a project whose requirements, conda environment or project file
    pins an older release (`pytorch-lightning==1.4.2`) is reported, and the message names the pin;
    so is a run that passes its Trainer a keyword 2.0 removed (`gpus=1`, `resume_from_checkpoint=`,
    also as a key of a dict it spreads, `Trainer(**params)`), which only an older release accepts,
    or calls or imports what 2.0 no longer has (`Trainer.from_argparse_args`, `pytorch_lightning.metrics`).
    A loop is a
    training loop when it takes a training step (`backward`, `optimizer.step`, ...) itself or
    through the functions it calls; handing a step function to a library does not make it one.
    The branch a benchmark switch picks (`if args.benchmark:`) times a few steps and is not
    the job: the finding is about the training the other branch runs.
    Training on a thread the entry point starts counts: SIGTERM ends the whole process. Where a
    command-line runner runs one of several commands (a click group, a Typer app,
    `fire.Fire({...})`), each command is judged on its own: a handler that one command registers
    does not cover another command's training. A method a base class calls on `self` runs the
    override of the subclass the run makes (`Deploy(args).main()` runs Deploy's `run`), not every
    subclass's.
    A child process that trains (`multiprocessing.Process(target=train)`, `mp.spawn(train)`) is
    judged too once the parent's SIGTERM handler passes the signal on to it (`p.terminate()`,
    `os.kill`), or the platform sends it to every process (Slurm): it is reported when its own run registers no handler and no library handles
    the signal there, unless it may have the parent's (registered before a fork, or in module code a
    child of the spawn start method, torch.multiprocessing.spawn's default, runs again). A child no handler
    signals is SIG010's.
    Training a script submits as a Slurm job with submitit (`executor.submit(Trainer(args))`) is
    judged as that job's run: submitit ignores SIGTERM there and, on its requeue signal, calls
    the callable's `checkpoint()`. It is reported, under Slurm's deadline, unless the job
    registers a SIGTERM handler of its own, `checkpoint()` saves, or the callable inherits one
    from a library (submitit's Checkpointable resubmits it pickled with its state).
    A backward pass is a step only where its gradients are used: the function that makes it, or
    one it calls, steps an optimizer or updates a tensor from its own gradient by hand
    (`w -= lr * w.grad`). A profiler that times backward passes trains nothing, and neither
    does a gradient read into a measurement (bertology's head importance, a saliency map). A loop that steps the optimizers it iterates (`for opt in optimizers:
    opt.step()`, or AMP's `scaler.step(opt)`) makes one step, fanned out; the loop around it is the training loop. A handler
    the run registers for other signals only is named in the message when it serves a stop: it
    saves, itself or through a flag the training tests (a checkpoint on SIGUSR1, a callback's
    SIGABRT flag), or, for a stop signal such as SIGINT, ends the training. Registering it for
    SIGTERM too may be the whole fix. A timeout's SIGALRM handler, which raises, and a SIGINT
    handler that only logs (a remote job's follower detaching) are not named.

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
from transformers import Trainer, TrainingArguments

args = TrainingArguments(output_dir="out", enable_jit_checkpoint=True)
Trainer(model=model, args=args, train_dataset=ds).train()
""", "enable_jit_checkpoint makes the Hugging Face Trainer checkpoint on SIGTERM"),
        Example("""
from composer import Trainer

trainer = Trainer(model=model, train_dataloader=loader, max_duration="10ep", save_folder="checkpoints")
trainer.fit()
""", "importing Composer installs a SIGTERM handler that exits at once: SIG002 judges what saves on its way out"),
        Example("""
import jax
import optax
from jax.experimental import multihost_utils

jax.distributed.initialize()
for step in range(100_000):
    grads = jax.grad(loss_fn)(params, next(batches))
    updates, opt_state = tx.update(grads, opt_state, params)
    params = optax.apply_updates(params, updates)
    if multihost_utils.reached_preemption_sync_point(step):
        checkpoints.save(step, params)
        break
""", "JAX's preemption service takes SIGTERM as a notice; the loop asks at each step and saves where the hosts agree to stop"),
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
    )
    invalid = (
        Example("""
import signal, sys

for name in ("SIGINT",):
    sig = getattr(signal, name, None)
    if sig is not None:
        signal.signal(sig, lambda signum, frame: sys.exit(0))

# expect: SIG001
for batch in loader:
    model(batch).backward()
    optimizer.step()
""", "`getattr(signal, name, None)` over SIGINT alone: Ctrl-C is handled, SIGTERM is not"),
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
    )

    def check(self, analysis):
        for entry in analysis.entries:
            yield from self._main_thread(analysis, entry)
            yield from self._children(analysis, entry)
            yield from self._submitted(analysis, entry)

    def _submitted(self, analysis, entry):
        """Training a job runs that the library submitting it ignores SIGTERM in (submitit), with
        no handler of the job's own and a requeue hook that saves nothing, if it has one."""
        for job in entry.submitted_jobs:
            if keeps_its_work(analysis, job):
                continue
            platform = analysis.knowledge.platforms[job.library.option("platform", analysis.platform)]
            label = job.library.option("label", "the library's")
            hook = f"{analysis.describe(job.hook)}, which it calls on its requeue signal, saves nothing" if job.hook \
                else "the callable has no checkpoint() for it to call on its requeue signal"
            submit = analysis.point(job.func_id, job.site, f"submits a {label} job running {analysis.describe(job.target)}")
            where = analysis.work_points(job.work, job.run.runs_a_passer)
            yield self.finding(
                where[0],
                f"{job.work.what.capitalize()} runs in a {label} job with no SIGTERM handler: {label} ignores "
                f"SIGTERM there and {hook}; on {platform.label} a stop sends SIGTERM, then SIGKILL {platform.deadline} s "
                f"later, and {job_loss(analysis, job.work)}",
                [*analysis.path_points(entry.path_to(job.func_id)), submit, *analysis.path_points(job.work.path), *where],
                deadline=platform.deadline,
            )

    def _main_thread(self, analysis, entry):
        work = entry.first_work
        if work is None or entry.framework_handling is not None:
            return
        if entry.library_handles and not any(r.handles_sigterm for r in entry.registrations):
            return  # the library's own handler (Composer's) is SIG002's to judge, saving on close where pinned
        handlers = [r for r in entry.registrations if r.handles_sigterm]
        commands = self._commands_without(analysis, entry, handlers)
        if handlers:
            why = f" (only {analysis.describe(handlers[0].func_id)} registers one, and an invocation runs one command)"
        else:
            notes = why_no_handler(analysis, entry)
            why = f" ({'; '.join(notes)})" if notes else ""
            if not any(w.func_id == work.func_id and w.event is work.event for _, _, w, _ in commands):
                yield from self._unhandled(analysis, entry, work, work.path, why, entry.deadline)  # training outside any command
        for command, name, command_work, way in commands:
            yield from self._unhandled(analysis, entry, command_work, way, f" in command {name}{why}",
                                       command_deadline(entry, command))

    def _children(self, analysis, entry):
        """Training children the parent's handler signals, which handle nothing themselves: the
        signal's default action ends them at once."""
        for child in entry.unhandled_children:
            start = analysis.point(child.start.func_id, child.start.site,
                                   f"starts a process running {analysis.describe(child.target)}")
            where = analysis.work_points(child.work, child.run.runs_a_passer)
            told = f"the parent's handler passes SIGTERM on to it ({child.forwarded_by.removeprefix('?.')}())" \
                if child.forwarded_by else f"{child.platform} sends SIGTERM to every process of the job"
            yield self.finding(
                where[0],
                f"{child.work.what.capitalize()} runs in a child process with no SIGTERM handler: {told}, the "
                f"signal's default action ends the child at once, and everything since the last save is lost",
                [*analysis.path_points(entry.path_to(child.start.func_id)), start,
                 *analysis.path_points(child.work.path), *where],
            )

    def _commands_without(self, analysis, entry, handlers) -> list[tuple]:
        """Where a command-line runner picks one command: each command whose run registers none of
        the handlers, with its function, name, training (once per place) and the way there."""
        found, seen = [], set()
        for run in entry.command_runs:
            work = None if any(r.func_id in run for r in handlers) else entry.command_work(run)
            if work is not None and (work[1].func_id, id(work[1].event)) not in seen:
                command, work = work
                seen.add((work.func_id, id(work.event)))
                name = analysis.graph.command_name(command) or analysis.describe(command)
                found.append((command, name, work, [*run.path_to(analysis.graph, command), *work.path]))
        return found

    def _unhandled(self, analysis, entry, work, way, which: str, deadline):
        where = analysis.work_points(work, entry.main.runs_a_passer)
        blocked = signal_kept_from(analysis, entry)
        if blocked is not None and not blocked.own_launch and saves_as_it_goes(analysis, entry, work):
            return  # in script mode, saving as it goes is all a run can do, and it does
        if blocked is not None:  # a handler would not run either: DKR007's case
            point, runs_it, instead = blocked.point, blocked.runs_it, blocked.instead
            yield self.finding(
                where[0],
                f"{work.what.capitalize()} runs with no SIGTERM handler{which}, and none would run: {runs_it}; SIGKILL "
                f"comes {analysis.deadline} s after a stop and {what_a_stop_loses(analysis, entry, work)}; {instead}",
                [point, *analysis.path_points(way), *where], deadline=analysis.deadline,
            )
            return
        yield self.finding(
            where[0],
            f"{work.what.capitalize()} runs with no SIGTERM handler{which}: {self._stop(analysis, entry, deadline)}, "
            f"and {what_a_stop_loses(analysis, entry, work)}{analysis.frameworks.remedy(entry, work)}",
            analysis.path_points(way) + where, deadline=deadline.seconds,
        )

    @staticmethod
    def _stop(analysis, entry, deadline) -> str:
        """What a stop does, on the platform; a launcher guessed from the code only as what it would do instead."""
        if not deadline.conditional:
            return f"{deadline.context} a stop sends SIGTERM, then SIGKILL {deadline} later"
        platform = entry.platform_deadline or analysis.deadline_for([])
        return f"{platform.context} a stop sends SIGTERM, then SIGKILL {platform} later ({deadline} {deadline.aside})"
