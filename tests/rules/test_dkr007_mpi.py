"""MPI's launchers and horovodrun on the launch chain: each rank runs the command after the
launcher's options. Open MPI's mpirun sends the ranks SIGTERM a second after the stop and SIGKILL a
second later (`--mca odls_base_sigkill_timeout N` makes both N); MPICH's passes SIGTERM on and never
SIGKILLs; horovodrun with Gloo SIGKILLs its workers 5 s after passing it on, and with MPI execs
mpirun. Which MPI an `mpirun` is comes from its options or from what the image installs."""

from __future__ import annotations

import pytest

from sigcheck.rules.dkr007_sigterm_not_delivered import _HANDLES as HANDLES  # the rule's examples' trainer

TRAINS = HANDLES.replace("signal.signal(signal.SIGTERM, on_sigterm)\n", "")
assert TRAINS != HANDLES


def image(entrypoint: str, base: str = "python:3.11-slim", run: str = "") -> str:
    return f"FROM {base}\n{run}COPY train.py /opt/program/train.py\nENTRYPOINT {entrypoint}\n"


def codes(report) -> list[tuple[str, str, int]]:
    return [(d.code, d.path, d.line) for d in report.diagnostics]


def entry_script(run_sigcheck, script: str):
    """An image whose ENTRYPOINT runs start.sh with bash, start.sh holding `script`."""
    return run_sigcheck({
        "Dockerfile": "FROM python:3.11-slim\nCOPY train.py start.sh /opt/program/\n"
                      "ENTRYPOINT [\"bash\", \"/opt/program/start.sh\"]\n",
        "start.sh": f"#!/bin/bash\n{script}\n", "train.py": HANDLES}, ["."])


@pytest.mark.parametrize("dockerfile", [
    image('["mpirun", "--allow-run-as-root", "-np", "8", "python", "/opt/program/train.py"]'),
    image('["mpirun", "-np", "8", "--bind-to", "none", "-x", "NCCL_DEBUG=INFO", "--mca", "pml", "ob1", '
          '"python", "/opt/program/train.py"]'),
    image('["mpirun", "-np", "8", "python", "/opt/program/train.py"]',
          run="RUN apt-get update && apt-get install -y --no-install-recommends openmpi-bin libopenmpi-dev\n"),
    image('["mpirun", "-np", "8", "python", "/opt/program/train.py"]', base="horovod/horovod:0.28.1"),
], ids=["an option only Open MPI takes", "options with one and two values", "the image installs Open MPI",
        "a base image that ships it"])
def test_open_mpi_gives_the_ranks_one_second(run_sigcheck, dockerfile):
    report = run_sigcheck({"Dockerfile": dockerfile, "train.py": HANDLES}, ["."])
    (finding,) = report.diagnostics
    assert (finding.code, finding.path) == ("DKR007", "Dockerfile")
    assert finding.message.startswith("Open MPI's mpirun passes SIGTERM on to its ranks 1 s after the stop and "
                                      "SIGKILLs them 1 s later")
    assert "train.py's handler must save within 1 s, not the 120 s SageMaker allows" in finding.message
    assert "`--mca odls_base_sigkill_timeout 55`" in finding.message
    assert [step.note for step in finding.trace][-1] == "the trainer train.py"


def test_the_remedy_fits_the_platforms_deadline(run_sigcheck):
    report = run_sigcheck({"Dockerfile": image('["mpirun", "--allow-run-as-root", "-np", "2", "python", '
                                               '"/opt/program/train.py"]'), "train.py": HANDLES},
                          ["."], platform="kubernetes")
    (finding,) = report.diagnostics
    assert "`--mca odls_base_sigkill_timeout 10`" in finding.message and "the 30 s Kubernetes allows" in finding.message


