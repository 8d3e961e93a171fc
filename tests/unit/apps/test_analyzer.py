"""File analysis through the drive loop (stand-in detector, real clip): ids, sites, camera choice, re-analysis."""

from __future__ import annotations

from pathlib import Path

import pytest
from stand_ins import CLIP, GivenBoxes, walker

from camsight.apps.analyze import Analyzer
from camsight.cli.analyze import pick_camera
from camsight.config import Config, parse_config
from camsight.errors import CamsightError
from camsight.sources import SourceSpec
from camsight.store import list_events, list_tracks, open_store

RULES = """
site: {site}
cameras:
  - id: floor
    zones:
      - name: all
        polygon: [[0, 0], [1, 0], [1, 1], [0, 1]]
    rules:
      - kind: zone_intrusion
        zone: all
        min_inside_s: 0.2
motion:
  enabled: false
"""


def _analyse(site: str, db: Path) -> tuple[set[str], set[str]]:
    config = parse_config(RULES.format(site=site))
    store = open_store(config, str(db))
    Analyzer(config, store, detector=GivenBoxes(walker), describe=False).analyze(
        SourceSpec(CLIP, "video"), config.cameras[0]
    )
    with store.engine.connect() as conn:
        return {e.id for e in list_events(conn)}, {t.id for t in list_tracks(conn)}


def test_two_sites_analysing_the_same_file_never_share_an_id(tmp_path: Path) -> None:
    a_events, a_tracks = _analyse("north", tmp_path / "a.db")
    b_events, b_tracks = _analyse("south", tmp_path / "b.db")
    assert a_events
    assert a_tracks
    assert a_events.isdisjoint(b_events)
    assert a_tracks.isdisjoint(b_tracks)


def test_analysing_a_file_again_keeps_its_ids(tmp_path: Path) -> None:
    first = _analyse("north", tmp_path / "a.db")
    assert _analyse("north", tmp_path / "a.db") == first


def _spec(name: str) -> SourceSpec:
    return SourceSpec(Path("/footage") / name, "video")


def test_a_file_gets_the_camera_whose_source_it_is() -> None:
    config = Config.model_validate({"cameras": [{"id": "gate", "source": "/footage/gate.mp4"}, {"id": "other"}]})
    assert pick_camera(config, _spec("gate.mp4"), None) == (config.cameras[0], None)


def test_a_file_of_no_camera_says_whose_rules_apply() -> None:
    config = Config.model_validate({"cameras": [{"id": "gate", "source": "/footage/gate.mp4"}, {"id": "yard"}]})
    camera, note = pick_camera(config, _spec("clip.mp4"), None)
    assert camera.id == "yard"
    assert note == "clip.mp4: no camera has it as source; camera yard's zones and rules apply"


def test_a_file_several_cameras_could_take_is_refused() -> None:
    config = Config.model_validate({"cameras": [{"id": "gate"}, {"id": "yard"}]})
    with pytest.raises(CamsightError, match=r"2 cameras could apply \(gate, yard\); say which with --camera"):
        pick_camera(config, _spec("clip.mp4"), None)
    assert pick_camera(config, _spec("clip.mp4"), "yard")[0].id == "yard"


def test_without_a_config_the_camera_is_named_after_the_file() -> None:
    assert pick_camera(Config(), _spec("North Gate.mp4"), None)[0].id == "North-Gate"
