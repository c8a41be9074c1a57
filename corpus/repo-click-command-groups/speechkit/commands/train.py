import click
import torch

from speechkit.cli import cli
from speechkit.model import build_model, make_loader


@cli.command()
@click.option("--epochs", default=20)
@click.option("--out", default="checkpoints/model.pt")
def train(epochs, out):
    model = build_model()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
    for epoch in range(epochs):
        for audio, text in make_loader("train"):
            loss = model(audio, text)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        torch.save(model.state_dict(), out)
