"""The describer on painted people, cars and paths: regions, background, head wear, garments, posture, motion."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camsight.core.records import Appearance
from camsight.perception.describe import (
    AppearanceDescriber,
    carried_summary,
    describe_image_box,
    moment_speeds,
    moment_summary,
    motion_summary,
    posture_labels,
    posture_summary,
)
from camsight.perception.tracklog import Box, Crop, Describer, Sighting, crop_box

Image = NDArray[np.uint8]
Colour = tuple[int, int, int]
WALL, FLOOR = (200, 200, 200), (60, 100, 140)
BLACK, RED, BLUE, WHITE = (25, 25, 25), (40, 40, 200), (200, 90, 30), (235, 235, 235)
YELLOW, ORANGE, BLOND = (0, 210, 240), (0, 110, 255), (135, 175, 200)
BOX: Box = (90.0, 40.0, 150.0, 280.0)  # 60 x 240: standing


def person(
    *,
    hair: Colour = BLACK,
    hat: Colour | None = None,
    upper: Colour = RED,
    lower: Colour = BLUE,
    dress: bool = False,
    shade: float = 1.0,
    wall: Colour = WALL,
) -> Image:
    """A painted standing person in ``BOX``: head, torso with arms, two legs with the floor between them."""
    image = np.zeros((320, 240, 3), dtype=np.uint8)
    image[:] = wall
    image[224:] = FLOOR
    x1, y1, x2, y2 = (int(v) for v in BOX)
    w, h = x2 - x1, y2 - y1
    cx = (x1 + x2) // 2
    cv2.ellipse(image, (cx, y1 + int(0.08 * h)), (int(0.17 * w), int(0.08 * h)), 0, 0, 360, (150, 170, 205), -1)
    cv2.ellipse(image, (cx, y1 + int(0.05 * h)), (int(0.17 * w), int(0.05 * h)), 0, 0, 360, hair, -1)
    if hat is not None:
        cv2.ellipse(image, (cx, y1 + int(0.05 * h)), (int(0.19 * w), int(0.055 * h)), 0, 180, 360, hat, -1)
        brim = (cx - int(0.19 * w), y1 + int(0.05 * h)), (cx + int(0.19 * w), y1 + int(0.07 * h))
        cv2.rectangle(image, *brim, hat, -1)
    image[y1 + int(0.15 * h) : y1 + int(0.56 * h), x1:x2] = upper
    if shade != 1.0:
        part = image[y1 + int(0.15 * h) : y1 + int(0.56 * h), x1:cx]
        image[y1 + int(0.15 * h) : y1 + int(0.56 * h), x1:cx] = (part * shade).astype(np.uint8)
    legs = image[y1 + int(0.56 * h) : y2, x1:x2]
    if dress:
        legs[: int(0.25 * h)] = upper
        legs[int(0.25 * h) :, int(0.2 * w) : int(0.45 * w)] = (150, 170, 205)
        legs[int(0.25 * h) :, int(0.55 * w) : int(0.8 * w)] = (150, 170, 205)
    else:
        legs[:, int(0.08 * w) : int(0.46 * w)] = lower
        legs[:, int(0.54 * w) : int(0.92 * w)] = lower
        legs[: int(0.06 * h)] = lower
    return image


def top_name(shares: dict[str, float]) -> str:
    return max(shares, key=lambda k: shares[k])


def describe(image: Image, box: Box = BOX, cls: str = "person") -> Appearance:
    return describe_image_box(image, box, cls)


def test_regions_get_their_own_colours() -> None:
    app = describe(person())
    assert top_name(app.upper) == "red"
    assert top_name(app.lower) == "blue"
    assert top_name(app.head) == "black"
    assert app.headwear is not None
    assert app.headwear < 0.3
    assert app.posture == "standing"
    assert app.motion == "unknown"
    assert app.speed is None


def test_background_between_the_legs_and_beside_the_head_is_left_out() -> None:
    app = describe(person(lower=BLACK))
    assert set(app.lower) == {"black"}, app.lower
    assert app.head.get("grey", 0.0) + app.head.get("white", 0.0) <= 0.15, app.head


def test_skin_is_not_a_head_colour() -> None:
    app = describe(person(hair=(150, 170, 205)))  # bald: skin only
    assert app.head == {} or top_name(app.head) not in ("pink", "beige", "orange", "brown"), app.head


@pytest.mark.parametrize("shade", [1.0, 0.5])
def test_a_shadow_over_half_the_shirt_keeps_its_colour(shade: float) -> None:
    app = describe(person(upper=RED, shade=shade))
    assert app.upper.get("red", 0.0) >= 0.8, app.upper


@pytest.mark.parametrize(
    ("hat", "hair", "wears"),
    [
        (YELLOW, BLACK, True),  # hard hat
        ((30, 30, 220), BLACK, True),  # red cap
        (WHITE, BLACK, True),  # white helmet
        (None, BLACK, False),
        (None, BLOND, False),
        (None, (40, 60, 90), False),  # brown hair
    ],
)
def test_headwear(hat: Colour | None, hair: Colour, wears: bool) -> None:
    app = describe(person(hat=hat, hair=hair))
    assert app.headwear is not None
    assert (app.headwear >= 0.5) == wears, (app.headwear, app.head)


def test_hard_hat_colour_is_the_head_colour() -> None:
    assert top_name(describe(person(hat=YELLOW)).head) == "yellow"


@pytest.mark.parametrize(
    ("kwargs", "garment", "present"),
    [
        ({"upper": ORANGE}, "vest", True),
        ({"upper": YELLOW}, "vest", True),
        ({"upper": RED}, "vest", False),
        ({"lower": BLUE}, "jeans", True),
        ({"lower": (110, 70, 45)}, "jeans", True),
        ({"lower": BLACK}, "jeans", False),
        ({"upper": WHITE, "dress": True}, "dress", True),
        ({"upper": RED, "dress": True}, "dress", True),
        ({"upper": BLACK, "lower": BLACK}, "dress", False),
        ({"upper": WHITE, "lower": BLACK}, "dress", False),
    ],
)
def test_garment_cues(kwargs: dict[str, object], garment: str, present: bool) -> None:
    app = describe(person(**kwargs))  # type: ignore[arg-type]
    assert (app.garments.get(garment, 0.0) >= 0.5) == present, app.garments


def test_lying_person_is_not_split_into_head_and_legs() -> None:
    image = np.full((200, 320, 3), FLOOR, dtype=np.uint8)
    image[80:140, 40:280] = RED
    app = describe(image, (40.0, 80.0, 280.0, 140.0))
    assert app.posture == "lying"
    assert app.head == {}
    assert app.lower == {}
    assert top_name(app.upper) == "red"
    assert app.headwear is None


def test_vehicle_body_colour_ignores_windows_tyres_and_road() -> None:
    image = np.full((200, 320, 3), (110, 110, 110), dtype=np.uint8)  # road
    image[60:150, 40:280] = RED
    image[60:85, 80:240] = (30, 30, 30)  # windows
    image[140:160, 60:100] = BLACK  # tyres
    image[140:160, 220:260] = BLACK
    app = describe(image, (40.0, 60.0, 280.0, 160.0), "car")
    assert top_name(app.upper) == "red"
    assert app.upper["red"] >= 0.6
    assert app.head == {}
    assert app.lower == {}
    assert app.headwear is None
    assert app.posture == "unknown"
    assert app.postures == {}


def crop_of(image: Image, box: Box, quality: float, t: float) -> Crop:
    crop, inner = crop_box(image, box)
    return Crop(quality=quality, t=t, image=crop, box=inner)


def still_obs(n: int, box: Box = BOX, near: tuple[int, ...] = ()) -> list[Sighting]:
    return [Sighting(t=i * 0.2, box=box, confidence=0.9, near=near, occluded=0.0) for i in range(n)]


def test_crops_are_weighted_by_quality_and_only_the_best_are_used() -> None:
    describer: Describer = AppearanceDescriber(max_crops=2)
    crops = [
        crop_of(person(upper=RED), BOX, 0.9, 0.0),
        crop_of(person(upper=(60, 150, 40)), BOX, 0.3, 0.2),
        crop_of(person(upper=BLUE), BOX, 0.01, 0.4),  # third best: not used
    ]
    app = describer.describe(object_class="person", observations=still_obs(3), crops=crops)
    assert top_name(app.upper) == "red"
    assert app.upper["red"] == pytest.approx(0.75, abs=0.05)
    assert 0.15 <= app.upper.get("green", 0.0) <= 0.35
    assert "blue" not in app.upper


def test_no_crops_still_gives_posture_motion_and_carried() -> None:
    app = AppearanceDescriber().describe(object_class="person", observations=still_obs(10, near=(24,)), crops=[])
    assert app.upper == {}
    assert app.head == {}
    assert app.headwear is None
    assert app.carried == {"backpack": 1.0}
    assert app.posture == "standing"
    assert app.motion == "still"


def test_degenerate_crops_do_not_fail() -> None:
    empty = Crop(quality=0.5, t=0.0, image=np.zeros((0, 0, 3), dtype=np.uint8), box=(0.0, 0.0, 0.0, 0.0))
    tiny = crop_of(person(), (100.0, 100.0, 102.0, 103.0), 0.5, 0.0)
    app = AppearanceDescriber().describe(object_class="person", observations=still_obs(1), crops=[empty, tiny])
    assert isinstance(app, Appearance)


@pytest.mark.parametrize(
    ("nears", "expected_carried", "expected_riding"),
    [
        ([(24,)] * 3 + [()] * 7, {"backpack": 0.3}, None),
        ([(24,)] * 1 + [()] * 9, {}, None),  # one sighting in ten: a passer-by's bag
        ([(26, 28)] * 5 + [(26,)] * 5, {"handbag": 1.0, "suitcase": 0.5}, None),
        ([(1,)] * 4 + [()] * 6, {}, "bicycle"),
        ([(1,)] * 2 + [()] * 8, {}, None),
        ([(3, 25)] * 10, {"umbrella": 1.0}, "motorcycle"),
        ([(24,)], {"backpack": 1.0}, None),  # a still: one sighting is enough
        ([(2, 7)] * 10, {}, None),  # cars and trucks nearby are neither carried nor ridden
    ],
)
def test_carried_and_riding(
    nears: list[tuple[int, ...]], expected_carried: dict[str, float], expected_riding: str | None
) -> None:
    obs = [Sighting(t=i * 0.1, box=BOX, confidence=0.9, near=n, occluded=0.0) for i, n in enumerate(nears)]
    assert carried_summary(obs) == (expected_carried, expected_riding)


def path(
    speed_px_s: float,
    *,
    height: float = 200.0,
    heading_deg: float = 0.0,
    seconds: float = 4.0,
    fps: float = 5.0,
    jitter: float = 0.0,
    grow: float = 0.0,
) -> list[Sighting]:
    """A box moving at a steady speed (bottom-centre), optionally jittering or growing (coming closer)."""
    rng = np.random.default_rng(0)
    obs = []
    dx, dy = math.cos(math.radians(heading_deg)), math.sin(math.radians(heading_deg))
    for i in range(int(seconds * fps)):
        t = i / fps
        h = height * math.exp(grow * t)
        cx, by = 500 + dx * speed_px_s * t, 600 + dy * speed_px_s * t
        cx, by = cx + jitter * rng.normal(), by + jitter * rng.normal()
        obs.append(Sighting(t=t, box=(cx - h / 4, by - h, cx + h / 4, by), confidence=0.9, near=(), occluded=0.0))
    return obs


@pytest.mark.parametrize(
    ("obs", "motion", "speed"),
    [
        (path(0.0, jitter=2.0), "still", (0.0, 0.05)),
        (path(160.0), "walking", (0.75, 0.85)),  # 0.8 body heights per second
        (path(400.0, heading_deg=90), "running", (1.9, 2.1)),
        (path(0.0, grow=0.15), "walking", (0.3, 0.6)),  # straight toward the camera
    ],
)
def test_person_motion(obs: list[Sighting], motion: str, speed: tuple[float, float]) -> None:
    got, value, _ = motion_summary(obs, vehicle=False)
    assert got == motion
    assert value is not None
    assert speed[0] <= value <= speed[1]


@pytest.mark.parametrize(("heading", "expected"), [(0.0, 0.0), (90.0, 90.0), (180.0, 180.0), (225.0, 225.0)])
def test_vehicle_speed_and_heading(heading: float, expected: float) -> None:
    motion, speed, got = motion_summary(path(120.0, heading_deg=heading), vehicle=True)
    assert motion == "moving"
    assert speed == pytest.approx(120.0, rel=0.01)
    assert got is not None
    assert min(abs(got - expected), 360 - abs(got - expected)) < 1.0


def test_parked_vehicle_is_still_and_one_sighting_has_no_motion() -> None:
    motion, _, heading = motion_summary(path(0.0, jitter=1.0), vehicle=True)
    assert motion == "still"
    assert heading is None
    assert motion_summary(path(100.0)[:1], vehicle=True) == ("unknown", None, None)


def test_posture_of_a_fall() -> None:
    standing = [Sighting(t=i * 0.2, box=(100, 100, 160, 280), confidence=0.9, near=(), occluded=0.0) for i in range(10)]
    lying = [
        Sighting(t=2.0 + i * 0.2, box=(60, 230, 240, 290), confidence=0.9, near=(), occluded=0.0) for i in range(15)
    ]
    labels = posture_labels(standing + lying)
    assert labels[:10] == ["standing"] * 10
    assert labels[10:] == ["lying"] * 15
    posture, shares = posture_summary(labels)
    assert posture == "lying"
    assert shares == {"lying": 0.6, "standing": 0.4}
    assert posture_summary([]) == ("unknown", {})


def test_a_monochrome_camera_gives_only_greys() -> None:
    colour_image = person(upper=RED, lower=BLUE, hat=YELLOW)
    grey = cv2.cvtColor(cv2.cvtColor(colour_image, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    app = describe(np.asarray(grey, dtype=np.uint8))
    for region in (app.head, app.upper, app.lower):
        assert set(region) <= {"black", "grey", "white"}, region
    assert app.garments == {}


def _joined(*parts: list[Sighting]) -> list[Sighting]:
    """Paths one after the other, each shifted to start where (and when) the previous one ended."""
    out: list[Sighting] = []
    for part in parts:
        t0, x0 = (out[-1].t + 0.2, out[-1].box[0] - part[0].box[0]) if out else (0.0, 0.0)
        for s in part:
            x1, y1, x2, y2 = s.box
            out.append(Sighting(t=t0 + s.t, box=(x1 + x0, y1, x2 + x0, y2), confidence=0.9, near=(), occluded=0.0))
    return out


def test_a_walk_with_a_short_run_is_timed_per_moment() -> None:
    obs = _joined(path(160.0, seconds=12), path(500.0, seconds=2), path(160.0, seconds=4))  # 0.8, 2.5, 0.8 h/s
    motion, _, _ = motion_summary(obs, vehicle=False)
    motion_s, posture_s, moment_s = moment_summary(obs, posture_labels(obs), frame_size=(10_000, 2_000))
    assert motion == "walking"  # the median says only that
    assert 1.2 <= motion_s["running"] <= 2.2  # the running rule's speed needs half a second of track to rise
    assert motion_s["walking"] >= 14
    assert "still" not in motion_s
    assert 12.0 <= moment_s["running"] <= 12.8
    assert posture_s == {"standing": pytest.approx(18.2, abs=0.3)}


def test_standing_still_and_coming_closer_are_told_apart_per_moment() -> None:
    standing = moment_summary(path(0.0, jitter=2.0, seconds=6), ["standing"] * 30)[0]
    closer = moment_summary(path(0.0, grow=0.15, seconds=6), ["standing"] * 30)[0]
    assert standing.get("still", 0) >= 5.0
    assert "running" not in standing
    assert closer.get("walking", 0) >= 4.5
    assert closer.get("still", 0) < 1.0


def test_boxes_cut_by_the_frame_border_are_not_timed() -> None:
    obs = path(500.0, seconds=3)  # would be running, but every box reaches the bottom of a 600 px frame
    assert moment_summary(obs, ["standing"] * len(obs), frame_size=(2_000, 600))[0] == {}
    assert moment_summary(obs, ["standing"] * len(obs), frame_size=(2_000, 800))[0]["running"] >= 2.0


def test_moment_speed_is_the_running_rules_speed() -> None:
    from camsight.rules.kinematics import Sighting as PathPoint
    from camsight.rules.kinematics import TrackPath
    from camsight.rules.running import SPEED_WINDOW_S

    obs = _joined(path(160.0, jitter=3.0, seconds=3), path(450.0, jitter=3.0, seconds=2, fps=10.0))
    got = moment_speeds(obs, frame_size=(1_400, 2_000))  # the last boxes reach the right border
    rule = TrackPath(SPEED_WINDOW_S * 3)
    expected: list[float | None] = []
    for o in obs:
        point = PathPoint(t=o.t, box=o.box, confidence=o.confidence, class_id=0)
        if point.touches_border(1_400, 2_000):
            expected.append(None)
            continue
        rule.add(point)
        expected.append(rule.speed_heights(o.t, SPEED_WINDOW_S))
    assert None in expected[-5:]
    assert [v is None for v in got] == [v is None for v in expected]
    assert [v for v in got if v is not None] == pytest.approx([v for v in expected if v is not None], rel=1e-9)
