"""Frame sources: video files, still images and folders of them (RTSP streams live in ``sources.rtsp``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from camsight.errors import SourceError
from camsight.sources.images import IMAGE_SUFFIXES, StillImage, images_in, is_image
from camsight.sources.video import VIDEO_SUFFIXES, VideoFile, VideoStats

__all__ = [
    "IMAGE_SUFFIXES",
    "VIDEO_SUFFIXES",
    "SourceSpec",
    "StillImage",
    "VideoFile",
    "VideoStats",
    "expand_paths",
    "images_in",
    "is_image",
]


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """One thing to analyse: a video file or a still image, and the folder it was found in (if any)."""

    path: Path
    kind: Literal["video", "still"]
    folder: Path | None = None


def expand_paths(paths: list[Path]) -> list[SourceSpec]:
    """Turn the command line's files and folders into sources, in a stable order.

    A folder contributes its still images and its video files (not recursive). Any other file is
    taken as a video and checked when opened.

    Raises:
        SourceError: a path does not exist, or a folder holds nothing to analyse.
    """
    specs: list[SourceSpec] = []
    for path in paths:
        if not path.exists():
            raise SourceError(f"{path}: no such file or folder")
        if path.is_dir():
            found = [SourceSpec(p, "still", path) for p in images_in(path)]
            found += [
                SourceSpec(p, "video", path)
                for p in sorted(path.iterdir())
                if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES
            ]
            if not found:
                raise SourceError(f"{path}: folder has no images or videos to analyse")
            specs.extend(found)
        else:
            specs.append(SourceSpec(path, "still" if is_image(path) else "video"))
    return specs
