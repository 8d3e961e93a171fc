from __future__ import annotations

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from camsight.errors import QueryError
from camsight.search.lexicon import COLOURS, LEXICON, PRIVACY
from camsight.search.parser import parse
from camsight.search.query import ColourTerm, Query

NOW = datetime(2024, 5, 2, 18, 30, tzinfo=UTC)


def p(text: str, **kwargs: object) -> Query:
    return parse(text, now=NOW, tz=UTC, semantic=False, **kwargs)  # type: ignore[arg-type]


def colours(q: Query) -> set[tuple[str, tuple[str, ...]]]:
    return {(c.region, c.colours) for c in q.colours}


@pytest.mark.parametrize(
    ("text", "classes", "expected_colours", "garments"),
    [
        ("person in a grey cardigan", ("person",), {("upper", ("grey",))}, ("cardigan",)),
        ("someone in a black hooded jacket", ("person",), {("upper", ("black",))}, ("hooded jacket",)),
        ("woman in a crimson hoodie", ("person",), {("upper", ("red",))}, ("hooded jacket",)),
        ("person wearing blue jeans", ("person",), {("lower", ("blue",))}, ("jeans",)),
        ("guy in navy trousers", ("person",), {("lower", ("navy",))}, ("trousers",)),
        ("dark blue pants", ("person",), {("lower", ("navy",))}, ("trousers",)),
        ("light blue shirt", ("person",), {("upper", ("light blue",))}, ("shirt",)),
        ("pale blue top", ("person",), {("upper", ("light blue",))}, ("top",)),
        ("gray t-shirts", ("person",), {("upper", ("grey",))}, ("t-shirt",)),
        ("white dress", ("person",), {("body", ("white",))}, ("dress",)),
        ("red and white shirt", ("person",), {("upper", ("red",)), ("upper", ("white",))}, ("shirt",)),
        (
            "blue jeans and a white t-shirt",
            ("person",),
            {("lower", ("blue",)), ("upper", ("white",))},
            ("jeans", "t-shirt"),
        ),
        ("people in hi-vis vests", ("person",), {("upper", ("yellow", "orange"))}, ("vest",)),
        ("person in a dark jacket", ("person",), {("upper", ("black", "navy", "grey", "brown"))}, ("jacket",)),
        ("jacket in red", ("person",), {("upper", ("red",))}, ("jacket",)),
        ("red car", ("car",), {("any", ("red",))}, ()),
        ("silver van", ("car", "truck"), {("any", ("grey",))}, ()),
        ("someone in black", ("person",), {("any", ("black",))}, ()),
        ("white lorry", ("truck",), {("any", ("white",))}, ()),
        ("vehicles", ("car", "truck", "bus", "motorcycle"), set(), ()),
    ],
)
def test_colours_attach_to_garments_and_synonyms_map(
    text: str, classes: tuple[str, ...], expected_colours: set[tuple[str, tuple[str, ...]]], garments: tuple[str, ...]
) -> None:
    q = p(text)
    assert q.object_classes == classes
    assert colours(q) == expected_colours
    assert q.garments == garments
    assert not q.unknown_words


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("worker in a yellow hard hat", "headwear", True),
        ("person with a beanie", "headwear", True),
        ("man in a baseball cap", "headwear", True),
        ("someone without a hat", "headwear", False),
        ("bareheaded person", "headwear", False),
        ("person with a rucksack", "carried", ("backpack",)),
        ("woman with a handbag and an umbrella", "carried", ("handbag", "umbrella")),
        ("man unloading luggage", "carried", ("suitcase",)),
        ("person without a backpack", "not_carried", ("backpack",)),
        ("person lying on the floor", "posture", "lying"),
        ("people sitting down", "posture", "sitting"),
        ("seated people", "posture", "sitting"),
        ("someone who fell", "behaviours", ("person_down",)),
        ("fallen person", "posture", "lying"),
        ("group of people standing together", "behaviours", ("crowd",)),
        ("group of people standing together", "posture", "standing"),
        ("group of people standing together", "motion", ("still",)),
        ("loitering near the entrance", "behaviours", ("loitering",)),
        ("person running", "motion", ("running",)),
        ("parked car", "motion", ("still",)),
        ("cyclist", "riding", "bicycle"),
        ("cyclist", "object_classes", ("person", "bicycle")),
        ("person on a motorbike", "riding", "motorcycle"),
        ("person in a floral top", "patterned", True),
        ("striped shirt", "patterned", True),
    ],
)
def test_attributes(text: str, field: str, value: object) -> None:
    assert getattr(p(text), field) == value


