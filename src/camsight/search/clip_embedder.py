"""Optional open-vocabulary search: a CLIP-style image and text encoder pair on ONNX Runtime.

Point camsight at a folder holding

* an image encoder: ``image.onnx`` or ``vision_model.onnx`` (input ``N x 3 x H x W`` float pixels,
  output ``N x D`` embeddings, or ``N x T x D`` whose first token is taken);
* a text encoder: ``text.onnx`` or ``text_model.onnx`` (input ``input_ids``, optionally
  ``attention_mask``, int64; output ``N x D``);
* ``tokenizer.json`` (Hugging Face ``tokenizers`` format).

Thumbnails are embedded when tracks are stored (:func:`embed_tracks`, called by the store's sink), the
query text is embedded at search time, and their cosine similarity joins the ranking
(:mod:`camsight.search.engine`). Without such a folder everything else works as before.

``camsight models pull clip`` (where the machine has internet) runs :func:`pull_default`, which fetches
the ONNX export of OpenAI's CLIP ViT-B/32 published as ``Xenova/clip-vit-base-patch32`` on Hugging Face
(:data:`DEFAULT_FILES`) into ``~/.cache/camsight/models/clip`` (MIT licence). It is not run by the tests,
which build a tiny encoder pair themselves.
"""

from __future__ import annotations

import hashlib
import logging
import os
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray

from camsight.core.records import TrackRecord
from camsight.errors import ModelError
from camsight.search.lexicon import scrub_protected
from camsight.store import embeddings as store

log = logging.getLogger(__name__)

IMAGE_NAMES = ("image.onnx", "vision_model.onnx", "visual.onnx", "image_encoder.onnx")
TEXT_NAMES = ("text.onnx", "text_model.onnx", "textual.onnx", "text_encoder.onnx")
MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)
ENV_FOLDER = "CAMSIGHT_CLIP"
"""Environment variable naming the encoder folder (the ``--clip`` option wins)."""

DEFAULT_REPO = "https://huggingface.co/Xenova/clip-vit-base-patch32/resolve/main"
DEFAULT_FILES = {
    "vision_model.onnx": "onnx/vision_model_quantized.onnx",
    "text_model.onnx": "onnx/text_model_quantized.onnx",
    "tokenizer.json": "tokenizer.json",
}
"""Files :func:`pull_default` fetches: ``{local name: path in DEFAULT_REPO}``."""


def default_folder() -> Path:
    """Where :func:`pull_default` puts the default pair: ``$CAMSIGHT_CACHE/models/clip``."""
    return Path(os.environ.get("CAMSIGHT_CACHE") or Path.home() / ".cache" / "camsight") / "models" / "clip"


def _find(folder: Path, names: Sequence[str], what: str) -> Path:
    for name in names:
        if (folder / name).is_file():
            return folder / name
    raise ModelError(f"no {what} encoder in {folder}: expected one of {', '.join(names)}")


def _session(path: Path) -> Any:
    import onnxruntime as ort

    try:
        return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped errors for bad files
        raise ModelError(f"cannot load {path}: {str(exc).splitlines()[0]}") from exc


def _output(session: Any) -> str:
    """The embeddings output: the first whose name mentions 'embed', else the first."""
    names: list[str] = [str(o.name) for o in session.get_outputs()]
    return next((n for n in names if "embed" in n.lower()), names[0])


def _unit(x: NDArray[np.float32]) -> NDArray[np.float32]:
    x = x[:, 0] if x.ndim == 3 else x
    norm = np.linalg.norm(x, axis=1, keepdims=True)
    return np.asarray(x / np.maximum(norm, 1e-12), dtype=np.float32)