@pytest.mark.parametrize("dockerfile", [
    image('["mpirun", "--allow-run-as-root", "--mca", "odls_base_sigkill_timeout", "55", "-np", "8", "python", '
          '"/opt/program/train.py"]'),
    image('["mpirun", "--allow-run-as-root", "-np", "8", "python", "/opt/program/train.py"]',
          run="ENV OMPI_MCA_odls_base_sigkill_timeout=60\n"),
    image('["mpiexec", "-genv", "NCCL_DEBUG", "INFO", "-ppn", "8", "python", "/opt/program/train.py"]'),
    image('["mpirun", "-np", "8", "python", "/opt/program/train.py"]', run="RUN apt-get install -y mpich\n"),
    image('["mpirun", "-np", "8", "python", "/opt/program/train.py"]'),
    image('["horovodrun", "-np", "4", "python", "/opt/program/train.py"]', base="mycompany/trainer:1.0"),
    image('["horovodrun", "-np", "4", "--mpi-args=--mca odls_base_sigkill_timeout 40", "python", '
          '"/opt/program/train.py"]', base="horovod/horovod:0.28.1"),
], ids=["a delay set to half the deadline", "the delay in the environment", "MPICH's options: no SIGKILL",
        "the image installs MPICH", "which MPI is not known", "horovodrun's controller not known",
        "horovodrun handing mpirun a delay"])
def test_no_finding_where_the_ranks_have_the_time_or_it_is_not_known(run_sigcheck, dockerfile):
    report = run_sigcheck({"Dockerfile": dockerfile, "train.py": HANDLES}, ["."])
    assert codes(report) == []


def test_a_delay_so_long_the_signal_comes_too_late(run_sigcheck):
    dockerfile = image('["mpirun", "--allow-run-as-root", "--mca", "odls_base_sigkill_timeout", "90", "-np", "8", '
                       '"python", "/opt/program/train.py"]')
    report = run_sigcheck({"Dockerfile": dockerfile, "train.py": HANDLES}, ["."])
    (finding,) = report.diagnostics
    assert finding.message == (
        "mpirun passes SIGTERM on to train.py only 90 s after a stop (--mca odls_base_sigkill_timeout 90), 30 s "
        "before the SIGKILL SageMaker sends at 120 s: the save has 30 s, not 90; set it to at most 60")


@pytest.mark.parametrize("dockerfile, seconds", [
    (image('["horovodrun", "--gloo", "-np", "4", "-H", "localhost:4", "python", "/opt/program/train.py"]'), 5),
    (image('["horovodrun", "-np", "4", "python", "/opt/program/train.py"]', base="horovod/horovod:0.28.1"), 1),
    (image('["horovodrun", "-np", "4", "python", "/opt/program/train.py"]'), 5),
    (image('["horovodrun", "-np", "4", "python", "/opt/program/train.py"]', base="mycompany/trainer:1.0",
           run="RUN HOROVOD_WITH_PYTORCH=1 HOROVOD_WITHOUT_MPI=1 pip install horovod==0.28.1\n"), 5),
], ids=["Gloo: SIGKILL 5 s after", "MPI from the base image: Open MPI's mpirun",
        "a base image with no MPI: Gloo", "built without MPI: Gloo"])
def test_horovodrun(run_sigcheck, dockerfile, seconds):
    report = run_sigcheck({"Dockerfile": dockerfile, "train.py": HANDLES}, ["."])
    (finding,) = report.diagnostics
    assert finding.code == "DKR007" and f"must save within {seconds} s" in finding.message


def test_an_entry_script_that_execs_mpirun(run_sigcheck):
    report = entry_script(run_sigcheck, "set -e\nexec mpirun --allow-run-as-root -np \"$(nproc)\" python /opt/program/train.py")
    assert codes(report) == [("DKR007", "start.sh", 3)]


def test_a_trainer_without_a_handler_is_left_to_sig001(run_sigcheck):
    dockerfile = image('["mpirun", "--allow-run-as-root", "-np", "8", "python", "/opt/program/train.py"]')
    report = run_sigcheck({"Dockerfile": dockerfile, "train.py": TRAINS}, ["."])
    assert [d.code for d in report.diagnostics] == ["SIG001"]


