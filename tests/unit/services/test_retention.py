"""The retention use case, its command and camsight run's hourly pass: dry runs, deletions, audit rows, roles."""

from __future__ import annotations

import json
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parents[1] / "store"))
from retention_factories import NOW, TRACKS, Stocked, stock, track_id  # noqa: E402

from camsight.apps.edge import Supervisor  # noqa: E402
from camsight.cli import app  # noqa: E402
from camsight.config import Config  # noqa: E402
from camsight.services import retention  # noqa: E402
from camsight.services.actor import Actor, Forbidden, os_actor  # noqa: E402
from camsight.store import audit, get_track, open_store  # noqa: E402
from camsight.store import recordings as rec  # noqa: E402
from camsight.store.paths import StorePaths  # noqa: E402

ADMIN = os_actor()
CONFIG = Config.model_validate(
    {
        "retention": {"media_days": 10, "tracks_days": 30, "events_days": 365, "audit_days": 730},
        "recording": {"retain_days": 7},
    }
)
EVERYTHING = {"recordings": 1, "media": 5, "tracks": 1, "events": 1, "audit": 3}


def _run(engine: sa.Engine, stocked: Stocked, **kwargs: object) -> retention.RetentionReport:
    return retention.run(
        engine,
        config=kwargs.pop("config", CONFIG),  # type: ignore[arg-type]
        media=stocked.media,
        recordings=stocked.recordings,
        now=NOW,
        **{"actor": ADMIN, **kwargs},  # type: ignore[arg-type]
    )


