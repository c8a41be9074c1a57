#!/bin/bash
set -euo pipefail
echo "starting fine-tuning on $(hostname)"
finetune-train --epochs "${EPOCHS:-10}" --out /opt/ml/model
echo "done"
