"""The use cases without the CLI: typed filters, names checked, the actor's scope and role, audit rows."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parents[1] / "store"))
from store_factories import SOURCE_ID, T0, make_event, make_track  # noqa: E402

from camsight.config import Config  # noqa: E402
from camsight.events.alerts import Held  # noqa: E402
from camsight.events.query import EventQuery  # noqa: E402
from camsight.search.index_writer import store_tracks  # noqa: E402
from camsight.services import audit, clips, events, feedback, playback, queries, search, status  # noqa: E402
from camsight.services.actor import Actor, Forbidden, os_actor  # noqa: E402
from camsight.services.events import EventNotFound  # noqa: E402
from camsight.services.names import UnknownName  # noqa: E402
from camsight.store import connect, open_store, upsert_camera, upsert_events, upsert_tracks  # noqa: E402
from camsight.store.held_repo import store_held  # noqa: E402

ADMIN = os_actor()
OPERATOR = Actor("user:op", role="operator")
VIEWER = Actor("user:view", role="viewer")
GATE_ONLY = Actor("user:gate", role="operator", cameras=frozenset({"gate"}))
NOW = T0 + timedelta(days=1)


@pytest.fixture
def stocked(engine: sa.Engine) -> sa.Engine:
    """Two cameras' events and tracks (cam1 from the factories, gate moved)."""
    gate = [make_event(n=n, camera="gate", id=f"gate-{n:02d}") for n in range(2)]
    with engine.begin() as conn:
        for camera in ("cam1", "gate"):
            upsert_camera(conn, camera_id=camera, source=None, site="test")
        upsert_events(conn, events=[make_event(n=n) for n in range(3)] + gate, source_id=SOURCE_ID, run_id="r")
        tracks = [make_track(1), make_track(2, camera="gate")]
        upsert_tracks(conn, records=tracks, run_id="r")
        store_tracks(conn, tracks)
    return engine


def test_events_are_listed_newest_first_with_typed_filters(stocked: sa.Engine) -> None:
    with stocked.connect() as conn:
        listed = events.list_events(conn, actor=ADMIN, query=EventQuery(camera="cam1"))
        oldest = events.list_events(conn, actor=ADMIN, query=EventQuery(camera="cam1", oldest_first=True, limit=1))
        since = events.list_events(conn, actor=ADMIN, query=EventQuery(since=T0 + timedelta(minutes=1)))
    assert [e.started_at for e in listed] == sorted((e.started_at for e in listed), reverse=True)
    assert oldest[0].started_at == T0
    assert all(e.started_at >= T0 + timedelta(minutes=1) for e in since)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (EventQuery(kind="loitring"), "unknown event kind 'loitring'; did you mean 'loitering'?"),
        (EventQuery(camera="gaet"), "unknown camera 'gaet'; did you mean 'gate'?"),
        (EventQuery(rule="zone_intrusion-rul"), "did you mean 'zone_intrusion-rule'?"),
    ],
)
def test_unknown_names_are_refused_with_the_closest_ones(stocked: sa.Engine, query: EventQuery, message: str) -> None:
    with stocked.connect() as conn, pytest.raises(UnknownName, match=message.replace("?", r"\?")):
        events.list_events(conn, actor=ADMIN, query=query)


def test_an_actor_sees_only_its_cameras(stocked: sa.Engine) -> None:
    with stocked.connect() as conn:
        seen = events.list_events(conn, actor=GATE_ONLY, query=EventQuery())
        assert {e.camera for e in seen} == {"gate"}
        with pytest.raises(EventNotFound):
            events.find_event(conn, actor=GATE_ONLY, ref=make_event(n=0).id)
        assert events.find_event(conn, actor=GATE_ONLY, ref="gate-01").id == "gate-01"


def test_an_event_is_found_by_a_unique_start_of_its_id(stocked: sa.Engine) -> None:
    with stocked.connect() as conn:
        assert events.find_event(conn, actor=ADMIN, ref="gate-01").id == "gate-01"
        assert events.find_event(conn, actor=ADMIN, ref=make_event(n=2).id[:8]).id == make_event(n=2).id
        with pytest.raises(EventNotFound, match="matches several events"):
            events.find_event(conn, actor=ADMIN, ref="gate-")
        with pytest.raises(EventNotFound, match="no event"):
            events.find_event(conn, actor=ADMIN, ref="nothing-like-it")


def test_a_search_and_its_audit_row_are_one_transaction(stocked: sa.Engine) -> None:
    with stocked.begin() as conn:
        outcome = search.search(conn, actor=OPERATOR, text="person in red", now=NOW, semantic=False)
        assert outcome.audited
        (row,) = audit.entries(conn, actor=ADMIN, action="search")
    assert (row.actor, row.detail["text"], row.detail["results"]) == ("user:op", "person in red", 2)
    with stocked.connect() as conn:  # the caller's transaction fails: its search's audit row goes with it
        transaction = conn.begin()
        search.search(conn, actor=OPERATOR, text="person in grey", now=NOW, semantic=False)
        transaction.rollback()
    with stocked.connect() as conn:
        assert [e.detail["text"] for e in audit.entries(conn, actor=ADMIN, action="search")] == ["person in red"]


