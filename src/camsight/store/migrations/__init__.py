"""The store's Alembic migrations, shipped in the package and run in code (no ini file).

One revision per change of :mod:`camsight.store.schema`, in ``versions/``. ``0001`` is the layout of
camsight 0.1 (which had no migrations), so a store it wrote and an empty database start from the same
point; later revisions change it. :func:`camsight.store.upgrade.upgrade` decides when to run them (with
a backup first for SQLite) and :func:`run` runs them on a connection it hands over.

To write a new revision: change :mod:`camsight.store.schema`, add ``versions/vNNNN_name.py`` (copy
the last one; ``alembic revision --autogenerate`` also works with a small ini pointing here), and let
``tests/unit/store/test_migrations.py`` confirm that the migrated schema equals the module.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

FOLDER = Path(str(resources.files("camsight.store") / "migrations"))
"""Where the revisions are (inside the installed package)."""


def _config(connection: sa.Connection | None = None, *, site: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(FOLDER))
    config.attributes["connection"] = connection
    config.attributes["site"] = site
    return config


def script() -> ScriptDirectory:
    """The revisions this camsight knows."""
    return ScriptDirectory.from_config(_config())


def head() -> str:
    """The newest revision this camsight knows."""
    found = script().get_current_head()
    assert found is not None
    return found


def known(revision: str) -> bool:
    """Whether this camsight knows a revision (a store written by a newer one has an unknown one)."""
    return revision in {rev.revision for rev in script().walk_revisions()}


def current(conn: sa.Connection) -> str | None:
    """The revision a store is at, or None when it was never migrated (empty, or written by camsight 0.1)."""
    return MigrationContext.configure(conn).get_current_revision()


def run(conn: sa.Connection, *, site: str) -> None:
    """Run every revision the store lacks, inside the caller's transaction.

    Args:
        conn: A connection in a transaction (SQLite: ``BEGIN IMMEDIATE``, so DDL is transactional).
        site: The store's site, given to rows that have none (revision 0002).
    """
    command.upgrade(_config(conn, site=site), "head")
