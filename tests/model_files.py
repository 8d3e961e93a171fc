"""Detector files for rollout tests: the packaged YOLO11n with a note appended, so each has its own SHA-256.

The note is a second ``doc_string`` (ModelProto field 6) at the end of the protobuf: the last one wins,
so ONNX Runtime loads the same network, and the file's checksum is new.
"""

from __future__ import annotations

from pathlib import Path

from camsight.models.registry import yolo11n_path


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        if not n:
            return bytes(out + bytes([low]))
        out.append(low | 0x80)


def release_file(path: Path, note: str) -> Path:
    """Write the packaged detector with ``note`` as its doc string to ``path``."""
    text = note.encode()
    path.write_bytes(yolo11n_path().read_bytes() + b"\x32" + _varint(len(text)) + text)
    return path
