"""The hub transport over TLS (mqtts://) with a private CA: everything arrives; a wrong CA is one clear line.

A real Mosquitto with a TLS-only listener and a certificate signed by a CA made for the test, a real
``camsight hub`` on PostgreSQL and ``camsight outbox send`` from a pre-built edge store.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
import yaml

import camsight
from camsight.store import connect
from camsight.store.schema import events, outbox
from mqtt_broker import broker
from rtsp_helpers import DATA, wait_for
from tls_files import make_ca_and_server

SRC = Path(camsight.__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(SRC), "CAMSIGHT_LOG": "WARNING"}


def _camsight(*args: str) -> list[str]:
    return [sys.executable, "-m", "camsight", *args]


def _count(url: str, table: sa.Table) -> int:
    engine = connect(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
    finally:
        engine.dispose()


def test_an_edge_and_a_hub_over_tls_deliver_everything_and_a_wrong_ca_is_named(
    tmp_path: Path, fresh_postgres_url: str
) -> None:
    ca, cert, key = make_ca_and_server(tmp_path / "tls")
    edge_db = tmp_path / "edge.db"
    shutil.copyfile(DATA / "stores" / "edge-north.db", edge_db)
    waiting = _count(str(edge_db), outbox)
    with broker(tmp_path / "broker", tls=(cert, key)) as running:
        assert running.url.startswith("mqtts://")

        def config(name: str, **hub: object) -> Path:
            path = tmp_path / name
            path.write_text(yaml.safe_dump({"site": "north", "hub": {"mqtt": running.url, **hub}}))
            return path

        untrusted = subprocess.run(
            _camsight("outbox", "send", "--config", str(config("no-ca.yaml")), "--db", str(edge_db), "--timeout", "8"),
            env=ENV,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert untrusted.returncode == 1
        assert f"sent 0 message(s); {waiting} left" in untrusted.stdout
        assert f"the TLS certificate of {running.url} is not trusted" in untrusted.stdout
        assert "hub.tls_ca" in untrusted.stdout
        assert _count(str(edge_db), outbox) == waiting  # the outbox is kept

        hub = subprocess.Popen(
            _camsight("hub", "--db", fresh_postgres_url, "--mqtt", running.url, "--port", "0", "--tls-ca", str(ca)),
            cwd=tmp_path,
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            sent = subprocess.run(
                _camsight(
                    "outbox",
                    "send",
                    "--config",
                    str(config("ca.yaml", tls_ca=str(ca))),
                    "--db",
                    str(edge_db),
                    "--timeout",
                    "120",
                ),
                env=ENV,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert sent.returncode == 0, sent.stdout + sent.stderr
            edge_events = _count(str(edge_db), events)
            wait_for(lambda: _count(fresh_postgres_url, events) == edge_events, 60, "the hub to store every event")
            assert _count(str(edge_db), outbox) == 0
        finally:
            hub.terminate()
            hub.wait(timeout=30)
