"""The ``camsight`` command line: one module per command group, registered here by name and loaded on use.

Each command's module is imported only when that command is looked up: ``camsight analyze FILE`` loads
:mod:`camsight.cli.analyze` and what it needs, not the live supervisor, the hub, the web console or the
search engine (about a second and a half of imports a short analysis does not use). ``camsight --help``,
the docs generator and typo suggestions still see every command: :class:`LazyCommands` lists them all by
name and builds each click command from its module the first time it is asked for.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import typer
from typer.core import TyperGroup

from camsight.errors import CamsightError

COMMANDS: dict[str, tuple[str, str]] = {
    "analyze": ("analyze", "analyze_command"),
    "demo": ("analyze", "demo_command"),
    "events": ("events", "events_command"),
    "search": ("search", "search_command"),
    "run": ("live", "run_command"),
    "status": ("live", "status_command"),
    "clip": ("live", "clip_command"),
    "serve": ("serve_cmd", "serve_command"),
    "hub": ("hub_cmd", "hub_command"),
    "keys": ("export_cmd", "keys_command"),
    "config": ("config_cmd", "app"),
    "models": ("models_cmd", "app"),
    "queries": ("queries", "app"),
    "alerts": ("alerts", "app"),
    "rules": ("alerts", "rules_app"),
    "audit": ("audit_cmd", "app"),
    "db": ("db_cmd", "app"),
    "users": ("users_cmd", "app"),
    "outbox": ("hub_cmd", "outbox_app"),
    "export": ("export_cmd", "app"),
    "retention": ("retention_cmd", "app"),
}
"""Every top-level command, in the order ``--help`` lists them (commands, then groups of commands): its module
in :mod:`camsight.cli` and the command function (a command) or :class:`typer.Typer` (a group) in it."""

_SETTINGS: dict[str, Any] = {"pretty_exceptions_enable": False, "add_completion": False}


def load_command(name: str) -> Any:
    """The click command (or group) ``camsight NAME`` runs, built from its module as Typer would build it."""
    module, attribute = COMMANDS[name]
    try:
        target = getattr(importlib.import_module(f"camsight.cli.{module}"), attribute)
    except KeyboardInterrupt:  # Ctrl-C while a command's imports load: one line, as in camsight.__main__.run
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    holder = typer.Typer(**_SETTINGS)
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
    else:
        holder.command(name)(target)
    holder.callback()(_no_options)  # a group, even for one command, so its commands are keyed by name
    return typer.main.get_group(holder).commands[name]


def _no_options() -> None:
    """Stand-in callback of the one-command groups :func:`load_command` builds (never shown)."""


class LazyCommands(MutableMapping[str, Any]):
    """A group's commands by name: every name is listed, each command built on first access."""

    def __init__(self, loaded: MutableMapping[str, Any], names: list[str], load: Callable[[str], Any]) -> None:
        self._loaded = dict(loaded)
        self._names = [*names, *(n for n in loaded if n not in names)]
        self._load = load

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded:
            if name not in self._names:
                raise KeyError(name)
            self._loaded[name] = self._load(name)
        return self._loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        if name not in self._names:
            self._names.append(name)
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        self._names.remove(name)
        self._loaded.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._names))

    def __len__(self) -> int:
        return len(self._names)


class LazyGroup(TyperGroup):
    """The top-level group: its commands are :data:`COMMANDS`, each module imported when its command is used."""

    def __init__(self, *, commands: dict[str, Any] | None = None, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = LazyCommands(commands or {}, list(COMMANDS), load_command)


app = typer.Typer(
    name="camsight",
    cls=LazyGroup,
    help="Video analytics for the cameras you already have: detect, track, alert and search — on this box.",
    no_args_is_help=True,
    **_SETTINGS,
)


@app.callback()
def _root() -> None:
    """No options of its own: the commands are in :data:`COMMANDS` (a Typer app needs a callback to be a group)."""


def main() -> None:
    """Entry point: expected errors print one line and exit 2, never a traceback; usage errors exit 2 too."""
    logging.basicConfig(
        level=os.environ.get("CAMSIGHT_LOG", "WARNING").upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        app()
    except CamsightError as exc:
        from camsight.cli.common import console_err, error_line

        console_err.print(error_line(str(exc)), soft_wrap=True)  # one line, however long
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        from camsight.cli.common import console_err

        console_err.print("interrupted; what was stored before is kept")
        sys.exit(130)
