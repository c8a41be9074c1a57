"""A micro-benchmark of the fused optimizer step, run by hand inside the development image."""
import time

import torch


def main():
    model = torch.nn.Linear(1024, 1024)
    optimizer = torch.optim.AdamW(model.parameters())
    started = time.perf_counter()
    for _ in range(100):
        optimizer.zero_grad()
        model(torch.randn(64, 1024)).sum().backward()
        optimizer.step()
    print(f"{(time.perf_counter() - started) / 100 * 1e3:.2f} ms per step")


if __name__ == "__main__":
    main()
