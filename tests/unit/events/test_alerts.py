"""AlertGate: one alert per track and rule, cooldown with hysteresis, hourly budget, suppression regions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from camsight.config.models import CameraConfig
from camsight.core.detections import Detections
from camsight.events.alerts import (
    AlertGate,
    AlertPolicy,
    Placement,
    Suppression,
    placement,
    suppressed_by,
)
from camsight.events.models import AnyEvent, CrowdEvent, ZoneIntrusionEvent
from camsight.events.suggest import box_region, link_clusters
from camsight.rules import RuleContext, build_rules

T0 = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)


def intrusion(ident: str, track: int, start: float, end: float, status: str = "open", **kw: Any) -> ZoneIntrusionEvent:
    """A zone intrusion rule event of rule ``door`` on cam1."""
    return ZoneIntrusionEvent(
        site="test",
        id=ident,
        rule="door",
        camera="cam1",
        source="clip.mp4",
        zone="door",
        track_ids=(track,),
        start_s=start,
        end_s=end,
        started_at=T0,
        score=0.8,
        status=status,
        object_class="person",
        **kw,  # type: ignore[arg-type]
    )


def crowd(ident: str, start: float, end: float, status: str, count: int = 3) -> CrowdEvent:
    """A crowd rule event (count-type: its slot has no track)."""
    return CrowdEvent(
        site="test",
        id=ident,
        rule="crowd",
        camera="cam1",
        source="clip.mp4",
        zone="door",
        track_ids=(1, 2, count),
        start_s=start,
        end_s=end,
        started_at=T0,
        score=0.9,
        status=status,
        count=count,
        min_people=3,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("gap_s", "expected_alerts"),
    [(5.0, 1), (29.0, 1), (31.0, 2), (120.0, 2)],
)
def test_same_track_within_cooldown_is_merged(gap_s: float, expected_alerts: int) -> None:
    log = AlertGate(AlertPolicy(cooldown_s=30))
    out = log.admit([intrusion("a", 1, 0, 0), intrusion("a", 1, 0, 2, "closed")], now=2)
    out += log.admit([intrusion("b", 1, 2 + gap_s, 2 + gap_s)], now=2 + gap_s)
    assert len({e.id for e in out}) == expected_alerts
    assert out[-1].status == "open"
    if expected_alerts == 1:
        assert out[-1].id == "a"
        assert (out[-1].start_s, out[-1].end_s) == (0, 2 + gap_s)


def test_other_track_gets_its_own_alert() -> None:
    log = AlertGate()
    out = log.admit([intrusion("a", 1, 0, 0), intrusion("b", 2, 1, 1)], now=1)
    assert [e.id for e in out] == ["a", "b"]


def test_alert_closes_only_when_every_merged_part_has_closed() -> None:
    log = AlertGate()
    out = log.admit([crowd("a", 0, 0, "open"), crowd("b", 1, 1, "open", count=5), crowd("a", 0, 2, "closed")], now=2)
    assert [e.status for e in out] == ["open", "open", "open"]
    assert isinstance(out[-1], CrowdEvent)
    assert out[-1].count == 5
    (last,) = log.admit([crowd("b", 1, 3, "closed")], now=3)
    assert (last.id, last.status, last.start_s, last.end_s) == ("a", "closed", 0, 3)


def _flicker_detections(t: float) -> Detections:
    """Two people always in the door zone; a third there for 0.4 s of every 0.75 s (crossing 3 and back)."""
    n = 3 if (t % 0.75) < 0.4 else 2
    xs = [450.0, 500.0, 550.0][:n]
    return Detections.from_arrays(
        xyxy=np.array([[x - 20, 400, x + 20, 500] for x in xs], dtype=np.float64),
        confidence=[0.9] * n,
        class_id=[0] * n,
        tracker_id=list(range(1, n + 1)),
    )


def test_real_crowd_rule_flickering_20_times_in_15_s_gives_one_alert() -> None:
    camera = CameraConfig.model_validate(
        {
            "id": "cam1",
            "zones": [{"name": "door", "polygon": [[0.4, 0.4], [0.6, 0.4], [0.6, 0.6], [0.4, 0.6]]}],
            "rules": [{"kind": "crowd", "zone": "door", "min_people": 3, "min_duration_s": 0.2, "end_after_s": 0.2}],
        }
    )
    (rule,) = build_rules(camera, RuleContext("cam1", "clip.mp4", 1000, 1000, T0))
    log = AlertGate(AlertPolicy(cooldown_s=30, max_per_hour=60))
    raw: list[AnyEvent] = []
    alerts: list[AnyEvent] = []
    crossings, before = 0, 2
    for i in range(15 * 20 + 1):  # 20 fps for 15 s
        t = i / 20
        dets = _flicker_detections(t)
        crossings += int(before < 3 <= len(dets))
        before = len(dets)
        events = rule.update(dets, t)
        raw += events
        alerts += log.admit(events, now=t)
    events = rule.close(15.0)
    raw += events
    alerts += log.admit(events, now=15.0)
    assert crossings >= 20
    assert len({e.id for e in raw}) >= 10  # the rule itself opened and closed many times
    assert len({e.id for e in alerts}) == 1
    assert alerts[-1].status == "closed"
    assert alerts[-1].start_s < 1.0
    assert alerts[-1].end_s > 14.0


def test_budget_gives_one_summary_and_counts_the_rest() -> None:
    log = AlertGate(AlertPolicy(cooldown_s=0, max_per_hour=3))
    out: list[AnyEvent] = []
    for k in range(8):
        out += log.admit([intrusion(f"e{k}", k, 10.0 * k, 10.0 * k)], now=10.0 * k)
    kinds = [e.kind for e in out]
    assert kinds[:3] == ["zone_intrusion"] * 3
    summaries = [e for e in out if e.kind == "alert_budget"]
    assert len({e.id for e in summaries}) == 1
    assert summaries[-1].suppressed == 5  # type: ignore[union-attr]
    assert log.dropped["budget"] == 5
    assert log.admit([intrusion("e7", 7, 70, 75, "closed")], now=75) == []  # update of a dropped one
    later = log.admit([intrusion("x", 99, 4000, 4000)], now=4000.0)  # an hour later: budget refilled
    assert [e.id for e in later] == ["x"]


SQUARE = ((0.4, 0.4), (0.6, 0.4), (0.6, 0.6), (0.4, 0.6))


@pytest.mark.parametrize(
    ("region", "where", "hit"),
    [
        (Suppression(1, "door", "cam1", None, SQUARE, "person"), Placement(0.5, 0.5, "person"), True),
        (Suppression(1, "door", "cam1", None, SQUARE, "person"), Placement(0.7, 0.5, "person"), False),
        (Suppression(1, "door", "cam1", None, SQUARE, "car"), Placement(0.5, 0.5, "person"), False),
        (Suppression(1, "door", "cam1", None, SQUARE, None), Placement(0.5, 0.5, "dog"), True),
        (Suppression(1, "other", "cam1", None, SQUARE, None), Placement(0.5, 0.5, "person"), False),
        (Suppression(1, "door", "cam2", None, SQUARE, None), Placement(0.5, 0.5, "person"), False),
        (Suppression(1, "door", "cam1", "yard", SQUARE, None), Placement(0.5, 0.5, "person"), False),
        (Suppression(1, "door", "cam1", None, SQUARE, None, enabled=False), Placement(0.5, 0.5, "person"), False),
        (Suppression(1, "door", "cam1", None, SQUARE, None), None, False),
    ],
)
def test_suppressed_by(region: Suppression, where: Placement | None, hit: bool) -> None:
    assert (suppressed_by(intrusion("a", 1, 0, 0), where, [region]) is not None) == hit


def test_event_log_drops_events_in_enabled_regions_only() -> None:
    regions = [Suppression(1, "door", "cam1", None, SQUARE, "person")]
    log = AlertGate(suppressions=regions)
    inside = log.admit([intrusion("a", 1, 0, 0)], now=0, where=lambda e: Placement(0.5, 0.5, "person"))
    outside = log.admit([intrusion("b", 2, 0, 0)], now=0, where=lambda e: Placement(0.9, 0.9, "person"))
    assert (inside, [e.id for e in outside]) == ([], ["b"])
    assert log.dropped["suppression"] == 1
    off = AlertGate(suppressions=[Suppression(1, "door", "cam1", None, SQUARE, "person", enabled=False)])
    assert len(off.admit([intrusion("a", 1, 0, 0)], now=0, where=lambda e: Placement(0.5, 0.5, "person"))) == 1


def test_placement_reads_the_track_anchor_normalised() -> None:
    dets = Detections.from_arrays(xyxy=[[80, 100, 120, 400]], confidence=[0.9], class_id=[2], tracker_id=[7])
    assert placement(dets, 7, 1000, 500) == Placement(0.1, 0.8, "car", w=0.04, h=0.6)
    assert placement(dets, 8, 1000, 500) is None


def test_clusters_and_regions_are_sized_from_the_boxes() -> None:
    points = [Placement(x, y, "person", w=0.1, h=0.4) for x, y in [(0.5, 0.5), (0.52, 0.49), (0.9, 0.1), (0.48, 0.53)]]
    assert sorted(link_clusters(points)) == [[0, 1, 3], [2]]
    poly = box_region([points[i] for i in (0, 1, 3)])
    assert poly[0] == (0.43, 0.39)  # half a box width left, a quarter of its height up
    assert poly[2] == (0.57, 0.63)


def test_long_streams_forget_old_closed_alerts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("camsight.events.alerts.KEEP_ALERTS", 10)
    log = AlertGate(AlertPolicy(cooldown_s=5, max_per_hour=10_000))
    for k in range(30):
        log.admit([intrusion(f"e{k}", k, 10.0 * k, 10.0 * k, "closed")], now=10.0 * k)
    assert len(log._alerts) <= 11
    (again,) = log.admit([intrusion("late", 29, 292, 292)], now=292)  # recent one is still merged into
    assert again.id == "e29"
