"""The compact forms a hub of this release reads: the same events and records back, in fewer bytes.

The rows are the real outbox of tests/data/stores/edge-north.db (opencv_vtest.mp4 analysed with a
loitering rule, thumbnails included); tests/integration/test_hub_compact.py sends a fresh analysis
through a real broker into a real hub.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

import pytest
from pydantic import ValidationError

from camsight.events.models import EVENT_ADAPTER, AnyEvent
from camsight.transport import batch, compact, topics, wire
from camsight.transport.messages import PackedPath, TrackMessage
from camsight.transport.path import pack, unpack


def _hub_reads(topic: str, text: str) -> dict[str, Any]:
    """A received item as the hub's models read it (:func:`camsight.transport.compact.expand` first)."""
    site, kind, camera = topics.parse(topic)
    return compact.expand(kind, site, camera, json.loads(text))


def _event(topic: str, text: str) -> AnyEvent:
    return EVENT_ADAPTER.validate_python(_hub_reads(topic, text))


def _track(topic: str, text: str) -> TrackMessage:
    return TrackMessage.model_validate(_hub_reads(topic, text))


def test_every_real_event_reads_back_exactly_from_its_compact_form(rows: list[tuple[int, str, str]]) -> None:
    events = [(t, p) for _, t, p in rows if "/events/" in t]
    assert len(events) >= 20
    for topic, payload in events:
        small = compact.compact(topic, payload)
        assert _event(topic, small) == EVENT_ADAPTER.validate_json(payload)
        data = json.loads(small)
        assert data["schema_version"] == 2
        assert "kind" in data
        assert not {"zone", "site", "camera", "snapshot"} & set(data)
        assert len(small) < len(compact.compact(topic, payload, form=1)) < len(payload)
        assert EVENT_ADAPTER.validate_json(compact.compact(topic, payload, form=1)) == _event(topic, small)


def test_every_real_track_reads_back_exactly_from_its_version_2_message(rows: list[tuple[int, str, str]]) -> None:
    tracks = [(t, p) for _, t, p in rows if "/tracks/" in t]
    assert len(tracks) >= 50
    for topic, payload in tracks:
        sent = TrackMessage.model_validate_json(payload)
        small = compact.compact(topic, payload)
        data = json.loads(small)
        assert data["schema_version"] == 2
        assert data["record"]["schema_version"] == 2
        assert not {"path", "site", "camera", "id", "thumbnail", "ended_at", "source_id"} & set(data["record"])
        assert len(data["path"]["x"]) == len(sent.record.path)
        assert data["path"].get("t", [0])[0] == 0  # the first time is the record's start: said relative to it
        back = _track(topic, small)
        assert back.full_record() == sent.record  # every field, the path to the last digit
        assert back.thumbnail_jpeg == sent.thumbnail_jpeg
        form_1 = compact.compact(topic, payload, form=1)
        assert TrackMessage.model_validate_json(form_1).full_record() == sent.record
        assert len(small) < len(form_1) < len(payload)


def test_a_path_off_the_stored_grid_goes_unpacked_and_whole(rows: list[tuple[int, str, str]]) -> None:
    topic, payload = next((t, p) for _, t, p in rows if "/tracks/" in t)
    sent = TrackMessage.model_validate_json(payload)
    odd = ((1.0, 0.123456, 0.5), (1.5, 0.2, 0.5))
    assert pack(odd) is None
    assert unpack(pack(sent.record.path) or ((), (), ())) == sent.record.path
    message = sent.model_copy(update={"record": sent.record.model_copy(update={"path": odd})})
    small = compact.compact(topic, message.model_dump_json())
    assert "path" not in json.loads(small)
    assert _track(topic, small).full_record().path == odd


