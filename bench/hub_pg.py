"""A fresh PostgreSQL database for the hub benchmarks (``hub_ingest.py``, ``hub_search_pg.py``); not a benchmark.

:func:`fresh_database` creates a database with a new name on the server of an admin URL, migrates it
with the project's own migrations (:func:`camsight.store.upgrade`) and drops it at the end (unless
asked to keep it). The tests' ``fresh_postgres_url`` fixture makes a schema instead; a database of its
own lets a benchmark drop everything it wrote at once, whatever happened.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import sqlalchemy as sa

from camsight.store import connect, upgrade

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
"""The tests' PostgreSQL (user postgres, trust authentication); any database on it to connect to first."""


class BenchError(Exception):
    """A benchmark cannot go on; the message is the one line it prints."""


def _reason(exc: sa.exc.DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__


@contextlib.contextmanager
def fresh_database(admin_url: str, *, prefix: str = "camsight_bench", keep: bool = False) -> Iterator[str]:
    """The URL of a new database on the server of ``admin_url``, migrated; dropped at the end unless ``keep``.

    Raises:
        BenchError: The server cannot be reached or refuses to create the database.
    """
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.DBAPIError as exc:
        admin.dispose()
        raise BenchError(f"PostgreSQL at {sa.make_url(admin_url).render_as_string()}: {_reason(exc)}") from None
    url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        engine = connect(url)
        try:
            upgrade(engine, site="hub")
        finally:
            engine.dispose()
        yield url
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
