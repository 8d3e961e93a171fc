"""Naming the colours of pixels, robustly to lighting and shadow.

Pixels are converted to CIELAB (``cv2.cvtColor`` on float32 BGR scaled to 0..1, so ``L`` is 0..100 and
``a``, ``b`` are signed), where distance from the grey axis (chroma, ``C = sqrt(a² + b²)``) and the hue
angle (``h = atan2(b, a)``) change little when the light dims: a shadow mostly lowers ``L``. Two
corrections are made per picture before naming, both estimated from the picture itself:

* **colour cast** (white balance): the mean colour of the near-neutral pixels (``C < 15``, not too dark
  or bright) is taken as the colour of the light, and the B, G, R channels are scaled (by at most
  :data:`MAX_CAST` percent) to make it grey. Indoor cameras often tint everything blue; without this a
  grey shirt reads as blue. Scaling channels, unlike shifting ``a, b``, leaves dark pixels' colour alone
  (crushed dark-blue jeans stay blue).
* **exposure**: ``L`` is stretched so the darkest part of the picture (1st percentile) moves to 0, by at
  most :data:`MAX_BLACK_LIFT`, and the brightest (99th percentile) reaches :data:`REFERENCE_WHITE`,
  with a gain of at most :data:`MAX_GAIN` (never darkening); ``a`` and ``b`` get the same gain, since dim
  light lowers chroma as much as lightness. In a dim, hazy corridor a black shirt then reads as black and
  a white dress as white rather than both as grey.

Each pixel then gets one name (:func:`name_pixels`):

* **achromatic** when ``C`` is below ``6 + 0.1·L`` (the threshold rises with lightness because JPEG and
  sensor noise do), or the pixel is nearly black (``L < 8``) without a clear colour (``C < 10``):
  ``black`` below ``L`` 25, ``white`` above ``L`` 72, ``grey`` between. The black bound is generous so
  that dark clothes in shade stay black; white and light grey differ only in lightness, so a white shirt
  in deep shade reads as grey.
* **chromatic** otherwise, by hue angle, with lightness and chroma splitting neighbours:
  ``red`` (345°-40°; ``pink`` when pale, i.e. ``C < 0.75·L``, a ratio shadow leaves alone, or light
  and not deeply saturated, or bluish (below 15°) and not dark; ``brown`` when dark and dull),
  ``orange`` (40°-75°; ``brown`` when dark or dull, ``beige`` when light and dull), ``yellow``
  (75°-115°; ``beige`` when dull, ``brown`` or olive ``green`` when dark and dull), ``green``
  (115°-200°), ``blue`` (200°-315°; the shades ``navy`` when dark and ``light blue`` when light),
  ``purple`` (315°-345°; ``pink`` when light or pale).
  Hard hats, hi-vis vests and red jackets as real cameras record them were used to place the borders.

:func:`pale_blue` then renames a garment's light greys ``light blue`` when, taken together, they are
bluish (a pale blue shirt is under the per-pixel achromatic line; noise averages out over a region, a
tint does not).

:func:`named_shares` turns counts into ``{name: share}``: the twelve :data:`COLOUR_NAMES` partition the
pixels (their shares sum to at most 1); the :data:`SHADES` ``navy`` and ``light blue`` are reported as
well, as parts of ``blue`` (so a navy jacket is ``{"blue": 0.8, "navy": 0.7}``, and a search for "blue"
finds it).
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

COLOUR_NAMES: tuple[str, ...] = (
    "black",
    "grey",
    "white",
    "red",
    "orange",
    "yellow",
    "green",
    "blue",
    "purple",
    "pink",
    "brown",
    "beige",
)
"""The basic colour names; every pixel gets exactly one of these (or a shade of blue)."""

SHADES: dict[str, str] = {"navy": "blue", "light blue": "blue"}
"""Shades reported in addition to their basic colour: ``{shade: basic name}``."""

FINE_NAMES: tuple[str, ...] = COLOUR_NAMES + tuple(SHADES)
"""Names of the indices :func:`name_pixels` returns (basic names, then shades)."""

MAX_CAST = 25.0
"""Largest colour cast removed, in percent of a channel's gain."""
REFERENCE_WHITE = 92.0
"""Lightness the brightest part of a picture is scaled to, when it is dimmer."""
MAX_GAIN = 1.8
"""Largest exposure gain applied to ``L`` (and ``a``, ``b``)."""
MAX_BLACK_LIFT = 10.0
"""Largest black level (1st percentile of ``L``) taken off, for hazy or washed-out pictures."""
BLACK_BELOW = 25.0
"""Achromatic pixels darker than this are black."""
WHITE_ABOVE = 72.0
"""Achromatic pixels lighter than this are white."""