def test_a_packed_path_only_in_version_2_with_the_records_own_path_empty(rows: list[tuple[int, str, str]]) -> None:
    sent = TrackMessage.model_validate_json(next(p for _, t, p in rows if "/tracks/" in t))
    packed = PackedPath(t=(100,), x=(5000,), y=(5000,))
    empty = sent.record.model_copy(update={"path": ()})
    with pytest.raises(ValidationError, match="only in version 2"):
        TrackMessage(schema_version=1, record=empty, path=packed)
    with pytest.raises(ValidationError, match="only in version 2"):
        TrackMessage(schema_version=2, record=sent.record, path=packed)
    with pytest.raises(ValidationError, match="one value per path sample"):
        PackedPath(t=(1, 2), x=(1,), y=(1,))


def test_a_batch_carries_only_an_events_newest_version_and_the_ids_of_those_it_replaces(
    rows: list[tuple[int, str, str]],
) -> None:
    events = [(i, t, p) for i, t, p in rows if "/events/" in t]
    by_id: dict[str, list[int]] = {}
    for row_id, _, payload in events:
        by_id.setdefault(json.loads(payload)["id"], []).append(row_id)
    assert any(len(v) > 1 for v in by_id.values())  # the chatty rule: several versions of some events
    ((topic, text, ids),) = batch.pack(events, compact=True)
    items = json.loads(text)["items"]
    assert len(items) == len(by_id)  # one item per event
    assert sorted(ids) == sorted(i for i, _, _ in events)  # every row confirmed with its batch
    newest = {json.loads(p)["id"]: EVENT_ADAPTER.validate_json(p) for _, _, p in events}  # rows in order
    read = [EVENT_ADAPTER.validate_python(compact.expand("events", "north", "gate", e)) for e in items]
    assert {e.id: e for e in read} == newest
    # the first ids are the items', in order: each the newest row of its event; the replaced rows follow
    assert [max(by_id[e.id]) for e in read] == list(ids[: len(items)])
    ((_, plain, plain_ids),) = batch.pack(events)  # to hubs that do not read compact forms: every row as it is
    assert json.loads(plain)["items"] == [json.loads(p) for _, _, p in events]
    assert plain_ids == tuple(i for i, _, _ in events)


def test_the_preset_dictionary_never_changes_and_payloads_with_it_or_without_decode(
    rows: list[tuple[int, str, str]],
) -> None:
    assert zlib.adler32(wire.DICTIONARY) == wire.DICTIONARY_ID == 3343726972
    topic, payload = next((t, p) for _, t, p in rows if "/events/" in t)
    small = compact.compact(topic, payload)
    with_dictionary, kind = wire.encode(small, dictionary=True)
    without, _ = wire.encode(small)
    assert kind == wire.ZLIB_SHORT == "zlib"  # to hubs of this release: the content type said in 4 bytes
    assert with_dictionary[1] & 0x20
    assert len(with_dictionary) < 0.8 * len(without)
    assert wire.decode(with_dictionary, wire.ZLIB_SHORT) == wire.decode(with_dictionary, wire.ZLIB) == small
    assert wire.decode(without, wire.ZLIB) == small
    deflater = zlib.compressobj(9, zdict=b"another dictionary")
    other = deflater.compress(small.encode()) + deflater.flush()
    with pytest.raises(wire.WireError, match="malformed: unknown zlib dictionary"):
        wire.decode(other, wire.ZLIB)


