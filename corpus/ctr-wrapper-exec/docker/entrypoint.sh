#!/bin/bash
set -euo pipefail
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-4}"
if [[ -f /opt/ml/input/config/hyperparameters.json ]]; then
  echo "hyperparameters: $(cat /opt/ml/input/config/hyperparameters.json)"
fi
cd /opt/program
exec python -u train.py "$@"
