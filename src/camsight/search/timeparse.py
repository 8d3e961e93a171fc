"""Time phrases in a query → a UTC range and offsets into the footage, against an injected ``now`` and zone.

Understood (case-insensitive, anywhere in the text):

* relative, wall clock: "in the last 10 minutes", "past 2 hours", "last hour", "previous 3 days",
  "last week": that long before ``now`` (never minutes into a video);
* days: "today", "yesterday", "tonight", "this morning/afternoon/evening", "last night", "on monday"
  (the latest Monday, today included), "on 2024-05-01";
* clock times on that day: "after 5pm", "since 17:00", "before 9am", "until noon",
  "between 14:00 and 15:00", "from 9 to 11am", "at 5pm" (that hour);
* offsets into the footage (seconds from the start of each source: a file's own time; for a live
  stream, since that run started): a duration with a unit, never a clock time: "after 2 minutes",
  "from 90 seconds", "before 30 seconds", "until 1 min 30 sec", "in the first minute",
  "within the first 10 seconds", "between 1 and 2 minutes", "from 30 seconds to 2 minutes"; "into the
  video" or "of each video" may follow. Units: seconds (sec), minutes (min), hours (hr). A number
  followed by a unit is never read as a clock time; "10 minutes ago" is neither (not understood).

Bare numbers after "after", "since", "before", "until" and in "between" are 24-hour clock hours
("after 17"); after "at", "by", "from" a time needs am/pm or minutes ("at 5pm", "by 17:00").

A clock time or part of day given without a day ("after 5pm", "at 9pm", "this evening", "tonight")
means the most recent such time: yesterday's when today's has not come yet, and a note says so
(:attr:`TimeRange.notes`). With the day given ("today after 5pm", "on 2026-12-24") a range that starts
in the future is kept, with a note that nothing can match yet. A range or offsets that end before they
start, and times that cannot be read, are errors (:class:`~camsight.errors.QueryError`).

Example:
    >>> from datetime import UTC, datetime
    >>> now = datetime(2024, 5, 2, 12, 0, tzinfo=UTC)
    >>> rest, found = extract_time("red hat yesterday after 5pm", now=now, tz=UTC)
    >>> rest.strip(), found.since.isoformat(), found.until.isoformat()
    ('red hat', '2024-05-01T17:00:00+00:00', '2024-05-02T00:00:00+00:00')
    >>> found = extract_time("red hat after 5pm", now=now, tz=UTC)[1]
    >>> found.since.isoformat(), found.notes
    ('2024-05-01T17:00:00+00:00', ('after 5pm yesterday (17:00 today has not come yet)',))
    >>> found = extract_time("red hat after 2 minutes", now=now, tz=UTC)[1]
    >>> found.since, found.from_s, found.to_s
    (None, 120.0, None)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from camsight.errors import QueryError

_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "few": 3,
    "couple of": 2,
    "couple": 2,
}
_UNITS = {"sec": 1, "second": 1, "min": 60, "minute": 60, "hr": 3600, "hour": 3600, "day": 86400, "week": 604800}
_UNIT_NAMES = {"sec": "second", "min": "minute", "hr": "hour"}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_PARTS = {"morning": (6, 12), "afternoon": (12, 18), "evening": (18, 24)}

_NUMBER_WORDS = "|".join(sorted(_NUMBERS, key=len, reverse=True))
_CLOCK = r"(?:\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?|noon|midday|midnight)"
_STRICT_CLOCK = r"(?:\d{1,2}(?:(?:[:.]\d{2})\s*(?:am|pm)?|\s*(?:am|pm))|noon|midday|midnight)"
_RELATIVE = re.compile(
    r"\b(?:(?:in|within|during|over|for)\s+)?(?:the\s+)?(?:last|past|previous)\s+"
    r"(?:(\d+|" + _NUMBER_WORDS + r")\s+)?"
    r"(sec|second|min|minute|hr|hour|day|week)s?\b"
)
_DAY = re.compile(
    r"\b(?:(today|yesterday|tonight|last night)|this\s+(morning|afternoon|evening)"
    r"|(?:on\s+)?(\d{4}-\d{2}-\d{2})|(?:on\s+|last\s+)(" + "|".join(_WEEKDAYS) + r"))\b"
)
_NOT_A_DURATION = r"(?!\w)(?!\s*(?:seconds?|secs?|minutes?|mins?|hours?|hrs?)\b)"  # "after 2 minutes": not 02:00
_BETWEEN = re.compile(rf"\b(?:between|from)\s+({_CLOCK})\s+(?:and|to|until|till|-)\s+({_CLOCK}){_NOT_A_DURATION}")
_AFTER = re.compile(
    rf"\b(?:(after|since|before|until|till)\s+({_CLOCK})|(from|by|at|around)\s+({_STRICT_CLOCK})){_NOT_A_DURATION}"
)

_AMOUNT = rf"(?:\d+(?:\.\d+)?|(?:an?\s+)?(?:{_NUMBER_WORDS}))"
_OFFSET_UNIT = r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?)\b"
_DURATION = rf"{_AMOUNT}\s*{_OFFSET_UNIT}(?:\s+{_AMOUNT}\s*{_OFFSET_UNIT})*"
_INTO = r"(?:\s+(?:in|into|of)(?:\s+(?:the|each|every))?\s+(?:videos?|footage|clips?|recordings?|streams?|files?))?"
_END = r"(?!\w)(?!\s+ago\b)"  # "from 10 minutes ago" is not an offset (and not understood yet)
_OFFSET_BETWEEN = re.compile(
    rf"\b(?:between|from)\s+({_AMOUNT}(?:\s*{_OFFSET_UNIT})?)\s+(?:and|to|until|till|-)\s+({_DURATION}){_INTO}{_END}"
)
_OFFSET_FIRST = re.compile(
    rf"\b(?:(?:in|within|during|over|for)\s+)?the\s+first\s+(?:({_DURATION})|({_OFFSET_UNIT})){_INTO}{_END}"
)
_OFFSET_BOUND = re.compile(rf"\b(after|from|before|until|till)\s+(?:the\s+first\s+)?({_DURATION}){_INTO}{_END}")
_PART = re.compile(rf"({_AMOUNT})\s*({_OFFSET_UNIT})")


@dataclass(frozen=True, slots=True)
class TimeRange:
    """What the time phrases say: a UTC range and offsets into the footage (any end may be open)."""

    since: datetime | None = None
    until: datetime | None = None
    phrases: tuple[str, ...] = ()
    from_s: float | None = None
    """Offset (seconds into each source) the track must still be seen at or after."""
    to_s: float | None = None
    """Offset (seconds into each source) the track must have started before."""
    label: str = ""
    """The wall-clock range in words when they say more than its ends: "the last 2 minutes (wall clock)"."""
    notes: tuple[str, ...] = ()
    """How a phrase was read when that may surprise: "after 5pm yesterday (17:00 today has not come yet)"."""


@dataclass(frozen=True, slots=True)
class _Day:
    """The day a phrase names (today when none), the hours of a part of it, and how it was said."""

    day: date
    hours: tuple[int, int] | None = None
    phrase: str | None = None
    named: bool = False
    """The day itself was given ("today", "yesterday", a date, a weekday), so it is never moved back."""
    earlier: str = "yesterday"
    """How the same words read a day earlier: "yesterday", "last night", "yesterday evening"."""


@dataclass(frozen=True, slots=True)
class _Offsets:
    from_s: float | None = None
    to_s: float | None = None
    phrases: tuple[str, ...] = ()


def _clock(text: str) -> time:
    """A clock time: '5pm', '5:30 pm', '17:00', '17', 'noon', 'midnight'."""
    text = text.strip().replace(".", ":").replace("a:m:", "am").replace("p:m:", "pm")
    if text in ("noon", "midday"):
        return time(12)
    if text == "midnight":
        return time(0)
    m = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?", text)
    if m is None:
        raise QueryError(f"cannot read the time {text!r}; write e.g. 5pm, 17:00 or 17:30")
    hour, minute, half = int(m.group(1)), int(m.group(2) or 0), m.group(3)
    if half and not 1 <= hour <= 12:
        raise QueryError(f"{text!r} is not a time of day; use 1-12 with am/pm or 0-23 without")
    if half == "pm" and hour != 12:
        hour += 12
    elif half == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        raise QueryError(f"{text!r} is not a time of day; use 0-23 hours and 0-59 minutes")
    return time(hour, minute)


def _count(word: str) -> float:
    """A number written in digits or words ("2", "1.5", "two", "a couple of")."""
    word = " ".join(word.split())
    if word[0].isdigit():
        return float(word)
    article, _, rest = word.partition(" ")
    return float(_NUMBERS[rest if article in ("a", "an") and rest in _NUMBERS else word])


def _relative(text: str, now: datetime) -> tuple[str, datetime | None, str | None, str]:
    """The start of "the last N units" (wall clock, before ``now``), its phrase and how to show it back."""
    m = _RELATIVE.search(text)
    if m is None:
        return text, None, None, ""
    count, unit = m.group(1), _UNIT_NAMES.get(m.group(2), m.group(2))
    n = 1 if count is None else int(_count(count))
    since = now - timedelta(seconds=n * _UNITS[unit])
    label = f"the last {unit}" if n == 1 else f"the last {n} {unit}s"
    return text[: m.start()] + " " + text[m.end() :], since, m.group(0), f"{label} (wall clock)"


def _seconds(duration: str, *, unit: str | None = None) -> float:
    """Seconds in a duration ("2 minutes", "1 min 30 sec"); a bare number takes ``unit``."""
    parts = _PART.findall(duration)
    if not parts:
        parts = [(duration.strip(), unit or "sec")]
    return sum(_count(n) * {"s": 1, "m": 60, "h": 3600}[u[0]] for n, u in parts)


def _offset_match(m: re.Match[str]) -> tuple[float | None, float | None]:
    """``(from_s, to_s)`` of one offset phrase."""
    if m.re is _OFFSET_BETWEEN:
        end_unit = _PART.search(m.group(2))
        return _seconds(m.group(1), unit=end_unit.group(2) if end_unit else None), _seconds(m.group(2))
    if m.re is _OFFSET_FIRST:
        return None, _seconds(m.group(1) or f"1 {m.group(2)}")
    value = _seconds(m.group(2))
    return (value, None) if m.group(1) in ("after", "from") else (None, value)


def _tighter(a: float | None, b: float | None, pick: Callable[[float, float], float]) -> float | None:
    """The tighter of two bounds, either of which may be open (None)."""
    return b if a is None else a if b is None else pick(a, b)


def _offsets(text: str) -> tuple[str, _Offsets]:
    """Offsets into the footage: "after 2 minutes", "in the first minute", "between 1 and 2 minutes"."""
    found = _Offsets()
    for pattern in (_OFFSET_BETWEEN, _OFFSET_BOUND, _OFFSET_FIRST):  # "after the first minute": from 60 s
        while (m := pattern.search(text)) is not None:
            lo, hi = _offset_match(m)  # with two phrases ("after 1 minute in the first 5 minutes"): both hold
            found = _Offsets(
                from_s=_tighter(found.from_s, lo, max),
                to_s=_tighter(found.to_s, hi, min),
                phrases=(*found.phrases, m.group(0)),
            )
            text = text[: m.start()] + " " + text[m.end() :]
    said = " ".join(found.phrases)
    if found.to_s is not None and found.to_s <= 0:
        raise QueryError(f"the offsets '{said}' leave no time to be seen in; write e.g. 'in the first 30 seconds'")
    if found.to_s is not None and found.from_s is not None and found.to_s <= found.from_s:
        raise QueryError(
            f"the offsets '{said}' end before they start; put the earlier offset first, e.g. 'between 1 and 2 minutes'"
        )
    return text, found


def _day(text: str, today: date) -> tuple[str, _Day]:
    """The day meant (today by default) and, for parts of a day, its hours (end may be 30 = 6 am next day)."""
    m = _DAY.search(text)
    if m is None:
        return text, _Day(day=today)
    word, part, iso, weekday = m.groups()
    found = _Day(day=today, phrase=m.group(0), named=True)
    if word == "yesterday":
        found = replace(found, day=today - timedelta(days=1))
    elif word == "today":
        pass
    elif word == "tonight":
        found = replace(found, hours=(18, 30), named=False, earlier="last night")
    elif word == "last night":
        found = replace(found, day=today - timedelta(days=1), hours=(18, 30))
    elif part:
        found = replace(found, hours=_PARTS[part], named=False, earlier=f"yesterday {part}")
    elif iso:
        try:
            found = replace(found, day=date.fromisoformat(iso))
        except ValueError as exc:
            raise QueryError(f"{iso!r} is not a date; write YYYY-MM-DD") from exc
    elif weekday:
        found = replace(found, day=today - timedelta(days=(today.weekday() - _WEEKDAYS.index(weekday)) % 7))
    return text[: m.start()] + " " + text[m.end() :], found


def _clock_range(text: str) -> tuple[str, time | None, time | None, str | None]:
    m = _BETWEEN.search(text)
    if m is not None:
        start, end = _clock(m.group(1)), _clock(m.group(2))
        if m.group(1).strip().isdigit() and "m" in m.group(2) and start.hour + 12 <= end.hour:
            start = start.replace(hour=start.hour + 12)  # "between 2 and 4pm": both in the afternoon
        return text[: m.start()] + " " + text[m.end() :], start, end, m.group(0)
    m = _AFTER.search(text)
    if m is None:
        return text, None, None, None
    word, value = m.group(1) or m.group(3), _clock(m.group(2) or m.group(4))
    rest = text[: m.start()] + " " + text[m.end() :]
    if word in ("after", "since", "from"):
        return rest, value, None, m.group(0)
    if word in ("at", "around"):
        end = (datetime.combine(date.min, value) + timedelta(hours=1)).time()
        return rest, value, end if end > value else None, m.group(0)
    return rest, None, value, m.group(0)


def _local(day: date, at: time, tz: tzinfo, *, add_days: int = 0) -> datetime:
    return datetime.combine(day + timedelta(days=add_days), at, tzinfo=tz).astimezone(UTC)


def extract_time(text: str, *, now: datetime, tz: tzinfo) -> tuple[str, TimeRange]:
    """Find the time phrases in ``text``; return the text without them and what they mean.

    Args:
        text: Lower-case query text.
        now: The current time (timezone-aware); injected so tests need no clock.
        tz: The local time zone clock times and days are read in.

    Raises:
        QueryError: A time that cannot be read, or a range or offsets that end before they start.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    text, rel_since, rel_phrase, label = _relative(text, now)
    text, offsets = _offsets(text)
    text, day = _day(text, now.astimezone(tz).date())
    text, start, end, clock_phrase = _clock_range(text)
    phrases = tuple(p for p in (rel_phrase, *offsets.phrases, day.phrase, clock_phrase) if p)
    if not phrases:
        return text, TimeRange()
    since, until, notes = _wall_clock(day, start, end, clock_phrase, now=now, tz=tz)
    if rel_since is not None:
        since = rel_since if since is None else max(since, rel_since)
        until = now if until is None else min(until, now)
    _check(since, until, " ".join(p for p in (rel_phrase, day.phrase, clock_phrase) if p))
    found = TimeRange(
        since=since,
        until=until,
        phrases=phrases,
        from_s=offsets.from_s,
        to_s=offsets.to_s,
        label=label if not (day.phrase or clock_phrase) else "",
        notes=notes,
    )
    return text, found


