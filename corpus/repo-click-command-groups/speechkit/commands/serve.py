import signal
import sys

import click

from speechkit.cli import cli
from speechkit.server import Server


@cli.command()
@click.option("--port", default=8000)
def serve(port):
    server = Server(port)

    def drain(signum, frame):
        server.close()
        sys.exit(0)

    signal.signal(signal.SIGTERM, drain)
    server.run_forever()
