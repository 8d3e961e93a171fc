"""A process-local copy of the search index, for long-running processes (API server, hub, standing queries).

Scoring 1,000,000 rows inside PostgreSQL takes about two seconds: every row's columns are read and the
formula evaluated row by row. A process that searches again and again keeps the feature columns as
numpy arrays instead and scores them with the same formula (:class:`~camsight.search.rank.NumpyOps`),
in tens of milliseconds for a million rows:

- numeric columns are float32, one contiguous array each (as ``search_vectors`` holds them); text
  columns (class, camera, site, event kinds, zones) are small integer codes into one table of the
  distinct values each, so ``zones`` holding ``|gate|`` is decided once per distinct value, not per row;
- the rows are kept in blocks: rows written since the last search are fetched (``seq`` above the
  largest seen) and appended as a new block, and the rows they replace are marked gone in theirs, so a
  write never copies the whole index; small blocks are merged now and then;
- before each search one cheap statement (the largest ``seq``, from its index) says whether rows
  were written since. Deleted rows are noticed when they come up in a ranking (the page's rows are read
  from the database, and a row that is not there any more is dropped from the copy and the ranking run
  again), and by a full row count at most every :attr:`FeatureCache.recount_s` seconds: a count differs
  from the copy's, the copy is reloaded.

Past :attr:`FeatureCache.max_rows` rows no copy is kept and the database scores instead. The command
line, one search per process, never uses it.

Example:
    >>> cache = FeatureCache()
    >>> with engine.begin() as conn:                    # doctest: +SKIP
    ...     search(conn, query, cache=cache)
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray

from camsight.search.features import NUMERIC_COLUMNS, TEXT_COLUMNS, feature_vectors, track_features

log = logging.getLogger(__name__)

MERGE_BLOCKS = 8
"""Blocks kept before the smaller ones are merged into one."""


@dataclass
class Block:
    """Some rows of the copy: ids, numeric columns, text codes, times (UTC, µs) and offsets (s), and which are gone."""

    ids: NDArray[np.str_]
    numeric: dict[str, NDArray[np.float32]]
    codes: dict[str, NDArray[np.int32]]
    started: NDArray[np.datetime64]
    ended: NDArray[np.datetime64]
    start_s: NDArray[np.float64]
    end_s: NDArray[np.float64]
    gone: NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.ids)

    def live(self) -> int:
        """Rows not gone."""
        return len(self.ids) - int(self.gone.sum())


def _concat(blocks: Sequence[Block]) -> Block:
    """One block of the rows not gone of ``blocks``."""
    keep = [~b.gone for b in blocks]

    def cat(arrays: Iterable[NDArray[np.generic]]) -> NDArray[np.generic]:
        return np.concatenate([a[k] for a, k in zip(arrays, keep, strict=True)])

    ids = cat(b.ids for b in blocks)
    return Block(
        ids=ids,  # type: ignore[arg-type]
        numeric={n: cat(b.numeric[n] for b in blocks) for n in NUMERIC_COLUMNS},  # type: ignore[misc]
        codes={n: cat(b.codes[n] for b in blocks) for n in TEXT_COLUMNS},  # type: ignore[misc]
        started=cat(b.started for b in blocks),  # type: ignore[arg-type]
        ended=cat(b.ended for b in blocks),  # type: ignore[arg-type]
        start_s=cat(b.start_s for b in blocks),  # type: ignore[arg-type]
        end_s=cat(b.end_s for b in blocks),  # type: ignore[arg-type]
        gone=np.zeros(len(ids), dtype=bool),
    )


@dataclass
class Columns:
    """The copy: blocks of rows, the distinct values of each text column, where each id is, the largest ``seq``."""

    blocks: list[Block] = field(default_factory=list)
    values: dict[str, list[str]] = field(default_factory=lambda: {n: [] for n in TEXT_COLUMNS})
    codes_of: dict[str, dict[str, int]] = field(default_factory=lambda: {n: {} for n in TEXT_COLUMNS})
    where: dict[str, tuple[int, int]] = field(default_factory=dict)
    seq: int = 0

    def __len__(self) -> int:
        """Rows held (not gone)."""
        return len(self.where)

    def code(self, column: str, value: str) -> int:
        """The code of ``value`` in a text column (a new one if unseen)."""
        found = self.codes_of[column].get(value)
        if found is None:
            found = self.codes_of[column][value] = len(self.values[column])
            self.values[column].append(value)
        return found

    def matching(self, column: str, values: Iterable[str]) -> NDArray[np.int32]:
        """Codes of those values of a text column that the copy holds."""
        known = self.codes_of[column]
        return np.asarray(sorted(known[v] for v in values if v in known), dtype=np.int32)

    def table(self, column: str) -> NDArray[np.str_]:
        """The distinct values of a text column, by code."""
        return np.asarray(self.values[column], dtype=str)

    def forget(self, ids: Iterable[str]) -> None:
        """Mark rows gone (deleted from the database since they were copied)."""
        for track_id in ids:
            place = self.where.pop(track_id, None)
            if place is not None:
                self.blocks[place[0]].gone[place[1]] = True

    def add(self, block: Block) -> None:
        """Append a block; rows with ids already held replace the old ones."""
        if len(block) == 0:
            return
        self.forget(str(i) for i in block.ids)
        number = len(self.blocks)
        self.blocks.append(block)
        self.where.update((str(i), (number, n)) for n, i in enumerate(block.ids))
        if len(self.blocks) > MERGE_BLOCKS:
            self._compact()

    def _compact(self) -> None:
        """Merge every block but the largest into one (the largest keeps its rows where they are)."""
        largest = max(range(len(self.blocks)), key=lambda n: self.blocks[n].live())
        others = [b for n, b in enumerate(self.blocks) if n != largest]
        self.blocks = [self.blocks[largest], _concat(others)]
        self.where = {}
        for number, b in enumerate(self.blocks):
            alive = np.flatnonzero(~b.gone)
            self.where.update((str(b.ids[n]), (number, int(n))) for n in alive)


def _fetch(conn: sa.Connection, cols: Columns, *, after_seq: int) -> tuple[Block, int]:
    """The rows written after ``after_seq``, as a block (text coded with ``cols``' tables), and their largest seq."""
    f, v = track_features, feature_vectors
    times_and_offsets = (f.c.started_ts, f.c.ended_ts, f.c.start_s, f.c.end_s)
    stmt = sa.select(f.c.id, f.c.seq, v.c.vector, *times_and_offsets, *(f.c[n] for n in TEXT_COLUMNS))
    rows = conn.execute(stmt.join_from(f, v, v.c.id == f.c.id).where(f.c.seq > after_seq)).all()
    width = len(NUMERIC_COLUMNS)
    matrix = np.frombuffer(b"".join(r.vector for r in rows), dtype=np.float32).reshape(len(rows), width)
    matrix = np.asfortranarray(matrix)  # each column contiguous
    times = np.asarray([(r.started_ts, r.ended_ts) for r in rows], dtype=np.float64).reshape(len(rows), 2)
    micros = np.round(times * 1e6).astype("int64").astype("datetime64[us]")
    offsets = np.asarray([(r.start_s, r.end_s) for r in rows], dtype=np.float64).reshape(len(rows), 2)
    codes = {
        name: np.asarray([cols.code(name, str(r[k])) for r in rows], dtype=np.int32)
        for k, name in enumerate(TEXT_COLUMNS, start=7)
    }
    block = Block(
        ids=np.asarray([r.id for r in rows], dtype=str),
        numeric={name: matrix[:, i] for i, name in enumerate(NUMERIC_COLUMNS)},
        codes=codes,
        started=micros[:, 0].copy(),
        ended=micros[:, 1].copy(),
        start_s=offsets[:, 0].copy(),
        end_s=offsets[:, 1].copy(),
        gone=np.zeros(len(rows), dtype=bool),
    )
    return block, max((int(r.seq) for r in rows), default=after_seq)


class FeatureCache:
    """Keeps the search index's columns in memory, brought up to date from the database before each use."""

    def __init__(self, *, max_rows: int = 2_000_000, recount_s: float = 30.0) -> None:
        """Keep no copy past ``max_rows`` rows (about 500 bytes each); count the rows at most every ``recount_s``."""
        self.max_rows = max_rows
        self.recount_s = recount_s
        self._columns: Columns | None = None
        self._counted = 0.0
        self._lock = threading.RLock()

    def invalidate(self) -> None:
        """Drop the copy; the next :meth:`view` loads it again."""
        with self._lock:
            self._columns = None

    def _count(self, conn: sa.Connection) -> int:
        return int(conn.execute(sa.select(sa.func.count()).select_from(track_features)).scalar_one())

    @contextlib.contextmanager
    def using(self, conn: sa.Connection) -> Iterator[Columns | None]:
        """The current columns (None past :attr:`max_rows`), not changed by other threads meanwhile."""
        with self._lock:
            yield self._view(conn)

    def view(self, conn: sa.Connection) -> Columns | None:
        """The current columns, or None when the index is larger than :attr:`max_rows`."""
        with self._lock:
            return self._view(conn)

    def _view(self, conn: sa.Connection) -> Columns | None:
        f = track_features
        top = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(f.c.seq), 0))).scalar_one())
        cols = self._columns
        now = time.monotonic()
        count: int | None = None
        if cols is None or now - self._counted >= self.recount_s:
            count, self._counted = self._count(conn), now
            if count > self.max_rows:
                self._columns = None
                return None
        if cols is not None and top > cols.seq:
            block, cols.seq = _fetch(conn, cols, after_seq=cols.seq)
            cols.add(block)
        if cols is not None and len(cols) > self.max_rows:
            cols = None
        if cols is None or (count is not None and len(cols) != count):
            cols = Columns()
            block, cols.seq = _fetch(conn, cols, after_seq=0)
            cols.add(block)
            log.debug("search cache: loaded %d rows", len(cols))
            if len(cols) > self.max_rows:
                self._columns = None
                return None
        self._columns = cols
        return cols