class ClipEmbedder:
    """Embeds images and texts into one space with an ONNX encoder pair."""

    def __init__(self, folder: Path) -> None:
        """Load the two encoders and the tokenizer from ``folder``.

        Raises:
            ModelError: A file is missing or cannot be loaded, or the two encoders disagree on size.
        """
        from tokenizers import Tokenizer

        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise ModelError(f"CLIP folder {self.folder} does not exist; pass --clip DIR or set {ENV_FOLDER}")
        image_path, text_path = _find(self.folder, IMAGE_NAMES, "image"), _find(self.folder, TEXT_NAMES, "text")
        tokenizer_path = self.folder / "tokenizer.json"
        if not tokenizer_path.is_file():
            raise ModelError(f"no tokenizer.json in {self.folder}")
        self._image, self._text = _session(image_path), _session(text_path)
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        digest = hashlib.sha256(image_path.read_bytes() + text_path.read_bytes()).hexdigest()[:12]
        self.model = f"{self.folder.name}-{digest}"
        shape = self._image.get_inputs()[0].shape
        self.size = (shape[2] if isinstance(shape[2], int) else 224, shape[3] if isinstance(shape[3], int) else 224)
        text_shape = self._text.get_inputs()[0].shape
        self.text_length = text_shape[1] if len(text_shape) > 1 and isinstance(text_shape[1], int) else None
        image_dim = self.embed_images([np.zeros((8, 8, 3), np.uint8)]).shape[1]
        text_dim = self.embed_text("a photo").shape[0]
        if image_dim != text_dim:
            raise ModelError(f"CLIP encoders in {self.folder} disagree: image {image_dim}-d, text {text_dim}-d")

    def _pixels(self, image: NDArray[np.uint8]) -> NDArray[np.float32]:
        h, w = self.size
        scale = max(h / image.shape[0], w / image.shape[1])
        resized = cv2.resize(
            image,
            (max(w, round(image.shape[1] * scale)), max(h, round(image.shape[0] * scale))),
            interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC,
        )
        y, x = (resized.shape[0] - h) // 2, (resized.shape[1] - w) // 2
        rgb = cv2.cvtColor(resized[y : y + h, x : x + w], cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0
        return np.ascontiguousarray(((rgb - MEAN) / STD).transpose(2, 0, 1), dtype=np.float32)

    def embed_images(self, images: Sequence[NDArray[np.uint8]]) -> NDArray[np.float32]:
        """Unit-length embeddings of BGR images, one row each."""
        batch = np.stack([self._pixels(im) for im in images])
        name = self._image.get_inputs()[0].name
        return _unit(np.asarray(self._image.run([_output(self._image)], {name: batch})[0], dtype=np.float32))

    def embed_text(self, text: str) -> NDArray[np.float32]:
        """The unit-length embedding of one text, without the words that are never used (gender, religion, ...)."""
        ids = [int(i) for i in self._tokenizer.encode(scrub_protected(text) or "a photo").ids]
        mask = [1] * len(ids)
        if self.text_length:
            n = self.text_length
            pad = self._tokenizer.token_to_id("<|endoftext|>") or 0
            ids, mask = (ids + [pad] * n)[:n], (mask + [0] * n)[:n]
        feeds: dict[str, NDArray[np.int64]] = {}
        for inp in self._text.get_inputs():
            feeds[inp.name] = np.asarray([mask if "mask" in inp.name else ids], dtype=np.int64)
        vector: NDArray[np.float32] = _unit(np.asarray(self._text.run([_output(self._text)], feeds)[0], np.float32))[0]
        return vector


def load(folder: Path | None) -> ClipEmbedder | None:
    """The embedder in ``folder`` (or ``$CAMSIGHT_CLIP``), or None when neither is set."""
    chosen = folder or (Path(os.environ[ENV_FOLDER]) if os.environ.get(ENV_FOLDER) else None)
    return ClipEmbedder(chosen) if chosen else None


def embed_tracks(
    conn: sa.Connection,
    embedder: ClipEmbedder,
    records: Sequence[TrackRecord],
    media_root: Path,
    *,
    replace: bool = False,
) -> int:
    """Embed the thumbnails of ``records`` that have none yet under this model (all, with ``replace``).

    Returns how many were embedded. The store's sink calls it with ``replace`` for the tracks it has
    just written: a re-analysed track keeps its id but gets a new thumbnail.
    """
    have = {} if replace else store.get_embeddings(conn, track_ids=[r.id for r in records], model=embedder.model)
    todo = [r for r in records if r.id not in have and r.thumbnail]
    vectors: dict[str, NDArray[np.float32]] = {}
    for record in todo:
        image = cv2.imread(str(media_root / str(record.thumbnail)), cv2.IMREAD_COLOR)
        if image is None:
            log.debug("thumbnail %s of %s cannot be read", record.thumbnail, record.id)
            continue
        vectors[record.id] = embedder.embed_images([np.asarray(image, dtype=np.uint8)])[0]
    store.upsert_embeddings(conn, model=embedder.model, vectors=vectors)
    return len(vectors)


def pull_default(dest: Path | None = None) -> Path:
    """Download the default encoder pair (:data:`DEFAULT_FILES`) into ``dest``; needs internet.

    Raises:
        ModelError: A download failed.
    """
    folder = dest or default_folder()
    folder.mkdir(parents=True, exist_ok=True)
    for local, remote in DEFAULT_FILES.items():
        target = folder / local
        if target.is_file():
            continue
        url = f"{DEFAULT_REPO}/{remote}"
        log.info("fetching %s", url)
        try:
            urllib.request.urlretrieve(url, str(target.with_suffix(".part")))  # noqa: S310 - fixed https URL
        except OSError as exc:
            raise ModelError(f"cannot fetch {url}: {exc}; check the internet connection") from exc
        target.with_suffix(".part").replace(target)
    return folder
