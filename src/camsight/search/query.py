"""The typed search query: what the parser makes of plain English, and what REST filters fill in directly.

A :class:`Query` names what to look for (object class, colours per body region, garments, head wear,
carried objects, posture, motion, riding), where and when (camera, zone, a UTC time range, offsets
into the footage) and which behaviours (loitering, crowd, ...). It also keeps what was deliberately
*not* used: ``ignored_words`` (gender, age, ethnicity, identity, emotion: never matched on) and
``unknown_words`` (not understood), so the answer can always say so, and ``notes`` on how the text was
read where that may surprise ("after 5pm" asked in the morning: yesterday's).

Two kinds of time, never confused: ``since``/``until`` are wall-clock times (stored in UTC, shown by
:meth:`Query.describe` in local time with its zone, or in the zone asked for); ``from_s``/``to_s`` are
seconds into each source (a file's own time; for a live stream, since that run started).

Example:
    >>> from datetime import UTC, datetime
    >>> q = Query(text="red jacket", object_classes=("person",),
    ...           colours=(ColourTerm(region="upper", colours=("red",), words="red jacket"),))
    >>> q.describe()
    'object: person; upper body: red'
    >>> Query(since=datetime(2026, 12, 1, 16, tzinfo=UTC), from_s=120).describe(tz=UTC)
    'time: 2026-12-01 16:00 UTC to …; time: from 2 min into each video'
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Region = Literal["head", "upper", "lower", "body", "any"]
"""Where a colour is looked for: one region; ``body`` = upper and lower (a dress); ``any`` = the best region."""

REGION_LABELS: dict[str, str] = {
    "head": "head",
    "upper": "upper body",
    "lower": "lower body",
    "body": "upper+lower body",
    "any": "colour",
}
"""How a region is named to the user."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ColourTerm(_Frozen):
    """One colour requirement: any of ``colours`` in ``region``."""

    region: Region = Field(description="Body region the colour belongs to.")
    colours: tuple[str, ...] = Field(min_length=1, description="Acceptable colour names (any one matches).")
    words: str = Field(default="", description="The words it came from, for showing back.")
    shade: Literal["light", "dark"] | None = Field(
        default=None, description="Shade asked for ('dark red'), matched on the region's lightness."
    )


class IgnoredWord(_Frozen):
    """A word that was understood but deliberately not used for matching."""

    word: str = Field(description="The word as typed.")
    reason: str = Field(description="Why it is not used (gender, age, ethnicity, identity, emotion, ...).")


class WordMapping(_Frozen):
    """A word the lexicon lacked, mapped to a known term by the sentence embedder."""

    word: str = Field(description="The word as typed.")
    term: str = Field(description="The known vocabulary term it was mapped to.")
    similarity: float = Field(ge=-1, le=1, description="Cosine similarity of the two embeddings.")


