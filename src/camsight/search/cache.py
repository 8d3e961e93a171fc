"""A process-local copy of the search index, for long-running processes (API server, standing queries).

Scoring 100,000 rows inside SQLite takes tens of milliseconds, more on a busy machine. A process
that searches again and again keeps the feature columns as numpy arrays instead and scores them in a
few milliseconds with the same formula (:class:`~camsight.search.rank.NumpyOps`). Before each search,
one cheap statement (row count and largest ``seq`` of the feature table) says whether the copy is
current: rows written since are fetched and merged; if rows went away, the copy is reloaded. Past
:attr:`FeatureCache.max_rows` rows (a hub with millions of tracks) no copy is kept and the database
scores instead. The command line, one search per process, never uses it.

Example:
    >>> cache = FeatureCache()
    >>> with engine.begin() as conn:                    # doctest: +SKIP
    ...     search(conn, query, cache=cache)
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray

from camsight.search.features import NUMERIC_COLUMNS, TEXT_COLUMNS, feature_vectors, track_features

log = logging.getLogger(__name__)


@dataclass
class Columns:
    """The copied columns: ids, numeric and text columns by name, start and end times (UTC, µs) and offsets (s)."""

    ids: NDArray[np.str_]
    numeric: dict[str, NDArray[np.float32]]
    text: dict[str, NDArray[np.str_]]
    started: NDArray[np.datetime64]
    ended: NDArray[np.datetime64]
    start_s: NDArray[np.float64]
    end_s: NDArray[np.float64]
    seq: int = 0
    index: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def as_mapping(self) -> dict[str, NDArray[np.generic]]:
        """Every column by name, for :class:`~camsight.search.rank.NumpyOps`."""
        return {**self.numeric, **self.text}

    def take(self, rows: NDArray[np.intp]) -> dict[str, NDArray[np.generic]]:
        """The columns of some rows only."""
        return {name: col[rows] for name, col in self.as_mapping().items()}


def _fetch(conn: sa.Connection, *, after_seq: int) -> Columns:
    f, v = track_features, feature_vectors
    times_and_offsets = (f.c.started_ts, f.c.ended_ts, f.c.start_s, f.c.end_s)
    stmt = sa.select(f.c.id, f.c.seq, v.c.vector, *times_and_offsets, *(f.c[n] for n in TEXT_COLUMNS))
    rows = conn.execute(stmt.join_from(f, v, v.c.id == f.c.id).where(f.c.seq > after_seq)).all()
    width = len(NUMERIC_COLUMNS)
    matrix = np.frombuffer(b"".join(r.vector for r in rows), dtype=np.float32).reshape(len(rows), width)
    times = np.asarray([(r.started_ts, r.ended_ts) for r in rows], dtype=np.float64).reshape(len(rows), 2)
    micros = np.round(times * 1e6).astype("int64").astype("datetime64[us]")
    offsets = np.asarray([(r.start_s, r.end_s) for r in rows], dtype=np.float64).reshape(len(rows), 2)
    return Columns(
        ids=np.asarray([r.id for r in rows], dtype=str),
        numeric={name: np.ascontiguousarray(matrix[:, i]) for i, name in enumerate(NUMERIC_COLUMNS)},
        text={name: np.asarray([r._mapping[name] for r in rows], dtype=str) for name in TEXT_COLUMNS},
        started=micros[:, 0],
        ended=micros[:, 1],
        start_s=np.ascontiguousarray(offsets[:, 0]),
        end_s=np.ascontiguousarray(offsets[:, 1]),
        seq=max((int(r.seq) for r in rows), default=after_seq),
    )


def _merge(old: Columns, new: Columns) -> Columns:
    """``old`` with the rows of ``new`` replacing those with the same id and the others appended."""
    if len(new) == 0:
        return old
    positions = np.asarray([old.index.get(str(i), -1) for i in new.ids], dtype=np.intp)
    replace, append = positions >= 0, positions < 0

    def merged(a: NDArray[np.generic], b: NDArray[np.generic]) -> NDArray[np.generic]:
        out = np.concatenate([a, b[append]])
        out[positions[replace]] = b[replace]
        return out

    result = Columns(
        ids=merged(old.ids, new.ids),  # type: ignore[arg-type]
        numeric={k: merged(v, new.numeric[k]) for k, v in old.numeric.items()},  # type: ignore[misc]
        text={k: merged(v, new.text[k]) for k, v in old.text.items()},  # type: ignore[misc]
        started=merged(old.started, new.started),  # type: ignore[arg-type]
        ended=merged(old.ended, new.ended),  # type: ignore[arg-type]
        start_s=merged(old.start_s, new.start_s),  # type: ignore[arg-type]
        end_s=merged(old.end_s, new.end_s),  # type: ignore[arg-type]
        seq=max(old.seq, new.seq),
    )
    result.index = {str(i): n for n, i in enumerate(result.ids)}
    return result


class FeatureCache:
    """Keeps the search index's columns in memory, refreshed from the database before each use."""

    def __init__(self, *, max_rows: int = 300_000) -> None:
        """Keep no copy when the index holds more than ``max_rows`` rows (about 400 bytes each)."""
        self.max_rows = max_rows
        self._columns: Columns | None = None
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        """Drop the copy; the next :meth:`view` loads it again."""
        with self._lock:
            self._columns = None

    def view(self, conn: sa.Connection) -> Columns | None:
        """The current columns, or None when the index is larger than :attr:`max_rows`."""
        f = track_features
        count, top = conn.execute(sa.select(sa.func.count(), sa.func.coalesce(sa.func.max(f.c.seq), 0))).one()
        if count > self.max_rows:
            self._columns = None
            return None
        with self._lock:
            cols = self._columns
            if cols is not None and top > cols.seq:
                cols = _merge(cols, _fetch(conn, after_seq=cols.seq))
            if cols is None or len(cols) != count:
                cols = _fetch(conn, after_seq=0)
                cols.index = {str(i): n for n, i in enumerate(cols.ids)}
                log.debug("search cache: loaded %d rows", len(cols))
            self._columns = cols
            return cols