_IDX = {name: i for i, name in enumerate(FINE_NAMES)}
Lab = NDArray[np.float32]


def to_lab(image: NDArray[np.uint8]) -> Lab:
    """CIELAB of a BGR ``uint8`` image, ``H x W x 3`` float32 (``L`` 0..100)."""
    return _bgr_to_lab(image.astype(np.float32) * np.float32(1 / 255))


def _bgr_to_lab(bgr: NDArray[np.float32]) -> Lab:
    if bgr.size == 0:
        return np.zeros(bgr.shape, dtype=np.float32)
    return np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2LAB), dtype=np.float32)


def _neutral(lab: Lab) -> NDArray[np.bool_]:
    """Near-neutral, mid-light pixels: what the light's colour is estimated from."""
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    return (chroma < 15) & (lab[..., 0] > 20) & (lab[..., 0] < 95)


def white_balance_gains(image: NDArray[np.float32], lab: Lab) -> NDArray[np.float32]:
    """Per-channel (B, G, R) gains that make the picture's near-neutral pixels grey on average.

    Grey-pixel white balance: the near-neutral pixels' mean colour is taken as the colour of the light.
    Gains are kept within ``1 ± MAX_CAST/100`` per channel; ``(1, 1, 1)`` when fewer than 5% of the
    pixels are near-neutral (a picture of one strong colour says nothing about the light).
    """
    neutral = _neutral(lab)
    ones = np.ones(3, dtype=np.float32)
    if neutral.sum() < max(8, 0.05 * neutral.size):
        return ones
    mean = image[neutral].mean(axis=0, dtype=np.float64)
    if float(mean.min()) <= 1e-3:
        return ones
    limit = MAX_CAST / 100.0
    return np.asarray(np.clip(float(mean.mean()) / mean, 1.0 - limit, 1.0 + limit), dtype=np.float32)


def normalise(image: NDArray[np.uint8]) -> Lab:
    """CIELAB of a BGR image with the colour cast removed and its lightness range stretched.

    The cast is removed by scaling the channels (:func:`white_balance_gains`), which, unlike shifting
    ``a, b``, leaves dark pixels' colour alone; lightness is stretched as the module docstring says.
    """
    bgr = image.astype(np.float32) * np.float32(1 / 255)
    raw = _bgr_to_lab(bgr)
    if raw.size == 0:
        return raw
    gains = white_balance_gains(bgr, raw)
    lab = raw if bool(np.all(gains == 1.0)) else _bgr_to_lab(np.minimum(bgr * gains, np.float32(1.0)))
    low, top = (float(v) for v in np.percentile(lab[..., 0], (1, 99)))
    low = min(low, MAX_BLACK_LIFT)
    gain = float(np.clip(REFERENCE_WHITE / max(top - low, 1.0), 1.0, MAX_GAIN))
    if gain > 1.0 or low > 0.0:
        lab[..., 0] = np.clip((lab[..., 0] - low) * gain, 0.0, 100.0)
        lab[..., 1:] *= np.float32(gain)
    return lab


