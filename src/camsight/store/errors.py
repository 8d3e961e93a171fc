"""Writing to the store with errors a person can act on.

:func:`writing` is ``engine.begin()`` whose driver errors become one-line
:class:`~camsight.errors.StoreError` messages: a full disk, a read-only file, a store busy for too
long. The transaction is rolled back, so what was stored before is kept, and the message says so.

Example:
    >>> from camsight.store.db import connect
    >>> with writing(connect(":memory:")) as conn:
    ...     conn.exec_driver_sql("SELECT 1").scalar()
    1
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from camsight.errors import StoreError

_KNOWN = (
    ("database or disk is full", "the disk holding {db} is full (or its quota is used up)", "free some space"),
    ("disk i/o error", "the disk holding {db} failed to write", "check the disk (dmesg) and free space"),
    ("readonly database", "{db} is read-only for this user", "run as the user who owns it, or give another --db"),
    ("read-only", "{db} is read-only for this user", "run as the user who owns it, or give another --db"),
    ("database is locked", "{db} stayed busy (another camsight is writing to it)", "try again in a moment"),
    ("no space left", "the disk holding {db} is full", "free some space"),
)


def describe_write_error(exc: BaseException, database: str) -> str:
    """A one-line explanation of a failed write, or the driver's first line."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    lower = text.lower()
    for needle, what, todo in _KNOWN:
        if needle in lower:
            return f"{what.format(db=database)}: this write was not stored, what was stored before is kept; {todo}"
    first = text.splitlines()[0] if text else type(exc).__name__
    return f"cannot write to {database}: {first}; what was stored before is kept"


@contextmanager
def writing(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A transaction on ``engine`` (committed at the end) whose failures are :class:`StoreError`."""
    try:
        with engine.begin() as conn:
            yield conn
    except sa.exc.DBAPIError as exc:
        name = engine.url.render_as_string(hide_password=True).removeprefix("sqlite+pysqlite:///")
        raise StoreError(describe_write_error(exc, name)) from exc
