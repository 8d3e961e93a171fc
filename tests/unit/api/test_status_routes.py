"""Health, status and metrics: no login for /api/health and /metrics; live cameras only while a run is alive."""

from __future__ import annotations

import os
import time

from api_site import CAM_A, CAM_B, Site

from camsight.store.schema import SCHEMA_VERSION
from camsight.store.status_file import CameraHealth, write_status


def write_live(site: Site, *, pid: int) -> None:
    """The status file a ``camsight run`` with process ``pid`` writes, just rewritten."""
    cameras = [CameraHealth(camera=CAM_A, state="live", frames_in=10), CameraHealth(camera=CAM_B, state="backoff")]
    write_status(site.store.paths.status, cameras, pid=pid, started_at=time.time() - 60)


def test_health_needs_no_login(site: Site) -> None:
    assert site.client.get("/api/health").json() == {"status": "ok", "schema_version": SCHEMA_VERSION}


def test_without_a_live_run_there_are_no_cameras_and_no_metrics(fresh: Site) -> None:
    answer = fresh.client.get("/api/status", headers=fresh.auth("operator")).json()
    assert (answer["running"], answer["cameras"]) == (False, [])
    assert "camsight_camera_up{" not in fresh.client.get("/metrics").text
    write_live(fresh, pid=2**22 + 12345)  # a process that does not exist: the run is gone
    assert fresh.client.get("/api/status", headers=fresh.auth("operator")).json()["cameras"] == []


def test_a_live_runs_cameras_in_the_callers_scope_and_as_metrics(fresh: Site) -> None:
    write_live(fresh, pid=os.getpid())
    everyone = fresh.client.get("/api/status", headers=fresh.auth("operator")).json()
    scoped = fresh.client.get("/api/status", headers=fresh.auth("operator_a")).json()
    assert everyone["running"] is True
    assert [c["camera"] for c in everyone["cameras"]] == [CAM_A, CAM_B]
    assert [c["camera"] for c in scoped["cameras"]] == [CAM_A]
    metrics = fresh.client.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    assert f'camsight_camera_up{{camera="{CAM_A}"}} 1.0' in metrics.text
    assert f'camsight_camera_frames_in_total{{camera="{CAM_A}"}} 10.0' in metrics.text
