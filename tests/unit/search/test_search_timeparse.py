from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from camsight.errors import QueryError
from camsight.search.timeparse import TimeRange, extract_time

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
        ("today between 21:00 and 20:00", "ends before it starts"),
        ("between 23:00 and 22:00", "ends before it starts"),  # moved to yesterday, still backwards
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


MORNING = datetime(2024, 5, 2, 10, 0, tzinfo=UTC)  # before 5 pm, before this evening
BERLIN = ZoneInfo("Europe/Berlin")  # CEST (UTC+2) in May


@pytest.mark.parametrize(
    ("text", "now", "tz", "since", "until", "note"),
    [
        ("after 5pm", MORNING, UTC, utc(1, 17), utc(2, 0), "after 5pm yesterday (17:00 today has not come yet)"),
        ("after 17:00", MORNING, UTC, utc(1, 17), utc(2, 0), "after 17:00 yesterday (17:00 today has not come yet)"),
        ("at 9pm", MORNING, UTC, utc(1, 21), utc(1, 22), "at 9pm yesterday (21:00 today has not come yet)"),
        (
            "between 18:00 and 20:00",
            MORNING,
            UTC,
            utc(1, 18),
            utc(1, 20),
            "between 18:00 and 20:00 yesterday (18:00 today has not come yet)",
        ),
        ("this evening", MORNING, UTC, utc(1, 18), utc(2, 0), "yesterday evening (18:00 today has not come yet)"),
        ("tonight", MORNING, UTC, utc(1, 18), utc(2, 6), "last night (18:00 today has not come yet)"),
        ("tonight", datetime(2024, 5, 2, 3, tzinfo=UTC), UTC, utc(1, 18), utc(2, 6), "last night (18:00 today"),
        (
            "this morning",
            datetime(2024, 5, 2, 5, tzinfo=UTC),
            UTC,
            utc(1, 6),
            utc(1, 12),
            "yesterday morning (06:00 today has not come yet)",
        ),
        ("after 5pm", MORNING, BERLIN, utc(1, 15), utc(1, 22), "after 5pm yesterday (17:00 today has not come yet)"),
    ],
)
def test_a_time_without_a_day_that_has_not_come_yet_is_yesterdays(
    text: str, now: datetime, tz: timezone, since: datetime, until: datetime, note: str
) -> None:
    found = extract_time(text, now=now, tz=tz)[1]
    assert (found.since, found.until) == (since, until)
    assert len(found.notes) == 1
    assert found.notes[0].startswith(note)


@pytest.mark.parametrize(
    ("text", "since"),
    [
        ("after 5pm", utc(2, 17)),  # 17:00 has come at 18:30: today's, as before
        ("this evening", utc(2, 18)),
        ("tonight", utc(2, 18)),
        ("before 9am", utc(2, 0)),
        ("at 6pm", utc(2, 18)),
        ("yesterday after 5pm", utc(1, 17)),
    ],
)
def test_a_time_that_has_come_is_todays_without_a_note(text: str, since: datetime) -> None:
    found = extract_time(text, now=NOW, tz=UTC)[1]
    assert found.since == since
    assert found.notes == ()


@pytest.mark.parametrize(
    ("text", "since", "until"),
    [
        ("today after 5pm", utc(2, 17), utc(3, 0)),
        ("today at 9pm", utc(2, 21), utc(2, 22)),
        ("on 2026-12-24", datetime(2026, 12, 24, tzinfo=UTC), datetime(2026, 12, 25, tzinfo=UTC)),
        ("on 2024-05-02 between 14:00 and 15:00", utc(2, 14), utc(2, 15)),
    ],
)
def test_a_named_day_that_starts_in_the_future_is_kept_with_a_note(text: str, since: datetime, until: datetime) -> None:
    found = extract_time(text, now=MORNING, tz=UTC)[1]
    assert (found.since, found.until) == (since, until)
    assert found.notes == (f"{text} starts in the future; nothing can match yet",)


@pytest.mark.parametrize(
    ("text", "from_s", "to_s"),
    [
        ("after 2 minutes", 120.0, None),
        ("after 2 mins", 120.0, None),
        ("after two minutes", 120.0, None),
        ("after 90 seconds", 90.0, None),
        ("after 1.5 min", 90.0, None),
        ("after 1 minute 30 seconds", 90.0, None),
        ("from 10 sec", 10.0, None),
        ("after an hour", 3600.0, None),
        ("after 2 minutes into the video", 120.0, None),
        ("after the first 2 minutes", 120.0, None),
        ("before 30 seconds", None, 30.0),
        ("until 45 secs", None, 45.0),
        ("in the first minute", None, 60.0),
        ("within the first 10 seconds", None, 10.0),
        ("during the first 2 hours of each video", None, 7200.0),
        ("for the first 30 seconds", None, 30.0),
        ("between 1 and 2 minutes", 60.0, 120.0),
        ("between 30 seconds and 2 minutes", 30.0, 120.0),
        ("from 30 to 45 seconds", 30.0, 45.0),
        ("after 1 minute in the first 5 minutes", 60.0, 300.0),
    ],
)
def test_durations_are_offsets_into_the_footage_not_clock_times(
    text: str, from_s: float | None, to_s: float | None
) -> None:
    rest, found = extract_time("person " + text, now=NOW, tz=UTC)
    assert (found.from_s, found.to_s) == (from_s, to_s)
    assert (found.since, found.until) == (None, None)
    assert rest.split() == ["person"]


@pytest.mark.parametrize("text", ["person from 10 minutes ago", "person after 2 minutes ago", "after 5 mins ago"])
def test_minutes_ago_are_neither_offsets_nor_clock_times(text: str) -> None:
    found = extract_time(text, now=NOW, tz=UTC)[1]
    assert found == TimeRange()


@pytest.mark.parametrize(
    ("text", "since", "until", "from_s"),
    [
        ("after 2 minutes after 5pm", utc(2, 17), utc(3, 0), 120.0),
        ("yesterday after 90 seconds", utc(1, 0), utc(2, 0), 90.0),
        ("in the last 2 minutes", utc(2, 18, 28), NOW, None),
        ("in the last 2 minutes after 30 seconds", utc(2, 18, 28), NOW, 30.0),
    ],
)
def test_offsets_and_wall_clock_times_are_kept_apart(
    text: str, since: datetime, until: datetime, from_s: float | None
) -> None:
    found = extract_time(text, now=NOW, tz=UTC)[1]
    assert (found.since, found.until, found.from_s) == (since, until, from_s)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("in the last 2 minutes", "the last 2 minutes (wall clock)"),
        ("the last minute", "the last minute (wall clock)"),
        ("past 3 hrs", "the last 3 hours (wall clock)"),
        ("yesterday in the last 3 days", ""),  # the range is yesterday, not the last 3 days
    ],
)
def test_relative_ranges_say_they_are_wall_clock(text: str, label: str) -> None:
    found = extract_time(text, now=NOW, tz=UTC)[1]
    assert found.label == label
    assert found.from_s is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("between 2 and 1 minutes", "end before they start; put the earlier offset first"),
        ("after 5 minutes in the first 2 minutes", "end before they start; put the earlier offset first"),
        ("from 30 to 30 seconds", "end before they start"),
        ("before 0 seconds", "leave no time to be seen in; write e.g. 'in the first 30 seconds'"),
    ],
)
def test_offsets_that_end_before_they_start_are_rejected(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        extract_time(text, now=NOW, tz=UTC)
