"""How a payload travels: JSON text as the outbox holds it, deflated (zlib) on the wire, declared in MQTT 5.

The edge's publisher sends every outbox row compressed with zlib (level 9) when that is smaller, and says
so in the PUBLISH packet's MQTT 5 content type, :data:`ZLIB` (``application/json+zlib``); otherwise the
JSON goes as it is (content type :data:`JSON`). The JSON inside is unchanged, ``schema_version`` and all.
A hub reads both, and payloads of edges that set no content type (older edges) as JSON. A compressed
payload is inflated at most to :data:`~camsight.transport.messages.MAX_PAYLOAD` bytes: one that would be
larger is refused (``too large``), so a small message cannot expand without bound.

To hubs that read the compact forms (:mod:`camsight.transport.compact`) the edge compresses with a preset
dictionary (:data:`DICTIONARY`, RFC 1950's FDICT: the zlib header names it by its Adler-32,
:data:`DICTIONARY_ID`), so that even a message of one event need not spell out its keys: the content
type is ``application/json+zlib``, or to hubs that read compact form 2 the same said shorter,
:data:`ZLIB_SHORT` (``zlib``: 17 bytes less in every packet); a reader inflates with
``zlib.decompressobj(zdict=DICTIONARY)``. The dictionary never changes (a new one would get a new id, and
hubs would read both). To hubs that read compact form 3 the payload is :data:`RAW_MARK` and raw DEFLATE
with the dictionary, without a content type (a payload without one is JSON text unless it starts with
that byte).

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
ZLIB_SHORT = "zlib"
"""The same content type, shorter: what an edge declares to hubs that read compact form 2 (in every packet)."""
LEVEL = 9
"""zlib level: payloads are small, the edge compresses each once."""
_WORDS = (
    # the rarer words first: zlib reaches the dictionary's end most cheaply
    '"kind":"alert_budget","suppressed":3,"max_per_hour":60',
    '"kind":"standing_query","query_id":"","query_name":"","query_version":1,"evidence":"',
    '"kind":"erratic_vehicle","object_class":"car","reason":"","swings":2,"speed_change":0.',
    '"kind":"wrong_way","object_class":"car","distance":0.',
    '"kind":"crowd_forming","baseline":1,"count":4,"min_rise":3',
    '"kind":"dispersal","count":2',
    '"kind":"crowd","count":5,"min_people":4',
    '"kind":"edge_dwell","dwell_s":1.0,"min_distance":0.',
    '"kind":"person_down","fall_s":1.0,"down_s":2.0',
    '"kind":"running","reason":"","speed":1.',
    '"kind":"line_crossing","object_class":"person","direction":"in"',
    '"kind":"zone_intrusion","object_class":"person"',
    '"riding":"bicycle""riding":"motorcycle","heading_deg":180.0',
    '"carried":{"backpack":0.5,"handbag":0.5,"suitcase":0.5,"umbrella":0.5}',
    '"garments":{"vest":0.0,"dress":0.0,"jeans":1.0,"short sleeves":0.0,"long sleeves":1.0,"trousers":1.0,'
    '"skirt":0.0,"shorts":0.0}',
    '"red":0."orange":0."yellow":0."green":0."purple":0."pink":0."beige":0."light blue":0."navy":0.'
    '"blue":0."brown":0."white":0."grey":0."black":0.',
    '"object_class":"car""object_class":"bicycle""object_class":"person"',
    '"posture":"sitting""posture":"lying""motion":"running""motion":"moving""motion":"walking","speed":0.0',
    '"zones":["","events":["","track_ids":[1,2],"zone":"',
    '{"schema_version":2,"record":{"schema_version":2,"id":"0123456789abcdef:1","site":"","camera":"",'
    '"source":"rtsp://","source_id":"0123456789abcdef","tracker_id":1,"object_class":"person","start_s":0.0,'
    '"end_s":1.0,"started_at":"2026-01-01T00:00:00.000000Z","ended_at":"2026-01-01T00:00:00.000000Z",'
    '"frames":2,"confidence":0.8,"events":["0123456789abcdef01234567"],"thumbnail":"/0123456789abcdef/track-1.jpg",'
    '"appearance":{"head":{"black":0.5,"grey":0.1},"upper":{"black":0.5,"white":0.2},"lower":{"blue":0.5,'
    '"black":0.2},"headwear":0.0,"posture":"standing","postures":{"standing":1.0,"sitting":0.0},'
    '"motion":"still","speed":0.01,"patterns":{"upper":{"plain":0.5,"striped":0.5,"checked":0.0,"floral":0.0},'
    '"lower":{"plain":0.5,"striped":0.5,"checked":0.0,"floral":0.0}},"lightness":{"head":0.4,"upper":0.3,'
    '"lower":0.2},"posed":true,"motion_s":{"walking":1.0,"still":1.0},"posture_s":{"standing":1.0},'
    '"moment_s":{"walking":1.0,"still":1.0,"standing":1.0}}},"path":{"t":[0,20,20,20],"x":[5000,1,-1,0],'
    '"y":[5000,1,-1,0]}}',
    '{"schema_version": 1, "items": [',
    '"status":"closed","end_s":1.0,"score":0.8,"dwell_s":1.0',
    '{"schema_version":2,"kind":"loitering","id":"0123456789abcdef01234567","site":"","rule":"","camera":"",'
    '"source":"rtsp://","source_id":"0123456789abcdef","track_ids":[1],"start_s":1.0,"end_s":1.0,'
    '"started_at":"2026-01-01T00:00:00.000000Z","score":0.8,"snapshot":"/0123456789abcdef/event-',
)
DICTIONARY = "".join(_WORDS).encode()
"""zlib's preset dictionary for the compact forms: their keys and common values (never changes)."""
DICTIONARY_ID = 3343726972
"""Adler-32 of :data:`DICTIONARY`: the DICTID a zlib header names it by."""


