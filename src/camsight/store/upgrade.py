"""Bringing a store to the current schema: the one way tables are created or changed.

Every command opens its store through :func:`upgrade` (``camsight db upgrade`` calls it on purpose).
It reads the store's revision without locking anything; only when something must change does it take
the store's write lock (SQLite: ``BEGIN IMMEDIATE`` on a connection of its own, so the DDL runs in one
transaction; PostgreSQL: a transaction-scoped advisory lock) and look again, so two commands opening a
new store at the same moment both succeed: the second finds the work done. Before changing a SQLite
store that already holds data it writes a backup copy beside it (SQLite's online backup, so a store
in WAL mode is copied consistently) and names it in :attr:`Upgraded.backup`.

After the migrations the search index is rebuilt from ``tracks`` when the way its rows are computed
changed (:data:`~camsight.store.schema.FEATURE_VERSION`), inside the same transaction: a search never
has to write.

A store written by a newer camsight (an unknown revision, or a ``schema_version`` above this one's) is
refused, as is a database that is not a camsight store.

Example:
    >>> from camsight.store.db import connect
    >>> engine = connect(":memory:")
    >>> upgrade(engine, site="docs").to_revision == migrations.head()
    True
    >>> upgrade(engine, site="docs") is None  # already current: nothing to do
    True
"""

from __future__ import annotations

import logging
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa

from camsight.errors import StoreError
from camsight.store import migrations, perms
from camsight.store.db import get_meta, is_read_only_engine, set_meta
from camsight.store.schema import FEATURE_VERSION, SCHEMA_VERSION

log = logging.getLogger(__name__)

State = Literal["fresh", "legacy", "behind", "current", "newer", "foreign"]
_LOCK_ID = 0x63616D73  # "cams": the advisory lock key on PostgreSQL
_UPGRADE_BUSY_MS = 120_000


@dataclass(frozen=True, slots=True)
class Upgraded:
    """What :func:`upgrade` changed.

    Attributes:
        from_revision: The revision the store was at (``None``: empty, or written by camsight 0.1).
        from_version: Its ``schema_version`` (1 for camsight 0.1; None for an empty database).
        to_revision: The revision it is at now.
        backup: The copy made before changing it (SQLite stores that held data), else None.
        reindexed: Track records whose search index rows were rebuilt.
    """

    from_revision: str | None
    from_version: int | None
    to_revision: str
    backup: Path | None
    reindexed: int

    @property
    def fresh(self) -> bool:
        """Whether the store was created by this upgrade."""
        return self.from_version is None

    def describe(self, name: str) -> str:
        """One line for the user."""
        if self.fresh:
            return f"created store {name} (schema {SCHEMA_VERSION})"
        text = f"upgraded store {name} from schema {self.from_version} to {SCHEMA_VERSION}"
        if self.backup is not None:
            text += f"; the store as it was is kept in {self.backup}"
        return text


def state(conn: sa.Connection) -> tuple[State, str | None, int | None]:
    """Where a store stands: ``(state, revision, schema_version)``.

    ``fresh``: no tables; ``legacy``: written by camsight 0.1 (no revision); ``behind``: an older
    revision; ``current``: nothing to do; ``newer``: written by a newer camsight; ``foreign``: tables,
    but not a camsight store.
    """
    tables = set(sa.inspect(conn).get_table_names())
    if not tables:
        return "fresh", None, None
    revision = migrations.current(conn) if "alembic_version" in tables else None
    version = _schema_version(conn) if "meta" in tables else None
    if revision is None:
        if version is None:
            return "foreign", None, None
        return ("legacy" if version == 1 else "newer"), None, version
    if not migrations.known(revision) or (version or 0) > SCHEMA_VERSION:
        return "newer", revision, version
    if revision != migrations.head():
        return "behind", revision, version
    return "current", revision, version


def _schema_version(conn: sa.Connection) -> int | None:
    value = get_meta(conn, "schema_version")
    try:
        return None if value is None else int(value)
    except ValueError:
        return None


