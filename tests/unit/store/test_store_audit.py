"""The audit log on both backends, and that the CLI writes to it."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from camsight.store import audit, connect, upgrade


def test_record_and_list_newest_first(engine: sa.Engine) -> None:
    t0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    with engine.begin() as conn:
        audit.record(conn, action="search", detail={"text": "red car"}, actor="os:alice", at=t0)
        audit.record(conn, action="clip.export", detail={"event": "abc"}, actor="os:bob", at=t0 + timedelta(minutes=5))
        entries = audit.list_audit(conn)
        assert [e.action for e in entries[:2]] == ["clip.export", "search"]
        assert entries[1].detail == {"text": "red car"}
        assert entries[1].at == t0
        assert [e.actor for e in audit.list_audit(conn, action="search")] == ["os:alice"]
        assert audit.list_audit(conn, since=t0 + timedelta(minutes=1), action="search") == []


def test_the_module_offers_no_way_to_change_entries() -> None:
    public = {name for name in vars(audit) if not name.startswith("_")}
    assert not {n for n in public if any(w in n for w in ("update", "delete", "remove", "edit"))}


def test_search_is_audited(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    upgrade(connect(str(db)), site="test")
    run = subprocess.run(
        [sys.executable, "-m", "camsight", "search", "person in a red jacket", "--db", str(db)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    with connect(str(db)).begin() as conn:
        entries = audit.list_audit(conn, action="search")
    assert len(entries) == 1
    assert entries[0].detail["text"] == "person in a red jacket"
    assert entries[0].detail["results"] == 0
