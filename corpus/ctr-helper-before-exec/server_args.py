"""Prints one server flag per line from the SM_VLLM_* environment variables."""
import os

PREFIX = "SM_VLLM_"

for name, value in sorted(os.environ.items()):
    if name.startswith(PREFIX):
        print("--" + name[len(PREFIX):].lower().replace("_", "-"))
        print(value)
