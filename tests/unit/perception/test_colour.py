"""Colour naming: the same cloth gets the same name in light and shadow, under a tinted light, and greys stay grey."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from camsight.perception import colour
from camsight.perception.colour import (
    COLOUR_NAMES,
    FINE_NAMES,
    SHADES,
    count_names,
    name_pixels,
    named_shares,
    normalise,
    white_balance_gains,
)

Image = NDArray[np.uint8]
BLUE_CAST = (1.15, 1.0, 0.85)  # B, G, R channel gains of a bluish camera
WARM_CAST = (0.88, 1.0, 1.12)


def scene(bgr: tuple[int, int, int], *, shade: float = 1.0, cast: tuple[float, float, float] = (1, 1, 1)) -> Image:
    """A 64x64 picture: a patch of cloth (the middle 32x32) on a neutral background of dark, mid and light grey."""
    image = np.zeros((64, 64, 3), dtype=np.float32)
    image[:, :21] = 30
    image[:, 21:43] = 128
    image[:, 43:] = 225
    image[16:48, 16:48] = np.array(bgr, dtype=np.float32) * shade
    image *= np.array(cast, dtype=np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def patch_shares(image: Image) -> dict[str, float]:
    """Named shares of the patch, the light estimated from the whole picture (as the describer does)."""
    names = name_pixels(normalise(image))[16:48, 16:48]
    return named_shares(count_names(names))


def main_name(shares: dict[str, float]) -> str:
    basic = {k: v for k, v in shares.items() if k in COLOUR_NAMES}
    return max(basic, key=lambda k: basic[k])


# Cloth with a clear hue keeps its name in deep shade (0.55 of the light), under tinted light, or both.
CLOTH = [
    ("red", (40, 40, 200)),
    ("red", (50, 30, 140)),  # dark red
    ("orange", (0, 110, 255)),  # hi-vis orange
    ("yellow", (0, 210, 240)),  # hard-hat yellow
    ("green", (60, 150, 40)),
    ("blue", (200, 90, 30)),
    ("blue", (90, 30, 20)),  # navy
    ("blue", (110, 70, 45)),  # denim
    ("purple", (130, 40, 110)),
    ("pink", (190, 160, 250)),
    ("brown", (40, 70, 120)),
]
# Low-chroma cloth only has lightness to go by: it keeps its name in milder shade (0.8) and tinted light.
PALE = [
    ("beige", (160, 195, 215)),
    ("black", (22, 22, 22)),
    ("grey", (128, 128, 128)),
    ("white", (240, 240, 240)),
]


LIGHTS = {
    "lit": (1.0, (1.0, 1.0, 1.0)),
    "shade": (0.55, (1.0, 1.0, 1.0)),
    "blue cast": (1.0, BLUE_CAST),
    "warm cast": (1.0, WARM_CAST),
    "shade and blue cast": (0.55, BLUE_CAST),
}


@pytest.mark.parametrize(("expected", "bgr"), CLOTH, ids=[f"{n}-{c}" for n, c in CLOTH])
@pytest.mark.parametrize("light", list(LIGHTS))
def test_cloth_keeps_its_name_across_light(expected: str, bgr: tuple[int, int, int], light: str) -> None:
    shade, cast = LIGHTS[light]
    shares = patch_shares(scene(bgr, shade=shade, cast=cast))
    assert main_name(shares) == expected, shares


@pytest.mark.parametrize(("expected", "bgr"), PALE, ids=[f"{n}-{c}" for n, c in PALE])
@pytest.mark.parametrize(("shade", "cast"), [(1.0, (1.0, 1.0, 1.0)), (0.8, (1.0, 1.0, 1.0)), (1.0, WARM_CAST)])
def test_pale_cloth_keeps_its_name_in_mild_shade(
    expected: str, bgr: tuple[int, int, int], shade: float, cast: tuple[float, float, float]
) -> None:
    shares = patch_shares(scene(bgr, shade=shade, cast=cast))
    assert main_name(shares) == expected, shares


@pytest.mark.parametrize(
    ("bgr", "allowed"),
    [
        ((160, 195, 215), {"beige", "grey", "white", "brown"}),  # beige
        ((240, 240, 240), {"white", "grey"}),
    ],
)
@pytest.mark.parametrize(("shade", "cast"), [(0.55, (1.0, 1.0, 1.0)), (1.0, BLUE_CAST), (0.55, BLUE_CAST)])
def test_pale_cloth_never_turns_into_a_strong_hue(
    bgr: tuple[int, int, int], allowed: set[str], shade: float, cast: tuple[float, float, float]
) -> None:
    shares = patch_shares(scene(bgr, shade=shade, cast=cast))
    assert main_name(shares) in allowed, shares


@pytest.mark.parametrize(
    ("bgr", "shade_name"),
    [((90, 30, 20), "navy"), ((235, 205, 160), "light blue"), ((200, 90, 30), None)],
)
def test_shades_of_blue_are_reported_inside_blue(bgr: tuple[int, int, int], shade_name: str | None) -> None:
    shares = patch_shares(scene(bgr))
    assert shares["blue"] >= 0.9
    for shade in SHADES:
        if shade == shade_name:
            assert shares[shade] >= 0.5, shares
            assert shares[shade] <= shares["blue"]
        else:
            assert shares.get(shade, 0.0) < 0.5, shares


@pytest.mark.parametrize("cast", [BLUE_CAST, WARM_CAST])
def test_grey_shirt_under_tinted_light_is_grey_but_jeans_stay_blue(cast: tuple[float, float, float]) -> None:
    assert main_name(patch_shares(scene((150, 150, 150), cast=cast))) == "grey"
    assert main_name(patch_shares(scene((110, 70, 45), cast=cast))) == "blue"


@pytest.mark.parametrize(
    ("lab", "expected"),
    [
        ((50.0, 3.0, -3.0), "grey"),  # a faint tint is still grey
        ((50.0, 4.0, -14.0), "blue"),  # chroma above 6 + 0.1 L
        ((85.0, 5.0, 10.0), "white"),  # a warm white
        ((85.0, 5.0, 20.0), "beige"),
        ((15.0, 2.0, -5.0), "black"),
        ((3.0, 0.0, -6.0), "black"),  # near black: noise, not colour
        ((3.0, 6.0, -16.0), "navy"),  # near black but clearly blue (crushed dark denim)
        ((30.0, 0.0, 0.0), "grey"),
        ((20.0, 0.0, 0.0), "black"),
        ((75.0, 0.0, 0.0), "white"),
        ((45.0, 60.0, 30.0), "red"),
        ((55.0, 50.0, 5.0), "pink"),  # a bluish red that is not dark
        ((40.0, 20.0, 10.0), "pink"),  # pale: C < 0.75 L
        ((30.0, 15.0, 12.0), "brown"),  # dark and dull
        ((60.0, 40.0, 55.0), "orange"),
        ((40.0, 25.0, 30.0), "brown"),
    ],
)
def test_achromatic_and_chromatic_thresholds(lab: tuple[float, float, float], expected: str) -> None:
    pixel = np.array([[lab]], dtype=np.float32)
    assert FINE_NAMES[int(name_pixels(pixel)[0, 0])] == expected


def test_named_shares_folds_shades_into_blue_and_drops_small_names() -> None:
    counts = np.zeros(len(FINE_NAMES))
    counts[FINE_NAMES.index("navy")] = 50
    counts[FINE_NAMES.index("blue")] = 10
    counts[FINE_NAMES.index("white")] = 35
    counts[FINE_NAMES.index("red")] = 5
    shares = named_shares(counts)
    assert shares == {"blue": 0.6, "navy": 0.5, "white": 0.35}
    assert list(shares) == ["blue", "navy", "white"]
    assert named_shares(np.zeros(len(FINE_NAMES))) == {}
    assert "red" in named_shares(counts, min_share=0.05)


def test_white_balance_gains_follow_the_neutral_pixels_only() -> None:
    tinted = scene((128, 128, 128), cast=BLUE_CAST).astype(np.float32) * np.float32(1 / 255)
    gains = white_balance_gains(tinted, colour.to_lab(scene((128, 128, 128), cast=BLUE_CAST)))
    assert gains[0] < 1.0 < gains[2]
    solid_red = np.full((32, 32, 3), (40, 40, 200), dtype=np.uint8)
    ones = white_balance_gains(solid_red.astype(np.float32) * np.float32(1 / 255), colour.to_lab(solid_red))
    np.testing.assert_array_equal(ones, np.ones(3, dtype=np.float32))


def test_normalise_lifts_a_dim_picture_within_limits() -> None:
    dim = scene((128, 128, 128), shade=1.0)
    dim = (dim.astype(np.float32) * 0.5).astype(np.uint8)
    raw_top = float(np.percentile(colour.to_lab(dim)[..., 0], 99))
    top = float(np.percentile(normalise(dim)[..., 0], 99))
    assert top > raw_top
    assert top <= colour.REFERENCE_WHITE + 0.5
    very_dark = np.full((16, 16, 3), 12, dtype=np.uint8)
    very_dark[:8] = 40
    assert float(normalise(very_dark)[..., 0].max()) <= float(colour.to_lab(very_dark)[..., 0].max()) * colour.MAX_GAIN


def test_empty_picture() -> None:
    empty = np.zeros((0, 0, 3), dtype=np.uint8)
    assert normalise(empty).shape == (0, 0, 3)
    assert colour.name_image(empty) == {}


def test_bin_histogram_lets_a_colour_match_its_neighbouring_bins() -> None:
    image = np.zeros((4, 4, 3), dtype=np.uint8)
    image[:] = (31, 100, 200)  # B = 31 sits at the top edge of bin 1
    bins = colour.colour_bins(image)
    hist = colour.bin_histogram(bins)
    assert hist[int(bins[0, 0])] == 1.0
    assert hist[int(bins[0, 0]) + (1 << 8)] == 1.0  # B = 32: the next bin counts it too
    assert hist[int(bins[0, 0]) + (2 << 8)] == 0.0
    assert hist.sum() == pytest.approx(27.0)


@pytest.mark.parametrize(
    ("bgr", "kind"),
    [
        ((0, 210, 240), "coloured"),  # hard-hat yellow
        ((30, 30, 220), "coloured"),  # red cap
        ((250, 250, 250), "white"),
        ((25, 25, 25), "hair"),  # black hair
        ((40, 60, 90), "hair"),  # brown hair
        ((135, 175, 200), "hair"),  # blond hair
        ((150, 170, 205), "hair"),  # skin
    ],
)
def test_hat_kinds(bgr: tuple[int, int, int], kind: str) -> None:
    lab = colour.to_lab(np.full((2, 2, 3), bgr, dtype=np.uint8))
    got = int(colour.hat_kind(lab)[0])
    assert {"hair": got == 0, "white": got == colour.HAT_KINDS - 1, "coloured": 0 < got < colour.HAT_KINDS - 1}[kind]
