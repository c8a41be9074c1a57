#!/bin/bash
python /workspace/train.py "$@" > /tmp/train.log 2>&1 &
tail -F /tmp/train.log &
wait $!
