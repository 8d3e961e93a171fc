"""The ``camsight`` command line: one module per command group, registered here explicitly."""

from __future__ import annotations

import logging
import os
import sys

import typer

from camsight.cli import analyze, config_cmd, events, models_cmd
from camsight.cli.common import console_err
from camsight.errors import CamsightError

app = typer.Typer(
    name="camsight",
    help="Video analytics for the cameras you already have: detect, track, alert and search — on this box.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("analyze")(analyze.analyze_command)
app.command("demo")(analyze.demo_command)
app.command("events")(events.events_command)
app.add_typer(config_cmd.app, name="config")
app.command("models")(models_cmd.models_command)


def main() -> None:
    """Entry point: run the app; expected errors print one line and exit 2, never a traceback."""
    logging.basicConfig(level=os.environ.get("CAMSIGHT_LOG", "WARNING").upper(), format="%(levelname)s %(name)s: %(message)s")
    try:
        app(standalone_mode=False)
    except CamsightError as exc:
        console_err.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(exc.exit_code)
    except typer.Abort:
        console_err.print("aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        console_err.print("interrupted; what was found so far is stored")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # click usage errors carry their own exit code
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(2)
        raise
