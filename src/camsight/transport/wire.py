"""How a payload travels: JSON text as the outbox holds it, deflated (zlib) on the wire, declared in MQTT 5.

The edge's publisher sends every outbox row compressed with zlib (level 9) when that is smaller, and says
so in the PUBLISH packet's MQTT 5 content type, :data:`ZLIB` (``application/json+zlib``); otherwise the
JSON goes as it is (content type :data:`JSON`). The JSON inside is unchanged, ``schema_version`` and all.
A hub reads both, and payloads of edges that set no content type (older edges) as JSON. A compressed
payload is inflated at most to :data:`~camsight.transport.messages.MAX_PAYLOAD` bytes: one that would be
larger is refused (``too large``), so a small message cannot expand without bound.

Example:
    >>> data, kind = encode('{"schema_version": 1, "ids": [' + ", ".join(["1"] * 50) + "]}")
    >>> kind, decode(data, kind)[:20]
    ('application/json+zlib', '{"schema_version": 1')
"""

from __future__ import annotations

import zlib

from camsight.transport.messages import MAX_PAYLOAD

JSON = "application/json"
"""Content type of a payload sent as JSON text."""
ZLIB = "application/json+zlib"
"""Content type of a payload sent as JSON text compressed with zlib (RFC 1950)."""
LEVEL = 9
"""zlib level: payloads are small, the edge compresses each once."""


class WireError(ValueError):
    """A payload that cannot be read: its reason starts with the hub's refusal kind (``too large``, ``malformed``)."""


def encode(payload: str) -> tuple[bytes, str]:
    """The bytes to publish for an outbox payload, and their content type (compressed only when smaller)."""
    raw = payload.encode()
    packed = zlib.compress(raw, LEVEL)
    return (packed, ZLIB) if len(packed) < len(raw) else (raw, JSON)


def decode(payload: bytes, content_type: str | None) -> str:
    """The JSON text of a received payload (``content_type``: the MQTT 5 property, None when absent).

    Raises:
        WireError: The content type is unknown, the data does not inflate, or it inflates past the limit.
    """
    if content_type in (None, "", JSON):
        try:
            return payload.decode()
        except UnicodeDecodeError:
            raise WireError("malformed: not UTF-8 text") from None
    if content_type != ZLIB:
        raise WireError(f"malformed: unknown content type {content_type[:60]!r} (this hub reads {JSON}, {ZLIB})")
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(payload, MAX_PAYLOAD + 1)
    except zlib.error:
        raise WireError("malformed: not zlib data") from None
    if len(text) > MAX_PAYLOAD or inflater.unconsumed_tail:
        raise WireError(f"too large: it inflates past {MAX_PAYLOAD} bytes")
    if not inflater.eof:
        raise WireError("malformed: truncated zlib data")
    try:
        return text.decode()
    except UnicodeDecodeError:
        raise WireError("malformed: not UTF-8 text") from None