class WireError(ValueError):
    """A payload that cannot be read: its reason starts with the hub's refusal kind (``too large``, ``malformed``)."""


RAW_MARK = b"\x01"
"""First byte of a payload that is raw DEFLATE (RFC 1951) with :data:`DICTIONARY`, sent without a content
type (to hubs that read compact form 3): JSON text never starts with it, so a hub tells the two apart."""


def encode(payload: str, *, dictionary: bool = False, raw: bool = False) -> tuple[bytes, str]:
    """The bytes to publish for an outbox payload, and their content type (compressed only when smaller).

    ``dictionary``: compress with :data:`DICTIONARY` and declare it :data:`ZLIB_SHORT` (only to hubs that read
    compact form 2). ``raw`` (only to hubs that read compact form 3): :data:`RAW_MARK` and raw DEFLATE with
    the dictionary, no zlib header or checksum (TCP checks the bytes), and no content type (``""``).
    """
    text = payload.encode()
    if raw:
        deflater = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS, zdict=DICTIONARY)
        packed, kind = RAW_MARK + deflater.compress(text) + deflater.flush(), ""
    elif dictionary:
        deflater = zlib.compressobj(LEVEL, zdict=DICTIONARY)
        packed, kind = deflater.compress(text) + deflater.flush(), ZLIB_SHORT
    else:
        packed, kind = zlib.compress(text, LEVEL), ZLIB
    return (text, JSON) if len(packed) >= len(text) else (packed, kind)


def _dictionary_of(payload: bytes) -> int | None:
    """The DICTID a zlib stream's header names (RFC 1950 FDICT), or None when it has none."""
    if len(payload) >= 6 and payload[1] & 0x20:
        return int.from_bytes(payload[2:6], "big")
    return None


def decode(payload: bytes, content_type: str | None) -> str:
    """The JSON text of a received payload (``content_type``: the MQTT 5 property, None when absent).

    Raises:
        WireError: The content type is unknown, the data does not inflate, or it inflates past the limit.
    """
    if content_type in (None, "") and payload[:1] == RAW_MARK:
        return _inflate(zlib.decompressobj(-zlib.MAX_WBITS, zdict=DICTIONARY), payload[1:], "raw DEFLATE")
    if content_type in (None, "", JSON):
        try:
            return payload.decode()
        except UnicodeDecodeError:
            raise WireError("malformed: not UTF-8 text") from None
    if content_type not in (ZLIB, ZLIB_SHORT):
        raise WireError(
            f"malformed: unknown content type {content_type[:60]!r} (this hub reads {JSON}, {ZLIB}, {ZLIB_SHORT})"
        )
    named = _dictionary_of(payload)
    if named is not None and named != DICTIONARY_ID:
        raise WireError(f"malformed: unknown zlib dictionary {named:08x} (this hub knows {DICTIONARY_ID:08x})")
    return _inflate(zlib.decompressobj(zdict=DICTIONARY) if named is not None else zlib.decompressobj(), payload)


def _inflate(inflater: zlib._Decompress, payload: bytes, what: str = "zlib") -> str:
    """The UTF-8 text ``payload`` inflates to, at most :data:`MAX_PAYLOAD` bytes (raises :class:`WireError`)."""
    try:
        text = inflater.decompress(payload, MAX_PAYLOAD + 1)
    except zlib.error:
        raise WireError(f"malformed: not {what} data") from None
    if len(text) > MAX_PAYLOAD or inflater.unconsumed_tail:
        raise WireError(f"too large: it inflates past {MAX_PAYLOAD} bytes")
    if not inflater.eof:
        raise WireError(f"malformed: truncated {what} data")
    try:
        return text.decode()
    except UnicodeDecodeError:
        raise WireError("malformed: not UTF-8 text") from None
