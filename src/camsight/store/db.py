"""Opening the database: SQLite (WAL) at the edge, PostgreSQL at the hub, one schema for both.

:func:`connect` opens; :func:`camsight.store.upgrade.upgrade` brings the schema up to date (the only
way tables are made). A SQLite file is created owner-only (see :mod:`camsight.store.perms`), and one
that this process may not write is opened read-only (searching and listing still work).

Example:
    >>> from camsight.store.upgrade import upgrade
    >>> engine = connect(":memory:")
    >>> _ = upgrade(engine, site="docs")
    >>> with engine.begin() as conn:
    ...     schema_version(conn) >= 2
    True
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from camsight.errors import StoreError
from camsight.store import perms
from camsight.store.schema import meta

log = logging.getLogger(__name__)

_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    "PRAGMA synchronous=NORMAL",
)

Upsert = sqlite.Insert | postgresql.Insert


def _sqlite_url(database: str, *, read_only: bool) -> str:
    """The SQLAlchemy URL of a plain SQLite path; a new file (and folder) is created owner-only."""
    if database == ":memory:":
        return "sqlite+pysqlite:///:memory:"
    path = Path(database).expanduser().absolute()
    if read_only:
        # A folder this process may not write holds no WAL index it could create: read the file as it is.
        frozen = "&immutable=1" if not os.access(path.parent, os.W_OK) else ""
        return f"sqlite+pysqlite:///file:{path}?mode=ro{frozen}&uri=true"
    try:
        perms.make_dir(path.parent)
        perms.touch_private(path)
    except OSError as exc:
        raise StoreError(_cannot_open(database, exc.strerror or str(exc))) from exc
    return f"sqlite+pysqlite:///{path}"


def is_read_only(database: str) -> bool:
    """Whether a SQLite store exists but this process may not write it (or its folder, for the WAL files)."""
    if "://" in database or database == ":memory:":
        return False
    path = Path(database).expanduser()
    return path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def _cannot_open(name: str, reason: str) -> str:
    return f"cannot open database {name}: {reason}; check the path/permissions or --db"


def _display_name(database: str) -> str:
    """The database as it may appear in messages: URLs without their password."""
    if "://" not in database:
        return database
    try:
        return sa.make_url(database).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return database.split("://", 1)[0] + "://..."


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _set_read_only_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA query_only=ON")
    finally:
        cursor.close()


def _reason(exc: BaseException) -> str:
    """The first line of a driver error, without SQLAlchemy's background links."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


def connect(database: str, *, read_only: bool | None = None) -> sa.Engine:
    """Open a database and check that it can be reached.

    Args:
        database: A SQLite file path (its folder is created) or ``":memory:"``; or a SQLAlchemy URL
            such as ``postgresql+psycopg://user@host/db``, used as is.
        read_only: Open a SQLite file read-only; default: when this process may not write it.

    Returns:
        An engine. SQLite connections run in WAL mode with foreign keys on, a 5 s busy timeout
        and ``synchronous=NORMAL`` (read-only ones with ``query_only``).

    Raises:
        StoreError: The file cannot be created or opened, the URL is invalid, or the server is
            unreachable.
    """
    name = _display_name(database)
    read_only = is_read_only(database) if read_only is None else read_only
    url = database if "://" in database else _sqlite_url(database, read_only=read_only)
    try:
        engine = sa.create_engine(url)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
        raise StoreError(_cannot_open(name, _reason(exc))) from exc
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _set_read_only_pragmas if read_only else _set_sqlite_pragmas)
    try:
        with engine.connect():
            pass
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        raise StoreError(_cannot_open(name, _reason(exc))) from exc
    log.debug("opened database %s (%s)", name, engine.dialect.name)
    return engine


def schema_version(conn: sa.Connection) -> int | None:
    """The schema version recorded in the ``meta`` table, or None if there is none yet."""
    value = get_meta(conn, "schema_version")
    return None if value is None else int(value)


def get_meta(conn: sa.Connection, key: str) -> str | None:
    """A value of the ``meta`` table, or None."""
    return conn.execute(sa.select(meta.c.value).where(meta.c.key == key)).scalar_one_or_none()


def set_meta(conn: sa.Connection, key: str, value: str) -> None:
    """Set a value of the ``meta`` table."""
    upsert(conn, meta, [{"key": key, "value": value}])


def is_read_only_engine(engine: sa.Engine) -> bool:
    """Whether an engine was opened read-only (a SQLite file this process may not write)."""
    return "mode=ro" in str(engine.url)


def upsert_statement(conn: sa.Connection, table: sa.Table) -> Upsert:
    """An ``INSERT`` for ``table`` in the connection's dialect, ready for ``on_conflict_do_update``.

    Raises:
        StoreError: The database is neither SQLite nor PostgreSQL.
    """
    name = conn.dialect.name
    if name == "sqlite":
        return sqlite.insert(table)
    if name == "postgresql":
        return postgresql.insert(table)
    raise StoreError(f"database dialect {name!r} is not supported; use SQLite or PostgreSQL")


def upsert(
    conn: sa.Connection,
    table: sa.Table,
    rows: list[dict[str, Any]],
    *,
    keep: tuple[str, ...] = (),
    only_if: Callable[[Any], sa.ColumnElement[bool]] | None = None,
) -> None:
    """Insert rows, or update them where the primary key already exists.

    Args:
        conn: Connection, inside the caller's transaction.
        table: Target table.
        rows: One dict per row, all with the same keys.
        keep: Columns left as they are on update (e.g. ``created_at``).
        only_if: Given the statement's ``excluded`` row, the condition under which a stored row is
            replaced (checked by the database, atomically); default: always.
    """
    if not rows:
        return
    stmt = upsert_statement(conn, table)
    keys = [c.name for c in table.primary_key.columns]
    changed = {name: stmt.excluded[name] for name in rows[0] if name not in keys and name not in keep}
    where = only_if(stmt.excluded) if only_if is not None else None
    conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=changed, where=where), rows)
