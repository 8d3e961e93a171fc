"""Opening the database: SQLite (WAL) at the edge, PostgreSQL at the hub, one schema for both.

Example:
    >>> engine = connect(":memory:")
    >>> create_schema(engine)
    >>> with engine.begin() as conn:
    ...     schema_version(conn)
    1
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from camsight.errors import StoreError
from camsight.store.schema import SCHEMA_VERSION, meta, metadata

log = logging.getLogger(__name__)

_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    "PRAGMA synchronous=NORMAL",
)

Upsert = sqlite.Insert | postgresql.Insert


def _sqlite_url(database: str) -> str:
    """The SQLAlchemy URL of a plain SQLite path, creating its parent folder."""
    if database == ":memory:":
        return "sqlite+pysqlite:///:memory:"
    path = Path(database).expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(_cannot_open(database, exc.strerror or str(exc))) from exc
    return f"sqlite+pysqlite:///{path}"


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


def _reason(exc: BaseException) -> str:
    """The first line of a driver error, without SQLAlchemy's background links."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


def connect(database: str) -> sa.Engine:
    """Open a database and check that it can be reached.

    Args:
        database: A SQLite file path (its folder is created) or ``":memory:"``; or a SQLAlchemy URL
            such as ``postgresql+psycopg://user@host/db``, used as is.

    Returns:
        An engine. SQLite connections run in WAL mode with foreign keys on, a 5 s busy timeout
        and ``synchronous=NORMAL``.

    Raises:
        StoreError: The file cannot be created or opened, the URL is invalid, or the server is
            unreachable.
    """
    name = _display_name(database)
    url = database if "://" in database else _sqlite_url(database)
    try:
        engine = sa.create_engine(url)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
        raise StoreError(_cannot_open(name, _reason(exc))) from exc
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _set_sqlite_pragmas)
    try:
        with engine.connect():
            pass
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        raise StoreError(_cannot_open(name, _reason(exc))) from exc
    log.debug("opened database %s (%s)", name, engine.dialect.name)
    return engine


def create_schema(engine: sa.Engine) -> None:
    """Create the tables and indexes that are missing, and record the schema version.

    Safe to call on every start: existing tables are left alone.

    Raises:
        StoreError: The tables cannot be created (read-only file, no permission), or the database
            was written by a camsight with a different schema version.
    """
    try:
        metadata.create_all(engine)
        with engine.begin() as conn:
            found = schema_version(conn)
            if found is None:
                conn.execute(sa.insert(meta).values(key="schema_version", value=str(SCHEMA_VERSION)))
    except sa.exc.DBAPIError as exc:
        name = engine.url.render_as_string(hide_password=True)
        raise StoreError(f"cannot create tables in {name}: {_reason(exc)}; check permissions or --db") from exc
    if found is not None and found != SCHEMA_VERSION:
        raise StoreError(
            f"database schema version {found} does not match this camsight's {SCHEMA_VERSION}; "
            "use a new --db or the camsight version that wrote it"
        )


def schema_version(conn: sa.Connection) -> int | None:
    """The schema version recorded in the ``meta`` table, or None if there is none yet."""
    value = conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).scalar_one_or_none()
    return None if value is None else int(value)


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


def upsert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]], *, keep: tuple[str, ...] = ()) -> None:
    """Insert rows, or update them where the primary key already exists.

    Args:
        conn: Connection, inside the caller's transaction.
        table: Target table.
        rows: One dict per row, all with the same keys.
        keep: Columns left as they are on update (e.g. ``created_at``).
    """
    if not rows:
        return
    stmt = upsert_statement(conn, table)
    keys = [c.name for c in table.primary_key.columns]
    changed = {name: stmt.excluded[name] for name in rows[0] if name not in keys and name not in keep}
    conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=changed), rows)
