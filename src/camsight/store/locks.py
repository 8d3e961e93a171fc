"""One live runner per store: an exclusive lock that ``camsight run`` holds for its whole life.

Two runners on one store would each take the other's open recording segments for what a crash left
behind. :class:`StoreLock` makes the second one refuse instead, naming the first:

- a SQLite file ``cs.db`` is locked with ``fcntl.flock`` on ``cs.db.run.lock`` beside it, which holds
  JSON naming the holder (pid, host, command, start time). The kernel releases a flock when its
  process ends in any way, ``kill -9`` included, so a file left behind never blocks: only a live
  holder does. The file stays after a clean release, empty.
- a PostgreSQL URL is locked with a session advisory lock on a connection kept open for the lock's
  life, keyed by the database and schema; the holder is named through that connection's
  ``application_name``. The lock goes with the connection, so a server restart drops it.
- ``:memory:`` belongs to one process: there is nothing to lock.

Example:
    >>> import tempfile
    >>> db = tempfile.mkdtemp() + "/cs.db"
    >>> with StoreLock(db, command="camsight run"):
    ...     try:
    ...         StoreLock(db).acquire()
    ...     except StoreLockedError as exc:
    ...         print(exc.holder is not None and exc.holder.command)
    camsight run
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shlex
import socket
import sys
import zlib
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Protocol

import sqlalchemy as sa

from camsight.errors import StoreError

LOCK_SUFFIX = ".run.lock"
_PG_CLASS = 0x63616D73  # "cams": the first key of camsight's advisory locks
_PG_NAME = re.compile(r"^camsight run pid=(\d+) host=(.*)$")


@dataclass(frozen=True, slots=True)
class LockHolder:
    """Who holds a store lock."""

    pid: int
    host: str
    command: str
    started_at: str  # ISO 8601, UTC

    @classmethod
    def me(cls, command: str) -> LockHolder:
        """This process, now."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        return cls(pid=os.getpid(), host=socket.gethostname(), command=command, started_at=now)

    def describe(self) -> str:
        """Short enough for a one-line message: pid, host and start time (the lock file has the command)."""
        return f"pid {self.pid} on {self.host}, since {self.started_at}"


class StoreLockedError(StoreError):
    """Another live runner holds the store."""

    def __init__(self, store: str, holder: LockHolder | None) -> None:
        self.holder = holder
        who = holder.describe() if holder is not None else "it has not written its name yet"
        super().__init__(f"{store} is in use by another `camsight run` ({who}); stop it first or use another --db")


class _Backend(Protocol):
    def acquire(self, me: LockHolder) -> None: ...

    def release(self) -> None: ...


class StoreLock:
    """The exclusive run lock of one store (see the module docstring).

    Args:
        database: A SQLite path, ``:memory:`` or a SQLAlchemy URL (SQLite or PostgreSQL).
        command: What the holder runs, as the lock names it; default this process's command line.

    Raises:
        StoreError: The database is neither SQLite nor PostgreSQL.
    """

    def __init__(self, database: str, *, command: str | None = None) -> None:
        self.database = database
        self.command = command or command_line()
        self._backend = _backend(database)
        self.held = False

    def acquire(self) -> None:
        """Take the lock, or refuse at once.

        Raises:
            StoreLockedError: Another process holds it (the message names it).
            StoreError: The lock file or lock connection cannot be made.
        """
        if self.held:
            return
        if self._backend is not None:
            self._backend.acquire(LockHolder.me(self.command))
        self.held = True

    def release(self) -> None:
        """Give the lock back (a no-op when it is not held)."""
        if self.held and self._backend is not None:
            self._backend.release()
        self.held = False

    def __enter__(self) -> StoreLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def command_line() -> str:
    """This process's command line (``python -m camsight ...`` for a module), any URL's password left out."""
    prog = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path(sys.executable)
    name = f"python -m {prog.parent.name}" if prog.name == "__main__.py" else prog.name
    return re.sub(r"//[^/@\s]+@", "//", " ".join([name, *map(shlex.quote, sys.argv[1:])]))


