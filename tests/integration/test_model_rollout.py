"""Model rollout over a real broker, database and HTTP: canary first, then every site; a corrupted file refused.

A real ``camsight hub`` process (PostgreSQL, Mosquitto, its API serving the files) and two live edges
(``camsight run``'s supervisor, real worker processes reading a real RTSP camera). Releases are the
packaged YOLO11n with a note appended (``tests/model_files.py``): the same network, a new checksum.
Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

import camsight
from camsight.config.models import HubConfig
from camsight.models.registry import YOLO11N_SHA256, sha256_of
from camsight.services import rollout
from camsight.services.actor import os_actor
from camsight.store import connect
from camsight.store.handle import open_store
from camsight.store.status_file import read_status
from model_files import release_file
from mqtt_broker import Broker
from rtsp_helpers import DEMO, RtspServer, free_port, live_config, running, wait_for

SRC = Path(camsight.__file__).resolve().parents[1]


def _cli(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "CAMSIGHT_LOG": "WARNING"}
    out = subprocess.run(
        [sys.executable, "-m", "camsight", *args], env=env, capture_output=True, text=True, timeout=300, cwd=cwd
    )
    if check:
        assert out.returncode == 0, f"camsight {' '.join(args)}: {out.stdout}{out.stderr}"
    return out


@contextlib.contextmanager
def _hub(folder: Path, db: str, broker: Broker, port: int) -> Iterator[str]:
    """``camsight hub`` with its API on ``port`` (it serves the model files), stopped at the end."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "CAMSIGHT_LOG": "WARNING"}
    args = ["hub", "--db", db, "--mqtt", broker.url, "--port", str(port)]
    with (folder / "hub.out").open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "camsight", *args], cwd=folder, env=env, stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return httpx.get(f"{url}/api/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(answers, 60, "the hub to serve its API")
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_a_canary_reaches_one_edge_then_all_and_a_corrupted_file_is_refused(
    servers: Callable[..., RtspServer], tmp_path: Path, broker: Broker, fresh_postgres_url: str
) -> None:
    camera = servers({"gate": DEMO})
    hub_folder = tmp_path / "hub"
    hub_folder.mkdir()
    releases = {v: release_file(tmp_path / f"{v}.onnx", f"camsight release {v}") for v in ("2026.12-a", "2026.12-b")}
    port = free_port()
    db = fresh_postgres_url

    def config(site: str) -> Any:
        return live_config([{"id": "gate", "source": camera.url("gate"), "fps": 2}]).model_copy(
            update={"site": site, "hub": HubConfig(mqtt=broker.url, heartbeat_s=1)}
        )

    def models(site: str) -> dict[str, Any]:
        """What the hub says of ``site``'s edge (read in this process, as it is polled; the CLI runs below)."""
        with hub_store.connect() as conn:
            edges = rollout.status(conn, actor=os_actor()).edges
        edge = next((e for e in edges if e.site == site), None)
        return {} if edge is None else dataclasses.asdict(edge)

    def reports(site: str, version: str) -> Callable[[], bool]:
        def check() -> bool:
            edge = models(site)
            return edge.get("model_version") == version and edge.get("status") == "online"

        return check

    def worker_runs(site: str) -> str | None:
        cameras = read_status(open_store(config(site), str(tmp_path / f"{site}.db")).paths.status).cameras
        return cameras[0].model if cameras else None

    def hub_cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return _cli("models", *args, "--db", db, "--mqtt", broker.url, cwd=hub_folder, check=check)

    with _hub(hub_folder, db, broker, port) as hub_url, contextlib.ExitStack() as stack:
        hub_store = connect(db)
        stack.callback(hub_store.dispose)
        south = stack.enter_context(running(config("south"), tmp_path / "south.db"))
        north_edge = contextlib.ExitStack()
        north_edge.enter_context(running(config("north"), tmp_path / "north.db"))
        for site in ("north", "south"):
            wait_for(reports(site, "yolo11n"), 120, f"{site} to report the packaged detector")
        said = json.loads(_cli("models", "status", "--db", db, "--json", cwd=hub_folder).stdout)
        assert {(e["site"], e["model_sha256"]) for e in said["edges"]} == {
            ("north", YOLO11N_SHA256),
            ("south", YOLO11N_SHA256),
        }

        # a canary: north first
        said = hub_cli(
            "publish", str(releases["2026.12-a"]), "--version", "2026.12-a", "--canary", "north", "--url", hub_url
        )
        assert said.stdout.strip() == "published 2026.12-a: north run(s) 2026.12-a; the other sites run yolo11n"
        wait_for(reports("north", "2026.12-a"), 120, "north to run the canary")
        assert models("north")["model_sha256"] == sha256_of(releases["2026.12-a"])
        wait_for(lambda: worker_runs("north") == "2026.12-a", 60, "north's camera worker to switch")
        wait_for(lambda: models("south").get("status") == "online", 10, "south's next heartbeat")
        assert models("south")["model_version"] == "yolo11n"
        wait_for(lambda: worker_runs("south") == "yolo11n", 30, "south's worker to say it runs yolo11n still")

        # then every site
        assert hub_cli("promote", "2026.12-a").stdout.strip() == "promoted 2026.12-a: every site runs 2026.12-a"
        wait_for(reports("south", "2026.12-a"), 120, "south to run the promoted release")
        wait_for(lambda: worker_runs("south") == "2026.12-a", 60, "south's camera worker to switch")
        assert south.snapshots()[0].state == "live"

        # a corrupted file: north, restarted, refuses it by its checksum and keeps what it ran
        north_edge.close()
        wait_for(lambda: models("north").get("status") == "offline", 30, "north to stop")
        hub_cli("publish", str(releases["2026.12-b"]), "--version", "2026.12-b", "--canary", "north")
        kept = next((hub_folder / "camsight-data").rglob("2026.12-b.onnx"))
        damaged = bytearray(kept.read_bytes())
        damaged[len(damaged) // 2] ^= 0xFF
        kept.write_bytes(bytes(damaged))
        stack.enter_context(running(config("north"), tmp_path / "north.db"))
        wait_for(lambda: bool(models("north").get("model_problem")), 120, "north to refuse the damaged file")
        north = models("north")
        assert north["model_problem"].startswith("refused model 2026.12-b: its SHA-256 is")
        assert north["model_problem"].endswith("keeping 2026.12-a")
        assert north["model_version"] == "2026.12-a"
        wait_for(lambda: worker_runs("north") == "2026.12-a", 60, "north's worker to run what it kept")

        # rolled back twice: the release before, then the packaged detector, everywhere
        assert hub_cli("rollback").stdout.strip() == "rolled back 2026.12-b: every site runs 2026.12-a"
        wait_for(lambda: models("north").get("model_problem") is None, 60, "north to stop complaining")
        assert hub_cli("rollback").stdout.strip() == "rolled back 2026.12-a: every site runs yolo11n"
        for site in ("north", "south"):
            wait_for(reports(site, "yolo11n"), 120, f"{site} to go back to the packaged detector")
            wait_for(lambda site=site: worker_runs(site) == "yolo11n", 60, f"{site}'s worker to go back")
        assert "nothing to roll back" in hub_cli("rollback", check=False).stderr
        table = _cli("models", "status", "--db", db, cwd=hub_folder).stdout
        assert "2026.12-b" in table
        assert "rolled-back" in table

    audit = [
        json.loads(line)
        for line in _cli("audit", "--db", db, "--json", cwd=hub_folder).stdout.splitlines()
        if line.strip()
    ]
    actions = [row["action"] for row in audit if row["action"].startswith("model.")]
    assert sorted(actions) == sorted(["model.publish"] * 2 + ["model.promote"] + ["model.rollback"] * 2)
