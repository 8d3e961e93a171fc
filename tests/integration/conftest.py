"""Fixtures shared by the integration tests: a real RTSP server (tests/rtsp_helpers.py), a real Mosquitto."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mqtt_broker import Broker
from rtsp_helpers import RtspServer, gstreamer_missing


@pytest.fixture(scope="module")
def gstreamer() -> None:
    """Skips (fails under CI=true) when the system python3 has no gst-rtsp-server bindings."""
    message = gstreamer_missing()
    if message is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def servers(gstreamer: None) -> Iterator[Callable[..., RtspServer]]:
    started: list[RtspServer] = []

    def make(mounts: dict[str, Path], **auth: str) -> RtspServer:
        server = RtspServer(mounts, **auth).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    """A Mosquitto of the test's own on a free port, killed (-9) at the end."""
    made = Broker(tmp_path / "broker")
    made.start()
    yield made
    made.kill()
