from __future__ import annotations

from typing import Any

import pytest
from search_factories import make_record

from camsight.core.records import TrackRecord
from camsight.search.query import ColourTerm, Query
from camsight.search.rank import NEUTRAL, nothing_matched, rank_records

RED_JACKET = Query(
    object_classes=("person",), colours=(ColourTerm(region="upper", colours=("red",)),), garments=("jacket",)
)


def by_id(hits: list[Any]) -> dict[str, Any]:
    return {h.record.id: h for h in hits}


def test_match_ranks_above_missing_evidence_which_ranks_above_contradiction() -> None:
    records = [
        make_record(1, appearance={"upper": {"grey": 0.9}}),  # contradicts
        make_record(2, appearance=None),  # never described
        make_record(3, appearance={"upper": {"red": 0.71, "black": 0.2}}),  # matches
        make_record(4, appearance={"lower": {"red": 0.8}}),  # upper not seen
    ]
    hits = rank_records(RED_JACKET, records)
    assert [h.record.tracker_id for h in hits][0] == 3
    assert [h.record.tracker_id for h in hits][-1] == 1
    scores = {h.record.tracker_id: h.score for h in hits}
    assert scores[3] > scores[2] > scores[1]
    assert scores[2] == pytest.approx(scores[4], abs=0.02)  # both: no evidence about the upper body
    assert by_id(hits)["src1:3"].evidence[0] == "upper body: red 0.71"
    assert by_id(hits)["src1:2"].evidence[0] == "upper body: not seen"
    assert by_id(hits)["src1:1"].evidence[0] == "upper body: red 0.00 (seen: grey 0.90)"
    assert by_id(hits)["src1:2"].parts["colour:upper:red"] == NEUTRAL


@pytest.mark.parametrize(
    ("asked", "seen", "order"),
    [
        ("navy", [{"blue": 0.7, "navy": 0.7}, {"black": 0.7}, {"yellow": 0.7}], [0, 1, 2]),
        ("white", [{"white": 0.7}, {"beige": 0.7}, {"black": 0.7}], [0, 1, 2]),
        ("blue", [{"blue": 0.6, "light blue": 0.6}, {"purple": 0.6}, {"red": 0.6}], [0, 1, 2]),
        ("orange", [{"orange": 0.6}, {"red": 0.6}, {"green": 0.6}], [0, 1, 2]),
    ],
)
def test_neighbouring_colours_get_partial_credit(asked: str, seen: list[dict[str, float]], order: list[int]) -> None:
    query = Query(colours=(ColourTerm(region="upper", colours=(asked,)),))
    records = [make_record(i, appearance={"upper": s}) for i, s in enumerate(seen)]
    hits = rank_records(query, records)
    assert [h.record.tracker_id for h in hits] == order
    assert hits[1].parts[f"colour:upper:{asked}"] > hits[2].parts[f"colour:upper:{asked}"]


@pytest.mark.parametrize(
    ("query", "good", "bad", "evidence"),
    [
        (Query(headwear=True), {"headwear": 0.9}, {"headwear": 0.05}, "hat: yes 0.90"),
        (Query(headwear=False), {"headwear": 0.05}, {"headwear": 0.9}, "hat: no 0.05"),
        (Query(carried=("backpack",)), {"carried": {"backpack": 0.6}}, {"carried": {}}, "carrying backpack 0.60"),
        (
            Query(not_carried=("backpack",)),
            {"carried": {}},
            {"carried": {"backpack": 0.6}},
            "not carrying backpack 0.00",
        ),
        (
            Query(posture="lying"),
            {"postures": {"lying": 0.6, "standing": 0.4}},
            {"postures": {"standing": 1.0}},
            "posture: lying 0.60",
        ),
        (Query(posture="sitting"), {"posture": "sitting"}, {"posture": "standing"}, "posture: sitting 1.00"),
        (Query(motion=("running",)), {"motion": "running"}, {"motion": "walking"}, "motion: running 1.00"),
        (
            Query(motion=("still",)),
            {"motion": "walking", "speed": 0.05},
            {"motion": "walking", "speed": 0.8},
            "motion: still 1.00",
        ),
        (Query(riding="bicycle"), {"riding": "bicycle"}, {"riding": None}, "riding: bicycle 1.00"),
        (Query(garments=("vest",)), {"garments": {"vest": 0.8}}, {"garments": {}}, "vest: yes 0.80"),
        (
            Query(patterned=True),
            {"upper": {"pink": 0.3, "green": 0.3, "white": 0.3}},
            {"upper": {"grey": 0.9}},
            "upper body: patterned: yes 1.00",
        ),
    ],
)
def test_each_part_prefers_evidence_for_it_and_missing_evidence_is_neutral(
    query: Query, good: dict[str, Any], bad: dict[str, Any], evidence: str
) -> None:
    records = [make_record(1, appearance=bad), make_record(2, appearance=None), make_record(3, appearance=good)]
    hits = rank_records(query, records)
    assert [h.record.tracker_id for h in hits] == [3, 2, 1]
    assert evidence in hits[0].evidence
    (part,) = hits[1].parts.values()
    assert part == NEUTRAL


