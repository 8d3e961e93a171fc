"""Search over everything the cameras saw: plain English → typed :class:`Query` → ranked hits with evidence.

The whole loop::

    from camsight.search import parse, search
    from camsight.store import connect, create_schema

    engine = connect("camsight-data/camsight.db")
    create_schema(engine)
    query = parse("person in a red jacket with a backpack yesterday after 5pm")
    print(query.describe())           # always show back what was understood (and what was not used)
    with engine.begin() as conn:
        for hit in search(conn, query, limit=10).hits:
            print(hit.rank, f"{hit.score:.2f}", hit.record.source, hit.record.start_s, "; ".join(hit.evidence))

Modules: :mod:`.query` (the Query model), :mod:`.lexicon` (vocabulary and synonyms), :mod:`.timeparse`
(time phrases), :mod:`.places` (camera, zone and people's names), :mod:`.semantic` (all-MiniLM-L6-v2
fallback for unknown words), :mod:`.parser`; :mod:`.features` (the search index: one row of numbers per
track), :mod:`.indexing` (keeping it in step with the tracks), :mod:`.rank` (scores and evidence, in SQL
or numpy), :mod:`.index` (search), :mod:`.cache` (in-memory scoring for long-running processes);
:mod:`.clip_embedder` (optional open-vocabulary image-text encoder pair); :mod:`.standing` (saved
queries that alert).
"""

from camsight.search.index import SearchResult, search
from camsight.search.parser import parse
from camsight.search.query import ColourTerm, IgnoredWord, Query, WordMapping
from camsight.search.rank import Hit, rank_records

__all__ = [
    "ColourTerm",
    "Hit",
    "IgnoredWord",
    "Query",
    "SearchResult",
    "WordMapping",
    "parse",
    "rank_records",
    "search",
]
