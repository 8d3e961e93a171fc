"""Standing queries, feedback, suppressions, stats and suggestions on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from store_factories import SOURCE_ID, T0, make_event, make_track

from camsight.errors import StoreError
from camsight.store import upsert_events, upsert_tracks
from camsight.store.alert_stats import alert_stats, false_alert_places, suggest_suppressions
from camsight.store.alerts_repo import (
    add_standing_query,
    add_suppression,
    get_feedback,
    get_standing_query,
    list_standing_queries,
    list_suppressions,
    query_history,
    set_feedback,
    set_suppression_enabled,
    update_standing_query,
)

SQUARE = ((0.4, 0.4), (0.6, 0.4), (0.6, 0.6), (0.4, 0.6))


def test_standing_query_versions(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        row = add_standing_query(
            conn,
            name="vests",
            text="person in an orange vest",
            query={"garments": ["vest"]},
            cameras=["floor"],
            schedule={"start": "22:00", "end": "06:00"},
            min_score=0.6,
            now=T0,
        )
        assert (row.version, row.cameras, row.schedule) == (1, ("floor",), {"start": "22:00", "end": "06:00"})
        with pytest.raises(StoreError, match="exists already"):
            add_standing_query(conn, name="vests", text="x", query={}, now=T0)
        later = T0 + timedelta(hours=1)
        assert update_standing_query(conn, query_id=row.id, now=later, enabled=True).version == 1  # no change
        update_standing_query(conn, query_id=row.id, now=later, enabled=False)
        update_standing_query(conn, query_id=row.id, now=later, min_score=0.7, text="orange vest")
        got = get_standing_query(conn, ref="vests")
        assert got is not None
        assert (got.version, got.enabled, got.min_score, got.text, got.updated_at) == (
            3,
            False,
            0.7,
            "orange vest",
            later,
        )
        assert get_standing_query(conn, ref=str(row.id)) == got
        assert get_standing_query(conn, ref="nope") is None
        history = query_history(conn, query_id=row.id)
        assert [(h.version, h.enabled, h.min_score) for h in history] == [
            (1, True, 0.6),
            (2, False, 0.6),
            (3, False, 0.7),
        ]
        assert history[0].snapshot["text"] == "person in an orange vest"
        add_standing_query(conn, name="cars", text="red car", query={}, now=T0)
        assert [q.name for q in list_standing_queries(conn, enabled=True)] == ["cars"]
        assert [q.name for q in list_standing_queries(conn)] == ["vests", "cars"]
        with pytest.raises(StoreError, match="no standing query"):
            update_standing_query(conn, query_id=999, now=later, enabled=True)


def test_feedback_latest_wins(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        assert get_feedback(conn, event_id="e1") is None
        set_feedback(conn, event_id="e1", verdict="false", note="shadow", now=T0)
        set_feedback(conn, event_id="e1", verdict="confirmed", now=T0 + timedelta(minutes=1))
        assert get_feedback(conn, event_id="e1") == ("confirmed", None)
        with pytest.raises(StoreError, match="confirmed"):
            set_feedback(conn, event_id="e1", verdict="maybe", now=T0)  # type: ignore[arg-type]


def test_suppressions_enable(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        sid = add_suppression(
            conn, rule="door", camera="cam1", polygon=SQUARE, reason="test", now=T0, object_class="person"
        )
        assert list_suppressions(conn, enabled=True) == []
        row = set_suppression_enabled(conn, suppression_id=sid, enabled=True)
        assert row.region.enabled
        assert row.region.polygon == SQUARE
        assert [s.region.id for s in list_suppressions(conn, enabled=True)] == [sid]
        with pytest.raises(StoreError, match="no suppression"):
            set_suppression_enabled(conn, suppression_id=sid + 100, enabled=True)


def _false_alerts_at(conn: sa.Connection, spots: list[tuple[float, float]], first: int = 1) -> None:
    events, records = [], []
    for k, (x, y) in enumerate(spots, start=first):
        events.append(make_event(n=k, track_ids=(k,), rule="door"))
        records.append(make_track(k, path=((60.0 * k, x, y), (60.0 * k + 5, 0.0, 0.0))))
    upsert_events(conn, events=events, source_id=SOURCE_ID, run_id="r")
    upsert_tracks(conn, records=records, run_id="r")
    for e in events:
        set_feedback(conn, event_id=e.id, verdict="false", now=T0)


def test_stats_and_suggestions(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        _false_alerts_at(conn, [(0.50, 0.50), (0.52, 0.53), (0.48, 0.51), (0.9, 0.1)])
        ok = make_event(n=10, track_ids=(10,), rule="door")
        other = make_event("loitering", n=11, rule="bench", started_at=T0 + timedelta(days=1))
        upsert_events(conn, events=[ok, other], source_id=SOURCE_ID, run_id="r")
        set_feedback(conn, event_id=ok.id, verdict="confirmed", now=T0)
        stats = {s.rule: s for s in alert_stats(conn)}
        assert (stats["door"].alerts, stats["door"].confirmed, stats["door"].false) == (5, 1, 4)
        assert stats["door"].precision == pytest.approx(0.2)
        assert stats["bench"].precision is None
        days = alert_stats(conn, per_day=True)
        assert [(s.rule, s.day) for s in days] == [("bench", (T0 + timedelta(days=1)).date()), ("door", T0.date())]
        assert len(false_alert_places(conn)) == 4
        made = suggest_suppressions(conn, now=T0)
        (new,) = [s for s in made if s.region.kind == "place"]
        assert (new.region.rule, new.region.object_class, new.region.enabled) == ("door", "person", False)
        assert "3 false alarms of person" in new.reason
        assert {s.region.kind for s in made} <= {"place", "time"}
        assert suggest_suppressions(conn, now=T0) == []  # already suggested
