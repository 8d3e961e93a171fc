"""Searching the stored tracks: SQL filters and scoring in the database, evidence for the page in Python.

:func:`search` runs in two steps:

1. one SQLAlchemy Core statement over ``search_features``: the filters (object class, camera, time
   range, offsets into the footage) as ``WHERE`` clauses with bound parameters, the score of
   :mod:`camsight.search.rank` as an expression, ``ORDER BY`` score, ``LIMIT``/``OFFSET`` for paging.
   No SQL is ever built from the text the user typed: words become vocabulary terms first, and terms
   become bound values;
2. the page's records are read from ``tracks`` and their evidence computed with the same formula.

A search only reads: the index is written when tracks are stored (:mod:`camsight.search.index_writer`),
so it works on a read-only store too.

A long-running process passes a :class:`~camsight.search.cache.FeatureCache`: step 1 then scores a
process-local copy of the columns with numpy (same formula, same order, a few milliseconds for
100,000 tracks) while the filters stay the same.

With an image-text embedder (:mod:`camsight.search.clip_embedder`), the best :data:`CLIP_POOL`
candidates by the structured score are re-ranked with the query text's similarity to each thumbnail.

Example:
    >>> from camsight.store import connect, upgrade
    >>> from camsight.search.parser import parse
    >>> engine = connect(":memory:")
    >>> _ = upgrade(engine, site="docs")
    >>> with engine.begin() as conn:
    ...     search(conn, parse("person in a red jacket", semantic=False)).hits
    []
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray

from camsight.core.records import TrackRecord
from camsight.search import features as feat
from camsight.search.cache import Block, Columns, FeatureCache
from camsight.search.clip_embedder import ClipEmbedder
from camsight.search.query import Query
from camsight.search.rank import NEUTRAL, Hit, NumpyOps, SqlOps, explain, matched_moment, parts, total, unmatched
from camsight.store import embeddings as emb_store
from camsight.store.events_repo import events_by_track
from camsight.store.schema import tracks as track_table

log = logging.getLogger(__name__)

MAX_LIMIT = 1000
"""Most results one page may hold."""
CLIP_POOL = 300
"""How many of the best structured matches the image-text similarity re-ranks (at least 3 pages)."""
CLIP_WEIGHT = 2.0
"""Weight of the image-text similarity part, beside the query's other parts."""
ORDER_DIGITS = 6
"""Scores are rounded to this many decimals before ordering, so both scoring paths agree on ties."""


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One page of results."""

    query: Query
    hits: list[Hit]
    offset: int
    more: bool


def _filters(query: Query, table: sa.Table) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if query.object_classes:
        conditions.append(table.c.object_class.in_(query.object_classes))
    if query.camera is not None:
        conditions.append(table.c.camera == query.camera)
    if query.site is not None:
        conditions.append(table.c.site == query.site)
    if query.in_sites is not None:
        conditions.append(table.c.site.in_(list(query.in_sites)))
    if query.since is not None:
        conditions.append(table.c.ended_at >= query.since)
    if query.until is not None:
        conditions.append(table.c.started_at < query.until)
    if query.from_s is not None:  # still seen at or after that offset into its source
        conditions.append(table.c.end_s >= query.from_s)
    if query.to_s is not None:  # started before that offset
        conditions.append(table.c.start_s < query.to_s)
    return conditions


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be 1..{MAX_LIMIT}, got {limit}")
    if offset < 0:
        raise ValueError(f"offset must not be negative, got {offset}")


Scope = Sequence[str] | None
"""The cameras a search may return (an account's scope); None: all."""


def _in_scope(scope: Scope, table: sa.Table) -> list[sa.ColumnElement[bool]]:
    return [] if scope is None else [table.c.camera.in_(list(scope))]


def _ranked_ids(
    conn: sa.Connection, query: Query, *, limit: int, offset: int, scope: Scope = None
) -> list[tuple[str, float]]:
    f = feat.track_features
    ops = SqlOps(f, conn.dialect.name)
    raw = total(parts(query, ops), ops)
    if conn.dialect.name == "postgresql":  # PostgreSQL rounds numeric, not double precision
        raw = sa.cast(raw, sa.Numeric)
    score = sa.func.round(raw, ORDER_DIGITS).label("score")
    stmt = (
        sa.select(f.c.id, score)
        .where(*_filters(query, f), *_in_scope(scope, f))
        .order_by(score.desc(), f.c.started_at.desc(), f.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [(str(i), float(s)) for i, s in conn.execute(stmt)]


class _BlockOps(NumpyOps):
    """:class:`NumpyOps` over one block of the cache (some of its rows): numeric columns in float64, text by code."""

    def __init__(self, cols: Columns, block: Block, rows: NDArray[np.intp] | None = None) -> None:
        super().__init__({})
        self._cols, self._block, self._rows = cols, block, rows
        self._wide: dict[str, NDArray[np.float64]] = {}

    def _take(self, column: NDArray[Any]) -> NDArray[Any]:
        return column if self._rows is None else column[self._rows]

    def col(self, name: str) -> Any:  # noqa: D102
        found = self._wide.get(name)
        if found is None:
            found = self._wide[name] = self._take(self._block.numeric[name]).astype(np.float64)
        return found

    def has(self, column: str, name: str) -> Any:  # noqa: D102
        table = self._cols.table(column)
        holds = np.char.find(table, f"|{name}|") >= 0 if table.size else np.zeros(0, dtype=bool)
        return holds[self._take(self._block.codes[column])]

    def equals(self, column: str, value: str) -> Any:  # noqa: D102
        return self._is(column, (value,))

    def _is(self, column: str, values: Sequence[str]) -> NDArray[np.bool_]:
        wanted = np.zeros(len(self._cols.values[column]) + 1, dtype=bool)
        wanted[self._cols.matching(column, values)] = True
        return np.asarray(wanted[self._take(self._block.codes[column])], dtype=bool)


def _mask(query: Query, ops: _BlockOps, block: Block, scope: Scope) -> NDArray[np.bool_]:
    """The filters of :func:`_filters` and the scope, on one block of the in-memory columns."""
    keep = ~block.gone
    if query.object_classes:
        keep &= ops._is("object_class", query.object_classes)
    if query.camera is not None:
        keep &= ops._is("camera", (query.camera,))
    if query.site is not None:
        keep &= ops._is("site", (query.site,))
    if query.in_sites is not None:
        keep &= ops._is("site", query.in_sites)
    if scope is not None:
        keep &= ops._is("camera", scope)
    if query.since is not None:
        keep &= block.ended >= np.datetime64(query.since.astimezone(UTC).replace(tzinfo=None), "us")
    if query.until is not None:
        keep &= block.started < np.datetime64(query.until.astimezone(UTC).replace(tzinfo=None), "us")
    if query.from_s is not None:
        keep &= block.end_s >= query.from_s
    if query.to_s is not None:
        keep &= block.start_s < query.to_s
    return keep


def _ranked_cached(
    cols: Columns, query: Query, *, limit: int, offset: int, scope: Scope = None
) -> list[tuple[str, float]]:
    """Like :func:`_ranked_ids`, scored on the in-memory columns (same formula, same order)."""
    scores, where, rows_of = [], [], []
    for number, block in enumerate(cols.blocks):
        rows = np.flatnonzero(_mask(query, _BlockOps(cols, block), block, scope))
        if rows.size == 0:
            continue
        ops = _BlockOps(cols, block, None if rows.size == len(block) else rows)  # score the rows kept only
        raw = np.asarray(total(parts(query, ops), ops), dtype=np.float64)
        scores.append(np.round(np.broadcast_to(raw, (rows.size,)), ORDER_DIGITS))
        where.append(np.full(rows.size, number, dtype=np.int32))
        rows_of.append(rows)
    if not scores:
        return []
    score, block_no, row = np.concatenate(scores), np.concatenate(where), np.concatenate(rows_of)
    want = min(score.size, offset + limit)
    if want < score.size:  # keep every row tied with the last one wanted, then sort those fully
        cut = -np.partition(-score, want - 1)[want - 1]
        kept = np.flatnonzero(score >= cut)
        score, block_no, row = score[kept], block_no[kept], row[kept]
    started = np.empty(score.size, dtype=np.int64)
    numbers = np.unique(block_no).tolist()
    for number in numbers:
        here = block_no == number
        started[here] = cols.blocks[number].started[row[here]].astype(np.int64)
    order = np.lexsort((-started, -score))  # by score, then start; the id decides what is still tied
    end = want
    while (
        end < order.size
        and score[order[end]] == score[order[want - 1]]
        and started[order[end]] == started[order[want - 1]]
    ):
        end += 1
    head = order[:end]
    ids = np.empty(head.size, dtype=object)
    for number in numbers:
        here = block_no[head] == number
        ids[here] = cols.blocks[number].ids[row[head[here]]]
    final = np.lexsort((ids.astype(str), -started[head], -score[head]))[offset : offset + limit]
    return [(str(ids[i]), float(score[head[i]])) for i in final.tolist()]


def _load(conn: sa.Connection, ids: Sequence[str]) -> tuple[dict[str, Any], dict[str, TrackRecord]]:
    """Feature rows and records of ``ids``."""
    f = feat.track_features
    rows = {r.id: r._mapping for r in conn.execute(sa.select(f).where(f.c.id.in_(ids)))}
    tracks = conn.execute(
        sa.select(track_table.c.id, track_table.c.run_id, track_table.c.record).where(track_table.c.id.in_(ids))
    ).all()
    records = {t.id: TrackRecord.model_validate(t.record) for t in tracks}
    return rows, records


def _clip_scores(
    conn: sa.Connection,
    embedder: ClipEmbedder,
    query: Query,
    ids: Sequence[str],
) -> dict[str, float]:
    """Image-text similarity of each candidate as a 0..1 score: its rank among the candidates that have one.

    Thumbnails are embedded when tracks are stored; a track without an embedding scores neutral.
    """
    vectors = emb_store.get_embeddings(conn, track_ids=list(ids), model=embedder.model)
    if not vectors or not query.embed_text:
        return {}
    text = embedder.embed_text(query.embed_text)
    have = [i for i in ids if i in vectors]
    sims = np.asarray([float(vectors[i] @ text) for i in have])
    ranks = sims.argsort().argsort()
    return {i: float(r) / max(1, len(have) - 1) for i, r in zip(have, ranks, strict=True)}


def _event_starts(conn: sa.Connection, query: Query, records: Sequence[TrackRecord]) -> dict[str, dict[str, float]]:
    """``{track id: {event kind: earliest start_s}}`` of the records' events of the kinds the query asks for.

    A track's events are found as the index finds them (:func:`camsight.store.events_repo.events_by_track`):
    by the events' track ids within the track's source, and by the event ids the record lists.
    """
    if not query.behaviours or not records:
        return {}
    found = events_by_track(conn, source_ids=sorted({r.source_id for r in records}), kinds=query.behaviours)
    starts: dict[str, dict[str, float]] = {}
    for record in records:
        seen = [s for key in (record.id, *record.events) for s in found.get(key, ())]
        for kind, start_s in seen:
            mine = starts.setdefault(record.id, {})
            mine[kind] = min(start_s, mine.get(kind, start_s))
    return starts


def _hits(
    conn: sa.Connection,
    query: Query,
    order: list[tuple[str, float]],
    rows: dict[str, Any],
    records: dict[str, TrackRecord],
    offset: int,
    clip: dict[str, float] | None,
) -> list[Hit]:
    present = [(i, s) for i, s in order if i in rows and i in records]
    if not present:
        return []
    starts = _event_starts(conn, query, [records[i] for i, _ in present])
    ops = NumpyOps.from_rows([rows[i] for i, _ in present])
    query_parts = parts(query, ops)
    hits = []
    for n, (track_id, score) in enumerate(present):
        evidence, part_scores = explain(query_parts, n, records[track_id])
        missing = unmatched(query_parts, part_scores)
        if clip is not None:
            part_scores["clip"] = round(clip.get(track_id, NEUTRAL), 3)
            evidence += (f"looks like the text: {clip[track_id]:.2f}" if track_id in clip else "looks like: no image",)
        hits.append(
            Hit(
                rank=offset + n + 1,
                score=round(score, 4),
                record=records[track_id],
                evidence=evidence,
                parts=part_scores,
                complete=not missing,
                missing=missing,
                at_s=matched_moment(query, records[track_id], starts.get(track_id)),
            )
        )
    return hits


def _ranked(
    conn: sa.Connection, query: Query, cache: FeatureCache | None, *, limit: int, offset: int, scope: Scope = None
) -> list[tuple[str, float]]:
    """``(track id, score)`` best first: in memory when a cache is given and holds the index, else in SQL.

    A row the copy still holds but the database no longer does (deleted since) is dropped from the copy
    when it comes up, and the ranking is run again, so the result is the database's.
    """
    if cache is None:
        return _ranked_ids(conn, query, limit=limit, offset=offset, scope=scope)
    with cache.using(conn) as cols:
        if cols is None:
            return _ranked_ids(conn, query, limit=limit, offset=offset, scope=scope)
        while True:
            order = _ranked_cached(cols, query, limit=limit, offset=offset, scope=scope)
            f = feat.track_features
            present = set(conn.execute(sa.select(f.c.id).where(f.c.id.in_([i for i, _ in order]))).scalars())
            gone = [i for i, _ in order if i not in present]
            if not gone:
                return order
            cols.forget(gone)


def _rerank(
    conn: sa.Connection,
    query: Query,
    embedder: ClipEmbedder,
    cache: FeatureCache | None,
    *,
    limit: int,
    offset: int,
    scope: Scope = None,
) -> tuple[list[tuple[str, float]], dict[str, Any], dict[str, TrackRecord], dict[str, float]]:
    pool = _ranked(conn, query, cache, limit=max(CLIP_POOL, 3 * (offset + limit)), offset=0, scope=scope)
    rows, records = _load(conn, [i for i, _ in pool])
    clip = _clip_scores(conn, embedder, query, [i for i, _ in pool])
    weight = sum(p.weight for p in parts(query, SqlOps(feat.track_features, conn.dialect.name))) or 1.0
    mixed = [(i, (s * weight + clip.get(i, NEUTRAL) * CLIP_WEIGHT) / (weight + CLIP_WEIGHT)) for i, s in pool]
    mixed.sort(key=lambda item: -item[1])
    return mixed[offset : offset + limit + 1], rows, records, clip


def search(
    conn: sa.Connection,
    query: Query,
    *,
    limit: int = 20,
    offset: int = 0,
    embedder: ClipEmbedder | None = None,
    cache: FeatureCache | None = None,
    scope: Scope = None,
) -> SearchResult:
    """The page ``offset .. offset + limit`` of tracks matching ``query``, best first, one hit per track.

    Args:
        conn: Connection (SQLite or PostgreSQL); only read.
        query: The parsed query.
        limit: Page size, 1..:data:`MAX_LIMIT`.
        offset: Hits to skip (for the next pages).
        embedder: Optional image-text embedder; its similarity joins the ranking.
        cache: A process-local copy of the index to score in memory (long-running processes);
            without it the database scores.
        scope: Only tracks of these cameras (an account's scope); None for all.

    Raises:
        ValueError: ``limit`` or ``offset`` out of range.
    """
    _check_page(limit, offset)
    clip: dict[str, float] | None = None
    if embedder is not None and query.embed_text:
        order, rows, records, clip = _rerank(conn, query, embedder, cache, limit=limit, offset=offset, scope=scope)
    else:
        order = _ranked(conn, query, cache, limit=limit + 1, offset=offset, scope=scope)
        rows, records = _load(conn, [i for i, _ in order])
    more = len(order) > limit
    return SearchResult(
        query=query, hits=_hits(conn, query, order[:limit], rows, records, offset, clip), offset=offset, more=more
    )
