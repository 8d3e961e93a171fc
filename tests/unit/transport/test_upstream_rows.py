"""What an edge writes for the hub: fewer event versions, thinned paths, batches, on real outbox rows.

The rows are the outbox of tests/data/stores/edge-north.db (a real clip analysed with a loitering rule).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from camsight.core.records import TrackRecord
from camsight.events.models import EVENT_ADAPTER, AnyEvent
from camsight.store import connect
from camsight.store.schema import outbox
from camsight.transport import batch, wire
from camsight.transport.outbox import OutboxWriter
from camsight.transport.path import simplify


def _without_thumbnail(payload: str) -> str:
    data = json.loads(payload)
    if "record" in data:
        data["thumbnail_jpeg"] = None
    return json.dumps(data)


def _events(rows: list[tuple[int, str, str]]) -> list[AnyEvent]:
    return [EVENT_ADAPTER.validate_json(p) for _, t, p in rows if "/events/" in t]


def _written(writer: OutboxWriter, alerts: list[AnyEvent], tmp_path: Path) -> list[dict[str, object]]:
    engine = connect(str(tmp_path / "out.db"))
    outbox.metadata.create_all(engine, tables=[outbox])
    with engine.begin() as conn:
        for alert in alerts:  # one alert a batch, as a live camera's sink sees them
            writer.write(conn, [alert], [])
    with engine.connect() as conn:
        payloads = [json.loads(p) for p in conn.execute(sa.select(outbox.c.payload).order_by(outbox.c.id)).scalars()]
    engine.dispose()
    return payloads


def test_an_open_events_updates_are_thinned_but_its_first_and_last_versions_always_go(
    rows: list[tuple[int, str, str]], tmp_path: Path
) -> None:
    alerts = []
    for alert in _events(rows):  # this rule's versions open and close; add updates between, a second apart
        alerts.append(alert)
        if alert.status == "open":
            alerts += [alert.model_copy(update={"end_s": alert.end_s + k}) for k in range(1, 6)]
    every = _written(OutboxWriter(media_root=tmp_path), alerts, tmp_path / "a")
    assert len(every) == len(alerts)
    fewer = _written(OutboxWriter(media_root=tmp_path, event_update_s=2.5), alerts, tmp_path / "b")
    before: dict[str, str] = {}  # event id -> status of its previous version
    wanted = []
    last: dict[str, float] = {}
    for alert in alerts:  # the first version, each closing one, one that opens a closed event, 2.5 s updates
        if (
            alert.status == "closed"
            or before.get(alert.id, "closed") == "closed"
            or alert.end_s - last[alert.id] >= 2.5
        ):
            wanted.append((alert.id, alert.end_s, alert.status))
            last[alert.id] = alert.end_s
        before[alert.id] = alert.status
    assert [(e["id"], e["end_s"], e["status"]) for e in fewer] == wanted
    assert len(fewer) < len(every)


def test_a_thinned_path_is_within_its_tolerance_at_every_samples_time(rows: list[tuple[int, str, str]]) -> None:
    records = [TrackRecord.model_validate(json.loads(p)["record"]) for _, t, p in rows if "/tracks/" in t]
    kept = total = 0
    for record in records:
        thin = simplify(record.path, tolerance=0.005)
        assert thin[:1] == record.path[:1]
        assert thin[-1:] == record.path[-1:]
        assert set(thin) <= set(record.path)
        if len(thin) > 1:
            times = [p[0] for p in thin]
            for t, x, y in record.path:
                assert abs(float(np.interp(t, times, [p[1] for p in thin])) - x) <= 0.005 + 1e-9
                assert abs(float(np.interp(t, times, [p[2] for p in thin])) - y) <= 0.005 + 1e-9
        kept, total = kept + len(thin), total + len(record.path)
    assert kept < 0.7 * total


def test_a_batch_holds_each_rows_payload_unchanged_and_is_far_smaller_than_the_rows_alone(
    rows: list[tuple[int, str, str]],
) -> None:
    rows = [(i, t, _without_thumbnail(p)) for i, t, p in rows]  # as edges send them by default
    packed = batch.pack(rows)
    assert sorted(i for _, _, ids in packed for i in ids) == [r[0] for r in rows]
    by_id = {i: (t, p) for i, t, p in rows}
    for topic, text, ids in packed:
        data = json.loads(wire.decode(*wire.encode(text)))
        assert batch.is_batch(data)
        assert data["schema_version"] == batch.SCHEMA_VERSION
        assert [json.loads(by_id[i][1]) for i in ids] == data["items"]
        assert {by_id[i][0] for i in ids} == {topic}
        assert batch.parse_ids(batch.ids_property(ids)) == list(ids)
    alone = sum(len(wire.encode(p)[0]) for _, _, p in rows)
    together = sum(len(wire.encode(text)[0]) for _, text, _ in packed)
    assert together < alone / 2
    assert batch.parse_ids("12,x") is None
    assert batch.parse_ids("") is None
