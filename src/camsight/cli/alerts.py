"""``camsight alerts`` (list, feedback, release), ``camsight rules`` (stats, suggestions, suppress): false alarms."""

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
from camsight.services.feedback import HeldRow, SuppressionReport, Verdict

app = typer.Typer(help="Alerts: list them and tell camsight which were false.", no_args_is_help=True)
rules_app = typer.Typer(
    help="Rules: alert volume, precision, suppression suggestions (previewed) and suppressions.", no_args_is_help=True
)


@app.command("list")
def list_command(
    kind: Annotated[str | None, typer.Option("--kind", help="Only this kind (crowd, standing_query, ...).")] = None,
    camera: Annotated[str | None, typer.Option("--camera", help="Only this camera.")] = None,
    since: SinceOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100000, help="At most this many, newest first.")] = 50,
    suppressed: Annotated[
        bool, typer.Option("--suppressed", help="The alerts suppressions held back instead (and released ones).")
    ] = False,
    by: Annotated[
        int | None, typer.Option("--by", min=1, help="With --suppressed: only those this suppression held back.")
    ] = None,
    config: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    utc: UtcOption = False,
) -> None:
    """List alerts, newest first, with the feedback each got; or, with --suppressed, the alerts held back."""
    store = store_for(load(config), db)
    if suppressed:
        with store.engine.connect() as conn:
            held = feedback_service.held_alerts(
                conn,
                actor=actor(),
                suppression_id=by,
                since=parse_since(since) if since else None,
                kind=kind,
                camera=camera,
                limit=limit,
            )
        _print_held(held, as_json=as_json, utc=utc)
        return
    if by is not None:
        raise CamsightError("--by needs --suppressed (it names the suppression that held the alerts back)")
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


def _print_held(rows: list[HeldRow], *, as_json: bool, utc: bool) -> None:
    if as_json:
        for h in rows:
            data = {
                **h.event.model_dump(mode="json"),
                "held_by": h.suppression_id,
                "held": h.status,
                "released_at": h.released_at.isoformat() if h.released_at else None,
                "released_by": h.released_by,
            }
            console.file.write(json.dumps(data) + "\n")
        return
    table = Table(title=f"{len(rows)} alert(s) held back by suppressions", title_justify="left")
    for col in ("id", "kind", "rule", "camera", "started", "zone", "tracks", "score", "held by", "status"):
        table.add_column(col, overflow="fold")
    for h in rows:
        e = h.event
        status = h.status if h.released_by is None else f"{h.status} ({h.released_by})"
        table.add_row(
            e.id[:10],
            e.kind,
            e.rule,
            e.camera,
            when(e.started_at, utc=utc),
            e.zone or "-",
            ",".join(map(str, e.track_ids)) or "-",
            f"{e.score:.2f}",
            str(h.suppression_id),
            status,
        )
    console.print(table)
    if rows:
        console.print("release one with 'camsight alerts release ID'")


@app.command("release")
def release_command(
    event_id: Annotated[str, typer.Argument(help="Held alert id (or a unique start of it).", show_default=False)],
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Raise an alert a suppression held back after all: it becomes a stored alert like any other."""
    from camsight.apps.wiring import hub_writers

    cfg = load(config)
    store = store_for(cfg, db)
    with store.engine.begin() as conn:
        also = hub_writers(cfg, store)  # an edge with a hub sends it on, as any other alert
        row = feedback_service.release_alert(conn, actor=actor(), ref=event_id, now=datetime.now(UTC), also=also)
    console.print(f"alert {row.event.id[:10]} released (held back by suppression {row.suppression_id})")


def _suppression_json(r: SuppressionReport) -> dict[str, object]:
    s = r.row.region
    return {
        "id": s.id,
        "kind": s.kind,
        "rule": s.rule,
        "camera": s.camera,
        "zone": s.zone,
        "object_class": s.object_class,
        "what": s.describe(),
        "enabled": s.enabled,
        "enabled_at": r.row.enabled_at.isoformat() if r.row.enabled_at else None,
        "reason": r.row.reason,
        "preview": r.preview.line(),
        "false_hit": r.preview.false_hit,
        "false_total": r.preview.false_total,
        "confirmed_hit": r.preview.confirmed_hit,
        "confirmed_total": r.preview.confirmed_total,
        "held": r.held.total,
        "held_since_enabled": r.held.since_enabled,
        "held_confirmed": r.held.confirmed,
        "warning": r.warning,
    }


def _print_suppressions(rows: list[SuppressionReport], *, as_json: bool = False) -> None:
    if as_json:
        for r in rows:
            console.file.write(json.dumps(_suppression_json(r)) + "\n")
        return
    table = Table(title=f"{len(rows)} suppression(s)", title_justify="left")
    for col in ("id", "rule", "camera", "zone", "holds back", "state", "preview", "held since enabled", "reason"):
        table.add_column(col, overflow="fold")
    for r in rows:
        s = r.row.region
        held = (
            f"{r.held.since_enabled} (of {r.held.total})" if s.enabled else (str(r.held.total) if r.held.total else "-")
        )
        state = "enabled" if s.enabled else "suggested"
        table.add_row(
            str(s.id),
            s.rule,
            s.camera,
            s.zone or "-",
            s.describe(),
            state if r.warning is None else f"{state}; WARNING: {r.warning}",
            r.preview.line(),
            held,
            r.row.reason,
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
    """Alert volume, precision and alerts held back per rule and standing query; every suppression's effect.

    Verdicts suggest suppressions (stored disabled, each previewed on the judged alerts: see
    'camsight rules suggestions'); an enabled one shows what it held back since it was enabled, and a
    warning when it hides (or would hide) confirmed alerts.
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
                "suppressed": s.suppressed,
            }
            console.file.write(json.dumps(row) + "\n")
        return
    table = Table(title="alerts per rule", title_justify="left")
    for col in ("rule", *(("day",) if per_day else ()), "alerts", "confirmed", "false", "precision", "suppressed"):
        table.add_column(col)
    for s in report.stats:
        day = (s.day.isoformat() if s.day else "-",) if per_day else ()
        precision = f"{s.precision:.2f}" if s.precision is not None else "-"
        table.add_row(s.rule, *day, str(s.alerts), str(s.confirmed), str(s.false), precision, str(s.suppressed))
    console.print(table)
    _print_suppressions(report.suppressions)


@rules_app.command("suggestions")
def suggestions_command(
    config: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Suppressions the verdicts suggest, each previewed on the judged alerts, and those enabled.

    Built from the alerts marked false: a place (around them, sized from their boxes), the same object
    seen again (class, place, size and colours), a time window, or a threshold that keeps every confirmed
    alert. Nothing is applied until enabled with 'camsight rules suppress ID'.
    """
    store = store_for(load(config), db)
    with store.engine.begin() as conn:
        rows = feedback_service.suggestions(conn, actor=actor(), now=datetime.now(UTC))
    _print_suppressions(rows, as_json=as_json)


@rules_app.command("suppress")
def suppress_command(
    suggestion_id: Annotated[int, typer.Argument(help="Suppression id (see 'rules suggestions').")],
    disable: Annotated[bool, typer.Option("--disable", help="Turn it off again.")] = False,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Enable a suggested suppression: alerts it matches are held back (kept, listed, releasable), not raised."""
    store = store_for(load(config), db)
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        row = feedback_service.set_suppression(
            conn, actor=actor(), suppression_id=suggestion_id, enabled=not disable, now=now
        )
        shown = [
            r for r in feedback_service.suggestions(conn, actor=actor(), now=now) if r.row.region.id == row.region.id
        ]
    _print_suppressions(shown)
