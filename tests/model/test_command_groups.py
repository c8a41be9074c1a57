"""Command-line groups: a click group's subcommands, a Typer app's commands, `fire.Fire({...})`:
calling the runner runs one command, and each command's run is judged on its own."""

from __future__ import annotations

from sigcheck.model.runs import command_runs


def calls(analysis, caller: str) -> set[str]:
    return {callee for _, callee, kind in analysis.graph.graph.out_edges(caller, keys=True) if kind == "call"}


def choices(analysis) -> list[set[str]]:
    return sorted((set(c) for site in analysis.graph.choice_sites for c in analysis.graph.choices(*site)), key=sorted)


CLICK = """
    import click

    @click.group()
    def cli():
        pass

    @cli.command()
    @click.option("--epochs", default=3)
    def train(epochs):
        for batch in loader:
            model(batch).backward()
            optimizer.step()

    @cli.command(name="eval")
    def evaluate():
        for batch in loader:
            model(batch)

    def helper():
        pass

    if __name__ == "__main__":
        cli()
"""


def test_calling_a_click_group_runs_one_of_its_subcommands(analysis):
    a = analysis({"train.py": CLICK})
    assert calls(a, "train:<module>") == {"train:cli", "train:train", "train:evaluate"}
    assert choices(a) == [{"train:evaluate"}, {"train:train"}]
    work = a.work.first_work("train:<module>")
    assert work is not None and work.func_id == "train:train"


def test_subcommands_of_a_nested_group_and_of_add_command_in_other_modules(analysis):
    """`cli model fit` runs the group `model`, then `fit`; `cli.add_command(f)` registers f."""
    a = analysis({
        "train.py": "from tools.cli import cli\nimport tools.fit\nimport tools.export\n\nif __name__ == '__main__':\n    cli()\n",
        "tools/__init__.py": "",
        "tools/cli.py": "import click\n\n@click.group()\ndef cli():\n    pass\n\n@cli.group()\ndef model():\n    pass\n",
        "tools/fit.py": "from tools.cli import model\n\n@model.command()\ndef fit():\n    pass\n",
        "tools/export.py": "import click\nfrom tools.cli import cli\n\n@click.command()\ndef export():\n    pass\n\n"
                           "cli.add_command(export)\n",
    })
    assert {"tools.fit:fit", "tools.cli:model", "tools.export:export"} <= calls(a, "train:<module>")
    assert choices(a) == [{"tools.cli:model", "tools.fit:fit"}, {"tools.export:export"}]


def test_a_function_decorated_with_another_objects_command_method_is_no_subcommand(analysis):
    """Only a function a group-making decorator made is a group: a web app's routes, or a
    method named `command` of something else, register nothing that `main()` runs."""
    a = analysis({"train.py": """
        import click
        from flask import Flask

        app = Flask(__name__)

        @click.command()
        def main():
            pass

        @app.route("/")
        def index():
            pass

        @main.command()
        def not_a_subcommand():
            pass

        main()
    """})
    assert calls(a, "train:<module>") == {"train:main"}
    assert choices(a) == []


def test_one_command_is_no_choice(analysis):
    a = analysis({"train.py": """
        import click

        @click.group()
        def cli():
            pass

        @cli.command()
        def train():
            pass

        cli()
    """})
    assert calls(a, "train:<module>") == {"train:cli", "train:train"}
    assert choices(a) == []


def test_a_typer_apps_callback_runs_before_every_command(analysis):
    a = analysis({"train.py": """
        import typer

        app = typer.Typer()

        @app.callback()
        def setup():
            pass

        @app.command()
        def train():
            pass

        @app.command()
        def serve():
            pass

        app()
    """})
    assert choices(a) == [{"train:serve", "train:setup"}, {"train:setup", "train:train"}]


def test_a_typer_app_called_where_it_is_imported_runs_the_commands_registered_where_it_is_made(analysis):
    """unsloth: the console script's program imports the app and calls it; its commands are
    registered by hand (`app.command()(train)`) in the module that makes it. Another module's app,
    also named `app`, keeps its own commands."""
    a = analysis({
        "cli/__init__.py": """
            import typer
            from cli.train import train
            from cli.export import export

            app = typer.Typer()
            app.command()(train)
            app.command("export")(export)
        """,
        "cli/train.py": "def train(steps: int = 10):\n    pass\n",
        "cli/export.py": "def export(path: str):\n    pass\n",
        "other.py": """
            import typer

            app = typer.Typer()

            @app.command()
            def serve():
                pass
        """,
        "run.py": "from cli import app\n\napp()\n",
    }, ("run.py",))
    assert choices(a) == [{"cli.export:export"}, {"cli.train:train"}]


def test_a_command_registered_by_hand_is_named_as_registered_not_as_its_wrapper(analysis):
    """unsloth decorates its commands with `add_options_from_config`: the function the app runs is
    the decorator's wrapper, and the finding said "in command add_options_from_config.decorator.wrapper"."""
    a = analysis({"train.py": """
        import typer

        def with_config(f):
            def wrapper(*args, **kwargs):
                return f(*args, **kwargs)
            return wrapper

        @with_config
        def fine_tune(steps: int = 10):
            pass

        app = typer.Typer()
        app.command()(fine_tune)
        app()
    """})
    wrapper = "train:with_config.<locals>.wrapper"
    assert {wrapper} in choices(a)
    assert a.graph.command_name(wrapper) == "fine-tune"


def test_each_command_run_leaves_out_the_other_commands(analysis):
    a = analysis({"train.py": """
        import fire

        def shared():
            pass

        def pretrain():
            shared()

        def finetune():
            shared()
            pretrain()

        if __name__ == "__main__":
            fire.Fire({"pretrain": pretrain, "finetune": finetune})
    """})
    runs = {tuple(run.command): run for run in command_runs(a.entry_for("train").main)}
    assert set(runs) == {("train:pretrain",), ("train:finetune",)}
    assert "train:finetune" not in runs[("train:pretrain",)]
    assert "train:shared" in runs[("train:pretrain",)]
    assert "train:pretrain" in runs[("train:finetune",)]  # finetune calls it itself: not a choice then
