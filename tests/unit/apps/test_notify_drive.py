"""Notifications from a real drive: the stand-in detector on real frames, real Apprise, a real HTTP receiver."""

from __future__ import annotations

import logging
import multiprocessing as mp
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from receiver import Receiver, closed_port
from stand_ins import CLIP, T0, GivenBoxes, clip_frames, walker
from typer.testing import CliRunner

from camsight.apps.analyze import Analyzer
from camsight.apps.pipeline import CameraPipeline
from camsight.apps.wiring import make_drive, make_notifier
from camsight.apps.worker import CameraWorker, WorkerSpec
from camsight.cli import app
from camsight.config import Config, parse_config
from camsight.events.notify import Notifier
from camsight.events.sinks import Published
from camsight.sources import SourceSpec
from camsight.store import list_events, list_tracks, open_store, start_source
from camsight.store.handle import Store

Box = tuple[float, float, float, float]


def config_text(url: str, *, extra: str = "", rule_notify: bool = True) -> str:
    notify = f"\n        notify: ['{url}']" if rule_notify else ""
    return f"""
site: north
cameras:
  - id: floor
    source: rtsp://127.0.0.1:9/never-opened
    zones:
      - name: all
        polygon: [[0, 0], [1, 0], [1, 1], [0, 1]]
    rules:
      - kind: zone_intrusion
        zone: all
        min_inside_s: 0.2{notify}
motion:
  enabled: false
recording:
  enabled: false
{extra}"""


def config_for(url: str, *, extra: str = "", rule_notify: bool = True) -> Config:
    return parse_config(config_text(url, extra=extra, rule_notify=rule_notify))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def run_drive(config: Config, store: Store, boxes_at: object = walker, until_s: float = 3.0) -> Notifier:
    """A file's drive with the notifier wired as analyze wires it; returns the notifier, closed (queue sent)."""
    pipe = CameraPipeline(
        config,
        config.cameras[0],
        source="clip.mp4",
        source_id="src1",
        wall_origin=T0,
        fps=5.0,
        detector=GivenBoxes(boxes_at),  # type: ignore[arg-type]
    )
    with store.engine.begin() as conn:
        start_source(
            conn,
            source_id="src1",
            site=store.site,
            camera="floor",
            uri="clip.mp4",
            kind="file",
            run_id="r",
            started_at=T0,
        )
    notifier = make_notifier(config, store, pipe.camera)
    published: list[Published] = []
    drive = make_drive(
        config, store, pipe, run_id="r", suppressions=[], on_published=published.append, notifier=notifier
    )
    drive.run(clip_frames(until_s=until_s))
    drive.close()
    assert published, "the caller's on_published still hears every batch"
    assert notifier.close(wait_s=30) == 0
    return notifier


def five_people(t: float) -> list[Box]:
    """Five people standing side by side from the first frame: five tracks, five alerts of one rule."""
    return [(20.0 + 90 * i, 80.0, 80.0 + 90 * i, 230.0) for i in range(5)]


def test_a_rule_that_notifies_sends_one_post_per_new_alert_with_its_snapshot(
    receiver: Receiver, tmp_path: Path
) -> None:
    config = config_for(receiver.url("/hook"))
    store = open_store(config, str(tmp_path / "s.db"))
    notifier = run_drive(config, store)
    with store.engine.connect() as conn:
        (event,) = list_events(conn)
    (post,) = receiver.posts  # one alert (open, then closed): one notification
    assert (post.path, post.content_type) == ("/hook", "application/json")
    assert post.title == "camsight: zone_intrusion on camera floor"
    local = event.started_at.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    assert post.lines() == {
        "what": "zone_intrusion (rule zone_intrusion:all), person",
        "where": "camera floor, zone all, site north",
        "when": local,
        "score": f"{event.score:.2f}",
        "alert": event.id,
    }
    ((name, mimetype, data),) = post.attachments()
    assert (name, mimetype) == (f"event-{event.id}.jpg", "image/jpeg")
    assert data == store.media.path(str(event.snapshot)).read_bytes()  # the stored (masked, blurred) snapshot
    assert (notifier.stats.queued, notifier.stats.sent, notifier.stats.failed) == (1, 1, 0)


