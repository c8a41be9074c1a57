#!/bin/bash
set -u

forward() {
  echo "stopping trainer $child" >&2
  kill -TERM "$child" 2>/dev/null
  wait "$child"
}

python -u /opt/program/train.py "$@" &
child=$!
trap forward TERM INT
wait "$child"
status=$?
aws s3 cp /tmp/train.log "s3://${LOG_BUCKET:-logs}/train.log" || true
exit "$status"
