"""Standing queries: schedule, scope and matching finished tracks with the real parser and ranking."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from camsight.core.records import Appearance, TrackRecord
from camsight.errors import QueryError
from camsight.search.parser import parse
from camsight.search.standing import Schedule, StandingMatcher, StandingQuery, in_scope, match
from camsight.store import connect, upgrade
from camsight.store.alerts_repo import add_standing_query, update_standing_query

T0 = datetime(2024, 5, 1, 23, 0, tzinfo=UTC)
ORANGE_VEST = Appearance(
    head={"yellow": 0.6},
    upper={"orange": 0.7, "grey": 0.2},
    lower={"blue": 0.8},
    headwear=0.9,
    garments={"vest": 0.8},
    posture="standing",
    motion="walking",
)
RED_CAR = Appearance(upper={"red": 0.8})


def record(appearance: Appearance, *, object_class: str = "person", n: int = 1, **fields: Any) -> TrackRecord:
    """A finished track seen 5 s on cam1 from T0."""
    data: dict[str, Any] = {
        "id": f"src:{n}",
        "site": "test",
        "camera": "cam1",
        "source": "/v/clip.mp4",
        "source_id": "src",
        "tracker_id": n,
        "object_class": object_class,
        "start_s": 1.0,
        "end_s": 6.0,
        "started_at": T0,
        "ended_at": T0 + timedelta(seconds=5),
        "frames": 30,
        "confidence": 0.8,
        "zones": ("bay",),
        "appearance": appearance,
        **fields,
    }
    return TrackRecord(**data)


def standing(text: str, **kw: Any) -> StandingQuery:
    """A standing query from text (lexicon only, no sentence embedder)."""
    fields: dict[str, Any] = {"id": 1, "name": "q", "version": 1, "min_score": 0.5, **kw}
    return StandingQuery(query=parse(text, semantic=False, now=T0), **fields)


@pytest.mark.parametrize(
    ("window", "at", "inside"),
    [
        ("22:00-06:00", time(23, 30), True),
        ("22:00-06:00", time(5, 59), True),
        ("22:00-06:00", time(6, 0), False),
        ("22:00-06:00", time(12, 0), False),
        ("08:00-17:00", time(12, 0), True),
        ("08:00-17:00", time(7, 0), False),
    ],
)
def test_schedule(window: str, at: time, inside: bool) -> None:
    assert Schedule.parse(window).contains(at) is inside


def test_bad_schedule() -> None:
    with pytest.raises(QueryError, match="HH:MM-HH:MM"):
        Schedule.parse("late at night")


@pytest.mark.parametrize(
    ("scope", "inside"),
    [
        ({}, True),
        ({"cameras": ("cam1",)}, True),
        ({"cameras": ("cam2",)}, False),
        ({"zones": ("bay",)}, True),
        ({"zones": ("gate",)}, False),
        ({"schedule": Schedule.parse("22:00-06:00")}, True),
        ({"schedule": Schedule.parse("08:00-17:00")}, False),
    ],
)
def test_scope(scope: dict[str, Any], inside: bool) -> None:
    assert in_scope(standing("person in an orange vest", **scope), record(ORANGE_VEST), UTC) is inside


@pytest.mark.parametrize(
    ("text", "appearance", "cls", "matches"),
    [
        ("person in an orange vest", ORANGE_VEST, "person", True),
        ("person in a yellow hard hat", ORANGE_VEST, "person", True),
        ("red car", ORANGE_VEST, "person", False),
        ("red car", RED_CAR, "car", True),
        ("person in an orange vest", RED_CAR, "car", False),
    ],
)
def test_match(text: str, appearance: Appearance, cls: str, matches: bool) -> None:
    events = match(record(appearance, object_class=cls), [standing(text, name="watch", id=7)], UTC)
    assert bool(events) is matches
    if matches:
        (event,) = events
        assert (event.kind, event.rule, event.query_id, event.track_ids) == ("standing_query", "query:watch", 7, (1,))
        assert event.score >= 0.5
        assert event.evidence


def test_a_timed_query_alerts_from_the_moment_that_matched() -> None:
    fell = Appearance(
        upper={"blue": 0.8},
        posture="lying",
        postures={"standing": 0.4, "lying": 0.6},
        posture_s={"standing": 2.0, "lying": 3.0},
        moment_s={"standing": 1.0, "lying": 3.5},
    )
    track = record(fell)
    (down,) = match(track, [standing("person lying on the floor")], UTC)
    assert (down.start_s, down.end_s) == (3.5, 6.0)
    assert down.started_at == T0 + timedelta(seconds=2.5)
    (blue,) = match(track, [standing("person in blue", id=2)], UTC)  # not timed: the whole track
    assert (blue.start_s, blue.end_s, blue.started_at) == (1.0, 6.0, T0)
    assert down.id != blue.id


def test_matcher_reads_enabled_queries_from_the_store(tmp_path: Path) -> None:
    engine = connect(str(tmp_path / "db.sqlite"))
    upgrade(engine, site="test")
    matcher = StandingMatcher(engine, tz=UTC)
    assert matcher(record(ORANGE_VEST)) == []
    query = parse("person in an orange vest", semantic=False, now=T0)
    with engine.begin() as conn:
        row = add_standing_query(conn, name="vests", text=query.text, query=query.model_dump(mode="json"), now=T0)
    (event,) = matcher(record(ORANGE_VEST))
    assert event.kind == "standing_query"
    with engine.begin() as conn:
        update_standing_query(conn, query_id=row.id, now=T0, enabled=False)
    assert matcher(record(ORANGE_VEST)) == []
