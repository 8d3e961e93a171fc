"""The search index: one row of numbers per track, so a query is scored inside the database.

Reading 100,000 JSON track records back into Python for every search is far too slow (seconds). So
each :class:`~camsight.core.records.TrackRecord` also gets a row in ``search_features``: its searchable
attributes as plain numeric columns (colour shares per region, head wear, carried objects, posture
and motion shares, garment cues, how many other people were near it, its event kinds and zones).
:mod:`camsight.search.rank` builds the score of a query as one SQL expression over these columns;
the database filters, scores and sorts, and only the page of results is read back in full.

The rows are derived data, rebuilt from ``tracks`` whenever they are missing or stale (a different
``run_id``; a new :data:`FEATURE_VERSION` starts a new table) by :mod:`camsight.search.indexing`.

Conventions (so scores need no NULL handling): shares are 0..1; ``-1`` means "not known" for head
wear, garments and pattern; ``*_seen``/``*_known`` flags are 0 or 1. The ``blue`` columns hold blue
*other than* its shades ``navy`` and ``light blue``, so the colour columns of a region partition it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray

from camsight.core.records import Appearance, TrackRecord
from camsight.search.lexicon import CARRIED, COLOURS, LEXICON, MOTIONS, POSTURES, RIDDEN
from camsight.store.schema import UTCDateTime

FEATURE_VERSION = 4
"""Version of the feature layout; rows of another version are rebuilt."""

REGIONS = ("head", "upper", "lower")
"""Body regions with colour columns."""

GARMENTS: tuple[str, ...] = (
    "vest",
    "dress",
    "hooded jacket",
    "jacket",
    "coat",
    "cardigan",
    "shirt",
    "t-shirt",
    "top",
    "sweater",
    "uniform",
    "overalls",
    "suit",
    "trousers",
    "jeans",
    "shorts",
    "skirt",
)
"""Canonical garment names with a column (the describer's garment cues, read through the lexicon)."""

DETECTED_GARMENTS: tuple[str, ...] = ("vest", "jeans", "dress")
"""Cues :mod:`camsight.perception.describe` reports whenever it sees them: for a described track, their
absence is evidence (0), not "unknown" (-1) as for the garments it cannot detect."""

NEAR_DISTANCE = 0.08
"""Two people count as near when their feet are within this share of the frame (x and y, normalised)."""
NEAR_MIN_SAMPLES = 2
"""... in at least this many of the first one's path samples."""


def slug(name: str) -> str:
    """Column-safe form of a vocabulary name (``light blue`` → ``light_blue``, ``t-shirt`` → ``t_shirt``)."""
    return name.replace(" ", "_").replace("-", "_")


def colour_column(region: str, colour: str) -> str:
    """Name of the column holding ``colour``'s share of ``region``."""
    return f"{region}_{slug(colour)}"


NUMERIC_COLUMNS: tuple[str, ...] = (
    *(colour_column(r, c) for r in REGIONS for c in COLOURS),
    *(f"{r}_seen" for r in REGIONS),
    "described",
    "headwear",
    "pattern",
    *(f"carried_{c}" for c in CARRIED),
    *(f"posture_{p}" for p in POSTURES),
    "posture_known",
    *(f"motion_{m}" for m in MOTIONS),
    "motion_known",
    "speed",
    *(f"riding_{r}" for r in RIDDEN),
    *(f"garment_{slug(g)}" for g in GARMENTS),
    "near_others",
    "near_share",
    "quality",
    "duration",
)
"""Every numeric feature column, in a fixed order."""

TEXT_COLUMNS = ("object_class", "camera", "event_kinds", "zones")
"""Text columns the scoring formula reads (event kinds and zones as ``|a|b|``)."""

metadata = sa.MetaData()
"""The search index's own tables (created on demand by :func:`ensure_tables`)."""

track_features = sa.Table(
    f"search_features_v{FEATURE_VERSION}",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("source_id", sa.String, nullable=False),
    sa.Column("camera", sa.String, nullable=False),
    sa.Column("object_class", sa.String, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("ended_at", UTCDateTime, nullable=False),
    sa.Column("event_kinds", sa.String, nullable=False),
    sa.Column("zones", sa.String, nullable=False),
    sa.Column("started_ts", sa.Float, nullable=False),
    sa.Column("ended_ts", sa.Float, nullable=False),
    *(sa.Column(name, sa.Float, nullable=False) for name in NUMERIC_COLUMNS),
    sa.Index(f"ix_search_features_v{FEATURE_VERSION}_class_started", "object_class", "started_at"),
    sa.Index(f"ix_search_features_v{FEATURE_VERSION}_camera_started", "camera", "started_at"),
    sa.Index(f"ix_search_features_v{FEATURE_VERSION}_source", "source_id"),
    sa.Index(f"ix_search_features_v{FEATURE_VERSION}_seq", "seq"),
)
"""The feature rows; the layout version is part of the name, so a new layout starts a new table.

``seq`` grows with every write (all rows of one :func:`index_tracks` call share one value), so a
process-local copy (:mod:`camsight.search.cache`) can fetch just what changed; ``started_ts`` and
``ended_ts`` are the times as UNIX seconds, for that copy."""

feature_vectors = sa.Table(
    f"search_vectors_v{FEATURE_VERSION}",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("vector", sa.LargeBinary, nullable=False),
)
"""The numeric columns again, as float32 bytes in :data:`NUMERIC_COLUMNS` order: the process-local copy
loads 100,000 rows of these in well under a second. A table of their own keeps the rows that SQL scores
narrow (about 30% faster to scan)."""


def ensure_tables(conn: sa.Connection) -> None:
    """Create the feature table if it is missing, dropping those of older layouts (cheap when it exists)."""
    inspector = sa.inspect(conn)
    if inspector.has_table(track_features.name) and inspector.has_table(feature_vectors.name):
        return
    current = {track_features.name, feature_vectors.name}
    for name in inspector.get_table_names():
        if name.startswith(("search_features_v", "search_vectors_v")) and name not in current:
            sa.Table(name, sa.MetaData()).drop(conn)
    metadata.create_all(conn, checkfirst=True)


def tokens(values: Iterable[str]) -> str:
    """A set of names as ``|a|b|``, so ``LIKE '%|a|%'`` tests membership exactly."""
    return "|" + "|".join(sorted({normalise_name(v) for v in values})) + "|"


def normalise_name(name: str) -> str:
    """Zone and event names compared loosely: lower case, ``-``/``_`` as spaces."""
    return " ".join(name.lower().replace("-", " ").replace("_", " ").split())


def _colours(region: str, shares: dict[str, float]) -> dict[str, float]:
    row = {colour_column(region, c): float(shares.get(c, 0.0)) for c in COLOURS}
    shades = sum(float(shares.get(s, 0.0)) for s in ("navy", "light blue"))
    row[colour_column(region, "blue")] = max(0.0, float(shares.get("blue", 0.0)) - shades)
    row[f"{region}_seen"] = 1.0 if shares else 0.0
    return row


def _pattern(upper: dict[str, float]) -> float:
    """How patterned the upper body looks, from the effective number of its colours ``k = 1 / sum(share²)``.

    Shares are of the basic names (shades are parts of blue), renormalised to sum 1. One colour gives
    ``k = 1`` (plain: 0); three even colours ``k = 3`` (patterned: 1); linear in between from 1.5.
    """
    basic = np.asarray([v for k, v in upper.items() if k not in ("navy", "light blue")], dtype=np.float64)
    if basic.size == 0 or basic.sum() <= 0:
        return -1.0
    share = basic / basic.sum()
    effective = 1.0 / float((share**2).sum())
    return float(np.clip((effective - 1.5) / 1.5, 0.0, 1.0))


def _postures(app: Appearance) -> dict[str, float]:
    shares = {p: float(app.postures.get(p, 0.0)) for p in POSTURES}
    known = sum(shares.values())
    if known > 0:
        shares = {p: v / known for p, v in shares.items()}
    elif app.posture in POSTURES:
        shares = {p: float(p == app.posture) for p in POSTURES}
    row = {f"posture_{p}": v for p, v in shares.items()}
    row["posture_known"] = 1.0 if sum(shares.values()) > 0 else 0.0
    return row


def _garments(app: Appearance, *, described: bool) -> dict[str, float]:
    row = {f"garment_{slug(g)}": 0.0 if described and g in DETECTED_GARMENTS else -1.0 for g in GARMENTS}
    for key, value in app.garments.items():
        sense = LEXICON.get(key.lower())
        name = sense.garment if sense and sense.garment else key.lower()
        if name in GARMENTS:
            column = f"garment_{slug(name)}"
            row[column] = max(row[column], float(value))
    return row


def _appearance(app: Appearance | None) -> dict[str, float]:
    if app is None:
        app = Appearance()
        described = 0.0
    else:
        described = 1.0
    row: dict[str, float] = {"described": described}
    for region in REGIONS:
        row.update(_colours(region, getattr(app, region)))
    row["headwear"] = -1.0 if app.headwear is None else float(app.headwear)
    row["pattern"] = _pattern(app.upper)
    row.update({f"carried_{c}": float(app.carried.get(c, 0.0)) for c in CARRIED})
    row.update(_postures(app))
    row.update({f"motion_{m}": float(app.motion == m) for m in MOTIONS})
    row["motion_known"] = float(app.motion in MOTIONS)
    row["speed"] = -1.0 if app.speed is None else float(app.speed)
    row.update({f"riding_{r}": float(app.riding == r) for r in RIDDEN})
    row.update(_garments(app, described=bool(described)))
    return row


def quality(record: TrackRecord) -> float:
    """How well the track was seen, 0..1: mean detection confidence, times ``min(frames / 8, 1)`` for videos.

    A still has one frame by nature, so it is not penalised for it.
    """
    if record.end_s <= record.start_s and record.frames <= 1:
        return float(record.confidence)
    return float(record.confidence) * min(record.frames / 8.0, 1.0)


def feature_row(
    record: TrackRecord, *, run_id: str = "", event_kinds: Iterable[str] = (), near: tuple[int, float] = (0, 0.0)
) -> dict[str, Any]:
    """The ``search_features`` row of one record.

    Args:
        record: The track record.
        run_id: The ``tracks.run_id`` it was stored under (rows are rebuilt when it changes).
        event_kinds: Kinds of the events the track took part in.
        near: How many other people were near it, and for what share of its path (see :func:`nearness`).
    """
    row: dict[str, Any] = {
        "id": record.id,
        "run_id": run_id,
        "source_id": record.source_id,
        "camera": record.camera,
        "object_class": record.object_class,
        "started_at": record.started_at,
        "ended_at": record.ended_at,
        "started_ts": record.started_at.timestamp(),
        "ended_ts": record.ended_at.timestamp(),
        "event_kinds": tokens(event_kinds),
        "zones": tokens(record.zones),
        "near_others": float(near[0]),
        "near_share": float(near[1]),
        "quality": quality(record),
        "duration": float(record.end_s - record.start_s),
    }
    row.update(_appearance(record.appearance))
    return row


def vector(row: dict[str, Any]) -> bytes:
    """The numeric columns of a feature row as float32 bytes (a :data:`feature_vectors` value)."""
    return np.asarray([row[c] for c in NUMERIC_COLUMNS], dtype=np.float32).tobytes()


def _close(pa: NDArray[np.float64], pb: NDArray[np.float64]) -> NDArray[np.bool_]:
    """For each of path ``pa``'s samples, whether path ``pb`` was near then (interpolated in time)."""
    inside = (pa[:, 0] >= pb[0, 0] - 0.5) & (pa[:, 0] <= pb[-1, 0] + 0.5)
    bx, by = np.interp(pa[:, 0], pb[:, 0], pb[:, 1]), np.interp(pa[:, 0], pb[:, 0], pb[:, 2])
    return np.asarray(inside & (np.abs(pa[:, 1] - bx) < NEAR_DISTANCE) & (np.abs(pa[:, 2] - by) < NEAR_DISTANCE))


def nearness(records: Sequence[TrackRecord]) -> dict[str, tuple[int, float]]:
    """For every person track: how many other people of the same source were near it, and for what share of it.

    "Near" is within :data:`NEAR_DISTANCE` in at least :data:`NEAR_MIN_SAMPLES` samples (or all, for
    shorter paths). Only tracks that overlap in time are compared (a sweep over start times), so a long
    recording costs about ``tracks x people at once``, not ``tracks²``.
    """
    paths = {r.id: np.asarray(r.path, dtype=np.float64).reshape(-1, 3) for r in records}
    counts: dict[str, int] = defaultdict(int)
    masks = {i: np.zeros(len(p), dtype=bool) for i, p in paths.items()}
    by_source: dict[str, list[TrackRecord]] = defaultdict(list)
    for r in records:
        if r.object_class == "person" and len(paths[r.id]):
            by_source[r.source_id].append(r)
    for people in by_source.values():
        people.sort(key=lambda r: r.start_s)
        for i, a in enumerate(people):
            for b in people[i + 1 :]:
                if b.start_s > a.end_s + 0.5:
                    break
                ab, ba = _close(paths[a.id], paths[b.id]), _close(paths[b.id], paths[a.id])
                if ab.sum() >= min(NEAR_MIN_SAMPLES, len(ab)) or ba.sum() >= min(NEAR_MIN_SAMPLES, len(ba)):
                    counts[a.id] += 1
                    counts[b.id] += 1
                    masks[a.id] |= ab
                    masks[b.id] |= ba
    return {r.id: (counts[r.id], float(masks[r.id].mean()) if len(masks[r.id]) else 0.0) for r in records}
