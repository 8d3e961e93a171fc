"""Notifications: each new alert sent to the Apprise URLs of its rule (or standing query), with its snapshot.

A :class:`Notifier` hears what the store's sink wrote (:class:`~camsight.events.sinks.Published`, through
the drive loop's ``on_published``) and sends one notification per alert written for the first time:

* **Who.** A rule's alerts go to its ``notify`` URLs (config); a standing query's (rule
  ``query:<name>``) to the URLs stored with the query, read when the notification is sent.
* **What.** Title from ``notifications.title``; the body says what (kind, rule), where (camera, zone,
  site), when (local time with its zone), the score and the alert id. The stored snapshot (privacy
  masks applied, heads blurred) is attached when there is one.
* **How often.** Once per alert id: updates and closings are not notified. The alert gate's budget
  summary (kind ``alert_budget``, one id per rule and hour) is rewritten as it counts, and notified
  once, so a storm of alerts costs its budget plus one message.
* **Never in the way.** Sending runs on one background thread behind a bounded queue: the drive loop
  only enqueues. A full queue drops the alert and counts it; a failed delivery is logged (the URL
  shown without its secrets) and counted, never raised. :meth:`Notifier.close` waits, bounded, for
  the queue and stops the thread.

Example:
    >>> from camsight.config.models import NotificationsConfig
    >>> notifier = Notifier(NotificationsConfig(), rules={"loitering": ("ntfy://ntfy.sh/my-gate",)})
    >>> notifier.close(wait_s=5)  # nothing was queued: returns at once, nothing left unsent
    0
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from camsight.config.models import NotificationsConfig, apprise_service, scheme_of
from camsight.events.models import AlertBudgetEvent, AnyEvent, StandingQueryEvent
from camsight.events.sinks import Published

if TYPE_CHECKING:
    from apprise import AppriseAttachment

log = logging.getLogger(__name__)

QUERY_PREFIX = "query:"
"""Rule names of standing-query alerts (and their budget summaries) start with this."""

KEEP_IDS = 10_000
"""Alert ids remembered as notified (a stream never ends, so the memory is bounded)."""


class QueryUrls(Protocol):
    """The notify URLs of a standing query (see :class:`camsight.apps.wiring.StoredQueryUrls`)."""

    def __call__(self, name: str) -> Sequence[str]:
        """The URLs of the standing query with this name (none if it has none); may read the store."""
        ...


@dataclass(slots=True)
class NotifyStats:
    """What a notifier has done so far.

    Attributes:
        queued: Alerts accepted for sending.
        finished: Alerts of those whose sending has ended (sent, failed or with no URL).
        sent: Deliveries (one alert to one URL) that succeeded.
        failed: Deliveries that failed: unreachable, refused, timed out, URL not understood.
        dropped: Alerts not notified because the queue was full (or the notifier closed).
    """

    queued: int = 0
    finished: int = 0
    sent: int = 0
    failed: int = 0
    dropped: int = 0


@dataclass(frozen=True, slots=True)
class _Notice:
    alert: AnyEvent
    urls: tuple[str, ...] | None  # None: a standing query's, looked up when sent


def shown_url(url: str) -> str:
    """A notification URL for logs: Apprise's private form (passwords, tokens masked), up to its host.

    Example:
        >>> shown_url("json://alice:s3cret@127.0.0.1:8080/hook?token=abc")
        'json://alice:****@127.0.0.1:8080/…'
    """
    service = apprise_service(url)
    if service is None:
        return scheme_of(url)
    parts = urlsplit(service.url(privacy=True))  # type: ignore[no-untyped-call]  # unannotated in apprise
    return f"{parts.scheme}://{parts.netloc}" + ("/…" if parts.path.strip("/") else "")


def title_fields(alert: AnyEvent, tz: tzinfo | None = None) -> dict[str, str]:
    """The values a title template may use (:data:`camsight.config.models.TITLE_FIELDS`), as text."""
    return {
        "kind": alert.kind,
        "camera": alert.camera,
        "zone": alert.zone or "-",
        "rule": alert.rule,
        "site": alert.site,
        "time": alert.started_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z"),
        "score": f"{alert.score:.2f}",
        "id": alert.id,
    }


def _what(alert: AnyEvent) -> list[str]:
    if isinstance(alert, AlertBudgetEvent):
        return [
            f"what: alert_budget: rule {alert.rule} reached its budget of {alert.max_per_hour} alerts per hour; "
            "further alerts of it this hour are counted, not raised or notified"
        ]
    if isinstance(alert, StandingQueryEvent):
        lines = [f"what: standing_query: {alert.query_name} matched this {alert.object_class}"]
        return lines + ([f"evidence: {alert.evidence}"] if alert.evidence else [])
    subject = getattr(alert, "object_class", None)
    return [f"what: {alert.kind} (rule {alert.rule})" + (f", {subject}" if subject else "")]


def message(alert: AnyEvent, title: str, tz: tzinfo | None = None) -> tuple[str, str]:
    """The title (from the template ``title``) and plain-text body of an alert's notification.

    Example:
        >>> from datetime import UTC, datetime
        >>> from camsight.events.models import LoiteringEvent
        >>> alert = LoiteringEvent(id="a1", site="north", rule="loitering:gate", camera="gate", source="rtsp://",
        ...                        zone="gate", start_s=0, end_s=0, started_at=datetime(2024, 6, 1, 12, tzinfo=UTC),
        ...                        score=0.8, dwell_s=31)
        >>> head, body = message(alert, "{kind} on {camera}", tz=UTC)
        >>> print(head); print(body)
        loitering on gate
        what: loitering (rule loitering:gate)
        where: camera gate, zone gate, site north
        when: 2024-06-01 12:00:00 UTC
        score: 0.80
        alert: a1
    """
    fields = title_fields(alert, tz)
    body = [
        *_what(alert),
        f"where: camera {alert.camera}, zone {fields['zone']}, site {alert.site}",
        f"when: {fields['time']}",
        f"score: {fields['score']}",
        f"alert: {alert.id}",
    ]
    return title.format(**fields), "\n".join(body)


class Notifier:
    """Sends each new alert to its URLs from a background thread (see the module docstring).

    Args:
        settings: Title, timeout, queue size, whether to attach snapshots.
        rules: The notify URLs of each rule, by the rule name its alerts carry.
        queries: Looks up a standing query's URLs (on the sending thread); None: standing queries
            are not notified.
        snapshot_path: The file of a stored snapshot (media path → file); None: nothing is attached.
        tz: Time zone of the times shown; default: the box's local zone.
    """

    def __init__(
        self,
        settings: NotificationsConfig,
        *,
        rules: Mapping[str, Sequence[str]],
        queries: QueryUrls | None = None,
        snapshot_path: Callable[[str], Path] | None = None,
        tz: tzinfo | None = None,
    ) -> None:
        self.settings = settings
        self.rules = {rule: tuple(urls) for rule, urls in rules.items() if urls}
        self.queries = queries
        self.snapshot_path = snapshot_path
        self.tz = tz
        self.stats = NotifyStats()
        self._queue: queue.Queue[_Notice | None] = queue.Queue(settings.queue_size)
        self._seen: dict[str, None] = {}
        self._thread: threading.Thread | None = None
        self._closed = False
        self._abandon = threading.Event()

    @property
    def running(self) -> bool:
        """Whether the sending thread is alive (it starts with the first alert to send, ends at :meth:`close`)."""
        return self._thread is not None and self._thread.is_alive()

    def publish(self, published: Published) -> None:
        """Queue a notification for every alert written for the first time (never blocks, never raises)."""
        try:
            for alert, _latency in published.new:
                notice = self._notice(alert)
                if notice is not None:
                    self._enqueue(notice)
        except Exception as exc:  # a notification must never stop the pipeline
            log.error("notifications: could not queue alerts: %s: %s", type(exc).__name__, exc)

    def close(self, wait_s: float) -> int:
        """Stop accepting alerts, wait at most ``wait_s`` seconds for the queue to be sent, stop the thread.

        Returns:
            How many queued alerts were not sent (0: all were); when some were not, says so in the log.
        """
        self._closed = True
        thread = self._thread
        if thread is None:
            return 0
        deadline = time.monotonic() + wait_s
        with contextlib.suppress(queue.Full):  # after what is queued: the thread ends there
            self._queue.put(None, timeout=max(0.0, wait_s))
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():  # gave up: the thread ends after the delivery it is in
            self._abandon.set()
            with contextlib.suppress(queue.Full):
                self._queue.put_nowait(None)
        unsent = self.stats.queued - self.stats.finished
        if unsent:
            log.warning(
                "notifications: gave up waiting after %.0f s with %d alert(s) not sent (notifications.drain_s)",
                wait_s,
                unsent,
            )
        s = self.stats
        log.info("notifications: %d sent, %d failed, %d dropped", s.sent, s.failed, s.dropped)
        return unsent

    def _notice(self, alert: AnyEvent) -> _Notice | None:
        if alert.id in self._seen:
            return None
        urls = self.rules.get(alert.rule)
        if urls is None and not (self.queries is not None and alert.rule.startswith(QUERY_PREFIX)):
            return None
        self._seen[alert.id] = None
        if len(self._seen) > KEEP_IDS:
            del self._seen[next(iter(self._seen))]
        return _Notice(alert, urls)

    def _enqueue(self, notice: _Notice) -> None:
        if self._closed:
            self.stats.dropped += 1
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="notify", daemon=True)
            self._thread.start()
        self.stats.queued += 1  # before the sending thread can count it finished
        try:
            self._queue.put_nowait(notice)
        except queue.Full:
            self.stats.queued -= 1
            self.stats.dropped += 1
            log.warning(
                "notifications: queue full (%d waiting); %s alert %s not notified",
                self.settings.queue_size,
                notice.alert.kind,
                notice.alert.id[:10],
            )

    def _run(self) -> None:
        sender = _Sender(self.settings, self.stats)
        while not self._abandon.is_set():
            notice = self._queue.get()
            if notice is None:
                return
            try:
                self._deliver(sender, notice)
            except Exception as exc:  # keep the thread alive; never show what the error may quote
                self.stats.failed += 1
                log.error("notifications: alert %s not sent: %s", notice.alert.id[:10], type(exc).__name__)
            finally:
                self.stats.finished += 1

    def _deliver(self, sender: _Sender, notice: _Notice) -> None:
        alert = notice.alert
        urls = notice.urls if notice.urls is not None else self._query_urls(alert.rule)
        if not urls:
            return
        title, body = message(alert, self.settings.title, self.tz)
        sender.send(alert, urls, title, body, self._snapshot(alert))

    def _query_urls(self, rule: str) -> tuple[str, ...]:
        assert self.queries is not None
        name = rule.removeprefix(QUERY_PREFIX)
        try:
            return tuple(self.queries(name))
        except Exception as exc:  # the store is busy or gone: this alert is not notified
            self.stats.failed += 1
            log.warning("notifications: cannot read standing query %s's URLs: %s", name, exc)
            return ()

    def _snapshot(self, alert: AnyEvent) -> Path | None:
        if not (self.settings.attach_snapshot and alert.snapshot and self.snapshot_path):
            return None
        try:
            path = self.snapshot_path(alert.snapshot)
        except ValueError:
            return None
        return path if path.is_file() else None


class _Sender:
    """Delivers with Apprise on the sending thread (imported there: a run that notifies nothing never loads it)."""

    def __init__(self, settings: NotificationsConfig, stats: NotifyStats) -> None:
        import apprise

        self.asset = apprise.AppriseAsset(
            app_id="camsight", app_desc="camsight alerts", service_timeout=settings.timeout_s
        )
        self.stats = stats

    def send(self, alert: AnyEvent, urls: Sequence[str], title: str, body: str, snapshot: Path | None) -> None:
        """One notification of ``alert`` to each URL, the snapshot attached; each outcome counted."""
        import apprise

        attach = apprise.AppriseAttachment(str(snapshot)) if snapshot is not None else None
        for url in urls:
            problem = self._one(url, title, body, attach, budget=alert.kind == "alert_budget")
            if problem is None:
                self.stats.sent += 1
                continue
            self.stats.failed += 1
            shown = shown_url(url)
            log.warning("notifications: %s alert %s not sent to %s: %s", alert.kind, alert.id[:10], shown, problem)

    def _one(self, url: str, title: str, body: str, attach: AppriseAttachment | None, *, budget: bool) -> str | None:
        import apprise

        service = apprise_service(url, self.asset)
        if service is None:
            return "Apprise cannot use this URL"
        batch = apprise.Apprise(asset=self.asset)
        batch.add(service)
        result = batch.notify(
            body=body,
            title=title,
            notify_type=apprise.NotifyType.INFO if budget else apprise.NotifyType.WARNING,
            body_format=apprise.NotifyFormat.TEXT,
            attach=attach,
        )
        return None if result else result.status.name.lower()  # failure (Apprise logs why) or timeout