class Query(_Frozen):
    """A parsed search: every part optional; an empty part matches everything."""

    text: str = Field(default="", description="The text the query came from (empty for REST filters).")
    object_classes: tuple[str, ...] = Field(default=(), description="COCO class names; any one matches.")
    colours: tuple[ColourTerm, ...] = Field(default=(), description="Colour requirements per body region.")
    garments: tuple[str, ...] = Field(default=(), description="Garment names (vest, dress, hooded jacket, ...).")
    patterned: bool = Field(default=False, description="The upper body should be patterned (several colours).")
    patterns: tuple[str, ...] = Field(
        default=(), description="Pattern kinds asked for (striped, checked, floral); matched as 'patterned'."
    )
    headwear_kind: str | None = Field(
        default=None, description="Kind of head wear asked for (cap, beanie, helmet, hood); matched as 'hat'."
    )
    headwear: bool | None = Field(default=None, description="True: wears a hat/helmet; False: bare-headed.")
    carried: tuple[str, ...] = Field(default=(), description="Carried objects (backpack, handbag, suitcase, umbrella).")
    not_carried: tuple[str, ...] = Field(default=(), description="Objects that should not be carried.")
    posture: Literal["standing", "sitting", "lying"] | None = Field(default=None, description="Posture.")
    motion: tuple[str, ...] = Field(default=(), description="Acceptable motions: still, walking, running, moving.")
    riding: str | None = Field(default=None, description="Ridden vehicle: bicycle or motorcycle.")
    behaviours: tuple[str, ...] = Field(default=(), description="Event kinds: loitering, crowd, person_down, ...")
    camera: str | None = Field(default=None, description="Camera id.")
    site: str | None = Field(default=None, description="Site (a hub holds many).")
    in_sites: tuple[str, ...] | None = Field(
        default=None, description="Only tracks of these sites (the searching account's scope, at a hub)."
    )
    zone: str | None = Field(default=None, description="Zone name the track should have entered.")
    since: datetime | None = Field(default=None, description="Seen at or after this time (UTC).")
    until: datetime | None = Field(default=None, description="Seen before this time (UTC).")
    from_s: float | None = Field(
        default=None,
        ge=0,
        description="Still seen at or after this many seconds into its source (end_s >= from_s); the offset "
        "is from the start of each source: a file's own time, for a live stream since that run started.",
    )
    to_s: float | None = Field(
        default=None,
        gt=0,
        description="Started before this many seconds into its source (start_s < to_s); offsets as for from_s.",
    )
    time_label: str = Field(
        default="",
        description="The wall-clock range in words when they say more than its ends, shown by describe(): "
        "'the last 2 minutes (wall clock)'.",
    )
    notes: tuple[str, ...] = Field(
        default=(),
        description="How the text was read where that may surprise, shown by describe(): "
        "'after 5pm yesterday (17:00 today has not come yet)'.",
    )
    ignored_words: tuple[IgnoredWord, ...] = Field(default=(), description="Words deliberately not used.")
    unknown_words: tuple[str, ...] = Field(default=(), description="Words not understood.")
    mapped_words: tuple[WordMapping, ...] = Field(default=(), description="Words mapped by the sentence embedder.")
    embed_text: str = Field(
        default="", description="Text for the open-vocabulary image embedder: the query without the words not used."
    )

    @model_validator(mode="after")
    def _aware_times(self) -> Query:
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"{name} must be timezone-aware (UTC)")
        if self.from_s is not None and self.to_s is not None and self.to_s <= self.from_s:
            raise ValueError(f"to_s ({self.to_s:g}) must be after from_s ({self.from_s:g})")
        return self

    @property
    def has_criteria(self) -> bool:
        """Whether anything at all constrains or ranks the results."""
        return bool(
            self.object_classes
            or self.colours
            or self.garments
            or self.patterned
            or self.headwear is not None
            or self.carried
            or self.not_carried
            or self.posture
            or self.motion
            or self.riding
            or self.behaviours
            or self.camera
            or self.site
            or self.zone
            or self.since
            or self.until
            or self.from_s is not None
            or self.to_s is not None
        )

    def describe(self, tz: tzinfo | None = None) -> str:
        """The query as one line for the user, e.g. ``object: person; upper body: red; not used: woman``.

        Args:
            tz: Time zone to show times in, named after each ("2026-12-01 17:00 CET"); default: this
                machine's local zone. Pass ``UTC`` for UTC.
        """
        parts = self._match_parts() + self._where_when_parts(tz)
        parts += [f"note: {note}" for note in self.notes]
        if self.ignored_words:
            parts.append("not used: " + ", ".join(f"{w.word} ({w.reason})" for w in self.ignored_words))
        if self.mapped_words:
            parts.append("read as: " + ", ".join(f"{m.word}→{m.term} {m.similarity:.2f}" for m in self.mapped_words))
        if self.unknown_words:
            parts.append("not understood: " + ", ".join(self.unknown_words))
        return "; ".join(parts) if parts else "(nothing to match)"

    def _match_parts(self) -> list[str]:
        parts: list[str] = []
        if self.object_classes:
            parts.append("object: " + " or ".join(self.object_classes))
        parts += [
            f"{REGION_LABELS[c.region]}: {c.shade + ' ' if c.shade else ''}{' or '.join(c.colours)}"
            for c in self.colours
        ]
        if self.garments:
            parts.append("garment: " + ", ".join(self.garments))
        if self.patterned:
            parts.append(f"pattern: {' or '.join(self.patterns) or 'patterned'}")
        if self.headwear is not None:
            parts.append(f"{self.headwear_kind or 'hat'}: {'yes' if self.headwear else 'no'}")
        if self.carried:
            parts.append("carrying: " + ", ".join(self.carried))
        if self.not_carried:
            parts.append("not carrying: " + ", ".join(self.not_carried))
        if self.posture:
            parts.append(f"posture: {self.posture}")
        if self.motion:
            parts.append("motion: " + " or ".join(self.motion))
        if self.riding:
            parts.append(f"riding: {self.riding}")
        if self.behaviours:
            parts.append("behaviour: " + ", ".join(self.behaviours))
        return parts

    def _where_when_parts(self, tz: tzinfo | None) -> list[str]:
        parts: list[str] = []
        if self.site:
            parts.append(f"site: {self.site}")
        if self.camera:
            parts.append(f"camera: {self.camera}")
        if self.zone:
            parts.append(f"zone: {self.zone}")
        if self.since or self.until:
            label = f"{self.time_label}, " if self.time_label else ""
            parts.append(f"time: {label}{_moment(self.since, tz)} to {_moment(self.until, tz)}")
        if self.from_s is not None and self.to_s is not None:
            parts.append(f"time: {_span(self.from_s)} to {_span(self.to_s)} into each video")
        elif self.from_s is not None:
            parts.append(f"time: from {_span(self.from_s)} into each video")
        elif self.to_s is not None:
            parts.append(f"time: the first {_span(self.to_s)} of each video")
        return parts


def _moment(at: datetime | None, tz: tzinfo | None) -> str:
    """A time in ``tz`` (None: local) with the zone's name, "2026-12-01 17:00 CET"; "…" for none."""
    if at is None:
        return "…"
    local = at.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def _span(seconds: float) -> str:
    """A duration as "90 s" → "1 min 30 s", "2 h 5 min", "0.5 s"."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{value:g} {unit}" for value, unit in ((hours, "h"), (minutes, "min"), (round(secs, 3), "s")) if value]
    return " ".join(parts) or "0 s"
