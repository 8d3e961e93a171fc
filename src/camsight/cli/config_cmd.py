"""``camsight config check``: validate a config file and explain every error."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from camsight.cli.common import console
from camsight.config import load_config

app = typer.Typer(help="Check configuration files.", no_args_is_help=True)


@app.command("check")
def check_command(
    path: Annotated[Path, typer.Argument(help="The YAML config file to check.", show_default=False)],
) -> None:
    """Validate a config file; list every problem with where it is, or summarise what it sets up."""
    cfg = load_config(path)
    console.print(Text.assemble(("ok", "green"), f": {path}"))
    for cam in cfg.cameras:
        rules = ", ".join(f"{r.kind}" for r in cam.rules) or "no rules"
        console.print(
            f"  camera {cam.id}: {cam.fps:g} fps, {len(cam.zones)} zone(s), {len(cam.lines)} line(s), {rules}"
        )
    console.print(
        f"  site {cfg.site_name()}; detector: input {cfg.detector.input_size}, provider {cfg.detector.provider}; "
        f"store: {cfg.store.database}"
    )
