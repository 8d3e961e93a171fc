"""The notifier on its own: what a message says, once per alert, a bounded queue, failures counted, not raised.

Real Apprise and a real HTTP receiver (tests/unit/apps/receiver.py); nothing is mocked.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "apps"))
from receiver import Receiver, closed_port  # noqa: E402

from camsight.config.models import TITLE_FIELDS, NotificationsConfig  # noqa: E402
from camsight.events.models import AlertBudgetEvent, AnyEvent, StandingQueryEvent, ZoneIntrusionEvent  # noqa: E402
from camsight.events.notify import Notifier, message, shown_url, title_fields  # noqa: E402
from camsight.events.sinks import Published  # noqa: E402

T0 = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
COMMON = {"site": "north", "camera": "gate", "source": "rtsp://cam", "start_s": 1.0, "end_s": 1.0, "started_at": T0}


def intrusion(n: int = 1, *, status: str = "open") -> ZoneIntrusionEvent:
    return ZoneIntrusionEvent(
        id=f"alert-{n}", rule="door", zone="door", score=0.87, object_class="person", status=status, **COMMON
    )  # type: ignore[arg-type]


def summary(suppressed: int) -> AlertBudgetEvent:
    return AlertBudgetEvent(
        id="budget-1", rule="door", score=1.0, status="closed", suppressed=suppressed, max_per_hour=2, **COMMON
    )  # type: ignore[arg-type]


def new(*alerts: AnyEvent) -> Published:
    return Published(new=[(a, 0.0) for a in alerts])


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.mark.parametrize(
    ("alert", "what"),
    [
        (intrusion(), "zone_intrusion (rule door), person"),
        (
            StandingQueryEvent(
                id="q1",
                rule="query:vests",
                score=0.7,
                query_id=1,
                query_name="vests",
                evidence="upper: orange 0.71",
                **COMMON,  # type: ignore[arg-type]
            ),
            "standing_query: vests matched this object",
        ),
        (
            summary(1),
            "alert_budget: rule door reached its budget of 2 alerts per hour; further alerts of it this "
            "hour are counted, not raised or notified",
        ),
    ],
)
def test_the_body_says_what_where_and_when(alert: AnyEvent, what: str) -> None:
    title, body = message(alert, "{site}/{camera}: {kind} in {zone} at {time}, {score} ({rule}, {id})", tz=UTC)
    lines = dict(line.split(": ", 1) for line in body.splitlines())
    assert lines["what"] == what
    assert lines["where"] == f"camera gate, zone {alert.zone or '-'}, site north"
    assert lines["when"] == "2024-06-01 12:00:00 UTC"
    assert lines["score"] == f"{alert.score:.2f}"
    assert lines["alert"] == alert.id
    assert (
        title == f"north/gate: {alert.kind} in {alert.zone or '-'} at 2024-06-01 12:00:00 UTC, {alert.score:.2f} "
        f"({alert.rule}, {alert.id})"
    )


def test_a_title_may_use_exactly_the_fields_the_config_allows() -> None:
    assert tuple(title_fields(intrusion())) == TITLE_FIELDS


def test_each_alert_is_notified_once_not_its_updates_nor_a_rewritten_budget_summary(receiver: Receiver) -> None:
    notifier = Notifier(NotificationsConfig(), rules={"door": [receiver.url()]})
    notifier.publish(new(intrusion(1)))
    notifier.publish(Published(updated=[intrusion(1, status="closed")]))  # closing: not notified
    notifier.publish(new(intrusion(1)))  # the sink may call a reopened alert new again: still once
    for count in (1, 2, 3):  # the gate rewrites its summary (same id) as it counts
        notifier.publish(new(summary(count)))
    notifier.publish(new(intrusion(2)))
    assert notifier.close(wait_s=30) == 0
    assert [p.lines()["alert"] for p in receiver.posts] == ["alert-1", "budget-1", "alert-2"]
    assert receiver.posts[1].json()["type"] == "info"  # a summary; alerts are warnings
    assert receiver.posts[0].json()["type"] == "warning"
    assert (notifier.stats.queued, notifier.stats.sent, notifier.stats.dropped) == (3, 3, 0)


def test_alerts_of_rules_without_urls_start_nothing(receiver: Receiver) -> None:
    notifier = Notifier(NotificationsConfig(), rules={"door": [], "other": [receiver.url()]})
    notifier.publish(new(intrusion(1)))
    assert not notifier.running
    assert notifier.close(wait_s=30) == 0
    assert receiver.posts == []


def test_a_full_queue_drops_the_alert_and_counts_it(caplog: pytest.LogCaptureFixture) -> None:
    held = Receiver(hold=threading.Event())
    try:
        notifier = Notifier(NotificationsConfig(queue_size=1), rules={"door": [held.url()]})
        notifier.publish(new(intrusion(1)))
        assert held.entered.wait(30)  # alert 1 is being sent (and held): the queue is empty again
        notifier.publish(new(intrusion(2), intrusion(3)))  # 2 waits in the queue; 3 finds it full
        assert notifier.stats.dropped == 1
        assert held.hold is not None
        held.hold.set()
        assert notifier.close(wait_s=30) == 0
    finally:
        held.close()
    assert sorted(p.lines()["alert"] for p in held.posts) == ["alert-1", "alert-2"]
    assert any("queue full" in r.getMessage() and "alert-3" in r.getMessage() for r in caplog.records)


def test_a_failed_delivery_is_counted_and_logged_without_secrets(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    port = closed_port()
    dead = f"json://bob:hunter22@127.0.0.1:{port}/hook?token=tok3n"
    notifier = Notifier(NotificationsConfig(timeout_s=5), rules={"door": [dead, receiver.url()]})
    with caplog.at_level(logging.DEBUG):
        notifier.publish(new(intrusion(1)))
        assert notifier.close(wait_s=30) == 0
    assert (notifier.stats.sent, notifier.stats.failed) == (1, 1)  # the other URL still got it
    assert len(receiver.posts) == 1
    assert any(f"not sent to json://bob:****@127.0.0.1:{port}/…" in r.getMessage() for r in caplog.records)
    assert all("hunter22" not in r.getMessage() and "tok3n" not in r.getMessage() for r in caplog.records)


def test_a_standing_query_alert_goes_to_the_urls_stored_with_it(receiver: Receiver) -> None:
    asked: list[str] = []

    def stored(name: str) -> list[str]:
        asked.append(name)
        return [receiver.url("/q")] if name == "vests" else []

    alert = StandingQueryEvent(id="q1", rule="query:vests", score=0.7, query_id=1, query_name="vests", **COMMON)  # type: ignore[arg-type]
    other = StandingQueryEvent(id="q2", rule="query:cars", score=0.7, query_id=2, query_name="cars", **COMMON)  # type: ignore[arg-type]
    notifier = Notifier(NotificationsConfig(), rules={}, queries=stored)
    notifier.publish(new(alert, other))
    assert notifier.close(wait_s=30) == 0
    assert asked == ["vests", "cars"]  # looked up on the sending thread, when sent
    assert [p.path for p in receiver.posts] == ["/q"]


def test_a_store_that_cannot_be_read_costs_the_notification_not_the_thread(receiver: Receiver) -> None:
    def broken(name: str) -> list[str]:
        raise OSError("database is locked")

    alert = StandingQueryEvent(id="q1", rule="query:vests", score=0.7, query_id=1, query_name="vests", **COMMON)  # type: ignore[arg-type]
    notifier = Notifier(NotificationsConfig(), rules={"door": [receiver.url()]}, queries=broken)
    notifier.publish(new(alert, intrusion(1)))
    assert notifier.close(wait_s=30) == 0
    assert notifier.stats.failed == 1
    assert [p.lines()["alert"] for p in receiver.posts] == ["alert-1"]


def test_close_gives_up_when_the_receiver_hangs_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    held = Receiver(hold=threading.Event())
    try:
        notifier = Notifier(NotificationsConfig(), rules={"door": [held.url()]})
        notifier.publish(new(intrusion(1), intrusion(2)))
        assert held.entered.wait(30)
        assert notifier.close(wait_s=0.1) == 2
        notifier.publish(new(intrusion(3)))  # closed: refused and counted
        assert notifier.stats.dropped == 1
    finally:
        held.close()
    assert any("gave up waiting" in r.getMessage() and "2 alert(s) not sent" in r.getMessage() for r in caplog.records)


def test_a_missing_snapshot_is_left_out_not_a_failure(receiver: Receiver, tmp_path: Path) -> None:
    alert = intrusion(1).model_copy(update={"snapshot": "gate/src/event-alert-1.jpg"})
    notifier = Notifier(NotificationsConfig(), rules={"door": [receiver.url()]}, snapshot_path=tmp_path.joinpath)
    notifier.publish(new(alert))
    assert notifier.close(wait_s=30) == 0
    (post,) = receiver.posts
    assert post.attachments() == []


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("json://alice:pw@example.com:8080/hook/s3cret?token=t0k", "json://alice:****@example.com:8080/…"),
        ("ntfy://ntfy.sh/my-private-topic", "ntfy://ntfy.sh/…"),
        ("nosuchservice://user:pw@host/path", "nosuchservice://…"),
        ("tgram://123456789:AABBccddEEffgghhiijjkkllmmnnooppqq/4321", "tgram://1...q/…"),
    ],
)
def test_urls_are_shown_without_secrets(url: str, shown: str) -> None:
    assert shown_url(url) == shown
