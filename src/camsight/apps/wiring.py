"""Building the analysis job from the config: which detector, describer and hooks to use."""

from __future__ import annotations

import sqlalchemy as sa

from camsight.apps.analyze import Analyzer
from camsight.config.models import Config
from camsight.perception.detect import OnnxDetector
from camsight.perception.tracklog import Describer
from camsight.store.media import MediaStore


def make_analyzer(config: Config, *, engine: sa.Engine, media: MediaStore) -> Analyzer:
    """An :class:`Analyzer` with the configured detector."""
    return Analyzer(config, engine=engine, media=media, detector=OnnxDetector(config.detector))


def make_describer(config: Config) -> Describer:
    """The appearance describer used when tracks end."""
    from camsight.perception.describe import AppearanceDescriber

    return AppearanceDescriber()
