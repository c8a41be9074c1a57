from pathlib import Path

import torch
import typer


def inspect(adapter: Path):
    """Print the shapes an adapter holds."""
    for name, tensor in torch.load(adapter).items():
        typer.echo(f"{name}: {tuple(tensor.shape)}")
