"""Compact forms of the outbox's payloads for hubs that read them: the same events and records, fewer bytes.

A hub process that reads them says so on its presence message (MQTT 5 user property ``reads``): a hub of
this release says ``compact-3`` (:data:`READS_3`), ``compact-2`` (:data:`READS`) and ``compact-1``
(:data:`READS_1`: it reads the forms of the releases before too). While every hub process present says
``compact-3``, an edge's batches (:func:`camsight.transport.batch.pack` with ``compact=True``) carry form
3; while every one says ``compact-2``, form 2; else (a hub that reads only ``compact-1``, or none) they
carry the full forms, as to any hub that reads batches. Form 1 is:

- events (``schema_version`` 2, as before) and track records without the fields that are at their
  default (none, empty, ``status`` open, ...); ``schema_version`` and ``kind`` always stay;
- tracks as :class:`~camsight.transport.messages.TrackMessage` version 2: the record's path packed
  (:func:`camsight.transport.path.pack`, whole-number changes in three columns instead of float triples);
- of the versions of one event waiting in one batch, only the newest (:func:`newest_versions`); the
  older versions' rows are confirmed with it;
- compressed with the preset dictionary :data:`camsight.transport.wire.DICTIONARY`.

Form 2 is form 1 without what the hub derives exactly from the topic and the edge's naming rules, which
:func:`expand` puts back before the models read it: ``site`` (always left out: its absence says form 2)
and ``camera`` (the topic's); ``source_id`` when it is the id a file source gets
(:func:`camsight.store.sources_repo.source_id` of the stored path); an event's ``id`` when it is the one
its rule gives it (``event_id`` of its fields, its first track or else its kind as the key), its
``snapshot`` when it is ``<camera>/<source_id>/event-<id>.jpg``, its ``end_s`` when it equals
``start_s``; a record's ``id`` when it is ``<source_id>:<tracker_id>``, its ``thumbnail`` when it is
``<camera>/<source_id>/track-<tracker_id>.jpg`` and its ``ended_at`` when it is ``started_at`` plus
``end_s - start_s`` to the microsecond; and of a packed path, the first time is said relative to the
record's ``start_s`` (0 when the path starts there), and times one constant step apart go as that step
(``"dt": 20`` instead of ``"t"``). A ``snapshot``, ``thumbnail`` or ``source_id`` that differs is
written, ``null`` or ``""`` included.

Form 3 (hubs that say ``compact-3``, :data:`READS_3`) is form 2 with a source the hub holds named by its
id alone (``source`` left out, ``source_id`` written; ``known`` lists those ids: the sources the hub
confirmed an item of that carried the source whole), which :func:`expand` looks up with ``sources`` (it
raises :class:`UnknownSource` when the hub holds nothing of it: the hub then leaves the message
unconfirmed, and the edge sends it again with every source whole), and a packed path whose x and y are
all whole thousandths in thousandths (``"p": 3``). (Its payloads are raw DEFLATE,
:func:`camsight.transport.wire.encode` with ``raw``.)

Nothing is lost: a compact form goes only when read back as the hub reads it (:func:`expand`, then the
model), it gives exactly the event or record the edge stored (else the row's payload goes as it is). The
edge's outbox keeps the full form.

Example:
    >>> event = (
    ...     '{"schema_version":2,"id":"e1","site":"s","rule":"r","camera":"c","source":"f.mp4",'
    ...     '"source_id":"","zone":null,"track_ids":[],"start_s":1.0,"end_s":1.0,'
    ...     '"started_at":"2026-12-01T09:00:00Z","score":0.5,"status":"open","snapshot":null,'
    ...     '"kind":"loitering","dwell_s":1.0}'
    ... )
    >>> compact("camsight/s/events/c", event, form=1)
    '{"schema_version":2,"kind":"loitering","id":"e1","site":"s","rule":"r","camera":"c","source":"f.mp4","start_s":1.0,"end_s":1.0,"started_at":"2026-12-01T09:00:00Z","score":0.5,"dwell_s":1.0}'
    >>> small = compact("camsight/s/events/c", event)
    >>> small
    '{"schema_version":2,"kind":"loitering","id":"e1","rule":"r","source":"f.mp4","start_s":1.0,"started_at":"2026-12-01T09:00:00Z","score":0.5,"dwell_s":1.0,"source_id":"","snapshot":null}'
    >>> back = expand("events", "s", "c", json.loads(small))
    >>> EVENT_ADAPTER.validate_python(back) == EVENT_ADAPTER.validate_json(event)
    True
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from camsight.events.models import EVENT_ADAPTER, event_id
from camsight.store.paths import snapshot_path, thumbnail_path
from camsight.store.sources_repo import key_id
from camsight.transport import path as paths
from camsight.transport import topics
from camsight.transport.messages import PackedPath, TrackMessage

READS = ("reads", "compact-2")
"""The user property on a hub's presence message that says it reads the compact forms of this release."""
READS_1 = ("reads", "compact-1")
"""What hubs reading only the first compact forms (no fields left out that the topic or naming rules give) say."""
READS_3 = ("reads", "compact-3")
"""What a hub that reads compact form 3 says: sources by reference, paths in thousandths, raw DEFLATE."""
HUB_READS = (READS_1, READS, READS_3)
"""What a hub of this release says it reads: all three (it reads the compact forms of older edges too)."""
Row = tuple[int, str, str]
"""``(outbox row id, topic, payload)``."""
Derive = Callable[[str, dict[str, Any]], dict[str, Any]]
"""What the hub derives of an item's fields (JSON form) at a site: ``{field: value}``."""
SourceLookup = Callable[[str, str], str | None]
"""``(site, source id) -> the source's uri``, or None when the hub holds nothing of that source."""


