"""``camsight alerts`` (list, feedback) and ``camsight rules`` (stats, suppress): taming false alarms."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import sqlalchemy as sa
import typer
from rich.table import Table

from camsight.cli.common import ConfigOption, DbOption, JsonOption, console, load, open_store
from camsight.cli.events import parse_since
from camsight.config.models import Config
from camsight.errors import CamsightError
from camsight.store import audit
from camsight.store import repository as repo
from camsight.store.alert_stats import alert_stats, suggest_suppressions
from camsight.store.alerts_repo import (
    SuppressionRow,
    Verdict,
    ensure_tables,
    find_event_ids,
    get_feedback,
    list_suppressions,
    set_feedback,
    set_suppression_enabled,
)

app = typer.Typer(help="Alerts: list them and tell camsight which were false.", no_args_is_help=True)
rules_app = typer.Typer(help="Rules: alert volume, precision and suppression suggestions.", no_args_is_help=True)


def _store(config: Config, db: str | None) -> sa.Engine:
    engine, _ = open_store(config, db)
    with engine.begin() as conn:
        ensure_tables(conn)
    return engine


@app.command("list")
def list_command(
    kind: Annotated[str | None, typer.Option("--kind", help="Only this kind (crowd, standing_query, ...).")] = None,
    camera: Annotated[str | None, typer.Option("--camera", help="Only this camera.")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only alerts from then on: 30m, 2h, 7d or ISO time.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100000, help="At most this many, newest first.")] = 50,
    config: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List alerts, newest first, with the feedback each got."""
    bound = parse_since(since) if since else None
    with _store(load(config), db).begin() as conn:
        events = repo.list_events(conn, kind=kind, camera=camera, since=bound, limit=limit)
        verdicts = {e.id: get_feedback(conn, event_id=e.id) for e in events}
    if as_json:
        for e in events:
            fb = verdicts[e.id]
            row = {**e.model_dump(mode="json"), "feedback": fb[0] if fb else None, "note": fb[1] if fb else None}
            console.file.write(json.dumps(row) + "\n")
        return
    table = Table(title=f"{len(events)} alert(s)", title_justify="left")
    for col in ("id", "kind", "rule", "camera", "started (UTC)", "zone", "tracks", "score", "status", "feedback"):
        table.add_column(col, overflow="fold")
    for e in events:
        fb = verdicts[e.id]
        table.add_row(
            e.id[:10],
            e.kind,
            e.rule,
            e.camera,
            e.started_at.strftime("%Y-%m-%d %H:%M:%S"),
            e.zone or "-",
            ",".join(map(str, e.track_ids)) or "-",
            f"{e.score:.2f}",
            e.status,
            fb[0] if fb else "-",
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
    with _store(load(config), db).begin() as conn:
        found = find_event_ids(conn, prefix=event_id)
        if len(found) != 1:
            what = "no alert" if not found else "more than one alert"
            raise CamsightError(f"{what} with id {event_id!r}; see 'camsight alerts list' for ids")
        set_feedback(conn, event_id=found[0], verdict=verdict, note=note, now=datetime.now(UTC))
        audit.record(conn, action="alert.feedback", detail={"event_id": found[0], "verdict": verdict, "note": note})
    console.print(f"alert {found[0][:10]} marked {verdict}")


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
    since: Annotated[
        str | None, typer.Option("--since", help="Only alerts from then on: 30m, 2h, 7d or ISO time.")
    ] = None,
    config: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Alert volume and precision per rule and standing query; suggests suppression regions from false alerts.

    Three or more alerts of a rule and object class marked false at about the same place become a
    suggested region (stored disabled); enable one with 'camsight rules suppress ID'.
    """
    bound = parse_since(since) if since else None
    with _store(load(config), db).begin() as conn:
        stats = alert_stats(conn, per_day=per_day, since=bound)
        suggest_suppressions(conn, now=datetime.now(UTC))
        regions = list_suppressions(conn)
    if as_json:
        for s in stats:
            console.file.write(
                json.dumps(
                    {
                        "rule": s.rule,
                        "day": s.day.isoformat() if s.day else None,
                        "alerts": s.alerts,
                        "confirmed": s.confirmed,
                        "false": s.false,
                        "precision": s.precision,
                    }
                )
                + "\n"
            )
        return
    table = Table(title="alerts per rule", title_justify="left")
    for col in ("rule", *(("day",) if per_day else ()), "alerts", "confirmed", "false", "precision"):
        table.add_column(col)
    for s in stats:
        day = (s.day.isoformat() if s.day else "-",) if per_day else ()
        precision = f"{s.precision:.2f}" if s.precision is not None else "-"
        table.add_row(s.rule, *day, str(s.alerts), str(s.confirmed), str(s.false), precision)
    console.print(table)
    _print_suppressions(regions)


@rules_app.command("suppress")
def suppress_command(
    suggestion_id: Annotated[int, typer.Argument(help="Suppression suggestion id (see 'rules stats').")],
    disable: Annotated[bool, typer.Option("--disable", help="Turn the region off again.")] = False,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Enable a suggested suppression region: alerts of its rule there are no longer raised."""
    with _store(load(config), db).begin() as conn:
        row = set_suppression_enabled(conn, suppression_id=suggestion_id, enabled=not disable)
        audit.record(conn, action="rule.suppression", detail={"id": suggestion_id, "enabled": not disable})
    _print_suppressions([row])
