"""`sigcheck chain Dockerfile`: the launch chain alone, with who receives the stop signal at each
step and the deadline that applies."""

from __future__ import annotations

from sigcheck.container.chain import FORWARDS, REPLACED, STOPS


def describe(facts, analysis) -> str:
    """Plain text for one container (facts: ContainerFacts)."""
    container = facts.container
    chain = facts.full_chain  # past a Python launcher to the script it starts
    steps = chain.steps
    signal = "SIGTERM"
    stop = facts.stop_signal()
    if stop is not None:
        signal = stop[1]
    run = f"docker run IMAGE {' '.join(container.run_args)}" if container.run_args else "docker run IMAGE"
    platform_deadline = analysis.deadline
    lines = [f"{container.display}: `{run}` on {analysis.platform_label}: {signal} to PID 1, SIGKILL {platform_deadline} s later"]
    skipped = facts.image.skipped_exports
    if skipped:
        names = ", ".join(f"`{stage.name or stage.index}`" for stage in skipped)
        lines.append(f"  the image is the stage `{facts.image.final.name or facts.image.final.index}`: the last, {names}, "
                     f"is FROM scratch with nothing to run (only files to export)")
    receives = chain.receives()
    deadline, context = platform_deadline, analysis.platform_label
    for number, (step, gets) in enumerate(zip(steps, receives), start=1):
        lines.append(f"  {number}. {step.label}  ({facts.where(step.point)})")
        last = number == len(steps)
        if gets and last and step.kind == "entrypoint" and chain.problem and chain.python is None:
            # a program sigcheck finds no file of (`train` placed nowhere): whether it runs at all is below
            state = f"would receive {signal} as PID 1; sigcheck cannot follow it (see below)"
        elif gets:
            state = f"receives {signal}"
            if step.kind == "entrypoint":
                state += " as PID 1"  # the container's command: the steps below are the programs it runs
            elif step.passes == REPLACED and not last and step.kind != "python" and "exec" not in (step.note or ""):
                state += "; exec: the next program takes its place"  # unless the note says so already
            elif step.passes == FORWARDS:
                state += "; forwards it" + (f" (SIGKILL {step.deadline} s later)" if step.deadline else "")
            elif step.passes == STOPS and not last and receives[number]:
                state += "; the init signals the whole process group, so the next program receives it too"
            elif step.passes == STOPS and not last:
                state += "; does not pass it on"
        else:
            state = f"never receives {signal}"
        grouped = step.passes == STOPS and not last and receives[number]
        if step.note and step.kind not in ("entrypoint",) and not grouped:
            state += f" — {step.note}"
        lines.append(f"     {state}")
        if gets and step.window(deadline) < deadline:
            deadline, context = step.window(deadline), step.label.split()[0]
    if chain.problem:  # a problem only where the rules judge the image: else a fact of an image for something else
        judged = not facts.on_sagemaker or facts.for_sagemaker_training
        lines.append(f"  {'✗' if judged else '·'} {chain.problem}")
    if chain.missing_train and facts.serving is not None:
        lines.append(f"  an image for an endpoint ({facts.serving}): SageMaker starts it with `serve`, "
                     f"so the `train` rules do not judge it")
    elif facts.on_sagemaker and not facts.shows_sagemaker and facts.other_platform is not None:
        lines.append(f"  the image is for another platform ({facts.other_platform}), so the SageMaker `train` rules "
                     f"do not judge it")
    elif chain.missing_train and not facts.shows_sagemaker:
        lines.append("  nothing shows the image is for SageMaker training (no /opt/ml, SAGEMAKER_*, sagemaker "
                     "package, or script that trains), so the `train` rules do not judge it")
    display = facts.trainer_display
    if display is not None:
        gets = receives[-1] if receives else False
        trainer = facts.trainer
        if trainer is None:
            lines.append(f"  trainer {display}: not analysed")
        else:
            trains = trainer.first_work is not None  # a server's or a processing script's run is no trainer's
            handles = "handles SIGTERM" if facts.handles_sigterm(trainer) else "has no SIGTERM handler"
            role = "trainer" if trains else "program"
            lines.append(f"  {role} {display}{'' if trains else ' (sigcheck sees no training in it)'} {handles}; "
                         + (f"it receives the stop signal and has {deadline} s ({context}) to {'save' if trains else 'end'}"
                            if gets else f"the signal never reaches it: SIGKILL after {platform_deadline} s"))
    return "\n".join(lines)
