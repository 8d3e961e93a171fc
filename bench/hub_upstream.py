"""Upstream bytes per camera-hour to the hub, against the camera's own video bitrate, on a real clip.

Usage: python bench/hub_upstream.py [--video tests/data/opencv_vtest.mp4] [--fps 5] [--min-dwell 1]
[--heartbeat-s S] [--timeout 900]

``camsight analyze`` (a subprocess, as a user runs it) analyses the clip twice with an edge config that
has ``site:`` and ``hub: {mqtt: ...}``: once as configured by default (``hub.tracks: true``: events and
track records, without thumbnails: the hub fetches those on demand) and once with ``hub.tracks: false``
(events only). ``hub.mqtt`` points at a port where no broker listens and ``hub.drain_timeout_s`` is 0,
so each analysis writes its outbox and leaves every row in it. The camera is ``gate`` with a loitering
rule of ``--min-dwell`` s, as the edge stores in ``tests/data/stores`` were made (a chatty rule: many event versions).

What would go upstream (edge to broker) is counted as MQTT 5 packets, as the edge's publisher sends them
to a hub that reads batches (:mod:`camsight.transport.batch`): the rows are replayed at their source
times (an event version's ``end_s``, a track record's ``end_s``; a live camera's source time is wall
time) through the publisher's rounds: an event's first version (a live alert) goes at once, the other
rows when the oldest waiting is ``hub.batch_s`` old or a batch is full; each round is one batch message
per topic, in the compact form 3 the publisher sends to hubs of this release (:mod:`camsight.transport.compact`:
defaults and what the topic and the edge's naming rules give left out, packed paths in thousandths, an
event's newest version in a batch only, a source the hub holds by its id alone, raw DEFLATE with the
preset dictionary and no content type). A source counts as held from the round after the first that
carried it whole (the hub confirms a message within a second; rounds are seconds apart). The same rows as
the release before sent them (compact form 2, zlib, content type ``zlib``), as two releases before
(form 2 with full topics and user properties), as three releases before (compact form 1, content type
``application/json+zlib``), as sent to a hub that
reads batches and no compact forms (full items, every version, no dictionary), one row per message (a hub
that does not read batches), with thumbnails (``hub.thumbnails: true``, read from the edge's media) and
uncompressed are printed too, and where the bytes go: per kind of message (event alone, event
batches, track batches, PUBACKs, heartbeats, camera states, pings), the versions sent per event, and what
each field of a track record costs in the batches (the compressed bytes saved without it).

- one QoS 1 PUBLISH per message (a batch, or one outbox row): fixed header (1 byte + remaining-length
  varint), topic (2-byte length + UTF-8; empty, as the publisher sends it, once an MQTT 5 topic alias
  stands for it: each topic's name is counted once an hour), packet id (2), properties (varint length +
  the topic alias, the user property ``outbox`` = row id(s), runs of ids as ``first-last``, and the
  content type, encoded by paho's ``Properties.pack``; the ``edge`` user property is left out, as to
  hubs of this release, the client id being the site's own) and the payload as
  :func:`camsight.transport.wire.encode` makes it (raw DEFLATE to hubs of this release, without a content
  type; zlib-compressed JSON when smaller to earlier ones; the uncompressed figure is printed too);
- one PUBACK (4 bytes) per hub confirmation the edge receives (the hub confirms every message);
- per hour: the heartbeat (``EdgeStatus``, retained) every ``hub.heartbeat_s``, two camera-status
  messages (``CameraStatus`` is sent on change only: allow one connecting/live pair an hour) and a
  PINGREQ (2 bytes) every keep-alive interval (30 s; an upper bound: paho pings only when idle).

The heartbeat is per edge; it is charged whole to the one camera (an edge with one camera). Not
counted: TCP/IP and TLS framing (stated in the output with what it would add at 40 bytes per packet),
the connection set-up (once per session), and rows sent again (``bench/hub_ingest.py`` counts those).

The clip's rows are scaled to an hour by the clip's duration; the video's bytes per hour come from
PyAV (the video stream's ``bit_rate``, else file size x 8 / duration). The last line is
``upstream: X per camera-hour, video Y per camera-hour, ratio Rx`` for the default (events and tracks).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import av
import yaml
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

import camsight
from camsight.config import Config, load_config
from camsight.models.registry import active_detector
from camsight.store import connect
from camsight.transport import batch, compact, outbox, topics, wire
from camsight.transport.messages import CameraStatus, EdgeStatus, TrackMessage
from camsight.transport.path import TOLERANCE, simplify

ROOT = Path(__file__).resolve().parents[1]
SRC = Path(camsight.__file__).resolve().parents[1]
SITE = "bench"
CLIENT_ID = f"camsight-edge-{SITE}"
"""The client id of ``camsight run`` (``camsight-edge-<site>``), carried in every outbox message."""
NO_BROKER = "mqtt://127.0.0.1:1"
KEEPALIVE_S = 30
"""The publisher's MQTT keep-alive (``Publisher.start``)."""
PUBACK = 4
PINGREQ = 2
TCP_IP_HEADERS = 40
"""IPv4 + TCP headers without options, per segment (for the stated, not counted, framing overhead)."""


