"""What verdicts teach: suppression candidates built from the alerts marked false, previewed on the judged ones.

Each judged alert (:class:`Judged`: the alert, its verdict and what it was about) belongs to a group: its
rule (or standing query), camera and zone. From the alerts marked false in a group, :func:`candidates`
builds suppressions of the four kinds (:mod:`camsight.events.suppress`):

* **place**: false alarms of one class close together (linked when they, or their tracks' paths, come
  within a box of each other: :data:`LINK_W` box widths across and :data:`LINK_H` box heights up or down)
  become a rectangle around where they started, padded by half their median box width and a quarter of its
  height. A rectangle that would hold a confirmed alert is split with tighter links (start points only,
  then half and a quarter of a box) until it holds none, or dropped when fewer than :data:`PLACE_MIN` false
  alarms are left in it;
* **appearance**: at least ``min_false`` false alarms that are the same object (same class, place, size and
  colours: :func:`~camsight.events.suppress.same_object`): a parked car, a statue, a poster;
* **time**: the daily window (15-minute steps) the false alarms fall in, if it is at most :data:`MAX_WINDOW_H`
  hours long;
* **threshold**: with at least one confirmed alert, the measure (score, dwell, count, distance, ...) whose
  minimum — halfway between the largest false value below the smallest confirmed value and that value —
  drops the most false alarms and keeps every confirmed one. For a standing query on ``score``, that is
  its suggested minimum score.

Every candidate comes with its :class:`Preview`: what it would have done to the judged history
("would have suppressed 41 of 48 false alarms and 0 of 12 confirmed"). Pure: no clock, no store.

Example:
    >>> Preview(41, 48, 0, 12).line()
    'would have suppressed 41 of 48 false alarms and 0 of 12 confirmed'
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Literal

import numpy as np

from camsight.events.models import AnyEvent
from camsight.events.suppress import Placement, Point, Suppression, holds, measure_of, measures, same_object

Verdict = Literal["confirmed", "false"]
LINK_W = 1.5
"""Two false alarms are neighbours when at most this many box widths apart across..."""
LINK_H = 0.5
"""...and at most this many box heights apart up or down."""
DEFAULT_SIZE = 0.1
"""Box size assumed for an alert whose box was not recorded (stored before camsight kept subjects)."""
PLACE_MIN = 2
"""False alarms a place needs (its rule and camera need ``min_false`` of them in all)."""
MAX_WINDOW_H = 8.0
"""A time window longer than this is no suggestion: it would hide most of a day."""


@dataclass(frozen=True)
class Judged:
    """An alert with its verdict (None: no verdict), what it was about (None: not known) and its track's path.

    ``path`` holds the normalised bottom-centre points of the alert's first track, when it is stored.
    """

    event: AnyEvent
    verdict: Verdict | None
    about: Placement | None
    path: tuple[Point, ...] = ()


@dataclass(frozen=True)
class Preview:
    """What a suppression would have done to the judged alerts of its rule and camera."""

    false_hit: int
    false_total: int
    confirmed_hit: int
    confirmed_total: int

    def line(self) -> str:
        """``would have suppressed 41 of 48 false alarms and 0 of 12 confirmed``."""
        return (
            f"would have suppressed {self.false_hit} of {self.false_total} false alarms "
            f"and {self.confirmed_hit} of {self.confirmed_total} confirmed"
        )


@dataclass(frozen=True)
class Candidate:
    """A suggested suppression (id 0, disabled), why, and its preview."""

    suppression: Suppression
    reason: str
    preview: Preview


Group = tuple[str, str, str | None]


def preview(s: Suppression, judged: Iterable[Judged], tz: tzinfo | None = None) -> Preview:
    """What ``s`` (enabled or not) would have held back of the judged alerts of its rule and camera."""
    counts = [0, 0, 0, 0]
    for j in judged:
        if j.verdict is None or (j.event.rule, j.event.camera) != (s.rule, s.camera):
            continue
        hit = holds(s, j.event, j.about, tz)
        k = 0 if j.verdict == "false" else 2
        counts[k] += hit
        counts[k + 1] += 1
    return Preview(*counts)


def candidates(judged: Sequence[Judged], *, tz: tzinfo | None = None, min_false: int = 3) -> list[Candidate]:
    """Every candidate the judged alerts suggest (see the module docstring), group by group."""
    groups: dict[Group, list[Judged]] = defaultdict(list)
    for j in judged:
        if j.verdict is not None and j.event.kind != "alert_budget":
            groups[(j.event.rule, j.event.camera, j.event.zone)].append(j)
    out: list[Suppression] = []
    reasons: list[str] = []
    for group, members in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or "")):
        false = [j for j in members if j.verdict == "false"]
        confirmed = [j for j in members if j.verdict == "confirmed"]
        if len(false) < min_false:
            continue
        for s, why in (
            *_places(group, false, confirmed),
            *_appearances(group, false, min_false),
            *_windows(group, false, tz),
            *_thresholds(group, false, confirmed, min_false),
        ):
            out.append(s)
            reasons.append(why)
    return [Candidate(s, why, preview(s, judged, tz)) for s, why in zip(out, reasons, strict=True)]


def _size(p: Placement) -> tuple[float, float]:
    return (p.w if p.w > 0 else DEFAULT_SIZE, p.h if p.h > 0 else DEFAULT_SIZE)


def link_clusters(
    points: Sequence[Placement], *, paths: Sequence[Sequence[Point]] = (), scale: float = 1.0
) -> list[list[int]]:
    """Single-linkage clusters of placements: neighbours are within a box of each other (times ``scale``).

    With ``paths`` (one per placement, possibly empty), two placements are also neighbours when their
    tracks' paths come that close: people walking the same pavement link up wherever their alerts started.
    """
    parent = list(range(len(points)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    trail = [
        np.array([(p.x, p.y), *(paths[i] if i < len(paths) else ())], dtype=np.float64) for i, p in enumerate(points)
    ]
    for i, a in enumerate(points):
        aw, ah = _size(a)
        for k in range(i + 1, len(points)):
            bw, bh = _size(points[k])
            dx = np.abs(trail[i][:, None, 0] - trail[k][None, :, 0]) <= scale * LINK_W * (aw + bw) / 2
            dy = np.abs(trail[i][:, None, 1] - trail[k][None, :, 1]) <= scale * LINK_H * (ah + bh) / 2
            if bool((dx & dy).any()):
                parent[root(k)] = root(i)
    clusters: dict[int, list[int]] = defaultdict(list)
    for i in range(len(points)):
        clusters[root(i)].append(i)
    return list(clusters.values())


def box_region(points: Sequence[Placement]) -> tuple[Point, ...]:
    """A rectangle around the placements, padded by half their median box width and a quarter of its height."""
    w = statistics.median(_size(p)[0] for p in points)
    h = statistics.median(_size(p)[1] for p in points)
    x0, x1 = max(0.0, min(p.x for p in points) - w / 2), min(1.0, max(p.x for p in points) + w / 2)
    y0, y1 = max(0.0, min(p.y for p in points) - h / 4), min(1.0, max(p.y for p in points) + h / 4)
    return tuple((round(x, 4), round(y, 4)) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1)))


def _places(group: Group, false: Sequence[Judged], confirmed: Sequence[Judged]) -> list[tuple[Suppression, str]]:
    rule, camera, zone = group
    out: list[tuple[Suppression, str]] = []
    for cls in sorted({j.about.object_class for j in false if j.about is not None}):
        mine = [j for j in false if j.about is not None and j.about.object_class == cls]
        kept = [j for j in confirmed if j.about is not None and j.about.object_class == cls]
        pending = [mine]
        for scale, by_path in ((1.0, True), (1.0, False), (0.5, False), (0.25, False)):
            later: list[list[Judged]] = []
            for chunk in pending:
                points = [j.about for j in chunk if j.about is not None]
                paths = [j.path for j in chunk] if by_path else []
                for members in link_clusters(points, paths=paths, scale=scale):
                    cluster = [chunk[i] for i in members]
                    if len(cluster) < PLACE_MIN:
                        continue
                    region = box_region([j.about for j in cluster if j.about is not None])
                    s = Suppression(0, rule, camera, zone, region, cls, enabled=False)
                    if any(holds(s, j.event, j.about) for j in kept):
                        later.append(cluster)
                        continue
                    out.append((s, f"{len(cluster)} false alarms of {cls} in this area"))
            pending = later
    return out


def _appearances(group: Group, false: Sequence[Judged], min_false: int) -> list[tuple[Suppression, str]]:
    rule, camera, zone = group
    seen = [j.about for j in false if j.about is not None and j.about.colours]
    used: set[int] = set()
    out = []
    for i, seed in enumerate(seen):
        if i in used:
            continue
        same = [k for k, other in enumerate(seen) if k not in used and same_object(seed, other)]
        if len(same) < min_false:
            continue
        used.update(same)
        like = _typical([seen[k] for k in same])
        s = Suppression(0, rule, camera, zone, (), like.object_class, enabled=False, kind="appearance", like=like)
        out.append((s, f"{len(same)} false alarms of the same {like.object_class} (same place, size and colours)"))
    return out


def _typical(points: Sequence[Placement]) -> Placement:
    """The median place and size and the mean colours of sightings of one object."""
    colours: dict[str, float] = defaultdict(float)
    for p in points:
        for k, v in (p.colours or {}).items():
            colours[k] += v / len(points)
    return Placement(
        round(statistics.median(p.x for p in points), 4),
        round(statistics.median(p.y for p in points), 4),
        points[0].object_class,
        w=round(statistics.median(p.w for p in points), 4),
        h=round(statistics.median(p.h for p in points), 4),
        colours={k: round(v, 3) for k, v in colours.items() if v >= 0.05},
    )


def _windows(group: Group, false: Sequence[Judged], tz: tzinfo | None) -> list[tuple[Suppression, str]]:
    rule, camera, zone = group
    minutes = sorted({(t := j.event.started_at.astimezone(tz)).hour * 60 + t.minute for j in false})
    gaps = [((minutes[(i + 1) % len(minutes)] - m) % 1440 or 1440, i) for i, m in enumerate(minutes)]
    _, widest = max(gaps)
    start, end = minutes[(widest + 1) % len(minutes)], minutes[widest]
    start, end = start // 15 * 15, (end // 15 + 1) * 15
    if (end - start) % 1440 > MAX_WINDOW_H * 60 or end - start >= 1440:
        return []
    window = (f"{start // 60:02d}:{start % 60:02d}", f"{end // 60 % 24:02d}:{end % 60:02d}")
    s = Suppression(0, rule, camera, zone, (), None, enabled=False, kind="time", window=window)
    return [(s, f"{len(false)} false alarms between {window[0]} and {window[1]}")]


def _thresholds(
    group: Group, false: Sequence[Judged], confirmed: Sequence[Judged], min_false: int
) -> list[tuple[Suppression, str]]:
    if not confirmed:
        return []
    rule, camera, zone = group
    best: tuple[int, str, float] | None = None
    for name in measures(false[0].event.kind):
        kept = [v for j in confirmed if (v := measure_of(j.event, name)) is not None]
        values = [v for j in false if (v := measure_of(j.event, name)) is not None]
        if not kept or not values:
            continue
        floor = min(kept)
        below = [v for v in values if v < floor]
        if len(below) < min_false:
            continue
        minimum = round((max(below) + floor) / 2, 4)
        if not max(below) < minimum <= floor:
            minimum = floor
        if best is None or len(below) > best[0]:
            best = (len(below), name, minimum)
    if best is None:
        return []
    count, name, minimum = best
    what = "minimum score" if name == "score" and rule.startswith("query:") else f"minimum {name}"
    s = Suppression(0, rule, camera, zone, (), None, enabled=False, kind="threshold", measure=name, minimum=minimum)
    return [(s, f"{what} {minimum:g}: {count} false alarms below it, every confirmed one at or above")]