def _tracks_left(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return {name for name in TRACKS if get_track(conn, track_id=track_id(name)) is not None}


def _runs(engine: sa.Engine) -> list[audit.AuditEntry]:
    with engine.connect() as conn:
        return audit.list_audit(conn, action="retention.run")


def test_a_dry_run_deletes_nothing_and_reports_the_counts(engine: sa.Engine, tmp_path: Path) -> None:
    stocked = stock(engine, tmp_path)
    report = _run(engine, stocked, dry_run=True)
    assert report.counts == EVERYTHING
    assert (report.dry_run, report.passes, report.kept) == (True, 1, 6)
    assert _tracks_left(engine) == set(TRACKS)
    assert all(stocked.exists(p) for p in [*stocked.thumbnails.values(), *stocked.snapshots.values()])
    with engine.connect() as conn:
        assert len(rec.list_segments(conn)) == 3
        assert len(audit.list_audit(conn, action="search")) == 6
    (row,) = _runs(engine)
    assert (row.detail["dry_run"], row.detail["counts"], row.actor) == (True, EVERYTHING, ADMIN.name)


def test_a_run_deletes_per_kind_and_audits_the_counts(engine: sa.Engine, tmp_path: Path) -> None:
    stocked = stock(engine, tmp_path)
    report = _run(engine, stocked)
    assert (report.counts, report.dry_run, report.more) == (EVERYTHING, False, False)
    assert _tracks_left(engine) == {"open", "mid", "shared", "new"}
    (row,) = _runs(engine)
    assert row.detail["dry_run"] is False
    assert row.detail["counts"] == EVERYTHING
    assert row.detail["cutoffs"]["tracks"] == "2026-05-02T12:00:00+00:00"
    with engine.connect() as conn:
        check = audit.verify(conn)
        actions = [e.action for e in audit.list_audit(conn)]
    assert check.ok, check.describe()
    assert actions == ["retention.run", "audit.pruned", "search", "search", "search"]


def test_batches_are_passes_of_their_own_each_audited(engine: sa.Engine, tmp_path: Path) -> None:
    stocked = stock(engine, tmp_path)
    config = CONFIG.model_copy(update={"retention": CONFIG.retention.model_copy(update={"tracks_days": 10})})
    report = _run(engine, stocked, config=config, limit=1)  # 3 tracks and 3 thumbnails, 1 of each per pass
    assert report.counts["tracks"] == 3
    assert report.passes == len(_runs(engine)) == 3  # the 3rd finds nothing beyond what it deletes
    assert _tracks_left(engine) == {"open", "new"}


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_only_admins_run_retention(engine: sa.Engine, tmp_path: Path, role: str) -> None:
    stocked = stock(engine, tmp_path)
    with pytest.raises(Forbidden, match="may not run retention"):
        _run(engine, stocked, actor=Actor(f"user:{role}", role=role))  # type: ignore[arg-type]
    assert _tracks_left(engine) == set(TRACKS)
    assert _runs(engine) == []


def test_zero_or_null_keeps_a_kind_forever(engine: sa.Engine, tmp_path: Path) -> None:
    stocked = stock(engine, tmp_path)
    keep = {"media_days": 0, "tracks_days": None, "events_days": 0, "audit_days": None}
    config = Config.model_validate({"retention": keep, "recording": {"retain_days": 3650}})
    assert _run(engine, stocked, config=config).counts == dict.fromkeys(retention.KINDS, 0)
    assert _tracks_left(engine) == set(TRACKS)


def _site(tmp_path: Path, *, now: datetime = NOW) -> tuple[Path, Stocked]:
    """A SQLite store at ``tmp_path/site.db`` stocked, with a config file naming its folders."""
    db = tmp_path / "site.db"
    store = open_store(CONFIG, str(db))
    stocked = stock(store.engine, tmp_path, now=now)
    store.close()
    (tmp_path / "site.yaml").write_text(
        f"store: {{media: {stocked.media.root}}}\nrecording: {{folder: {stocked.recordings}, retain_days: 7}}\n"
        "retention: {media_days: 10, tracks_days: 30, events_days: 365, audit_days: 730}\n"
    )
    return db, stocked


def test_the_command_prints_per_kind_what_a_dry_run_would_delete_and_then_deletes_it(tmp_path: Path) -> None:
    db, stocked = _site(tmp_path, now=datetime.now(UTC))
    args = ["retention", "run", "--config", str(tmp_path / "site.yaml"), "--db", str(db)]
    dry = CliRunner(env={"COLUMNS": "200"}).invoke(app, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "dry run: nothing deleted" in dry.output
    lines = {line.split("│")[1].strip(): line.split("│")[-2].strip() for line in dry.output.splitlines() if "│" in line}
    assert lines["track records"] == "1"
    assert lines["thumbnails and snapshots"] == "5"
    assert lines["audit-log rows"] == "3"
    assert stocked.exists(stocked.thumbnails["old"])
    done = CliRunner().invoke(app, [*args, "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["counts"] == EVERYTHING
    assert not stocked.exists(stocked.thumbnails["old"])


def test_camsight_run_deletes_what_is_due_as_the_system(tmp_path: Path) -> None:
    db, stocked = _site(tmp_path, now=datetime.now(UTC))
    config = CONFIG.model_validate(
        {**CONFIG.model_dump(), "cameras": [{"id": "gate", "source": "rtsp://127.0.0.1:9/none"}]}
    )
    paths = StorePaths(str(db), stocked.media.root, stocked.recordings, tmp_path / "s.json", tmp_path / "s.lock")
    Supervisor(config, paths=paths).store_retention()  # what the supervisor's loop does every hour
    store = open_store(config, str(db))
    (row,) = _runs(store.engine)
    assert row.actor == retention.SYSTEM.name == "system:retention"
    assert row.detail["counts"] == EVERYTHING
    assert _tracks_left(store.engine) == {"open", "mid", "shared", "new"}


def test_the_supervisor_retains_beside_its_loop_one_run_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = Config.model_validate({"cameras": [{"id": "gate", "source": "rtsp://x/1"}]})
    supervisor = Supervisor(config, paths=StorePaths.resolve(config, str(tmp_path / "cs.db")))
    release, calls = threading.Event(), []

    def slow_pass() -> None:
        calls.append(threading.current_thread().name)
        release.wait(10)

    monkeypatch.setattr(supervisor, "store_retention", slow_pass)
    supervisor._retain_in_background()
    supervisor._retain_in_background()  # the first is still running: no second one
    release.set()
    assert supervisor._retaining is not None
    supervisor._retaining.join(10)
    assert calls == ["camsight-retention"]
    supervisor._retain_in_background()  # the next hour's
    supervisor._retaining.join(10)
    assert len(calls) == 2
