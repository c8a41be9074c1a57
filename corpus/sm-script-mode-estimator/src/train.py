import argparse
import os
import signal
import sys

import torch

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--lr", type=float, default=1e-3)
args, _ = parser.parse_known_args()

model_dir = os.environ.get("SM_MODEL_DIR", "/opt/ml/model")
model = torch.nn.Linear(128, 2)
optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)


def save_and_exit(signum, frame):
    # Written for spot interruptions; the toolkit never passes SIGTERM on to this process.
    torch.save(model.state_dict(), os.path.join(model_dir, "model.pt"))
    sys.exit(0)


signal.signal(signal.SIGTERM, save_and_exit)

for epoch in range(args.epochs):
    for step in range(1000):
        loss = model(torch.randn(32, 128)).logsumexp(dim=1).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

torch.save(model.state_dict(), os.path.join(model_dir, "model.pt"))
