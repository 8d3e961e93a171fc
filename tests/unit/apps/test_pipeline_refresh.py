"""The refresh rule's measure: the share of a tracked box that moves in the motion gate's small mask."""

from __future__ import annotations

import numpy as np
import pytest

from camsight.apps.pipeline import moving_shares


@pytest.mark.parametrize(
    ("box", "share"),
    [
        ((0, 0, 640, 360), 1.0),  # the moving top-left quarter itself
        ((0, 0, 1280, 720), 0.25),  # the whole frame
        ((320, 0, 960, 360), 0.5),  # half in it
        ((640, 360, 1280, 720), 0.0),  # the still bottom-right quarter
        ((-50, -50, 1e6, 1e6), 0.25),  # cut to the frame
        ((200, 200, 200, 200), 0.0),  # an empty box moves nothing
    ],
)
def test_moving_share_of_a_box(box: tuple[float, float, float, float], share: float) -> None:
    mask = np.zeros((90, 160), bool)  # a 1280 x 720 frame at the gate's 160 px width
    mask[:45, :80] = True  # its top-left quarter moves
    got = moving_shares(mask, np.array([box], np.float32), 1280)
    assert got.shape == (1,)
    assert got[0] == pytest.approx(share, abs=0.02)
