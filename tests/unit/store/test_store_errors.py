"""A write that fails (full disk, read-only file) is one clear line, and what was stored before is kept."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from store_factories import SOURCE_ID, make_event, make_track

from camsight.config import Config
from camsight.errors import StoreError
from camsight.store import count_events, open_store, upsert_events, upsert_tracks
from camsight.store.errors import describe_write_error, writing


def test_a_full_disk_keeps_what_was_stored_and_says_so(tmp_path: Path) -> None:
    store = open_store(Config(site="t"), str(tmp_path / "s.db"))
    with writing(store.engine) as conn:
        upsert_events(conn, events=[make_event(n=0)], source_id=SOURCE_ID, run_id="r")
    with store.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()

    def cap(dbapi_connection: object, _record: object) -> None:  # the disk is full: no page may be added
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")  # type: ignore[attr-defined]

    store.engine.dispose()
    sa.event.listen(store.engine, "connect", cap)
    big = [make_track(n, appearance=None, path=tuple((t, 0.5, 0.5) for t in range(60))) for n in range(1, 400)]
    full = r"is full .*this write was not stored, what was stored before is kept"
    with pytest.raises(StoreError, match=full), writing(store.engine) as conn:
        upsert_tracks(conn, records=big, run_id="r")
    with store.engine.connect() as conn:
        assert count_events(conn) == 1
        assert conn.exec_driver_sql("SELECT count(*) FROM tracks").scalar_one() == 0


@pytest.mark.parametrize(
    ("driver", "expected"),
    [
        ("database or disk is full", "the disk holding s.db is full"),
        ("attempt to write a readonly database", "s.db is read-only for this user"),
        ("database is locked", "s.db stayed busy"),
        ("something new", "cannot write to s.db: something new"),
    ],
)
def test_write_errors_are_explained(driver: str, expected: str) -> None:
    assert describe_write_error(sa.exc.OperationalError("INSERT", {}, Exception(driver)), "s.db").startswith(expected)
