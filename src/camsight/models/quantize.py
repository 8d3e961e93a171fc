"""An int8 copy of the packaged detector: ONNX Runtime static quantization calibrated on real frames.

Quantizing is an explicit step (``camsight models quantize``) because it needs the ``onnx`` package,
which the runtime does not carry (``pip install 'camsight[quantize]'``). The result is written to
:func:`int8_path` and selected with ``detector.precision: int8``; running it needs only ONNX Runtime.

Beside the model, ``yolo11n-int8.json`` notes the SHA-256 of the float model it was made from and its
own: ``precision: int8`` refuses a file made from another model (an upgraded package) or changed since.

The recipe: QDQ format, per-channel int8 weights (symmetric), uint8 activations, MinMax calibration over
letterboxed frames, and the detection head's box decoding (the DFL and the anchor arithmetic of
``/model.23``) left in float. ``bench/int8_eval.py`` measures it against the float model: 1.5-2x faster,
the same whole-frame person recall on MEVA, but fewer far people found in region crops (c4f6 0.212 -> 0.077
on ``bench/detection_eval.py``), which is why it is opt-in.

Example:
    >>> from camsight.models.quantize import int8_path, quantize_detector
    >>> report = quantize_detector(videos=[demo_clip], frames=32)  # doctest: +SKIP
    >>> report.path == int8_path()                                  # doctest: +SKIP
    True
"""

from __future__ import annotations

import importlib.util
import json
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from camsight.errors import ModelError

if TYPE_CHECKING:
    from onnxruntime.quantization import CalibrationDataReader

Method = Literal["minmax", "entropy", "percentile"]
INT8_NAME = "yolo11n-int8.onnx"
DEFAULT_FRAMES = 32
HEAD = "/model.23/"
"""Node-name prefix of YOLO11's detection head."""

INSTALL_HINT = "pip install 'camsight[quantize]'"


def int8_path() -> Path:
    """Where ``camsight models quantize`` writes the int8 detector and ``precision: int8`` reads it.

    ``$CAMSIGHT_CACHE/models/yolo11n-int8.onnx``, by default under ``~/.cache/camsight``.
    """
    return Path(os.environ.get("CAMSIGHT_CACHE") or Path.home() / ".cache" / "camsight") / "models" / INT8_NAME


def made_from_path(model: Path) -> Path:
    """The note written beside an int8 model: the SHA-256 of the float model it was made from, and its own."""
    return model.with_suffix(".json")


