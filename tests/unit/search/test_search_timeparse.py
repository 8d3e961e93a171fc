from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from camsight.errors import QueryError
from camsight.search.timeparse import extract_time

NOW = datetime(2024, 5, 2, 18, 30, tzinfo=UTC)  # a Thursday
PLUS2 = timezone(timedelta(hours=2))


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 5, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "tz", "since", "until"),
    [
        ("red hat yesterday after 5pm", UTC, utc(1, 17), utc(2, 0)),
        ("yesterday after 5pm", PLUS2, utc(1, 15), utc(1, 22)),
        ("between 14:00 and 15:00", UTC, utc(2, 14), utc(2, 15)),
        ("between 2 and 4pm", UTC, utc(2, 14), utc(2, 16)),
        ("from 9 to 11am", UTC, utc(2, 9), utc(2, 11)),
        ("in the last 10 minutes", UTC, utc(2, 18, 20), NOW),
        ("past 2 hours", UTC, utc(2, 16, 30), NOW),
        ("the last hour", UTC, utc(2, 17, 30), NOW),
        ("today", UTC, utc(2, 0), utc(3, 0)),
        ("today", PLUS2, utc(1, 22), utc(2, 22)),
        ("after 17:00", UTC, utc(2, 17), utc(3, 0)),
        ("before 9am", UTC, utc(2, 0), utc(2, 9)),
        ("at 5pm", UTC, utc(2, 17), utc(2, 18)),
        ("this morning", UTC, utc(2, 6), utc(2, 12)),
        ("last night", UTC, utc(1, 18), utc(2, 6)),
        ("on monday", UTC, datetime(2024, 4, 29, tzinfo=UTC), datetime(2024, 4, 30, tzinfo=UTC)),
        (
            "on 2024-04-30 between 9am and 10:30",
            UTC,
            datetime(2024, 4, 30, 9, tzinfo=UTC),
            datetime(2024, 4, 30, 10, 30, tzinfo=UTC),
        ),
        ("yesterday in the last 3 days", UTC, utc(1, 0), utc(2, 0)),
    ],
)
def test_time_phrases_become_utc_ranges(text: str, tz: timezone, since: datetime, until: datetime) -> None:
    rest, found = extract_time(text, now=NOW, tz=tz)
    assert (found.since, found.until) == (since, until)
    assert found.phrases
    assert not any(word in rest for word in ("yesterday", "between", "last", "today", "after", "before"))


@pytest.mark.parametrize("text", ["person by 2 cars", "red jacket", "3 people at the door", "camera 5"])
def test_text_without_time_phrases_is_left_alone(text: str) -> None:
    rest, found = extract_time(text, now=NOW, tz=UTC)
    assert rest == text
    assert found.since is None
    assert found.until is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("between 15:00 and 14:00", "ends before it starts"),
        ("after 7pm", "starts in the future"),
        ("tomorrow after 25:00", "not a time of day"),
        ("after 13pm", "not a time of day"),
        ("on 2024-02-31", "not a date"),
    ],
)
def test_impossible_times_are_rejected(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        extract_time(text, now=NOW, tz=UTC)


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        extract_time("today", now=datetime(2024, 5, 2), tz=UTC)
