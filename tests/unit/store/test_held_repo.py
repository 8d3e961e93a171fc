"""Held alerts and alert subjects on SQLite and PostgreSQL: kept, listed, counted, released — never deleted."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from store_factories import SOURCE_ID, T0, make_event

from camsight.errors import StoreError
from camsight.events.alerts import Held
from camsight.events.suppress import Placement, Suppression
from camsight.store import list_events
from camsight.store.alert_stats import alert_stats, judged_alerts
from camsight.store.alerts_repo import add_suppression_of, get_suppression, set_feedback, set_suppression_enabled
from camsight.store.held_repo import held_counts, list_held, release_held, store_held, store_subjects, subjects_of


def test_held_alerts_are_kept_listed_counted_and_released(engine: sa.Engine) -> None:
    region = Suppression(0, "zone_intrusion-rule", "cam1", None, ((0, 0), (1, 0), (1, 1), (0, 1)), "person", False)
    with engine.begin() as conn:
        sid = add_suppression_of(conn, region=region, reason="test", now=T0)
        assert get_suppression(conn, suppression_id=sid).enabled_at is None  # type: ignore[union-attr]
        enabled = set_suppression_enabled(conn, suppression_id=sid, enabled=True, now=T0 + timedelta(minutes=2))
        assert enabled.enabled_at == T0 + timedelta(minutes=2)
        first, second = make_event(n=1), make_event(n=3)
        store_held(conn, held=[Held(first, sid)], source_id=SOURCE_ID, run_id="r", now=T0)
        store_held(conn, held=[Held(second, sid)], source_id=SOURCE_ID, run_id="r", now=T0 + timedelta(minutes=3))
        closed = second.model_copy(update={"status": "closed", "end_s": second.end_s + 5})
        store_held(conn, held=[Held(closed, sid)], source_id=SOURCE_ID, run_id="r", now=T0 + timedelta(minutes=4))
        rows = list_held(conn)
        assert [(r.event.id, r.event.status, r.status) for r in rows] == [
            (second.id, "closed", "suppressed"),
            (first.id, "open", "suppressed"),
        ]
        assert list_held(conn, cameras=["elsewhere"]) == []
        assert list_events(conn, limit=10) == []  # held back: not an alert
        assert [s.suppressed for s in alert_stats(conn)] == [2]
        counts = held_counts(conn, enabled_at={sid: enabled.enabled_at})
        assert (counts[sid].total, counts[sid].since_enabled, counts[sid].confirmed) == (2, 1, 0)

        released = release_held(conn, ref=second.id[:10], by="os:ana", now=T0 + timedelta(hours=1))
        assert (released.status, released.released_by) == ("released", "os:ana")
        assert [e.id for e in list_events(conn, limit=10)] == [second.id]
        with pytest.raises(StoreError, match="released already"):
            release_held(conn, ref=second.id, by="os:ana", now=T0)
        with pytest.raises(StoreError, match="no held alert"):
            release_held(conn, ref="nothing", by="os:ana", now=T0)
        set_feedback(conn, event_id=second.id, verdict="confirmed", now=T0)
        assert held_counts(conn)[sid].confirmed == 1  # it hid a real alert
        assert [s.suppressed for s in alert_stats(conn)] == [1]  # one of them is an alert now


def test_subjects_are_what_verdicts_teach(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        alert = make_event(n=1)
        from camsight.store import upsert_events

        upsert_events(conn, events=[alert], source_id=SOURCE_ID, run_id="r")
        seen = Placement(0.4, 0.8, "person", w=0.05, h=0.3, colours={"upper:red": 0.7})
        store_subjects(conn, subjects={alert.id: seen})
        assert subjects_of(conn, event_ids=[alert.id]) == {alert.id: seen}
        assert subjects_of(conn, event_ids=[alert.id])[alert.id].colours == {"upper:red": 0.7}
        set_feedback(conn, event_id=alert.id, verdict="false", now=T0)
        (judged,) = judged_alerts(conn)
        assert (judged.event.id, judged.verdict, judged.about) == (alert.id, "false", seen)