@pytest.mark.parametrize(
    ("text", "ignored"),
    [
        ("woman in a white dress", ["woman"]),
        ("old man with a backpack", ["old", "man"]),
        ("young asian girl in red", ["young", "asian", "girl"]),
        ("black man in a white shirt", ["black", "man"]),
        ("elderly lady sitting", ["elderly", "lady"]),
        ("who is the guy in the red jacket", ["who is", "guy"]),
        ("same person as the guy in red", ["same person as", "guy"]),
        ("find Bob in a red jacket", ["bob"]),
        ("happy kids running", ["happy", "kids"]),
    ],
)
def test_privacy_words_are_dropped_and_reported(text: str, ignored: list[str]) -> None:
    q = p(text)
    assert [w.word for w in q.ignored_words] == ignored
    assert "not used: " + ignored[0] in q.describe()
    assert q.object_classes[0] == "person"
    for word in ignored:
        assert word not in q.embed_text.split()


def test_colour_words_are_colours_when_about_clothes() -> None:
    q = p("man in black with a white backpack")
    assert colours(q) == {("any", ("black",))}
    assert q.carried == ("backpack",)
    assert [w.word for w in q.ignored_words] == ["man", "white"]  # colours of carried objects are not described


def test_unknown_words_are_reported_and_the_rest_is_searched() -> None:
    q = p("person in a red jacket holding a frobnicator")
    assert q.unknown_words == ("frobnicator",)
    assert colours(q) == {("upper", ("red",))}
    assert "not understood: frobnicator" in q.describe()


def test_typos_of_known_words_are_read_as_them() -> None:
    q = p("person in a red jaket")
    assert q.garments == ("jacket",)
    assert [(m.word, m.term) for m in q.mapped_words] == [("jaket", "jacket")]


def test_time_camera_and_zone() -> None:
    q = p(
        "red car on camera Lobby near the north gate yesterday after 5pm",
        cameras=["Lobby", "gate-2"],
        zones=["North Gate"],
    )
    assert q.camera == "Lobby"
    assert q.zone == "North Gate"
    assert (q.since, q.until) == (datetime(2024, 5, 1, 17, tzinfo=UTC), datetime(2024, 5, 2, tzinfo=UTC))
    assert colours(q) == {("any", ("red",))}
    assert not q.unknown_words


def test_explicit_camera_and_zone_without_known_names() -> None:
    q = p("person in zone loading-bay on camera cam3")
    assert (q.camera, q.zone) == ("cam3", "loading-bay")


@pytest.mark.parametrize(
    ("text", "kwargs", "message"),
    [
        ("", {}, "empty query"),
        ("   ", {}, "empty query"),
        ("x" * 600, {}, "characters long"),
        ("'; DROP TABLE tracks; --", {}, "nothing to search for.*not understood: drop"),
        ("woman", {}, None),
        ("asian", {}, "nothing to search for.*not used: asian"),
        ("frobnicate the wibble", {}, "not understood: frobnicate, wibble"),
        ("jakcet", {}, "did you mean jacket"),
        ("red car between 15:00 and 14:00", {}, "ends before it starts"),
        ("red car on camera cam9", {"cameras": ["cam1", "cam2"]}, "camera 'cam9' is not known; cameras: cam1, cam2"),
    ],
)
def test_bad_input_raises_a_clear_query_error(text: str, kwargs: dict[str, object], message: str | None) -> None:
    if message is None:  # "woman" alone: the person is kept, the gender is not used
        assert p(text).object_classes == ("person",)
        return
    with pytest.raises(QueryError, match=message):
        p(text, **kwargs)


