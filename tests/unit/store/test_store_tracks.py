from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from store_factories import T0, make_track

from camsight.store import count_tracks, get_track, list_tracks, upsert_track, upsert_tracks
from camsight.store.schema import tracks

RUN = "run-1"


@pytest.mark.parametrize(
    "record",
    [
        make_track(1),
        make_track(2, appearance=None, thumbnail=None, path=(), zones=(), events=()),
        make_track(3, object_class="car", confidence=1.0, frames=0),
    ],
)
def test_track_record_round_trip(engine: sa.Engine, record: object) -> None:
    with engine.begin() as conn:
        upsert_track(conn, record=record, run_id=RUN)  # type: ignore[arg-type]
    with engine.connect() as conn:
        got = get_track(conn, track_id=record.id)  # type: ignore[attr-defined]
        row = conn.execute(sa.select(tracks)).mappings().one()
    assert got == record
    assert got is not None
    assert got.started_at.utcoffset() == timedelta(0)
    assert row["run_id"] == RUN
    assert row["zones"] == list(got.zones)
    assert row["appearance"] == (None if got.appearance is None else got.appearance.model_dump(mode="json"))


def test_upsert_track_replaces_by_id(engine: sa.Engine) -> None:
    first = make_track(1)
    longer = first.model_copy(update={"end_s": first.end_s + 20, "frames": 99})
    with engine.begin() as conn:
        upsert_track(conn, record=first, run_id=RUN)
        upsert_track(conn, record=longer, run_id="run-2")
    with engine.connect() as conn:
        assert count_tracks(conn) == 1
        assert get_track(conn, track_id=first.id) == longer
        assert conn.execute(sa.select(tracks.c.run_id)).scalar_one() == "run-2"


def test_get_missing_track_is_none(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        assert get_track(conn, track_id="nope:1") is None


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, [5, 4, 3, 2, 1]),
        ({"object_class": "car"}, [4, 2]),
        ({"camera": "cam2"}, [5]),
        ({"source_id": "other"}, [3]),
        ({"since": T0 + timedelta(minutes=3)}, [5, 4, 3]),
        ({"since": T0 + timedelta(minutes=2), "until": T0 + timedelta(minutes=4)}, [3, 2]),
        ({"object_class": "person", "camera": "cam1"}, [3, 1]),
        ({"limit": 1, "offset": 1}, [4]),
    ],
)
def test_list_and_count_filters(engine: sa.Engine, filters: dict[str, object], expected: list[int]) -> None:
    batch = [
        make_track(1),
        make_track(2, object_class="car"),
        make_track(3, source_id="other"),
        make_track(4, object_class="car"),
        make_track(5, camera="cam2"),
    ]
    with engine.begin() as conn:
        upsert_tracks(conn, records=batch, run_id=RUN)
    with engine.connect() as conn:
        got = list_tracks(conn, **filters)  # type: ignore[arg-type]
        counted = count_tracks(conn, **{k: v for k, v in filters.items() if k not in ("limit", "offset")})  # type: ignore[arg-type]
    assert [r.tracker_id for r in got] == expected
    if "limit" not in filters:
        assert counted == len(expected)


def test_batch_upsert_of_many_tracks(engine: sa.Engine) -> None:
    batch = [make_track(i) for i in range(1, 1201)]
    with engine.begin() as conn:
        upsert_tracks(conn, records=batch, run_id=RUN)
        upsert_tracks(conn, records=batch[:600], run_id="run-2")
        upsert_tracks(conn, records=[], run_id="run-3")
    with engine.connect() as conn:
        assert count_tracks(conn) == 1200
        assert conn.execute(sa.select(sa.func.count()).where(tracks.c.run_id == "run-2")).scalar_one() == 600
        assert len(list_tracks(conn, limit=2000)) == 1200