def name_pixels(lab: Lab) -> NDArray[np.int8]:
    """One colour per pixel, as indices into :data:`FINE_NAMES` (same shape as ``lab`` minus the last axis)."""
    light, a, b = lab[..., 0], lab[..., 1], lab[..., 2]
    chroma = np.hypot(a, b)
    hue = np.asarray(np.degrees(np.arctan2(b, a)) % 360.0, dtype=np.float32)
    out = np.full(light.shape, _IDX["grey"], dtype=np.int8)
    out[light < BLACK_BELOW] = _IDX["black"]
    out[light > WHITE_ABOVE] = _IDX["white"]
    chromatic = (chroma >= 6.0 + 0.1 * light) & ((light >= 8.0) | (chroma >= 10.0))
    for name, mask in _hue_names(light, chroma, hue):
        out[chromatic & mask] = _IDX[name]
    return out


def _hue_names(
    light: NDArray[np.float32], chroma: NDArray[np.float32], hue: NDArray[np.float32]
) -> list[tuple[str, NDArray[np.bool_]]]:
    """``(name, mask)`` pairs for chromatic pixels; later pairs win where masks overlap."""
    lit, dull, dark = light >= 62.0, chroma < 28.0, light < 45.0
    pale = chroma < 0.75 * light  # saturation (C/L) of pink, unlike red's, survives shadow
    red = (hue >= 345.0) | (hue < 40.0)
    orange = (hue >= 40.0) & (hue < 75.0)
    yellow = (hue >= 75.0) & (hue < 115.0)
    dim_yellow = yellow & (((light < 50.0) & (chroma < 40.0)) | (dull & ~lit))
    blue = (hue >= 200.0) & (hue < 315.0)
    purple = (hue >= 315.0) & (hue < 345.0)
    return [
        ("red", red),
        (
            "pink",
            ((red | purple) & ((lit & (chroma < 1.1 * light)) | pale))
            | (red & ((hue < 15.0) | (hue >= 345.0)) & (light >= 50.0)),
        ),
        ("purple", purple & ~lit & ~pale),
        ("orange", orange),
        ("brown", (orange & ((dark & (chroma < 50.0)) | (dull & ~lit))) | (red & (light < 35.0) & (chroma < 30.0))),
        ("yellow", yellow),
        ("beige", (orange | yellow) & dull & lit),
        ("brown", dim_yellow & (hue < 90.0)),
        ("green", ((hue >= 115.0) & (hue < 200.0)) | (dim_yellow & (hue >= 90.0))),
        ("blue", blue),
        ("navy", blue & (light < 30.0)),
        ("light blue", blue & (light >= 62.0)),
    ]


PALE_TINT_FROM = 5.0
"""Mean chroma (``C``) of a region's light achromatic pixels from which they are a pale colour, not grey."""
PALE_MIN_L = 45.0
"""Least lightness of the pixels :func:`pale_blue` looks at (darker greys are shadow, not a pale colour)."""


def pale_blue(names: NDArray[np.int8], lab: Lab) -> NDArray[np.int8]:
    """``names`` with a region's light greys and whites renamed ``light blue`` when, together, they are bluish.

    Each pixel is called achromatic below ``C = 6 + 0.1·L`` so that noise does not colour greys; but a
    pale blue shirt (``C`` 5-12 at ``L`` 60-80) is under that line too, and reads white or grey. Noise
    has no common hue and averages out over a region; a tint does not. So when the region's light
    (``L ≥`` :data:`PALE_MIN_L`) grey and white pixels, skin-coloured ones aside, number at least 10 and
    their mean ``(a, b)`` has a chroma of at least :data:`PALE_TINT_FROM` at a blue hue (200°-315°), they
    are light blue. Measured after white balance on real crops: grey cardigans, a white dress and a white
    vest 0.3-3.7; a light-blue T-shirt 6.1.
    """
    if names.size == 0:
        return names
    light = lab[..., 0] >= PALE_MIN_L
    grey = ((names == _IDX["grey"]) | (names == _IDX["white"])) & light & ~skin_like(lab)
    if int(grey.sum()) < 10:
        return names
    a, b = float(lab[grey, 1].mean()), float(lab[grey, 2].mean())
    hue = float(np.degrees(np.arctan2(b, a)) % 360.0)
    if float(np.hypot(a, b)) < PALE_TINT_FROM or not 200.0 <= hue < 315.0:
        return names
    out = names.copy()
    out[grey] = _IDX["light blue"]
    return out


