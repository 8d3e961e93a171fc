"""Migrations: a store written by camsight 0.1 upgrades with every row and id kept; the schema has one source."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from camsight.config import Config
from camsight.errors import StoreError
from camsight.events.models import EVENT_ADAPTER
from camsight.store import connect, list_events, list_tracks, migrations, open_store, upgrade
from camsight.store.audit import verify as verify_audit
from camsight.store.schema import SCHEMA_VERSION, metadata

FIXTURE = Path(__file__).parents[2] / "data" / "stores" / "v1_store.sql"
V1_TABLES = (
    "audit_log",
    "camera_gaps",
    "cameras",
    "events",
    "feedback",
    "segments",
    "sources",
    "standing_queries",
    "standing_query_versions",
    "suppressions",
    "tracks",
)


def v1_store(path: Path) -> Path:
    """A SQLite store as camsight 0.1 (commit ced0635) wrote it, from the committed SQL dump."""
    with sqlite3.connect(path) as conn:
        conn.executescript(FIXTURE.read_text(encoding="utf-8"))
    return path


MESSAGES = {"tracks": "record", "events": "payload"}
"""Columns holding a whole message, which the upgrade rewrites to version 2 (with the site)."""


def _message(text: object) -> object:
    data = json.loads(str(text))
    return json.dumps({k: v for k, v in data.items() if k not in ("site", "schema_version")}, sort_keys=True)


def rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the 0.1 tables, by table, with the columns 0.1 had (first ones, in order).

    Messages are compared without ``site`` and ``schema_version``, which the upgrade adds.
    """
    out = {}
    with sqlite3.connect(path) as conn:
        for table in V1_TABLES:
            cursor = conn.execute(f"SELECT * FROM {table}")
            names = [d[0] for d in cursor.description or ()]
            found = []
            for row in cursor.fetchall():
                found.append(
                    tuple(_message(v) if n == MESSAGES.get(table) else v for n, v in zip(names, row, strict=True))
                )
            out[table] = sorted(found, key=repr)
            out[table + ":width"] = [(len(names),)]
    return out


def test_a_v1_store_upgrades_with_every_row_and_id_kept(tmp_path: Path) -> None:
    path = v1_store(tmp_path / "old.db")
    before = rows(path)
    engine = connect(str(path))
    done = upgrade(engine, site="north-campus", database=str(path))
    assert done is not None
    assert done.from_version == 1
    assert done.backup is not None
    assert rows(done.backup) == before  # the backup is the store as it was
    after = rows(path)
    for table in V1_TABLES:
        width = before[table + ":width"][0][0]
        if table == "cameras":  # now keyed by (site, id): the site comes first
            assert [r[1:] for r in after[table]] == before[table]
            continue
        assert sorted((r[:width] for r in after[table]), key=repr) == before[table], table
    with engine.connect() as conn:
        events = list_events(conn, limit=100)
        tracks = list_tracks(conn, limit=100)
        features = conn.exec_driver_sql("SELECT count(*) FROM search_features").scalar_one()
    assert {e.id for e in events} == {r[0] for r in before["events"]}
    assert {(e.site, e.schema_version) for e in events} == {("north-campus", 2)}
    assert {t.id for t in tracks} == {r[0] for r in before["tracks"]}
    assert {t.site for t in tracks} == {"north-campus"}
    assert features == len(tracks)  # the search index was rebuilt in the upgrade, not on the first search


def test_a_second_upgrade_does_nothing(tmp_path: Path) -> None:
    path = v1_store(tmp_path / "old.db")
    engine = connect(str(path))
    assert upgrade(engine, site="a") is not None
    after = rows(path)
    assert upgrade(engine, site="a") is None
    assert rows(path) == after
    assert len(list(tmp_path.glob("old.schema1-backup-*.db"))) == 1


def test_the_upgrade_keeps_verdicts_queries_suppressions_and_audit(tmp_path: Path) -> None:
    path = v1_store(tmp_path / "old.db")
    store = open_store(Config(site="a"), str(path))
    with store.engine.connect() as conn:
        verdicts = conn.exec_driver_sql("SELECT event_id, verdict, note FROM feedback ORDER BY event_id").fetchall()
        query = conn.exec_driver_sql("SELECT id, name, version FROM standing_queries").one()
        audit = conn.exec_driver_sql("SELECT id, action FROM audit_log ORDER BY id").fetchall()
        payloads = conn.exec_driver_sql("SELECT payload FROM events").scalars().all()
        chain = verify_audit(conn)
    assert verdicts[0][1:] == ("confirmed", None)
    assert verdicts[1][1:] == ("false", "shadow on the floor")
    assert tuple(query) == (1, "vests", 2)
    assert [a[1] for a in audit][:2] == ["standing_query.add", "alert.feedback"]
    assert all(EVENT_ADAPTER.validate_json(p).site == "a" for p in payloads)
    assert (chain.ok, chain.rows) == (True, 6)  # 0.1's rows are chained from the upgrade on
    assert store.paths.media == tmp_path / "media"  # a 0.1 store keeps the folder it always used