class UnknownSource(Exception):  # noqa: N818 (not an error of the data: the hub does not hold the source yet)
    """A form 3 item names its source by id, and the hub holds nothing of that source (yet)."""

    def __init__(self, site: str, source_id: str) -> None:
        super().__init__(f"unknown source: {site}/{source_id[:40]!r} is not held here")
        self.site, self.source_id = site, source_id


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _event_key(data: dict[str, Any]) -> str:
    """The id an event of these fields gets (its first track, else its kind: see ``rules.shared.event_fields``)."""
    tracks = data.get("track_ids") or ()
    key = tracks[0] if tracks else data.get("kind")
    return event_id(
        data["site"],
        data["source_id"],
        data["camera"],
        data["source"],
        data["rule"],
        data["kind"],
        key,
        round(float(data["start_s"]), 2),
    )


def _snapshot(data: dict[str, Any]) -> str:
    return snapshot_path(data["camera"], data["source_id"], data["id"])


def _thumbnail(data: dict[str, Any]) -> str:
    return thumbnail_path(data["camera"], data["source_id"], data["tracker_id"])


def _ended_at(data: dict[str, Any]) -> str:
    started = datetime.fromisoformat(str(data["started_at"]).replace("Z", "+00:00"))
    ended = started + timedelta(seconds=float(data["end_s"]) - float(data["start_s"]))
    return ended.isoformat().replace("+00:00", "Z")


def _restore(
    data: dict[str, Any], site: str, camera: str | None, *, track: bool, sources: SourceLookup | None
) -> dict[str, Any]:
    """``data`` (an event or a track record in the compact form 2 or 3) with what it left out put back.

    Raises:
        UnknownSource: It names its source by id (form 3) and ``sources`` does not know that id.
    """
    out = {"site": site, **({"camera": camera} if camera is not None else {}), **data}
    if "source" not in out and isinstance(out.get("source_id"), str):  # form 3: the source by reference
        uri = sources(site, out["source_id"]) if sources is not None else None
        if uri is None:
            raise UnknownSource(site, out["source_id"])
        out["source"] = uri
    if "source_id" not in out and isinstance(out.get("source"), str):
        out["source_id"] = key_id(site=site, key=out["source"])
    with contextlib.suppress(KeyError, TypeError, ValueError):  # not derivable: the model says what is missing
        if track:
            out.setdefault("id", f"{out['source_id']}:{out['tracker_id']}")
            out.setdefault("thumbnail", _thumbnail(out))
            out.setdefault("ended_at", _ended_at(out))
        else:
            out.setdefault("end_s", out["start_s"])
            out.setdefault("id", _event_key(out))
            out.setdefault("snapshot", _snapshot(out))
    return out


