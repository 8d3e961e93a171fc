"""Assembling a source's drive from the config: the one place that builds the sink, the gate and the hooks.

``camsight analyze`` and every live camera worker take their pieces from here, so a live camera stores
exactly what analysing its recording would: the same describer, alert policy, suppressions, standing
queries and store sink (with thumbnail embeddings when an image-text model is configured), and notifies
the same way (:func:`make_notifier`: the caller closes it when its run ends). A running drive reads the
enabled suppressions again every :data:`SUPPRESSIONS_REFRESH_S`, so one enabled meanwhile applies.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from camsight.apps.drive import Drive
from camsight.apps.pipeline import CameraPipeline
from camsight.config.models import CameraConfig, Config
from camsight.core.records import TrackRecord
from camsight.events.alerts import AlertGate, AlertPolicy, Suppression
from camsight.events.sinks import Published
from camsight.perception.tracklog import Describer
from camsight.store.handle import Store
from camsight.store.sink import BatchWriter, StoreSink, ThumbnailEmbedder

if TYPE_CHECKING:
    from collections.abc import Sequence

    from camsight.events.notify import Notifier
    from camsight.transport.homeassistant import HomeAssistant
    from camsight.transport.publisher import Publisher


def make_describer(config: Config) -> Describer:
    """The appearance describer run when tracks end."""
    from camsight.perception.describe import AppearanceDescriber

    return AppearanceDescriber()


SUPPRESSIONS_REFRESH_S = 30.0
"""How often (wall clock) a running drive reads the enabled suppressions again (one enabled meanwhile applies)."""


def enabled_suppressions(engine: sa.Engine) -> list[Suppression]:
    """The suppressions an operator enabled (``camsight rules suppress``)."""
    from camsight.store.alerts_repo import list_suppressions

    with engine.connect() as conn:
        return [row.region for row in list_suppressions(conn, enabled=True)]


def make_gate(config: Config, suppressions: list[Suppression], *, scope: str) -> AlertGate:
    """The alert gate of one source (or live run): the config's cooldown and budget, the enabled suppressions."""
    policy = AlertPolicy(config.alerts.cooldown_s, config.alerts.max_per_hour)
    return AlertGate(policy, suppressions=suppressions, scope=scope)


def make_embedder(config: Config) -> ThumbnailEmbedder | None:
    """Thumbnail embedding as tracks are stored, when an image-text encoder pair is configured."""
    from camsight.search import clip_embedder

    embedder = clip_embedder.load(config.search.clip_model)
    if embedder is None:
        return None

    def embed(conn: sa.Connection, records: Sequence[TrackRecord], media_root: Path) -> None:
        clip_embedder.embed_tracks(conn, embedder, records, media_root, replace=True)

    return embed


def hub_writers(config: Config, store: Store) -> list[BatchWriter]:
    """What else a stored alert is written to in the same transaction: the outbox when the config names a hub."""
    if config.hub is None:
        return []
    from camsight.transport.outbox import OutboxWriter

    hub = config.hub
    return [
        OutboxWriter(
            media_root=store.paths.media,
            tracks=hub.tracks,
            thumbnails=hub.thumbnails,
            event_update_s=hub.event_update_s,
            path_tolerance=hub.path_tolerance,
        )
    ]


def make_sink(config: Config, store: Store, *, source_id: str, run_id: str) -> StoreSink:
    """The sink every batch of a source goes to; with a hub, the outbox is written in the same transaction."""
    extras = hub_writers(config, store)
    return StoreSink(
        store.engine,
        store.media,
        source_id=source_id,
        run_id=run_id,
        blur=config.store.blur_heads,
        embed=make_embedder(config),
        extras=extras,
    )


def make_publisher(
    config: Config, store: Store, *, client_id: str | None = None, on_model: Callable[[bytes], None] | None = None
) -> Publisher | None:
    """The outbox's publisher when the config names a hub (not started), else None.

    ``on_model`` gets the hub's model announcements (a live edge's :class:`~camsight.apps.rollout.ModelFollower`).
    """
    if config.hub is None:
        return None
    from camsight.apps.rollout import models_folder, running
    from camsight.transport.mqtt import BrokerSettings
    from camsight.transport.publisher import Publisher

    settings = BrokerSettings.parse(config.hub.mqtt, ca_file=config.hub.tls_ca)
    return Publisher(
        store.engine,
        settings,
        site=store.site,
        api_url=config.hub.api_url,
        heartbeat_s=config.hub.heartbeat_s,
        batch_s=config.hub.batch_s,
        model=running(config.detector, models_folder(store.paths.media)),
        client_id=client_id,
        on_model=on_model,
    )


