import click

from tunekit.recipes import run_recipe


@click.group()
def cli():
    """tunekit: fine-tune a model from a YAML recipe."""


@cli.command()
@click.argument("config")
@click.option("--output-dir", default="runs/latest")
def train(config, output_dir):
    run_recipe(config, output_dir)


@cli.command()
def version():
    click.echo("tunekit 0.3.0")
