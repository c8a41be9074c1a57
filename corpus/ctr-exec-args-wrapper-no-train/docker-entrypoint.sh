#!/bin/sh
set -e
if [ -n "$WANDB_API_KEY_FILE" ]; then
  export WANDB_API_KEY="$(cat "$WANDB_API_KEY_FILE")"
fi
exec "$@"