def _wall_clock(
    day: _Day, start: time | None, end: time | None, clock_phrase: str | None, *, now: datetime, tz: tzinfo
) -> tuple[datetime | None, datetime | None, tuple[str, ...]]:
    """The UTC range of the day and clock phrases, moved to yesterday when it has not come yet, and notes."""
    if day.phrase is None and clock_phrase is None:
        return None, None, ()
    since, until = _bounds(day, start, end, tz)
    if since <= now:
        return since, until, ()
    said = " ".join(p for p in (day.phrase, clock_phrase) if p)
    future = f"{said} starts in the future; nothing can match yet"
    if day.named:
        return since, until, (future,)
    today = now.astimezone(tz).date()
    notes = (f"{' '.join(p for p in (clock_phrase, day.earlier) if p)} ({_when(since, tz, today)} has not come yet)",)
    since, until = _bounds(replace(day, day=day.day - timedelta(days=1)), start, end, tz)
    return since, until, notes + ((future,) if since > now else ())


def _when(at: datetime, tz: tzinfo, today: date) -> str:
    """A local time as "17:00 today", "02:00 tomorrow" or "2024-05-03 17:00"."""
    local = at.astimezone(tz)
    if local.date() == today:
        return f"{local:%H:%M} today"
    if local.date() == today + timedelta(days=1):
        return f"{local:%H:%M} tomorrow"
    return f"{local:%Y-%m-%d %H:%M}"


def _bounds(day: _Day, start: time | None, end: time | None, tz: tzinfo) -> tuple[datetime, datetime]:
    lo, hi = day.hours or (0, 24)
    wraps = day.hours is not None and hi > 24  # "tonight after 2am": 2 am of the next day
    since = _local(day.day, time(lo % 24), tz, add_days=lo // 24)
    until = _local(day.day, time(hi % 24), tz, add_days=hi // 24)
    if start is not None:
        since = _local(day.day, start, tz, add_days=1 if wraps and start.hour < lo % 24 else 0)
    if end is not None:
        until = _local(day.day, end, tz, add_days=1 if wraps and end.hour < lo % 24 else 0)
    return since, until


def _check(since: datetime | None, until: datetime | None, phrase: str) -> None:
    if since is not None and until is not None and until <= since:
        raise QueryError(f"the time range '{phrase}' ends before it starts; put the earlier time first")
