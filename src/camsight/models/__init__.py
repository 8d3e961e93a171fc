"""Locating, verifying and describing the model files camsight uses (packaged, never downloaded)."""

from camsight.models.registry import (
    MINILM_SHA256,
    YOLO11N_SHA256,
    ModelInfo,
    list_models,
    minilm_path,
    sha256_of,
    verify,
    yolo11n_path,
)

__all__ = [
    "MINILM_SHA256",
    "YOLO11N_SHA256",
    "ModelInfo",
    "list_models",
    "minilm_path",
    "sha256_of",
    "verify",
    "yolo11n_path",
]