DARK_NAMES: tuple[str, ...] = ("black", "navy")
"""Names of dark pixels: on a vehicle, its windows, tyres, shadow and the inside of an open door or boot."""
BODY_CLUSTER_FROM = 0.15
"""Least share of a vehicle's box that its largest white or chromatic patch covers for that to be its body."""
SURROUNDINGS_FROM = 0.2
"""Share of a crop's margin from which a colour is the surroundings', not a vehicle body's."""


def body_cluster(names: NDArray[np.int8], margin: NDArray[np.int8] | None = None) -> tuple[str, float] | None:
    """The name and share of the largest patch of one white or chromatic name in a vehicle's box (2-D names).

    A patch is an 8-connected group of pixels of one name (``light blue`` counts as ``blue``). The
    :data:`DARK_NAMES` are left out (windows, tyres, shadow, the inside of an open door or boot are dark
    on every car), and so is
    grey: the road and the pavement around and under a car, and the shaded parts of a light body, are
    grey, so a grey patch says nothing about the body; nor does a colour making up
    :data:`SURROUNDINGS_FROM` of ``margin`` (the crop's pixels around the box: a lawn or a white car
    beside). ``None`` when the largest patch is under
    :data:`BODY_CLUSTER_FROM` of the box. Measured over whole boxes of real tracks (MEVA a1c9/c4f6,
    intel person-bicycle-car, the Commons night clip): the white SUV with its boot open 0.20-0.22 per crop
    (0.11 in one; white is at most 0.13 of its margin), white and silver cars 0.06-0.17, the red car
    0.12-0.15, a dark slate-blue sedan 0.10-0.17; black and dark cars (a dark grey and a dark blue pickup
    among them) at most 0.04, night cars' headlights 0.02-0.04 each; a lawn behind a dark car was 0.16
    before the margin rule (it is 0.39 of that crop's margin).
    """
    if names.size == 0:
        return None
    basic = names.copy()
    basic[names == _IDX["light blue"]] = _IDX["blue"]
    around = np.zeros(len(FINE_NAMES))
    if margin is not None and margin.size:
        shown = margin.copy()
        shown[margin == _IDX["light blue"]] = _IDX["blue"]
        around = count_names(shown) / margin.size
    best: tuple[str, float] | None = None
    for index in np.unique(basic):
        name = FINE_NAMES[int(index)]
        if name in DARK_NAMES or name == "grey" or around[index] >= SURROUNDINGS_FROM:
            continue
        count, _, stats, _ = cv2.connectedComponentsWithStats((basic == index).astype(np.uint8), connectivity=8)
        if count > 1:
            share = float(stats[1:, cv2.CC_STAT_AREA].max()) / names.size
            if best is None or share > best[1]:
                best = (name, share)
    return best if best is not None and best[1] >= BODY_CLUSTER_FROM else None


def count_names(names: NDArray[np.int8], weights: NDArray[np.float32] | None = None) -> NDArray[np.float64]:
    """Pixel counts (or weight sums) per index of :data:`FINE_NAMES`."""
    w = None if weights is None else weights.ravel()
    return np.bincount(names.ravel().astype(np.intp), weights=w, minlength=len(FINE_NAMES)).astype(np.float64)


