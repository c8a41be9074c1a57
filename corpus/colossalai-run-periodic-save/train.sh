#!/bin/bash
NUM_GPU=8
colossalai run --nproc_per_node $NUM_GPU --hostfile hostfile \
    train.py \
    --num_epoch 1 \
    --save_interval 500 \
    --output_path ./outputs