def test_unknown_only_query_is_kept_for_an_open_vocabulary_embedder() -> None:
    q = p("frobnicator", open_vocabulary=True)
    assert q.unknown_words == ("frobnicator",)
    assert q.embed_text == "frobnicator"


def test_parsed_query_is_shown_back() -> None:
    q = p("woman in a crimson hoodie with a rucksack yesterday after 5pm")
    assert q.describe(tz=UTC) == (
        "object: person or backpack; upper body: red; garment: hooded jacket; carrying: backpack; "
        "time: 2024-05-01 17:00 UTC to 2024-05-02 00:00 UTC; not used: woman (gender)"
    )


@pytest.mark.parametrize(
    ("tz", "shown"),
    [
        (UTC, "time: 2026-12-01 16:00 UTC to 2026-12-01 23:00 UTC"),
        (ZoneInfo("Europe/Berlin"), "time: 2026-12-01 17:00 CET to 2026-12-02 00:00 CET"),
        (ZoneInfo("America/New_York"), "time: 2026-12-01 11:00 EST to 2026-12-01 18:00 EST"),
    ],
)
def test_times_are_shown_in_the_zone_asked_for_with_its_name(tz: ZoneInfo, shown: str) -> None:
    q = Query(since=datetime(2026, 12, 1, 16, tzinfo=UTC), until=datetime(2026, 12, 1, 23, tzinfo=UTC))
    assert q.describe(tz=tz) == shown


def test_times_are_shown_in_local_time_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    q = Query(since=datetime(2026, 6, 1, 15, tzinfo=UTC), until=datetime(2026, 12, 1, 23, tzinfo=UTC))
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        shown = q.describe()
    finally:
        monkeypatch.undo()
        time.tzset()
    assert shown == "time: 2026-06-01 17:00 CEST to 2026-12-02 00:00 CET"  # each in its own offset


MORNING = datetime(2026, 12, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "red car after 5pm",
            "time: 2026-11-30 17:00 UTC to 2026-12-01 00:00 UTC; "
            "note: after 5pm yesterday (17:00 today has not come yet)",
        ),
        (
            "red car tonight",
            "time: 2026-11-30 18:00 UTC to 2026-12-01 06:00 UTC; note: last night (18:00 today has not come yet)",
        ),
        (
            "red car today after 5pm",
            "time: 2026-12-01 17:00 UTC to 2026-12-02 00:00 UTC; "
            "note: today after 5pm starts in the future; nothing can match yet",
        ),
        (
            "red car on 2026-12-24",
            "time: 2026-12-24 00:00 UTC to 2026-12-25 00:00 UTC; "
            "note: on 2026-12-24 starts in the future; nothing can match yet",
        ),
    ],
)
def test_times_that_have_not_come_yet_are_answered_with_a_note(text: str, shown: str) -> None:
    q = parse(text, now=MORNING, tz=UTC, semantic=False)
    assert q.describe(tz=UTC) == "object: car; colour: red; " + shown
    assert q.notes


@pytest.mark.parametrize(
    ("text", "from_s", "to_s", "shown"),
    [
        ("person after 2 minutes", 120.0, None, "time: from 2 min into each video"),
        ("person after 90 seconds", 90.0, None, "time: from 1 min 30 s into each video"),
        ("person before 30 seconds", None, 30.0, "time: the first 30 s of each video"),
        ("person in the first minute", None, 60.0, "time: the first 1 min of each video"),
        ("person between 1 and 2 minutes", 60.0, 120.0, "time: 1 min to 2 min into each video"),
        ("person after 1 hour", 3600.0, None, "time: from 1 h into each video"),
    ],
)
def test_offsets_into_the_footage(text: str, from_s: float | None, to_s: float | None, shown: str) -> None:
    q = p(text)
    assert (q.from_s, q.to_s, q.since, q.until) == (from_s, to_s, None, None)
    assert q.describe(tz=UTC) == "object: person; " + shown
    assert not q.unknown_words


