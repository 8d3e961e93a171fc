"""The attributes from pose in search: shade, sleeves, lower garment, pattern and head wear kinds, with evidence.

Each runs the words through the parser and the ranking in SQL (SQLite and PostgreSQL), so the typed Query,
the lexicon, the index columns (migration 0007) and the evidence strings are all on the path.
"""

from __future__ import annotations

import sqlalchemy as sa
from search_factories import make_record, store_records

from camsight.core.records import TrackRecord
from camsight.search import parse
from camsight.search.engine import SearchResult, search
from camsight.search.rank import rank_records

DARK_RED = {"upper": {"red": 0.8}, "lightness": {"upper": 0.22}}
LIGHT_RED = {"upper": {"red": 0.8}, "lightness": {"upper": 0.7}}
SHORT = {"upper": {"grey": 0.9}, "garments": {"short sleeves": 0.9, "long sleeves": 0.1, "shorts": 0.8}}
LONG = {"upper": {"grey": 0.9}, "garments": {"short sleeves": 0.0, "long sleeves": 1.0, "trousers": 1.0}}
UNJUDGED = {"upper": {"grey": 0.9}}  # no pose: sleeves and lower garment unknown
BUSY = {"upper": {"grey": 0.9}, "patterns": {"upper": {"plain": 0.1, "striped": 0.7}}}
PLAIN = {"upper": {"grey": 0.9}, "patterns": {"upper": {"plain": 1.0}}}


def run(engine: sa.Engine, text: str) -> SearchResult:
    with engine.begin() as conn:
        return search(conn, parse(text), limit=10)


def corpus() -> list[TrackRecord]:
    looks = [DARK_RED, LIGHT_RED, SHORT, LONG, UNJUDGED, BUSY, PLAIN]
    return [make_record(i, appearance=look) for i, look in enumerate(looks)]


def test_shade_is_matched_on_lightness(engine: sa.Engine) -> None:
    store_records(engine, corpus())
    dark, light = run(engine, "dark red jacket").hits[:2]
    assert (dark.record.tracker_id, light.record.tracker_id) == (0, 1)
    assert dark.score > 1.5 * light.score
    assert dark.evidence[0] == "upper body: dark red 0.80; lightness 0.22"
    assert run(engine, "light red top").hits[0].record.tracker_id == 1


def test_sleeves_and_shorts_from_pose_and_unknown_without(engine: sa.Engine) -> None:
    store_records(engine, corpus())
    hits = run(engine, "person in short sleeves and shorts").hits
    assert hits[0].record.tracker_id == 2
    assert hits[0].evidence == ("short sleeves: yes 0.90", "shorts: yes 0.80")
    by_id = {h.record.tracker_id: h for h in hits}
    assert by_id[3].evidence == ("short sleeves: no 0.00", "shorts: unknown")
    assert by_id[4].evidence == ("short sleeves: unknown", "shorts: unknown")
    assert by_id[3].score < by_id[4].score < hits[0].score  # evidence against < no evidence < a match
    assert run(engine, "long-sleeved shirt").hits[0].record.tracker_id == 3


def test_pattern_kinds_match_as_patterned_and_say_so() -> None:
    records = corpus()
    hits = rank_records(parse("striped shirt"), records)
    by_id = {h.record.tracker_id: h for h in hits}
    assert by_id[5].score > by_id[6].score
    assert "pattern: striped: yes 0.90 (as patterned: the kind is not told apart)" in by_id[5].evidence


def test_head_wear_kinds_match_as_head_wear_and_say_so() -> None:
    records = [make_record(0, appearance={"headwear": 0.9}), make_record(1, appearance={"headwear": 0.0})]
    hits = rank_records(parse("man in a cap"), records)
    assert [h.record.tracker_id for h in hits] == [0, 1]
    assert hits[0].evidence == ("cap: yes 0.90 (as head wear: the kind is not told apart)",)
    assert parse("someone in a beanie").describe() == "object: person; beanie: yes"
