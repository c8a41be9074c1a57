#!/bin/bash
# SageMaker runs `docker run IMAGE train`: this script is `train` on the PATH.
set -euo pipefail
echo "starting training on $(hostname)"
python /opt/program/train.py "$@"
