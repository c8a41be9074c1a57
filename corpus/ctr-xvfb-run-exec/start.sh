#!/bin/bash
# The environment renders frames, so the trainer needs an X display.
set -euo pipefail
if [ "${1:-train}" == "train" ]; then
    exec xvfb-run --auto-servernum -s "-screen 0 1400x900x24" python /opt/program/train.py
fi
exec "$@"
