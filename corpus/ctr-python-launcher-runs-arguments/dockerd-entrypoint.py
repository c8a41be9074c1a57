"""Runs whatever the container is given (`train` on SageMaker, `bash` by hand), as the entry
scripts of SageMaker's TensorFlow images do."""
import os
import shlex
import subprocess
import sys

if not os.environ.get("QUIET"):
    print("starting:", " ".join(sys.argv[1:]), flush=True)

subprocess.check_call(shlex.split(" ".join(sys.argv[1:])))
