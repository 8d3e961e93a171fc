"""Person down: a fast change from upright to lying that then stays down for ``hold_s`` (a fall).

Definition, from the person's boxes alone (see :mod:`camsight.perception.posture`; aspect = box
height / width):

* **Upright**: aspect >= :data:`~camsight.perception.posture.UPRIGHT_ASPECT` (1.4): standing, or
  seated with the torso up. The person's *reference* is their tallest upright box in the last
  :data:`UPRIGHT_MEMORY_S` seconds.
* **Lying**: posture ``lying`` *and* aspect <= :data:`~camsight.perception.posture.LYING_ASPECT`
  (0.8): the box is clearly wider than tall. Bending over, crouching and sitting give boxes about
  as tall as wide or taller (aspect 1.0-2.5), so they never count as lying.
* **Going down**: a lying sighting (anchor in the zone, if any) at most ``max_fall_s`` after the
  last upright sighting, whose top edge (the head) is at least :data:`DROP_SHARE` (0.4) of the
  reference height below the reference's top edge. Lying down on purpose takes longer than a fall;
  a top-down camera, where a turning person's box changes shape without dropping, fails the drop.
* **Staying down**: the person is not seen upright again for ``hold_s`` after the first lying
  sighting, their latest sighting is lying, and they were seen within ``max_unseen_s`` (a person
  lying still is often missed by the detector, so gaps are allowed). Then one event opens with
  ``start_s`` = the first lying sighting and ``fall_s`` = the last upright one.
* **End**: the event closes when the person is seen upright again, when they have not been seen
  for ``max_unseen_s``, or at the end of the stream; ``end_s`` is the last sighting while down.
  After getting up, a new fall raises a new event.

A fall often breaks the track: the detector misses the falling body and the tracker gives the
lying person a new id. So a *new* track continues a person who is absent from the frame, was seen
at most ``max_unseen_s`` ago and whose last anchor (feet) lies within :data:`SAME_PERSON_HEIGHTS`
reference heights of the new box's centre (the nearest wins); ``track_ids`` lists every id.

**From pose**, where the pipeline has it (:class:`camsight.perception.posture.PosePostures` reads people
whose box is not clearly standing and hands the readings to :meth:`PersonDown.take_poses`): a sighting
also counts as lying when pose shows the torso near horizontal with the hips low
(:func:`camsight.perception.posture.pose_lying`), which catches what the box misses: the head out of
view, a person half hidden by furniture (the box is only the visible part), a short fall from a bed.
Bending over (hips high) and crouching or sitting (torso upright) do not. A pose-lying sighting is
never upright, and the head's drop may be measured at the pose's head box. The rule owns no model:
readings are geometry, like boxes.

Score: mean detection confidence of the person's lying sightings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from camsight.config.models import PersonDownRule
from camsight.core.detections import Detections
from camsight.core.geometry import Polygon
from camsight.events.models import AnyEvent, PersonDownEvent
from camsight.perception.posture import (
    LYING_ASPECT,
    PoseReading,
    aspect_of,
    classify_posture,
    is_upright,
    pose_lying,
)
from camsight.rules.base import RuleContext, scheduled
from camsight.rules.kinematics import Sighting, sightings
from camsight.rules.shared import MeanScore, ZoneRule, closed, event_fields

#: Upright sightings are remembered this long (seconds) to find the person's reference height.
UPRIGHT_MEMORY_S = 5.0
#: The head must drop at least this share of the reference height between upright and lying.
DROP_SHARE = 0.4
#: A new track within this many reference heights of a lost person continues that person.
SAME_PERSON_HEIGHTS = 1.0
#: A pose reading of lying counts for this long (seconds): readings come about every 0.4 s, boxes every frame.
POSE_HOLD_S = 0.5
#: Tolerance (seconds) on durations, so that frame times like 5.6 - 3.6 reach 2.0.
EPS = 1e-6


@dataclass(slots=True)
class _Down:
    """A person seen going down, waiting for ``hold_s`` or already raised."""

    start_s: float
    fall_s: float
    last_lying_s: float
    score: MeanScore = field(default_factory=MeanScore)
    event: PersonDownEvent | None = None


@dataclass(slots=True)
class _Person:
    """One person, possibly under several track ids."""

    track_ids: list[int]
    last: Sighting
    uprights: list[Sighting] = field(default_factory=list)
    down: _Down | None = None
    pose_down_t: float | None = None

    @property
    def reference(self) -> Sighting | None:
        """The tallest remembered upright sighting."""
        return max(self.uprights, key=lambda s: s.height, default=None)


def lying(sighting: Sighting, reference: Sighting | None, pose: PoseReading | None = None) -> bool:
    """Whether a sighting is lying in the sense of this rule: the box (posture ``lying``, aspect <= 0.8) or pose."""
    if pose is not None and pose_lying(pose, sighting.box, reference.height if reference else None):
        return True
    posture, _ = classify_posture(sighting.box, upright_height=reference.height if reference else None)
    return posture == "lying" and aspect_of(sighting.box) <= LYING_ASPECT


class PersonDown(ZoneRule[PersonDownRule]):
    """Raise one event per fall (see the module docstring for the definition)."""

    config_type = PersonDownRule

    def __init__(self, config: PersonDownRule, zone: Polygon | None, ctx: RuleContext) -> None:
        super().__init__(config, zone, ctx)
        self._people: list[_Person] = []
        self._by_track: dict[int, _Person] = {}
        self._poses: dict[int, PoseReading] = {}

    def take_poses(self, readings: dict[int, PoseReading]) -> None:
        """Pose readings of this frame's people (by tracker id), to be used by the next :meth:`update`."""
        self._poses = readings

    def update(self, dets: Detections, now: float) -> list[AnyEvent]:
        """Consume one frame; return events that started or ended at ``now``."""
        seen = sightings(dets, self._classes, self._zone, now)
        events: list[AnyEvent] = []
        for track_id, sighting in seen.items():
            person = self._by_track.get(track_id) or self._adopt(track_id, sighting, set(seen))
            if person is None:
                person = _Person([track_id], sighting)
                self._people.append(person)
                self._by_track[track_id] = person
            events += self._observe(person, sighting, self._pose(track_id, now))
        self._poses = {}
        for person in list(self._people):
            events += self._check(person, now)
        return events

    def close(self, now: float) -> list[AnyEvent]:
        """End every open event (``end_s`` = the person's last sighting while down)."""
        events: list[AnyEvent] = [self._end(p.down) for p in self._people if p.down and p.down.event]
        self._people.clear()
        self._by_track.clear()
        return events

    def _pose(self, track_id: int, now: float) -> PoseReading | None:
        reading = self._poses.get(track_id)
        return reading if reading is not None and abs(reading.t - now) <= EPS else None

    def _observe(self, person: _Person, sighting: Sighting, pose: PoseReading | None = None) -> list[AnyEvent]:
        """Take one sighting of a person: remember uprights, start, confirm or cancel a fall."""
        person.last = sighting
        memory = max(UPRIGHT_MEMORY_S, self._config.max_fall_s)
        person.uprights = [s for s in person.uprights if s.t >= sighting.t - memory]
        reference = person.reference
        is_down = lying(sighting, reference, pose)
        if is_down and pose is not None:
            person.pose_down_t = sighting.t
        if is_upright(sighting.box) and not is_down and not self._pose_down_recently(person, sighting.t):
            person.uprights.append(sighting)
            down, person.down = person.down, None  # got up
            return [self._end(down)] if down and down.event else []
        if not is_down and not self._pose_down_recently(person, sighting.t):
            return []
        if person.down is not None:
            person.down.last_lying_s = sighting.t
            person.down.score.add(sighting.confidence)
        elif is_down and sighting.inside and self._fell(person, sighting, reference, pose):
            person.down = _Down(start_s=sighting.t, fall_s=person.uprights[-1].t, last_lying_s=sighting.t)
            person.down.score.add(sighting.confidence)
        return []

    def _pose_down_recently(self, person: _Person, t: float) -> bool:
        """Whether pose saw the person lying within the last pose interval (between readings, boxes can mislead)."""
        return person.pose_down_t is not None and t - person.pose_down_t <= POSE_HOLD_S + EPS

    def _fell(
        self, person: _Person, sighting: Sighting, reference: Sighting | None, pose: PoseReading | None = None
    ) -> bool:
        """Whether a lying sighting follows an upright one fast enough and with the head dropped."""
        if reference is None or not person.uprights:
            return False
        fast = sighting.t - person.uprights[-1].t <= self._config.max_fall_s
        top = max(sighting.box[1], pose.head_y) if pose is not None else sighting.box[1]
        dropped = top - reference.box[1] >= DROP_SHARE * reference.height
        return fast and dropped

    def _check(self, person: _Person, now: float) -> list[AnyEvent]:
        """Open a held fall, or forget a person unseen for too long (ending their event)."""
        down = person.down
        unseen = now - person.last.t > self._config.max_unseen_s
        if unseen:
            self._forget(person)
            return [self._end(down)] if down and down.event else []
        if down is None or down.event is not None or now - down.start_s < self._config.hold_s - EPS:
            return []
        still_down = lying(person.last, person.reference) or self._pose_down_recently(person, person.last.t)
        if not still_down or not scheduled(self._config, self._ctx, now):
            return []
        down.event = PersonDownEvent(
            **event_fields(self._ctx, self.name, "person_down", person.track_ids[0], down.start_s),
            zone=self._config.zone,
            track_ids=tuple(person.track_ids),
            score=down.score.value,
            fall_s=down.fall_s,
            down_s=now - down.start_s,
        )
        return [down.event]

    def _adopt(self, track_id: int, sighting: Sighting, present: set[int]) -> _Person | None:
        """The absent person a new track continues (an id switch during a fall), if any."""
        best: _Person | None = None
        best_distance = math.inf
        cx, cy = sighting.center
        for person in self._people:
            if present.intersection(person.track_ids):
                continue
            reference = person.reference
            scale = max(reference.height if reference else 0.0, person.last.height, sighting.height)
            distance = math.dist((cx, cy), person.last.anchor)
            if distance <= SAME_PERSON_HEIGHTS * scale and distance < best_distance:
                best, best_distance = person, distance
        if best is not None:
            best.track_ids.append(track_id)
            self._by_track[track_id] = best
        return best

    def _forget(self, person: _Person) -> None:
        self._people.remove(person)
        for track_id in person.track_ids:
            self._by_track.pop(track_id, None)

    def _end(self, down: _Down) -> PersonDownEvent:
        assert down.event is not None
        return closed(down.event, down.last_lying_s, score=down.score.value, down_s=down.last_lying_s - down.start_s)