def test_a_bicycle_track_is_shown_as_the_ridden_vehicle_itself() -> None:
    bike = make_record(1, object_class="bicycle", appearance={"upper": {"grey": 0.5}})
    (hit,) = rank_records(Query(object_classes=("person", "bicycle"), riding="bicycle"), [bike])
    assert hit.complete
    assert hit.evidence == ("riding: bicycle 1.00",)  # was 0.00: a bicycle rides no bicycle


def test_garments_the_describer_cannot_see_stay_unknown() -> None:
    query = Query(garments=("cardigan",))
    hits = rank_records(query, [make_record(1, appearance={"upper": {"grey": 0.9}}), make_record(2)])
    assert {h.parts["garment:cardigan"] for h in hits} == {NEUTRAL}
    assert hits[0].evidence == ("cardigan: unknown",)


def test_a_carried_object_seen_as_its_own_track_matches() -> None:
    query = Query(object_classes=("person", "suitcase"), carried=("suitcase",))
    records = [make_record(1, appearance={"carried": {}}), make_record(2, object_class="suitcase", appearance={})]
    assert rank_records(query, records)[0].record.object_class == "suitcase"


def test_crowd_from_events_or_from_people_near_each_other() -> None:
    def at(n: int, x: float, source: str = "s") -> TrackRecord:
        path = tuple((t * 0.5, x, 0.5) for t in range(10))
        return make_record(n, source_id=source, path=path, start_s=0.0, end_s=4.5, appearance={})

    group = [at(1, 0.30), at(2, 0.33), at(3, 0.36)]
    alone = at(4, 0.9, source="other")
    event = make_record(5, source_id="ev", appearance={})
    hits = rank_records(
        Query(behaviours=("crowd",)), [*group, alone, event], event_kinds=lambda r: ("crowd",) if r.id == "ev:5" else ()
    )
    order = [h.record.id for h in hits]
    assert order[0] == "ev:5"
    assert hits[0].evidence == ("event: crowd",)
    assert set(order[1:4]) == {"s:1", "s:2", "s:3"}
    assert order[-1] == "other:4"
    assert "near 2 other(s)" in hits[1].evidence


def test_zone_is_required_evidence() -> None:
    hits = rank_records(Query(zone="North Gate"), [make_record(1, zones=("north-gate",)), make_record(2)])
    assert [h.record.tracker_id for h in hits] == [1, 2]
    assert hits[0].evidence == ("zone: North Gate",)
    assert hits[1].evidence == ("not in zone: North Gate",)


def test_better_seen_tracks_win_ties_and_stills_are_not_penalised() -> None:
    query = Query(object_classes=("person",))
    video_short = make_record(1, frames=2, confidence=0.9)
    video_long = make_record(2, frames=40, confidence=0.9)
    still = make_record(3, frames=1, confidence=0.9, start_s=0.0, end_s=0.0)
    hits = rank_records(query, [video_short, video_long, still])
    assert hits[-1].record.tracker_id == 1
    assert hits[0].score == pytest.approx(hits[1].score)


def test_empty_input() -> None:
    assert rank_records(RED_JACKET, []) == []


