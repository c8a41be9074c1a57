from __future__ import annotations

from sigcheck.checking.kept_signal import where_handled
from sigcheck.checking.rule import Example, Rule
from sigcheck.checking.script_mode import FRAMEWORK, SOURCE_CODE, TOOLKIT_IMAGE
from sigcheck.container.chain import STOPS
from sigcheck.model.trace import Point

_HANDLES = """
import signal, sys, torch

def on_sigterm(signum, frame):
    torch.save(model.state_dict(), "/opt/ml/model/model.pt")
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
for batch in loader:
    optimizer.step()
"""

_INSTEAD = {  # what runs the script as PID 1 instead, by what runs it in script mode (checking/script_mode.py)
    FRAMEWORK: ", or bring an image whose exec-form ENTRYPOINT runs the script",
    TOOLKIT_IMAGE: ", or make the script the image's exec-form ENTRYPOINT instead of the toolkit's `train`",
    SOURCE_CODE: ", or give the ModelTrainer no SourceCode and an image whose exec-form ENTRYPOINT runs the script",
}
_LAUNCHER = """
FROM python:3.11-slim
COPY launch.py train.py /opt/program/
ENTRYPOINT ["python", "/opt/program/launch.py"]
"""
_LAUNCHER_REPORTED = _LAUNCHER.replace("ENTRYPOINT", "# expect: DKR007\nENTRYPOINT")


