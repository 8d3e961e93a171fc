"""Shared CLI pieces: consoles, option types, opening the store."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer
from rich.console import Console

from camsight.config import Config, load_config
from camsight.store.db import connect, create_schema
from camsight.store.media import MediaStore

console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
console_err = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 160)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="YAML config file (see docs/config.md).", show_default=False)
]
DbOption = Annotated[
    str | None,
    typer.Option("--db", help="SQLite file or database URL; default: the config's store.database.", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object per line instead of a table.")]


def open_store(config: Config, db: str | None) -> tuple[sa.Engine, MediaStore]:
    """Connect to the database (creating the schema) and the media folder next to it."""
    database = db or config.store.database
    engine = connect(database)
    create_schema(engine)
    media_root = config.store.media
    if db and "://" not in db:
        media_root = Path(db).resolve().parent / "media"
    return engine, MediaStore(media_root)


def load(config_path: Path | None) -> Config:
    """Load the config (or the defaults)."""
    return load_config(config_path)
