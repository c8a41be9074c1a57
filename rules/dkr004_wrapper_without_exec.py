from __future__ import annotations

from sigcheck.checking.rule import Example, Rule

_TOOLKIT = "neither the SageMaker training toolkit's `train` nor the script a job names in SAGEMAKER_PROGRAM"

_DOCKERFILE = """
FROM python:3.11-slim
COPY . /opt/program
RUN chmod +x /opt/program/entrypoint.sh
ENTRYPOINT ["/opt/program/entrypoint.sh"]
"""
_TRAIN = """
import signal, sys

def on_sigterm(signum, frame):
    sys.exit(0)

signal.signal(signal.SIGTERM, on_sigterm)
"""


class WrapperWithoutExec(Rule):
    """A wrapper script (or `sh -c`) starts the trainer without `exec`, so SIGTERM stops at the shell.

    ## What it does
    Follows the ENTRYPOINT into the shell script it runs (`entrypoint.sh`, a `train` script with a
    shebang, `["sh", "-c", "..."]`), finds the command that starts the trainer, and reports it
    when it is run plainly (not `exec`'d), in a pipeline, or in the background without a `trap`
    that forwards TERM to it and a `wait` for it. The Python script it starts must be a trainer:
    one that trains (or starts a child that does) or handles SIGTERM. A helper that writes
    settings and exits before the real program starts is not reported, nor is the last simple
    command of a `bash -c` string (no pipeline, redirection or trap): bash runs it in its own
    place, a lone one in any version and the last of a list (`cd /app && python train.py`) since
    bash 5.1; dash, Debian's `/bin/sh`, forks it (`sh -c` is reported).

    A script a RUN writes with `printf`, `echo` or `cat <<EOF` is read too, where the text it
    writes is known; what is found in a printf or echo script is placed on that RUN. A wrapper
    that starts the SageMaker training toolkit's `train` in an image that leaves SAGEMAKER_PROGRAM
    to the job (AWS's own PyTorch images: `bash -m start_with_right_hostname.sh`) keeps the signal
    from whatever script the job names, and is reported too.

    ## Why is this bad?
    The shell is the process Docker signals. A shell that runs a command in the foreground waits
    for it and runs its own traps only afterwards; as PID 1 without a trap it ignores SIGTERM
    altogether. Either way the trainer never receives the signal and is SIGKILLed at the
    deadline. An init that signals the whole process group (`tini -g`, `dumb-init`) in front of
    the script does deliver it, and is not reported.

    ## Example
    ```sh
    #!/bin/sh
    cd /opt/program
    python -u train.py "$@"
    ```

    ## Use instead
    ```sh
    #!/bin/sh
    cd /opt/program
    exec python -u train.py "$@"
    ```
    or, when the script must run something afterwards:
    ```sh
    python -u train.py "$@" &
    child=$!
    trap 'kill -TERM "$child"' TERM
    wait "$child"
    ```
    """

    code = "DKR004"
    name = "wrapper-without-exec"
    severity = "error"

    valid = (
        Example(_DOCKERFILE, "the script execs the trainer", {"train.py": _TRAIN, "entrypoint.sh": """
#!/bin/sh
set -e
cd /opt/program
exec python -u train.py "$@"
"""}, name="Dockerfile"),
        Example(_DOCKERFILE, "background, a trap that forwards TERM, and a wait", {"train.py": _TRAIN, "entrypoint.sh": """
#!/bin/bash
python -u /opt/program/train.py "$@" &
child=$!
trap 'kill -TERM "$child"; wait "$child"' TERM INT
wait "$child"
"""}, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
COPY . /opt/program
ENTRYPOINT ["dumb-init", "/bin/sh", "/opt/program/entrypoint.sh"]
""", "dumb-init signals the script's whole process group, the trainer included", {
            "train.py": _TRAIN, "entrypoint.sh": "python /opt/program/train.py\n"}, name="Dockerfile"),
        Example(_DOCKERFILE, "a helper that writes settings and exits is no trainer; the server is exec'd", {
            "settings.py": "import os\nprint(f\"--workers {os.environ.get('WORKERS', '2')}\")\n",
            "entrypoint.sh": """
#!/bin/bash
set -e
python3 /opt/program/settings.py > /tmp/server-args
exec gunicorn $(cat /tmp/server-args) app:server
"""}, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
RUN printf '#!/bin/sh\\nexec python /opt/program/train.py "$@"\\n' > /entry.sh && chmod +x /entry.sh
ENTRYPOINT ["/entry.sh"]
""", "a wrapper written by printf that execs the trainer", {"train.py": _TRAIN}, name="Dockerfile"),
    )
    invalid = (
        Example("""
FROM python:3.11-slim
RUN pip install sagemaker-training
COPY start.sh /usr/local/bin/start.sh
ENTRYPOINT ["bash", "-m", "start.sh"]
""", "the toolkit's train runs in the foreground of PID 1's shell, whatever script the job names "
            "(aws/deep-learning-containers' start_with_right_hostname.sh, issue #632)",
            {"start.sh": '#!/usr/bin/env bash\nif [[ "$1" = "train" ]]; then\n     # expect: DKR004\n'
                         '     LD_PRELOAD=/libchangehostname.so train\nelse\n     eval "$@"\nfi\n'}, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
# expect: DKR004
RUN echo '#!/bin/bash' > /entry.sh && echo 'python /opt/program/train.py "$@"' >> /entry.sh && chmod +x /entry.sh
ENTRYPOINT ["/entry.sh"]
""", "a wrapper a RUN writes with echo runs the trainer in the foreground: the finding is placed on that RUN",
            {"train.py": _TRAIN}, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
COPY --chmod=755 <<"EOF" /opt/program/entrypoint.sh
#!/bin/sh
cd /opt/program
# expect: DKR004
python -u train.py "$@"
EOF
ENTRYPOINT ["/opt/program/entrypoint.sh"]
""", "the trainer runs in the foreground of PID 1's shell (a heredoc script)", {"train.py": _TRAIN}, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
# expect: DKR004
ENTRYPOINT ["/bin/bash", "-c", "nvidia-smi; python /opt/program/train.py | tee /tmp/log"]
""", "sh -c with a pipeline: bash waits for both and keeps the signal", {"train.py": _TRAIN}, name="Dockerfile"),
        Example("""
FROM python:3.11-slim
COPY train.py /opt/program/train.py
COPY --chmod=755 <<"EOF" /usr/local/bin/train
#!/bin/bash
trap 'kill -TERM 0' TERM
# expect: DKR004
python /opt/program/train.py
EOF
""", "a trap that forwards, but the trainer runs in the foreground: bash runs the trap after it ends",
            {"train.py": _TRAIN}, name="Dockerfile"),
    )

    def check(self, analysis):
        for container in analysis.containers:
            step = container.signal_stops_at()
            awaits = container.chain.python is None and container.chain.awaits_program  # any script a job names
            if step is None or step.kind not in ("script", "shell-c") or (container.chain.python is None and not awaits) \
                    or not container.runs_trainer():
                continue
            # the shell keeps the signal from any launcher after it: the platform's deadline holds
            deadline = analysis.platform_deadline_for([container.entry] if container.entry else [])
            where = "the script" if step.kind == "script" else f"`{step.label.split()[0]} -c`"
            yield self.finding(
                step.point,
                f"{where.capitalize()} starts the trainer without exec ({step.note}): "
                + (f"SIGTERM reaches {_TOOLKIT}, which are SIGKILLed {deadline} after a stop" if awaits else
                   f"SIGTERM never reaches {container.chain.python.display}, which is SIGKILLed {deadline} after a stop"),
                container.trace(),
            )
