from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from camsight.errors import StoreError
from camsight.store import connect, schema_version, source_id, upgrade
from camsight.store.schema import SCHEMA_VERSION, cameras, meta


def test_sqlite_path_creates_folder_and_sets_pragmas(tmp_path: Path) -> None:
    engine = connect(str(tmp_path / "a" / "b" / "camsight.db"))
    with engine.connect() as conn:
        pragmas = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
        }
    engine.dispose()
    assert (tmp_path / "a" / "b" / "camsight.db").is_file()
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000, "synchronous": 1}


def test_memory_database_works() -> None:
    engine = connect(":memory:")
    upgrade(engine, site="test")
    with engine.begin() as conn:
        assert schema_version(conn) == SCHEMA_VERSION


def test_folder_that_cannot_be_created_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match=r"cannot open database .*file/sub/x\.db: .*--db"):
        connect(str(blocker / "sub" / "x.db"))


def test_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_bytes(b"this is not an SQLite file at all, just text" * 100)
    with pytest.raises(StoreError, match="not a database"):
        connect(str(bogus))


@pytest.mark.parametrize(
    ("url", "shown", "hidden"),
    [
        ("postgresql+psycopg://camsight:s3cret@127.0.0.1:1/nowhere", "127.0.0.1:1/nowhere", "s3cret"),
        ("nosuchdialect://x/y", "nosuchdialect", None),
        ("postgresql+nosuchdriver://h/db", "nosuchdriver", None),
    ],
)
def test_unreachable_or_invalid_url_is_a_store_error(url: str, shown: str, hidden: str | None) -> None:
    with pytest.raises(StoreError, match="cannot open database") as info:
        connect(url)
    assert shown in str(info.value)
    if hidden:
        assert hidden not in str(info.value)


def test_upgrade_is_idempotent(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.insert(cameras).values(site="test", id="cam1", source=None, created_at=datetime.now(UTC)))
    upgrade(engine, site="test")
    upgrade(engine, site="test")
    with engine.begin() as conn:
        assert schema_version(conn) == SCHEMA_VERSION
        keys = conn.execute(sa.select(meta.c.key)).scalars().all()
        assert len(keys) == len(set(keys))
        assert conn.execute(sa.select(cameras.c.id)).scalars().all() == ["cam1"]


def test_other_schema_version_is_refused(tmp_path: Path) -> None:
    engine = connect(str(tmp_path / "old.db"))
    upgrade(engine, site="test")
    with engine.begin() as conn:
        conn.execute(sa.update(meta).where(meta.c.key == "schema_version").values(value="99"))
    with pytest.raises(StoreError, match="written by a newer camsight"):
        upgrade(engine, site="test")


@pytest.mark.parametrize(
    "written",
    [
        datetime(2024, 5, 1, 14, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2))),
        datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=UTC),
        datetime(2024, 5, 1, 12, 30, 15, 123456),  # naive: taken as UTC
    ],
)
def test_datetimes_come_back_utc_aware(engine: sa.Engine, written: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(sa.insert(cameras).values(site="test", id="cam1", source=None, created_at=written))
        read = conn.execute(sa.select(cameras.c.created_at)).scalar_one()
        later = conn.execute(
            sa.select(sa.func.count()).where(
                cameras.c.created_at > datetime(2024, 5, 1, 13, 0, tzinfo=timezone(timedelta(hours=1)))
            )
        ).scalar_one()
    assert read == datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=UTC)
    assert read.utcoffset() == timedelta(0)
    assert later == 1  # 12:30 UTC is after 13:00+01:00 (12:00 UTC): comparisons are made in UTC


def test_source_id_is_stable_and_path_insensitive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    absolute = source_id(str(tmp_path / "clip.mp4"))
    assert source_id("clip.mp4") == absolute
    assert source_id("./sub/../clip.mp4") == absolute
    assert source_id(str(tmp_path / "other.mp4")) != absolute
    assert source_id("rtsp://admin:pw@10.0.0.5:554/live") == source_id("rtsp://10.0.0.5:554/live")
    assert source_id("rtsp://10.0.0.5:554/live") != source_id("rtsp://10.0.0.6:554/live")
    assert len(absolute) == 16
    assert absolute == source_id(str(tmp_path / "clip.mp4"))


def test_wal_lets_a_writer_commit_while_a_reader_holds_a_snapshot(tmp_path: Path) -> None:
    path = str(tmp_path / "wal.db")
    writer, reader = connect(path), connect(path)
    upgrade(writer, site="test")
    count = sa.select(sa.func.count()).select_from(cameras)
    with reader.connect() as rconn:
        rconn.exec_driver_sql("BEGIN")  # a read transaction: without WAL the commit below waits 5 s and fails
        assert rconn.execute(count).scalar_one() == 0
        with writer.begin() as wconn:
            wconn.execute(sa.insert(cameras).values(site="test", id="cam1", source=None, created_at=datetime.now(UTC)))
        assert rconn.execute(count).scalar_one() == 0  # the reader keeps its snapshot
        rconn.rollback()
        assert rconn.execute(count).scalar_one() == 1
