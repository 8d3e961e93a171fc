"""``camsight alerts`` (list, feedback) and ``camsight rules`` (stats, suppress): taming false alarms."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from camsight.cli.common import (
    ConfigOption,
    DbOption,
    JsonOption,
    SinceOption,
    UtcOption,
    actor,
    console,
    load,
    parse_since,
    store_for,
    when,
)
from camsight.errors import CamsightError
from camsight.events.query import EventQuery
from camsight.services import events as event_service
from camsight.services import feedback as feedback_service
from camsight.services.feedback import SuppressionRow, Verdict

app = typer.Typer(help="Alerts: list them and tell camsight which were false.", no_args_is_help=True)
rules_app = typer.Typer(help="Rules: alert volume, precision and suppression suggestions.", no_args_is_help=True)


@app.command("list")
def list_command(
    kind: Annotated[str | None, typer.Option("--kind", help="Only this kind (crowd, standing_query, ...).")] = None,
    camera: Annotated[str | None, typer.Option("--camera", help="Only this camera.")] = None,
    since: SinceOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100000, help="At most this many, newest first.")] = 50,
    config: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    utc: UtcOption = False,
) -> None:
    """List alerts, newest first, with the feedback each got."""
    store = store_for(load(config), db)
    query = EventQuery(kind=kind, camera=camera, since=parse_since(since) if since else None, limit=limit)
    with store.engine.connect() as conn:
        rows = event_service.list_event_rows(conn, actor=actor(), query=query)
    if as_json:
        for r in rows:
            data = {**r.event.model_dump(mode="json"), "feedback": r.verdict, "note": r.note}
            console.file.write(json.dumps(data) + "\n")
        return
    table = Table(title=f"{len(rows)} alert(s)", title_justify="left")
    for col in ("id", "kind", "rule", "camera", "started", "zone", "tracks", "score", "status", "feedback"):
        table.add_column(col, overflow="fold")
    for r in rows:
        e = r.event
        table.add_row(
            e.id[:10],
            e.kind,
            e.rule,
            e.camera,
            when(e.started_at, utc=utc),
            e.zone or "-",
            ",".join(map(str, e.track_ids)) or "-",
            f"{e.score:.2f}",
            e.status,
            r.verdict or "-",
        )
    console.print(table)


@app.command("feedback")
def feedback_command(
    event_id: Annotated[str, typer.Argument(help="Alert id (or a unique start of it).", show_default=False)],
    false: Annotated[bool, typer.Option("--false", help="The alert was a false alarm.")] = False,
    confirmed: Annotated[bool, typer.Option("--confirmed", help="The alert was right.")] = False,
    note: Annotated[str | None, typer.Option("--note", help="Why, in a few words.")] = None,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Mark an alert confirmed or false; the latest verdict counts."""
    if false == confirmed:
        raise CamsightError("give exactly one of --false or --confirmed")
    verdict: Verdict = "false" if false else "confirmed"
    store = store_for(load(config), db)
    with store.engine.begin() as conn:
        full_id = feedback_service.give_verdict(
            conn, actor=actor(), ref=event_id, verdict=verdict, note=note, now=datetime.now(UTC)
        )
    console.print(f"alert {full_id[:10]} marked {verdict}")


def _print_suppressions(rows: list[SuppressionRow]) -> None:
    table = Table(title=f"{len(rows)} suppression region(s)", title_justify="left")
    for col in ("id", "rule", "camera", "zone", "class", "polygon", "enabled", "reason"):
        table.add_column(col, overflow="fold")
    for s in rows:
        r = s.region
        poly = " ".join(f"({x:.2f},{y:.2f})" for x, y in r.polygon)
        table.add_row(
            str(r.id),
            r.rule,
            r.camera,
            r.zone or "-",
            r.object_class or "any",
            poly,
            "yes" if r.enabled else "suggested",
            s.reason,
        )
    console.print(table)


@rules_app.command("stats")
def stats_command(
    per_day: Annotated[bool, typer.Option("--per-day", help="One row per rule and day (UTC).")] = False,
    since: SinceOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Alert volume and precision per rule and standing query; suggests suppression regions from false alerts.

    Three or more alerts of a rule and object class marked false at about the same place become a
    suggested region (stored disabled); enable one with 'camsight rules suppress ID'.
    """
    store = store_for(load(config), db)
    with store.engine.begin() as conn:
        report = feedback_service.rule_report(
            conn, actor=actor(), now=datetime.now(UTC), per_day=per_day, since=parse_since(since) if since else None
        )
    if as_json:
        for s in report.stats:
            row = {
                "rule": s.rule,
                "day": s.day.isoformat() if s.day else None,
                "alerts": s.alerts,
                "confirmed": s.confirmed,
                "false": s.false,
                "precision": s.precision,
            }
            console.file.write(json.dumps(row) + "\n")
        return
    table = Table(title="alerts per rule", title_justify="left")
    for col in ("rule", *(("day",) if per_day else ()), "alerts", "confirmed", "false", "precision"):
        table.add_column(col)
    for s in report.stats:
        day = (s.day.isoformat() if s.day else "-",) if per_day else ()
        precision = f"{s.precision:.2f}" if s.precision is not None else "-"
        table.add_row(s.rule, *day, str(s.alerts), str(s.confirmed), str(s.false), precision)
    console.print(table)
    _print_suppressions(report.regions)


@rules_app.command("suppress")
def suppress_command(
    suggestion_id: Annotated[int, typer.Argument(help="Suppression suggestion id (see 'rules stats').")],
    disable: Annotated[bool, typer.Option("--disable", help="Turn the region off again.")] = False,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Enable a suggested suppression region: alerts of its rule there are no longer raised."""
    store = store_for(load(config), db)
    with store.engine.begin() as conn:
        row = feedback_service.set_suppression(conn, actor=actor(), suppression_id=suggestion_id, enabled=not disable)
    _print_suppressions([row])
