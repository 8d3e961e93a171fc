"""Exporting a clip from a store given by its engine, as ``camsight clip`` does (the clips use case, as the OS user)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from camsight.config import Config
from camsight.perception.detect import Detector
from camsight.services.actor import os_actor
from camsight.services.clips import ClipResult, export
from camsight.store.handle import Store
from camsight.store.paths import StorePaths


def export_clip(
    engine: sa.Engine,
    *,
    config: Config,
    event_id: str,
    output: Path,
    recordings: Path,
    pre_s: float,
    post_s: float,
    blur: bool = True,
    force: bool = False,
    detector: Callable[[], Detector] | None = None,
) -> ClipResult:
    """The clips use case on ``engine`` with its recordings in ``recordings``."""
    paths = StorePaths(
        str(engine.url),
        recordings.parent / "media",
        recordings,
        recordings.parent / "s.json",
        recordings.parent / "s.lock",
    )
    store = Store(engine=engine, paths=paths, site="test", upgraded=None)
    return export(
        store,
        actor=os_actor(),
        config=config,
        ref=event_id,
        output=output,
        pre_s=pre_s,
        post_s=post_s,
        blur=blur,
        force=force,
        detector=detector,
    )
