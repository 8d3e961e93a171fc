"""The live alert stream: alerts stored by another writer arrive once, only in the caller's cameras;
the stream holds no database connection while it waits, pings, and stops when the client goes away."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from api_site import CAM_A, CAM_B, Site, make_event, store_event

from camsight.api import stream_routes

pytestmark = pytest.mark.timeout(60)


def alerts_until(lines: Iterator[str], last_id: str, status: str | None = None) -> list[dict[str, Any]]:
    """The ``alert`` messages of an SSE stream up to the one of event ``last_id`` (in ``status``, if given)."""
    got: list[dict[str, Any]] = []
    kind = None
    for line in lines:
        if line.startswith("event:"):
            kind = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and kind == "alert":
            got.append(json.loads(line.split(":", 1)[1]))
            event = got[-1]["event"]
            if event["id"] == last_id and status in (None, event["status"]):
                return got
        elif not line:
            kind = None
    raise AssertionError(f"the stream ended before event {last_id}; got {got}")


def ids(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(i["event"]["id"], i["event"]["status"]) for i in items]


def test_an_alert_stored_while_the_stream_is_open_arrives_once_with_the_item_shape(fresh: Site) -> None:
    before = store_event(fresh.store, make_event(CAM_A, 1))  # stored before the stream starts: not sent
    with fresh.client.stream("GET", "/api/events/stream", headers=fresh.auth("viewer")) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        new = store_event(fresh.store, make_event(CAM_A, 2))
        closed = store_event(fresh.store, new.model_copy(update={"status": "closed", "end_s": new.end_s + 5}))
        got = alerts_until(stream.iter_lines(), closed.id, "closed")
    assert before.id not in {i["event"]["id"] for i in got}
    # both versions, or (when both writes fell between two looks) the latest only; never one twice
    assert ids(got) in ([(new.id, "open"), (new.id, "closed")], [(new.id, "closed")])
    assert set(got[-1]) == {"event", "verdict", "note", "snapshot_url"}
    assert got[-1]["snapshot_url"] == f"/api/media/snapshots/{new.id}"


def test_a_scoped_account_never_gets_another_cameras_alert(fresh: Site) -> None:
    with (
        fresh.client.stream("GET", "/api/events/stream", headers=fresh.auth("viewer_a")) as scoped,
        fresh.client.stream("GET", "/api/events/stream", headers=fresh.auth("viewer")) as everyone,
    ):
        b = store_event(fresh.store, make_event(CAM_B, 3))  # written first: it would arrive first
        a = store_event(fresh.store, make_event(CAM_A, 3))
        seen_scoped = alerts_until(scoped.iter_lines(), a.id)
        seen_all = alerts_until(everyone.iter_lines(), a.id)
    assert ids(seen_scoped) == [(a.id, "open")]
    assert ids(seen_all) == [(b.id, "open"), (a.id, "open")]


def test_the_stream_holds_no_connection_while_it_waits(fresh: Site) -> None:
    pool = fresh.store.engine.pool
    with fresh.client.stream("GET", "/api/events/stream", headers=fresh.auth("viewer")) as stream:
        assert stream.status_code == 200
        samples = []
        for _ in range(30):
            samples.append(pool.checkedout())  # type: ignore[attr-defined]
            time.sleep(0.05)
    assert min(samples) == 0, samples


def test_pings_keep_the_connection_alive(fresh: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream_routes, "PING_S", 0.2)
    with fresh.client.stream("GET", "/api/events/stream", headers=fresh.auth("viewer")) as stream:
        first = next(line for line in stream.iter_lines() if line)
    assert first.startswith(": ping")


def test_a_disabled_account_loses_its_stream(fresh: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream_routes, "REAUTH_S", 0.3)
    with fresh.client.stream("GET", "/api/events/stream", headers=fresh.auth("viewer")) as stream:
        assert fresh.client.post("/api/users/viewer/disable", headers=fresh.auth("admin")).status_code == 200
        late = store_event(fresh.store, make_event(CAM_A, 9))
        rest = list(stream.iter_lines())  # ends: the account is checked again and refused
    assert late.id not in "".join(rest)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(fresh: Site) -> Iterator[str]:
    """The app on a real Uvicorn server on a free port; yields its base URL."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(fresh.client.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_over_a_real_server_the_stream_stops_polling_when_the_client_goes_away(
    fresh: Site, served: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    looks = []
    real_look = stream_routes.look

    def counted(*args: Any) -> Any:
        looks.append(time.monotonic())
        return real_look(*args)

    monkeypatch.setattr(stream_routes, "look", counted)
    headers = {**fresh.auth("viewer"), "Accept": "text/event-stream"}
    with httpx.Client(timeout=20) as http, http.stream("GET", f"{served}/api/events/stream", headers=headers) as s:
        assert s.status_code == 200
        new = store_event(fresh.store, make_event(CAM_A, 4))
        assert ids(alerts_until(s.iter_lines(), new.id)) == [(new.id, "open")]
    closed_at = time.monotonic()
    time.sleep(2.5)
    assert not [t for t in looks if t > closed_at + 1.5], "still polling after the client went away"
