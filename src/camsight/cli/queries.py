"""``camsight queries``: manage standing queries (saved searches that raise live alerts), kept in the database.

Their notification URLs hold passwords and tokens: every command shows how many there are, never the URLs.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from camsight.cli.common import ConfigOption, DbOption, JsonOption, UtcOption, actor, console, load, store_for, when
from camsight.services import queries as query_service
from camsight.services.queries import StandingQueryRow

app = typer.Typer(help="Standing queries: saved searches matched against every new track.", no_args_is_help=True)

RefArg = Annotated[str, typer.Argument(help="Standing query id or name.", show_default=False)]


def _print_rows(rows: list[StandingQueryRow], *, as_json: bool) -> None:
    if as_json:
        for r in rows:
            shown = {"id": r.id, "version": r.version, **r.snapshot(), "notify_urls": len(r.notify)}
            console.file.write(json.dumps(shown) + "\n")
        return
    table = Table(title=f"{len(rows)} standing quer{'y' if len(rows) == 1 else 'ies'}", title_justify="left")
    longest = max((len(r.text) for r in rows), default=0)
    for col in ("id", "name", "text", "cameras", "zones", "schedule", "min score", "enabled", "notify", "version"):
        # the text as typed, on one line up to 90 characters (folded, never cut, beyond)
        table.add_column(col, overflow="fold", min_width=min(longest, 90) if col == "text" else None)
    for r in rows:
        schedule = f"{r.schedule['start']}-{r.schedule['end']}" if r.schedule else "always"
        table.add_row(
            str(r.id),
            r.name,
            r.text,
            ",".join(r.cameras) or "all",
            ",".join(r.zones) or "any",
            schedule,
            f"{r.min_score:.2f}",
            "yes" if r.enabled else "no",
            f"{len(r.notify)} URL{'' if len(r.notify) == 1 else 's'}" if r.notify else "-",
            str(r.version),
        )
    console.print(table)


@app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(help="A short unique name.", show_default=False)],
    text: Annotated[str, typer.Argument(help="What to look for, in plain English.", show_default=False)],
    camera: Annotated[list[str] | None, typer.Option("--camera", help="Only this camera (repeatable).")] = None,
    zone: Annotated[
        list[str] | None, typer.Option("--zone", help="Only tracks that entered this zone (repeatable).")
    ] = None,
    min_score: Annotated[float, typer.Option("--min-score", min=0.0, max=1.0, help="Match score needed.")] = 0.5,
    schedule: Annotated[
        str | None, typer.Option("--schedule", help="Daily window, local time, e.g. 22:00-06:00.")
    ] = None,
    notify: Annotated[
        list[str] | None,
        typer.Option(
            "--notify",
            help="Apprise URL each alert is sent to, with its snapshot (repeatable; e.g. ntfy://ntfy.sh/TOPIC). "
            "Stored, never printed back.",
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Save a standing query; every new track that matches it raises an alert."""
    cfg = load(config)
    store = store_for(cfg, db)
    with store.engine.begin() as conn:
        row, query = query_service.add(
            conn,
            actor=actor(),
            name=name,
            text=text,
            now=datetime.now(UTC),
            cameras=camera or [],
            zones=zone or [],
            min_score=min_score,
            schedule=schedule,
            known_cameras=[c.id for c in cfg.cameras],
            known_zones=[z.name for c in cfg.cameras for z in c.zones],
            notify=notify or [],
        )
    _print_rows([row], as_json=as_json)
    if not as_json:
        console.print(f"matches: {query.describe()}")


@app.command("list")
def list_command(config: ConfigOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the standing queries."""
    store = store_for(load(config), db)
    with store.engine.connect() as conn:
        rows = query_service.list_all(conn, actor=actor())
    _print_rows(rows, as_json=as_json)


@app.command("show")
def show_command(ref: RefArg, config: ConfigOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show one standing query and how its text was understood."""
    store = store_for(load(config), db)
    with store.engine.connect() as conn:
        row = query_service.get(conn, actor=actor(), ref=ref)
    _print_rows([row], as_json=as_json)
    if not as_json:
        console.print(f"matches: {query_service.parsed(row).describe()}")


def _set_enabled(ref: str, enabled: bool, config: ConfigOption, db: DbOption) -> None:
    store = store_for(load(config), db)
    with store.engine.begin() as conn:
        row = query_service.set_enabled(conn, actor=actor(), ref=ref, enabled=enabled, now=datetime.now(UTC))
    console.print(f"standing query {row.id} ({row.name}) {'enabled' if enabled else 'disabled'}, version {row.version}")


@app.command("disable")
def disable_command(ref: RefArg, config: ConfigOption = None, db: DbOption = None) -> None:
    """Stop a standing query from raising alerts (kept, with its history)."""
    _set_enabled(ref, False, config, db)


@app.command("enable")
def enable_command(ref: RefArg, config: ConfigOption = None, db: DbOption = None) -> None:
    """Let a disabled standing query raise alerts again."""
    _set_enabled(ref, True, config, db)


@app.command("history")
def history_command(
    ref: RefArg, config: ConfigOption = None, db: DbOption = None, as_json: JsonOption = False, utc: UtcOption = False
) -> None:
    """Every version of a standing query, oldest first."""
    store = store_for(load(config), db)
    with store.engine.connect() as conn:
        versions = query_service.history(conn, actor=actor(), ref=ref)
    if as_json:
        for v in versions:
            row = {"version": v.version, "changed_at": v.changed_at.isoformat(), **v.snapshot}
            console.file.write(json.dumps(row) + "\n")
        return
    table = Table(title=f"{len(versions)} version(s)", title_justify="left")
    for col in ("version", "changed at", "text", "min score", "enabled"):
        table.add_column(col, overflow="fold")
    for v in versions:
        table.add_row(
            str(v.version), when(v.changed_at, utc=utc), v.text, f"{v.min_score:.2f}", "yes" if v.enabled else "no"
        )
    console.print(table)
