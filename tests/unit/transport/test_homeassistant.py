"""Home Assistant discovery: ids, entities and configs, a worker's news, and the connection on a real Mosquitto."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from camsight.config import Config
from camsight.config.models import CameraConfig
from camsight.events.models import AlertBudgetEvent, AnyEvent, ZoneIntrusionEvent
from camsight.events.sinks import Published
from camsight.transport.ha_entities import clean_id, config_topic, discovery, entities, topic_level, unique_id
from camsight.transport.homeassistant import HomeAssistant, RuleState, WorkerNews, ZoneCounts
from camsight.transport.mqtt import BrokerSettings
from ha_listener import Listener, wait_for
from mqtt_broker import Broker, broker

ROOT = Path(__file__).resolve().parents[3]
BOX = [[0, 0], [1, 0], [1, 1], [0, 1]]


def camera(camera_id: str = "gate", **extra: Any) -> CameraConfig:
    return CameraConfig.model_validate(
        {
            "id": camera_id,
            "zones": [{"name": "yard", "polygon": BOX}, {"name": "door", "polygon": BOX}],
            "rules": [
                {"kind": "loitering", "zone": "yard", "min_dwell_s": 5},
                {"kind": "zone_intrusion", "zone": "door", "name": "door-watch"},
                {"kind": "crowd", "zone": "yard", "name": "door-watch"},  # a second rule of the same name
                {"kind": "running", "enabled": False},
            ],
            **extra,
        }
    )


# --- ids, entities, configs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("north-campus", "north-campus"),
        ("north.campus", "north_campus"),
        ("loitering:yard", "loitering_yard"),
        ("", "_"),
    ],
)
def test_ids_keep_only_what_home_assistant_allows_in_discovery_topics(text: str, cleaned: str) -> None:
    assert clean_id(text) == cleaned


@pytest.mark.parametrize(("text", "level"), [("a/b", "a_b"), ("x+#", "x__"), ("$SYS", "_SYS"), ("gate:1", "gate:1")])
def test_topic_levels_carry_no_separator_or_wildcard(text: str, level: str) -> None:
    assert topic_level(text) == level


def test_unique_ids_are_stable_and_names_that_clean_alike_do_not_collide() -> None:
    assert unique_id("a_b", "c", "r") != unique_id("a", "b_c", "r")
    assert unique_id("site", "gate", "a.b") != unique_id("site", "gate", "a_b")
    assert unique_id("site", "gate", "r") == unique_id("site", "gate", "r")
    assert unique_id("site", "gate", "r").startswith("camsight_site_gate_r_")


def test_one_binary_sensor_per_enabled_rule_name_and_one_count_per_zone() -> None:
    found = entities("north", [camera("gate"), camera("dock")])
    assert [(e.camera, e.component, e.name) for e in found] == [
        (cam, kind, name)
        for cam in ("gate", "dock")
        for kind, name in [
            ("binary_sensor", "loitering:yard"),
            ("binary_sensor", "door-watch"),
            ("sensor", "yard people"),
            ("sensor", "door people"),
        ]
    ]
    assert len({e.unique_id for e in found}) == len({e.state_topic for e in found}) == len(found)
    assert found[0].state_topic == "camsight/north/ha/gate/rules/loitering:yard"
    assert found[2].state_topic == "camsight/north/ha/gate/zones/yard"


def test_discovery_configs_carry_what_home_assistant_needs() -> None:
    rule, _, zone, _ = entities("north.campus", [camera()])
    assert config_topic("homeassistant", "north.campus", rule) == (
        f"homeassistant/binary_sensor/north_campus/{rule.unique_id}/config"
    )
    on_off, count = discovery("north.campus", rule), discovery("north.campus", zone)
    for config, entity in ((on_off, rule), (count, zone)):
        assert config["unique_id"] == entity.unique_id
        assert config["state_topic"] == entity.state_topic
        assert [a["topic"] for a in config["availability"]] == [
            "camsight/north.campus/ha/availability",
            "camsight/north.campus/ha/gate/availability",
        ]
        assert config["availability_mode"] == "all"
        assert config["device"]["identifiers"] == [unique_id("north.campus", "gate")]  # one device per camera
        assert config["device"]["name"] == "north.campus gate"
        assert {"manufacturer", "model", "sw_version"} <= set(config["device"])
        assert config["origin"]["name"] == "camsight"
    assert (on_off["payload_on"], on_off["payload_off"], on_off["value_template"]) == (
        "ON",
        "OFF",
        "{{ value_json.state }}",
    )
    assert on_off["json_attributes_topic"] == rule.state_topic
    assert (count["unit_of_measurement"], count["state_class"]) == ("people", "measurement")
    assert "payload_on" not in count


# --- a worker's news -----------------------------------------------------------------------------


def alert(alert_id: str, status: str = "open", *, kind: str = "zone_intrusion") -> AnyEvent:
    fields: dict[str, Any] = {
        "id": alert_id,
        "site": "north",
        "rule": "door-watch",
        "camera": "gate",
        "source": "rtsp://cam",
        "zone": "door",
        "start_s": 1.0,
        "end_s": 1.0,
        "started_at": datetime(2024, 6, 1, tzinfo=UTC),
        "score": 0.9,
        "status": status,
    }
    if kind == "alert_budget":
        return AlertBudgetEvent(**fields, suppressed=1, max_per_hour=60)
    return ZoneIntrusionEvent(**fields, object_class="person")


def states(news: list[RuleState]) -> list[tuple[str, bool]]:
    return [(n.alert_id, n.open) for n in news]


def test_a_worker_tells_each_alert_opening_and_closing_once_and_a_reopened_one_again() -> None:
    news = WorkerNews("gate", ["door"], every_s=1.0)
    assert states(news.alerts(Published(new=[(alert("a"), 0.0)]))) == [("a", True)]
    assert states(news.alerts(Published(updated=[alert("a")]))) == []  # extended: nothing new
    assert states(news.alerts(Published(updated=[alert("a", "closed")]))) == [("a", False)]
    assert states(news.alerts(Published(updated=[alert("a", "closed")]))) == []
    assert states(news.alerts(Published(updated=[alert("a")]))) == [("a", True)]  # merged into: reopened
    assert states(news.alerts(Published(new=[(alert("b", "closed"), 0.0)]))) == [("b", True), ("b", False)]
    budget = alert("c", "closed", kind="alert_budget")
    assert states(news.alerts(Published(new=[(budget, 0.0)]))) == []  # a summary, not a behaviour


def test_a_worker_sends_zone_counts_that_changed_at_most_every_interval() -> None:
    news = WorkerNews("gate", ["yard", "door"], every_s=1.0)
    assert news.counts(0.0, {"yard": 0, "door": 0}) == ZoneCounts("gate", (("yard", 0), ("door", 0)))
    assert news.counts(0.5, {"yard": 2, "door": 0}) is None  # too soon
    assert not news.due(0.9)
    assert news.counts(1.0, {"yard": 2, "door": 0}) == ZoneCounts("gate", (("yard", 2),))
    assert news.counts(3.0, {"yard": 2, "door": 0}) is None  # nothing changed
    assert news.counts(3.2, {"yard": 2, "door": 1}) == ZoneCounts("gate", (("door", 1),))
    assert news.cleared() == ZoneCounts("gate", (("yard", 0), ("door", 0)))
    assert news.cleared() is None


# --- the config --------------------------------------------------------------------------------


def test_home_assistant_needs_a_broker_of_its_own_or_the_hubs() -> None:
    with pytest.raises(ValidationError, match="home_assistant needs a broker"):
        Config.model_validate({"home_assistant": {}})
    Config.model_validate({"home_assistant": {"enabled": False}})
    Config.model_validate({"home_assistant": {}, "hub": {"mqtt": "mqtt://broker"}})
    with pytest.raises(ValidationError, match="prefix"):
        Config.model_validate({"home_assistant": {"mqtt": "mqtt://b", "prefix": "home/#"}})


# --- the connection, on a real broker ----------------------------------------------------------


def bridge(port: int, site: str = "north", *, user: str = "", password: str = "") -> HomeAssistant:
    auth = f"{user}:{password}@" if user else ""
    settings = BrokerSettings.parse(f"mqtt://{auth}127.0.0.1:{port}")
    return HomeAssistant(settings, site=site, cameras=[camera("gate")], client_id=f"camsight-ha-{site}-test")


def test_configs_are_retained_states_follow_the_news_and_a_birth_announces_again(tmp_path: Path) -> None:
    with broker(tmp_path / "broker") as mosquitto:
        stale = Listener(mosquitto.port).start()  # what an older run announced: a rule since removed
        gone = "homeassistant/binary_sensor/north/camsight_north_gate_old_000000/config"
        other = "homeassistant/binary_sensor/south/camsight_south_gate_x_000000/config"
        for topic in (gone, other):
            stale.client.publish(topic, '{"name": "old"}', qos=1, retain=True).wait_for_publish(5)
        stale.stop()
        ha = bridge(mosquitto.port)
        ha.start()
        wait_for(lambda: ha.announced == 1, 10, "the first announcement")
        home = Listener(mosquitto.port).start()  # subscribes after: sees only what was retained
        try:
            _check_announced(ha, home, gone, other)
            _check_states_follow_the_news(ha, home)
            before = len(home.all())
            home.birth()
            wait_for(lambda: ha.announced == 2, 10, "a second announcement after Home Assistant's birth")

            def again() -> list[str]:
                return sorted(m.topic for m in home.all()[before:] if m.topic.endswith("/config") and m.payload)

            wait_for(lambda: len(again()) == 4, 10, "the configs again")
            assert again() == sorted(config_topic("homeassistant", "north", e) for e in ha.entities)
            ha.stop()
            wait_for(lambda: home.texts("camsight/north/ha/availability")[-1:] == ["offline"], 10, "offline")
        finally:
            home.stop()


def _check_announced(ha: HomeAssistant, home: Listener, gone: str, other: str) -> None:
    wait_for(lambda: gone not in home.configs() and len(home.configs()) == 5, 10, "the configs, the stale one removed")
    configs = home.configs()
    assert set(configs) == {config_topic("homeassistant", "north", e) for e in ha.entities} | {other}
    assert all(m.retain for m in home.all() if m.topic.endswith("/config") and m.payload)
    rule = ha.entities[1]  # door-watch
    wait_for(lambda: home.last(rule.state_topic) is not None, 10, "the rule's state")
    wait_for(lambda: home.all("camsight/north/ha/gate/availability"), 10, "the camera's availability")
    wait_for(lambda: home.all("camsight/north/ha/availability"), 10, "the edge's availability")
    assert home.last(rule.state_topic).json() == {"state": "OFF", "alerts": []}  # type: ignore[union-attr]
    assert home.last(rule.state_topic).retain  # type: ignore[union-attr]
    assert home.texts("camsight/north/ha/availability") == ["online"]
    assert home.texts("camsight/north/ha/gate/availability") == ["offline"]  # until the supervisor says live


def _check_states_follow_the_news(ha: HomeAssistant, home: Listener) -> None:
    door_watch, yard = ha.entities[1].state_topic, ha.entities[2].state_topic
    ha.cameras({"gate": True, "unknown": True})
    ha.observe(RuleState("gate", "door-watch", "a1", open=True))
    ha.observe(RuleState("gate", "door-watch", "a2", open=True))
    ha.observe(RuleState("gate", "door-watch", "a1", open=False))
    ha.observe(RuleState("gate", "a-standing-query", "q1", open=True))  # not a rule of the camera: ignored
    ha.observe(ZoneCounts("gate", (("yard", 2), ("door", 0))))
    ha.observe(ZoneCounts("gate", (("yard", 3),)))
    wait_for(lambda: home.texts(yard)[-1:] == ["3"], 10, "the yard's count")
    assert [m.json() for m in home.all(door_watch)] == [
        {"state": "OFF", "alerts": []},
        {"state": "ON", "alerts": ["a1"]},
        {"state": "ON", "alerts": ["a1", "a2"]},
        {"state": "ON", "alerts": ["a2"]},
    ]
    assert home.texts(yard) == ["0", "2", "3"]
    assert home.texts("camsight/north/ha/gate/availability") == ["offline", "online"]
    ha.camera_gone("gate")  # its worker died: the supervisor closed its events
    wait_for(lambda: home.texts(yard)[-1:] == ["0"], 10, "the yard emptied")
    wait_for(lambda: home.texts("camsight/north/ha/gate/availability")[-1:] == ["offline"], 10, "camera offline")
    assert home.last(door_watch).json() == {"state": "OFF", "alerts": []}  # type: ignore[union-attr]
    assert not [m for m in home.all() if "a-standing-query" in m.topic]


def _documented_acl() -> str:
    text = (ROOT / "docs" / "mqtt.md").read_text()
    block = text.split("<!-- acl:start -->", 1)[1].split("<!-- acl:end -->", 1)[0]
    return block.strip().removeprefix("```").removesuffix("```").strip() + "\n"


def test_the_documented_acl_lets_an_edge_announce_only_its_own_site(tmp_path: Path) -> None:
    passwords, acl = tmp_path / "passwords", tmp_path / "camsight.acl"
    for i, (user, secret) in enumerate({"north": "n-pw", "homeassistant": "ha-pw"}.items()):
        subprocess.run(
            ["mosquitto_passwd", *(["-c"] if i == 0 else []), "-b", str(passwords), user, secret], check=True
        )
    acl.write_text(_documented_acl())
    locked = Broker(tmp_path / "locked", password_file=passwords, acl_file=acl)
    locked.start()
    home = Listener(locked.port, user="homeassistant", password="ha-pw").start()
    gone = "homeassistant/sensor/north/camsight_north_gate_old_people_000000/config"
    home.client.publish(gone, '{"name": "old"}', qos=1, retain=True).wait_for_publish(5)
    honest = bridge(locked.port, "north", user="north", password="n-pw")
    pretender = bridge(locked.port, "south", user="north", password="n-pw")
    try:
        honest.start()
        pretender.start()
        wait_for(lambda: len(home.configs()) == 4, 20, "north's configs, read by Home Assistant's account")
        wait_for(lambda: gone not in home.configs(), 10, "north removing what it no longer has (it may read it)")
        wait_for(lambda: pretender.problem is not None, 20, "the broker to refuse north's account south's topics")
        honest.observe(ZoneCounts("gate", (("yard", 1),)))
        wait_for(lambda: home.texts("camsight/north/ha/gate/zones/yard")[-1:] == ["1"], 10, "north's count")
        before = honest.announced
        home.birth()  # Home Assistant's account may send its birth, the edge's may read it
        wait_for(lambda: honest.announced > before, 10, "north announcing again")
    finally:
        home.stop()
        honest.stop()
        pretender.stop()
        locked.kill()
    assert honest.problem is None
    assert "Not authorized" in (pretender.problem or "")
    assert all("/south" not in topic for topic in home.configs())


def test_the_documented_discovery_config_is_the_one_sent() -> None:
    text = (ROOT / "docs" / "mqtt.md").read_text().split("## Home Assistant", 1)[1]
    documented = json.loads(text.split("```json", 1)[1].split("```", 1)[0])
    yard = CameraConfig.model_validate(
        {"id": "gate", "zones": [{"name": "yard", "polygon": BOX}], "rules": [{"kind": "loitering", "zone": "yard"}]}
    )
    rule = entities("north-campus", [yard])[0]
    assert documented == discovery("north-campus", rule, version="0.1.0")
    assert f"homeassistant/binary_sensor/north-campus/{rule.unique_id}/config" in text
