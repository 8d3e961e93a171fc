"""The search index: one row of numbers per track, so a query is scored inside the database.

Reading 100,000 JSON track records back into Python for every search is far too slow (seconds). So
each :class:`~camsight.core.records.TrackRecord` also gets a row in ``search_features``: its searchable
attributes as plain numeric columns (colour shares per region, head wear, carried objects, posture
and motion shares, garment cues, how many other people were near it, its event kinds and zones).
:mod:`camsight.search.rank` builds the score of a query as one SQL expression over these columns;
the database filters, scores and sorts, and only the page of results is read back in full.

The rows are derived data, written by :mod:`camsight.search.index_writer` when tracks are stored (and
for every stored track when a store is upgraded); the tables are in :mod:`camsight.store.schema`, their
columns in :mod:`camsight.search.columns`.

Conventions (so scores need no NULL handling): shares are 0..1; ``-1`` means "not known" for head
wear, garments and pattern; ``*_seen``/``*_known`` flags are 0 or 1. The ``blue`` columns hold blue
*other than* its shades ``navy`` and ``light blue``, so the colour columns of a region partition it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from camsight.core.records import Appearance, TrackRecord
from camsight.search.columns import (
    DETECTED_GARMENTS,
    MOMENT_MOTIONS,
    NUMERIC_COLUMNS,
    POSE_GARMENTS,
    REGIONS,
    TEXT_COLUMNS,
    colour_column,
    slug,
)
from camsight.search.columns import GARMENTS as _COLUMN_GARMENTS
from camsight.search.lexicon import CARRIED, COLOURS, LEXICON, MOTIONS, POSTURES, RIDDEN
from camsight.store.schema import FEATURE_VERSION, feature_vectors, track_features

GARMENTS: tuple[str, ...] = _COLUMN_GARMENTS + POSE_GARMENTS
"""Every garment name with a column: the describer's cues read through the lexicon, and those from pose."""

__all__ = [
    "DETECTED_GARMENTS",
    "FEATURE_VERSION",
    "GARMENTS",
    "NUMERIC_COLUMNS",
    "REGIONS",
    "TEXT_COLUMNS",
    "colour_column",
    "feature_row",
    "feature_vectors",
    "nearness",
    "quality",
    "slug",
    "tokens",
    "track_features",
    "vector",
]

NEAR_DISTANCE = 0.08
"""Two people count as near when their feet are within this share of the frame (x and y, normalised)."""
NEAR_MIN_SAMPLES = 2
"""... in at least this many of the first one's path samples."""


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
    row.update(_pose_features(app))
    row.update(_moments(app))
    return row


def _moments(app: Appearance) -> dict[str, float]:
    """Seconds in each motion and posture from the track's moments; all 0 when not timed (older records)."""
    row = {f"motion_{m}_s": float(app.motion_s.get(m, 0.0)) for m in MOMENT_MOTIONS}
    row["motion_timed_s"] = sum(row.values())
    postures = {f"posture_{p}_s": float(app.posture_s.get(p, 0.0)) for p in POSTURES}
    row.update(postures)
    row["posture_timed_s"] = sum(postures.values())
    return row


def _pose_features(app: Appearance) -> dict[str, float]:
    """Texture pattern per garment (``1 - plain``) and mean lightness per region; ``-1`` where unknown."""
    row = {f"{r}_patterned": -1.0 for r in ("upper", "lower")}
    for region, kinds in app.patterns.items():
        if region in ("upper", "lower") and "plain" in kinds:
            row[f"{region}_patterned"] = round(1.0 - float(kinds["plain"]), 3)
    row.update({f"{r}_lightness": float(app.lightness.get(r, -1.0)) for r in REGIONS})
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
        "site": record.site,
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
        "start_s": float(record.start_s),
        "end_s": float(record.end_s),
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
