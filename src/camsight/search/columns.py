"""The search index's column vocabulary: one numeric column per searchable attribute.

Kept apart from :mod:`camsight.search.features` (which computes the values) so that the store's one
schema (:mod:`camsight.store.schema`) can name the columns without importing the search code. A change
here changes the ``search_features`` table: it needs a migration (a test compares the migrated schema
with :mod:`camsight.store.schema`).
"""

from __future__ import annotations

from camsight.search.lexicon import CARRIED, COLOURS, MOTIONS, POSTURES, RIDDEN

REGIONS = ("head", "upper", "lower")
"""Body regions with colour columns."""

GARMENTS: tuple[str, ...] = (
    "vest",
    "dress",
    "hooded jacket",
    "jacket",
    "coat",
    "cardigan",
    "shirt",
    "t-shirt",
    "top",
    "sweater",
    "uniform",
    "overalls",
    "suit",
    "trousers",
    "jeans",
    "shorts",
    "skirt",
)
"""Canonical garment names with a column (the describer's garment cues, read through the lexicon)."""

DETECTED_GARMENTS: tuple[str, ...] = ("vest", "jeans", "dress")
"""Cues :mod:`camsight.perception.describe` reports whenever it sees them: for a described track, their
absence is evidence (0), not "unknown" (-1) as for the garments it cannot detect."""


# --- Body parts from pose (migration 0007): kept apart and appended, so the earlier columns keep their order.
POSE_GARMENTS: tuple[str, ...] = ("short sleeves", "long sleeves")
"""Garment cues only pose can give, with a column each (trousers, shorts and skirt already have one)."""
POSE_COLUMNS: tuple[str, ...] = (
    "upper_patterned",
    "lower_patterned",
    "head_lightness",
    "upper_lightness",
    "lower_lightness",
    "garment_short_sleeves",
    "garment_long_sleeves",
)
"""Texture pattern per garment (1 - plain), mean lightness per region, sleeve length; ``-1`` = unknown."""


# --- Motion and posture per moment (migration 0008): appended after the pose columns.
MOMENT_MOTIONS: tuple[str, ...] = ("still", "walking", "running")
"""Motions timed per moment (people); ``moving`` is the vehicles' label only."""
MOMENT_COLUMNS: tuple[str, ...] = (
    *(f"motion_{m}_s" for m in MOMENT_MOTIONS),
    "motion_timed_s",
    *(f"posture_{p}_s" for p in POSTURES),
    "posture_timed_s",
)
"""Seconds spent in each motion and posture, and in all of them (``*_timed_s``; 0: not timed, so the
dominant label and the shares are used instead)."""


def slug(name: str) -> str:
    """Column-safe form of a vocabulary name (``light blue`` → ``light_blue``, ``t-shirt`` → ``t_shirt``)."""
    return name.replace(" ", "_").replace("-", "_")


def colour_column(region: str, colour: str) -> str:
    """Name of the column holding ``colour``'s share of ``region``."""
    return f"{region}_{slug(colour)}"


NUMERIC_COLUMNS: tuple[str, ...] = (
    *(colour_column(r, c) for r in REGIONS for c in COLOURS),
    *(f"{r}_seen" for r in REGIONS),
    "described",
    "headwear",
    "pattern",
    *(f"carried_{c}" for c in CARRIED),
    *(f"posture_{p}" for p in POSTURES),
    "posture_known",
    *(f"motion_{m}" for m in MOTIONS),
    "motion_known",
    "speed",
    *(f"riding_{r}" for r in RIDDEN),
    *(f"garment_{slug(g)}" for g in GARMENTS),
    "near_others",
    "near_share",
    "quality",
    "duration",
    *POSE_COLUMNS,
    *MOMENT_COLUMNS,
)
"""Every numeric feature column, in a fixed order."""

TEXT_COLUMNS = ("object_class", "camera", "event_kinds", "zones", "site")
"""Text columns the scoring formula and the filters read (event kinds and zones as ``|a|b|``)."""