class SigtermNotDelivered(Rule):
    """The trainer handles SIGTERM, but the launch chain never delivers it (or kills it sooner).

    ## What it does
    Follows the launch chain to a Python script that handles SIGTERM and reports the layer in
    between that defeats the handler: the SageMaker training toolkit (its `train` console script
    from `pip install sagemaker-training`, written on the RUN line or listed in a requirements
    file it installs, `SAGEMAKER_PROGRAM`, AWS framework images built on it),
    which runs the script as a child with `subprocess` (through `/bin/sh` where a framework's
    toolkit, `SAGEMAKER_TRAINING_MODULE`, runs it) and does not forward
    SIGTERM (aws/sagemaker-training-toolkit issues #125 and #173, still open); where
    `SAGEMAKER_TRAINING_MODULE` names a module of the build context, the toolkit calls it in its own
    process instead, and nothing keeps the signal from it; a Python launcher
    (`ENTRYPOINT ["python", "launch.py"]`) that starts the trainer as a child with `subprocess`,
    `os.system` or `sh -c` (or runs the arguments it is given, `train` included, as the entry
    script of SageMaker's TensorFlow images does with `subprocess.check_call(shlex.split(" ".join(
    sys.argv[1:])))`) and has no SIGTERM handler that passes the signal on; or torchrun /
    `accelerate launch` / Composer's `composer` launcher, which forward it but SIGKILL the workers
    30 s later, sooner than the platform's deadline (`accelerate launch` in one process, `distributed_type: NO` in its
    config file or `--num_processes 1`, starts the script through its simple launcher, which
    passes nothing on; `python -m torch.distributed.launch` in a project whose requirements, Dockerfile
    or base image pin torch before 1.9 is the old launcher, which passes no SIGTERM on at all);
    or DeepSpeed's `deepspeed` runner, which on one node installs no
    handler and never passes the signal on to `deepspeed.launcher.launch` and the workers (its
    runner.py handles SIGTERM only for multi-node runs); or ColossalAI's `colossalai run`, which
    runs torchrun through a shell in a multiprocessing child and passes the signal on to neither,
    on any number of nodes; or coqui's `python -m trainer.distribute`, which starts a
    process per GPU and only waits for them; or OneFlow's `python -m oneflow.distributed.launch`,
    which SIGKILLs its workers the moment it is stopped; or Open MPI's `mpirun` (told by an option only it takes or
    by its install), which sends the ranks SIGTERM 1 s after the stop and SIGKILL 1 s later (a delay set
    with `--mca odls_base_sigkill_timeout N` only where SIGTERM then comes too late), and horovodrun
    (Gloo SIGKILLs 5 s after); or a program that runs its command as a child and never passes the signal
    on (`exec xvfb-run python train.py`: xvfb-run is a shell script without a TERM trap).
    In script mode there is no Dockerfile: a framework estimator of the SageMaker SDK
    (`PyTorch(entry_point="train.py", ...)`, TensorFlow, HuggingFace, SKLearn, XGBoost, MXNet,
    Chainer) runs its entry point through the same toolkit, in AWS's image, and so does
    `accelerate launch` whose config file says `compute_environment: AMAZON_SAGEMAKER` (it builds
    a HuggingFace estimator); so does the generic `Estimator(image_uri=..., entry_point=...)`
    where a Dockerfile of the project builds an image whose toolkit has no SAGEMAKER_PROGRAM of
    its own (the entry point reaches the toolkit as a hyperparameter; an image sigcheck does not
    see may run anything). A handler in that script is reported at the estimator call or the
    launch line. The SDK's ModelTrainer runs the `entry_script=` or `command=` of its
    `SourceCode` (a `python`, torchrun or accelerate command, or `bash run.sh` whose launcher
    starts the script) through its own `sm_train.sh` under `/bin/bash -c`, whatever the image:
    bash is PID 1 without a TERM trap, and a handler in that script is reported at the
    `SourceCode` call. A shell script of the project (else its README's shell block) that starts a
    script with deepspeed on one node (`deepspeed --num_gpus 8 main.py`, no hostfile or node count above 1; `--num_nodes 1`
    keeps one host of any hostfile, `--hostfile /dev/null` lists none; told nothing, one node unless
    the script's path or text says several nodes or a hostfile, as a cluster's /job/hostfile may)
    keeps the signal from it as the runner in a container does: reported at that line where every
    launch of the script the project shows keeps it (a README that also runs it with plain `python`
    shows a way that delivers the signal, so neither is reported), as is a
    Kubernetes container whose command `sh -c '...'` runs the script as a child (not `exec`'d,
    nor bash's last simple command): the shell, the pod's PID 1, keeps it. A script whose launch
    the project does not hold is not reported, even where it reads a variable only the toolkit
    sets (`os.environ["SM_MODEL_DIR"]`): a harness of one's own may set it and signal the script.
    The finding is placed where the layer is added (the RUN that installs the toolkit, the
    ENTRYPOINT or script line that starts the launcher), and the trace shows the whole chain.

    ## Why is this bad?
    The handler was written for a stop, and the stop never reaches it: the job is SIGKILLed at the
    deadline with nothing saved. `docker stop` signals PID 1 only; a launcher that does not forward
    keeps it (PID 1 with no handler ignores it) while the trainer trains on; torchrun gives 30 s.

    ## Example
    ```dockerfile
    FROM python:3.11-slim
    RUN pip install sagemaker-training
    COPY train.py /opt/ml/code/train.py
    ENV SAGEMAKER_PROGRAM=train.py
    ```
    or a launcher as the ENTRYPOINT, `ENTRYPOINT ["python", "/opt/program/launch.py"]`, with
    ```python
    # launch.py
    proc = subprocess.Popen([sys.executable, "/opt/program/train.py", *sys.argv[1:]])
    sys.exit(proc.wait())
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.11-slim
    COPY train.py /opt/program/train.py
    ENTRYPOINT ["python", "/opt/program/train.py"]
    ```
    (read hyperparameters from /opt/ml/input/config/hyperparameters.json and ignore the `train`
    argument). A launcher that must stay forwards the signal and waits for the trainer:
    ```python
    proc = subprocess.Popen([sys.executable, "/opt/program/train.py", *sys.argv[1:]])
    signal.signal(signal.SIGTERM, lambda signum, frame: proc.send_signal(signum))
    sys.exit(proc.wait())
    ```
    or replaces itself with it: `os.execv(sys.executable, [sys.executable, "/opt/program/train.py"])`.
    Under torchrun, make the save fit in 30 s or checkpoint more often; under Open MPI 4, set
    `--mca odls_base_sigkill_timeout` to under half the platform's deadline. In script mode, save
    checkpoints as training goes to /opt/ml/checkpoints (the estimator's `checkpoint_s3_uri`, the
    ModelTrainer's `checkpoint_config`), which SageMaker uploads, rather than at the stop. In place of xvfb-run,
    start Xvfb in the background and `exec` the trainer with `DISPLAY` set, or put an init that
    signals the whole process group first (`ENTRYPOINT ["tini", "-g", "--", ...]`).

    ## SIG010 and DKR007
    SIG010 reports a launcher at the call that starts the child, whatever the child does. DKR007
    reports it only when the child has a SIGTERM handler the chain keeps from running, at the place
    that starts the launcher. One fix clears both; a child without a handler is SIG010's and SIG001's.

    ## Known limits
    - A launcher is followed to the script it starts when the command is known: literal words,
      `sys.executable`, a list assigned once, a path joined onto an unknown folder such as
      `os.path.dirname(__file__)` (looked for beside the launcher), a literal `cwd=`. A command
      sigcheck cannot compute is not followed, and nothing is reported. One launcher is followed,
      not a launcher started by another, and a `sh -c` between a forwarding launcher and the
      trainer is shown by `sigcheck chain` but not reported.
    - A launcher counts as forwarding when a SIGTERM handler reaches `terminate()`, `send_signal()`,
      `os.kill` or `os.killpg` with any signal but SIGKILL (`kill()` sends it), or when it has a SIGTERM handler and
      such a call is on its main path (a `finally` the handler's exception unwinds to). Whether
      it then waits for the child is not checked.
    - Behind an init that signals the whole process group (`tini -g`, `dumb-init`) the child is
      taken to receive the signal, unless it is started with `start_new_session=True`. A launcher
      without a handler then dies at once and the init exits with it, which ends the trainer
      too: that is not reported.
    - When the signal stops before the launcher (the training toolkit, a wrapper without `exec`,
      DKR004), that break is reported and the launcher is not, until the break is fixed.
    """

    code = "DKR007"
    name = "sigterm-not-delivered"
    severity = "error"

    valid = (
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
ENTRYPOINT ["python", "/opt/program/train.py"]
""", "python is PID 1 and receives SIGTERM itself", {"train.py": _HANDLES}, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
RUN pip install sagemaker-training
COPY train.py /opt/ml/code/train.py
ENV SAGEMAKER_PROGRAM=train.py
""", "the toolkit swallows SIGTERM, but this script never handled it (SIG001 reports that)", {"train.py": """
for batch in loader:
    optimizer.step()
"""}, name="Dockerfile"),
        Example(_LAUNCHER, "the launcher's SIGTERM handler forwards the signal to the trainer and waits", {
            "train.py": _HANDLES, "launch.py": """
import signal, subprocess, sys

proc = subprocess.Popen([sys.executable, "/opt/program/train.py", *sys.argv[1:]])
signal.signal(signal.SIGTERM, lambda signum, frame: proc.send_signal(signum))
sys.exit(proc.wait())
"""}, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
ENTRYPOINT ["timeout", "-k", "30", "48h", "python", "/opt/program/train.py"]
""", "timeout runs the trainer as its child and sends it the SIGTERM it receives", {"train.py": _HANDLES},
            name="Dockerfile"),
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
ENTRYPOINT ["mpirun", "--allow-run-as-root", "--mca", "odls_base_sigkill_timeout", "55", "-np", "8", "python", "/opt/program/train.py"]
""", "Open MPI's mpirun told to give the ranks 55 s: SIGTERM 55 s after the stop, SIGKILL 55 s later, within "
     "SageMaker's 120 s", {"train.py": _HANDLES}, name="Dockerfile"),
    )
    invalid = (
        Example("""
from sagemaker.pytorch import PyTorch

# expect: DKR007
estimator = PyTorch(entry_point="train.py", source_dir="src", framework_version="2.1",
                    instance_type="ml.g5.xlarge", instance_count=1, role=role)
estimator.fit({"train": "s3://bucket/train"})
""", "script mode: the framework image's toolkit runs train.py as a child and keeps SIGTERM from its handler",
            {"src/train.py": _HANDLES}, name="launch.py"),
        Example("""
from sagemaker.estimator import Estimator

# expect: DKR007
estimator = Estimator(image_uri=f"{account}.dkr.ecr.{region}.amazonaws.com/catboost-toolkit:latest",
                      entry_point="train.py", source_dir="src", role=role, instance_type="ml.m5.xlarge")
estimator.fit({"training": "s3://bucket/train"})
""", "the project's image installs the training toolkit and sets no SAGEMAKER_PROGRAM: the toolkit runs the "
     "estimator's entry_point as a child and keeps SIGTERM from its handler", {
            "src/train.py": _HANDLES, "container/Dockerfile": "FROM python:3.10\nRUN pip install catboost pandas\n"
                                                              "RUN pip install sagemaker-training\n"},
            name="launch.py"),
        Example("""
from sagemaker.modules.configs import Compute, SourceCode
from sagemaker.modules.train import ModelTrainer

# expect: DKR007
code = SourceCode(source_dir="src", entry_script="train.py")
ModelTrainer(training_image=image, source_code=code, compute=Compute(instance_type="ml.g5.xlarge")).train()
""", "ModelTrainer runs train.py through its sm_train.sh under bash, PID 1 with no TERM trap, whatever the image",
            {"src/train.py": _HANDLES}, name="launch.py"),
        Example("""
from sagemaker.modules.configs import SourceCode
from sagemaker.modules.train import ModelTrainer

# expect: DKR007
code = SourceCode(source_dir="src", command="bash run.sh --epochs 3")
ModelTrainer(training_image=image, source_code=code).train()
""", "the SourceCode's command runs run.sh, whose torchrun starts train.py: under sm_train.sh neither receives SIGTERM",
            {"src/train.py": _HANDLES, "src/run.sh": "torchrun --nproc_per_node 8 train.py \"$@\"\n"}, name="launch.py"),
        Example("""
FROM python:3.11-slim
RUN pip install deepspeed
COPY train.py /opt/program/train.py
# expect: DKR007
ENTRYPOINT ["deepspeed", "--num_gpus", "8", "/opt/program/train.py"]
""", "deepspeed's runner passes SIGTERM on only in multi-node runs: on one node the workers never receive it",
            {"train.py": _HANDLES}, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends xvfb
COPY start.sh train.py /opt/program/
ENTRYPOINT ["bash", "/opt/program/start.sh"]
""", "xvfb-run runs the trainer as its child and keeps SIGTERM (aws/sagemaker-rl-container's start.sh)", {
            "train.py": _HANDLES, "start.sh": """
#!/bin/bash
# expect: DKR007
exec xvfb-run --auto-servernum -s "-screen 0 1400x900x24" python /opt/program/train.py
"""}, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
# expect: DKR007
RUN pip install --no-cache-dir sagemaker-training==4.8.0
COPY train.py /opt/ml/code/train.py
ENV SAGEMAKER_PROGRAM=train.py
""", "the toolkit runs train.py as a child and never forwards SIGTERM", {"train.py": _HANDLES}, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
# expect: DKR007
ENTRYPOINT ["torchrun", "--nproc_per_node=8", "/opt/program/train.py"]
""", "torchrun SIGKILLs the workers 30 s after forwarding, before SageMaker's 120 s", {"train.py": _HANDLES},
            name="Dockerfile"),
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
# expect: DKR007
ENTRYPOINT ["mpirun", "--allow-run-as-root", "-np", "8", "python", "/opt/program/train.py"]
""", "Open MPI's mpirun sends the ranks SIGTERM 1 s after the stop and SIGKILL 1 s later", {"train.py": _HANDLES},
            name="Dockerfile"),
    )

    def check(self, analysis):
        yield from self._script_mode(analysis)
        yield from self._kept_by_launch_script(analysis)
        for container in analysis.containers:
            trainer = container.trainer  # past a Python launcher, the script it starts
            if trainer is None or not container.handles_sigterm(trainer):
                continue
            python = container.trainer_display
            whose = "its" if python == container.chain.python.display else f"{python}'s"
            for step, receives in zip(container.steps, container.full_chain.receives()):
                if step.kind == "toolkit" and step.passes == STOPS:
                    yield self.finding(
                        step.point,
                        f"The SageMaker training toolkit runs {container.chain.python.display} as a child"
                        f"{' through /bin/sh' if container.chain.toolkit_shell else ''} and never forwards SIGTERM "
                        f"(sagemaker-training-toolkit #125, #173): {whose} handler "
                        f"never runs and the job is SIGKILLed {analysis.deadline} s after a stop; make the script the "
                        f"ENTRYPOINT (exec form)",
                        container.trace(),
                    )
                elif step.kind == "launcher" and step.passes == STOPS and receives:
                    yield self.finding(
                        step.point,
                        f"{step.note}: {python} never receives SIGTERM, {whose} handler never runs and "
                        f"the job is SIGKILLed {analysis.deadline} s after a stop; {step.instead}",
                        container.trace(),
                    )
                elif step.kind == "runner" and step.passes == STOPS and receives:
                    name = step.label.split()[0]
                    yield self.finding(
                        step.point,
                        f"{name} runs {python} as its child and never passes SIGTERM on: {whose} handler never runs "
                        f"and the job is SIGKILLed {analysis.deadline} s after a stop; exec the trainer itself, or put "
                        f"an init that signals the process group first (tini -g)",
                        container.trace(),
                    )
                elif step.kind == "python-launcher":
                    finding = self._python_launcher(analysis, container, python)
                    if finding is not None:
                        yield finding
                elif step.kind == "launcher" and step.cuts_short(analysis.deadline):
                    if not receives:
                        continue  # a step before keeps the signal from the launcher (DKR004, a Python launcher): that is reported
                    yield self.finding(step.point, _cut_short_message(step, python, analysis), container.trace())

    def _script_mode(self, analysis):
        """An entry point that handles SIGTERM, run on SageMaker by the SDK with no Dockerfile of
        the project's (see checking/script_mode.py): the handler never runs."""
        for run in analysis.script_mode_trainers:
            trainer = run.trainer
            handler = where_handled(analysis, trainer)
            if handler is None:
                continue  # no handler to defeat: SIG001 reports the training
            script = analysis.project.sources[trainer.entry.module].display
            via = run.call.via
            started = [] if via is None else [Point.in_document(
                via.display, (via.line, 1, via.line, 1), f"{via.launcher} starts {script}")]
            instead = _INSTEAD[run.kind]
            yield self.finding(
                run.point,
                f"{run.who[0].upper()}{run.who[1:]} runs {script} {run.how}: {script}'s handler never runs and the job "
                f"is SIGKILLed {analysis.deadline} s after a stop; save checkpoints as training goes to "
                f"/opt/ml/checkpoints ({run.checkpoints}){instead}",
                [run.point, *started, handler],
            )

    def _kept_by_launch_script(self, analysis):
        """An entry point that handles SIGTERM, started by a shell script of the project's through a
        launcher that keeps the signal from it (see checking/kept_signal.py): the handler never runs."""
        for entry in analysis.entries:
            kept = entry.kept_by
            handler = where_handled(analysis, entry) if kept is not None else None
            if handler is not None:
                script = analysis.project.sources[entry.entry.module].display
                yield self.finding(
                    kept.point,
                    f"{kept.who} {kept.keeps}: {script} never receives SIGTERM, its handler never runs "
                    f"and the job is SIGKILLed {analysis.platform_deadline_for([entry])} after a stop; {kept.instead}",
                    [kept.point, handler],
                )

    def _python_launcher(self, analysis, container, child: str):
        """Reported at the place that starts the launcher when the signal reaches the launcher and
        stops there: a break before it (the toolkit, a wrapper without exec) is reported there
        first, and an init that signals the whole process group delivers it to the child too."""
        spawn = container.spawn
        receives = container.full_chain.receives()
        if spawn.passes != STOPS or not receives[container.chain.python.step] or receives[-1]:
            return None
        launcher = container.chain.python.display
        via = " through /bin/sh" if spawn.shell else ""
        why = ("its SIGTERM handler never passes the signal on" if container.handles_sigterm(container.entry)
               else "has no SIGTERM handler to forward it")
        started_at = container.steps[container.chain.python.step - 1].point
        return self.finding(
            started_at,
            f"{launcher} starts {child} as a child with {spawn.call}{via} and {why}, so the trainer's SIGTERM "
            f"handler never runs and the job is SIGKILLed {analysis.deadline} s after a stop; make the trainer the "
            f"exec-form ENTRYPOINT, forward the signal from a SIGTERM handler in the launcher "
            f"(`proc.send_signal(signum)`, then `proc.wait()`), or replace the launcher with it (`os.execv`)",
            container.trace(),
        )


def _cut_short_message(step, python: str, analysis) -> str:
    deadline, platform = analysis.deadline, analysis.platform_label
    if step.set_by:
        left = step.window(deadline)
        return (f"{step.label.split()[0]} passes SIGTERM on to {python} only {step.delay} s after a stop "
                f"({step.set_by}), {left} s before the SIGKILL {platform} sends at {deadline} s: the save has "
                f"{left} s, not {step.deadline}; set it to at most {deadline // 2}")
    if step.delay:
        instead = f"; {step.instead.format(seconds=max(deadline // 2 - 5, 1))}" if step.instead else ""
        return (f"{step.note}: {python}'s handler must save within {step.window(deadline)} s, not the {deadline} s "
                f"{platform} allows{instead}")
    return (f"{step.label.split()[0]} forwards SIGTERM to {python} but SIGKILLs it {step.deadline} s later, not after "
            f"the {deadline} s {platform} allows: the save must finish within {step.deadline} s")
