#!/bin/bash
set -euo pipefail

readonly SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TRAINING_SCRIPT="${SCRIPT_DIR}/sft.py"
NUM_GPUS=$(nvidia-smi --list-gpus | wc -l)

echo "Training on ${NUM_GPUS} GPUs"
accelerate launch \
    --num_processes "${NUM_GPUS}" \
    --mixed_precision bf16 \
    "${TRAINING_SCRIPT}" "$@"
