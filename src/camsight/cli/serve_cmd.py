"""``camsight serve``: the HTTP API and the console for one store (FastAPI on Uvicorn)."""

from __future__ import annotations

from typing import Annotated

import typer

from camsight.cli.common import ConfigOption, DbOption, console_err, load, store_for
from camsight.errors import CamsightError

HostOption = Annotated[str, typer.Option("--host", help="Address to listen on (127.0.0.1: this machine only).")]
PortOption = Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")]


def serve_command(
    config: ConfigOption = None,
    db: DbOption = None,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8080,
) -> None:
    """Serve the API (OpenAPI at /docs) and the console; log in with an account from `camsight users add`."""
    import uvicorn

    from camsight.api.app import create_app

    cfg = load(config)
    store = store_for(cfg, db)
    app = create_app(cfg, store, secure_cookies=False)
    console_err.print(f"serving {store.paths.database} at http://{host}:{port}/ (API docs: /docs); Ctrl-C stops")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    except OSError as exc:
        raise CamsightError(f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port") from None
