"""Pre-trains a small GPT with Lightning Fabric on all local GPUs; checkpoints every 1,000 steps."""

import os

import lightning as L
import torch

from model import GPT, batches

OUT_DIR = os.environ.get("SM_CHECKPOINT_DIR", "checkpoints")


def train(fabric: L.Fabric, max_steps: int) -> None:
    model = GPT(n_layer=12, n_embd=768)
    optimizer = torch.optim.AdamW(model.parameters(), lr=6e-4)
    model, optimizer = fabric.setup(model, optimizer)
    state = {"model": model, "optimizer": optimizer, "step": 0}
    for step, (inputs, targets) in enumerate(batches(fabric), start=1):
        loss = torch.nn.functional.cross_entropy(model(inputs).flatten(0, 1), targets.flatten())
        fabric.backward(loss)
        optimizer.step()
        optimizer.zero_grad()
        state["step"] = step
        if step % 1000 == 0:
            fabric.save(os.path.join(OUT_DIR, f"step-{step:07d}.ckpt"), state)
        if step >= max_steps:
            break


if __name__ == "__main__":
    fabric = L.Fabric(accelerator="cuda", devices="auto", strategy="ddp", precision="bf16-mixed")
    fabric.launch(train, 100_000)