def int8_model_file() -> Path:
    """The int8 detector for ``detector.precision: int8``, checked against the note made with it.

    Raises:
        ModelError: It has not been made yet, it was made from another float model than the packaged one
            (the package was upgraded since), or it is not the file that was made (changed or damaged).
    """
    from camsight.models.registry import YOLO11N_SHA256, sha256_of

    path = int8_path()
    remake = "make it again with `camsight models quantize` or set detector.precision: float32"
    if not path.is_file():
        raise ModelError(
            f"detector.precision is int8 but {path} does not exist; make it with `camsight models quantize` "
            "(needs pip install 'camsight[quantize]') or set detector.precision: float32"
        )
    try:
        note = json.loads(made_from_path(path).read_text(encoding="utf-8"))
        source, own = str(note["source_sha256"]), str(note["sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        raise ModelError(f"{path} has no readable note of the model it was made from; {remake}") from None
    if source != YOLO11N_SHA256:
        raise ModelError(f"{path} was made from another detector than the packaged YOLO11n; {remake}")
    if sha256_of(path) != own:
        raise ModelError(f"{path} is not the file `camsight models quantize` wrote (changed or damaged); {remake}")
    return path


def require_onnx() -> None:
    """Fail with a one-line hint when the ``onnx`` package (needed to quantize) is missing."""
    if importlib.util.find_spec("onnx") is None:
        raise ModelError(f"quantizing the detector needs the onnx package: {INSTALL_HINT}")


def calibration_blobs(
    videos: Sequence[Path], frames: int, input_size: int = 640, *, square: bool = False
) -> list[NDArray[np.float32]]:
    """``frames`` model inputs spread evenly over ``videos``, letterboxed as the detector does.

    ``square`` pads every frame to the full ``input_size`` square (the histogram calibrators need one
    shape); otherwise the short side is padded to a multiple of 32 only, as the detector feeds them.

    Raises:
        ModelError: A video cannot be read or has no frames.
    """
    import av

    from camsight.perception.letterbox import letterbox, to_blob

    if not videos:
        raise ModelError("no calibration video given; pass --video PATH")
    share = [frames // len(videos) + (1 if i < frames % len(videos) else 0) for i in range(len(videos))]
    blobs: list[NDArray[np.float32]] = []
    for video, count in zip(videos, share, strict=True):
        if count == 0:
            continue
        try:
            picked = _pick(video, count)
        except (OSError, av.error.FFmpegError, IndexError) as exc:
            raise ModelError(f"cannot read calibration video {video}: {exc}") from exc
        blobs.extend(to_blob(letterbox(image, input_size, rect=not square)[0]) for image in picked)
    if not blobs:
        raise ModelError(f"no frames read from {', '.join(map(str, videos))}")
    return blobs


def _pick(video: Path, count: int) -> list[NDArray[np.uint8]]:
    """``count`` frames evenly spaced over a clip, decoding it only as far as the last one."""
    import av

    with av.open(str(video)) as container:
        total = container.streams.video[0].frames or sum(1 for p in container.demux(video=0) if p.size)
    if total == 0:
        return []
    wanted = set(np.linspace(0, total - 1, count).round().astype(int).tolist())
    picked: list[NDArray[np.uint8]] = []
    with av.open(str(video)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index in wanted:
                picked.append(np.asarray(frame.to_ndarray(format="bgr24"), dtype=np.uint8))
            if index >= max(wanted):
                break
    return picked


def _reader(blobs: list[NDArray[np.float32]], input_name: str) -> CalibrationDataReader:
    from onnxruntime.quantization import CalibrationDataReader

    class _Blobs(CalibrationDataReader):  # type: ignore[misc]  # untyped base
        def __init__(self) -> None:
            self._it: Iterator[NDArray[np.float32]] = iter(blobs)

        def get_next(self) -> dict[str, NDArray[np.float32]] | None:
            blob = next(self._it, None)
            return None if blob is None else {input_name: blob}

    return _Blobs()


def head_nodes(model_path: Path) -> list[str]:
    """The head's nodes kept in float: everything under ``/model.23/`` except its convolutions.

    The class and box branches' convolutions (``cv2``/``cv3``) are most of the head's compute and
    quantize well; the DFL softmax and the anchor/stride arithmetic that turns them into pixels do not.
    """
    import onnx

    graph = onnx.load(str(model_path), load_external_data=False).graph
    return [
        n.name
        for n in graph.node
        if n.name.startswith(HEAD) and not (n.op_type == "Conv" and ("/cv2." in n.name or "/cv3." in n.name))
    ]


def _input_name(model_path: Path) -> str:
    import onnx

    return str(onnx.load(str(model_path), load_external_data=False).graph.input[0].name)


@dataclass(frozen=True, slots=True)
class QuantizeReport:
    """What :func:`quantize_detector` made."""

    path: Path
    frames: int
    method: Method
    float_size: int
    int8_size: int
    seconds: float


def quantize_detector(
    *,
    videos: Sequence[Path],
    frames: int = DEFAULT_FRAMES,
    out: Path | None = None,
    source: Path | None = None,
    method: Method = "minmax",
    keep_head_float: bool = True,
    input_size: int = 640,
) -> QuantizeReport:
    """Write a statically quantized (QDQ, per-channel int8) copy of the detector.

    Args:
        videos: Clips to take calibration frames from (a mix of the cameras it will see is best).
        frames: Calibration frames in all, spread evenly over the clips.
        out: Where to write it (a folder: ``yolo11n-int8.onnx`` in it); default :func:`int8_path`.
        source: The float model; default the packaged YOLO11n (checked by SHA-256).
        method: Calibration: ``minmax`` (default), ``entropy`` or ``percentile``.
        keep_head_float: Leave the head's box decoding in float (see :func:`head_nodes`).
        input_size: Letterbox side for the calibration frames (the detector's ``input_size``).

    Raises:
        ModelError: ``onnx`` is not installed, a video cannot be read, or quantization fails.
    """
    require_onnx()
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    from camsight.models.registry import YOLO11N_SHA256, sha256_of, verify, yolo11n_path

    if source is None:
        source = yolo11n_path()
        verify(source, YOLO11N_SHA256)
    target = (out or int8_path()).expanduser()
    if target.is_dir():
        target = target / INT8_NAME
    started = time.perf_counter()
    blobs = calibration_blobs(videos, frames, input_size, square=method != "minmax")
    calibrate = {
        "minmax": CalibrationMethod.MinMax,
        "entropy": CalibrationMethod.Entropy,
        "percentile": CalibrationMethod.Percentile,
    }[method]
    target.parent.mkdir(parents=True, exist_ok=True)
    # work beside the target, so the finished file is renamed into place: a reader never sees half a file
    with tempfile.TemporaryDirectory(prefix=".quantize-", dir=target.parent) as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        partial = Path(tmp) / "int8.onnx"
        try:
            quant_pre_process(str(source), str(prepared), skip_symbolic_shape=True)
            extra: dict[str, Any] = {"ActivationSymmetric": False, "WeightSymmetric": True}
            quantize_static(
                str(prepared),
                str(partial),
                _reader(blobs, _input_name(prepared)),
                quant_format=QuantFormat.QDQ,
                per_channel=True,
                activation_type=QuantType.QUInt8,
                weight_type=QuantType.QInt8,
                calibrate_method=calibrate,
                nodes_to_exclude=head_nodes(prepared) if keep_head_float else [],
                extra_options=extra,
            )
        except Exception as exc:  # onnx/ORT raise their own untyped errors
            raise ModelError(f"quantizing {source} failed: {str(exc).splitlines()[0]}") from exc
        note = Path(tmp) / "int8.json"
        made_from = {"source_sha256": sha256_of(source), "sha256": sha256_of(partial), "frames": len(blobs)}
        note.write_text(json.dumps({**made_from, "method": method}), encoding="utf-8")
        os.replace(partial, target)
        os.replace(note, made_from_path(target))
    return QuantizeReport(
        path=target,
        frames=len(blobs),
        method=method,
        float_size=source.stat().st_size,
        int8_size=target.stat().st_size,
        seconds=time.perf_counter() - started,
    )
