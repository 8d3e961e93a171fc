"""``camsight db``: the store itself (``db upgrade``: bring it to this camsight's schema, with a backup)."""

from __future__ import annotations

import typer

from camsight.cli.common import ConfigOption, DbOption, actor, console, load
from camsight.services.status import store_status
from camsight.store.handle import open_store

app = typer.Typer(help="The store: its schema and upgrades.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command(config: ConfigOption = None, db: DbOption = None) -> None:
    """Bring the store to this camsight's schema (a backup copy first); does nothing when it is current.

    Every command also upgrades an older store when it opens it; this one does only that.
    """
    store = open_store(load(config), db)
    with store.engine.connect() as conn:
        status = store_status(conn, actor=actor())
    name = store.paths.database
    if store.upgraded is None:
        console.print(
            f"store {name} is current (schema {status.schema_version}, revision {status.revision}); nothing to do"
        )
    else:
        console.print(store.upgraded.describe(name))
        if store.upgraded.reindexed:
            console.print(f"search index rebuilt for {store.upgraded.reindexed} track(s)")
    console.print(f"site {status.site}: {status.events} event(s), {status.tracks} track(s), {status.cameras} camera(s)")