def _varint_len(n: int) -> int:
    """Bytes of MQTT's variable byte integer for ``n``."""
    size = 1
    while n >= 128:
        n //= 128
        size += 1
    return size


def publish_size(
    topic: str,
    payload: str,
    *,
    row_id: int | str | None,
    compress: bool = True,
    dictionary: bool = False,
    long_type: bool = False,
    alias: bool = True,
    short: bool = False,
    raw: bool = False,
) -> int:
    """Bytes of one QoS 1 MQTT 5 PUBLISH packet as the edge sends it.

    An outbox row (``row_id`` given) carries the user properties with its row id and, as the publisher
    sends it (a batch: ``row_id`` is its ids, comma-separated), its payload through
    :func:`camsight.transport.wire.encode` (zlib when smaller, with its MQTT 5 content type);
    ``compress=False`` sizes it as JSON text without a content type (the edges before); ``dictionary``:
    compressed with the preset dictionary (to hubs that read the compact forms), declared ``zlib`` (to hubs
    that read form 2) or, ``long_type``, ``application/json+zlib`` (as the release before declared it).
    ``alias`` (this release's edges, to any hub: the broker's business): the topic goes as its alias, an
    empty topic and a 3-byte ``TopicAlias`` property (the topic itself once per connection, counted in
    :func:`hourly_parts`). ``short`` (to hubs that say ``reads`` = ``short-properties``): ``edge`` is left
    out (the site's own client id) and runs of ids go as ``first-last`` (``row_id`` then lists them as
    ``batch.ids_property(..., ranges=True)`` gives). ``raw`` (to hubs that read compact form 3): raw DEFLATE
    with the dictionary, no content type.
    """
    props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    data = payload.encode()
    if row_id is not None:
        props.UserProperty = [("outbox", str(row_id))] + ([] if short else [("edge", CLIENT_ID)])
    if alias:
        props.TopicAlias = 1
    if compress:  # rows, heartbeats and camera states alike
        data, kind = wire.encode(payload, dictionary=dictionary, raw=raw)
        if kind:
            props.ContentType = wire.ZLIB if long_type and kind == wire.ZLIB_SHORT else kind
    topic_bytes = 0 if alias else len(topic.encode())
    remaining = 2 + topic_bytes + 2 + len(props.pack()) + len(data)  # type: ignore[no-untyped-call]
    return 1 + _varint_len(remaining) + remaining


