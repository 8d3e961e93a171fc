"""Cameras and their geometry as use cases: fallback to the config, validated saves, versions, masks, scope.

The analysis paths (``camsight analyze`` and a live worker) are run on real frames with the stand-in
detector of tests/unit/apps/stand_ins.py, to show that they take the geometry saved in the store.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "apps"))
from stand_ins import CLIP, GivenBoxes, clip_frames, walker  # noqa: E402

from camsight.apps.analyze import Analyzer  # noqa: E402
from camsight.apps.worker import CameraWorker, WorkerSpec  # noqa: E402
from camsight.config import Config, parse_config  # noqa: E402
from camsight.events.models import ZoneIntrusionEvent  # noqa: E402
from camsight.services import audit, cameras  # noqa: E402
from camsight.services.actor import Actor, Forbidden, os_actor  # noqa: E402
from camsight.services.cameras import (  # noqa: E402
    CameraNotFound,
    GeometryConflict,
    GeometryEdit,
    GeometryInvalid,
    LineDraft,
    ZoneDraft,
)
from camsight.services.events import known_cameras  # noqa: E402
from camsight.sources import SourceSpec  # noqa: E402
from camsight.store import list_events, open_store, upsert_camera, upsert_event  # noqa: E402
from camsight.store.handle import Store  # noqa: E402
from camsight.store.status_file import CameraHealth, write_status  # noqa: E402

ADMIN = os_actor()
OPERATOR = Actor("user:op", role="operator")
LOBBY_ONLY = Actor("user:lobby", role="admin", cameras=frozenset({"lobby"}))
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
CORNER = ((0.0, 0.0), (0.05, 0.0), (0.05, 0.05))  # a corner of the view nobody walks into
WHOLE = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))
MASK = ((0.8, 0.0), (1.0, 0.0), (1.0, 0.2), (0.8, 0.2))

CONFIG = """
site: depot
cameras:
  - id: floor
    source: rtsp://admin:secret@10.0.0.5:554/stream1
    zones:
      - name: door
        polygon: [[0, 0], [0.05, 0], [0.05, 0.05]]
    lines:
      - name: sill
        a: [0.1, 0.9]
        b: [0.9, 0.9]
    masks:
      - [[0.8, 0.0], [1.0, 0.0], [1.0, 0.2], [0.8, 0.2]]
    rules:
      - kind: zone_intrusion
        zone: door
        min_inside_s: 0.2
  - id: lobby
motion:
  enabled: false
recording:
  enabled: false
"""


@pytest.fixture
def config() -> Config:
    return parse_config(CONFIG)


@pytest.fixture
def store(config: Config, tmp_path: Path) -> Store:
    return open_store(config, str(tmp_path / "site.db"))


def _edit(
    *,
    zones: tuple[ZoneDraft, ...] = (ZoneDraft("door", WHOLE),),
    masks: tuple[cameras.Mask, ...] = (MASK,),
    version: int = 0,
    reason: str | None = None,
) -> GeometryEdit:
    """The config's geometry with the door zone over the whole view (unless told otherwise)."""
    sill = LineDraft("sill", (0.1, 0.9), (0.9, 0.9))
    return GeometryEdit(zones=zones, lines=(sill,), masks=masks, version=version, reason=reason)


def _save(store: Store, config: Config, edit: GeometryEdit, *, actor: Actor = ADMIN) -> cameras.Geometry:
    with store.engine.begin() as conn:
        return cameras.save_geometry(conn, actor=actor, config=config, camera="floor", geometry=edit, now=NOW)


def _geometry(store: Store, config: Config, *, actor: Actor = ADMIN, camera: str = "floor") -> cameras.Geometry:
    with store.engine.connect() as conn:
        return cameras.geometry(conn, actor=actor, config=config, camera=camera)


def _audit(store: Store) -> list[dict[str, object]]:
    with store.engine.connect() as conn:
        return [e.detail for e in audit.entries(conn, actor=ADMIN, action="camera.geometry")]


def test_without_a_saved_geometry_the_config_s_applies(store: Store, config: Config) -> None:
    found = _geometry(store, config)
    assert (found.origin, found.version) == ("config", 0)
    assert [z.name for z in found.zones] == ["door"]
    assert found.zones[0].polygon == [(0, 0), (0.05, 0), (0.05, 0.05)]
    assert found.masks == (MASK,)
    assert [ln.name for ln in found.lines] == ["sill"]


