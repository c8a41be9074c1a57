#!/usr/bin/env bash
set -euo pipefail
if [[ "${1:-}" = "train" ]]; then
    shift
fi
nvidia-smi || true
exec python /opt/program/train.py "$@"