@dataclass(frozen=True, slots=True)
class Outbox:
    """What one analysis left in its outbox, in upstream packet bytes (``*_bytes``: one row per message)."""

    events: int
    tracks: int
    event_bytes: int
    track_bytes: int
    track_bytes_thumbnail: int
    batched_bytes: int
    messages: int
    legacy_bytes: int
    legacy_messages: int
    form2_bytes: int
    form2_messages: int
    before_bytes: int
    before_messages: int
    previous_bytes: int
    previous_messages: int
    kinds: dict[str, tuple[int, int]]
    versions: dict[int, int]
    fields: list[tuple[int, str]]
    event_items: int
    thinned_bytes: int
    plain_bytes: int
    plain_track_bytes: int
    thumbnail_chars: int
    path_chars: int
    appearance_chars: int

    @property
    def rows(self) -> int:
        """Outbox rows in all."""
        return self.events + self.tracks

    @property
    def packet_bytes(self) -> int:
        """PUBLISH packets of the batches the publisher sends, and the edge's PUBACK of each hub confirmation."""
        return self.batched_bytes + PUBACK * self.messages

    @property
    def legacy_packet_bytes(self) -> int:
        """The same rows to a hub that reads batches and no compact forms: full items, every version, no dictionary."""
        return self.legacy_bytes + PUBACK * self.legacy_messages

    @property
    def form2_packet_bytes(self) -> int:
        """The same rows as the release before sent them: compact form 2, zlib, content type ``zlib``."""
        return self.form2_bytes + PUBACK * self.form2_messages

    @property
    def before_packet_bytes(self) -> int:
        """The same rows as three releases before sent them: compact form 1, ``application/json+zlib``."""
        return self.before_bytes + PUBACK * self.before_messages

    @property
    def previous_packet_bytes(self) -> int:
        """The same rows as two releases before sent them: compact form 2, no topic aliases, full properties."""
        return self.previous_bytes + PUBACK * self.previous_messages

    @property
    def unbatched_bytes(self) -> int:
        """The same rows one per message (to a hub that does not read batches), with their PUBACKs."""
        return self.event_bytes + self.track_bytes + PUBACK * self.rows


def row_time(topic: str, payload: str) -> float:
    """When a row is written, seconds into the source: an event version's end, a track record's end."""
    data = json.loads(payload)
    return float((data["record"] if "/tracks/" in topic else data)["end_s"])


def rounds(rows: list[outbox.OutboxRow], batch_s: float) -> list[list[outbox.OutboxRow]]:
    """The publisher's rounds over rows written at their source times (live: source time is wall time).

    An event's first version goes at once (alone); the others go together when the oldest of them
    waited ``batch_s`` or :data:`~camsight.transport.batch.MAX_ROWS` wait.
    """
    done: list[list[outbox.OutboxRow]] = []
    waiting: list[outbox.OutboxRow] = []
    oldest = 0.0
    for row in rows:
        at = row_time(row.topic, row.payload)
        if waiting and at - oldest >= batch_s:
            done.append(waiting)
            waiting = []
        if batch_s <= 0 or batch.urgent(row.topic, row.payload):
            done.append([row])
            continue
        if not waiting:
            oldest = at
        waiting.append(row)
        if len(waiting) >= batch.MAX_ROWS:
            done.append(waiting)
            waiting = []
    return done + ([waiting] if waiting else [])


def batched_kinds(
    rows: list[outbox.OutboxRow],
    batch_s: float,
    *,
    compact: bool = True,
    form: int = 3,
    alias: bool = True,
    short: bool = True,
) -> dict[str, tuple[int, int]]:
    """``{kind: (PUBLISH bytes, messages)}`` of rows sent in the publisher's rounds, a batch per topic per round.

    Kinds: ``event alone`` (a live alert, sent at once), ``event batches``, ``track batches``.
    ``compact``: as to hubs of this release (compact form 3, raw DEFLATE with the preset dictionary, sources
    the hub holds by id; ``form`` 2: as the release before sent them, content type ``zlib``; 1: as three
    releases before), else as to a hub that reads batches and no compact forms; ``alias``: topic aliases
    (this release's edges), ``short``: the short user properties (to hubs of this release; see
    :func:`publish_size`).
    """
    kinds: dict[str, tuple[int, int]] = {}
    held: set[str] = set()  # sources the hub confirmed an item of: named by id from the next round on
    for taken in rounds(rows, batch_s):
        alone = len(taken) == 1 and batch.urgent(taken[0].topic, taken[0].payload)
        known = frozenset(held) if compact and form >= 3 else frozenset()
        packed = batch.pack(((r.id, r.topic, r.payload) for r in taken), compact=compact, form=form, known=known)
        for topic, text, ids in packed:
            kind = "event alone" if alone else f"{topics.parse(topic)[1][:-1]} batches"
            ids_text = batch.ids_property(ids, ranges=short)
            size = publish_size(
                topic,
                text,
                row_id=ids_text,
                dictionary=compact,
                long_type=form < 2,
                alias=alias,
                short=short,
                raw=compact and form >= 3,
            )
            total, messages = kinds.get(kind, (0, 0))
            kinds[kind] = (total + size, messages + 1)
        held.update(s for s in (compact_source(r) for r in taken) if s is not None)
    return kinds


