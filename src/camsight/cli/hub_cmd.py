"""``camsight outbox`` (what waits to be sent to the hub) and ``camsight hub`` (run a hub process)."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from camsight.cli.common import ConfigOption, DbOption, JsonOption, console, console_err, load, store_for
from camsight.errors import CamsightError

outbox_app = typer.Typer(
    help="The outbox: events and tracks waiting to be sent to the hub.", invoke_without_command=True
)


@outbox_app.callback()
def outbox_command(
    ctx: typer.Context, config: ConfigOption = None, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """How many messages wait for the broker, and how old the oldest is."""
    if ctx.invoked_subcommand is not None:
        return
    from camsight.transport import outbox

    store = store_for(load(config), db)
    with store.engine.connect() as conn:
        found = outbox.status(conn)
    if as_json:
        console.file.write(json.dumps({"pending": found.pending, "oldest_s": found.oldest_s}) + "\n")
        return
    age = f", the oldest {found.oldest_s:.0f} s old" if found.oldest_s is not None else ""
    console.print(f"{found.pending} message(s) wait for the hub{age}")


@outbox_app.command("send")
def send_command(
    config: ConfigOption = None,
    db: DbOption = None,
    timeout: Annotated[float, typer.Option("--timeout", min=1, max=3600, help="Give up after this many s.")] = 60.0,
) -> None:
    """Send what waits to the broker of the config's hub.mqtt, then stop (exit 1 if some is left)."""
    from camsight.apps.wiring import make_publisher

    cfg = load(config)
    store = store_for(cfg, db)
    publisher = make_publisher(cfg, store)
    if publisher is None:
        raise CamsightError("the config has no hub.mqtt; nothing to send to")
    publisher.start()
    try:
        done = publisher.drain(timeout)
    finally:
        publisher.stop()
    left = publisher.pending()
    console.print(
        f"sent {publisher.acknowledged} message(s); {left} left"
        + (f" ({publisher.problem})" if publisher.problem else "")
    )
    if not done:
        raise typer.Exit(1)


def hub_command(
    db: Annotated[str, typer.Option("--db", help="The hub's store: a PostgreSQL URL (or a SQLite file).")],
    mqtt: Annotated[str, typer.Option("--mqtt", help="Broker URL, mqtt://[user:pass@]host[:port].")],
    config: ConfigOption = None,
    host: Annotated[str, typer.Option("--host", help="Address the API and console listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="API/console port; 0: none.")] = 8090,
    group: Annotated[str, typer.Option("--group", help="Shared-subscription group of the hub processes.")] = (
        "camsight-hub"
    ),
    tls_ca: Annotated[Path | None, typer.Option("--tls-ca", help="CA file for mqtts://.")] = None,
    instance: Annotated[str, typer.Option("--instance", help="This process's name in its group (unique).")] = "1",
) -> None:
    """Run a hub process: store every site's events and tracks, and serve the API and console across sites.

    Several processes with the same --group split the messages (MQTT 5 shared subscriptions).
    """
    from camsight.transport.ingest import Ingest
    from camsight.transport.mqtt import BrokerSettings, display_url

    cfg = load(config)
    store = store_for(cfg, db)
    ingest = Ingest(store, BrokerSettings.parse(mqtt, ca_file=tls_ca), group=group, instance=instance)
    ingest.start()
    console_err.print(
        f"hub: storing into {store.paths.database} from {display_url(mqtt)} (group {group})"
        + (f"; API and console at http://{host}:{port}/" if port else "")
    )
    try:
        if port:
            import uvicorn

            from camsight.api.app import create_app

            uvicorn.run(create_app(cfg, store), host=host, port=port, log_level="warning")
        else:
            _wait_for_signal()
    finally:
        ingest.stop()
        refused = sum(ingest.refused.values())
        console_err.print(
            f"hub: stored {sum(ingest.accepted.values())} message(s)"
            + (
                f", refused {refused} ({', '.join(f'{k}: {n}' for k, n in sorted(ingest.refused.items()))})"
                if refused
                else ""
            )
            + (
                f", left {ingest.unconfirmed} unconfirmed (a source this hub held nothing of: sent again whole)"
                if ingest.unconfirmed
                else ""
            )
        )


def _wait_for_signal() -> None:
    done = threading.Event()

    def stop(_sig: int, _frame: FrameType | None) -> None:
        done.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)
    done.wait()
