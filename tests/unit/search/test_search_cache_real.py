"""The in-memory search path ranks exactly as the database does, on a real indexed store (SQLite and PostgreSQL).

The two edge stores in tests/data/stores (a real clip analysed, sites north-campus and south-campus) are
copied into the store the way a hub writes what it receives (the ``real`` fixture of this folder's
conftest), then each query runs once scored by the database and once by a
:class:`~camsight.search.cache.FeatureCache`: same ids in the same order, same scores, same ``more``.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from camsight.search import features, index_writer, parse
from camsight.search.cache import FeatureCache
from camsight.search.engine import SearchResult, search
from camsight.store import list_tracks, upsert_tracks
from camsight.store.schema import tracks

STORES = Path(__file__).resolve().parents[2] / "data" / "stores"
TEXTS = (
    "person",
    "person in a red top",
    "person in a grey cardigan",
    "person in dark trousers and a light top",
    "someone sitting without a hat",
    "people standing together",
    "person in the first 20 seconds",
    "anyone running",
    "person lying on the floor",
)


def _run(engine: sa.Engine, text: str, **kwargs: object) -> SearchResult:
    with engine.begin() as conn:
        return search(conn, parse(text, semantic=False), **kwargs)  # type: ignore[arg-type]


def _same(fast: SearchResult, slow: SearchResult) -> None:
    assert [h.record.id for h in fast.hits] == [h.record.id for h in slow.hits]
    assert [h.score for h in fast.hits] == [h.score for h in slow.hits]
    assert [h.parts for h in fast.hits] == [h.parts for h in slow.hits]
    assert fast.more == slow.more


def test_cache_ranks_as_the_database_on_real_tracks_through_deletes_and_rewrites(real: sa.Engine) -> None:
    cache = FeatureCache()
    with real.connect() as conn:
        held = conn.execute(sa.select(sa.func.count()).select_from(features.track_features)).scalar_one()
    assert held == 118  # both edges' tracks are indexed
    for text in TEXTS:
        for kwargs in ({}, {"offset": 7, "scope": ["gate"]}):
            slow = _run(real, text, limit=25, **kwargs)
            assert slow.hits or "offset" in kwargs, text
            _same(_run(real, text, limit=25, cache=cache, **kwargs), slow)
    for site in ("north", "south"):
        query = parse("person in a red top", semantic=False).model_copy(update={"site": site})
        with real.begin() as conn:
            slow, fast = search(conn, query, limit=40), search(conn, query, limit=40, cache=cache)
        assert {h.record.site for h in slow.hits} == {site}
        _same(fast, slow)
    best = _run(real, "person in a red top", limit=5, cache=cache).hits
    gone = best[0].record.id
    with real.begin() as conn:  # a retention run or a re-analysis deletes the best match
        index_writer.drop_tracks(conn, [gone])
        conn.execute(tracks.delete().where(tracks.c.id == gone))
    fast = _run(real, "person in a red top", limit=5, cache=cache)
    assert gone not in [h.record.id for h in fast.hits]
    _same(fast, _run(real, "person in a red top", limit=5))
    with real.begin() as conn:  # a re-sent record with a longer path is stored and indexed again
        again = list_tracks(conn, limit=10**6)[-1]
        upsert_tracks(conn, records=[again], run_id=f"hub:{again.site}")
        index_writer.store_tracks(conn, [again])
    text = "person in a grey cardigan"
    _same(_run(real, text, limit=30, cache=cache), _run(real, text, limit=30))