def compact_source(row: outbox.OutboxRow) -> str | None:
    """The source id of an outbox row's event or record (in :func:`batched_kinds` ``compact`` is its argument)."""
    return compact.source_of(row.topic, row.payload)


def batched_size(
    rows: list[outbox.OutboxRow],
    batch_s: float,
    *,
    compact: bool = True,
    form: int = 3,
    alias: bool = True,
    short: bool = True,
) -> tuple[int, int]:
    """PUBLISH bytes and messages of rows sent in the publisher's rounds (see :func:`batched_kinds`)."""
    kinds = batched_kinds(rows, batch_s, compact=compact, form=form, alias=alias, short=short).values()
    return sum(size for size, _ in kinds), sum(messages for _, messages in kinds)


def event_versions(rows: list[outbox.OutboxRow]) -> dict[int, int]:
    """``{versions: events}``: how many outbox rows (versions) each event has."""
    per_event = Counter(json.loads(r.payload)["id"] for r in rows if "/events/" in r.topic)
    return dict(sorted(Counter(per_event.values()).items()))


def _drop(data: dict[str, Any], path: tuple[str, ...]) -> None:
    node: Any = data
    for key in path[:-1]:
        node = node.get(key) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(path[-1], None)


def field_costs(rows: list[outbox.OutboxRow], batch_s: float) -> list[tuple[int, str]]:
    """``(compressed bytes, field)`` of the track batches' fields, dearest first: the bytes saved without it."""
    held = frozenset(s for s in (compact_source(r) for r in rows) if s is not None)  # as once the hub holds them
    batches = [
        [json.loads(compact.compact(r.topic, r.payload, form=3, known=held)) for r in taken if "/tracks/" in r.topic]
        for taken in rounds(rows, batch_s)
    ]
    batches = [b for b in batches if b]

    def size(drop: tuple[str, ...] | None) -> int:
        total = 0
        for items in batches:
            if drop is not None:
                items = [json.loads(json.dumps(item)) for item in items]
                for item in items:
                    _drop(item, drop)
            text = batch.envelope(json.dumps(item, separators=(",", ":")) for item in items)
            total += len(wire.encode(text, raw=True)[0])
        return total

    fields: dict[tuple[str, ...], None] = {}
    for item in (i for b in batches for i in b):
        fields.update({("path",): None, ("thumbnail_jpeg",): None})
        for key, value in item["record"].items():
            fields[("record", key)] = None
            if key == "appearance" and isinstance(value, dict):
                fields.update({("record", "appearance", k): None for k in value})
    whole = size(None)
    costs = [(whole - size(f), ".".join(f[1:] if f[0] == "record" else f)) for f in fields]
    return sorted((c for c in costs if c[0] > 0), reverse=True)


def _thinned(payload: str) -> str:
    message = TrackMessage.model_validate_json(payload)
    path = simplify(message.record.path, tolerance=TOLERANCE)
    return message.model_copy(update={"record": message.record.model_copy(update={"path": path})}).model_dump_json()


