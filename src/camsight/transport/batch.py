"""Several outbox rows in one message: one batch per topic per publish round, each row's id listed.

A batch is a JSON object ``{"schema_version": 1, "items": [payload, ...]}`` whose items are the rows'
own payloads, unchanged (an event, a :class:`~camsight.transport.messages.TrackMessage`), published on
the rows' common topic; the MQTT 5 user property ``outbox`` lists the rows' ids in the items' order,
comma-separated (``"12,13,17"``). Compressed as one (:mod:`camsight.transport.wire`), the repeated
keys and values of many records cost little: the bytes upstream drop several-fold.

An edge sends batches only to hubs that read them: each hub process says so with the MQTT 5 user
property ``reads`` = ``batch`` on its retained presence message (:data:`READS`); while any hub present
does not, the edge sends one row per message as before, and a hub reads both. To hubs that read the
compact forms too (:mod:`camsight.transport.compact`), ``pack(..., compact=True)``: the items are
compact, and of an event's versions among the rows only the newest goes; the ids of the rows it replaces
follow the items' ids in the ``outbox`` property, so that the hub confirms them with it.

Example:
    >>> rows = [(1, "camsight/s/events/gate", '{"id": "a"}'), (2, "camsight/s/events/gate", '{"id": "b"}')]
    >>> [(topic, ids, json.loads(text)) for topic, text, ids in pack(rows)]
    [('camsight/s/events/gate', (1, 2), {'schema_version': 1, 'items': [{'id': 'a'}, {'id': 'b'}]})]
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from typing import Any

from camsight.transport import compact as compact_forms

SCHEMA_VERSION = 1
"""Version of the batch envelope."""
READS = ("reads", "batch")
"""The user property on a hub's presence message that says it reads batches."""
READS_SHORT = ("reads", "short-properties")
"""What a hub that reads the short user properties says: ``outbox`` ids with ranges (:func:`ids_property`),
``edge`` left out when it is the site's own (:func:`~camsight.transport.topics.edge_client_id`)."""
MAX_TEXT = 128 * 1024
"""Most JSON text in one batch, bytes (a hub accepts twice that; a larger single row goes alone)."""
MAX_ROWS = 100
"""Most rows in one batch."""


def pack(
    rows: Iterable[tuple[int, str, str]],
    *,
    max_text: int = MAX_TEXT,
    max_rows: int = MAX_ROWS,
    compact: bool = False,
    form: int = 2,
    known: Collection[str] = (),
) -> list[tuple[str, str, tuple[int, ...]]]:
    """``(topic, batch JSON text, row ids)`` for ``(row id, topic, payload)`` rows, in the order given.

    One batch per topic; more when a topic's rows exceed ``max_text`` or ``max_rows``. ``compact``: the
    compact forms, each event's newest version only (the row ids of the versions it replaces follow the
    items' ids); ``form``: which compact forms (3, or 2 or 1 as releases before sent them); ``known``
    (form 3): the ids of the sources the hub holds, which go by reference.
    """
    taken = list(rows)
    replaced: dict[int, list[int]] = {}
    if compact:
        taken, replaced = compact_forms.newest_versions(taken)
        taken = [
            (row_id, topic, compact_forms.compact(topic, payload, form=form, known=known))
            for row_id, topic, payload in taken
        ]
    by_topic: dict[str, list[list[tuple[int, str]]]] = {}
    sizes: dict[str, int] = {}
    for row_id, topic, payload in taken:
        chunks = by_topic.setdefault(topic, [[]])
        if chunks[-1] and (sizes[topic] + len(payload) > max_text or len(chunks[-1]) >= max_rows):
            chunks.append([])
            sizes[topic] = 0
        chunks[-1].append((row_id, payload))
        sizes[topic] = sizes.get(topic, 0) + len(payload) + 1
    return [
        (
            topic,
            envelope(p for _, p in chunk),
            tuple(i for i, _ in chunk) + tuple(r for i, _ in chunk for r in replaced.get(i, ())),
        )
        for topic, chunks in by_topic.items()
        for chunk in chunks
    ]


def envelope(payloads: Iterable[str]) -> str:
    """The batch JSON text around payloads that are JSON objects already."""
    return f'{{"schema_version": {SCHEMA_VERSION}, "items": [' + ", ".join(payloads) + "]}"


def is_batch(data: dict[str, Any]) -> bool:
    """Whether a received JSON object is a batch envelope (no event or record has ``items``)."""
    return "items" in data


def ids_property(ids: Iterable[int], *, ranges: bool = False) -> str:
    """The ``outbox`` user property's value for these row ids, in their order, comma-separated.

    ``ranges`` (to hubs that say :data:`READS_SHORT`): a run of three or more consecutive ids goes as
    ``first-last``.

    Example:
        >>> ids_property([7, 8, 9, 10, 12, 13, 3], ranges=True)
        '7-10,12,13,3'
    """
    taken = list(ids)
    if not ranges:
        return ",".join(str(i) for i in taken)
    parts: list[str] = []
    start = 0
    for end in range(1, len(taken) + 1):
        if end < len(taken) and taken[end] == taken[end - 1] + 1:
            continue
        run = taken[start:end]
        parts += [f"{run[0]}-{run[-1]}"] if len(run) > 2 else [str(i) for i in run]
        start = end
    return ",".join(parts)


def parse_ids(value: str) -> list[int] | None:
    """The row ids of an ``outbox`` user property (ids and ``first-last`` runs, comma-separated); None if malformed.

    Example:
        >>> parse_ids("7-10,12"), parse_ids("10-7"), parse_ids("1,x")
        ([7, 8, 9, 10, 12], None, None)
    """
    most = 10 * MAX_ROWS
    ids: list[int] = []
    for part in value.split(","):
        first, _, last = part.partition("-")
        if not part.isascii() or not first.isdigit() or not (last.isdigit() or part == first):
            return None
        low, high = int(first), int(last or first)
        if high < low or len(ids) + high - low >= most:
            return None
        ids.extend(range(low, high + 1))
    return ids


def urgent(topic: str, payload: str) -> bool:
    """Whether a row should go at once rather than wait for a batch: an event's first version (a live alert)."""
    if "/events/" not in topic:
        return False
    try:
        data = json.loads(payload)
    except ValueError:
        return True
    return bool(data.get("status") == "open" and data.get("end_s") == data.get("start_s"))