def test_the_chain_goes_on_into_the_ranks_command(run_sigcheck):
    """Before, `mpirun` was looked for as a file of the build context and the trainer was not checked."""
    dockerfile = image('["mpirun", "-np", "8", "python", "/opt/program/train.py"]')
    report = run_sigcheck({"Dockerfile": dockerfile, "train.py": HANDLES}, ["."])
    assert report.notes == []


def test_a_shell_script_of_the_project_sets_the_entrys_deadline(run_sigcheck):
    returns = HANDLES.replace("    sys.exit(0)\n", "")
    report = run_sigcheck({"train.py": returns, "run.sh": "#!/bin/bash\nmpirun --allow-run-as-root -np 8 -x "
                           "NCCL_DEBUG=INFO --mca btl_tcp_if_exclude lo,docker0 python train.py --epochs 3\n"}, ["."])
    sig004 = [d for d in report.diagnostics if d.code == "SIG004"]
    assert sig004 and "SIGKILL 1 s later (under mpirun, run.sh:2)" in sig004[0].message


@pytest.mark.parametrize("line, found", [
    ("exec mpirun --allow-run-as-root $MPI_OPTS python /opt/program/train.py", [("DKR007", "start.sh", 2)]),
    ("exec mpirun --allow-run-as-root -np 2 $PROGRAM", []),
], ids=["options a variable holds", "a program a variable holds: not followed"])
def test_a_word_from_a_variable_among_mpiruns_options(run_sigcheck, line, found):
    report = entry_script(run_sigcheck, line)
    assert [c for c in codes(report) if c[0] == "DKR007"] == found
    assert [note.message.split(" (")[0] for note in report.notes] == (
        [] if found else ["the trainer was not checked: the command to run is unknown"])


@pytest.mark.parametrize("launcher", ["mpirun --allow-run-as-root -np 8 python", "torchrun --nproc_per_node 8"])
def test_a_launcher_the_signal_never_reaches_is_left_to_dkr004(run_sigcheck, launcher):
    """bash runs the line without exec and keeps SIGTERM: the launcher's deadline never applies
    (DeepLearningExamples' BERT scripts run `$mpi python ...` so)."""
    report = run_sigcheck({
        "Dockerfile": "FROM python:3.11-slim\nCOPY train.py run.sh /opt/program/\n"
                      "ENTRYPOINT [\"bash\", \"/opt/program/run.sh\"]\n",
        "run.sh": f"#!/bin/bash\n{launcher} /opt/program/train.py\n", "train.py": HANDLES}, ["."])
    assert [c for c in codes(report) if c[0].startswith("DKR")] == [("DKR004", "run.sh", 2)]
    (dkr004,) = [d for d in report.diagnostics if d.code == "DKR004"]
    assert dkr004.message.endswith("which is SIGKILLed 120 s after a stop")  # the launcher's deadline never applies


@pytest.mark.parametrize("script, found", [
    ("export OMPI_MCA_odls_base_sigkill_timeout=50\nexec mpirun --allow-run-as-root -np 8 python /opt/program/train.py", []),
    ("OMPI_MCA_odls_base_sigkill_timeout=50\nexport OMPI_MCA_odls_base_sigkill_timeout\n"
     "exec mpirun --allow-run-as-root -np 8 python /opt/program/train.py", []),
    ("OMPI_MCA_odls_base_sigkill_timeout=50 exec mpirun --allow-run-as-root -np 8 python /opt/program/train.py", []),
    ("exec env OMPI_MCA_odls_base_sigkill_timeout=50 mpirun --allow-run-as-root -np 8 python /opt/program/train.py", []),
    ("OMPI_MCA_odls_base_sigkill_timeout=50\nexec mpirun --allow-run-as-root -np 8 python /opt/program/train.py",
     [("DKR007", "start.sh", 3)]),
], ids=["exported", "assigned, then exported", "the command's own prefix", "through env",
        "assigned but not exported: mpirun never sees it"])
