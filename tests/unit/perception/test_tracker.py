from __future__ import annotations

import numpy as np
import pytest

from camsight.config import TrackerConfig
from camsight.core.detections import Detections
from camsight.perception.track import Tracker

CONFIG = TrackerConfig()  # activation 0.3, lost 3 s, 2 frames before an id


def dets(*boxes: tuple[float, float, float, float, int], score: float = 0.9) -> Detections:
    """Detections from (x1, y1, x2, y2, class_id) tuples."""
    arr = np.array(boxes, np.float32).reshape(-1, 5)
    return Detections.from_arrays(xyxy=arr[:, :4], confidence=np.full(len(arr), score), class_id=arr[:, 4])


def walker(i: int, cls: int = 0, x0: float = 100, y0: float = 100) -> tuple[float, float, float, float, int]:
    x = x0 + 8 * i
    return (x, y0, x + 40, y0 + 100, cls)


def test_box_moving_right_keeps_one_id() -> None:
    tracker = Tracker(CONFIG, fps=5)
    outs = [tracker.update(dets(walker(i))) for i in range(10)]
    assert len(outs[0]) == 0  # needs min_consecutive_frames = 2 before it gets an id
    ids = {int(t) for out in outs[1:] for t in out.tracker_id}
    assert len(ids) == 1
    assert all(len(out) == 1 for out in outs[1:])
    np.testing.assert_array_equal(outs[-1].xyxy, dets(walker(9)).xyxy)  # the detection's box, not the filter's


def test_one_frame_is_enough_with_min_consecutive_frames_1() -> None:
    tracker = Tracker(TrackerConfig(min_consecutive_frames=1), fps=5)
    assert len(tracker.update(dets(walker(0)))) == 1


def test_groups_never_share_ids() -> None:
    """A person and a car on the same spot, and a backpack: three tracks, three different ids."""
    tracker = Tracker(CONFIG, fps=5)
    for i in range(6):
        out = tracker.update(dets(walker(i, cls=0), walker(i, cls=2), walker(i, cls=24, y0=300)))
    assert sorted(out.class_id.tolist()) == [0, 2, 24]
    assert len(set(out.tracker_id.tolist())) == 3


def test_two_people_get_two_ids_that_follow_them() -> None:
    tracker = Tracker(CONFIG, fps=5)
    history: dict[int, list[float]] = {}
    for i in range(8):
        out = tracker.update(dets(walker(i, y0=50), walker(i, y0=300)))
        for tid, box in zip(out.tracker_id.tolist(), out.xyxy, strict=True):
            history.setdefault(tid, []).append(float(box[1]))
    assert len(history) == 2
    assert all(len(set(ys)) == 1 for ys in history.values())  # each id stays on its own person


def test_input_is_left_unchanged_and_read_only() -> None:
    tracker = Tracker(CONFIG, fps=5)
    for i in range(3):
        d = dets(walker(i), walker(i, cls=2, y0=300))
        before = (d.xyxy.copy(), d.confidence.copy(), d.class_id.copy(), d.tracker_id.copy())
        out = tracker.update(d)
        for arr, old in zip((d.xyxy, d.confidence, d.class_id, d.tracker_id), before, strict=True):
            np.testing.assert_array_equal(arr, old)
            assert not arr.flags.writeable
        assert out is not d
        assert not out.tracker_id.flags.writeable
    assert (d.tracker_id == -1).all()
    assert (out.tracker_id > 0).all()


def test_output_keeps_input_order_and_only_tracked_boxes() -> None:
    tracker = Tracker(CONFIG, fps=5)
    tracker.update(dets(walker(0, cls=2), walker(0, cls=0, y0=300)))
    out = tracker.update(dets(walker(1, cls=2), walker(1, cls=0, y0=300), walker(0, cls=0, x0=500)))
    assert out.class_id.tolist() == [2, 0]  # the newcomer at x=500 has no id yet
    assert out.tracked.all()


@pytest.mark.parametrize(
    ("fps", "gap_s", "same_id"), [(5, 2.0, True), (5, 4.0, False), (15, 2.0, True), (15, 4.0, False)]
)
def test_lost_track_is_kept_for_lost_track_s(fps: float, gap_s: float, same_id: bool) -> None:
    tracker = Tracker(CONFIG, fps=fps)  # lost_track_s = 3
    first = [tracker.update(dets(walker(0))) for _ in range(3)][-1]
    for _ in range(round(gap_s * fps)):
        tracker.update(Detections.empty())
    assert tracker.active is same_id
    again = [tracker.update(dets(walker(0))) for _ in range(3)][-1]
    assert (int(again.tracker_id[0]) == int(first.tracker_id[0])) is same_id


def test_active_follows_the_tracks() -> None:
    tracker = Tracker(CONFIG, fps=5)
    assert not tracker.active
    tracker.update(dets(walker(0)))
    assert tracker.active  # tentative track
    tracker.update(dets(walker(1)))
    for _ in range(16):  # 3.2 s without the person
        tracker.update(Detections.empty())
    assert not tracker.active


def test_reset_drops_tracks_and_never_reuses_ids() -> None:
    tracker = Tracker(CONFIG, fps=5)
    old = [tracker.update(dets(walker(i))) for i in range(3)][-1]
    tracker.reset()
    assert not tracker.active
    new = [tracker.update(dets(walker(i))) for i in range(3)][-1]
    assert int(new.tracker_id[0]) != int(old.tracker_id[0])


def test_empty_input() -> None:
    out = Tracker(CONFIG, fps=5).update(Detections.empty())
    assert len(out) == 0


def test_fps_must_be_positive() -> None:
    with pytest.raises(ValueError, match="fps"):
        Tracker(CONFIG, fps=0)
