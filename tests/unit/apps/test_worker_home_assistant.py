"""A live camera worker's news for Home Assistant, on real frames, through a real Mosquitto to a listener.

The worker runs in this process with a stand-in detector (two people: one standing in the zone, one
walking into it); what it sends the supervisor goes to :class:`HomeAssistant`, as the supervisor does,
and a listener subscribes as Home Assistant would. What Home Assistant ends up seeing is compared with
what the store holds: the events' ids and open/closed lifecycle, and the stored tracks in the zone.
"""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

from stand_ins import Box, GivenBoxes, clip_frames, walker

from camsight.apps.wiring import make_home_assistant
from camsight.apps.worker import CameraWorker, WorkerSpec
from camsight.config import parse_config
from camsight.core.records import TrackRecord
from camsight.store import list_events, list_tracks, open_store
from camsight.transport.homeassistant import RuleState, ZoneCounts
from ha_listener import Listener, wait_for
from mqtt_broker import broker

CONFIG = """
site: depot
cameras:
  - id: floor
    source: rtsp://127.0.0.1:9/never-opened
    zones:
      - name: right
        polygon: [[0.4, 0], [1, 0], [1, 1], [0.4, 1]]
    rules:
      - kind: zone_intrusion
        zone: right
        min_inside_s: 0.2
motion:
  enabled: false
recording:
  enabled: false
home_assistant:
  mqtt: {url}
  counts_every_s: 0.5
"""


def two_people(t: float) -> list[Box]:
    """One person standing inside the zone (x 300-360 of 480), one walking towards it from the left."""
    return [(300.0, 90.0, 360.0, 240.0), *walker(t)]


def most_at_once(tracks: list[TrackRecord], zone: str) -> int:
    """The most stored person tracks that visited ``zone`` and were alive at the same time."""
    spans = [(t.start_s, t.end_s) for t in tracks if zone in t.zones and t.object_class == "person"]
    return max((sum(s <= start <= e for s, e in spans) for start, _ in spans), default=0)


def lifecycle(states: list[dict[str, list[str]]], alert_id: str) -> list[bool]:
    """Whether the alert was among the open ones, message after message, repeats left out."""
    runs: list[bool] = []
    for state in states:
        if not runs or runs[-1] != (alert_id in state["alerts"]):
            runs.append(alert_id in state["alerts"])
    return runs


def test_home_assistant_sees_the_stored_events_open_and_close_and_the_people_in_the_zone(tmp_path: Path) -> None:
    with broker(tmp_path / "broker") as mosquitto:
        config = parse_config(CONFIG.format(url=mosquitto.url))
        db = str(tmp_path / "live.db")
        reader, writer = mp.Pipe(duplex=False)
        worker = CameraWorker(WorkerSpec(config, "floor", db), writer, detector=GivenBoxes(two_people))
        ha = make_home_assistant(config, worker.engine, cameras=["floor"])
        assert ha is not None
        home = Listener(mosquitto.port).start()
        ha.start()
        try:
            wait_for(lambda: len(home.configs()) == 2, 10, "the rule's and the zone's configs")
            ha.cameras({"floor": True})
            worker.start()
            news = 0
            for frame in [*clip_frames(until_s=4.7), None]:
                if frame is None:
                    worker.finish()
                else:
                    worker.analyse(frame)
                while reader.poll():  # what the supervisor does with what a worker sends
                    message = reader.recv()
                    if isinstance(message, RuleState | ZoneCounts):
                        ha.observe(message)
                        news += 1
            rule, zone = "camsight/depot/ha/floor/rules/zone_intrusion:right", "camsight/depot/ha/floor/zones/right"
            ended = '{"state": "OFF", "alerts": []}'
            wait_for(lambda: len(home.all(rule)) > 2 and home.texts(rule)[-1:] == [ended], 10, "the rule off")
            wait_for(lambda: home.texts(zone)[-1:] == ["0"] and len(home.all(zone)) > 1, 10, "the zone empty")
        finally:
            ha.stop()
            home.stop()
    store = open_store(config, db)
    with store.engine.connect() as conn:
        events = list_events(conn)
        tracks = list_tracks(conn)
    assert news > 0
    states = [m.json() for m in home.all(rule)]
    assert states[0] == {"state": "OFF", "alerts": []}  # announced before anything happened
    assert all((s["state"] == "ON") == bool(s["alerts"]) for s in states)
    assert {a for s in states for a in s["alerts"]} == {e.id for e in events}  # no alert the store lacks
    assert len(events) == 2  # one per person entering
    for event in events:  # each went on once and off once, as it opened and closed in the store
        assert event.status == "closed"
        assert lifecycle(states, event.id) == [False, True, False]
    assert states[-1] == {"state": "OFF", "alerts": []}
    counts = [int(text) for text in home.texts(zone)]
    assert max(counts) == most_at_once(tracks, "right") == 2
    assert counts[0] == counts[-1] == 0
    assert all(m.retain for m in home.all(zone) + home.all(rule))
