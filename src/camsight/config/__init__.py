"""Configuration models (frozen pydantic) and the YAML loader."""

from camsight.config.loader import load_config, parse_config
from camsight.config.models import (
    CLASS_IDS,
    CameraConfig,
    Config,
    CrowdRule,
    DetectorConfig,
    LineConfig,
    LineCrossingRule,
    LoiteringRule,
    MotionConfig,
    RuleConfig,
    Schedule,
    StoreConfig,
    TrackerConfig,
    ZoneConfig,
    ZoneIntrusionRule,
)

__all__ = [
    "CLASS_IDS",
    "CameraConfig",
    "Config",
    "CrowdRule",
    "DetectorConfig",
    "LineConfig",
    "LineCrossingRule",
    "LoiteringRule",
    "MotionConfig",
    "RuleConfig",
    "Schedule",
    "StoreConfig",
    "TrackerConfig",
    "ZoneConfig",
    "ZoneIntrusionRule",
    "load_config",
    "parse_config",
]