def named_shares(counts: NDArray[np.float64], *, min_share: float = 0.1) -> dict[str, float]:
    """``{name: share}`` for the names holding at least ``min_share`` of ``counts``, largest first.

    Shades are folded into their basic colour and also reported under their own name.
    """
    total = float(counts.sum())
    if total <= 0:
        return {}
    share = counts / total
    basic = {name: float(share[_IDX[name]]) for name in COLOUR_NAMES}
    for shade, parent in SHADES.items():
        basic[parent] += float(share[_IDX[shade]])
    result = {**basic, **{shade: float(share[_IDX[shade]]) for shade in SHADES}}
    kept = {k: round(v, 3) for k, v in result.items() if v >= min_share}
    return dict(sorted(kept.items(), key=lambda kv: -kv[1]))


def name_image(image: NDArray[np.uint8], *, min_share: float = 0.1) -> dict[str, float]:
    """Colour shares of a whole BGR image (normalised against itself)."""
    lab = normalise(image)
    return named_shares(count_names(name_pixels(lab)), min_share=min_share)


BINS = 16**3
"""Colour bins of a background model (4 bits per channel)."""
HAT_KINDS = 14
"""Kinds of :func:`hat_kind`: 0 not hat-like; 1..12 strongly coloured, by 30° hue sector; 13 bright white."""


def colour_bins(image: NDArray[np.uint8]) -> NDArray[np.intp]:
    """Each pixel's colour bin (4 bits per B, G, R channel), for background models."""
    q = (image >> 4).astype(np.intp)
    return (q[..., 0] << 8) | (q[..., 1] << 4) | q[..., 2]


def bin_histogram(bins: NDArray[np.intp]) -> NDArray[np.float64]:
    """Share of pixels per colour bin, each bin also counting its neighbours' share.

    So a colour near a bin edge matches both sides.
    """
    hist = (np.bincount(bins.ravel(), minlength=BINS) / max(bins.size, 1)).reshape(16, 16, 16)
    for axis in range(3):
        src = hist.copy()
        lo, hi = [slice(None)] * 3, [slice(None)] * 3
        lo[axis], hi[axis] = slice(0, 15), slice(1, 16)
        np.maximum(hist[tuple(lo)], src[tuple(hi)], out=hist[tuple(lo)])
        np.maximum(hist[tuple(hi)], src[tuple(lo)], out=hist[tuple(hi)])
    return hist.ravel()


def _chroma_hue(lab: Lab) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    hue = np.asarray(np.degrees(np.arctan2(lab[..., 2], lab[..., 1])) % 360.0, dtype=np.float32)
    return chroma, hue


def skin_like(lab: Lab) -> NDArray[np.bool_]:
    """Pixels (``N x 3``) with the colour of skin or of blond or brown hair."""
    chroma, hue = _chroma_hue(lab)
    return (hue >= 10.0) & (hue < 95.0) & (chroma >= 8.0) & (chroma < 40.0) & (lab[..., 0] >= 5.0)


def hat_kind(lab: Lab) -> NDArray[np.intp]:
    """Per pixel (flattened): 0 if it could be hair or skin, else its kind of hat colour (see HAT_KINDS).

    Hat-like is strongly coloured (chroma ≥ 30) outside the hues of skin and blond or brown hair, or
    bright white (``L ≥ 85``).
    """
    chroma, hue = _chroma_hue(lab)
    hair_or_skin = (hue >= 10.0) & (hue < 95.0) & (chroma < 45.0)
    kind = np.zeros(chroma.shape, dtype=np.intp)
    coloured = (chroma >= 30.0) & ~hair_or_skin
    kind[coloured] = 1 + (hue[coloured] // 30.0).astype(np.intp)
    kind[(lab[..., 0] >= 85.0) & (chroma < 10.0)] = 13
    return kind.ravel()


def hivis_share(lab: Lab) -> float:
    """Share of pixels (``N x 3``) in high-visibility orange or yellow (chroma ≥ 45, hue 35°-115°)."""
    if lab.size == 0:
        return 0.0
    chroma, hue = _chroma_hue(lab)
    return float(((chroma >= 45.0) & (hue >= 35.0) & (hue < 115.0) & (lab[..., 0] >= 40.0)).mean())