def test_the_delay_from_the_entry_scripts_environment(run_sigcheck, script, found):
    """Open MPI reads every MCA parameter from the environment as OMPI_MCA_<name> (triage AV)."""
    report = entry_script(run_sigcheck, script)
    assert [c for c in codes(report) if c[0].startswith("DKR")] == found


def test_a_launch_scripts_exported_delay_sets_the_entrys_deadline(run_sigcheck):
    returns = HANDLES.replace("    sys.exit(0)\n", "")
    report = run_sigcheck({"train.py": returns, "run.sh": "#!/bin/bash\nexport OMPI_MCA_odls_base_sigkill_timeout=40\n"
                           "mpirun --allow-run-as-root -np 8 python train.py\n"}, ["."])
    (sig004,) = [d for d in report.diagnostics if d.code == "SIG004"]
    assert "SIGKILL 40 s later (under mpirun, run.sh:3)" in sig004.message


@pytest.mark.parametrize("script, found", [
    ("exec env NCCL_DEBUG=INFO mpirun --allow-run-as-root -np 8 python /opt/program/train.py", [("DKR007", "start.sh", 2)]),
    ("env\nenv -0 NCCL_DEBUG=INFO\nexec python /opt/program/train.py", []),
], ids=["env runs the launcher", "env with no program prints the environment: python is the one exec'd"])
def test_env_in_an_entry_script(run_sigcheck, script, found):
    report = entry_script(run_sigcheck, script)
    assert [c for c in codes(report) if c[0].startswith("DKR")] == found
    assert report.notes == []


@pytest.mark.parametrize("script, found", [
    ('mpi=""\nif [ $GPUS -gt 1 ]; then\n   mpi="mpiexec --allow-run-as-root -np $GPUS"\nfi\n'
     "exec $mpi python /opt/program/train.py", [("DKR007", "start.sh", 6)]),
    ('prefix=""\nexec $prefix python /opt/program/train.py', []),
], ids=["the launcher in a variable (DeepLearningExamples' BERT scripts)", "an empty variable is dropped"])
def test_an_unquoted_variable_is_split_into_words(run_sigcheck, script, found):
    report = entry_script(run_sigcheck, script)
    assert [c for c in codes(report) if c[0].startswith("DKR")] == found
    assert report.notes == []


def test_a_launcher_a_variable_holds_run_without_exec(run_sigcheck):
    report = entry_script(run_sigcheck, 'mpi="mpiexec --allow-run-as-root -np $GPUS"\n$mpi python /opt/program/train.py')
    assert [c for c in codes(report) if c[0].startswith("DKR")] == [("DKR004", "start.sh", 3)]


def test_horovodrun_told_to_use_mpi_is_no_gloo_run(run_sigcheck):
    """A base image with no MPI makes plain horovodrun a Gloo run, but `--mpi` says otherwise: which
    MPI its mpirun is stays unknown, and nothing is claimed."""
    dockerfile = image('["horovodrun", "--mpi", "-np", "4", "python", "/opt/program/train.py"]')
    report = run_sigcheck({"Dockerfile": dockerfile, "train.py": HANDLES}, ["."])
    assert codes(report) == []


def test_a_variable_exported_then_set_again_goes_to_mpirun_with_its_new_value(run_sigcheck):
    report = entry_script(run_sigcheck, "export OMPI_MCA_odls_base_sigkill_timeout=100\n"
                                        "OMPI_MCA_odls_base_sigkill_timeout=50\n"
                                        "exec mpirun --allow-run-as-root -np 8 python /opt/program/train.py")
    assert [c for c in codes(report) if c[0].startswith("DKR")] == []