def read_outbox(db: Path, batch_s: float) -> Outbox:
    """Sizes of every outbox row of a store (as the publisher reads them, oldest first), batched and not."""
    engine = connect(str(db))
    try:
        with engine.connect() as conn:
            rows = outbox.take(conn, after_id=0, limit=10**9)
    finally:
        engine.dispose()
    counts = {"events": 0, "tracks": 0}
    sizes = {"events": 0, "tracks": 0}
    media = db.parent / f"{db.stem}-media"
    with_thumbnail = thumbs = paths = looks = plain = plain_tracks = 0
    for row in rows:
        kind = topics.parse(row.topic)[1]
        counts[kind] += 1
        sizes[kind] += publish_size(row.topic, row.payload, row_id=row.id)
        plain_size = publish_size(row.topic, row.payload, row_id=row.id, compress=False, alias=False)
        plain += plain_size
        plain_tracks += plain_size if kind == "tracks" else 0
        if kind == "tracks":
            message = TrackMessage.model_validate_json(row.payload)
            dumped = message.record.model_dump(mode="json")
            paths += len(json.dumps(dumped["path"], separators=(",", ":")))
            looks += len(json.dumps(dumped["appearance"], separators=(",", ":")))
            image = message.thumbnail_jpeg or outbox.thumbnail_b64(media, message.record)
            thumbs += len(image or "")
            full_json = message.model_copy(update={"thumbnail_jpeg": image}).model_dump_json()
            with_thumbnail += publish_size(row.topic, full_json, row_id=row.id)
    kinds = batched_kinds(rows, batch_s)
    batched, messages = sum(s for s, _ in kinds.values()), sum(m for _, m in kinds.values())
    legacy, legacy_messages = batched_size(rows, batch_s, compact=False, short=False)
    form2, form2_messages = batched_size(rows, batch_s, form=2)
    previous, previous_messages = batched_size(rows, batch_s, form=2, alias=False, short=False)
    before, before_messages = batched_size(rows, batch_s, form=1, alias=False, short=False)
    thin = [
        dataclasses.replace(r, payload=_thinned(r.payload)) if topics.parse(r.topic)[1] == "tracks" else r for r in rows
    ]
    return Outbox(
        events=counts["events"],
        tracks=counts["tracks"],
        event_bytes=sizes["events"],
        track_bytes=sizes["tracks"],
        track_bytes_thumbnail=with_thumbnail,
        batched_bytes=batched,
        messages=messages,
        legacy_bytes=legacy,
        legacy_messages=legacy_messages,
        form2_bytes=form2,
        form2_messages=form2_messages,
        before_bytes=before,
        before_messages=before_messages,
        previous_bytes=previous,
        previous_messages=previous_messages,
        kinds=kinds,
        versions=event_versions(rows),
        fields=field_costs(rows, batch_s) if counts["tracks"] else [],
        event_items=sum(
            sum("/events/" in row[1] for row in compact.newest_versions([(r.id, r.topic, r.payload) for r in t])[0])
            for t in rounds(rows, batch_s)
        ),
        thinned_bytes=batched_size(thin, batch_s)[0],
        plain_bytes=plain,
        plain_track_bytes=plain_tracks,
        thumbnail_chars=thumbs,
        path_chars=paths,
        appearance_chars=looks,
    )


def hourly_overhead(config: Config, *, alias: bool = True) -> tuple[int, int]:
    """Bytes and packets an hour besides the outbox: heartbeats, two camera states, keep-alive pings."""
    parts = hourly_parts(config, alias=alias)
    return sum(size for size, _ in parts.values()), sum(packets for _, packets in parts.values())


