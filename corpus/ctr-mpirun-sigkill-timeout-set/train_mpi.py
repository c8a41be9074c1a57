"""Data-parallel SGD over MPI (mpi4py): gradients are averaged with Allreduce; rank 0 saves a
checkpoint when SIGTERM arrives, and every rank stops."""

import os
import signal

import torch
from mpi4py import MPI

comm = MPI.COMM_WORLD
CHECKPOINT = os.path.join(os.environ.get("SM_MODEL_DIR", "/opt/ml/model"), "checkpoint.pt")
stopping = False


def on_sigterm(signum, frame):
    global stopping
    stopping = True


def average_gradients(model):
    for param in model.parameters():
        grad = param.grad.numpy()
        comm.Allreduce(MPI.IN_PLACE, grad, op=MPI.SUM)
        grad /= comm.Get_size()


def main():
    signal.signal(signal.SIGTERM, on_sigterm)
    model = torch.nn.Linear(16, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    for step in range(50_000):
        x = torch.randn(32, 16)
        loss = (model(x) - x.sum(dim=1, keepdim=True)).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        average_gradients(model)
        optimizer.step()
        if stopping:
            if comm.Get_rank() == 0:
                torch.save({"step": step, "model": model.state_dict()}, CHECKPOINT)
            break


if __name__ == "__main__":
    main()
