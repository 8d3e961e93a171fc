"""``camsight models``: which model files are used, where they are and whether they check out."""

from __future__ import annotations

from rich.table import Table

from camsight.cli.common import console
from camsight.models.registry import list_models


def models_command() -> None:
    """List the packaged models with their path, size, licence and checksum status."""
    table = Table(title="models", title_justify="left")
    for col in ("name", "purpose", "licence", "size", "status", "path"):
        table.add_column(col, overflow="fold")
    for info in list_models():
        table.add_row(info.name, info.purpose, info.licence, f"{info.size / 1e6:.1f} MB" if info.size else "-",
                      info.status, str(info.path))
    console.print(table)
