"""Resumable GPT-style language model pretraining on SageMaker with managed spot training."""
import argparse
import os
import signal
import sys
import traceback

import torch
from torch.utils.data import DataLoader

from ckpt import latest_checkpoint, save_checkpoint
from export import archive_for_debugging, export_model, write_failure
from model import TinyGPT, TokenDataset

MODEL_DIR = os.environ.get("SM_MODEL_DIR", "/opt/ml/model")
OUTPUT_DIR = os.environ.get("SM_OUTPUT_DIR", "/opt/ml/output")
CHECKPOINT_DIR = os.environ.get("CHECKPOINT_PATH", "/opt/ml/checkpoints")
TRAIN_DIR = os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train")


class Preempted(Exception):
    pass


def on_sigterm(signum, frame):
    raise Preempted()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-steps", type=int, default=100_000)
    parser.add_argument("--ckpt-every", type=int, default=1_000)
    args, _ = parser.parse_known_args()

    model = TinyGPT().cuda()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
    step = 0
    state = latest_checkpoint(CHECKPOINT_DIR)
    if state:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optim"])
        step = state["step"]

    loader = DataLoader(TokenDataset(TRAIN_DIR), batch_size=16, shuffle=True)
    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        while step < args.max_steps:
            for batch in loader:
                loss = model(batch.cuda()).loss
                loss.backward()
                optimizer.step()
                optimizer.zero_grad()
                step += 1
                if step % args.ckpt_every == 0:
                    save_checkpoint({"model": model.state_dict(), "optim": optimizer.state_dict(),
                                     "step": step}, CHECKPOINT_DIR, step)
    except Preempted:
        save_checkpoint({"model": model.state_dict(), "optim": optimizer.state_dict(), "step": step},
                        CHECKPOINT_DIR, step)
        sys.exit(0)
    except Exception:
        write_failure(OUTPUT_DIR, traceback.format_exc())
        raise

    export_model(model, MODEL_DIR)
    archive_for_debugging(MODEL_DIR)


if __name__ == "__main__":
    main()