def test_what_the_naming_rules_do_not_give_goes_as_it_is_and_reads_back(rows: list[tuple[int, str, str]]) -> None:
    topic, payload = next((t, p) for _, t, p in rows if "/events/" in t)
    event = EVENT_ADAPTER.validate_json(payload)
    odd: list[dict[str, Any]] = [
        {"snapshot": None},
        {"snapshot": "elsewhere/event.jpg"},
        {"source_id": ""},
        {"id": "0123456789abcdef01234567"},
        {"status": "closed", "end_s": event.start_s + 2.5},
    ]
    for change in odd:
        changed = event.model_copy(update=change)
        small = compact.compact(topic, changed.model_dump_json())
        assert "site" not in json.loads(small)
        assert set(change) - {"status"} <= set(json.loads(small))  # written, null and "" included
        assert _event(topic, small) == changed
    track_topic, track_payload = next((t, p) for _, t, p in rows if "/tracks/" in t)
    record = TrackMessage.model_validate_json(track_payload).record
    for change in (
        {"thumbnail": None},
        {"ended_at": record.ended_at.replace(microsecond=(record.ended_at.microsecond + 1) % 10**6)},
        {"id": "another:1"},
    ):
        message = TrackMessage(record=record.model_copy(update=change))
        small = compact.compact(track_topic, message.model_dump_json())
        assert set(change) <= set(json.loads(small)["record"])
        assert _track(track_topic, small).full_record() == message.record


def test_an_event_of_another_site_or_camera_goes_whole_and_is_refused_as_before(
    rows: list[tuple[int, str, str]],
) -> None:
    topic, payload = next((t, p) for _, t, p in rows if "/events/" in t)
    for other in ("camsight/south/events/gate", "camsight/north/events/door"):
        small = compact.compact(other, payload)
        assert {"site", "camera"} <= set(json.loads(small))  # not form 2: the hub sees whose it is
        assert compact.expand("events", *topics.parse(other)[::2], json.loads(small)) == json.loads(small)


def test_the_forms_of_the_release_before_read_unchanged(rows: list[tuple[int, str, str]]) -> None:
    """A hub of this release reads what edges of the release before send it (form 1, full forms) as they are."""
    for _, topic, payload in rows:
        for text in (payload, compact.compact(topic, payload, form=1)):
            assert _hub_reads(topic, text) == json.loads(text)
    event = next(p for _, t, p in rows if "/events/" in t)
    no_snapshot = EVENT_ADAPTER.validate_json(event).model_copy(update={"snapshot": None})
    form_1 = compact.compact("camsight/north/events/gate", no_snapshot.model_dump_json(), form=1)
    assert "snapshot" not in json.loads(form_1)  # form 1: absent is the default
    assert _event("camsight/north/events/gate", form_1).snapshot is None


def test_a_hub_says_it_reads_every_compact_form() -> None:
    assert compact.HUB_READS == (("reads", "compact-1"), ("reads", "compact-2"), ("reads", "compact-3"))
    assert compact.READS == ("reads", "compact-2")  # what an edge needs of every hub present for form 2
    assert compact.READS_3 == ("reads", "compact-3")  # and for form 3


def _held(rows: list[tuple[int, str, str]]) -> dict[tuple[str, str], str]:
    """``(site, source id) -> uri`` of every source of the rows: what a hub that stored them all holds."""
    held: dict[tuple[str, str], str] = {}
    for _, _topic, payload in rows:
        data = json.loads(payload)
        data = data.get("record", data)
        held[(data["site"], data["source_id"])] = data["source"]
    return held


def test_form_3_names_a_source_the_hub_holds_by_its_id_and_every_real_row_reads_back_exactly(
    rows: list[tuple[int, str, str]],
) -> None:
    held = _held(rows)
    known = {source for _, source in held}
    for _, topic, payload in rows:
        site, kind, camera = topics.parse(topic)
        small = compact.compact(topic, payload, form=3, known=known)
        data = json.loads(small)
        item = data.get("record", data)
        assert "source" not in item
        assert item["source_id"] in known
        back = compact.expand(kind, site, camera, data, sources=lambda s, i: held.get((s, i)))
        if kind == "events":
            assert EVENT_ADAPTER.validate_python(back) == EVENT_ADAPTER.validate_json(payload)
        else:
            full = TrackMessage.model_validate_json(payload)
            assert TrackMessage.model_validate(back).full_record() == full.record
        with pytest.raises(compact.UnknownSource, match="unknown source"):  # a hub that holds nothing of it
            compact.expand(kind, site, camera, data, sources=lambda _s, _i: None)
        # a source the hub does not hold goes whole, as in form 2
        assert compact.compact(topic, payload, form=3) == compact.compact(topic, payload, form=2) or "/tracks/" in topic