def make_home_assistant(config: Config, engine: sa.Engine, *, cameras: Sequence[str]) -> HomeAssistant | None:
    """Home Assistant discovery of these live cameras when the config asks for it (not started), else None.

    The cameras' zones and rules are those their workers run: the config's, with the geometry saved in
    the console. The broker is ``home_assistant.mqtt``, or the hub's.
    """
    ha = config.home_assistant
    if ha is None or not ha.enabled:
        return None
    from camsight.services.cameras import effective_camera
    from camsight.transport.homeassistant import HomeAssistant
    from camsight.transport.mqtt import BrokerSettings

    if ha.mqtt is not None:
        settings = BrokerSettings.parse(ha.mqtt, ca_file=ha.tls_ca)
    else:
        assert config.hub is not None  # the config's validation says one of them is set
        settings = BrokerSettings.parse(config.hub.mqtt, ca_file=ha.tls_ca or config.hub.tls_ca)
    site = config.site_name()
    with engine.connect() as conn:
        effective = [effective_camera(conn, config.camera(camera), site=site) for camera in cameras]
    return HomeAssistant(settings, site=site, cameras=effective, prefix=ha.prefix)


def rule_urls(camera: CameraConfig) -> dict[str, tuple[str, ...]]:
    """The notify URLs of a camera's enabled rules, by the rule name their alerts carry."""
    from camsight.rules.base import rule_name

    urls: dict[str, tuple[str, ...]] = {}
    for rule in camera.rules:
        if rule.enabled and rule.notify:
            name = rule_name(rule)
            urls[name] = tuple(dict.fromkeys(urls.get(name, ()) + rule.notify))  # two rules of one name: both
    return urls


class StoredQueryUrls:
    """The notify URLs of a standing query, read from the store when one of its alerts is sent."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def __call__(self, name: str) -> tuple[str, ...]:
        """The URLs stored with the standing query of that name (none if there is no such query)."""
        from camsight.store.alerts_repo import list_standing_queries

        with self.engine.connect() as conn:
            rows = list_standing_queries(conn)
        return next((row.notify for row in rows if row.name == name), ())


def make_notifier(config: Config, store: Store, camera: CameraConfig) -> Notifier:
    """The notifier of one source's alerts: its camera's rules' URLs, the standing queries' URLs, snapshots.

    Its thread starts with the first alert to send; the caller closes it when the run ends
    (:meth:`~camsight.events.notify.Notifier.close`, waiting at most ``notifications.drain_s``).
    """
    from camsight.events.notify import Notifier

    return Notifier(
        config.notifications,
        rules=rule_urls(camera),
        queries=StoredQueryUrls(store.engine),
        snapshot_path=store.media.path,
    )


def both(*hooks: Callable[[Published], None] | None) -> Callable[[Published], None] | None:
    """Hooks called one after the other with what a sink wrote (None: there are none)."""
    given = [hook for hook in hooks if hook is not None]
    if len(given) <= 1:
        return given[0] if given else None

    def each(published: Published) -> None:
        for hook in given:
            hook(published)

    return each


def make_drive(
    config: Config,
    store: Store,
    pipe: CameraPipeline,
    *,
    run_id: str,
    suppressions: list[Suppression],
    on_published: Callable[[Published], None] | None = None,
    heartbeat: Callable[[], None] | None = None,
    notifier: Notifier | None = None,
) -> Drive:
    """A source's whole loop: its pipeline, gate, standing queries and sink, and its notifier, if given.

    The notifier hears every batch the sink wrote before ``on_published`` does (it only queues, and
    never raises).
    """
    from camsight.search.standing import StandingMatcher

    gate = make_gate(config, suppressions, scope=pipe.source_id)
    return Drive(
        pipe,
        gate,
        make_sink(config, store, source_id=pipe.source_id, run_id=run_id),
        standing=StandingMatcher(store.engine),
        on_published=both(notifier.publish if notifier is not None else None, on_published),
        heartbeat=_refreshing(gate, store.engine, heartbeat),
    )


def _refreshing(gate: AlertGate, engine: sa.Engine, heartbeat: Callable[[], None] | None) -> Callable[[], None]:
    """The drive's heartbeat, which also reads the enabled suppressions again every :data:`SUPPRESSIONS_REFRESH_S`."""
    last = time.monotonic()

    def beat() -> None:
        nonlocal last
        if heartbeat is not None:
            heartbeat()
        if time.monotonic() - last >= SUPPRESSIONS_REFRESH_S:
            last = time.monotonic()
            gate.use(enabled_suppressions(engine))

    return beat
