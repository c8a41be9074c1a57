import typer

from lorakit.commands.inspect import inspect
from lorakit.commands.train import train

app = typer.Typer(help="Fine-tune and inspect LoRA adapters.")
app.command()(train)
app.command("inspect")(inspect)
