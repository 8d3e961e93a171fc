"""``camsight analyze`` of a real clip, end to end: the real detector, a rule that notifies, a real HTTP receiver.

Clip: intel_worker-zone-detection_preview.mp4 — one worker walks across a factory floor in 4.7 s; a zone
covering the whole view raises an alert for them. Every new alert stored must reach the receiver exactly
once, as Apprise's JSON webhook, with the stored (heads blurred) snapshot attached byte for byte, before
the command exits.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "unit" / "apps"))
from receiver import Receiver  # noqa: E402

from camsight.config import load_config  # noqa: E402
from camsight.store import list_events, open_store  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CLIP = ROOT / "tests" / "data" / "intel_worker-zone-detection_preview.mp4"
CONFIG = """
site: plant
cameras:
  - id: floor
    zones:
      - name: floor
        polygon: [[0, 0], [1, 0], [1, 1], [0, 1]]
    rules:
      - kind: zone_intrusion
        zone: floor
        notify: ['{url}']
"""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def test_analyze_notifies_each_new_alert_once_with_its_snapshot(receiver: Receiver, tmp_path: Path) -> None:
    config_file = tmp_path / "site.yaml"
    config_file.write_text(CONFIG.format(url=receiver.url("/camsight", auth="ops:hunter22@")), encoding="utf-8")
    db = tmp_path / "site.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "CAMSIGHT_CACHE": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-m", "camsight", "analyze", str(CLIP), "--config", str(config_file), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "hunter22" not in done.stdout + done.stderr
    store = open_store(load_config(config_file), str(db))
    with store.engine.connect() as conn:
        alerts = list_events(conn, kind="zone_intrusion")
    assert alerts, "the worker walks through the zone"
    by_id = {post.lines()["alert"]: post for post in receiver.posts}
    assert len(receiver.posts) == len(by_id) == len(alerts)  # one POST per new alert, none twice
    for alert in alerts:
        post = by_id[alert.id]
        assert post.path == "/camsight"
        assert post.title == "camsight: zone_intrusion on camera floor"
        lines = post.lines()
        assert lines["what"] == "zone_intrusion (rule zone_intrusion:floor), person"
        assert lines["where"] == "camera floor, zone floor, site plant"
        assert lines["when"] == alert.started_at.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
        ((name, mimetype, data),) = post.attachments()
        assert (name, mimetype) == (f"event-{alert.id}.jpg", "image/jpeg")
        assert data[:2] == b"\xff\xd8"  # a JPEG
        assert data == store.media.path(str(alert.snapshot)).read_bytes()
