"""``camsight retention run``: delete what is older than the config keeps each kind of data (or, dry, count it)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from camsight.cli.common import ConfigOption, DbOption, JsonOption, UtcOption, actor, console, load, store_for, when
from camsight.config import Config
from camsight.services import retention
from camsight.services.retention import KINDS, RetentionReport

app = typer.Typer(
    help="Retention: how long each kind of stored data is kept (config `retention:`).", no_args_is_help=True
)

DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Say what would be deleted; delete nothing.")]
WHAT = {
    "recordings": "recorded segments",
    "media": "thumbnails and snapshots",
    "tracks": "track records",
    "events": "closed events",
    "audit": "audit-log rows",
}


@app.command("run")
def run_command(
    config: ConfigOption = None,
    db: DbOption = None,
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
    utc: UtcOption = False,
) -> None:
    """Delete, oldest first, what is older than `retention:` keeps it (recordings: `recording:`), and audit it.

    Nothing an open event needs is deleted. `camsight run` does the same every hour.
    """
    cfg = load(config)
    store = store_for(cfg, db)
    report = retention.run(
        store.engine,
        actor=actor(),
        config=cfg,
        media=store.media,
        recordings=store.paths.recordings,
        dry_run=dry_run,
    )
    if as_json:
        cutoffs = {kind: at.isoformat() if at else None for kind, at in report.cutoffs.items()}
        line = {"dry_run": dry_run, "counts": report.counts, "cutoffs": cutoffs, "kept": report.kept}
        console.file.write(json.dumps(line | {"more": report.more}) + "\n")
        return
    console.print(_table(report, cfg, utc=utc))
    if report.kept:
        console.print(f"kept although older: {report.kept} (an open event needs them, or a kept row shows the picture)")
    if report.more:
        console.print("more is due than one run deletes; run it again")


def _kept_for(kind: str, config: Config) -> str:
    recording = config.recording
    if kind == "recordings":
        return f"{recording.retain_days:g} days, {recording.max_disk_gb:g} GB"
    days = getattr(config.retention, f"{kind}_days")
    return f"{days:g} days" if days else "forever"


def _table(report: RetentionReport, config: Config, *, utc: bool) -> Table:
    verb = "would delete" if report.dry_run else "deleted"
    title = "retention (dry run: nothing deleted)" if report.dry_run else f"retention: {report.passes} pass(es)"
    table = Table(title=title, title_justify="left")
    for col in ("kind", "kept for", "older than", verb):
        table.add_column(col, justify="right" if col == verb else "left")
    for kind in KINDS:
        cutoff: datetime | None = report.cutoffs.get(kind)
        older = when(cutoff, utc=utc) if cutoff else ("-" if kind != "recordings" else "see recording:")
        table.add_row(WHAT[kind], _kept_for(kind, config), older, str(report.counts[kind]))
    return table
