#!/bin/sh
set -e
chown -R trainer /opt/ml/model 2>/dev/null || true
exec gosu trainer python /home/trainer/train.py "$@"
