"""Search over everything the cameras saw: plain English → typed :class:`Query` → ranked hits with evidence.

The whole loop::

    from camsight.search import parse, search
    from camsight.store import connect, upgrade

    engine = connect("camsight-data/camsight.db")
    upgrade(engine, site="my-site")
    query = parse("person in a red jacket with a backpack yesterday after 5pm")
    print(query.describe())           # always show back what was understood (and what was not used)
    with engine.begin() as conn:
        for hit in search(conn, query, limit=10).hits:
            print(hit.rank, f"{hit.score:.2f}", hit.record.source, hit.record.start_s, "; ".join(hit.evidence))

Modules: :mod:`.query` (the Query model), :mod:`.lexicon` (vocabulary and synonyms), :mod:`.timeparse`
(time phrases), :mod:`.places` (camera, zone and people's names), :mod:`.semantic` (all-MiniLM-L6-v2
fallback for unknown words), :mod:`.parser`; :mod:`.columns` and :mod:`.features` (the search index: one
row of numbers per track), :mod:`.index_writer` (writing it as tracks are stored), :mod:`.rank` (scores and
evidence, in SQL or numpy), :mod:`.engine` (search), :mod:`.cache` (in-memory scoring for long-running processes);
:mod:`.clip_embedder` (optional open-vocabulary image-text encoder pair); :mod:`.standing` (saved
queries that alert).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from camsight.search.engine import SearchResult, search
    from camsight.search.parser import parse
    from camsight.search.query import ColourTerm, IgnoredWord, Query, WordMapping
    from camsight.search.rank import Hit, rank_records

_EXPORTS = {
    "SearchResult": "camsight.search.engine",
    "search": "camsight.search.engine",
    "parse": "camsight.search.parser",
    "ColourTerm": "camsight.search.query",
    "IgnoredWord": "camsight.search.query",
    "Query": "camsight.search.query",
    "WordMapping": "camsight.search.query",
    "Hit": "camsight.search.rank",
    "rank_records": "camsight.search.rank",
}
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


def __getattr__(name: str) -> Any:
    """Import what is asked for on first use, so importing one module of the package stays cheap.

    (The store's schema reads :mod:`camsight.search.columns`; importing the whole search stack
    there would be slow and circular.)
    """
    if name not in _EXPORTS:
        raise AttributeError(f"module 'camsight.search' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
