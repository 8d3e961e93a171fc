"""Shared CLI pieces: consoles, option types, opening the store, times and the actor.

Every string a person gave (queries, names, notes, file names) is printed as text, never as Rich
markup: the consoles have markup off, and the few styled words are built as :class:`rich.text.Text`.

Times follow one rule in every command: the store keeps UTC; tables show local time with its zone
(``2026-12-01 17:05:03 CET``), or UTC with ``--utc``; JSON output is ISO 8601 in UTC.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.text import Text

from camsight.errors import CamsightError
from camsight.services.actor import Actor, os_actor

if TYPE_CHECKING:  # the config and the store are imported by the commands that open them (see load, store_for)
    from camsight.config import Config
    from camsight.store.handle import Store

console = Console(highlight=False, markup=False, width=None if sys.stdout.isatty() else 160)
console_err = Console(stderr=True, highlight=False, markup=False, width=None if sys.stderr.isatty() else 160)

SiteOption = Annotated[
    str | None, typer.Option("--site", help="Only this site (a hub's store holds many).", show_default=False)
]
ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="YAML config file (see docs/config.md).", show_default=False)
]
DbOption = Annotated[
    str | None,
    typer.Option("--db", help="SQLite file or database URL; default: the config's store.database.", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object per line instead of a table.")]
UtcOption = Annotated[bool, typer.Option("--utc", help="Show times in UTC instead of local time.")]
SinceOption = Annotated[
    str | None, typer.Option("--since", help="Only from then on: 30m, 2h, 7d (ago) or an ISO time.", show_default=False)
]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def error_line(message: str) -> Text:
    """``error: <message>``, the word styled, the message as plain text."""
    return Text.assemble(("error:", "bold red"), " ", message)


def load(config_path: Path | None) -> Config:
    """Load the config (or the defaults)."""
    from camsight.config import load_config

    return load_config(config_path)


def store_for(config: Config, db: str | None) -> Store:
    """Open the store (upgrading an older one, with a backup first) and say so when it changed."""
    from camsight.store.handle import open_store

    store = open_store(config, db)
    if store.upgraded is not None and not store.upgraded.fresh:
        console_err.print(store.upgraded.describe(store.paths.database))
    return store


def actor() -> Actor:
    """Who runs this command: the operating-system user (an admin of the stores it can open)."""
    return os_actor()


def when(at: datetime, *, utc: bool = False, seconds: bool = True) -> str:
    """A stored time for a table: local time with its zone, or UTC."""
    shown = at.astimezone(UTC) if utc else at.astimezone()
    return shown.strftime("%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z")


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """A time bound from '30m', '2h', '7d' (ago) or an ISO date/time ('2026-11-23T17:00', local time).

    Raises:
        CamsightError: the text is neither, or reaches back before the year 1.
    """
    now = now or datetime.now(UTC)
    text = text.strip()
    if text[:-1].replace(".", "", 1).isdigit() and text[-1:] in _UNITS:
        try:
            return now - timedelta(seconds=float(text[:-1]) * _UNITS[text[-1]])
        except (OverflowError, ValueError):
            raise CamsightError(
                f"--since {text!r} reaches back further than any recording; use a smaller number"
            ) from None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise CamsightError(
            f"--since {text!r}: use a duration like 30m, 2h, 7d or a time like 2026-11-23T17:00"
        ) from None
    return parsed if parsed.tzinfo else parsed.astimezone(UTC)
