#!/bin/bash
# Fine-tune on the 8 GPUs of one node.
OUTPUT=${1:-./output}
mkdir -p "$OUTPUT"

deepspeed --num_gpus 8 main.py \
   --model_name_or_path facebook/opt-1.3b \
   --output_dir "$OUTPUT" \
   --deepspeed --deepspeed_config ds_config.json \
   &> "$OUTPUT/training.log"
