from __future__ import annotations

import json
import socket
import urllib.request
from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.registry import CollectorRegistry

from camsight.apps.health import (
    CameraHealth,
    HealthCollector,
    LatencyHistogram,
    read_status,
    serve_metrics,
    write_status,
)
from camsight.errors import CamsightError


@pytest.mark.parametrize(
    ("samples", "q", "expected"),
    [
        ([], 0.5, None),
        ([0.2] * 10, 0.5, pytest.approx(0.175)),  # interpolated inside the (0.15, 0.2] bucket
        ([0.04] * 9 + [0.9], 0.95, pytest.approx(0.875)),
        ([0.04] * 99 + [0.9], 0.5, pytest.approx(0.025 + 0.025 * 50 / 99)),
        ([20.0], 0.5, float("inf")),
    ],
)
def test_latency_quantiles(samples: list[float], q: float, expected: object) -> None:
    hist = LatencyHistogram()
    for s in samples:
        hist.observe(s)
    assert hist.count == len(samples)
    assert hist.quantile(q) == expected


def test_health_round_trips_through_json_and_adds_earlier_workers() -> None:
    base = CameraHealth("gate", frames_in=100, frames_dropped=2, reconnects=1, events=3, cpu_s=5.0)
    base.latency.observe(0.3)
    now = CameraHealth(
        "gate",
        state="live",
        frames_in=10,
        last_outage=(1.0, 4.0, "refused"),
        size=(640, 480),
        notes=["resolution changed"],
    )
    now.latency.observe(0.1)
    back = CameraHealth.from_dict(json.loads(json.dumps(now.to_dict())))
    assert back == now
    total = now.plus(base)
    assert (total.frames_in, total.frames_dropped, total.reconnects, total.events, total.cpu_s) == (110, 2, 1, 3, 5.0)
    assert total.latency.count == 2
    assert (total.state, total.last_outage, total.size) == ("live", (1.0, 4.0, "refused"), (640, 480))
    assert now.plus(None) is now


def test_status_file_is_replaced_atomically_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "data" / "status.json"
    write_status(path, [CameraHealth("a", state="live")], pid=123, started_at=1.0)
    write_status(
        path, [CameraHealth("a", state="backoff", reason="refused"), CameraHealth("b")], pid=123, started_at=1.0
    )
    status = read_status(path)
    assert [(c.camera, c.state, c.reason) for c in status.cameras] == [
        ("a", "backoff", "refused"),
        ("b", "connecting", None),
    ]
    assert status.pid == 123
    assert status.updated_at > 1.0
    assert [p.name for p in path.parent.iterdir()] == ["status.json"]  # no temporary file left


def test_missing_status_file_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(CamsightError, match="camsight run"):
        read_status(tmp_path / "status.json")


def _cams() -> list[CameraHealth]:
    live = CameraHealth(
        "gate",
        state="live",
        frames_in=250,
        frames_analysed=50,
        frames_dropped=1,
        queue_depth=2,
        cpu_s=3.5,
        last_frame_at=1700000000.0,
    )
    live.latency.observe(0.08)
    live.latency.observe(0.6)
    return [live, CameraHealth("yard", state="failed", reason="401", restarts=2)]


def test_metrics_expose_the_same_numbers() -> None:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HealthCollector(_cams))
    text = generate_latest(registry).decode()
    for line in (
        'camsight_camera_up{camera="gate"} 1.0',
        'camsight_camera_up{camera="yard"} 0.0',
        'camsight_camera_state{camera="yard",state="failed"} 1.0',
        'camsight_camera_frames_in_total{camera="gate"} 250.0',
        'camsight_camera_frames_dropped_total{camera="gate"} 1.0',
        'camsight_camera_restarts_total{camera="yard"} 2.0',
        'camsight_camera_queue_depth{camera="gate"} 2.0',
        'camsight_camera_cpu_seconds_total{camera="gate"} 3.5',
        'camsight_alert_latency_seconds_bucket{camera="gate",le="0.1"} 1.0',
        'camsight_alert_latency_seconds_bucket{camera="gate",le="+Inf"} 2.0',
        'camsight_alert_latency_seconds_count{camera="gate"} 2.0',
    ):
        assert line in text


def test_metrics_are_served_on_localhost() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert serve_metrics(port, _cams) is not None
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    assert 'camsight_camera_frames_analysed_total{camera="gate"} 50.0' in body
    with pytest.raises(CamsightError, match="metrics_port"):
        serve_metrics(port, _cams)  # taken now
    assert serve_metrics(0, _cams) is None