def test_the_last_minutes_are_wall_clock_not_offsets() -> None:
    q = p("person in the last 2 minutes")
    assert (q.from_s, q.to_s) == (None, None)
    assert q.describe(tz=UTC) == (
        "object: person; time: the last 2 minutes (wall clock), 2024-05-02 18:28 UTC to 2024-05-02 18:30 UTC"
    )


def test_lexicon_is_consistent() -> None:
    for word, sense in LEXICON.items():
        assert word == word.lower().strip()
        assert set(sense.colours) <= set(COLOURS), word
    assert set(PRIVACY) <= set(LEXICON)


def test_colour_names_match_the_describer() -> None:
    from camsight.perception.colour import FINE_NAMES

    assert set(COLOURS) == set(FINE_NAMES)


def test_query_model_rejects_naive_times() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Query(since=datetime(2024, 5, 1))
    assert ColourTerm(region="upper", colours=("red",)).region == "upper"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"from_s": 120.0, "to_s": 60.0}, "to_s .* must be after from_s"),
        ({"from_s": 60.0, "to_s": 60.0}, "to_s .* must be after from_s"),
        ({"from_s": -1.0}, "greater than or equal to 0"),
        ({"to_s": 0.0}, "greater than 0"),
    ],
)
def test_query_model_rejects_impossible_offsets(fields: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Query(**fields)  # type: ignore[arg-type]


def test_offsets_alone_are_criteria() -> None:
    assert Query(from_s=0.0).has_criteria
    assert Query(to_s=30.0).has_criteria


@pytest.mark.parametrize(
    ("text", "word", "reason"),
    [
        ("person in a hijab", "hijab", "religion"),
        ("sikh in a blue jacket", "sikh", "religion"),
        ("muslim person with a backpack", "muslim", "religion"),
        ("muslem person with a backpack", "muslem", "religion"),  # a misspelling is not used either
        ("gay person walking", "gay", "sexual orientation"),
        ("lesbian in a red top", "lesbian", "sexual orientation"),
        ("person in a wheelchair", "wheelchair", "health"),
        ("republican in a red cap", "republican", "political opinion"),
        ("union member in a hi-vis vest", "union member", "union membership"),
    ],
)
def test_special_category_words_are_dropped_with_a_notice(text: str, word: str, reason: str) -> None:
    q = p(text)
    assert (word, reason) in [(w.word, w.reason) for w in q.ignored_words]
    assert f"{word} ({reason})" in q.describe()
    assert q.object_classes[0] == "person"
    assert word not in q.embed_text
    assert word.split()[0] not in q.embed_text.split()


def test_encoder_text_never_carries_protected_words() -> None:
    from camsight.search.lexicon import scrub_protected

    assert scrub_protected("Muslim woman in a hijab, wheelchair, same person as Bob") == "person person in a bob"


def test_ordinary_words_are_not_read_as_behaviours() -> None:
    q = p("fella in a red jacket")
    assert q.behaviours == ()
    assert q.posture is None
    assert [w.word for w in q.ignored_words] == ["fella"]
    assert not [m for m in q.mapped_words if m.term == "fell"]
    assert p("person who felled a tree", open_vocabulary=True).behaviours == ()
    assert p("person in a red jackett").garments == ("jacket",)  # a doubled last letter is still a typo


def test_non_ascii_words_stay_whole() -> None:
    q = p("persön in a red jacket")
    assert q.unknown_words == ("persön",)
    assert "persön" in q.embed_text.split()
    assert colours(q) == {("upper", ("red",))}


def test_a_couple_is_people_not_a_coupe_and_a_relative_who_is_no_question_of_identity() -> None:
    couple = p("a couple walking near the car")
    assert couple.object_classes == ("person", "car")
    assert not [m for m in couple.mapped_words if m.term == "coupe"]
    fell = p("person who fell")
    assert (fell.behaviours, fell.ignored_words) == (("person_down",), ())
    assert [w.reason for w in p("who was near the red car").ignored_words] == ["identity"]
