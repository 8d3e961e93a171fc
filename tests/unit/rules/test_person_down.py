"""Person down on scripted boxes: falls raise one event; bending, crouching, sitting and lying down slowly do not."""

from __future__ import annotations

from typing import Any

import pytest

from camsight.events.models import AnyEvent, PersonDownEvent
from camsight.perception.posture import PoseReading
from camsight.rules.person_down import PersonDown

from .behaviour_factories import BoxTrack, box_timeline, key, person
from .factories import drive, make_rule, summary

STAND = person(500, 800, 300, 100)  # aspect 3
LIE = person(520, 800, 90, 300)  # aspect 0.3, head dropped by 210 px
HALF_DOWN = person(510, 800, 170, 160)  # aspect 1.06, mid-fall (not upright, not lying)
BEND = person(500, 800, 200, 150)  # aspect 1.33
CROUCH = person(500, 800, 150, 130)  # aspect 1.15, half height
CHAIR = person(500, 800, 200, 120)  # aspect 1.67
FLOOR_SIT = person(500, 800, 150, 170)  # aspect 0.88, half height: legs stretched out
RECLINE = person(500, 800, 180, 140)  # aspect 1.29
RECLINED = person(510, 800, 120, 145)  # aspect 0.83
RULE: dict[str, Any] = {"kind": "person_down", "hold_s": 2.0}


def posture_track(
    *segments: tuple[float, float, tuple[float, float, float, float]],
    track_id: int = 1,
    gaps: tuple[tuple[float, float], ...] = (),
) -> BoxTrack:
    """Hold each box from t0 to t1; the box changes linearly between segments."""
    keys = [k for t0, t1, box in segments for k in (key(t0, box), key(t1, box))]
    return BoxTrack(track_id, keys, gaps=gaps)


def fall(at: float = 3.0, until: float = 12.0, **kw: Any) -> BoxTrack:
    """Standing, then down within 0.8 s, then lying until ``until``."""
    return posture_track((0, at, STAND), (at + 0.4, at + 0.4, HALF_DOWN), (at + 0.8, until, LIE), **kw)


def run(tracks: list[BoxTrack], until: float = 12.0, **config: Any) -> list[PersonDownEvent]:
    events = drive(make_rule({**RULE, **config}), box_timeline(tracks, until))
    assert all(isinstance(e, PersonDownEvent) for e in events)
    return events  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("name", "tracks", "expected"),
    [
        ("fall", [fall()], [("open", (1,), 3.6, 3.6), ("closed", (1,), 3.6, 12.0)]),
        ("bending-for-3s", [posture_track((0, 3, STAND), (3.4, 6, BEND), (6.4, 12, STAND))], []),
        ("crouching-for-5s", [posture_track((0, 3, STAND), (3.4, 8, CROUCH), (8.4, 12, STAND))], []),
        ("sitting-on-a-chair", [posture_track((0, 3, STAND), (3.6, 12, CHAIR))], []),
        ("sitting-on-the-floor-legs-out", [posture_track((0, 3, STAND), (3.8, 12, FLOOR_SIT))], []),
        (
            "sit-then-recline-slowly",
            [posture_track((0, 3, STAND), (3.6, 7, CHAIR), (7.5, 7.5, RECLINE), (10.5, 10.5, RECLINED), (11, 12, LIE))],
            [],
        ),
        ("stumble-up-within-hold", [posture_track((0, 3, STAND), (3.8, 4.8, LIE), (5.4, 12, STAND))], []),
        ("already-lying-from-the-start", [posture_track((0, 12, LIE))], []),
        (
            "top-down-turn-without-drop",
            [posture_track((0, 3, person(500, 560, 120, 60)), (3.4, 12, person(500, 530, 60, 120)))],
            [],
        ),
    ],
)
def test_falls_and_everyday_movements(name: str, tracks: list[BoxTrack], expected: list[tuple[Any, ...]]) -> None:
    assert summary(run(tracks)) == expected


def test_event_opens_after_hold_and_records_the_fall() -> None:
    rule = make_rule(RULE)
    opened = [(t, e) for t, dets in box_timeline([fall()], 12.0) for e in rule.update(dets, t)]
    assert [(t, e.status) for t, e in opened] == [(5.6, "open")]
    event = opened[0][1]
    assert isinstance(event, PersonDownEvent)
    assert event.fall_s == pytest.approx(3.2)  # still upright half-way to the first mid-fall box
    assert event.down_s == pytest.approx(2.0)
    assert 0 < event.score <= 1


