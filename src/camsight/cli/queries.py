"""``camsight queries``: manage standing queries (saved searches that raise live alerts), kept in the database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import sqlalchemy as sa
import typer
from rich.table import Table

from camsight.cli.common import ConfigOption, DbOption, JsonOption, console, load, open_store
from camsight.config.models import Config
from camsight.errors import CamsightError
from camsight.search.parser import parse
from camsight.search.standing import Schedule
from camsight.store import audit
from camsight.store.alerts_repo import (
    StandingQueryRow,
    add_standing_query,
    ensure_tables,
    get_standing_query,
    list_standing_queries,
    query_history,
    update_standing_query,
)

app = typer.Typer(help="Standing queries: saved searches matched against every new track.", no_args_is_help=True)

RefArg = Annotated[str, typer.Argument(help="Standing query id or name.", show_default=False)]


def _store(config: Config, db: str | None) -> sa.Engine:
    engine, _ = open_store(config, db)
    with engine.begin() as conn:
        ensure_tables(conn)
    return engine


def _get(conn: sa.Connection, ref: str) -> StandingQueryRow:
    row = get_standing_query(conn, ref=ref)
    if row is None:
        raise CamsightError(f"no standing query {ref!r}; see 'camsight queries list'")
    return row


def _print_rows(rows: list[StandingQueryRow], *, as_json: bool) -> None:
    if as_json:
        for r in rows:
            console.file.write(json.dumps({"id": r.id, "version": r.version, **r.snapshot()}) + "\n")
        return
    table = Table(title=f"{len(rows)} standing quer{'y' if len(rows) == 1 else 'ies'}", title_justify="left")
    for col in ("id", "name", "text", "cameras", "zones", "schedule", "min score", "enabled", "version"):
        table.add_column(col, overflow="fold")
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
    config: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Save a standing query; every new track that matches it raises an alert."""
    cfg = load(config)
    zones = [z.name for c in cfg.cameras for z in c.zones]
    query = parse(text, cameras=[c.id for c in cfg.cameras], zones=zones)
    window = Schedule.parse(schedule).as_json() if schedule else None
    with _store(cfg, db).begin() as conn:
        row = add_standing_query(
            conn,
            name=name,
            text=text,
            query=query.model_dump(mode="json"),
            cameras=camera or [],
            zones=zone or [],
            schedule=window,
            min_score=min_score,
            now=datetime.now(UTC),
        )
        audit.record(
            conn,
            action="standing_query.add",
            detail={"id": row.id, "name": name, "text": text, "cameras": camera or [], "zones": zone or []},
        )
    _print_rows([row], as_json=as_json)
    if not as_json:
        console.print(f"matches: {query.describe()}")


@app.command("list")
def list_command(config: ConfigOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the standing queries."""
    with _store(load(config), db).begin() as conn:
        rows = list_standing_queries(conn)
    _print_rows(rows, as_json=as_json)


@app.command("show")
def show_command(ref: RefArg, config: ConfigOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show one standing query and how its text was understood."""
    with _store(load(config), db).begin() as conn:
        row = _get(conn, ref)
    _print_rows([row], as_json=as_json)
    if not as_json:
        from camsight.search.query import Query

        console.print(f"matches: {Query.model_validate(row.query).describe()}")


def _set_enabled(ref: str, enabled: bool, config: ConfigOption, db: DbOption) -> None:
    with _store(load(config), db).begin() as conn:
        row = update_standing_query(conn, query_id=_get(conn, ref).id, now=datetime.now(UTC), enabled=enabled)
        audit.record(
            conn,
            action="standing_query.enable" if enabled else "standing_query.disable",
            detail={"id": row.id, "name": row.name, "version": row.version},
        )
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
def history_command(ref: RefArg, config: ConfigOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every version of a standing query, oldest first."""
    with _store(load(config), db).begin() as conn:
        versions = query_history(conn, query_id=_get(conn, ref).id)
    if as_json:
        for v in versions:
            console.file.write(
                json.dumps({"version": v.version, "changed_at": v.changed_at.isoformat(), **v.snapshot}) + "\n"
            )
        return
    table = Table(title=f"{len(versions)} version(s)", title_justify="left")
    for col in ("version", "changed at (UTC)", "text", "min score", "enabled"):
        table.add_column(col, overflow="fold")
    for v in versions:
        table.add_row(
            str(v.version),
            v.changed_at.strftime("%Y-%m-%d %H:%M:%S"),
            v.text,
            f"{v.min_score:.2f}",
            "yes" if v.enabled else "no",
        )
    console.print(table)
