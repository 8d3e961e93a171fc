"""The object detector: an Ultralytics-format ONNX model (YOLO11n by default) on ONNX Runtime.

The model file is checked by SHA-256 before the session is built; the session is built when the
detector is constructed, never at import.

Example:
    >>> from camsight.config import DetectorConfig
    >>> detector = OnnxDetector(DetectorConfig())          # packaged YOLO11n, CPU
    >>> dets = detector.detect(frame)                      # doctest: +SKIP
    >>> dets[dets.class_id == 0].xyxy                      # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray

from camsight.config.models import CLASS_IDS, DetectorConfig
from camsight.core.detections import Detections
from camsight.core.frame import Frame
from camsight.errors import ModelError
from camsight.models.registry import YOLO11N_SHA256, verify, yolo11n_path
from camsight.perception.decode import decode, nms
from camsight.perception.letterbox import letterbox, to_blob
from camsight.perception.regions import Region, inner_edge_boxes

log = logging.getLogger(__name__)

PROVIDERS: dict[str, str] = {
    "cpu": "CPUExecutionProvider",
    "cuda": "CUDAExecutionProvider",
    "openvino": "OpenVINOExecutionProvider",
}
"""Config name → ONNX Runtime execution provider."""

AUTO_ORDER = ("CUDAExecutionProvider", "OpenVINOExecutionProvider", "CPUExecutionProvider")
"""Preference of ``provider: auto``, best first."""


def select_providers(provider: str, available: list[str] | None = None) -> list[str]:
    """Execution providers to request for a config value, best first, CPU last as a fallback.

    Args:
        provider: ``cpu``, ``cuda``, ``openvino`` or ``auto``.
        available: Installed providers; defaults to ``ort.get_available_providers()``.

    Raises:
        ModelError: The requested provider is not installed.
    """
    installed = list(ort.get_available_providers()) if available is None else available
    if provider == "auto":
        return [p for p in AUTO_ORDER if p in installed] or ["CPUExecutionProvider"]
    wanted = PROVIDERS.get(provider)
    if wanted is None or wanted not in installed:
        raise ModelError(
            f"ONNX Runtime provider {provider!r} is not available; installed: {', '.join(installed)} "
            "(set detector.provider to one of those, or install the matching onnxruntime build)"
        )
    return [wanted] if wanted == "CPUExecutionProvider" else [wanted, "CPUExecutionProvider"]


def _model_file(config: DetectorConfig) -> Path:
    """The model file to load, checked against its SHA-256 where one is known."""
    if config.model is None:
        path = yolo11n_path()
        verify(path, YOLO11N_SHA256)
        return path
    path = config.model.expanduser()
    if config.sha256 is not None:
        verify(path, config.sha256, hint="check detector.model and detector.sha256 in the config")
    elif not path.is_file():
        raise ModelError(f"detector model not found: {path}; check detector.model in the config")
    return path


def _session(path: Path, config: DetectorConfig) -> ort.InferenceSession:
    options = ort.SessionOptions()
    if config.threads > 0:
        options.intra_op_num_threads = config.threads
    providers = select_providers(config.provider)
    try:
        return ort.InferenceSession(str(path), sess_options=options, providers=providers)
    except Exception as exc:  # ORT raises its own untyped exceptions for bad files
        raise ModelError(f"cannot load detector model {path}: {str(exc).splitlines()[0]}") from exc


def _static_side(shape: list[Any]) -> int | None:
    """The fixed square input side of a static model, ``None`` for a dynamic one."""
    h, w = shape[2:4] if len(shape) == 4 else (None, None)
    if isinstance(h, int) and isinstance(w, int):
        if h != w:
            raise ModelError(f"detector input must be square, the model expects {w}x{h}")
        return h
    return None


class Detector(Protocol):
    """Finds objects in a picture (the pipeline's one model; tests use stand-ins that return given boxes)."""

    def detect(self, frame: Frame) -> Detections:
        """Detections in one frame."""
        ...

    def detect_image(self, image: NDArray[np.uint8]) -> Detections:
        """Detections in one BGR image."""
        ...

    def detect_images(
        self, images: Sequence[NDArray[np.uint8]], sides: Sequence[int] | None = None
    ) -> list[Detections]:
        """Detections in each of several BGR images (batched where the model allows), each in its own pixels.

        ``sides``: per image, the side of the square input it is letterboxed into (a multiple of 32, at
        most the detector's input size); default: the input size.
        """
        ...

    def detect_regions(self, frame: Frame, regions: Sequence[Region]) -> Detections:
        """Detections in the given regions of a frame, in the frame's pixels (see :func:`detect_regions`)."""
        ...


class OnnxDetector:
    """Finds objects in frames with an Ultralytics-format ONNX detector.

    Frames are letterboxed to ``config.input_size`` (rectangular padding to a multiple of 32 when the
    model accepts dynamic shapes, a full square otherwise), scored, filtered to ``config.classes`` and
    ``config.confidence``, de-duplicated by class-aware NMS at ``config.iou``, and mapped back to
    source pixels.

    Args:
        config: Detector settings.

    Raises:
        ModelError: The model is missing, damaged, unloadable, not Ultralytics-shaped, or the provider is
            not installed.
    """

    def __init__(self, config: DetectorConfig) -> None:
        self.config = config
        self.model_path = _model_file(config)
        self._session = _session(self.model_path, config)
        inputs = self._session.get_inputs()
        self._input_name: str = inputs[0].name
        fixed = _static_side(list(inputs[0].shape))
        if fixed is not None and fixed != config.input_size:
            raise ModelError(f"the detector model has a fixed {fixed}px input; set detector.input_size: {fixed}")
        self._rect = fixed is None
        batch = inputs[0].shape[0] if inputs[0].shape else 1
        self._batched = not isinstance(batch, int) or batch > 1
        self._class_ids = np.array(sorted(CLASS_IDS[name] for name in config.classes), dtype=np.int64)
        channels = self._session.get_outputs()[0].shape[1]
        if isinstance(channels, int) and channels - 4 <= int(self._class_ids.max(initial=0)):
            raise ModelError(
                f"{self.model_path} outputs {channels} channels, not an Ultralytics COCO detector "
                "(expected 4 box values + 80 class scores)"
            )
        log.info("detector %s on %s", self.model_path.name, ", ".join(self.providers))

    @property
    def providers(self) -> list[str]:
        """Execution providers the session actually uses, best first."""
        return list(self._session.get_providers())

    def detect(self, frame: Frame) -> Detections:
        """Detect objects in a frame.

        Returns:
            Boxes in the frame's pixels, highest score first, untracked.
        """
        return self.detect_image(frame.image)

    def detect_image(self, image: NDArray[np.uint8]) -> Detections:
        """Detect objects in a BGR ``H x W x 3`` uint8 image.

        Returns:
            Boxes in the image's pixels, highest score first, untracked.
        """
        padded, geo = letterbox(image, self.config.input_size, rect=self._rect)
        output = self._session.run(None, {self._input_name: to_blob(padded)})[0]
        xyxy, scores, classes = decode(
            np.asarray(output), class_ids=self._class_ids, confidence=self.config.confidence, iou=self.config.iou
        )
        return Detections.from_arrays(xyxy=geo.to_source(xyxy), confidence=scores, class_id=classes)

    def detect_images(
        self, images: Sequence[NDArray[np.uint8]], sides: Sequence[int] | None = None
    ) -> list[Detections]:
        """Detect objects in several BGR images, each letterboxed into a square of its side.

        Images of the same side run in one batch when the model has a batch dimension (one by one
        otherwise). A model with a fixed input side runs every image at that side.

        Args:
            images: ``H x W x 3`` uint8 images.
            sides: Per image, the square input side (a multiple of 32, at most ``config.input_size``);
                default: ``config.input_size``.

        Returns:
            One ``Detections`` per image, in that image's pixels, highest score first.
        """
        size = self.config.input_size
        wanted = [size] * len(images) if sides is None or not self._rect else [min(int(s), size) for s in sides]
        out: list[Detections] = [Detections.empty()] * len(images)
        groups: dict[int, list[int]] = {}
        for i, side in enumerate(wanted):
            groups.setdefault(side, []).append(i)
        for side, members in groups.items():
            chunks = [members] if self._batched else [[i] for i in members]
            for chunk in chunks:
                boxed = [letterbox(images[i], side) for i in chunk]
                blob = np.concatenate([to_blob(padded) for padded, _ in boxed], axis=0)
                output = np.asarray(self._session.run(None, {self._input_name: blob})[0])
                for row, i in enumerate(chunk):
                    xyxy, scores, classes = decode(
                        output[row : row + 1],
                        class_ids=self._class_ids,
                        confidence=self.config.confidence,
                        iou=self.config.iou,
                    )
                    geo = boxed[row][1]
                    out[i] = Detections.from_arrays(xyxy=geo.to_source(xyxy), confidence=scores, class_id=classes)
        return out

    def detect_regions(self, frame: Frame, regions: Sequence[Region]) -> Detections:
        """Detect objects in regions of a frame (see :func:`detect_regions`)."""
        return detect_regions(self, frame, regions, iou=self.config.iou, input_size=self.config.input_size)


def detect_regions(
    detector: Detector, frame: Frame, regions: Sequence[Region], *, iou: float, input_size: int
) -> Detections:
    """Run ``detector`` on crops of ``frame`` and merge what they find into one set of frame boxes.

    Each region is cropped from the full-resolution frame and run at its planned input side
    (``Region.side_in``; unplanned: its own side, at most ``input_size``), in one
    :meth:`Detector.detect_images` call. Boxes cut by a crop edge inside the frame are dropped
    (:func:`~camsight.perception.regions.inner_edge_boxes`), the rest are moved into frame pixels and
    de-duplicated across regions by class-aware NMS at ``iou``.

    Returns:
        Boxes in the frame's pixels, highest score first, untracked.
    """
    if not regions:
        return Detections.empty()
    image = frame.image
    crops = [image[r.y1 : r.y2, r.x1 : r.x2] for r in regions]
    found = detector.detect_images(crops, [r.side_in or r.input_side(input_size) for r in regions])
    boxes: list[NDArray[np.float32]] = []
    scores: list[NDArray[np.float32]] = []
    classes: list[NDArray[np.int64]] = []
    for region, dets in zip(regions, found, strict=True):
        if not len(dets):
            continue
        xyxy = dets.xyxy + np.array([region.x1, region.y1, region.x1, region.y1], np.float32)
        keep = ~inner_edge_boxes(xyxy, region, frame.width, frame.height)
        boxes.append(xyxy[keep])
        scores.append(dets.confidence[keep])
        classes.append(dets.class_id[keep])
    if not boxes:
        return Detections.empty()
    xyxy, score, cls = np.concatenate(boxes), np.concatenate(scores), np.concatenate(classes)
    keep_idx = nms(xyxy, score, cls, iou)
    return Detections.from_arrays(xyxy=xyxy[keep_idx], confidence=score[keep_idx], class_id=cls[keep_idx])
