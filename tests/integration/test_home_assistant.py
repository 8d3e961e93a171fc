"""``camsight run`` announcing a live camera to Home Assistant: real RTSP, real detector, real Mosquitto.

A real clip (a worker walking into the left of the view) is served over RTSP; the supervisor follows
it in a spawned worker with the real detector, and a listener subscribes as Home Assistant would. What
Home Assistant saw is compared with what the store holds at the end: the rules' binary sensors with
the stored events (by id, opened then closed), the zone's people count with the stored tracks.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from camsight.config import Config
from camsight.core.records import TrackRecord
from camsight.store import list_events, list_tracks, open_store
from ha_listener import Listener, wait_for
from mqtt_broker import broker
from rtsp_helpers import DATA, RtspServer, health, running

CLIP = DATA / "intel_worker-zone-detection_preview.mp4"  # 4.7 s: one worker walks from x 0.6 to 0.25
LEFT = [[0, 0], [0.35, 0], [0.35, 1], [0, 1]]


def config(source: str, broker_url: str) -> Config:
    return Config.model_validate(
        {
            "site": "plant",
            "cameras": [
                {
                    "id": "floor",
                    "source": source,
                    "fps": 5,
                    "zones": [{"name": "left", "polygon": LEFT}],
                    "rules": [
                        {"kind": "zone_intrusion", "zone": "left", "min_inside_s": 0.4},
                        {"kind": "loitering", "zone": "left", "min_dwell_s": 1.0},
                    ],
                }
            ],
            "detector": {"threads": 1},
            "recording": {"enabled": False},
            "live": {"backoff_initial_s": 60, "backoff_max_s": 60, "stall_timeout_s": 5, "metrics_port": 0},
            "home_assistant": {"mqtt": broker_url, "counts_every_s": 0.5},
        }
    )


def most_at_once(tracks: list[TrackRecord], zone: str) -> int:
    """The most stored person tracks that visited ``zone`` and were alive at the same time."""
    spans = [(t.start_s, t.end_s) for t in tracks if zone in t.zones and t.object_class == "person"]
    return max((sum(s <= start <= e for s, e in spans) for start, _ in spans), default=0)


def lifecycle(states: list[dict[str, Any]], alert_id: str) -> list[bool]:
    """Whether the alert was among the open ones, message after message, repeats left out."""
    runs: list[bool] = []
    for state in states:
        if not runs or runs[-1] != (alert_id in state["alerts"]):
            runs.append(alert_id in state["alerts"])
    return runs


@pytest.mark.slow
def test_camsight_run_announces_its_camera_to_home_assistant(
    servers: Callable[..., RtspServer], tmp_path: Path
) -> None:
    server = servers({"floor": CLIP})
    with broker(tmp_path / "broker") as mosquitto:
        cfg = config(server.url("floor"), mosquitto.url)
        db = tmp_path / "live.db"
        home = Listener(mosquitto.port).start()
        try:
            with running(cfg, db) as supervisor:
                wait_for(lambda: len(home.configs()) == 3, 60, "two binary sensors and a people count")
                first = home.configs()
                before = len(home.all())
                home.birth()  # Home Assistant restarted: it reads every config again
                wait_for(lambda: len(configs_after(home, before)) == 3, 30, "the configs announced again")
                wait_for(lambda: health(supervisor)["floor"].state == "backoff", 120, "the clip to end")
            wait_for(lambda: home.texts("camsight/plant/ha/availability")[-1:] == ["offline"], 30, "offline")
        finally:
            home.stop()
    with open_store(cfg, str(db)).engine.connect() as conn:
        events = list_events(conn)
        tracks = list_tracks(conn)
    _check_configs(first, home)
    _check_rules(home, events)
    counts = [int(text) for text in home.texts("camsight/plant/ha/floor/zones/left")]
    assert counts[0] == counts[-1] == 0  # nobody before the stream, nobody once it stopped
    assert 1 <= max(counts) <= most_at_once(tracks, "left")  # never more than the stored tracks there at once
    assert "online" in home.texts("camsight/plant/ha/floor/availability")
    assert home.texts("camsight/plant/ha/floor/availability")[-1] == "offline"
    assert all(m.retain for m in home.all() if m.topic != "homeassistant/status")  # but the birth


def configs_after(home: Listener, before: int) -> list[str]:
    return [m.topic for m in home.all()[before:] if m.topic.endswith("/config") and m.payload]


def _check_configs(configs: dict[str, dict[str, Any]], home: Listener) -> None:
    kinds = sorted(topic.split("/")[1] for topic in configs)
    assert kinds == ["binary_sensor", "binary_sensor", "sensor"]
    assert all(topic.split("/")[2] == "plant" and topic.split("/")[3] == c["unique_id"] for topic, c in configs.items())
    assert len({c["unique_id"] for c in configs.values()}) == 3
    assert len({c["device"]["identifiers"][0] for c in configs.values()}) == 1  # one device: the camera
    names = sorted(c["name"] for c in configs.values())
    assert names == ["left people", "loitering:left", "zone_intrusion:left"]
    for config in configs.values():
        assert {"name", "unique_id", "state_topic", "availability", "device", "origin"} <= set(config)
        assert home.all(config["state_topic"]), f"nothing on {config['state_topic']}"


def _check_rules(home: Listener, events: list[Any]) -> None:
    assert {e.rule for e in events} >= {"zone_intrusion:left"}
    for rule in ("zone_intrusion:left", "loitering:left"):
        states = [m.json() for m in home.all(f"camsight/plant/ha/floor/rules/{rule}")]
        stored = [e for e in events if e.rule == rule]
        assert states[0] == states[-1] == {"state": "OFF", "alerts": []}
        assert all((s["state"] == "ON") == bool(s["alerts"]) for s in states)
        assert {a for s in states for a in s["alerts"]} == {e.id for e in stored}
        for event in stored:  # on once and off once, as the stored event opened and closed
            assert event.status == "closed"
            assert lifecycle(states, event.id) == [False, True, False]