def test_a_budget_of_two_with_five_alerts_gives_two_notifications_and_one_summary(
    receiver: Receiver, tmp_path: Path
) -> None:
    config = config_for(receiver.url(), extra="alerts:\n  max_per_hour: 2\n")
    store = open_store(config, str(tmp_path / "s.db"))
    notifier = run_drive(config, store, five_people, until_s=2.0)
    with store.engine.connect() as conn:
        stored = list_events(conn)
    kinds = sorted(e.kind for e in stored)
    assert kinds == ["alert_budget", "zone_intrusion", "zone_intrusion"]
    (summary,) = [e for e in stored if e.kind == "alert_budget"]
    assert summary.suppressed == 3  # type: ignore[union-attr]  # rewritten three times, one id
    assert sorted(p.lines()["alert"] for p in receiver.posts) == sorted(e.id for e in stored)
    (budget,) = [p for p in receiver.posts if p.lines()["what"].startswith("alert_budget")]
    assert budget.title == "camsight: alert_budget on camera floor"
    assert "reached its budget of 2 alerts per hour" in budget.lines()["what"]
    assert notifier.stats.sent == 3


def test_an_unreachable_url_does_not_stop_the_drive_and_is_logged_without_its_password(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port = closed_port()
    config = config_for(f"json://alice:s3cret-pw@127.0.0.1:{port}/hook")
    store = open_store(config, str(tmp_path / "s.db"))
    with caplog.at_level(logging.INFO):
        notifier = run_drive(config, store)
    with store.engine.connect() as conn:
        assert [e.kind for e in list_events(conn)] == ["zone_intrusion"]  # the drive went on to the end
        assert len(list_tracks(conn)) == 1
    assert (notifier.stats.sent, notifier.stats.failed) == (0, 1)
    (line,) = [r.getMessage() for r in caplog.records if "not sent to" in r.getMessage()]
    assert f"json://alice:****@127.0.0.1:{port}/…" in line
    assert all("s3cret-pw" not in r.getMessage() for r in caplog.records)


def test_a_standing_query_added_with_notify_sends_its_alerts(receiver: Receiver, tmp_path: Path) -> None:
    config_file = tmp_path / "site.yaml"
    config_file.write_text(config_text("unused", rule_notify=False), encoding="utf-8")
    db = str(tmp_path / "s.db")
    args = ["queries", "add", "anyone", "person", "--min-score", "0", "--notify", receiver.url("/query")]
    added = CliRunner().invoke(app, [*args, "--config", str(config_file), "--db", db])
    assert added.exit_code == 0, added.output
    config = parse_config(config_file.read_text(encoding="utf-8"))
    store = open_store(config, db)
    run_drive(config, store)
    with store.engine.connect() as conn:
        (alert,) = list_events(conn, kind="standing_query")
        assert len(list_events(conn)) == 2  # the rule's alert too, which notifies nobody
    (post,) = receiver.posts
    assert post.path == "/query"
    assert post.title == "camsight: standing_query on camera floor"
    assert post.lines()["what"] == "standing_query: anyone matched this person"
    assert post.lines()["alert"] == alert.id
    ((_name, _mimetype, data),) = post.attachments()
    assert data == store.media.path(str(alert.snapshot)).read_bytes()  # the track's blurred thumbnail


def test_a_live_camera_notifies_and_stops_its_notifier_when_it_ends(receiver: Receiver, tmp_path: Path) -> None:
    config = config_for(receiver.url("/live"))
    _reader, writer = mp.Pipe(duplex=False)
    worker = CameraWorker(WorkerSpec(config, "floor", str(tmp_path / "live.db")), writer, detector=GivenBoxes(walker))
    worker.start()
    for frame in clip_frames(until_s=3.0):
        worker.analyse(frame)
    worker.finish()
    assert worker.notifier is not None
    assert worker.notifier.stats.finished == worker.notifier.stats.queued == 1  # sent before finish returned
    (post,) = receiver.posts
    assert post.path == "/live"
    assert post.lines()["where"] == "camera floor, zone all, site north"
    assert not worker.notifier.running


def test_analyze_waits_for_its_notifications_and_says_when_it_gave_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    held = Receiver(hold=threading.Event())  # answers nothing until released
    try:
        config = config_for(held.url(), extra="notifications:\n  drain_s: 0.2\n")
        store = open_store(config, str(tmp_path / "s.db"))
        analyzer = Analyzer(config, store, detector=GivenBoxes(walker), describe=False)
        with caplog.at_level(logging.WARNING):
            result = analyzer.analyze(SourceSpec(CLIP, "video"), config.cameras[0])
        assert result.status == "complete"
        assert len(result.events) == 1
        assert any("gave up waiting after 0 s with 1 alert(s) not sent" in r.getMessage() for r in caplog.records)
    finally:
        held.close()


def test_analyze_sends_what_it_found_before_it_returns(receiver: Receiver, tmp_path: Path) -> None:
    config = config_for(receiver.url("/analyze"))
    store = open_store(config, str(tmp_path / "s.db"))
    result = Analyzer(config, store, detector=GivenBoxes(walker), describe=False).analyze(
        SourceSpec(CLIP, "video"), config.cameras[0]
    )
    (alert,) = result.events.values()
    (post,) = receiver.posts
    assert post.lines()["alert"] == alert.id
