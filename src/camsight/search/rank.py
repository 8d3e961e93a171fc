"""Scoring track records against a :class:`~camsight.search.query.Query`, with the evidence shown.

Each part of the query (a colour in a region, head wear, a carried object, posture, motion, riding,
a garment, a behaviour, a zone) gives a score in 0..1 and has a weight. A record's *fit* is the
weighted mean, plus small tie-breakers: how much of the query the record has evidence for (3%: the
weighted share of parts whose evidence is known, so of two equal fits the one that was seen wins
over the one nobody could describe), how strong that evidence is beyond a full match (3%: the raw
share of a colour, which the part itself counts as full from :data:`COLOUR_FULL`; a garment's cue)
and how well the track was seen (5%, :func:`camsight.search.features.quality`)::

    fit = 0.89 * sum(weight_i * part_i) / sum(weight_i) + 0.03 * evidence + 0.03 * strength + 0.05 * quality

**A result earns its place.** A part *matched* when its score is at least :data:`MATCHED` (evidence
for it, not a guess: a part without evidence scores :data:`NEUTRAL`, below that). A record that
matched every part of the query is a *match* and scores ``0.5 + 0.5 * fit``; any other record is a
*partial match* and scores ``0.5 * fit``. So every match ranks above every partial match, a score of
0.5 or more means "matched all of it", and :attr:`Hit.complete` and :attr:`Hit.missing` say which
parts a partial match lacks; front ends say "nothing matched all of ..." when no hit is complete.

**Missing evidence is explicit.** When the describer could not say (no appearance, a region not seen,
head wear unknown, ...), the part scores :data:`NEUTRAL` (0.4): below a match (a region half covered by
the asked colour scores 1), above evidence against (0). So a record nobody could describe ranks under
records that match and over records that contradict the query.

Colours give partial credit to neighbouring names (:data:`~camsight.search.lexicon.COLOUR_SIMILARITY`):
``match = sum(similarity(asked, seen) * share(seen))`` over the region's colours, and the part is
``min(match / 0.5, 1)``.

The formula is written once, over an :class:`Ops` backend: :class:`SqlOps` turns it into one SQL
expression over :mod:`camsight.search.features` columns (the database scores and sorts 100,000 rows),
:class:`NumpyOps` evaluates it on rows in memory (the page of results, for evidence; standing queries).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field

from camsight.core.records import TrackRecord
from camsight.search.features import (
    GARMENTS,
    NUMERIC_COLUMNS,
    TEXT_COLUMNS,
    colour_column,
    feature_row,
    nearness,
    normalise_name,
    slug,
)
from camsight.search.lexicon import COLOUR_SIMILARITY, COLOURS
from camsight.search.query import REGION_LABELS, ColourTerm, Query

NEUTRAL = 0.4
"""Score of a part the record has no evidence for, either way."""
COLOUR_FULL = 0.5
"""Share of a region in the asked colour that counts as a full match."""
CARRIED_FULL = 0.3
"""Share of frames with the object carried that counts as a full match."""
GARMENT_FULL = 0.6
"""Garment cue that counts as a full match (the describer's cues are "seen" from about 0.5)."""
QUALITY_WEIGHT = 0.05
"""Weight of the detection-quality tie-breaker in the fit."""
EVIDENCE_WEIGHT = 0.03
"""Weight of the share of the query the record has evidence for, in the fit."""
STRENGTH_WEIGHT = 0.03
"""Weight of the strength of the evidence beyond a full match (a region all red over one half red), in the fit."""
MOTION_FULL_S = {"still": 3.0, "walking": 3.0, "running": 1.5}
"""Seconds in a motion (timed per moment, :func:`camsight.perception.describe.moment_summary`) that count as a
full match, whatever else the track did: "anyone running" finds a walker who ran for 1.5 s."""
POSTURE_FULL_S = 2.0
"""Seconds in a posture that count as a full match (as does half the track in it)."""
MOMENT_SHARE_FULL = 0.5
"""Share of the timed track in a motion or posture that counts as a full match."""
MATCHED = 0.5
"""Least part score that counts as matched (above :data:`NEUTRAL`: a part without evidence never matches)."""

Expr = Any
"""A numpy array (in memory) or a SQLAlchemy column expression (in the database)."""


class Ops(Protocol):
    """The few operations the scoring formula needs, on numpy arrays or SQL expressions."""

    def col(self, name: str) -> Expr:
        """A feature column."""
        ...

    def where(self, cond: Expr, yes: Expr, no: Expr) -> Expr:
        """``yes`` where ``cond`` holds, else ``no``."""
        ...

    def clip01(self, x: Expr) -> Expr:
        """``x`` limited to 0..1."""
        ...

    def maximum(self, a: Expr, b: Expr) -> Expr:
        """Element-wise maximum."""
        ...

    def has(self, column: str, name: str) -> Expr:
        """Whether a ``|a|b|`` text column holds ``name``."""
        ...

    def equals(self, column: str, value: str) -> Expr:
        """Whether a text column equals ``value``."""
        ...


class NumpyOps:
    """Evaluate the formula on feature rows held in memory."""

    def __init__(self, columns: Mapping[str, np.ndarray]) -> None:
        """Columns by name, all of the same length; text columns as numpy unicode arrays."""
        self.columns = columns

    @classmethod
    def from_rows(cls, rows: Sequence[Mapping[str, Any]]) -> NumpyOps:
        """From feature rows (dicts or SQL rows' mappings)."""
        cols: dict[str, np.ndarray] = {n: np.asarray([r[n] for r in rows], dtype=np.float64) for n in NUMERIC_COLUMNS}
        cols.update({n: np.asarray([str(r[n]) for r in rows], dtype=str) for n in TEXT_COLUMNS})
        return cls(cols)

    def col(self, name: str) -> Expr:  # noqa: D102
        return self.columns[name]

    def where(self, cond: Expr, yes: Expr, no: Expr) -> Expr:  # noqa: D102
        return np.where(cond, yes, no)

    def clip01(self, x: Expr) -> Expr:  # noqa: D102
        return np.clip(x, 0.0, 1.0)

    def maximum(self, a: Expr, b: Expr) -> Expr:  # noqa: D102
        return np.maximum(a, b)

    def has(self, column: str, name: str) -> Expr:  # noqa: D102
        return np.char.find(self.columns[column], f"|{name}|") >= 0

    def equals(self, column: str, value: str) -> Expr:  # noqa: D102
        return np.asarray(self.columns[column] == value, dtype=bool)


class SqlOps:
    """Build the formula as a SQLAlchemy expression over the ``search_features`` table."""

    def __init__(self, table: sa.Table, dialect: str) -> None:
        """``dialect``: ``sqlite`` (scalar ``min``/``max``) or ``postgresql`` (``least``/``greatest``)."""
        self.table = table
        self._max = sa.func.greatest if dialect == "postgresql" else sa.func.max
        self._min = sa.func.least if dialect == "postgresql" else sa.func.min

    def col(self, name: str) -> Expr:  # noqa: D102
        return self.table.c[name]

    def where(self, cond: Expr, yes: Expr, no: Expr) -> Expr:  # noqa: D102
        return sa.case((cond, yes), else_=no)

    def clip01(self, x: Expr) -> Expr:  # noqa: D102
        return self._min(self._max(x, 0.0), 1.0)

    def maximum(self, a: Expr, b: Expr) -> Expr:  # noqa: D102
        return self._max(a, b)

    def has(self, column: str, name: str) -> Expr:  # noqa: D102
        return self.table.c[column].contains(f"|{name}|", autoescape=True)

    def equals(self, column: str, value: str) -> Expr:  # noqa: D102
        return self.table.c[column] == value


@dataclass(frozen=True, slots=True)
class Part:
    """One scored part of a query: its label, weight, score and the raw value behind it."""

    key: str
    label: str
    weight: float
    score: Expr
    value: Expr
    known: Expr
    strength: Expr = None
    """How strong the evidence is beyond a full match (e.g. the raw share of a colour), 0..1; None: the score."""


def _colour_match(term: ColourTerm, region: str, ops: Ops) -> Expr:
    match: Expr = 0.0
    for seen in COLOURS:
        credit = max(COLOUR_SIMILARITY[asked].get(seen, 0.0) for asked in term.colours)
        if credit > 0:
            match = match + credit * ops.col(colour_column(region, seen))
    return match


def _colour_part(term: ColourTerm, ops: Ops) -> Part:
    regions = {"body": ("upper", "lower"), "any": ("head", "upper", "lower")}.get(term.region, (term.region,))
    matches = [_colour_match(term, r, ops) for r in regions]
    seens = [ops.col(f"{r}_seen") for r in regions]
    match, seen = matches[0], seens[0]
    if term.region == "body":
        both = (seens[0] + seens[1]) > 1.5
        match = ops.where(both, (matches[0] + matches[1]) * 0.5, matches[0] + matches[1])
        seen = ops.maximum(seens[0], seens[1])
    elif term.region == "any":
        for m, s in zip(matches[1:], seens[1:], strict=True):
            match, seen = ops.maximum(match, m), ops.maximum(seen, s)
    known = seen > 0.5
    score = ops.where(known, ops.clip01(match * (1.0 / COLOUR_FULL)), NEUTRAL)
    if term.shade:
        score = score * (0.4 + 0.6 * _shade_match(term, ops))
    shade = f"{term.shade} " if term.shade else ""
    label = f"{REGION_LABELS[term.region]}: {shade}{' or '.join(term.colours)}"
    strength = ops.where(known, ops.clip01(match), 0.0)
    return Part(f"colour:{term.region}:{shade}{'/'.join(term.colours)}", label, 2.0, score, match, known, strength)


# --- Body parts from pose (issue 13): shade, pattern kinds, head wear kinds ------------------------------
SHADE_UNKNOWN = 0.7
"""Shade factor when the region's lightness is unknown (between a match, 1, and a contradiction, 0)."""


def _shade_region(term: ColourTerm) -> str:
    return {"body": "upper", "any": "upper"}.get(term.region, term.region)


def _shade_match(term: ColourTerm, ops: Ops) -> Expr:
    """How well the region's mean lightness fits the shade: dark 1 at ``L`` ≤ 0.35, 0 from 0.55; light mirrored."""
    light = ops.col(f"{_shade_region(term)}_lightness")
    fit = ops.clip01((0.55 - light) * 5.0) if term.shade == "dark" else ops.clip01((light - 0.45) * 5.0)
    return ops.where(light >= 0.0, fit, SHADE_UNKNOWN)


def _pattern_part(query: Query, ops: Ops) -> Part:
    """Patterned (any kind asked): the most patterned of the colour count and each garment's texture."""
    value = ops.maximum(ops.col("pattern"), ops.maximum(ops.col("upper_patterned"), ops.col("lower_patterned")))
    label = f"pattern: {' or '.join(query.patterns)}" if query.patterns else "upper body: patterned"
    return _value_part("pattern", label, 1.5, value, ops)


def _value_part(
    key: str, label: str, weight: float, value: Expr, ops: Ops, *, invert: bool = False, full: float = 1.0
) -> Part:
    """A part read from a column where ``-1`` means unknown; ``full`` and above count as a full match."""
    known = value >= 0.0
    matched = ops.clip01(value * (1.0 / full)) if full < 1.0 else value
    score = ops.where(known, (1.0 - matched) if invert else matched, NEUTRAL)
    strength = ops.where(known, (1.0 - ops.clip01(value)) if invert else ops.clip01(value), 0.0)
    return Part(key, label, weight, score, value, known, strength)


def _carried_part(item: str, ops: Ops, *, negate: bool) -> Part:
    value = ops.col(f"carried_{item}")
    described = ops.col("described") > 0.5
    seen = ops.clip01(value * (1.0 / CARRIED_FULL))
    matched = (1.0 - seen) if negate else (0.15 + 0.85 * seen)
    is_item = ops.equals("object_class", item)
    score = ops.where(is_item, 0.0 if negate else 1.0, ops.where(described, matched, NEUTRAL))
    label = f"{'not carrying' if negate else 'carrying'} {item}"
    return Part(f"{'not' if negate else ''}carried:{item}", label, 1.0 if negate else 2.0, score, value, described)


def _behaviour_fallback(kind: str, ops: Ops) -> Expr:
    if kind == "crowd":
        return ops.clip01(ops.col("near_others") * 0.5) * (0.3 + 0.7 * ops.col("near_share"))
    if kind == "loitering":
        return ops.clip01(ops.col("duration") * (1.0 / 30.0)) * (0.5 + 0.5 * ops.col("motion_still"))
    if kind == "person_down":
        return ops.where(ops.col("posture_known") > 0.5, ops.col("posture_lying"), NEUTRAL)
    return 0.0


def _stillness(ops: Ops) -> Expr:
    """How still a track was: from a person's speed (body heights/s: 1 up to 0.1, 0 from 0.3), else the label."""
    speed = ops.col("speed")
    person = ops.equals("object_class", "person") & (speed >= 0.0)
    return ops.where(person, ops.clip01((0.3 - speed) * 5.0), ops.col("motion_still"))


def _behaviour_part(kind: str, ops: Ops) -> Part:
    flag = ops.has("event_kinds", normalise_name(kind))
    score = ops.where(flag, 1.0, _behaviour_fallback(kind, ops))
    value = ops.col("near_others") if kind == "crowd" else ops.col("duration")
    return Part(f"behaviour:{kind}", f"behaviour: {kind}", 2.0, score, value, flag)


def _timed(ops: Ops, column: str, timed: str, full_s: float) -> Expr:
    """0..1 from the seconds in a motion or posture: full from ``full_s`` or :data:`MOMENT_SHARE_FULL` of the time."""
    seconds, total_s = ops.col(column), ops.col(timed)
    share = seconds / ops.maximum(total_s, 1e-6)
    return ops.clip01(ops.maximum(seconds * (1.0 / full_s), share * (1.0 / MOMENT_SHARE_FULL)))


def _motion_part(motions: Sequence[str], ops: Ops) -> Part:
    """Motion: from the seconds the track spent in it when it was timed per moment, else its dominant label.

    A track timed and never in the motion scores 0.1: evidence against, so a walker is no match for "running".
    """
    known = ops.col("motion_known") > 0.5
    timed = ops.col("motion_timed_s") > 0.0
    moving: Expr = 0.0
    for m in motions:
        label = _stillness(ops) if m == "still" else ops.col(f"motion_{m}")
        held = _timed(ops, f"motion_{m}_s", "motion_timed_s", MOTION_FULL_S[m]) if m in MOTION_FULL_S else label
        moving = ops.maximum(moving, ops.where(timed, held, label))
    score = ops.where(known, 0.1 + 0.9 * moving, NEUTRAL)
    return Part("motion", f"motion: {' or '.join(motions)}", 1.0, score, moving, known)


def _person_parts(query: Query, ops: Ops) -> list[Part]:
    parts: list[Part] = []
    if query.headwear is not None:
        label = query.headwear_kind or "hat"
        parts.append(_value_part("headwear", label, 1.5, ops.col("headwear"), ops, invert=not query.headwear))
    parts += [_carried_part(c, ops, negate=False) for c in query.carried]
    parts += [_carried_part(c, ops, negate=True) for c in query.not_carried]
    if query.posture:
        known = ops.col("posture_known") > 0.5
        value = ops.col(f"posture_{query.posture}")
        held = _timed(ops, f"posture_{query.posture}_s", "posture_timed_s", POSTURE_FULL_S)
        timed = ops.col("posture_timed_s") > 0.0
        score = ops.where(known, ops.where(timed, held, ops.clip01(value * (1.0 / MOMENT_SHARE_FULL))), NEUTRAL)
        parts.append(Part("posture", f"posture: {query.posture}", 2.0, score, value, known))
    if query.motion:
        parts.append(_motion_part(query.motion, ops))
    if query.riding:
        described = ops.col("described") > 0.5
        is_vehicle = ops.equals("object_class", query.riding)  # the bicycle itself: evidence of a rider
        value = ops.col(f"riding_{query.riding}")
        score = ops.where(is_vehicle, 0.9, ops.where(described, 0.1 + 0.9 * value, NEUTRAL))
        shown = ops.where(is_vehicle, 1.0, value)
        parts.append(Part("riding", f"riding: {query.riding}", 2.0, score, shown, described | is_vehicle))
    return parts


def parts(query: Query, ops: Ops) -> list[Part]:
    """The scored parts of ``query`` (camera, class and time are filters, not parts)."""
    out = [_colour_part(term, ops) for term in query.colours]
    out += [
        _value_part(f"garment:{g}", g, 0.75, ops.col(f"garment_{slug(g)}"), ops, full=GARMENT_FULL)
        for g in query.garments
        if g in GARMENTS
    ]
    if query.patterned:
        out.append(_pattern_part(query, ops))
    out += _person_parts(query, ops)
    out += [_behaviour_part(kind, ops) for kind in query.behaviours]
    if query.zone:
        flag = ops.has("zones", normalise_name(query.zone))
        out.append(Part("zone", f"zone: {query.zone}", 2.0, ops.where(flag, 1.0, 0.0), flag, flag))
    return out


def matched_all(query_parts: Sequence[Part], ops: Ops) -> Expr:
    """Whether every part matched (score at least :data:`MATCHED`); true for a query without parts."""
    cond: Expr = None
    for p in query_parts:
        this = p.score >= MATCHED
        cond = this if cond is None else cond & this
    return cond


def _known(p: Part, ops: Ops) -> Expr:
    """1 where the part has evidence (either way), else 0."""
    return ops.where(p.known, 1.0, 0.0)


def fit(query_parts: Sequence[Part], ops: Ops) -> Expr:
    """How well the record fits, 0..1: the parts' weighted mean, evidence share and quality (module docstring)."""
    quality = ops.col("quality")
    if not query_parts:
        return quality
    weight = sum(p.weight for p in query_parts)
    mean: Expr = 0.0
    evidence: Expr = 0.0
    strength: Expr = 0.0
    for p in query_parts:
        mean = mean + p.score * (p.weight / weight)
        evidence = evidence + _known(p, ops) * (p.weight / weight)
        strength = strength + (p.score if p.strength is None else p.strength) * (p.weight / weight)
    rest = 1.0 - QUALITY_WEIGHT - EVIDENCE_WEIGHT - STRENGTH_WEIGHT
    return mean * rest + evidence * EVIDENCE_WEIGHT + strength * STRENGTH_WEIGHT + quality * QUALITY_WEIGHT


def total(query_parts: Sequence[Part], ops: Ops) -> Expr:
    """The record's score: ``0.5 + 0.5 * fit`` when it matched every part, else ``0.5 * fit``."""
    base = fit(query_parts, ops)
    if not query_parts:
        return base
    return ops.where(matched_all(query_parts, ops), 0.5 + 0.5 * base, 0.5 * base)


class Hit(BaseModel):
    """One search result: a track, its score and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rank: int = Field(ge=1, description="1 = best.")
    score: float = Field(description="Match score, 0..1.")
    record: TrackRecord = Field(description="The track.")
    evidence: tuple[str, ...] = Field(default=(), description="Why it matched, part by part.")
    parts: dict[str, float] = Field(default_factory=dict, description="Score of each query part, by key.")
    complete: bool = Field(
        default=True, description="Whether it matched every part of the query; false: a partial match."
    )
    missing: tuple[str, ...] = Field(
        default=(), description="Parts of the query it did not match (no evidence, or evidence against)."
    )
    at_s: float | None = Field(
        default=None,
        description="Seconds into the source of the moment that matched (see matched_moment); None: the "
        "query asked for nothing timed, so the whole track.",
    )

    @property
    def offset_s(self) -> float:
        """Seconds from the start of the track (and of its clip) to the moment that matched; 0 when none."""
        return 0.0 if self.at_s is None else round(max(0.0, self.at_s - self.record.start_s), 2)


def matched_moment(query: Query, record: TrackRecord, event_starts: Mapping[str, float] | None = None) -> float | None:
    """Seconds into the source where what the query asked for was seen, within the track; None if not timed.

    In order: the start of the track's first event of a kind the query asked for (``event_starts``: the
    track's events, kind -> earliest start); the start of the longest stretch in the asked posture; of
    the asked motions, the start of the longest stretch of the one the track spent most time in
    (:attr:`~camsight.core.records.Appearance.moment_s`). A colour, a garment or a zone is not timed.

    Example:
        >>> from datetime import UTC, datetime
        >>> from camsight.core.records import Appearance
        >>> t = datetime(2026, 12, 1, tzinfo=UTC)
        >>> app = Appearance(motion_s={"walking": 4.0, "running": 1.0}, moment_s={"walking": 2.0, "running": 9.5})
        >>> record = TrackRecord(id="s:1", site="x", camera="c", source="f.mp4", source_id="s", tracker_id=1,
        ...     object_class="person", start_s=1.0, end_s=12.0, started_at=t, ended_at=t, frames=50,
        ...     confidence=0.8, appearance=app)
        >>> matched_moment(Query(object_classes=("person",), motion=("running",)), record)
        9.5
        >>> matched_moment(Query(object_classes=("person",), motion=("walking", "running")), record)
        2.0
        >>> matched_moment(Query(object_classes=("person",)), record) is None
        True
    """
    found: float | None = None
    starts = event_starts or {}
    asked_events = [starts[k] for k in query.behaviours if k in starts]
    app = record.appearance
    moments = app.moment_s if app is not None else {}
    if asked_events:
        found = min(asked_events)
    elif query.posture and query.posture in moments:
        found = moments[query.posture]
    elif query.motion and app is not None:
        timed = [m for m in query.motion if m in moments]
        if timed:
            found = moments[max(timed, key=lambda m: app.motion_s.get(m, 0.0))]
    if found is None:
        return None
    return min(max(found, record.start_s), record.end_s)


def _seen_colours(record: TrackRecord, region: str) -> str:
    app = record.appearance
    if app is None:
        return ""
    maps = {"any": {**app.lower, **app.upper}, "body": {**app.lower, **app.upper}}
    shares = maps.get(region) or getattr(app, region, {})
    top = sorted(shares.items(), key=lambda kv: -kv[1])[:2]
    return ", ".join(f"{k} {v:.2f}" for k, v in top)


def _describe(part: Part, score: float, value: float, known: bool, record: TrackRecord) -> str:
    if part.key.startswith(("colour:", "carried:", "notcarried:", "posture", "motion", "riding")) and not known:
        what = part.label.split(":")[0] if ":" in part.label else part.label
        return f"{what}: not seen"
    if part.key in ("motion", "posture"):
        timed = _time_evidence(part, record)
        if timed:
            return timed
    if part.key.startswith("colour:"):
        text = f"{part.label} {value:.2f}"
        if score < 0.5:
            text += f" (seen: {_seen_colours(record, part.key.split(':')[1]) or 'none'})"
        return text + _shade_evidence(part, record)
    if part.key in ("headwear", "pattern") or part.key.startswith("garment:"):
        if not known:
            return f"{part.label}: unknown"
        kind = _kind_note(part)
        return f"{part.label}: {'yes' if value >= 0.5 else 'no'} {value:.2f}{kind}"
    if part.key.startswith("behaviour:"):
        kind = part.key.split(":", 1)[1]
        if known:
            return f"event: {kind}"
        if kind == "crowd":
            return f"near {int(value)} other(s)"
        return f"{kind}: {score:.2f}"
    if part.key == "zone":
        return part.label if known else f"not in {part.label}"
    return f"{part.label} {value:.2f}"


def _time_evidence(part: Part, record: TrackRecord) -> str:
    """``motion: running 3.2 s of 20.0 s`` from the seconds timed per moment; empty when not timed."""
    app = record.appearance
    seconds = (app.motion_s if part.key == "motion" else app.posture_s) if app else {}
    if not seconds:
        return ""
    asked = part.label.split(": ", 1)[1].split(" or ")
    if any(a not in MOTION_FULL_S for a in asked) and part.key == "motion":
        return ""  # "moving" (vehicles) is not timed
    span = max(record.end_s - record.start_s, sum(seconds.values()))
    held = ", ".join(f"{a} {seconds.get(a, 0.0):.1f} s" for a in asked)
    return f"{part.key}: {held} of {span:.1f} s"


def _shade_evidence(part: Part, record: TrackRecord) -> str:
    """``; lightness 0.21`` for a shaded colour part (``; lightness unknown`` when not measured)."""
    _, region, asked = part.key.split(":", 2)
    if not asked.startswith(("dark ", "light ")):
        return ""
    region = {"body": "upper", "any": "upper"}.get(region, region)
    light = record.appearance.lightness.get(region) if record.appearance else None
    return f"; lightness {light:.2f}" if light is not None else "; lightness unknown"


def _kind_note(part: Part) -> str:
    """A note that a kind asked for (striped, cap) is matched only as its family (patterned, head wear)."""
    if part.key == "pattern" and part.label.startswith("pattern: "):
        return " (as patterned: the kind is not told apart)"
    if part.key == "headwear" and part.label != "hat":
        return " (as head wear: the kind is not told apart)"
    return ""


def _at(x: Expr, index: int) -> float:
    array = np.asarray(x, dtype=np.float64)
    return float(array if array.ndim == 0 else array[index])


def explain(query_parts: Sequence[Part], index: int, record: TrackRecord) -> tuple[tuple[str, ...], dict[str, float]]:
    """Evidence strings and part scores of row ``index`` (parts evaluated with :class:`NumpyOps`)."""
    evidence: list[str] = []
    scores: dict[str, float] = {}
    for p in query_parts:
        score, value, known = (_at(x, index) for x in (p.score, p.value, p.known))
        scores[p.key] = round(score, 3)
        evidence.append(_describe(p, score, value, bool(known), record))
    return tuple(evidence), scores


def unmatched(query_parts: Sequence[Part], part_scores: Mapping[str, float]) -> tuple[str, ...]:
    """Labels of the parts a hit did not match (see :data:`MATCHED`), in query order."""
    return tuple(p.label for p in query_parts if part_scores.get(p.key, 0.0) < MATCHED)


def part_labels(query_parts: Sequence[Part]) -> tuple[str, ...]:
    """Labels of all parts, for "nothing matched all of ..."."""
    return tuple(p.label for p in query_parts)


def rank_records(
    query: Query, records: Sequence[TrackRecord], event_kinds: Callable[[TrackRecord], Sequence[str]] | None = None
) -> list[Hit]:
    """Score records in memory, best first (for standing queries and tests; filters are not applied).

    Args:
        query: The query.
        records: Candidate records (people near each other are counted among these).
        event_kinds: Kinds of the events a record took part in; none by default.
    """
    if not records:
        return []
    near = nearness(records)
    rows = [feature_row(r, near=near[r.id], event_kinds=event_kinds(r) if event_kinds else ()) for r in records]
    ops = NumpyOps.from_rows(rows)
    query_parts = parts(query, ops)
    scores = np.broadcast_to(total(query_parts, ops), (len(records),))
    order = sorted(range(len(records)), key=lambda i: (-float(scores[i]), -records[i].started_at.timestamp()))
    hits = []
    for rank, i in enumerate(order, start=1):
        evidence, part_scores = explain(query_parts, i, records[i])
        missing = unmatched(query_parts, part_scores)
        hits.append(
            Hit(
                rank=rank,
                score=round(float(scores[i]), 4),
                record=records[i],
                evidence=evidence,
                parts=part_scores,
                complete=not missing,
                missing=missing,
                at_s=matched_moment(query, records[i]),
            )
        )
    return hits


def criteria(query: Query) -> tuple[str, ...]:
    """The labels of the query's scored parts ("upper body: red", "motion: running", ...)."""
    ops = NumpyOps(
        {**{n: np.zeros(1) for n in NUMERIC_COLUMNS}, **{n: np.asarray([""], dtype=str) for n in TEXT_COLUMNS}}
    )
    return part_labels(parts(query, ops))


def nothing_matched(query: Query, hits: Sequence[Hit]) -> str | None:
    """``nothing matched all of ...`` when there are hits and none matched every part of the query, else None."""
    if not hits or any(h.complete for h in hits):
        return None
    return f"nothing matched all of: {'; '.join(criteria(query))}; the closest partial matches follow"
