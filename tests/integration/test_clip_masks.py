"""Privacy masks hold in every picture handed out: exported clips, stored thumbnails and snapshots, on real footage.

intel_worker-zone-detection_preview.mp4 (480x270, 15 fps, 71 frames): a worker in an orange vest walks
from the bottom edge up across the floor. The mask ``MASK`` covers his path through the first 25 frames
(his boxes there, by the detector: x 143-340, y 83-269), so parts of him are inside it while he is
still detected by what shows around it.

A masked pixel counts as black when no channel is above :data:`BLACK`: lossy coding leaves a little
grey in black (measured: at most 16 in the clips, 22 at one corner of a JPEG snapshot), never the
vest (over 150) or the floor (about 90-170). The polygon is taken one pixel in (codec bleed at its
edge); masks are burned in three pixels wider than the polygon (``MASK_MARGIN_PX``), which keeps the
bleed outside it.
"""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest
import sqlalchemy as sa
from numpy.typing import NDArray

from camsight.apps.analyze import Analyzer
from camsight.config import Config
from camsight.services import clips
from camsight.services.actor import os_actor
from camsight.sources import expand_paths
from camsight.store import open_store
from camsight.store.handle import Store
from camsight.store.schema import events, tracks

VIDEO = Path(__file__).resolve().parents[1] / "data" / "intel_worker-zone-detection_preview.mp4"
MASK = [[0.30, 0.45], [0.62, 0.40], [0.66, 1.0], [0.34, 1.0]]
SHOULDERS = [[0.15, 0.36], [0.42, 0.36], [0.42, 0.55], [0.15, 0.55]]  # right under his head once he stands
BLACK = 32
Image = NDArray[np.uint8]


def _config(*, blur_heads: bool, mask: list[list[float]] = MASK) -> Config:
    camera = {"id": "floor", "fps": 15, "masks": [mask], "rules": [{"kind": "loitering", "min_dwell_s": 2}]}
    return Config.model_validate({"site": "t", "cameras": [camera], "store": {"blur_heads": blur_heads}})


def _analysed(folder: Path, config: Config) -> Store:
    store = open_store(config, str(folder / "cs.db"))
    result = Analyzer(config, store).analyze(expand_paths([VIDEO])[0], config.cameras[0])
    assert result.status == "complete"
    return store


@pytest.fixture(scope="module")
def source() -> list[Image]:
    with av.open(str(VIDEO)) as container:
        return [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]


def _inside(mask: list[list[float]], shape: tuple[int, ...]) -> NDArray[np.bool_]:
    """A mask's pixels, one pixel in from its outline (rasterised here, not by camsight)."""
    height, width = shape[:2]
    area = np.zeros((height, width), np.uint8)
    cv2.fillPoly(area, [np.array([[round(x * width), round(y * height)] for x, y in mask], np.int32)], 255)
    return cv2.erode(area, np.ones((3, 3), np.uint8)) > 0


@pytest.fixture(scope="module")
def polygon(source: list[Image]) -> NDArray[np.bool_]:
    """The pixels of :data:`MASK`, one pixel in."""
    inner = _inside(MASK, source[0].shape)
    assert np.stack([f[inner] for f in source[:25]]).mean() > 60, "the masked area shows nothing to hide"
    return inner


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The clip analysed with the mask, heads not blurred in the store's pictures (the masks alone are checked)."""
    return _analysed(tmp_path_factory.mktemp("unblurred"), _config(blur_heads=False))


def _decoded(path: Path) -> list[Image]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]


def _not_black(image: Image, area: NDArray[np.bool_]) -> int:
    """How many pixels of ``area`` have a channel above :data:`BLACK`."""
    return int((image[area].max(axis=1) > BLACK).sum())


def _pictures(store: Store) -> tuple[list[Image], list[Image]]:
    """The stored thumbnails and snapshots."""
    with store.engine.connect() as conn:
        thumbnails = list(conn.execute(sa.select(tracks.c.thumbnail).where(tracks.c.thumbnail.is_not(None))).scalars())
        snapshots = list(conn.execute(sa.select(events.c.snapshot).where(events.c.snapshot.is_not(None))).scalars())
    return [cv2.imread(str(store.paths.media / p)) for p in thumbnails], [
        cv2.imread(str(store.paths.media / p)) for p in snapshots
    ]


def _placed(thumbnail: Image, source: list[Image], polygon: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """The mask's pixels in a thumbnail's coordinates, found by matching it against the masked source frames."""
    masked = [np.where(polygon[..., None], 0, f).astype(np.uint8) for f in source]
    found = [cv2.minMaxLoc(cv2.matchTemplate(f, thumbnail, cv2.TM_SQDIFF_NORMED)) for f in masked]
    score, _, (x, y), _ = min(found, key=lambda m: m[0])
    assert score < 0.1, "the thumbnail is not a crop of the clip"
    return polygon[y : y + thumbnail.shape[0], x : x + thumbnail.shape[1]]


@pytest.mark.parametrize("blur", [True, False], ids=["blurred", "no-blur"])
def test_every_frame_of_an_exported_clip_is_black_within_the_mask(
    stored: Store, source: list[Image], polygon: NDArray[np.bool_], tmp_path: Path, blur: bool
) -> None:
    with stored.engine.connect() as conn:
        event_id = conn.execute(sa.select(events.c.id)).scalar_one()
    result = clips.export(
        stored,
        actor=os_actor(),
        config=_config(blur_heads=True),
        ref=event_id,
        output=tmp_path / "clip.mp4",
        pre_s=5,
        post_s=5,
        blur=blur,
    )
    frames = _decoded(result.path)
    assert (result.reencoded, result.masks, result.blurred, len(frames)) == (True, 1, blur, len(source))
    leaks = {i: n for i, f in enumerate(frames) if (n := _not_black(f, polygon))}
    assert not leaks, f"frames showing pixels of the masked area (frame: pixels): {leaks}"
    assert max(float(f[polygon].mean()) for f in frames) < 3
    outside = ~cv2.dilate(polygon.astype(np.uint8), np.ones((15, 15), np.uint8)).astype(bool)
    if not blur:  # the rest of the picture is the video as recorded (re-encoding noise only)
        assert np.mean([np.abs(c.astype(int) - s)[outside].mean() for c, s in zip(frames, source, strict=True)]) < 4


def test_stored_thumbnails_and_snapshots_are_black_within_the_mask(
    stored: Store, source: list[Image], polygon: NDArray[np.bool_]
) -> None:
    thumbnails, snapshots = _pictures(stored)
    assert thumbnails
    assert snapshots
    (snapshot,) = snapshots
    assert _not_black(snapshot, polygon) == 0
    covered = 0
    for thumbnail in thumbnails:
        area = _placed(thumbnail, source, polygon)
        covered += int(area.sum())
        assert _not_black(thumbnail, area) == 0
    assert covered > 1000, "no thumbnail shows where the mask is: the check proves nothing"


def test_a_blurred_snapshot_stays_black_within_a_mask_under_a_head(tmp_path: Path, source: list[Image]) -> None:
    store = _analysed(tmp_path, _config(blur_heads=True, mask=SHOULDERS))
    _, snapshots = _pictures(store)
    area = _inside(SHOULDERS, source[0].shape)
    assert snapshots
    assert [_not_black(s, area) for s in snapshots] == [0] * len(snapshots)  # measured: hundreds of pixels, up to 76
