"""Speed and memory of model layers: forward and backward passes, timed."""

import time

import torch


def profile(inputs, ops, runs=10, device="cuda"):
    """Time each op's forward and backward pass on each input; the gradients are dropped."""
    results = []
    for x in inputs:
        x = x.to(device)
        x.requires_grad = True
        for op in ops:
            op = op.to(device)
            forward = backward = 0.0
            for _ in range(runs):
                start = time.perf_counter()
                y = op(x)
                middle = time.perf_counter()
                y.sum().backward()
                forward += (middle - start) * 1000 / runs
                backward += (time.perf_counter() - middle) * 1000 / runs
            memory = torch.cuda.memory_reserved() / 1e9 if torch.cuda.is_available() else 0.0
            results.append((forward, backward, memory))
    return results


def largest_batch(model, image_size, budget=0.9):
    """The largest batch size whose forward and backward pass fits in `budget` of GPU memory."""
    sizes = [1, 2, 4, 8, 16, 32, 64]
    found = profile([torch.empty(b, 3, image_size, image_size) for b in sizes], [model], runs=3)
    total = torch.cuda.get_device_properties(0).total_memory / 1e9
    fitting = [b for b, (_, _, memory) in zip(sizes, found) if memory < budget * total]
    return fitting[-1] if fitting else 1
