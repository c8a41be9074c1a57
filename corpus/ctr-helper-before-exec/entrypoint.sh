#!/bin/bash
set -euo pipefail
ARGS_FILE=$(mktemp)
if ! python3 /usr/local/bin/server_args.py > "${ARGS_FILE}"; then
    echo "cannot build server arguments from SM_VLLM_* variables" >&2
    exit 1
fi
mapfile -t ARGS < "${ARGS_FILE}"
rm -f "${ARGS_FILE}"
exec standard-supervisor python3 -m vllm.entrypoints.openai.api_server "${ARGS[@]}"
