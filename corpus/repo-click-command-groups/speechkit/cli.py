"""The `speechkit` command: one click group, its subcommands registered from their own modules."""
import logging

import click


@click.group()
@click.option("--verbose", is_flag=True)
def cli(verbose):
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO)


@cli.group()
def data():
    """Dataset preparation."""
