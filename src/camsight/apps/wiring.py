"""Building the analysis job from the config: which detector, describer, hooks and suppressions to use.

The live workers take the same pieces from here, so a live camera stores what ``camsight analyze`` would.
"""

from __future__ import annotations

import sqlalchemy as sa

from camsight.apps.analyze import Analyzer
from camsight.apps.persist import TrackHook
from camsight.config.models import Config
from camsight.core.records import TrackRecord
from camsight.events.lifecycle import Suppression
from camsight.events.models import AnyEvent
from camsight.perception.detect import OnnxDetector
from camsight.perception.tracklog import Describer
from camsight.store.media import MediaStore


def make_analyzer(config: Config, *, engine: sa.Engine, media: MediaStore) -> Analyzer:
    """An :class:`Analyzer` with the configured detector and the appearance describer.

    Every finished track is matched against the stored standing queries, and the enabled
    suppression regions are applied to rule events.
    """
    return Analyzer(
        config,
        engine=engine,
        media=media,
        detector=OnnxDetector(config.detector),
        describer=make_describer(config),
        on_track=track_hooks(config, engine=engine, media=media),
        suppressions=enabled_suppressions(engine),
    )


def enabled_suppressions(engine: sa.Engine, *, create: bool = True) -> list[Suppression]:
    """The suppression regions an operator enabled (``camsight rules suppress``)."""
    from camsight.store.alerts_repo import ensure_tables, list_suppressions

    with engine.begin() as conn:
        if create:
            ensure_tables(conn)
        return [row.region for row in list_suppressions(conn, enabled=True)]


def track_hooks(config: Config, *, engine: sa.Engine, media: MediaStore) -> TrackHook:
    """What happens to each stored track: standing-query matching, and thumbnail embedding when a CLIP pair is set."""
    from camsight.search import clip_embedder
    from camsight.search.standing import StandingMatcher

    hooks: list[TrackHook] = [StandingMatcher(engine)]
    embedder = clip_embedder.load(config.search.clip_model)
    if embedder is not None:
        hooks.append(clip_embedder.embedding_hook(engine, embedder, media.root))

    def run(record: TrackRecord) -> list[AnyEvent]:
        return [event for hook in hooks for event in hook(record)]

    return run


def make_describer(config: Config) -> Describer:
    """The appearance describer used when tracks end."""
    from camsight.perception.describe import AppearanceDescriber

    return AppearanceDescriber()
