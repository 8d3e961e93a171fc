"""The outbox: messages for the hub, written in the store's transaction, deleted once the broker has them.

:class:`OutboxWriter` is one of the store sink's writers (``StoreSink(extras=...)``): for the alerts
and track records of a batch it adds rows (topic, JSON payload) in the same transaction that stores
them, so a message exists exactly when its row does. An event's first version and its last (closed)
are always written; the versions between, at most one every ``event_update_s`` seconds of the
source's time (the hub upserts the newest, so the ones left out only thin the updates it sees).
:mod:`camsight.transport.publisher` sends the rows and deletes each once the hub confirmed it.

Example:
    >>> from camsight.store import connect, upgrade
    >>> engine = connect(":memory:")
    >>> _ = upgrade(engine, site="docs")
    >>> with engine.begin() as conn:
    ...     status(conn).pending
    0
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import sqlalchemy as sa

from camsight.core.records import TrackRecord
from camsight.events.models import AnyEvent
from camsight.perception.privacy import fit_within
from camsight.store.schema import outbox
from camsight.transport import topics
from camsight.transport.messages import THUMBNAIL_SIDE, TrackMessage
from camsight.transport.path import simplify

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One message waiting to be sent."""

    id: int
    topic: str
    payload: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OutboxStatus:
    """How much waits, and since when."""

    pending: int
    oldest_s: float | None


def thumbnail_b64(media_root: Path, record: TrackRecord) -> str | None:
    """The record's stored thumbnail (already masked, head blurred) shrunk to 160 px, as base64 JPEG."""
    if not record.thumbnail:
        return None
    image = cv2.imread(str(media_root / record.thumbnail), cv2.IMREAD_COLOR)
    if image is None:
        return None
    ok, data = cv2.imencode(
        ".jpg", fit_within(np.asarray(image, dtype=np.uint8), THUMBNAIL_SIDE), [cv2.IMWRITE_JPEG_QUALITY, 75]
    )
    return base64.b64encode(data.tobytes()).decode() if ok else None


class OutboxWriter:
    """Writes a batch's alerts and track records to the outbox (a :class:`~camsight.store.sink.BatchWriter`)."""

    def __init__(
        self,
        *,
        media_root: Path,
        tracks: bool = True,
        thumbnails: bool = False,
        event_update_s: float = 0.0,
        path_tolerance: float = 0.0,
    ) -> None:
        """Thumbnails are read from ``media_root``; ``tracks`` False: events only; ``thumbnails`` True: with images.

        ``event_update_s``: an open event's versions after the first are written at most this often (seconds
        of the source's time); 0: every version. ``path_tolerance`` > 0: each record's path thinned
        (:func:`camsight.transport.path.simplify`) upstream; the store keeps it whole.
        """
        self.media_root = media_root
        self.tracks = tracks
        self.thumbnails = thumbnails
        self.event_update_s = event_update_s
        self.path_tolerance = path_tolerance
        self._written: dict[str, float] = {}  # open event id -> end_s of its last version written

    def _wanted(self, alert: AnyEvent) -> bool:
        """Whether this version of an event goes upstream (its first, its last, or one every ``event_update_s``)."""
        last = self._written.get(alert.id)
        if alert.status == "closed":
            self._written.pop(alert.id, None)
            return True
        if last is None or alert.end_s - last >= self.event_update_s:
            self._written[alert.id] = alert.end_s
            return True
        return False

    def write(self, conn: sa.Connection, alerts: Sequence[AnyEvent], records: Sequence[TrackRecord]) -> None:
        """Add a row per alert version wanted upstream and per track record, in the caller's transaction."""
        now = datetime.now(UTC)
        rows = [
            {"topic": topics.event_topic(a.site, a.camera), "payload": a.model_dump_json(), "created_at": now}
            for a in alerts
            if self._wanted(a)
        ]
        if self.tracks:
            for record in records:
                image = thumbnail_b64(self.media_root, record) if self.thumbnails else None
                if self.path_tolerance > 0:
                    record = record.model_copy(update={"path": simplify(record.path, tolerance=self.path_tolerance)})
                message = TrackMessage(record=record, thumbnail_jpeg=image)
                rows.append(
                    {
                        "topic": topics.track_topic(record.site, record.camera),
                        "payload": message.model_dump_json(),
                        "created_at": now,
                    }
                )
        if rows:
            conn.execute(sa.insert(outbox), rows)


def take(conn: sa.Connection, *, after_id: int, limit: int) -> list[OutboxRow]:
    """The next rows after ``after_id``, oldest first."""
    stmt = sa.select(outbox).where(outbox.c.id > after_id).order_by(outbox.c.id).limit(limit)
    return [OutboxRow(r.id, r.topic, r.payload, r.created_at) for r in conn.execute(stmt)]


def delete(conn: sa.Connection, *, ids: Sequence[int]) -> int:
    """Delete acknowledged rows; returns how many."""
    if not ids:
        return 0
    return int(conn.execute(sa.delete(outbox).where(outbox.c.id.in_(list(ids)))).rowcount)


def status(conn: sa.Connection, *, now: datetime | None = None) -> OutboxStatus:
    """How many rows wait, and how old the oldest is (seconds)."""
    count, oldest = conn.execute(sa.select(sa.func.count(), sa.func.min(outbox.c.created_at))).one()
    if not count or oldest is None:
        return OutboxStatus(0, None)
    if not isinstance(oldest, datetime):
        oldest = datetime.fromisoformat(str(oldest))
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return OutboxStatus(int(count), round(((now or datetime.now(UTC)) - oldest).total_seconds(), 1))