def test_the_command_line_says_where_the_backup_is(tmp_path: Path) -> None:
    path = v1_store(tmp_path / "old.db")
    run = subprocess.run(
        [sys.executable, "-m", "camsight", "events", "--db", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "upgraded store" in run.stderr
    assert "schema1-backup" in run.stderr
    again = subprocess.run(
        [sys.executable, "-m", "camsight", "db", "upgrade", "--db", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert again.returncode == 0
    assert "nothing to do" in again.stdout


def test_a_store_newer_than_this_camsight_is_refused(tmp_path: Path) -> None:
    engine = connect(str(tmp_path / "s.db"))
    upgrade(engine, site="a")
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoreError, match=r"written by a newer camsight \(revision 9999"):
        upgrade(engine, site="a")


def test_a_database_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    with pytest.raises(StoreError, match="not a camsight store"):
        upgrade(connect(str(path)), site="a")


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_the_migrations_build_exactly_the_schema_module(
    dialect: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if dialect == "sqlite":
        engine = connect(str(tmp_path / "fresh.db"))
        upgrade(engine, site="a")
    else:
        engine = request.getfixturevalue("postgres_engine")
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = [d for d in compare_metadata(context, metadata) if "alembic_version" not in repr(d)]
        assert migrations.current(conn) == migrations.head()
    assert diff == []


def test_a_v1_store_on_postgresql_shape_is_not_needed_a_fresh_one_is_current(postgres_engine: sa.Engine) -> None:
    assert upgrade(postgres_engine, site="test") is None
    with postgres_engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT value FROM meta WHERE key = 'schema_version'").scalar_one() == str(
            SCHEMA_VERSION
        )


def test_two_commands_opening_a_new_store_at_once_both_succeed(tmp_path: Path) -> None:
    db = tmp_path / "new" / "s.db"
    code = (
        "import sys; from camsight.config import Config; from camsight.store import open_store; "
        "open_store(Config(site='a'), sys.argv[1]); print('ok')"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [err for _, err in results]
    with connect(str(db)).connect() as conn:
        assert migrations.current(conn) == migrations.head()


def _read_only(*paths: Path) -> None:
    """Make files and folders unwritable for this process: chattr +i as root (root ignores modes), else chmod."""
    for path in paths:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "+i", str(path)], check=True)
        else:
            os.chmod(path, 0o555 if path.is_dir() else 0o444)


def _writable(*paths: Path) -> None:
    for path in paths:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        else:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)


def test_a_read_only_store_can_be_searched_but_not_upgraded(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    ready.mkdir()
    store = open_store(Config(site="a"), str(ready / "s.db"))
    store.close()
    for leftover in ready.glob("s.db-*"):
        leftover.unlink()
    old = tmp_path / "old"
    old.mkdir()
    v1_store(old / "s.db")
    frozen = [ready / "s.db", ready, old / "s.db", old]
    _read_only(*frozen)
    try:
        search = _camsight(["search", "person in red", "--db", str(ready / "s.db")])
        listed = _camsight(["events", "--db", str(ready / "s.db")])
        refused = _camsight(["events", "--db", str(old / "s.db")])
        clip = Path(__file__).parents[2] / "data" / "intel_people-detection_preview.mp4"
        analysed = _camsight(["analyze", str(clip), "--db", str(ready / "s.db")])
    finally:
        _writable(*frozen)
    assert search.returncode == 0, search.stderr
    assert "not in its audit log" in search.stderr
    assert listed.returncode == 0, listed.stderr
    assert refused.returncode == 2
    assert "needs an upgrade" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert analysed.returncode == 2
    assert "read-only for this user" in analysed.stderr
    assert "Traceback" not in analysed.stderr


def _camsight(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "camsight", *args], capture_output=True, text=True, timeout=120, check=False
    )
