"""Time phrases in a query → an absolute UTC range, against an injected ``now`` and local time zone.

Understood (case-insensitive, anywhere in the text):

* relative: "in the last 10 minutes", "past 2 hours", "last hour", "previous 3 days", "last week";
* days: "today", "yesterday", "tonight", "this morning/afternoon/evening", "last night", "on monday"
  (the latest Monday, today included), "on 2024-05-01";
* clock times on that day (today by default): "after 5pm", "since 17:00", "before 9am", "until noon",
  "between 14:00 and 15:00", "from 9 to 11am", "at 5pm" (that hour).

Bare numbers after "after", "since", "before", "until" and in "between" are 24-hour clock hours
("after 17"); after "at", "by", "from" a time needs am/pm or minutes ("at 5pm", "by 17:00"). A range
that starts in the future or ends before it starts is an error (:class:`~camsight.errors.QueryError`).

Example:
    >>> from datetime import UTC, datetime
    >>> now = datetime(2024, 5, 2, 12, 0, tzinfo=UTC)
    >>> rest, found = extract_time("red hat yesterday after 5pm", now=now, tz=UTC)
    >>> rest.strip(), found.since.isoformat(), found.until.isoformat()
    ('red hat', '2024-05-01T17:00:00+00:00', '2024-05-02T00:00:00+00:00')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_PARTS = {"morning": (6, 12), "afternoon": (12, 18), "evening": (18, 24)}

_CLOCK = r"(?:\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?|noon|midday|midnight)"
_STRICT_CLOCK = r"(?:\d{1,2}(?:(?:[:.]\d{2})\s*(?:am|pm)?|\s*(?:am|pm))|noon|midday|midnight)"
_RELATIVE = re.compile(
    r"\b(?:(?:in|within|during|over|for)\s+)?(?:the\s+)?(?:last|past|previous)\s+"
    r"(?:(\d+|" + "|".join(sorted(_NUMBERS, key=len, reverse=True)) + r")\s+)?"
    r"(sec|second|min|minute|hr|hour|day|week)s?\b"
)
_DAY = re.compile(
    r"\b(?:(today|yesterday|tonight|last night)|this\s+(morning|afternoon|evening)"
    r"|(?:on\s+)?(\d{4}-\d{2}-\d{2})|(?:on\s+|last\s+)(" + "|".join(_WEEKDAYS) + r"))\b"
)
_BETWEEN = re.compile(rf"\b(?:between|from)\s+({_CLOCK})\s+(?:and|to|until|till|-)\s+({_CLOCK})(?!\w)")
_AFTER = re.compile(
    rf"\b(?:(after|since|before|until|till)\s+({_CLOCK})|(from|by|at|around)\s+({_STRICT_CLOCK}))(?!\w)"
)


@dataclass(frozen=True, slots=True)
class TimeRange:
    """What the time phrases say: a UTC range (either end may be open) and the phrases found."""

    since: datetime | None = None
    until: datetime | None = None
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


def _relative(text: str, now: datetime) -> tuple[str, datetime | None, str | None]:
    m = _RELATIVE.search(text)
    if m is None:
        return text, None, None
    count = m.group(1)
    n = 1 if count is None else int(count) if count.isdigit() else _NUMBERS[count]
    since = now - timedelta(seconds=n * _UNITS[m.group(2)])
    return text[: m.start()] + " " + text[m.end() :], since, m.group(0)


def _day(text: str, today: date) -> tuple[str, date, tuple[int, int] | None, str | None]:
    """The day meant (today by default) and, for parts of a day, its hours (end may be 30 = 6 am next day)."""
    m = _DAY.search(text)
    if m is None:
        return text, today, None, None
    word, part, iso, weekday = m.groups()
    hours: tuple[int, int] | None = None
    day = today
    if word == "yesterday":
        day = today - timedelta(days=1)
    elif word == "tonight":
        hours = (18, 30)
    elif word == "last night":
        day, hours = today - timedelta(days=1), (18, 30)
    elif part:
        hours = _PARTS[part]
    elif iso:
        try:
            day = date.fromisoformat(iso)
        except ValueError as exc:
            raise QueryError(f"{iso!r} is not a date; write YYYY-MM-DD") from exc
    elif weekday:
        day = today - timedelta(days=(today.weekday() - _WEEKDAYS.index(weekday)) % 7)
    return text[: m.start()] + " " + text[m.end() :], day, hours, m.group(0)


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
    """Find the time phrases in ``text``; return the text without them and the UTC range they mean.

    Args:
        text: Lower-case query text.
        now: The current time (timezone-aware); injected so tests need no clock.
        tz: The local time zone clock times and days are read in.

    Raises:
        QueryError: A time that cannot be read, a range that ends before it starts or starts in the future.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    text, rel_since, rel_phrase = _relative(text, now)
    text, day, part, day_phrase = _day(text, now.astimezone(tz).date())
    text, start, end, clock_phrase = _clock_range(text)
    phrases = tuple(p for p in (rel_phrase, day_phrase, clock_phrase) if p)
    if not phrases:
        return text, TimeRange()
    since, until = _bounds(day, part, start, end, tz, dated=bool(day_phrase or clock_phrase))
    if rel_since is not None:
        since = rel_since if since is None else max(since, rel_since)
        until = now if until is None else min(until, now)
    _check(since, until, now, " ".join(phrases))
    return text, TimeRange(since=since, until=until, phrases=phrases)


def _bounds(
    day: date, part: tuple[int, int] | None, start: time | None, end: time | None, tz: tzinfo, *, dated: bool
) -> tuple[datetime | None, datetime | None]:
    if not dated:
        return None, None
    lo, hi = part or (0, 24)
    since = _local(day, time(lo % 24), tz, add_days=lo // 24)
    until = _local(day, time(hi % 24), tz, add_days=hi // 24)
    if start is not None:
        since = _local(day, start, tz, add_days=1 if part and start.hour < lo % 24 and hi > 24 else 0)
    if end is not None:
        until = _local(day, end, tz, add_days=1 if part and end.hour < lo % 24 and hi > 24 else 0)
    return since, until


def _check(since: datetime | None, until: datetime | None, now: datetime, phrase: str) -> None:
    if since is not None and until is not None and until <= since:
        raise QueryError(f"the time range '{phrase}' ends before it starts; put the earlier time first")
    if since is not None and since > now:
        raise QueryError(
            f"the time range '{phrase}' starts in the future ({since.isoformat(timespec='minutes')} UTC); "
            "nothing can match yet"
        )
