"""``camsight events``: list stored events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from camsight.cli.analyze import print_events
from camsight.cli.common import ConfigOption, DbOption, JsonOption, load, open_store
from camsight.errors import CamsightError
from camsight.store import repository as repo

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """A time bound from '30m', '2h', '7d' (ago) or an ISO date/time ('2026-11-23T17:00').

    Raises:
        CamsightError: the text is neither.
    """
    now = now or datetime.now(UTC)
    text = text.strip()
    if text[:-1].replace(".", "", 1).isdigit() and text[-1:] in _UNITS:
        return now - timedelta(seconds=float(text[:-1]) * _UNITS[text[-1]])
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise CamsightError(
            f"--since {text!r}: use a duration like 30m, 2h, 7d or a time like 2026-11-23T17:00"
        ) from None
    return parsed if parsed.tzinfo else parsed.astimezone(UTC)


def events_command(
    config: ConfigOption = None,
    db: DbOption = None,
    kind: Annotated[str | None, typer.Option("--kind", help="Only this kind (loitering, crowd, ...).")] = None,
    camera: Annotated[str | None, typer.Option("--camera", help="Only this camera.")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only events from then on: 30m, 2h, 7d or ISO time.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100000, help="At most this many, newest first.")] = 100,
    as_json: JsonOption = False,
) -> None:
    """List stored events, newest first."""
    cfg = load(config)
    engine, _ = open_store(cfg, db)
    bound = parse_since(since) if since else None
    with engine.connect() as conn:
        events = repo.list_events(conn, kind=kind, camera=camera, since=bound, limit=limit)
    print_events(events, as_json=as_json)