def lock_path(database: str) -> Path:
    """The lock file of a SQLite database file: ``<db>.run.lock`` beside it."""
    path = Path(database).expanduser().resolve()
    return path.with_name(path.name + LOCK_SUFFIX)


def read_holder(path: Path) -> LockHolder | None:
    """The holder a lock file names, or None when it is missing, empty or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return LockHolder(
            pid=int(data["pid"]), host=str(data["host"]), command=str(data["command"]), started_at=data["started_at"]
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _backend(database: str) -> _Backend | None:
    if database == ":memory:":
        return None
    if "://" not in database:
        return _FileLock(lock_path(database), database)
    url = sa.make_url(database)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return None if url.database in (None, "", ":memory:") else _FileLock(lock_path(url.database), url.database)
    if backend == "postgresql":
        return _PgLock(database)
    raise StoreError(f"database {url.drivername}:// cannot be locked for `camsight run`; use SQLite or PostgreSQL")


class _FileLock:
    """``flock`` on a file holding the holder's JSON."""

    def __init__(self, path: Path, store: str) -> None:
        self.path = path
        self.store = store
        self._fd: int | None = None

    def acquire(self, me: LockHolder) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise StoreError(f"cannot create lock file {self.path}: {exc.strerror or exc}; check permissions") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StoreLockedError(self.store, read_holder(self.path)) from None
        except OSError as exc:
            os.close(fd)
            raise StoreError(f"cannot lock {self.path}: {exc.strerror or exc}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(asdict(me)).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)  # a free lock names nobody
        finally:
            os.close(fd)  # closing the descriptor releases the flock


class _PgLock:
    """A PostgreSQL session advisory lock on a connection kept open while it is held."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.store = sa.make_url(url).render_as_string(hide_password=True)
        self._engine: sa.Engine | None = None
        self._conn: sa.Connection | None = None

    def acquire(self, me: LockHolder) -> None:
        from camsight.store.db import connect

        engine = connect(self.url)
        conn = engine.connect()
        try:
            key = _pg_key(conn)
            name = f"camsight run pid={me.pid} host={me.host}"[:63]
            conn.execute(sa.text("SELECT set_config('application_name', :name, false)"), {"name": name})
            take = sa.text("SELECT pg_try_advisory_lock(CAST(:a AS integer), CAST(:b AS integer))")
            got = conn.execute(take, {"a": _PG_CLASS, "b": key}).scalar()
            holder = None if got else _pg_holder(conn, key)
            conn.commit()  # a session lock outlives the transaction; do not sit idle in one
        except BaseException:
            conn.close()
            engine.dispose()
            raise
        if not got:
            conn.close()
            engine.dispose()
            raise StoreLockedError(self.store, holder)
        self._engine, self._conn = engine, conn

    def release(self) -> None:
        conn, engine = self._conn, self._engine
        self._conn = self._engine = None
        if conn is not None:
            conn.close()  # ends the session, and with it the lock
        if engine is not None:
            engine.dispose()


def _pg_key(conn: sa.Connection) -> int:
    """The second lock key: a hash of the database and schema, so each store has its own lock."""
    database, schema = conn.execute(sa.text("SELECT current_database(), current_schema()")).one()
    return zlib.crc32(f"{database}.{schema}".encode()) & 0x7FFFFFFF


def _pg_holder(conn: sa.Connection, key: int) -> LockHolder | None:
    stmt = sa.text(
        "SELECT a.application_name, a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND CAST(l.classid AS bigint) = :a "
        "AND CAST(l.objid AS bigint) = :b AND l.objsubid = 2"
    )
    row = conn.execute(stmt, {"a": _PG_CLASS, "b": key}).first()
    match = _PG_NAME.match(row[0] or "") if row is not None else None
    if row is None or match is None:
        return None
    started = row[1].astimezone(UTC).isoformat(timespec="seconds") if row[1] is not None else "?"
    return LockHolder(pid=int(match[1]), host=match[2], command="camsight run", started_at=started)
