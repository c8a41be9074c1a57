#!/bin/bash
set -e
source /venv/bin/activate
echo "GPUs: $(nvidia-smi -L 2>/dev/null | wc -l)"
cd /opt/program
python -u train.py "$@"
echo "training finished"
