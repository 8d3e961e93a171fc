"""``camsight audit``: read the append-only audit log (searches, exports, rule and query changes)."""

from __future__ import annotations

import json
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
from camsight.services import audit

app = typer.Typer(
    help="The audit log: who searched, viewed, exported or changed what; verify its chain.", invoke_without_command=True
)


@app.command("verify")
def verify_command(config: ConfigOption = None, db: DbOption = None) -> None:
    """Check the audit log's hash chain: exit 0 when intact, 1 naming the first row edited or deleted."""
    store = store_for(load(config), db)
    with store.engine.connect() as conn:
        check = audit.verify(conn, actor=actor())
    console.print(check.describe())
    if not check.ok:
        raise typer.Exit(1)


@app.callback()
def audit_command(
    ctx: typer.Context,
    config: ConfigOption = None,
    db: DbOption = None,
    action: Annotated[str | None, typer.Option("--action", help="Only this action (search, clip.export, ...).")] = None,
    since: SinceOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100000, help="At most this many, newest first.")] = 100,
    as_json: JsonOption = False,
    utc: UtcOption = False,
) -> None:
    """List audit-log entries, newest first (``camsight audit verify`` checks the chain)."""
    if ctx.invoked_subcommand is not None:
        return
    store = store_for(load(config), db)
    with store.engine.connect() as conn:
        entries = audit.entries(
            conn, actor=actor(), action=action, since=parse_since(since) if since else None, limit=limit
        )
    if as_json:
        for e in entries:
            row = {"id": e.id, "at": e.at.isoformat(), "actor": e.actor, "action": e.action, "detail": e.detail}
            console.file.write(json.dumps(row) + "\n")
        return
    table = Table(title=f"{len(entries)} audit entr{'y' if len(entries) == 1 else 'ies'}", title_justify="left")
    for col in ("at", "actor", "action", "detail"):
        table.add_column(col, overflow="fold")
    for e in entries:
        table.add_row(when(e.at, utc=utc), e.actor, e.action, json.dumps(e.detail))
    console.print(table)
