"""search(): SQL filters and scoring on SQLite and PostgreSQL, paging, the in-memory path, injection."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from search_factories import T0, make_record, store_records

from camsight.core.records import TrackRecord
from camsight.errors import QueryError
from camsight.events.models import EVENT_ADAPTER, event_id
from camsight.search import features, index_writer, parse
from camsight.search.cache import FeatureCache
from camsight.search.engine import SearchResult, search
from camsight.search.query import ColourTerm, Query
from camsight.store import embeddings as store
from camsight.store import upsert_event
from camsight.store.schema import tracks

RED = {"upper": {"red": 0.7}}
GREY = {"upper": {"grey": 0.8}}


@pytest.fixture(autouse=True)
def _empty_search_index(engine: sa.Engine) -> None:
    """The shared PostgreSQL fixture empties the store's tables; the search index's are emptied here."""
    with engine.begin() as conn:
        for table in (features.track_features, features.feature_vectors, store.track_embeddings):
            conn.execute(table.delete())


def corpus() -> list[TrackRecord]:
    people = [make_record(i, appearance=RED if i % 3 == 0 else GREY, camera=f"cam{i % 2}") for i in range(1, 31)]
    cars = [make_record(100 + i, object_class="car", appearance=RED) for i in range(3)]
    return people + cars


def run(engine: sa.Engine, query: Query, **kwargs: object) -> SearchResult:
    with engine.begin() as conn:
        return search(conn, query, **kwargs)  # type: ignore[arg-type]


RED_PERSON = Query(object_classes=("person",), colours=(ColourTerm(region="upper", colours=("red",)),))


def test_ranks_matches_first_with_evidence(engine: sa.Engine) -> None:
    store_records(engine, corpus())
    result = run(engine, RED_PERSON, limit=10)
    assert len(result.hits) == 10
    assert result.more
    assert [h.rank for h in result.hits] == list(range(1, 11))
    assert {h.record.object_class for h in result.hits} == {"person"}
    red = [h for h in result.hits if h.record.tracker_id % 3 == 0]
    assert len(red) == 10
    assert red[0].evidence == ("upper body: red 0.70",)
    assert all(a.score >= b.score for a, b in zip(result.hits, result.hits[1:], strict=False))


@pytest.mark.parametrize("cached", [False, True], ids=["sql", "in-memory"])
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (Query(object_classes=("car",)), {100, 101, 102}),
        (Query(object_classes=("person",), camera="cam1"), {i for i in range(1, 31) if i % 2 == 1}),
        (Query(since=T0 + timedelta(minutes=28)), {28, 29, 30, 100, 101, 102}),
        (Query(object_classes=("person",), until=T0 + timedelta(minutes=3)), {1, 2}),
        (Query(camera="'; DROP TABLE tracks; --"), set()),
        # track n is seen from 10n to 10n + 10 s into its source (cars: 1000 s and later)
        (Query(from_s=290.0), {28, 29, 30, 100, 101, 102}),  # still seen at 290 s: 28 ends there
        (Query(object_classes=("person",), to_s=30.0), {1, 2}),  # started before 30 s: 3 starts at it
        (Query(from_s=100.0, to_s=130.0), {9, 10, 11, 12}),
        (Query(object_classes=("car",), to_s=1000.0), set()),
        (Query(object_classes=("person",), from_s=0.0), set(range(1, 31))),
        (Query(from_s=120.0, since=T0 + timedelta(minutes=20)), {*range(20, 31), 100, 101, 102}),
    ],
)
def test_filters_run_in_sql(engine: sa.Engine, query: Query, expected: set[int], cached: bool) -> None:
    store_records(engine, corpus())
    hits = run(engine, query, limit=100, cache=FeatureCache() if cached else None).hits
    assert {h.record.tracker_id for h in hits} == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("person after 2 minutes", set(range(11, 31))),  # 11 is seen from 110 s to 120 s
        ("person before 30 seconds", {1, 2}),
        ("person in the first minute", {1, 2, 3, 4, 5}),
        ("person between 1 and 2 minutes", set(range(5, 12))),
        ("red car after 2 minutes", {100, 101, 102}),
    ],
)
def test_offsets_in_the_text_filter_the_search(engine: sa.Engine, text: str, expected: set[int]) -> None:
    store_records(engine, corpus())
    query = parse(text, semantic=False)
    for cache in (None, FeatureCache()):
        assert {h.record.tracker_id for h in run(engine, query, limit=100, cache=cache).hits} == expected


def test_the_feature_rows_hold_the_offsets(engine: sa.Engine) -> None:
    store_records(engine, [make_record(4, start_s=12.25, end_s=47.5)])
    f = features.track_features
    with engine.begin() as conn:
        assert conn.execute(sa.select(f.c.start_s, f.c.end_s)).one() == (12.25, 47.5)


def test_paging_returns_each_track_once(engine: sa.Engine) -> None:
    store_records(engine, corpus())
    everything = [h.record.id for h in run(engine, RED_PERSON, limit=100).hits]
    pages = []
    for offset in range(0, 30, 7):
        result = run(engine, RED_PERSON, limit=7, offset=offset)
        pages += [h.record.id for h in result.hits]
        assert [h.rank for h in result.hits] == list(range(offset + 1, offset + 1 + len(result.hits)))
        assert result.more == (offset + 7 < 30)
    assert pages == everything
    assert len(set(pages)) == 30


def test_sql_looking_text_is_inert(engine: sa.Engine) -> None:
    store_records(engine, corpus())
    with pytest.raises(QueryError, match="nothing to search for"):
        parse("'; DROP TABLE tracks; --", semantic=False)
    query = Query(camera="x' OR '1'='1", zone="%", behaviours=("'; DELETE FROM tracks; --",))
    assert run(engine, query).hits == []
    assert run(engine, Query(zone="%"), limit=50).hits[0].evidence == ("not in zone: %",)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tracks)).scalar_one() == 33


def test_index_follows_reanalysis_and_deletion(engine: sa.Engine) -> None:
    store_records(engine, [make_record(1, appearance=GREY), make_record(2, appearance=GREY)])
    assert run(engine, RED_PERSON).hits[0].parts["colour:upper:red"] == 0.0
    store_records(engine, [make_record(1, appearance=RED)], run_id="run2")  # same track, analysed again
    first = run(engine, RED_PERSON).hits[0]
    assert (first.record.id, first.evidence) == ("src1:1", ("upper body: red 0.70",))
    with engine.begin() as conn:
        conn.execute(tracks.delete().where(tracks.c.id == "src1:1"))
    assert [h.record.id for h in run(engine, RED_PERSON).hits] == ["src1:2"]


def test_behaviour_from_stored_events(engine: sa.Engine) -> None:
    store_records(engine, [make_record(1), make_record(2)])
    event = EVENT_ADAPTER.validate_python(
        {
            "kind": "loitering",
            "id": event_id("cam1", "/videos/src1.mp4", "loitering", 0),
            "site": "test",
            "rule": "r",
            "camera": "cam1",
            "source": "/videos/src1.mp4",
            "track_ids": (2,),
            "start_s": 20.0,
            "end_s": 30.0,
            "started_at": T0,
            "score": 0.9,
            "dwell_s": 31.0,
        }
    )
    with engine.begin() as conn:
        upsert_event(conn, event=event, source_id="src1", run_id="run1")
        index_writer.rebuild(conn)
    hits = run(engine, parse("someone loitering", semantic=False)).hits
    assert hits[0].record.id == "src1:2"
    assert hits[0].evidence == ("event: loitering",)


@pytest.mark.parametrize(
    "text",
    [
        "person in a red jacket",
        "red car",
        "person with a backpack",
        "group of people standing together",
        "someone without a hat sitting",
        "person in a striped top on camera cam1",
        "person in a red jacket after 2 minutes",
        "red car in the first 20 minutes",
        "person with a backpack between 1 and 5 minutes",
        "person before 100 seconds",
        "anyone running",
        "someone standing still",
        "person lying on the floor",
        "person walking or running",
    ],
)
def test_in_memory_scoring_agrees_with_sql(engine: sa.Engine, text: str) -> None:
    records = corpus() + [
        make_record(200, appearance={"carried": {"backpack": 0.5}, "posture": "sitting", "headwear": 0.1}),
        make_record(201, appearance={"upper": {"red": 0.3, "white": 0.3, "blue": 0.3}}, camera="cam1"),
        *(  # timed per moment: a walk with a run, with a pause, a fall
            make_record(
                n,
                appearance={
                    "motion": "walking",
                    "motion_s": dict(zip(("walking", k), (10 - v, v), strict=True)),
                    "posture_s": {"standing": 10 - lie, "lying": lie},
                },
            )
            for n, k, v, lie in ((202, "running", 1.1, 0.0), (203, "running", 3.0, 0.0), (204, "still", 2.5, 1.3))
        ),
    ]
    store_records(engine, records)
    query = parse(text, semantic=False)
    sql = run(engine, query, limit=15)
    cached = run(engine, query, limit=15, cache=FeatureCache())
    assert [h.record.id for h in cached.hits] == [h.record.id for h in sql.hits]
    assert [h.score for h in cached.hits] == pytest.approx([h.score for h in sql.hits], abs=1e-5)
    assert cached.more == sql.more


def test_cache_follows_writes_and_deletes(engine: sa.Engine) -> None:
    cache = FeatureCache()
    store_records(engine, [make_record(1, appearance=GREY)])
    assert run(engine, RED_PERSON, cache=cache).hits[0].parts["colour:upper:red"] == 0.0
    store_records(engine, [make_record(2, appearance=RED)])
    assert run(engine, RED_PERSON, cache=cache).hits[0].record.id == "src1:2"
    store_records(engine, [make_record(1, appearance=RED, started_at=T0 + timedelta(hours=1))], run_id="run2")
    assert run(engine, RED_PERSON, cache=cache).hits[0].record.id == "src1:1"
    with engine.begin() as conn:
        conn.execute(tracks.delete().where(tracks.c.id == "src1:1"))
    assert [h.record.id for h in run(engine, RED_PERSON, cache=cache).hits] == ["src1:2"]


def test_cache_steps_aside_for_large_indexes(engine: sa.Engine) -> None:
    store_records(engine, corpus())
    cache = FeatureCache(max_rows=10)
    with engine.begin() as conn:
        assert cache.view(conn) is None
    assert len(run(engine, RED_PERSON, cache=cache, limit=50).hits) == 30


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (1001, 0), (10, -1)])
def test_bad_paging_is_rejected(engine: sa.Engine, limit: int, offset: int) -> None:
    with pytest.raises(ValueError, match="limit|offset"):
        run(engine, RED_PERSON, limit=limit, offset=offset)


def test_empty_store(engine: sa.Engine) -> None:
    result = run(engine, RED_PERSON)
    assert (result.hits, result.more) == ([], False)


def test_tracks_are_indexed_as_they_are_stored_with_their_neighbours(engine: sa.Engine) -> None:
    path = tuple((t * 0.5, 0.5, 0.5) for t in range(8))
    first = make_record(1, path=path, start_s=0.0, end_s=3.5)
    second = make_record(2, path=tuple((t, x + 0.02, y) for t, x, y in path), start_s=0.0, end_s=3.5)
    for record in (first, second):
        store_records(engine, [record])
    f = features.track_features
    with engine.begin() as conn:
        near = dict(conn.execute(sa.select(f.c.id, f.c.near_others)).all())
    assert near == {"src1:1": 1.0, "src1:2": 1.0}  # the first was re-indexed when its neighbour arrived


def test_a_replaced_record_of_the_same_run_is_reindexed(engine: sa.Engine) -> None:
    store_records(engine, [make_record(1, appearance=GREY)])
    assert run(engine, RED_PERSON).hits[0].evidence[0].startswith("upper body: red 0.00")
    longer = make_record(1, appearance=RED)
    longer = longer.model_copy(update={"ended_at": longer.ended_at + timedelta(seconds=5)})
    store_records(engine, [longer])  # same id, same run, longer track
    assert run(engine, RED_PERSON).hits[0].evidence == ("upper body: red 0.70",)