def test_a_valid_save_makes_a_new_version_and_is_audited(store: Store, config: Config) -> None:
    first = _save(store, config, _edit())
    assert (first.version, first.origin, first.updated_by) == (1, "store", ADMIN.name)
    found = _geometry(store, config)
    assert (found.version, found.origin) == (1, "store")
    assert found.zones[0].polygon == list(WHOLE)
    second = _save(store, config, _edit(masks=(MASK, CORNER), version=1))
    assert second.version == 2
    assert _audit(store) == [
        {"camera": "floor", "version": 2, "zones": 1, "lines": 1, "masks": 2, "masks_changed": True},
        {"camera": "floor", "version": 1, "zones": 1, "lines": 1, "masks": 1},
    ]


def test_a_self_crossing_zone_is_refused_with_the_config_s_message(store: Store, config: Config) -> None:
    bow_tie = ZoneDraft("door", ((0.1, 0.1), (0.9, 0.9), (0.9, 0.1), (0.1, 0.9)))
    with pytest.raises(GeometryInvalid) as caught:
        _save(store, config, _edit(zones=(bow_tie,)))
    assert caught.value.problems == (
        "zones.0.polygon: zone 'door': its outline crosses itself: the edge from [0.1, 0.1] to [0.9, 0.9] "
        "meets the edge from [0.9, 0.1] to [0.1, 0.9]",
    )
    assert _geometry(store, config).origin == "config"  # nothing stored
    assert _audit(store) == []


def test_removing_a_zone_a_rule_uses_is_refused_and_every_problem_is_listed(store: Store, config: Config) -> None:
    flat = ZoneDraft("exit", ((0.1, 0.1), (0.5, 0.5), (0.9, 0.9)))
    with pytest.raises(GeometryInvalid) as caught:
        _save(store, config, _edit(zones=(flat,)))
    assert caught.value.problems == (
        "zones.0.polygon: zone 'exit': it has zero area: all its points lie on one line",
        "rules.0: refers to unknown zone 'door' (zones: exit)",
    )
    assert "2 problem(s)" in str(caught.value)


@pytest.mark.parametrize(
    ("masks", "why"),
    [
        ((), "removed"),
        ((((0.85, 0.0), (1.0, 0.0), (1.0, 0.2), (0.85, 0.2)),), "shrunk"),
        ((((0.7, 0.0), (0.9, 0.0), (0.9, 0.2), (0.7, 0.2)),), "moved"),
    ],
)
def test_a_mask_is_never_lifted_without_a_reason(
    store: Store, config: Config, masks: tuple[cameras.Mask, ...], why: str
) -> None:
    with pytest.raises(GeometryInvalid, match="removes or shrinks a privacy mask; give a reason"):
        _save(store, config, _edit(masks=masks))
    saved = _save(store, config, _edit(masks=masks, reason=f"mask {why}: wall repainted"))
    assert saved.masks == masks
    (detail,) = _audit(store)
    assert detail["masks_lifted"] is True
    assert detail["masks_changed"] is True
    assert detail["reason"] == f"mask {why}: wall repainted"


def test_a_mask_grown_or_redrawn_from_another_corner_needs_no_reason(store: Store, config: Config) -> None:
    grown = ((0.7, 0.0), (1.0, 0.0), (1.0, 0.3), (0.7, 0.3))
    assert _save(store, config, _edit(masks=(grown,))).version == 1
    rotated = (grown[2], grown[3], grown[0], grown[1])
    assert _save(store, config, _edit(masks=(rotated,), version=1)).version == 2


def test_a_save_on_a_stale_version_is_a_conflict(store: Store, config: Config) -> None:
    _save(store, config, _edit())
    with pytest.raises(GeometryConflict, match="changed meanwhile"):
        _save(store, config, _edit(version=0))
    _save(store, config, _edit(version=1))
    with pytest.raises(GeometryConflict, match=r"version 2; this edit was made on version 1"):
        _save(store, config, _edit(version=1))


def test_only_admins_save_and_only_in_their_scope(store: Store, config: Config) -> None:
    with pytest.raises(Forbidden, match="needs the admin role"):
        _save(store, config, _edit(), actor=OPERATOR)
    with pytest.raises(CameraNotFound):
        _save(store, config, _edit(), actor=LOBBY_ONLY)
    with pytest.raises(CameraNotFound):
        _geometry(store, config, actor=LOBBY_ONLY)
    with pytest.raises(CameraNotFound):
        _geometry(store, config, camera="nowhere")
    assert _geometry(store, config, actor=LOBBY_ONLY, camera="lobby").zones == ()


