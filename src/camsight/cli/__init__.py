"""The ``camsight`` command line: one module per command group, registered here explicitly."""

from __future__ import annotations

import logging
import os
import sys

import typer

from camsight.cli import (
    alerts,
    analyze,
    audit_cmd,
    config_cmd,
    db_cmd,
    events,
    hub_cmd,
    live,
    models_cmd,
    queries,
    search,
    serve_cmd,
    users_cmd,
)
from camsight.cli.common import console_err, error_line
from camsight.cli.export_cmd import app as export_app
from camsight.cli.export_cmd import keys_command
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
app.command("search")(search.search_command)
app.add_typer(config_cmd.app, name="config")
app.add_typer(models_cmd.app, name="models")
app.command("run")(live.run_command)
app.command("status")(live.status_command)
app.command("clip")(live.clip_command)
app.add_typer(queries.app, name="queries")
app.add_typer(alerts.app, name="alerts")
app.add_typer(alerts.rules_app, name="rules")
app.add_typer(audit_cmd.app, name="audit")
app.add_typer(db_cmd.app, name="db")
app.add_typer(users_cmd.app, name="users")
app.command("serve")(serve_cmd.serve_command)
app.add_typer(hub_cmd.outbox_app, name="outbox")
app.command("hub")(hub_cmd.hub_command)
app.add_typer(export_app, name="export")
app.command("keys")(keys_command)


def main() -> None:
    """Entry point: expected errors print one line and exit 2, never a traceback; usage errors exit 2 too."""
    logging.basicConfig(
        level=os.environ.get("CAMSIGHT_LOG", "WARNING").upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        app()
    except CamsightError as exc:
        console_err.print(error_line(str(exc)), soft_wrap=True)  # one line, however long
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        console_err.print("interrupted; what was stored before is kept")
        sys.exit(130)
