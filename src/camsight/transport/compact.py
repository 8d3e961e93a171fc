"""Compact forms of the outbox's payloads for hubs that read them: the same events and records, fewer bytes.

A hub process that reads them says so on its presence message (MQTT 5 user property ``reads`` =
``compact-1``, :data:`READS`). While every hub process present does, an edge's batches
(:func:`camsight.transport.batch.pack` with ``compact=True``) carry:

- events (``schema_version`` 2, as before) and track records without the fields that are at their
  default (none, empty, ``status`` open, ...); ``schema_version`` and ``kind`` always stay;
- tracks as :class:`~camsight.transport.messages.TrackMessage` version 2: the record's path packed
  (:func:`camsight.transport.path.pack`, whole-number changes in three columns instead of float triples);
- of the versions of one event waiting in one batch, only the newest (:func:`newest_versions`); the
  older versions' rows are confirmed with it;
- compressed with the preset dictionary :data:`camsight.transport.wire.DICTIONARY`.

Nothing is lost: a compact form goes only when read back as the hub reads it, it gives exactly the event
or record the edge stored (else the row's payload goes as it is). The edge's outbox keeps the full form.

Example:
    >>> event = (
    ...     '{"schema_version":2,"id":"e1","site":"s","rule":"r","camera":"c","source":"f.mp4",'
    ...     '"source_id":"","zone":null,"track_ids":[],"start_s":1.0,"end_s":1.0,'
    ...     '"started_at":"2026-12-01T09:00:00Z","score":0.5,"status":"open","snapshot":null,'
    ...     '"kind":"loitering","dwell_s":1.0}'
    ... )
    >>> compact("camsight/s/events/c", event)
    '{"schema_version":2,"kind":"loitering","id":"e1","site":"s","rule":"r","camera":"c","source":"f.mp4","start_s":1.0,"end_s":1.0,"started_at":"2026-12-01T09:00:00Z","score":0.5,"dwell_s":1.0}'
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from camsight.events.models import EVENT_ADAPTER
from camsight.transport import path as paths
from camsight.transport.messages import PackedPath, TrackMessage

READS = ("reads", "compact-1")
"""The user property on a hub's presence message that says it reads these compact forms."""
Row = tuple[int, str, str]
"""``(outbox row id, topic, payload)``."""


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _event(payload: str) -> str:
    event = EVENT_ADAPTER.validate_json(payload)
    data = event.model_dump(mode="json", exclude_defaults=True)
    text = _dumps({"schema_version": event.schema_version, "kind": event.kind, **data})
    return text if EVENT_ADAPTER.validate_python(json.loads(text)) == event else payload


def _track(payload: str) -> str:
    sent = TrackMessage.model_validate_json(payload)
    record = sent.full_record()
    packed = paths.pack(record.path) if record.path else None
    message = TrackMessage(
        schema_version=2,
        record=record.model_copy(update={"path": ()}) if packed else record,
        path=PackedPath(t=packed[0], x=packed[1], y=packed[2]) if packed else None,
        thumbnail_jpeg=sent.thumbnail_jpeg,
    )
    data = message.model_dump(mode="json", exclude_defaults=True)
    data["record"] = {"schema_version": record.schema_version, **data["record"]}
    text = _dumps({"schema_version": 2, **data})
    back = TrackMessage.model_validate(json.loads(text))
    return text if (back.full_record(), back.thumbnail_jpeg) == (record, sent.thumbnail_jpeg) else payload


def compact(topic: str, payload: str) -> str:
    """The compact form of an outbox row's payload (an event or a track message); other payloads unchanged."""
    try:
        if "/events/" in topic:
            return _event(payload)
        if "/tracks/" in topic:
            return _track(payload)
    except (ValidationError, ValueError):  # not a payload this edge wrote: it goes as it is
        return payload
    return payload


def _event_id(topic: str, payload: str) -> str | None:
    if "/events/" not in topic:
        return None
    try:
        found = json.loads(payload).get("id")
    except (ValueError, AttributeError):
        return None
    return found if isinstance(found, str) else None


def newest_versions(rows: list[Row]) -> tuple[list[Row], dict[int, list[int]]]:
    """The rows without the event versions a later row of the same event (and topic) replaces.

    Returns the rows kept, in their order, and for each kept row the ids of the rows it replaces.

    Example:
        >>> a, b = '{"id": "a"}', '{"id": "b"}'
        >>> newest_versions([(1, "s/events/c", a), (2, "s/events/c", b), (3, "s/events/c", a)])
        ([(2, 's/events/c', '{"id": "b"}'), (3, 's/events/c', '{"id": "a"}')], {3: [1]})
    """
    last: dict[tuple[str, str], int] = {}
    keys = [_event_id(topic, payload) for _, topic, payload in rows]
    for (row_id, topic, _), key in zip(rows, keys, strict=True):
        if key is not None:
            last[(topic, key)] = row_id
    kept: list[Row] = []
    replaced: dict[int, list[int]] = {}
    for row, key in zip(rows, keys, strict=True):
        newest = last.get((row[1], key)) if key is not None else row[0]
        if newest == row[0]:
            kept.append(row)
        elif newest is not None:
            replaced.setdefault(newest, []).append(row[0])
    return kept, replaced