def test_a_saved_geometry_that_no_longer_fits_the_rules_keeps_every_mask(
    store: Store, config: Config, tmp_path: Path
) -> None:
    _save(store, config, _edit(masks=(MASK, CORNER)))
    changed = parse_config(CONFIG.replace("zone: door", "zone: exit").replace("name: door", "name: exit"))
    with store.engine.connect() as conn:
        camera = cameras.effective_camera(conn, changed.camera("floor"), site="depot")
    assert [z.name for z in camera.zones] == ["exit"]  # the config's: the saved zones do not fit its rules
    assert len(camera.masks) == 3  # the config's mask and both saved ones


def test_the_list_shows_sources_without_credentials_snapshots_and_live_state(
    store: Store, config: Config, tmp_path: Path
) -> None:
    event = ZoneIntrusionEvent(
        id="ev1",
        site="depot",
        rule="r",
        camera="floor",
        source="rtsp://10.0.0.5/stream1",
        start_s=0,
        end_s=1,
        started_at=NOW,
        score=0.9,
        object_class="person",
        snapshot="floor/s/ev1.jpg",
    )
    with store.engine.begin() as conn:
        upsert_camera(conn, camera_id="old-file", source="/footage/old.mp4", site="depot")
        upsert_event(conn, event=event, source_id="s", run_id="r")
    status = tmp_path / "site-status.json"
    write_status(status, [CameraHealth("floor", state="live", last_frame_at=NOW.timestamp())], pid=1, started_at=0)
    with store.engine.connect() as conn:
        views = cameras.list_cameras(conn, actor=ADMIN, config=config, status_file=status)
        scoped = cameras.list_cameras(conn, actor=LOBBY_ONLY, config=config, status_file=status)
    assert [v.id for v in views] == ["floor", "lobby", "old-file"]
    floor = views[0]
    assert floor.source == "rtsp://10.0.0.5:554/stream1"
    assert floor.snapshot == "/api/media/snapshots/ev1"
    assert floor.live is not None
    assert (floor.live.state, floor.live.last_frame_at) == ("live", NOW)
    assert floor.geometry.origin == "config"
    assert (views[1].live, views[1].snapshot, views[2].configured) == (None, None, False)
    assert [v.id for v in scoped] == ["lobby"]


def test_an_account_limited_to_sites_lists_only_their_cameras(tmp_path: Path) -> None:
    hub = parse_config("site: hub\n")  # a hub's config names no cameras: they come from the edges
    store = open_store(hub, str(tmp_path / "hub.db"))
    with store.engine.begin() as conn:
        for site, camera in (("north", "gate"), ("south", "gate"), ("south", "dock"), ("north", "yard")):
            upsert_camera(conn, camera_id=camera, source=None, site=site)
    north = Actor("user:bo", role="operator", sites=frozenset({"north"}))
    with store.engine.connect() as conn:
        everyone = [v.id for v in cameras.list_cameras(conn, actor=ADMIN, config=hub)]
        seen = [v.id for v in cameras.list_cameras(conn, actor=north, config=hub)]
        known = known_cameras(conn, actor=north)
    assert everyone == ["dock", "gate", "yard"]  # no implicit 'default' camera: the hub's config names none
    assert known == ["gate", "yard"]  # gate is north's too; dock is south's only
    assert seen == ["gate", "yard"]
    with store.engine.connect() as conn:
        sites = {v.id: v.site for v in cameras.list_cameras(conn, actor=ADMIN, config=hub)}
        norths = {v.id: v.site for v in cameras.list_cameras(conn, actor=north, config=hub)}
    assert sites == {"dock": "south", "gate": "north, south", "yard": "north"}  # the edges' sites, not the hub's
    assert norths == {"gate": "north", "yard": "north"}