def test_a_hit_must_match_every_part_to_score_as_a_match() -> None:
    records = [
        make_record(1, appearance={"upper": {"red": 0.9}}),  # red, jacket unknown: partial
        make_record(2, appearance={"upper": {"red": 0.6}, "garments": {"jacket": 0.8}}),  # both: a match
        make_record(3, appearance=None),  # nothing known
    ]
    hits = rank_records(RED_JACKET, records)
    assert [h.record.tracker_id for h in hits] == [2, 1, 3]
    first, second, third = hits
    assert first.complete
    assert first.missing == ()
    assert first.score >= 0.5
    assert not second.complete
    assert second.missing == ("jacket",)
    assert second.score < 0.5
    assert third.missing == ("upper body: red", "jacket")
    assert nothing_matched(RED_JACKET, hits) is None
    assert nothing_matched(RED_JACKET, hits[1:]) == (
        "nothing matched all of: upper body: red; jacket; the closest partial matches follow"
    )


def test_ties_go_to_the_hit_with_evidence_and_then_the_stronger_evidence() -> None:
    query = Query(object_classes=("person",), colours=(ColourTerm(region="upper", colours=("grey",)),))
    records = [
        make_record(1, appearance={"upper": {"grey": 0.55}}),  # full match, weak
        make_record(2, appearance={"upper": {"grey": 0.95}}),  # full match, strong
    ]
    assert [h.record.tracker_id for h in rank_records(query, records)] == [2, 1]


def _timed(n: int, motion: str, motion_s: dict[str, float], **extra: Any) -> TrackRecord:
    app = {"motion": motion, "speed": 0.7, "motion_s": motion_s, "posture": "standing", **extra}
    return make_record(n, appearance=app, end_s=10.0 * n + 20)


def test_a_walker_who_ran_for_a_moment_matches_running_and_a_walker_only_does_not() -> None:
    ran = _timed(1, "walking", {"walking": 16.8, "running": 3.2})
    walked = _timed(2, "walking", {"walking": 20.0})
    brief = _timed(3, "walking", {"walking": 19.8, "running": 0.2})  # one fast sighting: box noise
    hits = rank_records(Query(motion=("running",)), [walked, brief, ran])
    assert [h.record.tracker_id for h in hits] == [1, 3, 2]
    assert hits[0].complete
    assert "motion: running 3.2 s of 20.0 s" in hits[0].evidence
    assert not hits[1].complete
    assert not hits[2].complete
    assert hits[2].missing == ("motion: running",)
    assert "motion: running 0.0 s of 20.0 s" in hits[2].evidence
    assert nothing_matched(Query(motion=("running",)), hits[1:]) is not None


def test_motion_falls_back_to_the_dominant_label_when_not_timed() -> None:
    old = make_record(1, appearance={"motion": "running", "speed": 2.2})  # stored before moments were timed
    timed = _timed(2, "walking", {"walking": 20.0})
    hits = rank_records(Query(motion=("running",)), [timed, old])
    assert [h.record.tracker_id for h in hits] == [1, 2]
    assert hits[0].complete
    assert hits[0].evidence == ("motion: running 1.00",)


def test_standing_still_for_a_while_during_a_walk_matches_still() -> None:
    paused = _timed(1, "walking", {"walking": 16.0, "still": 4.0})
    walked = _timed(2, "walking", {"walking": 20.0})
    hits = rank_records(Query(motion=("still",)), [walked, paused])
    assert [(h.record.tracker_id, h.complete) for h in hits] == [(1, True), (2, False)]


def test_lying_for_a_few_seconds_of_a_long_track_matches_lying() -> None:
    fell = _timed(1, "still", {"still": 20.0}, posture_s={"standing": 17.0, "lying": 3.0})
    stood = _timed(2, "still", {"still": 20.0}, posture_s={"standing": 20.0})
    hits = rank_records(Query(posture="lying"), [stood, fell])
    assert [(h.record.tracker_id, h.complete) for h in hits] == [(1, True), (2, False)]
    assert "posture: lying 3.0 s of 20.0 s" in hits[0].evidence