def test_a_search_returns_only_the_actors_cameras(stocked: sa.Engine) -> None:
    with stocked.begin() as conn:
        hits = search.search(conn, actor=GATE_ONLY, text="person", now=NOW, semantic=False).result.hits
        assert {h.record.camera for h in hits} == {"gate"}
        with pytest.raises(UnknownName, match="did you mean 'gate'"):
            search.search(conn, actor=ADMIN, text="person", now=NOW, camera="gat", semantic=False)


def test_viewers_may_not_search_give_feedback_or_read_the_audit_log(stocked: sa.Engine) -> None:
    with stocked.begin() as conn:
        with pytest.raises(Forbidden, match="viewer"):
            search.search(conn, actor=VIEWER, text="person", now=NOW, semantic=False)
        with pytest.raises(Forbidden):
            feedback.give_verdict(conn, actor=VIEWER, ref="gate-01", verdict="false", now=NOW)
        with pytest.raises(Forbidden):
            audit.entries(conn, actor=OPERATOR)


def test_a_verdict_is_recorded_and_audited(stocked: sa.Engine) -> None:
    with stocked.begin() as conn:
        full = feedback.give_verdict(conn, actor=OPERATOR, ref="gate-01", verdict="false", note="a shadow", now=NOW)
        (row,) = audit.entries(conn, actor=ADMIN, action="alert.feedback")
        report = feedback.rule_report(conn, actor=ADMIN, now=NOW)
    assert full == "gate-01"
    assert row.detail == {"event_id": "gate-01", "verdict": "false", "note": "a shadow", "site": "test"}
    assert sum(s.false for s in report.stats) == 1


def test_standing_queries_check_their_cameras_and_are_audited(stocked: sa.Engine) -> None:
    with stocked.begin() as conn:
        with pytest.raises(UnknownName, match="unknown camera 'gaet'; did you mean 'gate'"):
            queries.add(conn, actor=ADMIN, name="q", text="person in red", now=NOW, cameras=["gaet"])
        with pytest.raises(Forbidden):
            queries.add(conn, actor=OPERATOR, name="q", text="person in red", now=NOW)
        row, query = queries.add(conn, actor=ADMIN, name="reds", text="person in red", now=NOW, cameras=["gate"])
        disabled = queries.set_enabled(conn, actor=ADMIN, ref="reds", enabled=False, now=NOW)
        actions = [e.action for e in audit.entries(conn, actor=ADMIN)]
    assert query.object_classes == ("person",)
    assert (row.version, disabled.version, disabled.enabled) == (1, 2, False)
    assert actions[:2] == ["standing_query.disable", "standing_query.add"]


def test_unblurred_clips_are_for_admins(tmp_path: Path) -> None:
    store = open_store(Config(site="t"), str(tmp_path / "s.db"))
    with pytest.raises(Forbidden, match="heads not blurred"):
        clips.export(
            store, actor=OPERATOR, config=Config(), ref="x", output=tmp_path / "c.mp4", pre_s=0, post_s=0, blur=False
        )
    with pytest.raises(Forbidden):
        clips.export(store, actor=VIEWER, config=Config(), ref="x", output=tmp_path / "c.mp4", pre_s=0, post_s=0)


