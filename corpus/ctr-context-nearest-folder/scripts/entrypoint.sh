#!/bin/bash
# The old image's entry script.
python /opt/program/train.py "$@"
