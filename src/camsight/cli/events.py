"""``camsight events``: list stored events, newest first, with wall times and where they come from."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from camsight.cli.common import (
    ConfigOption,
    DbOption,
    JsonOption,
    SinceOption,
    SiteOption,
    UtcOption,
    actor,
    console,
    console_err,
    load,
    parse_since,
    store_for,
    when,
)
from camsight.events.query import EventQuery
from camsight.services import events as event_service
from camsight.services.events import EventRow
from camsight.store.sources_repo import WALL_CLOCKS

KindOption = Annotated[
    str | None, typer.Option("--kind", help="Only this kind (loitering, crowd, ...).", show_default=False)
]
CameraOption = Annotated[str | None, typer.Option("--camera", help="Only this camera.", show_default=False)]
LimitOption = Annotated[int, typer.Option("--limit", min=1, max=100000, help="At most this many, newest first.")]


def _where(row: EventRow) -> str:
    """Where in its source an event is: a file's name and the time into it, or the stream."""
    event = row.event
    if "://" in event.source:
        return f"{event.source}"
    return f"{Path(event.source).name} @ {event.start_s:.1f}-{event.end_s:.1f} s"


def print_event_rows(rows: Sequence[EventRow], *, as_json: bool, utc: bool = False, title: str | None = None) -> None:
    """Events as JSON lines or as a table (in the order given), with a note on where file times come from."""
    if as_json:
        for row in rows:
            data = row.event.model_dump(mode="json")
            data.update(source_id=row.source_id, wall_clock=row.wall_clock, feedback=row.verdict)
            console.file.write(json.dumps(data) + "\n")
        return
    table = Table(title=title or f"{len(rows)} event(s)", title_justify="left")
    for col in ("started", "for", "kind", "camera", "zone", "where in the source", "tracks", "score", "status", "id"):
        table.add_column(col, overflow="fold")
    for row in rows:
        e = row.event
        status = e.status + (f", {row.verdict}" if row.verdict else "")
        table.add_row(
            when(e.started_at, utc=utc),
            f"{e.end_s - e.start_s:.1f} s",
            e.kind,
            e.camera,
            e.zone or "-",
            _where(row),
            ",".join(map(str, e.track_ids)) or "-",
            f"{e.score:.2f}",
            status,
            e.id[:10],
        )
    console.print(table)
    clocks = sorted({r.wall_clock for r in rows if r.wall_clock and r.wall_clock != "capture"})
    if clocks:
        said = "; ".join(WALL_CLOCKS.get(c, c) for c in clocks)
        console_err.print(
            f"times of analysed files come from {said} (minus the video's length), not from a camera "
            "clock; 'where in the source' is the time into the file"
        )


def events_command(
    config: ConfigOption = None,
    db: DbOption = None,
    kind: KindOption = None,
    camera: CameraOption = None,
    site: SiteOption = None,
    since: SinceOption = None,
    limit: LimitOption = 100,
    as_json: JsonOption = False,
    utc: UtcOption = False,
) -> None:
    """List stored events, newest first (wall time: local with its zone, or UTC with --utc)."""
    cfg = load(config)
    store = store_for(cfg, db)
    query = EventQuery(kind=kind, camera=camera, site=site, since=parse_since(since) if since else None, limit=limit)
    with store.engine.connect() as conn:
        rows = event_service.list_event_rows(conn, actor=actor(), query=query)
    print_event_rows(rows, as_json=as_json, utc=utc)
