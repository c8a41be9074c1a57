import signal
import sys

import torch

from graphs import Citation

dataset = Citation("data")
model = torch.nn.Linear(dataset.features.shape[1], 7)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)


def save_and_exit(signum, frame):
    torch.save(model.state_dict(), "model.pt")
    sys.exit(0)


signal.signal(signal.SIGTERM, save_and_exit)
for epoch in range(200):
    optimizer.zero_grad()
    model(dataset.features).sum().backward()
    optimizer.step()
torch.save(model.state_dict(), "model.pt")
