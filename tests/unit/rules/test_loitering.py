"""Loitering over scripted tracks (zone ``door`` = 400..600 px; min_dwell_s 5, max_gap_s 2 unless stated)."""

from __future__ import annotations

from typing import Any

import pytest

from camsight.events.models import LoiteringEvent

from .factories import Track, drive, make_rule, still, summary, timeline

RULE = {"kind": "loitering", "zone": "door", "min_dwell_s": 5, "max_gap_s": 2}


@pytest.mark.parametrize(
    ("config", "tracks", "expected"),
    [
        pytest.param(
            {}, [still(1, 500, 500, 1, 9)], [("open", (1,), 1.0, 1.0), ("closed", (1,), 1.0, 9.0)], id="stays-long"
        ),
        pytest.param({}, [still(1, 500, 500, 1, 4)], [], id="short-visit"),
        pytest.param({}, [still(1, 200, 500, 0, 10)], [], id="stays-outside"),
        pytest.param(
            {"zone": None},
            [still(1, 200, 500, 0, 10)],
            [("open", (1,), 0.0, 0.0), ("closed", (1,), 0.0, 10.0)],
            id="whole-view",
        ),
        pytest.param(
            {},
            [still(1, 500, 500, 0, 4), still(2, 510, 505, 4.6, 9)],
            [("open", (1, 2), 0.0, 0.0), ("closed", (1, 2), 0.0, 9.0)],
            id="id-switch-one-visit",
        ),
        pytest.param(
            {},
            [still(1, 500, 500, 0, 3), still(2, 505, 500, 3.4, 5), still(3, 500, 510, 5.6, 9)],
            [("open", (1, 2), 0.0, 0.0), ("closed", (1, 2, 3), 0.0, 9.0)],
            id="two-id-switches",
        ),
        pytest.param(
            {}, [still(1, 420, 420, 0, 4), still(2, 580, 580, 4.6, 9)], [], id="new-track-far-away-is-a-new-visit"
        ),
        pytest.param(
            {}, [still(1, 500, 500, 0, 4), still(2, 510, 500, 7, 11)], [], id="new-track-after-max-gap-is-a-new-visit"
        ),
        pytest.param(
            {},
            [still(1, 500, 500, 0, 10), still(2, 530, 500, 6, 10)],
            [("open", (1,), 0.0, 0.0), ("closed", (1,), 0.0, 10.0)],
            id="companion-while-first-present",
        ),
        pytest.param(
            {},
            [Track(1, ((0, 500, 500), (3, 500, 500), (3.2, 800, 500), (4, 800, 500), (4.2, 500, 500), (8, 500, 500)))],
            [("open", (1,), 0.0, 0.0), ("closed", (1,), 0.0, 8.0)],
            id="short-exit-keeps-dwell",
        ),
        pytest.param(
            {},
            [still(1, 500, 500, 0, 8, gaps=((3, 4.6),))],
            [("open", (1,), 0.0, 0.0), ("closed", (1,), 0.0, 8.0)],
            id="short-loss-keeps-dwell",
        ),
        pytest.param(
            {},
            [Track(1, ((0, 500, 500), (4, 500, 500), (4.2, 800, 500), (7, 800, 500), (7.2, 500, 500), (11, 500, 500)))],
            [],
            id="long-exit-restarts-dwell",
        ),
        pytest.param({"classes": ["car"]}, [still(1, 500, 500, 0, 9)], [], id="class-filter"),
    ],
)
def test_loitering_scenarios(config: dict[str, Any], tracks: list[Track], expected: list[Any]) -> None:
    rule = make_rule({**RULE, **config})
    assert summary(drive(rule, timeline(tracks, until=12))) == expected


def test_event_is_raised_at_min_dwell_and_dated_from_entry() -> None:
    rule = make_rule(RULE)
    raised = [(t, e) for t, dets in timeline([still(1, 500, 500, 2, 12)], until=16) for e in rule.update(dets, t)]
    (t_open, opened), (t_closed, ended) = raised
    assert isinstance(opened, LoiteringEvent)
    assert isinstance(ended, LoiteringEvent)
    assert (t_open, opened.start_s, opened.dwell_s) == (7.0, 2.0, 5.0)
    assert t_closed == pytest.approx(14.2)  # unseen for more than max_gap_s after 12.0
    assert (ended.id, ended.status, ended.end_s, ended.dwell_s) == (opened.id, "closed", 12.0, 10.0)


def test_id_switch_keeps_one_event_id() -> None:
    rule = make_rule(RULE)
    events = drive(rule, timeline([still(1, 500, 500, 0, 6), still(9, 505, 500, 6.4, 10)], until=10))
    assert len({e.id for e in events}) == 1
    assert isinstance(events[-1], LoiteringEvent)
    assert events[-1].track_ids == (1, 9)
    assert events[-1].dwell_s == pytest.approx(10.0)
