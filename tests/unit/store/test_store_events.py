from __future__ import annotations

from datetime import timedelta, timezone

import pytest
import sqlalchemy as sa
from store_factories import SOURCE_ID, T0, make_event

from camsight.events.models import CrowdEvent, LineCrossingEvent, LoiteringEvent, ZoneIntrusionEvent
from camsight.store import count_events, get_event, list_events, upsert_event, upsert_events
from camsight.store.schema import events

RUN = "run-1"


@pytest.mark.parametrize(
    ("kind", "model"),
    [
        ("zone_intrusion", ZoneIntrusionEvent),
        ("line_crossing", LineCrossingEvent),
        ("loitering", LoiteringEvent),
        ("crowd", CrowdEvent),
    ],
)
def test_event_round_trip_keeps_its_kind(engine: sa.Engine, kind: str, model: type) -> None:
    event = make_event(kind, snapshot="cam1/x/event.jpg")
    with engine.begin() as conn:
        upsert_event(conn, event=event, source_id=SOURCE_ID, run_id=RUN)
    with engine.connect() as conn:
        got = get_event(conn, event_id=event.id)
        listed = list_events(conn)
    assert isinstance(got, model)
    assert got == event
    assert got.started_at.utcoffset() == timedelta(0)
    assert listed == [event]


def test_same_event_twice_is_one_row_with_the_update_kept(engine: sa.Engine) -> None:
    opened = make_event("loitering")
    closed = opened.model_copy(update={"end_s": opened.start_s + 45.0, "status": "closed", "dwell_s": 45.0})
    with engine.begin() as conn:
        upsert_event(conn, event=opened, source_id=SOURCE_ID, run_id=RUN)
    with engine.begin() as conn:
        created = conn.execute(sa.select(events.c.created_at)).scalar_one()
        upsert_event(conn, event=closed, source_id=SOURCE_ID, run_id=RUN)
        upsert_event(conn, event=closed, source_id=SOURCE_ID, run_id=RUN)
    with engine.connect() as conn:
        row = conn.execute(sa.select(events)).mappings().one()
        got = get_event(conn, event_id=opened.id)
        assert count_events(conn) == 1
    assert (row["end_s"], row["status"], row["created_at"]) == (opened.start_s + 45.0, "closed", created)
    assert row["updated_at"] >= created
    assert got == closed


def test_get_missing_event_is_none(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        assert get_event(conn, event_id="nope") is None


@pytest.fixture
def five_events(engine: sa.Engine) -> sa.Engine:
    batch = [
        make_event("zone_intrusion", n=0),
        make_event("loitering", n=1),
        make_event("zone_intrusion", n=2, camera="cam2"),
        make_event("crowd", n=3),
        make_event("zone_intrusion", n=4),
    ]
    with engine.begin() as conn:
        upsert_events(conn, events=batch[:4], source_id=SOURCE_ID, run_id=RUN)
        upsert_event(conn, event=batch[4], source_id="other-source", run_id=RUN)
    return engine


@pytest.mark.parametrize(
    ("filters", "expected_minutes"),
    [
        ({}, [4, 3, 2, 1, 0]),
        ({"kind": "zone_intrusion"}, [4, 2, 0]),
        ({"camera": "cam2"}, [2]),
        ({"source_id": SOURCE_ID}, [3, 2, 1, 0]),
        ({"since": T0 + timedelta(minutes=2)}, [4, 3, 2]),
        ({"until": T0 + timedelta(minutes=2)}, [1, 0]),
        ({"kind": "zone_intrusion", "since": T0 + timedelta(minutes=1), "camera": "cam1"}, [4]),
        ({"kind": "fall"}, []),
        ({"limit": 2}, [4, 3]),
        ({"limit": 2, "offset": 3}, [1, 0]),
    ],
)
def test_list_and_count_filters(
    five_events: sa.Engine, filters: dict[str, object], expected_minutes: list[int]
) -> None:
    with five_events.connect() as conn:
        got = list_events(conn, **filters)  # type: ignore[arg-type]
        counted = count_events(conn, **{k: v for k, v in filters.items() if k not in ("limit", "offset")})  # type: ignore[arg-type]
    assert [round(e.start_s / 60) for e in got] == expected_minutes
    if "limit" not in filters:
        assert counted == len(expected_minutes)


def test_since_compares_instants_not_wall_digits(five_events: sa.Engine) -> None:
    since = (T0 + timedelta(minutes=3)).astimezone(timezone(timedelta(hours=-5)))
    with five_events.connect() as conn:
        assert [round(e.start_s / 60) for e in list_events(conn, since=since)] == [4, 3]


def test_negative_limit_is_refused(engine: sa.Engine) -> None:
    with engine.connect() as conn, pytest.raises(ValueError, match="negative"):
        list_events(conn, limit=-1)