def test_a_read_only_store_is_searched_without_an_audit_row(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    open_store(Config(site="t"), str(path)).close()
    reader = connect(str(path), read_only=True)
    with reader.begin() as conn:
        outcome = search.search(conn, actor=OPERATOR, text="person", now=datetime.now(UTC), semantic=False)
    assert not outcome.audited
    with connect(str(path)).connect() as conn:
        assert audit.entries(conn, actor=ADMIN) == []


NORTH = Actor("user:bo", role="operator", sites=frozenset({"north"}))


@pytest.fixture
def two_sites(engine: sa.Engine) -> sa.Engine:
    """A hub's store: a gate camera at north and at south, and a dock camera at south only."""
    with engine.begin() as conn:
        for site, camera, count in (("north", "gate", 2), ("south", "gate", 3), ("south", "dock", 0)):
            upsert_camera(conn, camera_id=camera, source=None, site=site)
            found = [make_event(n=n, camera=camera, site=site, id=f"{site}-{camera}-{n}") for n in range(count)]
            upsert_events(conn, events=found, source_id=f"{site}-src", run_id="r")
        south_dock = make_event(n=9, camera="dock", site="south", id="south-dock", zone="loading bay")
        upsert_events(conn, events=[south_dock], source_id="south-src", run_id="r")
        kept = [make_track(1, camera="gate", site="north", source_id="north-src")] + [
            make_track(n, camera="gate", site="south", source_id="south-src") for n in range(1, 5)
        ]
        upsert_tracks(conn, records=kept, run_id="r")
        for site in ("north", "south"):
            held = Held(make_event(n=20, camera="gate", site=site, id=f"{site}-held"), 1)
            store_held(conn, held=[held], source_id=f"{site}-src", run_id="r", now=NOW)
    return engine


def test_held_alerts_are_listed_of_the_actors_sites_only(two_sites: sa.Engine) -> None:
    with two_sites.connect() as conn:
        assert {h.event.id for h in feedback.held_alerts(conn, actor=ADMIN)} == {"north-held", "south-held"}
        assert [h.event.id for h in feedback.held_alerts(conn, actor=NORTH)] == ["north-held"]


def test_the_recordings_timeline_shows_the_events_of_the_actors_sites_only(two_sites: sa.Engine) -> None:
    window = {"config": Config(site="hub"), "since": T0, "until": T0 + timedelta(hours=1)}
    with two_sites.connect() as conn:
        everyone = playback.list_recordings(conn, actor=ADMIN, **window)
        norths = playback.list_recordings(conn, actor=NORTH, **window)
    assert {e.id for e in everyone.events} == {
        "north-gate-0",
        "north-gate-1",
        "south-gate-0",
        "south-gate-1",
        "south-gate-2",
        "south-dock",
    }
    assert {e.id for e in norths.events} == {"north-gate-0", "north-gate-1"}


def test_the_store_status_counts_only_the_actors_sites_and_cameras(two_sites: sa.Engine) -> None:
    lobby = Actor("user:cy", role="operator", cameras=frozenset({"lobby"}))
    with two_sites.connect() as conn:
        everything = status.store_status(conn, actor=ADMIN)
        norths = status.store_status(conn, actor=NORTH)
        lobbys = status.store_status(conn, actor=lobby)
    assert (everything.events, everything.tracks, everything.cameras) == (6, 5, 2)
    assert (norths.events, norths.tracks, norths.cameras) == (2, 1, 1)
    assert (lobbys.events, lobbys.tracks, lobbys.cameras) == (0, 0, 0)


def test_names_an_unknown_one_is_answered_with_are_the_actors_sites_only(two_sites: sa.Engine) -> None:
    with two_sites.begin() as conn:
        with pytest.raises(UnknownName, match="did you mean 'dock'"):
            events.list_events(conn, actor=ADMIN, query=EventQuery(camera="dok"))
        with pytest.raises(UnknownName) as refused:
            events.list_events(conn, actor=NORTH, query=EventQuery(camera="dok"))
        assert "dock" not in str(refused.value)
        with pytest.raises(UnknownName) as searched:
            search.search(conn, actor=NORTH, text="person", now=NOW, camera="dok")
        assert "dock" not in str(searched.value)
        assert search.known_names(conn, actor=NORTH) == (["gate"], ["north gate"])
        assert search.known_names(conn, actor=ADMIN) == (["dock", "gate"], ["loading bay", "north gate"])


def test_an_admin_limited_to_sites_reads_the_audit_rows_of_its_sites_and_its_own(two_sites: sa.Engine) -> None:
    north_admin = Actor("user:nadia", role="admin", sites=frozenset({"north"}))
    south = Actor("user:sam", role="operator", sites=frozenset({"south"}))
    with two_sites.begin() as conn:
        feedback.give_verdict(conn, actor=south, ref="south-gate-0", verdict="false", note=None, now=NOW)
        feedback.give_verdict(conn, actor=NORTH, ref="north-gate-0", verdict="confirmed", note=None, now=NOW)
        events.get_track(conn, actor=ADMIN, track_id="south-src:2")  # a view of south's track
        search.search(conn, actor=ADMIN, text="person", now=NOW)  # about no one site
        audit.record(conn, actor=north_admin, action="logout", detail={})  # its own, about no site
    with two_sites.connect() as conn:
        everything = audit.entries(conn, actor=ADMIN)
        norths = audit.entries(conn, actor=north_admin)
        by_sam = audit.entries(conn, actor=north_admin, by="user:sam")
    assert [(e.actor, e.action) for e in everything] == [
        ("user:nadia", "logout"),
        (ADMIN.name, "search"),
        (ADMIN.name, "view.track"),
        ("user:bo", "alert.feedback"),
        ("user:sam", "alert.feedback"),
    ]
    assert [e.detail.get("site") for e in everything] == [None, None, "south", "north", "south"]
    assert [(e.actor, e.action) for e in norths] == [("user:nadia", "logout"), ("user:bo", "alert.feedback")]
    assert by_sam == []  # south's verdict stays out of sight, asked for by name too
