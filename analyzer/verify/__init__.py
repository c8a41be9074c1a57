"""`sigcheck verify`: run a training command in a throw-away SageMaker-like layout, stop it the way
the platform does (the stop signal to the command's own process, SIGKILL after the deadline) and
report what survived: the observed counterpart of the static verdict.

layout.py builds the fake /opt/ml and its SM_* variables; namespace.py makes the command PID 1 of
a new PID namespace; observation.py watches files and processes; runner.py drives one run;
status.py shows progress; compare.py sets the static findings against what was observed;
report.py renders the result; command.py ties them together for the CLI.
"""
