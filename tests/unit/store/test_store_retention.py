"""Retention at the store: what each kind takes with it, what open events keep, real files, SQLite and PostgreSQL."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import numpy as np
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))
from retention_factories import NOW, SOURCE_ID, TRACKS, Stocked, ago, stock, track_id  # noqa: E402
from store_factories import make_event, make_track  # noqa: E402

from camsight.events.alerts import Held  # noqa: E402
from camsight.events.suppress import Placement  # noqa: E402
from camsight.store import (  # noqa: E402
    audit,
    get_event,
    get_track,
    retention,  # noqa: E402
    upsert_tracks,
)
from camsight.store import recordings as rec  # noqa: E402
from camsight.store.held_repo import list_held, store_held, store_subjects, subjects_of  # noqa: E402
from camsight.store.schema import audit_log, feedback, track_embeddings, track_features  # noqa: E402

CUTOFFS = retention.Cutoffs(media=ago(10), tracks=ago(30), events=ago(365), audit=ago(730))
SEGMENTS = retention.SegmentPolicy(retain_days=7, max_bytes=10**9, pre_s=3)


def _ids(conn: sa.Connection, column: sa.Column[str]) -> set[str]:
    return set(conn.execute(sa.select(column)).scalars())


def test_the_plan_lists_what_is_older_oldest_first_and_spares_what_open_events_need(
    engine: sa.Engine, tmp_path: Path
) -> None:
    stocked = stock(engine, tmp_path)
    with engine.connect() as conn:
        plan = retention.plan(conn, now=NOW, cutoffs=CUTOFFS, segments=SEGMENTS)
    assert plan.counts() == {"recordings": 1, "media": 5, "tracks": 1, "events": 1, "audit": 3}
    assert [s.path for s in plan.segments] == [stocked.segments["cam2-old"]]  # cam1's: an open event needs it
    assert plan.tracks == (track_id("old"),)  # "open" is as old, but an open event's
    assert plan.events == (stocked.events["old"],)  # "long" started before the cutoff but ended after it
    assert plan.thumbnails == (track_id("mid"), track_id("shared"))
    assert plan.snapshots == (stocked.events["long"], stocked.events["mid"])
    thumbs, snaps = stocked.thumbnails, stocked.snapshots
    assert set(plan.files) == {thumbs["old"], thumbs["mid"], snaps["old"], snaps["long"], snaps["mid"]}
    assert thumbs["shared"] not in plan.files  # a recent event shows it
    assert plan.kept == 6  # cam1's segment, the open event, its track, their pictures, the shared thumbnail
    assert not plan.more


def _apply(engine: sa.Engine, stocked: Stocked) -> dict[str, int]:
    with engine.begin() as conn:
        plan = retention.plan(conn, now=NOW, cutoffs=CUTOFFS, segments=SEGMENTS)
        return retention.apply(
            conn, plan=plan, cutoffs=CUTOFFS, media=stocked.media, recordings=stocked.recordings, actor="test"
        )


def test_tracks_go_with_their_index_rows_embeddings_and_thumbnails(engine: sa.Engine, tmp_path: Path) -> None:
    stocked = stock(engine, tmp_path)
    _apply(engine, stocked)
    with engine.connect() as conn:
        left = {name for name in TRACKS if get_track(conn, track_id=track_id(name)) is not None}
        indexed = _ids(conn, track_features.c.id)
        embedded = _ids(conn, track_embeddings.c.track_id)
        mid = get_track(conn, track_id=track_id("mid"))
    assert left == {"open", "mid", "shared", "new"}
    assert indexed == {track_id(n) for n in left}
    assert embedded == {track_id("mid")}  # a thumbnail that expired keeps its embedding (search still works)
    assert mid is not None
    assert mid.thumbnail is None  # the record it keeps forgets the picture too
    thumbs = stocked.thumbnails
    assert [stocked.exists(thumbs[n]) for n in TRACKS] == [False, True, False, True, True]  # old open mid shared new


def test_events_go_with_their_snapshots_and_verdicts_and_open_ones_stay(engine: sa.Engine, tmp_path: Path) -> None:
    stocked = stock(engine, tmp_path)
    _apply(engine, stocked)
    with engine.connect() as conn:
        events = {name: get_event(conn, event_id=eid) for name, eid in stocked.events.items()}
        verdicts = _ids(conn, feedback.c.event_id)
    assert {name for name, e in events.items() if e is not None} == {"open", "long", "mid", "recent"}
    assert verdicts == {stocked.events["mid"]}  # the deleted event's verdict went with it
    kept = {name: e.snapshot for name, e in events.items() if e is not None}
    assert kept == {"open": stocked.snapshots["open"], "long": None, "mid": None, "recent": stocked.snapshots["recent"]}
    assert events["open"] is not None
    assert events["open"].status == "open"
    snaps = stocked.snapshots
    assert [stocked.exists(snaps[n]) for n in ("old", "open", "long", "mid", "recent")] == [
        False,
        True,
        False,
        False,
        True,
    ]


def test_the_audit_log_is_pruned_through_its_chain_and_still_verifies(engine: sa.Engine, tmp_path: Path) -> None:
    stocked = stock(engine, tmp_path)
    deleted = _apply(engine, stocked)
    with engine.connect() as conn:
        entries = audit.list_audit(conn, limit=100)
        check = audit.verify(conn)
    assert deleted["audit"] == 3
    assert check.ok, check.describe()
    assert [e.action for e in entries] == ["audit.pruned", "search", "search", "search"]
    assert entries[0].actor == "test"
    assert min(e.at for e in entries) >= ago(730)


def test_recordings_follow_the_recording_rule(engine: sa.Engine, tmp_path: Path) -> None:
    stocked = stock(engine, tmp_path)
    deleted = _apply(engine, stocked)
    with engine.connect() as conn:
        paths = {s.path for s in rec.list_segments(conn)}
    assert paths == {stocked.segments["cam2-new"], stocked.segments["cam1-old"]}
    assert not (stocked.recordings / stocked.segments["cam2-old"]).exists()
    assert (stocked.recordings / stocked.segments["cam1-old"]).exists()
    assert deleted == {"recordings": 1, "media": 5, "tracks": 1, "events": 1, "audit": 3}


def test_a_second_pass_finds_nothing_and_new_data_is_never_touched(engine: sa.Engine, tmp_path: Path) -> None:
    stocked = stock(engine, tmp_path)
    _apply(engine, stocked)
    assert _apply(engine, stocked) == dict.fromkeys(retention.KINDS, 0)
    with engine.connect() as conn:
        new = get_track(conn, track_id=track_id("new"))
        rows = int(conn.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar_one())
    assert new is not None
    assert new.thumbnail == stocked.thumbnails["new"]
    assert rows == 4  # the second pass pruned nothing and wrote nothing


def test_nothing_goes_where_a_kind_is_kept_forever(engine: sa.Engine, tmp_path: Path) -> None:
    stock(engine, tmp_path)
    with engine.connect() as conn:
        plan = retention.plan(conn, now=NOW, cutoffs=retention.Cutoffs())
    assert plan.counts() == dict.fromkeys(retention.KINDS, 0)


def test_a_limit_takes_the_oldest_first_and_says_there_is_more(engine: sa.Engine, tmp_path: Path) -> None:
    records = [
        make_track(n, source_id="s9", started_at=ago(50 - n), ended_at=ago(50 - n) + timedelta(seconds=5))
        for n in (3, 1, 2)
    ]
    with engine.begin() as conn:
        upsert_tracks(conn, records=records, run_id="r")
        first = retention.plan(conn, now=NOW, cutoffs=retention.Cutoffs(tracks=ago(30)), limit=2)
        everything = retention.plan(conn, now=NOW, cutoffs=retention.Cutoffs(tracks=ago(30)))
    assert first.tracks == ("s9:1", "s9:2")  # ended 49 and 48 days ago
    assert first.more
    assert everything.tracks == ("s9:1", "s9:2", "s9:3")
    assert not everything.more


def test_held_alerts_follow_the_events_and_their_snapshots_the_media(engine: sa.Engine, tmp_path: Path) -> None:
    """What a suppression held back is kept, not past the retention: rows like events, pictures like media."""
    stocked = stock(engine, tmp_path)
    held = {}
    with engine.begin() as conn:
        for n, (name, days) in enumerate({"ancient": 400, "mid": 20, "recent": 5}.items(), start=50):
            snapshot = stocked.media.save_jpeg(f"cam1/{SOURCE_ID}/event-held-{name}.jpg", np.zeros((8, 8, 3), np.uint8))
            event = make_event(n=n, id=f"held-{name}", started_at=ago(days), status="closed", snapshot=snapshot)
            store_held(conn, held=[Held(event, 1)], source_id=SOURCE_ID, run_id="r", now=NOW)
            held[name] = snapshot
        seen = Placement(0.5, 0.9, "person", w=0.1, h=0.3)
        store_subjects(
            conn, subjects={i: seen for i in (stocked.events["old"], stocked.events["recent"], "held-ancient")}
        )
    with engine.connect() as conn:
        counts = retention.plan(conn, now=NOW, cutoffs=CUTOFFS, segments=SEGMENTS).counts()
    deleted = _apply(engine, stocked)
    assert deleted["events"] == counts["events"]
    with engine.connect() as conn:
        kept = {h.event.id: h.event.snapshot for h in list_held(conn)}
    assert kept == {"held-mid": None, "held-recent": held["recent"]}
    with engine.connect() as conn:
        about = subjects_of(conn, event_ids=[stocked.events["old"], stocked.events["recent"], "held-ancient"])
    assert set(about) == {stocked.events["recent"]}  # what a deleted alert was about goes with it
    assert [stocked.exists(held[n]) for n in ("ancient", "mid", "recent")] == [False, False, True]
