"""The real YOLO11n model on real photos (no stand-ins), plus model and provider selection."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
from numpy.typing import NDArray

from camsight.config import DetectorConfig
from camsight.core.detections import box_iou
from camsight.errors import ModelError
from camsight.models import YOLO11N_SHA256, yolo11n_path
from camsight.perception.detect import OnnxDetector, select_providers

from .conftest import MakeFrame

Photo = Callable[[str], NDArray[np.uint8]]

# Hand-checked boxes in opencv_vtest_t5s.png (768x576): five clearly visible walkers.
VTEST_PEOPLE = np.array(
    [[668, 257, 714, 371], [554, 215, 586, 302], [504, 217, 541, 308], [372, 179, 402, 259], [431, 175, 458, 246]],
    np.float32,
)
VTEST_VAN = [652, 43, 723, 100]  # parked white van, top right
WORKER = [143, 83, 213, 268]  # intel_worker-zone_f20.jpg (480x270)


def test_finds_the_people_in_the_campus_photo(detector: OnnxDetector, photo: Photo) -> None:
    dets = detector.detect_image(photo("opencv_vtest_t5s.png"))
    people = dets[dets.class_id == 0]
    assert len(people) >= 5
    iou = box_iou(VTEST_PEOPLE, people.xyxy)
    assert (iou.max(axis=1) >= 0.7).all(), iou.max(axis=1)
    vehicles = dets[dets.is_class({2, 7})]
    assert box_iou(np.array(VTEST_VAN, np.float32), vehicles.xyxy).max() >= 0.7
    assert (np.diff(dets.confidence) <= 0).all()  # highest score first
    assert (dets.confidence >= detector.config.confidence).all()
    assert not dets.tracked.any()


def test_finds_the_worker(detector: OnnxDetector, photo: Photo) -> None:
    dets = detector.detect_image(photo("intel_worker-zone_f20.jpg"))
    people = dets[dets.class_id == 0]
    assert len(people) == 1
    assert box_iou(np.array(WORKER, np.float32), people.xyxy)[0, 0] >= 0.8


def test_boxes_stay_inside_the_image(detector: OnnxDetector, photo: Photo) -> None:
    image = photo("opencv_vtest_t5s.png")
    dets = detector.detect_image(image)
    assert (dets.xyxy >= 0).all()
    assert (dets.xyxy[:, [0, 2]] <= image.shape[1]).all()
    assert (dets.xyxy[:, [1, 3]] <= image.shape[0]).all()


def test_detect_frame_matches_image_and_leaves_it_alone(
    detector: OnnxDetector, photo: Photo, make_frame: MakeFrame
) -> None:
    image = photo("intel_worker-zone_f20.jpg")
    before = image.copy()
    frame = make_frame(image)  # read-only pixels
    a, b = detector.detect(frame), detector.detect_image(frame.image)
    np.testing.assert_array_equal(a.xyxy, b.xyxy)
    np.testing.assert_array_equal(frame.image, before)


def test_class_filter_applies(photo: Photo) -> None:
    only_cars = OnnxDetector(DetectorConfig(classes=("car",), threads=1))
    dets = only_cars.detect_image(photo("opencv_vtest_t5s.png"))
    assert len(dets) >= 1
    assert set(dets.class_id.tolist()) == {2}


def test_custom_model_path_with_checksum() -> None:
    det = OnnxDetector(DetectorConfig(model=yolo11n_path(), sha256=YOLO11N_SHA256))
    assert det.model_path == yolo11n_path()
    assert det.providers == ["CPUExecutionProvider"]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (DetectorConfig(model=Path("/nonexistent/model.onnx")), "not found"),
        (DetectorConfig(model=Path("/nonexistent/model.onnx"), sha256="0" * 64), "not found"),
        (DetectorConfig(model=yolo11n_path(), sha256="0" * 64), "SHA-256"),
    ],
)
def test_bad_model_file_raises(config: DetectorConfig, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        OnnxDetector(config)


def test_unloadable_model_raises(tmp_path: Path) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not an onnx file")
    with pytest.raises(ModelError, match="cannot load detector model"):
        OnnxDetector(DetectorConfig(model=bad))


CPU, CUDA = "CPUExecutionProvider", "CUDAExecutionProvider"
OV, AZURE = "OpenVINOExecutionProvider", "AzureExecutionProvider"


@pytest.mark.parametrize(
    ("provider", "available", "expected"),
    [
        ("cpu", [AZURE, CPU], [CPU]),
        ("cuda", [CUDA, CPU], [CUDA, CPU]),
        ("openvino", [OV, CPU], [OV, CPU]),
        ("auto", [AZURE, CPU], [CPU]),
        ("auto", [OV, CUDA, CPU], [CUDA, OV, CPU]),
        ("auto", [OV, CPU], [OV, CPU]),
    ],
)
def test_select_providers(provider: str, available: list[str], expected: list[str]) -> None:
    assert select_providers(provider, available) == expected


@pytest.mark.parametrize("provider", ["cuda", "openvino"])
def test_missing_provider_names_the_installed_ones(provider: str) -> None:
    with pytest.raises(ModelError, match=f"'{provider}' is not available; installed: .*{CPU}"):
        select_providers(provider, [AZURE, CPU])


@pytest.mark.skipif(CUDA in ort.get_available_providers(), reason="CUDA is installed here")
def test_detector_with_missing_provider_raises() -> None:
    with pytest.raises(ModelError, match="'cuda' is not available"):
        OnnxDetector(DetectorConfig(provider="cuda"))
