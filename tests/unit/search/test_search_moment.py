"""A hit points at the moment that matched: an event of the kind asked for, a posture or motion held.

On the real edge stores of tests/data/stores (a real clip analysed with a loitering rule; the ``real``
fixture, SQLite and PostgreSQL), a loitering search gives each hit the start of its track's loitering
event (never before the track itself was seen), and the API says where that is in the track's clip.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from camsight.api.search_routes import answer
from camsight.search import parse
from camsight.search.engine import search
from camsight.services import search as search_service
from camsight.services.actor import Actor
from camsight.store import list_events


def test_a_behaviour_hit_points_at_the_start_of_its_event(real: sa.Engine) -> None:
    with real.begin() as conn:
        starts: dict[str, float] = {}
        for event in list_events(conn, limit=10**6):
            for n in event.track_ids:
                key = f"{event.source_id}:{n}"
                starts[key] = min(event.start_s, starts.get(key, event.start_s))
        hits = search(conn, parse("person loitering", semantic=False), limit=500).hits
    with_event = [h for h in hits if h.record.id in starts]
    assert len(with_event) >= 10
    for hit in with_event:
        record = hit.record
        assert hit.at_s == min(max(starts[record.id], record.start_s), record.end_s), record.id
        assert hit.offset_s == round(hit.at_s - record.start_s, 2)
    joined_later = [h for h in with_event if starts[h.record.id] < h.record.start_s]
    assert joined_later  # a track that joined an event already going: its own start, not the event's
    assert all(h.at_s == h.record.start_s for h in joined_later)
    assert any(h.offset_s > 0 for h in with_event)  # and tracks seen a while before the event began


def test_a_colour_hit_is_not_timed_and_the_api_says_where_to_play_from(real: sa.Engine) -> None:
    with real.begin() as conn:
        grey = search_service.search(
            conn, actor=Actor(name="t"), text="person in a grey top", now=datetime.now(UTC), semantic=False, limit=5
        )
        loiter = search_service.search(
            conn, actor=Actor(name="t"), text="someone loitering", now=datetime.now(UTC), semantic=False, limit=5
        )
    assert grey.result.hits
    assert all(h.at_s is None and h.offset_s == 0.0 for h in grey.result.hits)
    assert all(h.at_s is None and h.clip_offset_s == 0.0 for h in answer(grey).hits)
    timed = answer(loiter).hits
    assert timed
    for api_hit, hit in zip(timed, loiter.result.hits, strict=True):
        assert api_hit.at_s == hit.at_s is not None
        assert api_hit.clip_offset_s == hit.offset_s
