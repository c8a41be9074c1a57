from speechkit.cli import cli
from speechkit.commands import prepare, serve, train  # noqa: F401  (registers the subcommands)

if __name__ == "__main__":
    cli()
