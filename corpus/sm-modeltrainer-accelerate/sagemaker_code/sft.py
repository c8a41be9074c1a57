"""Supervised fine-tuning, with a save on SIGTERM written for spot interruptions."""

import argparse
import os
import signal
import sys

import torch
from accelerate import Accelerator

parser = argparse.ArgumentParser()
parser.add_argument("--config", required=True)
args = parser.parse_args()

checkpoint_dir = os.environ.get("SM_CHECKPOINT_DIR", "/opt/ml/checkpoints")
accelerator = Accelerator()
model = torch.nn.Linear(512, 512)
optimizer = torch.optim.AdamW(model.parameters(), lr=2e-5)
model, optimizer = accelerator.prepare(model, optimizer)


def save_on_term(signum, frame):
    accelerator.save_state(checkpoint_dir)
    sys.exit(0)


signal.signal(signal.SIGTERM, save_on_term)

for step in range(20_000):
    loss = model(torch.randn(16, 512, device=accelerator.device)).pow(2).mean()
    accelerator.backward(loss)
    optimizer.step()
    optimizer.zero_grad()

accelerator.save_state(checkpoint_dir)