def hourly_parts(config: Config, *, alias: bool = True) -> dict[str, tuple[int, int]]:
    """``{what: (bytes, packets)}`` an hour besides the outbox: heartbeats, camera states, keep-alive pings.

    ``alias``: the packets name their topics by alias, and each topic's name goes once an hour (one
    connection an hour: a live edge's lasts longer).
    """
    assert config.hub is not None
    version, sha = active_detector(config.detector)
    now = datetime.now(UTC)
    beat = EdgeStatus(
        site=SITE, state="online", url=config.hub.api_url, model_version=version, model_sha256=sha, at=now
    )
    beats = int(3600 // config.hub.heartbeat_s)
    heartbeat = beats * publish_size(topics.edge_topic(SITE), beat.model_dump_json(), row_id=None, alias=alias)
    camera = config.cameras[0].id
    states = sum(
        publish_size(
            topics.status_topic(SITE, camera),
            CameraStatus(site=SITE, camera=camera, state=state, at=now).model_dump_json(),
            row_id=None,
            alias=alias,
        )
        for state in ("connecting", "live")
    )
    pings = 3600 // KEEPALIVE_S
    parts = {"heartbeats": (heartbeat, beats), "camera states": (states, 2), "PINGREQs": (pings * PINGREQ, pings)}
    if alias:
        named = (topics.event_topic, topics.track_topic, topics.status_topic)
        names = [f(SITE, camera) for f in named] + [topics.edge_topic(SITE)]
        parts["topic names"] = (sum(len(n.encode()) for n in names), 0)
    return parts


def write_config(folder: Path, *, fps: float, min_dwell: float, heartbeat_s: float | None, tracks: bool) -> Path:
    """An edge config with a site and a hub no broker answers (the outbox is written and kept)."""
    hub: dict[str, object] = {"mqtt": NO_BROKER, "drain_timeout_s": 0, "tracks": tracks}
    if heartbeat_s is not None:
        hub["heartbeat_s"] = heartbeat_s
    config = {
        "site": SITE,
        "hub": hub,
        "cameras": [
            {"id": "gate", "fps": fps, "rules": [{"kind": "loitering", "name": "stay", "min_dwell_s": min_dwell}]}
        ],
    }
    path = folder / f"edge-tracks-{str(tracks).lower()}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def analyze(video: Path, config: Path, db: Path, timeout: float) -> float:
    """Run ``camsight analyze`` on the clip; returns its wall seconds. Exits with one line if it fails."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "CAMSIGHT_LOG": "WARNING"}
    args = [sys.executable, "-m", "camsight", "analyze", str(video), "--config", str(config), "--db", str(db)]
    started = time.perf_counter()
    try:
        done = subprocess.run(
            args, cwd=db.parent, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise SystemExit(f"error: camsight analyze took more than {timeout:.0f} s (--timeout)") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise SystemExit(f"error: camsight analyze exited {done.returncode}: {tail[0]}")
    return time.perf_counter() - started


def video_facts(video: Path) -> tuple[float, float, str]:
    """``(duration s, video bits per second, where the bitrate came from)`` of a clip, from PyAV."""
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / av.time_base
        else:
            raise SystemExit(f"error: {video} has no duration")
        if stream.bit_rate:
            return duration, float(stream.bit_rate), f"the video stream's bit_rate ({stream.codec_context.name})"
    return duration, video.stat().st_size * 8 / duration, "file size x 8 / duration"


def human(n: float) -> str:
    """Bytes with an SI prefix, one decimal (1 kB = 1000 B)."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n:.0f} B"


def report(label: str, box: Outbox, scale: float, overhead: int, video_hour: float) -> float:
    """Print one configuration's figures; returns its upstream bytes per camera-hour."""
    per_hour = box.packet_bytes * scale + overhead
    print(
        f"{label}: {box.events} event rows {human(box.event_bytes)}, {box.tracks} track rows "
        f"{human(box.track_bytes)} in the clip -> {human(per_hour)} per camera-hour "
        f"(ratio {video_hour / per_hour:.0f}x)"
    )
    return per_hour


def main() -> None:
    """Analyse the clip (tracks on, then off), size the outboxes, scale to an hour, compare with the video."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, default=ROOT / "tests/data/opencv_vtest.mp4", help="a real clip")
    parser.add_argument("--fps", type=float, default=5.0, help="frames per second analysed (camera default: 5)")
    parser.add_argument("--min-dwell", type=float, default=1.0, help="the loitering rule's min_dwell_s")
    parser.add_argument("--heartbeat-s", type=float, default=None, help="hub.heartbeat_s (default: the config's)")
    parser.add_argument(
        "--batch-s", type=float, default=None, help="hub.batch_s: how long rows wait to travel together"
    )
    parser.add_argument("--timeout", type=float, default=900.0, help="give up on one analysis after this many s")
    args = parser.parse_args()
    args.video = args.video.resolve()  # the analyses run in a folder of their own
    if not args.video.is_file():
        raise SystemExit(f"error: no such clip: {args.video}")
    duration, bits_s, bitrate_from = video_facts(args.video)
    video_hour = bits_s / 8 * 3600
    scale = 3600 / duration
    print(f"clip: {args.video.name}, {duration:.1f} s, video {bits_s / 1000:.0f} kbit/s ({bitrate_from})")
    boxes: dict[bool, Outbox] = {}
    configs: dict[bool, Config] = {}
    with tempfile.TemporaryDirectory(prefix="camsight-hub-upstream-") as tmp:
        for tracks in (True, False):
            folder = Path(tmp) / f"tracks-{str(tracks).lower()}"
            folder.mkdir()
            config = write_config(
                folder, fps=args.fps, min_dwell=args.min_dwell, heartbeat_s=args.heartbeat_s, tracks=tracks
            )
            took = analyze(args.video, config, folder / "edge.db", args.timeout)
            configs[tracks] = load_config(config)
            hub = configs[tracks].hub
            assert hub is not None
            boxes[tracks] = read_outbox(folder / "edge.db", hub.batch_s if args.batch_s is None else args.batch_s)
            print(f"analysed with hub.tracks: {str(tracks).lower()} in {took:.0f} s: {boxes[tracks].rows} outbox rows")
    edge_config = configs[True]
    overhead, packets = hourly_overhead(edge_config)
    assert edge_config.hub is not None
    print(
        f"MQTT 5 bytes counted: PUBLISH fixed header + topic (2 + 0: each topic by its alias, its name once "
        f"an hour) + packet id (2) + properties (topic alias, outbox row ids with runs as first-last; the "
        f"edge client id '{CLIENT_ID}' is the site's own, left out) + payload; a 4-byte PUBACK per hub confirmation"
    )
    print(
        f"per hour besides the outbox: {human(overhead)} ({3600 // edge_config.hub.heartbeat_s:.0f} heartbeats "
        f"every {edge_config.hub.heartbeat_s:g} s, 2 camera states, {3600 // KEEPALIVE_S} PINGREQs at most)"
    )
    full, events_only = boxes[True], boxes[False]
    print(f"scale: x{scale:.1f} (an hour / the clip's {duration:.1f} s); video {human(video_hour)} per camera-hour")
    batch_s = edge_config.hub.batch_s if args.batch_s is None else args.batch_s
    print(
        f"batches: one message per topic per publish round (hub.batch_s {batch_s:g}; an event's first version "
        f"goes at once); {full.rows} rows in {full.messages} messages"
    )
    per_hour = report("hub.tracks: true (default)", full, scale, overhead, video_hour)
    report("hub.tracks: false (events only)", events_only, scale, overhead, video_hour)
    unaliased, _ = hourly_overhead(edge_config, alias=False)

    def compare(label: str, tracks_bytes: int, events_bytes: int, hourly: int) -> None:
        both, events = tracks_bytes * scale + hourly, events_bytes * scale + hourly
        print(
            f"{label}: {human(both)} per camera-hour (ratio {video_hour / both:.0f}x); events only "
            f"{human(events)} (ratio {video_hour / events:.0f}x)"
        )

    compare(
        f"the same rows as the release before sent them (compact form 2: sources whole, paths in ten-thousandths, "
        f"zlib, content type {wire.ZLIB_SHORT})",
        full.form2_packet_bytes,
        events_only.form2_packet_bytes,
        overhead,
    )
    compare(
        "the same rows as two releases before sent them (compact form 2, no topic aliases, the full user properties)",
        full.previous_packet_bytes,
        events_only.previous_packet_bytes,
        unaliased,
    )
    compare(
        f"the same rows as three releases before sent them (compact form 1, content type {wire.ZLIB})",
        full.before_packet_bytes,
        events_only.before_packet_bytes,
        unaliased,
    )
    compare(
        "the same rows to a hub that reads batches and no compact forms, or only form 1 (full items, every "
        "version, no preset dictionary)",
        full.legacy_packet_bytes,
        events_only.legacy_packet_bytes,
        overhead,
    )
    where = [(kind, size * scale, messages * scale) for kind, (size, messages) in sorted(full.kinds.items())]
    where.append(("PUBACKs", PUBACK * full.messages * scale, full.messages * scale))
    where += [(what, float(size), float(n)) for what, (size, n) in hourly_parts(edge_config).items()]
    print(
        "where the bytes go, per camera-hour: "
        + ", ".join(f"{kind} {human(size)} ({n:.0f} packets, {100 * size / per_hour:.0f} %)" for kind, size, n in where)
    )
    versions = sum(full.versions.values())
    print(
        f"event versions: {versions} events, {full.events} rows ("
        + ", ".join(f"{n} with {v}" for v, n in full.versions.items())
        + f"); {full.event_items} sent (an event's older versions waiting in one batch with a newer one are left out)"
    )
    if full.fields:
        costs = ", ".join(f"{name} {human(size * scale)}" for size, name in full.fields[:12])
        print(f"a track record's fields in the batches, the compressed bytes each costs per camera-hour: {costs}")
    single = full.unbatched_bytes * scale + overhead
    print(
        f"the same rows one per message (a hub that does not read batches): {human(single)} per camera-hour "
        f"(ratio {video_hour / single:.0f}x)"
    )
    plain = (full.plain_bytes + PUBACK * full.rows) * scale + overhead
    print(
        f"the same rows one per message as JSON text, uncompressed (edges before the zlib content type): "
        f"{human(plain)} per camera-hour (ratio {video_hour / plain:.0f}x)"
    )
    thinned = (full.thinned_bytes + PUBACK * full.messages) * scale + overhead
    print(
        f"with paths thinned (hub.path_tolerance: {TOLERANCE:g}; not the default): {human(thinned)} per camera-hour "
        f"(ratio {video_hour / thinned:.0f}x)"
    )
    thumbed = (full.event_bytes + full.track_bytes_thumbnail + PUBACK * full.rows) * scale + overhead
    print(
        f"tracks with their thumbnails (hub.thumbnails: true), one per message: {human(thumbed)} per "
        f"camera-hour (ratio {video_hour / thumbed:.0f}x)"
    )
    if full.tracks:
        rest = full.plain_track_bytes - full.path_chars - full.appearance_chars
        print(
            f"a track message alone averages {full.track_bytes / full.tracks:.0f} B compressed, "
            f"{full.plain_track_bytes / full.tracks:.0f} B as JSON text: path {full.path_chars / full.tracks:.0f}, "
            f"appearance {full.appearance_chars / full.tracks:.0f}, the rest of the record and the packet overhead "
            f"{rest / full.tracks:.0f}; its thumbnail when sent (base64) {full.thumbnail_chars / full.tracks:.0f}"
        )
    packets_hour = full.messages * 2 * scale + packets
    print(
        f"not counted: TCP/IP and TLS framing, at most {human(packets_hour * TCP_IP_HEADERS)} more per hour at "
        f"{TCP_IP_HEADERS} B a packet if each went alone; connection set-up; rows sent again"
    )
    print(
        f"upstream: {human(per_hour)} per camera-hour, video {human(video_hour)} per camera-hour, "
        f"ratio {video_hour / per_hour:.0f}x"
    )


if __name__ == "__main__":
    main()
