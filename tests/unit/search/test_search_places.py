"""Cameras and zones named in a query: only as words of their own, never from the inside of a word."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from camsight.errors import QueryError
from camsight.search.parser import parse
from camsight.search.places import places
from camsight.search.query import Query

NOW = datetime(2024, 5, 2, 18, 30, tzinfo=UTC)


def p(text: str, **kwargs: object) -> Query:
    return parse(text, now=NOW, tz=UTC, semantic=False, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "person in a camel coat",
        "person in camouflage",
        "woman in a camisole",
        "person in a camouflage jacket near the camper van",
        "someone with a camera bag",
        "person in the zoned area",
        "person on webcam 2",
        "person in zones",
    ],
)
def test_words_that_start_like_camera_or_zone_name_nothing(text: str) -> None:
    assert places(text, cameras=[], zones=[])[1:] == (None, None)
    q = p(text)
    assert (q.camera, q.zone) == (None, None)


@pytest.mark.parametrize(
    ("text", "camera", "zone"),
    [
        ("person on camera lobby", "lobby", None),
        ("person on camera lobby.", "lobby", None),
        ("person on cam 2", "2", None),
        ("person on cam2", "cam2", None),
        ("person on camera3", "camera3", None),
        ("person on camera#3", "3", None),
        ("person on camera: gate-2", "gate-2", None),
        ("person in zone 3", None, "3"),
        ("person in zone:north", None, "north"),
        ("person in zone3", None, "zone3"),
        ("person in zone loading-bay on camera cam3", "cam3", "loading-bay"),
        ("red car at the camera near cam2", "cam2", None),  # "the camera near": no name there, cam2 is
        ("person in a camel coat on cam 2", "2", None),
    ],
)
def test_places_named_explicitly_without_known_names(text: str, camera: str | None, zone: str | None) -> None:
    q = p(text)
    assert (q.camera, q.zone) == (camera, zone)
    assert not q.unknown_words


@pytest.mark.parametrize(
    ("text", "camera"),
    [
        ("person on cam 2", "cam2"),
        ("person on cam2", "cam2"),
        ("person on camera 2", "cam2"),
        ("person on camera#2", "cam2"),
        ("person on camera Lobby", "Lobby"),
        ("person near Lobby", "Lobby"),
        ("person in a camel coat", None),
        ("person in camouflage near the door", None),
    ],
)
def test_places_named_with_known_names(text: str, camera: str | None) -> None:
    assert p(text, cameras=["cam1", "cam2", "Lobby"]).camera == camera


@pytest.mark.parametrize(
    ("text", "kwargs", "message"),
    [
        ("red car on camera cam9", {"cameras": ["cam1", "cam2"]}, "camera 'cam9' is not known; cameras: cam1, cam2"),
        ("red car on cam9", {"cameras": ["cam1", "cam2"]}, "camera 'cam9' is not known; cameras: cam1, cam2"),
        ("person in zone 7", {"zones": ["North Gate"]}, "zone '7' is not known; zones: North Gate"),
    ],
)
def test_unknown_explicit_places_are_errors_that_list_the_known_ones(
    text: str, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(QueryError, match=message):
        p(text, **kwargs)
