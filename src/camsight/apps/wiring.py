"""Assembling a source's drive from the config: the one place that builds the sink, the gate and the hooks.

``camsight analyze`` and every live camera worker take their pieces from here, so a live camera stores
exactly what analysing its recording would: the same describer, alert policy, suppression regions,
standing queries and store sink (with thumbnail embeddings when an image-text model is configured).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from camsight.apps.drive import Drive
from camsight.apps.pipeline import CameraPipeline
from camsight.config.models import Config
from camsight.core.records import TrackRecord
from camsight.events.alerts import AlertGate, AlertPolicy, Suppression
from camsight.events.sinks import Published
from camsight.perception.tracklog import Describer
from camsight.store.handle import Store
from camsight.store.sink import StoreSink, ThumbnailEmbedder

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from camsight.transport.publisher import Publisher


def make_describer(config: Config) -> Describer:
    """The appearance describer run when tracks end."""
    from camsight.perception.describe import AppearanceDescriber

    return AppearanceDescriber()


def enabled_suppressions(engine: sa.Engine) -> list[Suppression]:
    """The suppression regions an operator enabled (``camsight rules suppress``)."""
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


def make_sink(config: Config, store: Store, *, source_id: str, run_id: str) -> StoreSink:
    """The sink every batch of a source goes to; with a hub, the outbox is written in the same transaction."""
    extras = []
    if config.hub is not None:
        from camsight.transport.outbox import OutboxWriter

        extras.append(OutboxWriter(media_root=store.paths.media, tracks=config.hub.tracks))
    return StoreSink(
        store.engine,
        store.media,
        source_id=source_id,
        run_id=run_id,
        blur=config.store.blur_heads,
        embed=make_embedder(config),
        extras=extras,
    )


def make_publisher(config: Config, store: Store, *, client_id: str | None = None) -> Publisher | None:
    """The outbox's publisher when the config names a hub (not started), else None."""
    if config.hub is None:
        return None
    from camsight.models.registry import active_detector
    from camsight.transport.mqtt import BrokerSettings
    from camsight.transport.publisher import Publisher

    settings = BrokerSettings.parse(config.hub.mqtt, ca_file=config.hub.tls_ca)
    return Publisher(
        store.engine,
        settings,
        site=store.site,
        api_url=config.hub.api_url,
        heartbeat_s=config.hub.heartbeat_s,
        model=active_detector(config.detector),
        client_id=client_id,
    )


def make_drive(
    config: Config,
    store: Store,
    pipe: CameraPipeline,
    *,
    run_id: str,
    suppressions: list[Suppression],
    on_published: Callable[[Published], None] | None = None,
    heartbeat: Callable[[], None] | None = None,
) -> Drive:
    """A source's whole loop: its pipeline, gate, standing queries and sink."""
    from camsight.search.standing import StandingMatcher

    return Drive(
        pipe,
        make_gate(config, suppressions, scope=pipe.source_id),
        make_sink(config, store, source_id=pipe.source_id, run_id=run_id),
        standing=StandingMatcher(store.engine),
        on_published=on_published,
        heartbeat=heartbeat,
    )
