"""The audit log on both backends, and that the CLI writes to it."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
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


def _three(engine: sa.Engine) -> None:
    t0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    with engine.begin() as conn:
        for n, action in enumerate(("search", "clip.export", "alert.feedback")):
            audit.record(conn, action=action, detail={"n": n, "text": "ü [/x]"}, actor="os:ana", at=t0 + timedelta(n))


def test_an_intact_chain_verifies(engine: sa.Engine) -> None:
    _three(engine)
    with engine.connect() as conn:
        check = audit.verify(conn)
    assert (check.ok, check.rows) == (True, 3)


def test_an_edited_row_is_caught(engine: sa.Engine) -> None:
    _three(engine)
    with engine.begin() as conn:
        second = sorted(e.id for e in audit.list_audit(conn))[1]
        conn.execute(sa.update(audit.audit_log).where(audit.audit_log.c.id == second).values(actor="os:mallory"))
        check = audit.verify(conn)
    assert (check.ok, check.bad_id) == (False, second)
    assert "changed after it was written" in check.describe()


@pytest.mark.parametrize("which", [0, 1, 2])
def test_a_deleted_row_is_caught(engine: sa.Engine, which: int) -> None:
    _three(engine)
    with engine.begin() as conn:
        ids = sorted(e.id for e in audit.list_audit(conn))
        conn.execute(sa.delete(audit.audit_log).where(audit.audit_log.c.id == ids[which]))
        check = audit.verify(conn)
    assert not check.ok
    assert check.bad_id == (ids[which + 1] if which < 2 else ids[2])


def test_retention_prunes_the_oldest_rows_and_the_chain_still_verifies(engine: sa.Engine) -> None:
    _three(engine)
    with engine.begin() as conn:
        deleted = audit.prune(conn, before=datetime(2026, 11, 24, 12, 0, tzinfo=UTC), actor="system:retention")
        check = audit.verify(conn)
        actions = [e.action for e in audit.list_audit(conn)]
    assert deleted == 2
    assert check.ok
    assert actions == ["audit.pruned", "alert.feedback"]