def test_a_cameras_snapshot_is_of_the_sites_the_account_may_see(tmp_path: Path) -> None:
    hub = parse_config("site: hub\n")
    store = open_store(hub, str(tmp_path / "hub.db"))
    with store.engine.begin() as conn:
        for n, site in enumerate(("north", "south")):  # south's gate event is the newer
            upsert_camera(conn, camera_id="gate", source=None, site=site)
            event = ZoneIntrusionEvent(
                id=f"{site}-ev",
                site=site,
                rule="r",
                camera="gate",
                source=f"rtsp://{site}/gate",
                start_s=0,
                end_s=1,
                started_at=NOW + timedelta(minutes=n),
                score=0.9,
                object_class="person",
                snapshot=f"gate/s/{site}-ev.jpg",
            )
            upsert_event(conn, event=event, source_id=f"{site}-s", run_id="r")
    north = Actor("user:bo", role="operator", sites=frozenset({"north"}))
    with store.engine.connect() as conn:
        (everyones,) = cameras.list_cameras(conn, actor=ADMIN, config=hub)
        (norths,) = cameras.list_cameras(conn, actor=north, config=hub)
    assert everyones.snapshot is not None
    assert "south-ev" in everyones.snapshot
    assert norths.snapshot is not None
    assert "north-ev" in norths.snapshot  # not south's newer one, which it may not see


def test_at_a_hub_another_sites_camera_and_the_implicit_default_are_not_found(tmp_path: Path) -> None:
    hub = parse_config("site: hub\n")
    store = open_store(hub, str(tmp_path / "hub.db"))
    with store.engine.begin() as conn:
        for site, camera in (("north", "gate"), ("south", "gate"), ("south", "dock")):
            upsert_camera(conn, camera_id=camera, source=None, site=site)
    north = Actor("user:bo", role="operator", sites=frozenset({"north"}))
    with store.engine.connect() as conn:
        assert cameras.visible_camera(conn, actor=north, config=hub, camera="gate").id == "gate"
        assert cameras.visible_camera(conn, actor=ADMIN, config=hub, camera="dock").id == "dock"
        for actor, camera in ((north, "dock"), (ADMIN, "default")):
            with pytest.raises(CameraNotFound):
                cameras.visible_camera(conn, actor=actor, config=hub, camera=camera)


def test_a_camera_only_the_config_names_is_its_sites() -> None:
    edge = parse_config(CONFIG)  # site depot, cameras floor and lobby, nothing stored yet
    store = open_store(edge, ":memory:")
    elsewhere = Actor("user:bo", role="operator", sites=frozenset({"north"}))
    depot = Actor("user:cy", role="operator", sites=frozenset({"depot"}))
    with store.engine.connect() as conn:
        assert cameras.list_cameras(conn, actor=elsewhere, config=edge) == []
        assert [v.id for v in cameras.list_cameras(conn, actor=depot, config=edge)] == ["floor", "lobby"]


ANALYSIS = CONFIG.replace("    source: rtsp://admin:secret@10.0.0.5:554/stream1\n", "")


def test_camsight_analyze_uses_the_zone_drawn_in_the_console(tmp_path: Path) -> None:
    config = parse_config(ANALYSIS)
    store = open_store(config, str(tmp_path / "a.db"))
    analyzer = Analyzer(config, store, detector=GivenBoxes(walker), describe=False)
    analyzer.analyze(SourceSpec(CLIP, "video"), config.camera("floor"))
    with store.engine.connect() as conn:
        assert list_events(conn) == []  # the config's zone is a corner nobody enters
    _save(store, config, _edit())  # the console draws the zone over the whole view
    analyzer.analyze(SourceSpec(CLIP, "video"), config.camera("floor"))
    with store.engine.connect() as conn:
        (event,) = list_events(conn)
    assert (event.kind, event.zone) == ("zone_intrusion", "door")


def test_a_live_worker_uses_the_geometry_drawn_in_the_console(tmp_path: Path) -> None:
    config = parse_config(CONFIG.replace("rtsp://admin:secret@10.0.0.5:554/stream1", "rtsp://127.0.0.1:9/never"))
    db = str(tmp_path / "live.db")
    _save(open_store(config, db), config, _edit(masks=(MASK, CORNER)))
    _reader, writer = mp.Pipe(duplex=False)
    worker = CameraWorker(WorkerSpec(config, "floor", db), writer, detector=GivenBoxes(walker))
    worker.start()
    assert worker.pipe is not None
    assert worker.pipe.camera.zones[0].polygon == list(WHOLE)
    assert len(worker.pipe.camera.masks) == 2
    for frame in clip_frames(until_s=2.0, wall_origin=NOW - timedelta(minutes=1)):
        worker.analyse(frame)
    worker.finish()
    with open_store(config, db).engine.connect() as conn:
        (event,) = list_events(conn)
    assert (event.kind, event.zone) == ("zone_intrusion", "door")