def test_getting_up_after_the_event_closes_it_at_the_last_lying_sighting() -> None:
    track = posture_track((0, 3, STAND), (3.8, 8, LIE), (8.6, 12, STAND))
    assert summary(run([track])) == [("open", (1,), 3.6, 3.6), ("closed", (1,), 3.6, 8.2)]


def test_a_second_fall_after_getting_up_is_a_second_event() -> None:
    track = posture_track((0, 3, STAND), (3.8, 7, LIE), (7.6, 10, STAND), (10.8, 16, LIE))
    assert [e.start_s for e in run([track], until=16) if e.status == "open"] == pytest.approx([3.6, 10.6])


@pytest.mark.parametrize(
    ("gap", "hold_s", "raised"),
    [
        pytest.param((4.6, 6.4), 2.0, True, id="unseen-1.8s-while-down-still-raises"),
        pytest.param((4.6, 12.0), 2.0, True, id="lost-after-1s-down-raises-within-max-unseen"),
        pytest.param((4.6, 12.0), 5.0, False, id="lost-longer-than-max-unseen-before-hold"),
    ],
)
def test_missed_detections_while_down(gap: tuple[float, float], hold_s: float, raised: bool) -> None:
    events = run([fall(gaps=(gap,))], hold_s=hold_s)
    assert [e.status for e in events] == (["open", "closed"] if raised else [])


def test_new_track_of_the_same_person_continues_the_fall() -> None:
    standing = posture_track((0, 3, STAND), track_id=1)
    lying = posture_track((4.0, 12, LIE), track_id=2)
    assert summary(run([standing, lying])) == [("open", (1, 2), 4.0, 4.0), ("closed", (1, 2), 4.0, 12.0)]


def test_new_track_far_away_is_someone_else() -> None:
    standing = posture_track((0, 3, STAND), track_id=1)
    lying_far = posture_track((4.0, 12, person(100, 200, 90, 300)), track_id=2)
    assert run([standing, lying_far]) == []


def test_only_the_person_who_falls_raises() -> None:
    other = posture_track((0, 12, person(150, 800, 300, 100)), track_id=7)
    assert [e.track_ids for e in run([fall(), other]) if e.status == "open"] == [(1,)]


@pytest.mark.parametrize(("zone", "raised"), [(None, True), ("door", False)])
def test_zone_limits_where_falls_count(zone: str | None, raised: bool) -> None:
    assert bool(run([fall()], zone=zone)) is raised  # the fall lands at y=800, outside the door zone


def test_slow_fall_beyond_max_fall_s_does_not_count_unless_allowed() -> None:
    slow = posture_track((0, 3, STAND), (3.5, 3.5, BEND), (6.5, 6.5, HALF_DOWN), (7.5, 12, LIE))
    assert run([slow]) == []
    assert len(run([slow], max_fall_s=5.0)) == 2


# --- Pose readings (issue 13): geometry handed to the rule, for what boxes miss -------------------------
BEHIND_SOFA = person(510, 800, 170, 160)  # only the top of the body shows: aspect 1.06, never "lying" by box


def run_with_pose(track: BoxTrack, pose_from: float, torso_deg: float, hip_above_bottom: float) -> list[AnyEvent]:
    """Drive the rule, handing it a pose reading of track 1 (from ``pose_from`` on) every frame."""
    rule = make_rule(RULE)
    assert isinstance(rule, PersonDown)
    frames = []
    for t, dets in box_timeline([track], 12.0):
        if t >= pose_from and len(dets):
            bottom = float(dets.xyxy[0][3])
            rule.take_poses({1: PoseReading(t, torso_deg, bottom - hip_above_bottom, float(dets.xyxy[0][1]))})
        frames.append((t, rule.update(dets, t)))
    return [e for _, events in frames for e in events] + rule.close(12.0)


def test_pose_lying_behind_furniture_is_a_fall_the_box_misses() -> None:
    track = posture_track((0, 3, STAND), (3.6, 12, BEHIND_SOFA))
    assert run([track]) == []  # the box alone never looks lying
    events = run_with_pose(track, 3.6, torso_deg=80.0, hip_above_bottom=20.0)
    assert [(e.status, e.start_s) for e in events] == [("open", 3.6), ("closed", 3.6)]


@pytest.mark.parametrize(
    ("torso_deg", "hip_above_bottom"),
    [(80.0, 150.0), (20.0, 20.0)],  # bent over (hips high); crouched or seated (torso upright)
)
def test_pose_bending_or_crouching_is_not_a_fall(torso_deg: float, hip_above_bottom: float) -> None:
    track = posture_track((0, 3, STAND), (3.6, 12, BEHIND_SOFA))
    assert run_with_pose(track, 3.6, torso_deg=torso_deg, hip_above_bottom=hip_above_bottom) == []