def expand(
    kind: str, site: str, camera: str | None, data: dict[str, Any], *, sources: SourceLookup | None = None
) -> dict[str, Any]:
    """A received event or track message as the models read it: the compact forms' left-out fields restored.

    ``kind``, ``site`` and ``camera`` are the topic's (:func:`camsight.transport.topics.parse`). A form 2
    or 3 says so by having no ``site`` (every other form has one): the site and camera are the topic's,
    and what the edge's naming rules give is computed as the edge does; a source named by its id only
    (form 3) is looked up with ``sources``. Anything else is returned unchanged.

    Raises:
        UnknownSource: A form 3 item names a source ``sources`` does not know.
    """
    if kind == "events" and "site" not in data:
        return _restore(data, site, camera, track=False, sources=sources)
    record = data.get("record")
    if kind == "tracks" and isinstance(record, dict) and "site" not in record:
        out = {**data, "record": _restore(record, site, camera, track=True, sources=sources)}
        with contextlib.suppress(KeyError, TypeError, ValueError, IndexError):  # else the model says what is wrong
            out["path"] = _path_back(data["path"], float(record["start_s"]))
        return out
    return data


def _first_time(start_s: float) -> int:
    """A path's first time as :func:`camsight.transport.path.pack` gives it when the path starts at ``start_s``."""
    return round(start_s / paths.TIME_STEP)


COARSE = 10
"""Form 3: x and y of a path all on the grid of thousandths go in thousandths (``"p": 3``), this many units each."""


