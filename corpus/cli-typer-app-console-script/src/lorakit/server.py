import typer

app = typer.Typer(help="Serve an adapter.")


@app.command()
def serve(adapter: str, port: int = 8080):
    typer.echo(f"serving {adapter} on {port}")
