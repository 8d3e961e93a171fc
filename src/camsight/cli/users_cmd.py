"""``camsight users``: console and API accounts (add, list, disable, passwd, token); there is no default account."""

from __future__ import annotations

import getpass
import json
import sys
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from camsight.cli.common import ConfigOption, DbOption, JsonOption, UtcOption, actor, console, load, store_for, when
from camsight.errors import CamsightError
from camsight.services import users

app = typer.Typer(
    help="Accounts for the console and the API (no default account, no default password).", no_args_is_help=True
)

NameArg = Annotated[str, typer.Argument(help="Account name.", show_default=False)]
StdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input.")
]


def read_password(from_stdin: bool) -> str:
    """The new password: a line of standard input, or typed twice at a terminal.

    Raises:
        CamsightError: No terminal and no --password-stdin, or the two entries differ.
    """
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise CamsightError("give the password with --password-stdin (no terminal to type it at)")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise CamsightError("the two passwords differ; nothing was changed")
    return first


@app.command("add")
def add_command(
    name: NameArg,
    role: Annotated[str, typer.Option("--role", help="viewer, operator or admin.", show_default=False)],
    camera: Annotated[
        list[str] | None, typer.Option("--camera", help="Limit the account to this camera (repeatable).")
    ] = None,
    site: Annotated[
        list[str] | None, typer.Option("--site", help="Limit the account to this site, at a hub (repeatable).")
    ] = None,
    password_stdin: StdinOption = False,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Add an account with a role, optionally limited to some cameras (and, at a hub, to some sites)."""
    store = store_for(load(config), db)
    password = read_password(password_stdin)
    with store.engine.begin() as conn:
        user = users.add(
            conn,
            actor=actor(),
            name=name,
            role=role,
            password=password,
            now=datetime.now(UTC),
            cameras=camera or None,
            sites=site or None,
        )
    scope = ", ".join(user.cameras) if user.cameras is not None else "all cameras"
    if user.sites is not None:
        scope += " of site(s) " + ", ".join(user.sites)
    console.print(f"account {user.name} added: {user.role}, {scope}")


@app.command("list")
def list_command(
    config: ConfigOption = None, db: DbOption = None, as_json: JsonOption = False, utc: UtcOption = False
) -> None:
    """List the accounts (never their passwords)."""
    store = store_for(load(config), db)
    with store.engine.connect() as conn:
        rows = users.list_all(conn, actor=actor())
    if as_json:
        for u in rows:
            console.file.write(
                json.dumps(
                    {
                        "name": u.name,
                        "role": u.role,
                        "cameras": u.cameras,
                        "sites": u.sites,
                        "disabled": u.disabled,
                        "created_at": u.created_at.isoformat(),
                    }
                )
                + "\n"
            )
        return
    table = Table(title=f"{len(rows)} account(s)", title_justify="left")
    for col in ("name", "role", "cameras", "state", "created"):
        table.add_column(col, overflow="fold")
    for u in rows:
        cameras = ", ".join(u.cameras) if u.cameras is not None else "all"
        table.add_row(u.name, u.role, cameras, "disabled" if u.disabled else "active", when(u.created_at, utc=utc))
    console.print(table)


@app.command("disable")
def disable_command(name: NameArg, config: ConfigOption = None, db: DbOption = None) -> None:
    """Disable an account: its sessions end and its tokens stop working (it stays in the audit log)."""
    store = store_for(load(config), db)
    with store.engine.begin() as conn:
        users.disable(conn, actor=actor(), name=name, now=datetime.now(UTC))
    console.print(f"account {name} disabled")


@app.command("passwd")
def passwd_command(
    name: NameArg, password_stdin: StdinOption = False, config: ConfigOption = None, db: DbOption = None
) -> None:
    """Set an account's password; its sessions end."""
    store = store_for(load(config), db)
    password = read_password(password_stdin)
    with store.engine.begin() as conn:
        users.set_password(conn, actor=actor(), name=name, password=password, now=datetime.now(UTC))
    console.print(f"password of {name} changed")


@app.command("token")
def token_command(
    name: NameArg,
    label: Annotated[str, typer.Option("--label", help="What the token is for.")] = "script",
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Issue an API token for scripts (``Authorization: Bearer TOKEN``); it is shown once, here."""
    store = store_for(load(config), db)
    with store.engine.begin() as conn:
        token = users.make_token(conn, actor=actor(), name=name, label=label, now=datetime.now(UTC))
    console.file.write(token + "\n")
