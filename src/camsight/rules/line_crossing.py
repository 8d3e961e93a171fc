"""Line crossing: an object's feet cross a directed line segment.

Direction, on screen: stand on ``a`` and look towards ``b`` in the image (x right, y down). "Left"
is the side on your left hand, "right" the side on your right hand. So for a line drawn from the
bottom of the image to the top (``a`` below ``b``), ``left_to_right`` is a move from the left of
the screen to its right; for a line drawn left to right (``a`` left of ``b``), ``left_to_right`` is a
move from the top half to the bottom half. In terms of :meth:`~camsight.core.geometry.Line.side`
(the cross product of ``b - a`` and ``p - a`` in image coordinates, y down), the on-screen left is
``side < 0`` (:data:`LEFT_SIDE_SIGN`).

Jitter: a track standing on the line makes its anchor hop from side to side. A position only counts
once it is *settled* on a side: more than :data:`MARGIN_PX` pixels from the segment, or on the same
side for at least :data:`MIN_STREAK` observations in a row. A crossing is the move from the last
settled position to a settled position on the other side, and must cross the segment itself
(:meth:`~camsight.core.geometry.Line.crossed`), not its extension. It is reported at the frame that
settles it, as an event opened and closed at once (``start_s == end_s == now``), only while the
schedule is on and when its direction matches ``config.direction``.

Score: mean detection confidence of the two settled observations either side of the line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from camsight.config.models import LineCrossingRule
from camsight.core.detections import Detections
from camsight.core.geometry import Line, Point
from camsight.events.models import AnyEvent, LineCrossingEvent
from camsight.rules.base import RuleContext, scheduled
from camsight.rules.shared import LineRule, Observation, class_name, closed, event_fields, observe, score_of

#: Sign of :meth:`Line.side` on the on-screen left of ``a → b`` (image y points down).
LEFT_SIDE_SIGN = -1
#: A position farther than this from the segment (pixels) is settled on its side at once.
MARGIN_PX = 2.0
#: Observations in a row on one side that settle a position closer than :data:`MARGIN_PX`.
MIN_STREAK = 2
#: Per-track state is dropped when the track has not been seen for this long (seconds).
FORGET_AFTER_S = 10.0


@dataclass(slots=True)
class _TrackSide:
    """Where one track is relative to the line."""

    sign: int = 0
    streak: int = 0
    settled: Point | None = None
    settled_sign: int = 0
    settled_confidence: float = 0.0
    last_seen_s: float = 0.0


class LineCrossing(LineRule[LineCrossingRule]):
    """Raise an event each time a watched object crosses a line (see the module docstring)."""

    config_type = LineCrossingRule

    def __init__(self, config: LineCrossingRule, line: Line, ctx: RuleContext) -> None:
        super().__init__(config, line, ctx)
        self._tracks: dict[int, _TrackSide] = {}

    def update(self, dets: Detections, now: float) -> list[AnyEvent]:
        """Consume one frame; return the crossings settled at ``now`` (each opened and closed)."""
        obs = observe(dets, self._classes, None)
        events: list[AnyEvent] = []
        if obs:
            anchors = np.array([ob.anchor for ob in obs], dtype=np.float64)
            signs = np.sign(self._line.side(anchors)).astype(int)
            distances = self._line.distance(anchors)
            for ob, sign, dist in zip(obs, signs, distances, strict=True):
                event = self._step(ob, int(sign), float(dist), now)
                if event is not None:
                    events += [event, closed(event, now)]
        for track_id in [t for t, s in self._tracks.items() if now - s.last_seen_s > FORGET_AFTER_S]:
            del self._tracks[track_id]
        return events

    def close(self, now: float) -> list[AnyEvent]:
        """Crossings are closed as soon as they are raised: nothing is left open."""
        self._tracks.clear()
        return []

    def _step(self, ob: Observation, sign: int, dist: float, now: float) -> LineCrossingEvent | None:
        st = self._tracks.setdefault(ob.track_id, _TrackSide())
        st.streak = st.streak + 1 if sign == st.sign and sign != 0 else int(sign != 0)
        st.sign = sign
        st.last_seen_s = now
        if sign == 0 or (st.streak < MIN_STREAK and dist <= MARGIN_PX):
            return None
        before, before_sign, before_conf = st.settled, st.settled_sign, st.settled_confidence
        st.settled, st.settled_sign, st.settled_confidence = ob.anchor, sign, ob.confidence
        if before is None or before_sign == sign or not self._line.crossed(before, ob.anchor):
            return None
        direction = "left_to_right" if before_sign == LEFT_SIDE_SIGN else "right_to_left"
        if self._config.direction not in ("any", direction) or not scheduled(self._config, self._ctx, now):
            return None
        return LineCrossingEvent(
            **event_fields(self._ctx, self.name, "line_crossing", ob.track_id, now),
            zone=self._config.line,
            track_ids=(ob.track_id,),
            score=score_of((before_conf + ob.confidence) / 2),
            object_class=class_name(ob.class_id),
            direction=direction,
        )
