"""Attributes read from a person's body parts: sleeves, lower garment, pattern and shade, or "unknown".

Every function here looks at one crop, made :data:`ATTR_HEIGHT` px tall (never enlarged) and normalised
in CIELAB by :func:`camsight.perception.colour.normalise`, and returns cues 0..1; a cue it cannot judge is
left out (unknown), never guessed:

* **Sleeves** (needs pose: :class:`~camsight.perception.pose.BodyParts`): the share of skin-coloured
  pixels (:func:`camsight.perception.colour.skin_like`) along the forearms, outside the torso box. Bare
  forearms (skin ≥ 55%) are short sleeves, covered ones (≤ 15%) long, linear between. Unknown when no
  forearm shows at least :data:`MIN_PIXELS` pixels, or when the torso itself is skin-coloured (≥ 35%: a
  beige shirt looks like skin).
* **Lower garment** (needs pose): the same on the shins. Covered shins are ``trousers`` (jeans, leggings
  and long skirts too); bare shins under covered thighs are ``shorts``, or a ``skirt`` when the space
  between the knees is covered by the garment's colour rather than the background (both thighs needed).
* **Pattern** per garment (upper: the torso box, or the box's upper band without pose; lower: the thighs
  or the lower band): edges of the lightness channel (Sobel), their density and orientations.
  ``plain`` when few edges; ``striped`` when strong edges share one orientation; ``checked`` when they
  share two about 90° apart; ``floral`` (any busy print) when edges are dense with no dominant
  orientation. Unknown when the patch is under 20 x 20 px. Folds and seams make edges too, so these are
  cues, not classes: tested on a few real photos only.
* **Shade**: the mean lightness (``L / 100``) of a region's pixels: under about 0.35 reads as dark,
  over about 0.65 as light (:mod:`camsight.search.rank` scores "dark red" and "light grey" with it).
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from camsight.perception import colour
from camsight.perception.pose import BodyParts, Box, box_mask, segment_mask

ATTR_HEIGHT = 160
"""Crops are shrunk to about this height (px) before attributes are read."""
MIN_PIXELS = 12
"""Fewest pixels a limb must show for its sleeve or leg cue."""
MIN_PATCH = 20
"""Smallest side (px, at :data:`ATTR_HEIGHT`) of a patch whose pattern is judged."""
EDGE_L = 10.0
"""Lightness gradient (Sobel, per pixel, ``L`` 0..100) from which a pixel is an edge."""
PATTERN_KINDS = ("plain", "striped", "checked", "floral")
"""Pattern kinds a garment can be given."""

Lab = NDArray[np.float32]


def prepare(image: NDArray[np.uint8], box: Box) -> tuple[Lab, float]:
    """The crop's normalised Lab at about :data:`ATTR_HEIGHT` px tall, and the scale used."""
    scale = min(1.0, ATTR_HEIGHT / max(box[3] - box[1], 1.0))
    if scale < 1.0:
        image = np.asarray(cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    return colour.normalise(image), scale


def _skin_share(lab: Lab, mask: NDArray[np.bool_]) -> float | None:
    if int(mask.sum()) < MIN_PIXELS:
        return None
    return float(colour.skin_like(lab[mask]).mean())


def _ramp(value: float, low: float, high: float) -> float:
    return round(float(np.clip((value - low) / (high - low), 0.0, 1.0)), 3)


def body_cues(lab: Lab, parts: BodyParts) -> dict[str, float]:
    """Sleeve and lower-garment cues (``short sleeves``, ``long sleeves``, ``trousers``, ``shorts``, ``skirt``).

    ``parts`` must be in ``lab``'s pixels. Cues that cannot be judged are absent; one judged and not seen is 0.
    """
    shape = (lab.shape[0], lab.shape[1])
    torso = box_mask(shape, parts.torso)
    out: dict[str, float] = {}
    torso_skin = _skin_share(lab, torso)
    fore = segment_mask(shape, parts.forearms, 0.6 * parts.limb_width) & ~torso
    bare_arms = _skin_share(lab, fore)
    if bare_arms is not None and torso_skin is not None and torso_skin < 0.35:
        short = _ramp(bare_arms, 0.15, 0.55)
        out["short sleeves"], out["long sleeves"] = short, round(1.0 - short, 3)
    shins = _skin_share(lab, segment_mask(shape, parts.shins, 0.6 * parts.limb_width))
    thighs = _skin_share(lab, segment_mask(shape, parts.thighs, 0.6 * parts.limb_width))
    if shins is None:
        return out
    bare = _ramp(shins, 0.15, 0.55)
    out["trousers"] = round(1.0 - bare, 3)
    if thighs is None or thighs >= 0.35:
        return out
    skirt = _between_knees_covered(lab, parts)
    if skirt is None:
        return out
    out["skirt"] = round(bare * skirt, 3)
    out["shorts"] = round(bare * (1.0 - skirt), 3)
    return out


def _between_knees_covered(lab: Lab, parts: BodyParts) -> float | None:
    """How much the gap between the thighs, just above the knees, has the thighs' colour (1: a skirt)."""
    if len(parts.thighs) < 2:
        return None
    (ax1, ay1, ax2, ay2), (bx1, by1, bx2, by2) = parts.thighs
    # the point 75% down each thigh; the gap is the middle third between them
    pa = np.array([ax1 + 0.75 * (ax2 - ax1), ay1 + 0.75 * (ay2 - ay1)])
    pb = np.array([bx1 + 0.75 * (bx2 - bx1), by1 + 0.75 * (by2 - by1)])
    if float(np.hypot(*(pa - pb))) < 1.5 * parts.limb_width:
        return None  # knees together: nothing between them to look at
    mid = (pa + pb) / 2
    half = max(2.0, 0.3 * parts.limb_width)
    gap = box_mask((lab.shape[0], lab.shape[1]), (mid[0] - half, mid[1] - half, mid[0] + half, mid[1] + half))
    cloth = segment_mask((lab.shape[0], lab.shape[1]), parts.thighs, 0.6 * parts.limb_width) & ~gap
    if int(gap.sum()) < 4 or int(cloth.sum()) < MIN_PIXELS:
        return None
    distance = float(np.linalg.norm(np.median(lab[gap], axis=0) - np.median(lab[cloth], axis=0)))
    return _ramp(30.0 - distance, 0.0, 20.0)  # ΔE under 10: the same cloth; over 30: something else


def pattern(lab: Lab, box: Box) -> dict[str, float]:
    """Pattern cues of the patch ``box`` (in ``lab``'s pixels): ``{kind: 0..1}``, or ``{}`` when too small.

    Edge density ``d`` (share of pixels with a lightness gradient ≥ :data:`EDGE_L`) and the orientation
    histogram of those edges (8 bins over 180°, weighted by strength): ``plain`` falls from 1 at
    ``d = 0.06`` to 0 at ``0.18``; the rest is split by how the edges are oriented.
    """
    x1, y1, x2, y2 = (round(v) for v in box)
    x1, y1 = max(0, x1), max(0, y1)
    patch = lab[y1:y2, x1:x2, 0]
    if patch.shape[0] < MIN_PATCH or patch.shape[1] < MIN_PATCH:
        return {}
    gx = cv2.Sobel(patch, cv2.CV_32F, 1, 0, ksize=3) / 4.0
    gy = cv2.Sobel(patch, cv2.CV_32F, 0, 1, ksize=3) / 4.0
    strength = np.hypot(gx, gy)[1:-1, 1:-1]
    angle = (np.degrees(np.arctan2(gy, gx))[1:-1, 1:-1]) % 180.0
    edges = strength >= EDGE_L
    density = float(edges.mean())
    plain = _ramp(0.18 - density, 0.0, 0.12)
    out = {"plain": plain, "striped": 0.0, "checked": 0.0, "floral": 0.0}
    if int(edges.sum()) < 20 or plain >= 1.0:
        return out
    hist = np.bincount((angle[edges] // 22.5).astype(np.intp) % 8, weights=strength[edges], minlength=8)
    hist = hist / hist.sum()
    pairs = hist + np.roll(hist, -1)  # an orientation and its neighbour
    first = int(np.argmax(pairs))
    one = float(pairs[first])
    across = float(pairs[(first + 4) % 8])  # 90° away
    busy = 1.0 - plain
    checked = _ramp(min(one, 2 * across), 0.3, 0.5)
    striped = _ramp(one - across, 0.3, 0.55) * (1.0 - checked)
    out["checked"] = round(busy * checked, 3)
    out["striped"] = round(busy * striped, 3)
    out["floral"] = round(busy * max(0.0, 1.0 - checked - striped) * _ramp(density, 0.2, 0.35), 3)
    return out


def lightness(lab: Lab) -> float | None:
    """Mean lightness ``L / 100`` of pixels (``N x 3``), ``None`` when there are none."""
    if lab.size == 0:
        return None
    return round(float(lab[..., 0].mean()) / 100.0, 3)


def shrink_parts(parts: BodyParts, scale: float) -> BodyParts:
    """``parts`` with every coordinate multiplied by ``scale`` (the crop was resized)."""
    return parts.mapped(scale)


def inner(box: Box, share: float = 0.15) -> Box:
    """``box`` less ``share`` of its width and height on each side (the middle of a garment)."""
    x1, y1, x2, y2 = box
    dx, dy = share * (x2 - x1), share * (y2 - y1)
    return (x1 + dx, y1 + dy, x2 - dx, y2 - dy)


def thighs_box(parts: BodyParts) -> Box | None:
    """The box around both thighs (hips to knees), or ``None`` when no thigh is seen."""
    if not parts.thighs:
        return None
    xs = [v for s in parts.thighs for v in (s[0], s[2])]
    ys = [v for s in parts.thighs for v in (s[1], s[3])]
    pad = parts.limb_width / 2
    return (min(xs) - pad, min(ys), max(xs) + pad, max(ys))
