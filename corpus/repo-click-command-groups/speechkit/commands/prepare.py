import click

from speechkit.cli import data


@data.command()
@click.argument("folder")
def index(folder):
    import os
    for name in sorted(os.listdir(folder)):
        print(name)
