#!/bin/bash
# one node, every GPU: the README's launch of the time
exec python -m torch.distributed.launch --nproc_per_node=8 /opt/program/train.py "$@"
