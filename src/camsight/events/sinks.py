"""Where alerts and finished tracks go: sinks, each with one verb, ``publish(batch)``.

The drive loop (:mod:`camsight.apps.drive`) hands every sink the same :class:`Batch`: the alerts the
alert gate let through for one frame (new or updated, see :mod:`camsight.events.alerts`), the tracks
that ended then, and the frame itself for snapshots. The store is one sink
(:class:`camsight.store.sink.StoreSink`); the hub's outbox will be another, written in the same
transaction. A sink answers with what it :class:`Published`, so the loop can report alerts as they
start and measure how long they took.

Example:
    >>> class Printer:
    ...     def publish(self, batch: Batch) -> Published:
    ...         for alert in batch.alerts:
    ...             print(alert.kind, alert.status)
    ...         return Published(new=[(alert, 0.0) for alert in batch.alerts])
    >>> Printer().publish(Batch()).new
    []
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from camsight.core.frame import Frame
from camsight.core.records import TrackRecord
from camsight.core.tracks import FinishedTrack
from camsight.events.alerts import Held, Placement
from camsight.events.models import AnyEvent


@dataclass(frozen=True, slots=True, eq=False)
class Batch:
    """What one frame produced, for the sinks.

    Attributes:
        alerts: Alerts to write (new ones and new versions of open ones), in order.
        tracks: Tracks that ended.
        frame: The frame the alerts were raised on (privacy masks applied), for snapshots; None at the
            end of a stream or for alerts about finished tracks only.
        people: Boxes (``x1, y1, x2, y2``) of every person detected in ``frame``, tracked yet or not:
            their heads are blurred in snapshots.
        held: Versions of alerts a suppression held back (kept by the store, sent nowhere else).
        subjects: What each new (or held) alert is about, by alert id.
    """

    alerts: tuple[AnyEvent, ...] = ()
    tracks: tuple[FinishedTrack, ...] = ()
    frame: Frame | None = None
    people: NDArray[np.float32] = field(default_factory=lambda: np.zeros((0, 4), np.float32))
    held: tuple[Held, ...] = ()
    subjects: Mapping[str, Placement] = field(default_factory=dict)

    def __bool__(self) -> bool:
        """Whether there is anything to write."""
        return bool(self.alerts or self.tracks or self.held)


@dataclass(slots=True)
class Published:
    """What a sink wrote.

    Attributes:
        new: Alerts written for the first time, each with its latency: seconds from its frame's capture
            to the write (0 when unknown).
        updated: New versions of alerts written before (an open alert extended or closed).
        records: Track records written.
        held: Alerts a suppression held back, kept for the first time (not raised: sent nowhere else), and
            those a threshold held that were raised now (``released``).
    """

    new: list[tuple[AnyEvent, float]] = field(default_factory=list)
    updated: list[AnyEvent] = field(default_factory=list)
    records: list[TrackRecord] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)

    def merge(self, other: Published) -> Published:
        """Both together (what several sinks, or several batches, wrote)."""
        return Published(
            self.new + other.new, self.updated + other.updated, self.records + other.records, self.held + other.held
        )


class EventSink(Protocol):
    """Receives every batch of one source."""

    def publish(self, batch: Batch) -> Published:
        """Write one batch; say what was written."""
        ...


class FanOut:
    """Several sinks as one: each gets every batch, in order; the first one's answer is returned."""

    def __init__(self, sinks: Sequence[EventSink]) -> None:
        """Publish to ``sinks`` (at least one)."""
        if not sinks:
            raise ValueError("FanOut needs at least one sink")
        self.sinks = tuple(sinks)

    def publish(self, batch: Batch) -> Published:
        """Give the batch to every sink."""
        first = self.sinks[0].publish(batch)
        for sink in self.sinks[1:]:
            sink.publish(batch)
        return first