def upgrade(engine: sa.Engine, *, site: str, database: str | None = None, backup: bool = True) -> Upgraded | None:
    """Bring the store to the current schema; None when it already was.

    Args:
        engine: The store (see :func:`camsight.store.db.connect`).
        site: The store's site: given to stored rows that have none.
        database: The path or URL it was opened with, for messages and the backup's name.
        backup: Copy a SQLite store that holds data before changing it.

    Raises:
        StoreError: The store was written by a newer camsight, is not a camsight store, is read-only
            and needs an upgrade, or the upgrade failed (nothing is changed then).
    """
    name = database or engine.url.render_as_string(hide_password=True)
    with engine.connect() as conn:
        found, revision, version = state(conn)
        features = _feature_version(conn) if found == "current" else None
    _refuse(found, revision, version, name)
    if found == "current" and features == FEATURE_VERSION:
        return None
    if is_read_only_engine(engine):
        raise StoreError(
            f"store {name} needs an upgrade to schema {SCHEMA_VERSION} but is read-only here; run "
            f"`camsight db upgrade --db {name}` as a user who may write it"
        )
    try:
        with _write_lock(engine) as conn:
            return _upgrade_locked(conn, site=site, name=name, backup=backup)
    except sa.exc.DBAPIError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise StoreError(f"cannot upgrade store {name}: {reason}; nothing was changed") from exc


def _refuse(found: State, revision: str | None, version: int | None, name: str) -> None:
    if found == "newer":
        what = f"revision {revision}" if revision else f"schema {version}"
        raise StoreError(
            f"store {name} was written by a newer camsight ({what}; this one knows up to schema {SCHEMA_VERSION}, "
            f"revision {migrations.head()}): upgrade camsight, or use another --db"
        )
    if found == "foreign":
        raise StoreError(f"{name} is a database but not a camsight store; give another --db")


def _feature_version(conn: sa.Connection) -> int | None:
    value = get_meta(conn, "search_features_version")
    return None if value is None or not (value.isascii() and value.isdigit()) else int(value)


def _upgrade_locked(conn: sa.Connection, *, site: str, name: str, backup: bool) -> Upgraded | None:
    found, revision, version = state(conn)  # again: another process may have done it meanwhile
    _refuse(found, revision, version, name)
    if found == "current" and _feature_version(conn) == FEATURE_VERSION:
        return None
    copy = None
    if backup and found in ("legacy", "behind") and conn.dialect.name == "sqlite":
        copy = _backup(conn, version)
    migrations.run(conn, site=site)
    if found == "fresh":
        set_meta(conn, "created_at", datetime.now(UTC).isoformat(timespec="seconds"))
    _record_folders(conn, legacy=found == "legacy")
    reindexed = _reindex(conn)
    log.info("store %s: schema %s -> revision %s", name, version, migrations.head())
    return Upgraded(revision, version, migrations.head(), copy, reindexed)


def _record_folders(conn: sa.Connection, *, legacy: bool) -> None:
    """Say where this store's media and recordings live (see :mod:`camsight.store.paths`), once."""
    if get_meta(conn, "media_dir") is not None:
        return
    from camsight.store.paths import folder_names

    media, recordings = ("media", "recordings") if legacy else folder_names(_sqlite_path(conn))
    set_meta(conn, "media_dir", media)
    set_meta(conn, "recordings_dir", recordings)


def _sqlite_path(conn: sa.Connection) -> Path | None:
    if conn.dialect.name != "sqlite":
        return None
    database = conn.engine.url.database
    if not database or database == ":memory:":
        return None
    return Path(database.removeprefix("file:").split("?")[0])


def _reindex(conn: sa.Connection) -> int:
    """Rebuild every search index row when they were computed another way (or not at all)."""
    if _feature_version(conn) == FEATURE_VERSION:
        return 0
    from camsight.search.index_writer import rebuild

    written = rebuild(conn)
    set_meta(conn, "search_features_version", str(FEATURE_VERSION))
    return written


def _backup(conn: sa.Connection, version: int | None) -> Path | None:
    """Copy the SQLite file with the online backup API, owner-only; returns the copy's path."""
    path = _sqlite_path(conn)
    if path is None or not path.exists():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.schema{version or 0}-backup-{stamp}{path.suffix or '.db'}")
    perms.touch_private(target)
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
    except sqlite3.Error as exc:
        target.unlink(missing_ok=True)
        raise StoreError(f"cannot back up {path} before upgrading it: {exc}; nothing was changed") from exc
    finally:
        source.close()
    return target


@contextmanager
def _write_lock(engine: sa.Engine) -> Any:
    """A connection holding the store's write lock, in a transaction committed on success."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_ID})
            yield conn
        return
    if engine.url.database in (None, "", ":memory:"):
        with engine.begin() as conn:  # one in-memory database per connection pool: nothing to race
            yield conn
        return
    locked = sa.create_engine(engine.url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with locked.connect() as conn:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={_UPGRADE_BUSY_MS}")
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.exec_driver_sql("ROLLBACK")
                raise
            conn.exec_driver_sql("COMMIT")
    finally:
        locked.dispose()