def _small_path(path: dict[str, Any], start_s: float, form: int) -> dict[str, Any]:
    """A packed path in form 2: the first time relative to the record's start, a constant step as ``dt``.

    Form 3 also: x and y in thousandths (``"p": 3``) when every value is a whole number of them.
    """
    t = path["t"]
    first = t[0] - _first_time(start_s)
    if first == 0 and len(t) > 2 and len(set(t[1:])) == 1:
        out = {"dt": t[1], "x": path["x"], "y": path["y"]}
    else:
        out = {**path, "t": [first, *t[1:]]}
    if form >= 3 and all(v % COARSE == 0 for v in (*path["x"], *path["y"])):
        out.update(x=[v // COARSE for v in path["x"]], y=[v // COARSE for v in path["y"]], p=3)
    return out


def _path_back(path: dict[str, Any], start_s: float) -> dict[str, Any]:
    """The packed path of form 1 from that of form 2 or 3 (:func:`_small_path`)."""
    if path.get("p") == 3:
        path = {k: v for k, v in path.items() if k != "p"}
        path.update(x=[v * COARSE for v in path["x"]], y=[v * COARSE for v in path["y"]])
    if "dt" in path:
        rest = {k: v for k, v in path.items() if k != "dt"}
        return {"t": [_first_time(start_s)] + [path["dt"]] * (len(path["x"]) - 1), **rest}
    return {**path, "t": [path["t"][0] + _first_time(start_s), *path["t"][1:]]}


def _leave_out(data: dict[str, Any], full: dict[str, Any], derived: dict[str, Any]) -> None:
    """Drop from ``data`` the fields whose value in ``full`` equals what ``derived`` gives; write the others."""
    for key, value in derived.items():
        if full.get(key) == value:
            data.pop(key, None)
        else:
            data[key] = full.get(key)


def _small(
    topic: str, data: dict[str, Any], full: dict[str, Any], derive: Derive, known: Collection[str]
) -> dict[str, Any]:
    """``data`` (an event or a track record) in form 2: the site, camera and derived fields left out where equal.

    ``known`` (form 3): the ids of sources the hub holds: such a source goes as its id alone.
    """
    site, _, camera = topics.parse(topic)
    with contextlib.suppress(KeyError, TypeError, ValueError):
        _leave_out(data, full, derive(site, full))
    if full["site"] == site and full["camera"] == camera:
        data.pop("site")
        data.pop("camera")
        if full.get("source_id") in known and isinstance(full.get("source"), str):
            data.pop("source", None)
            data["source_id"] = full["source_id"]
    return data


def _lookup(full: dict[str, Any]) -> SourceLookup:
    """What the hub will find for the item's own source (the edge checks its form 3 reads back with it)."""
    return lambda _site, source_id: full.get("source") if source_id == full.get("source_id") else None


def _event_derived(site: str, full: dict[str, Any]) -> dict[str, Any]:
    """What the hub derives of an event: its source id, id and snapshot path from the naming rules, its end."""
    return {
        "source_id": key_id(site=site, key=full["source"]),
        "id": _event_key(full),
        "snapshot": _snapshot(full),
        "end_s": full["start_s"],
    }


def _record_derived(site: str, full: dict[str, Any]) -> dict[str, Any]:
    """What the hub derives of a track record: its source id, id and thumbnail path, and its wall end."""
    return {
        "source_id": key_id(site=site, key=full["source"]),
        "id": f"{full['source_id']}:{full['tracker_id']}",
        "thumbnail": _thumbnail(full),
        "ended_at": _ended_at(full),
    }


def _event(topic: str, payload: str, form: int, known: Collection[str]) -> str:
    event = EVENT_ADAPTER.validate_json(payload)
    data = {"schema_version": event.schema_version, "kind": event.kind}
    data.update(event.model_dump(mode="json", exclude_defaults=True))
    full = event.model_dump(mode="json")
    if form >= 2:
        data = _small(topic, data, full, _event_derived, known if form >= 3 else ())
    text = _dumps(data)
    site, kind, camera = topics.parse(topic)
    back = expand(kind, site, camera, json.loads(text), sources=_lookup(full))
    return text if EVENT_ADAPTER.validate_python(back) == event else payload


def _track(topic: str, payload: str, form: int, known: Collection[str]) -> str:
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
    full = message.record.model_dump(mode="json")
    if form >= 2:
        data["record"] = _small(topic, data["record"], full, _record_derived, known if form >= 3 else ())
        if "path" in data:
            data["path"] = _small_path(data["path"], record.start_s, form)
    text = _dumps({"schema_version": 2, **data})
    site, kind, camera = topics.parse(topic)
    back = TrackMessage.model_validate(expand(kind, site, camera, json.loads(text), sources=_lookup(full)))
    return text if (back.full_record(), back.thumbnail_jpeg) == (record, sent.thumbnail_jpeg) else payload


def compact(topic: str, payload: str, *, form: int = 2, known: Collection[str] = ()) -> str:
    """The compact form of an outbox row's payload (an event or a track message); other payloads unchanged.

    ``form``: 3 (this release's, :data:`READS_3`), 2 (hubs that say :data:`READS` and not :data:`READS_3`)
    or 1 (hubs that say only :data:`READS_1`). ``known`` (form 3): ids of the sources the hub holds (it
    confirmed an item that carried the source whole); a source of those goes as its id alone.
    """
    try:
        if "/events/" in topic:
            return _event(topic, payload, form, known)
        if "/tracks/" in topic:
            return _track(topic, payload, form, known)
    except (ValidationError, ValueError, UnknownSource):  # not a payload this edge wrote: it goes as it is
        return payload
    return payload


def source_of(topic: str, payload: str) -> str | None:
    """The source id of an outbox row's event or track record (None for anything else).

    Example:
        >>> source_of("camsight/s/events/c", '{"id": "e1", "source_id": "ab12"}')
        'ab12'
    """
    try:
        data = json.loads(payload)
        found = data["record"]["source_id"] if "/tracks/" in topic else data["source_id"]
    except (ValueError, KeyError, TypeError):
        return None
    return found if isinstance(found, str) else None


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
