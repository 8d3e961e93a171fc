"""Suppression candidates from verdicts, one table per kind, with synthetic tracks; and how the gate holds alerts.

Each case is a history of judged alerts (what each was about: class, bottom-centre, box size, colours) and
the alerts to come; the candidate the history suggests must hold back the repeats of the false alarms and
never a confirmed alert — nor a different object in the same place.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from camsight.events.alerts import AlertGate, Held
from camsight.events.models import AnyEvent, LoiteringEvent, StandingQueryEvent, WrongWayEvent
from camsight.events.suggest import Judged, Preview, candidates, preview
from camsight.events.suppress import Placement, Suppression, holds, same_object

T0 = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)
WHITE_CAR = {"upper:white": 0.8, "upper:grey": 0.15}
RED_CAR = {"upper:red": 0.85, "upper:black": 0.1}
GREY_COAT = {"upper:grey": 0.7, "lower:black": 0.8}


def wrong_way(n: int, *, distance: float = 0.15, minutes: int = 0, rule: str = "lane", **kw: Any) -> WrongWayEvent:
    """A wrong-way alert of track ``n`` on cam1."""
    return WrongWayEvent(
        site="test",
        id=f"ww{n}",
        rule=rule,
        camera="cam1",
        source="clip.mp4",
        track_ids=(n,),
        start_s=float(n),
        end_s=float(n) + 3,
        started_at=T0 + timedelta(minutes=minutes),
        score=0.8,
        status="closed",
        object_class=kw.pop("object_class", "car"),
        distance=distance,
        **kw,
    )


def car(x: float, y: float, colours: dict[str, float] | None = WHITE_CAR, w: float = 0.2, h: float = 0.1) -> Placement:
    return Placement(x, y, "car", w=w, h=h, colours=colours)


def person(x: float, y: float) -> Placement:
    return Placement(x, y, "person", w=0.05, h=0.25, colours=GREY_COAT)


def judged(verdict: str | None, about: Placement | None, n: int, **kw: Any) -> Judged:
    return Judged(wrong_way(n, object_class=about.object_class if about else "car", **kw), verdict, about)  # type: ignore[arg-type]


def only(kind: str, history: list[Judged]) -> Suppression:
    (s,) = [c.suppression for c in candidates(history) if c.suppression.kind == kind]
    return s


# -- place: a region around the false alarms, sized from their boxes -----------------------------------

PARKED_CARS = [judged("false", car(0.30 + 0.04 * k, 0.60 + 0.01 * k), k) for k in range(5)]


@pytest.mark.parametrize(
    ("about", "held"),
    [
        (car(0.38, 0.63), True),  # another car where the false alarms were
        (car(0.25, 0.58, colours=RED_CAR), True),  # a place holds back any car there, whatever it looks like
        (person(0.38, 0.63), False),  # a person walking where the cars were still alerts
        (car(0.80, 0.63), False),  # a car elsewhere
        (car(0.38, 0.95), False),  # below the region
        (None, False),  # not known where: never held back
    ],
)
def test_place_candidate(about: Placement | None, held: bool) -> None:
    s = only("place", PARKED_CARS)
    xs = [p[0] for p in s.polygon]
    assert max(xs) - min(xs) >= 0.16 + 0.2  # the points' spread plus a box width: sized from the boxes
    assert holds(s, wrong_way(99, object_class=about.object_class if about else "car"), about) == held


def test_place_candidate_is_split_to_spare_a_confirmed_alert() -> None:
    left = [judged("false", car(0.10 + 0.02 * k, 0.6), k) for k in range(3)]
    right = [judged("false", car(0.50 + 0.02 * k, 0.6), 10 + k) for k in range(3)]
    bridge = [judged("false", car(0.20 + 0.1 * k, 0.6), 20 + k) for k in range(3)]
    kept = judged("confirmed", car(0.31, 0.6), 30)
    history = [*left, *right, *bridge, kept]
    places = [c for c in candidates(history) if c.suppression.kind == "place"]
    assert places
    for c in places:
        assert c.preview.confirmed_hit == 0
        assert not holds(c.suppression, kept.event, kept.about)
    assert sum(c.preview.false_hit for c in places) >= 6


# -- appearance: the same object seen again, matched by class, place, size and colours ----------------

SAME_CAR = [judged("false", car(0.5 + 0.01 * (k % 2), 0.7), k) for k in range(4)]


@pytest.mark.parametrize(
    ("about", "held"),
    [
        (car(0.51, 0.7), True),  # the white car parked there again
        (car(0.51, 0.7, colours=RED_CAR), False),  # a red car parked in the same spot
        (person(0.5, 0.7), False),  # a person walking where the car was
        (car(0.5, 0.7, w=0.4, h=0.2), False),  # a much larger vehicle
        (car(0.75, 0.7), False),  # the same car, elsewhere
        (car(0.5, 0.7, colours=None), False),  # colours not seen: never held back
    ],
)
def test_appearance_candidate(about: Placement | None, held: bool) -> None:
    s = only("appearance", SAME_CAR)
    assert s.like is not None
    assert s.like.object_class == "car"
    assert holds(s, wrong_way(99, object_class=about.object_class if about else "car"), about) == held


def test_different_objects_make_no_appearance_candidate() -> None:
    looks = [WHITE_CAR, RED_CAR, {"upper:blue": 0.9}, {"upper:green": 0.9}]
    history = [judged("false", car(0.5, 0.7, colours=c), k) for k, c in enumerate(looks)]
    assert [c for c in candidates(history) if c.suppression.kind == "appearance"] == []


# -- time: the daily window the false alarms fall in -----------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "window"),
    [
        ([0, 20, 50], ("12:00", "13:00")),  # 12:00, 12:20, 12:50
        ([600, 630, 660], ("22:00", "23:15")),  # 22:00 .. 23:00
        ([660, 700, 740], ("23:00", "00:30")),  # wraps over midnight
    ],
)
def test_time_candidate(minutes: list[int], window: tuple[str, str]) -> None:
    history = [judged("false", car(0.1 * k, 0.5), k, minutes=m) for k, m in enumerate(minutes)]
    s = only("time", history)
    assert s.window == window
    assert all(holds(s, j.event, j.about) for j in history)
    assert not holds(s, wrong_way(99, minutes=240), None)  # 16:00


def test_no_time_candidate_for_false_alarms_all_day() -> None:
    history = [judged("false", car(0.1, 0.5), k, minutes=m) for k, m in enumerate([0, 360, 720, 1080])]
    assert [c for c in candidates(history) if c.suppression.kind == "time"] == []


# -- threshold: the minimum that keeps every confirmed alert and drops the false ones ------------------


@pytest.mark.parametrize(
    ("false", "kept", "minimum"),
    [
        ([0.11, 0.12, 0.14, 0.2], [0.3, 0.4], 0.25),
        ([0.11, 0.12, 0.14, 0.35], [0.3], 0.22),  # a false one above the confirmed cannot be dropped
    ],
)
def test_threshold_candidate(false: list[float], kept: list[float], minimum: float) -> None:
    history = [judged("false", car(0.5, 0.5), k, distance=d) for k, d in enumerate(false)]
    history += [judged("confirmed", car(0.5, 0.5), 10 + k, distance=d) for k, d in enumerate(kept)]
    (c,) = [c for c in candidates(history) if c.suppression.kind == "threshold"]
    assert (c.suppression.measure, c.suppression.minimum) == ("distance", minimum)
    assert c.preview == Preview(len([d for d in false if d < minimum]), len(false), 0, len(kept))


def test_no_threshold_without_a_confirmed_alert() -> None:
    history = [judged("false", car(0.5, 0.5), k, distance=0.1 + 0.01 * k) for k in range(5)]
    assert [c for c in candidates(history) if c.suppression.kind == "threshold"] == []


def test_a_standing_query_gets_a_suggested_minimum_score() -> None:
    def match(n: int, score: float) -> StandingQueryEvent:
        return StandingQueryEvent(
            site="test", id=f"q{n}", rule="query:vests", camera="cam1", source="clip.mp4", track_ids=(n,),
            start_s=n, end_s=n + 2, started_at=T0, score=score, status="closed", query_id=1, query_name="vests",
        )  # fmt: skip

    history = [Judged(match(k, s), "false", None) for k, s in enumerate([0.5, 0.52, 0.55, 0.58])]
    history += [Judged(match(10 + k, s), "confirmed", None) for k, s in enumerate([0.7, 0.8])]
    (c,) = [c for c in candidates(history) if c.suppression.kind == "threshold"]
    assert (c.suppression.rule, c.suppression.measure, c.suppression.minimum) == ("query:vests", "score", 0.64)
    assert "minimum score 0.64" in c.reason
    assert c.preview.line() == "would have suppressed 4 of 4 false alarms and 0 of 2 confirmed"


def test_preview_counts_only_its_rule_and_camera() -> None:
    s = Suppression(1, "lane", "cam1", None, ((0, 0), (1, 0), (1, 1), (0, 1)), "car")
    history = [judged("false", car(0.5, 0.5), 1), judged("confirmed", car(0.5, 0.5), 2)]
    history += [judged("false", car(0.5, 0.5), 3, rule="other"), judged(None, car(0.5, 0.5), 4)]
    assert preview(s, history) == Preview(1, 1, 1, 1)


def test_same_object_needs_the_same_class_size_place_and_colours() -> None:
    assert same_object(car(0.5, 0.7), car(0.55, 0.72, colours={"upper:white": 0.7}))
    assert not same_object(car(0.5, 0.7), car(0.5, 0.7, colours={"upper:black": 0.9}))


# -- the gate: held, not dropped; a threshold raises later; standing queries too -------------------------


def loitering(status: str, dwell: float, *, ident: str = "l1") -> LoiteringEvent:
    return LoiteringEvent(
        site="test", id=ident, rule="bench", camera="cam1", source="clip.mp4", zone="bench", track_ids=(1,),
        start_s=0, end_s=dwell, started_at=T0, score=0.9, status=status, dwell_s=dwell,  # type: ignore[arg-type]
    )  # fmt: skip


def test_a_threshold_holds_an_alert_until_it_reaches_the_minimum() -> None:
    s = Suppression(7, "bench", "cam1", None, (), kind="threshold", measure="dwell_s", minimum=60)
    gate = AlertGate(suppressions=[s])
    assert gate.admit([loitering("open", 30)], now=30) == []
    assert gate.admit([loitering("open", 45)], now=45) == []
    (raised,) = gate.admit([loitering("open", 61)], now=61)
    assert raised.dwell_s == 61
    held, _ = gate.drain()
    assert [(h.event.dwell_s, h.suppression_id, h.released) for h in held] == [  # type: ignore[union-attr]
        (30, 7, False),
        (45, 7, False),
        (61, 7, True),
    ]
    assert gate.admit([loitering("closed", 70)], now=70)[0].status == "closed"  # an alert like any other now


def test_held_alerts_are_handed_out_with_their_subject() -> None:
    place = Suppression(3, "lane", "cam1", None, ((0, 0), (1, 0), (1, 1), (0, 1)), "car")
    gate = AlertGate(suppressions=[place])
    there = car(0.5, 0.5)

    def about(event: AnyEvent) -> Placement:
        return there if event.id == "ww1" else person(0.5, 0.5)

    out = gate.admit([wrong_way(1), wrong_way(2, object_class="person")], now=1, where=about)
    assert [e.id for e in out] == ["ww2"]  # the person in the car's place is raised
    held, subjects = gate.drain()
    assert held == [Held(wrong_way(1), 3)]
    assert set(subjects) == {"ww1", "ww2"}
    assert gate.held_by[3] == 1
    assert gate.drain() == ([], {})


def test_standing_query_alerts_are_held_too() -> None:
    s = Suppression(4, "query:vests", "cam1", None, (), kind="threshold", measure="score", minimum=0.7)
    alert = StandingQueryEvent(
        site="test", id="q", rule="query:vests", camera="cam1", source="clip.mp4", track_ids=(1,), start_s=0,
        end_s=2, started_at=T0, score=0.6, status="closed", query_id=1, query_name="vests",
    )  # fmt: skip
    gate = AlertGate(suppressions=[s])
    assert gate.admit([alert], now=2) == []
    assert gate.drain()[0] == [Held(alert, 4)]


def test_false_alarms_on_the_same_pavement_link_through_their_paths() -> None:
    """People walking the same way along one pavement raise their alerts at different places."""
    pavement = [(0.2 + 0.05 * k, 0.45) for k in range(13)]  # x 0.2 .. 0.8
    starts = [0.25, 0.5, 0.75]
    history = [
        Judged(wrong_way(k, object_class="person"), "false", person(x, 0.45), tuple(pavement))
        for k, x in enumerate(starts)
    ]
    (c,) = [c for c in candidates(history) if c.suppression.kind == "place"]
    assert c.preview.false_hit == 3
    assert "3 false alarms of person" in c.reason
    no_paths = [Judged(j.event, j.verdict, j.about) for j in history]
    assert [c for c in candidates(no_paths) if c.suppression.kind == "place"] == []  # too far apart on their own


def test_a_gate_takes_suppressions_enabled_while_it_runs() -> None:
    gate = AlertGate()
    assert [e.id for e in gate.admit([wrong_way(1)], now=1)] == ["ww1"]
    gate.use([Suppression(5, "lane", "cam1", None, (), kind="threshold", measure="distance", minimum=0.5)])
    assert gate.admit([wrong_way(2)], now=2) == []
    gate.use([])
    assert [e.id for e in gate.admit([wrong_way(3)], now=40)] == ["ww3"]
