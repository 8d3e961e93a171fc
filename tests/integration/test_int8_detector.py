"""The int8 detector: `camsight models quantize` makes it from real frames, `precision: int8` selects it.

Quantized once per module on 4 frames of a MEVA clip (the file is written where ``precision: int8``
looks, under a temporary ``CAMSIGHT_CACHE``); recall and speed against the float model are measured by
``bench/int8_eval.py``, not here.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from camsight.cli import app
from camsight.config import DetectorConfig
from camsight.core.detections import PERSON, box_iou
from camsight.errors import ConfigError, ModelError
from camsight.models.quantize import int8_path
from camsight.models.registry import YOLO11N_SHA256, active_detector
from camsight.perception.detect import OnnxDetector

DATA = Path(__file__).resolve().parents[1] / "data"
CLIP = DATA / "videos" / "meva_rvmot-a1c9.mp4"
PHOTOS = ("intel_one-by-one_t30s.jpg", "meva_rvmot-a1c9_frame0075.jpg", "intel_worker-zone_f20.jpg")


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CAMSIGHT_CACHE", str(folder))
        result = CliRunner().invoke(app, ["models", "quantize", "--video", str(CLIP), "--frames", "4"])
        assert result.exit_code == 0, result.output
        assert "precision: int8" in result.output
        yield folder


def test_quantize_writes_a_smaller_model_where_precision_int8_looks(cache: Path) -> None:
    path = int8_path()
    assert path == cache / "models" / "yolo11n-int8.onnx"
    float_size = OnnxDetector(DetectorConfig()).model_path.stat().st_size
    assert path.stat().st_size < 0.5 * float_size  # int8 weights: about a quarter, plus the float head
    detector = OnnxDetector(DetectorConfig(precision="int8"))
    assert detector.model_path == path
    version, sha = active_detector(DetectorConfig(precision="int8"))
    assert (version, len(sha)) == ("yolo11n-int8", 64)
    listed = CliRunner().invoke(app, ["models"])
    assert listed.exit_code == 0
    assert "yolo11n-int8" in listed.output


@pytest.fixture(scope="module")
def detectors(cache: Path) -> tuple[OnnxDetector, OnnxDetector]:
    del cache
    return OnnxDetector(DetectorConfig()), OnnxDetector(DetectorConfig(precision="int8"))


@pytest.mark.parametrize("photo", PHOTOS)
def test_int8_finds_the_person_the_float_model_finds(detectors: tuple[OnnxDetector, OnnxDetector], photo: str) -> None:
    image = cv2.imread(str(DATA / "photos" / photo))
    assert image is not None
    float_dets = detectors[0].detect_image(image)
    int8_dets = detectors[1].detect_image(image)
    reference = float_dets[float_dets.class_id == PERSON]
    found = int8_dets[int8_dets.class_id == PERSON]
    assert len(reference) >= 1
    assert len(found) >= 1
    iou = box_iou(reference.xyxy[:1], found.xyxy)  # the float model's best person
    assert float(np.max(iou)) >= 0.5


def test_int8_without_the_file_says_how_to_make_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMSIGHT_CACHE", str(tmp_path))
    with pytest.raises(ModelError, match=r"camsight models quantize") as caught:
        OnnxDetector(DetectorConfig(precision="int8"))
    assert str(tmp_path / "models" / "yolo11n-int8.onnx") in str(caught.value)
    assert "\n" not in str(caught.value)


def test_an_int8_file_made_from_another_model_or_changed_since_is_refused(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = cache / "models"
    copy = tmp_path / "models"
    shutil.copytree(made, copy)
    monkeypatch.setenv("CAMSIGHT_CACHE", str(tmp_path))
    note = json.loads((copy / "yolo11n-int8.json").read_text(encoding="utf-8"))
    assert note["source_sha256"] == YOLO11N_SHA256
    assert OnnxDetector(DetectorConfig(precision="int8")).model_path == copy / "yolo11n-int8.onnx"
    (copy / "yolo11n-int8.json").write_text(json.dumps({**note, "source_sha256": "0" * 64}), encoding="utf-8")
    with pytest.raises(ModelError, match="made from another detector") as caught:
        OnnxDetector(DetectorConfig(precision="int8"))
    assert "camsight models quantize" in str(caught.value)
    (copy / "yolo11n-int8.json").write_text(json.dumps(note), encoding="utf-8")
    with (copy / "yolo11n-int8.onnx").open("ab") as model:
        model.write(b"\0")
    with pytest.raises(ModelError, match="changed or damaged"):
        OnnxDetector(DetectorConfig(precision="int8"))
    (copy / "yolo11n-int8.json").unlink()
    with pytest.raises(ModelError, match="no readable note"):
        OnnxDetector(DetectorConfig(precision="int8"))


def test_analyze_with_int8_missing_names_the_file_and_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`camsight analyze` stops on a ModelError (which `main` prints as one line, exit 2) before decoding."""
    monkeypatch.setenv("CAMSIGHT_CACHE", str(tmp_path / "empty"))
    config = tmp_path / "int8.yaml"
    config.write_text("detector:\n  precision: int8\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["analyze", str(CLIP), "-c", str(config), "--db", str(tmp_path / "s.db")])
    assert isinstance(result.exception, ModelError)
    assert str(result.exception).startswith("detector.precision is int8 but ")
    assert "camsight models quantize" in str(result.exception)


def test_int8_with_a_custom_model_is_refused() -> None:
    with pytest.raises((ConfigError, ValueError), match="precision: int8"):
        DetectorConfig(model=Path("custom.onnx"), precision="int8")


def test_quantize_without_onnx_says_which_extra_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``onnx`` not importable (``None`` in ``sys.modules``), the message names the extra to install."""
    monkeypatch.setitem(sys.modules, "onnx", None)
    monkeypatch.setenv("CAMSIGHT_CACHE", str(tmp_path))
    result = CliRunner().invoke(app, ["models", "quantize", "--frames", "1"])
    assert isinstance(result.exception, ModelError)
    assert str(result.exception) == "quantizing the detector needs the onnx package: pip install 'camsight[quantize]'"
    assert not (tmp_path / "models").exists()