def test_form_3_sends_a_path_on_the_grid_of_thousandths_in_thousandths(rows: list[tuple[int, str, str]]) -> None:
    topic, payload = next((t, p) for _, t, p in rows if "/tracks/" in t)
    sent = TrackMessage.model_validate_json(payload)
    start = sent.record.start_s
    coarse = ((start, 0.512, 0.9), (start + 0.2, 0.515, 0.897), (start + 0.4, 0.519, 0.893))
    fine = ((start, 0.5123, 0.9), (start + 0.2, 0.515, 0.897))
    for path, place in ((coarse, 3), (fine, None)):
        message = sent.model_copy(update={"record": sent.record.model_copy(update={"path": path})})
        small = json.loads(compact.compact(topic, message.model_dump_json(), form=3))
        assert small["path"].get("p") == place
        if place == 3:
            assert small["path"]["x"] == [512, 3, 4]
            assert small["path"]["y"] == [900, -3, -4]
        assert _track(topic, json.dumps(small)).full_record().path == path
        assert "p" not in json.loads(compact.compact(topic, message.model_dump_json(), form=2))["path"]


def test_raw_deflate_goes_without_a_content_type_and_a_hub_tells_it_from_json_text(
    rows: list[tuple[int, str, str]],
) -> None:
    topic, payload = next((t, p) for _, t, p in rows if "/events/" in t)
    small = compact.compact(topic, payload, form=3)
    raw, kind = wire.encode(small, raw=True)
    zlibbed, _ = wire.encode(small, dictionary=True)
    assert kind == ""
    assert raw[:1] == wire.RAW_MARK
    assert len(raw) == len(zlibbed) - 9  # no zlib header, dictionary id or checksum; one byte of mark
    assert wire.decode(raw, None) == wire.decode(raw, "") == small
    assert wire.decode(small.encode(), None) == small  # JSON text without a content type, as older edges send
    with pytest.raises(wire.WireError, match="malformed: truncated raw DEFLATE data"):
        wire.decode(raw[:-3], None)
    with pytest.raises(wire.WireError, match="malformed: not raw DEFLATE data"):
        wire.decode(wire.RAW_MARK + b"\xff\xff\xff\xff", None)
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15, zdict=wire.DICTIONARY)
    bomb = wire.RAW_MARK + deflater.compress(b"{" + b" " * (2 * 256 * 1024) + b"}") + deflater.flush()
    with pytest.raises(wire.WireError, match="too large"):
        wire.decode(bomb, None)


def test_a_paths_times_in_form_2_are_a_step_when_constant_else_relative_to_the_start(
    rows: list[tuple[int, str, str]],
) -> None:
    topic, payload = next((t, p) for _, t, p in rows if "/tracks/" in t)
    record = TrackMessage.model_validate_json(payload).record
    start = record.start_s
    for path, form_2 in (
        (((start, 0.5, 0.5), (start + 0.2, 0.51, 0.5), (start + 0.4, 0.52, 0.5)), {"dt": 20}),
        (((start, 0.5, 0.5), (start + 0.2, 0.51, 0.5), (start + 0.6, 0.52, 0.5)), {"t": [0, 20, 40]}),
        (((start + 0.4, 0.5, 0.5), (start + 0.6, 0.51, 0.5), (start + 0.8, 0.52, 0.5)), {"t": [40, 20, 20]}),
    ):
        changed = record.model_copy(update={"path": path})
        small = compact.compact(topic, TrackMessage(record=changed).model_dump_json())
        assert json.loads(small)["path"].items() >= form_2.items()
        assert _track(topic, small).full_record() == changed
