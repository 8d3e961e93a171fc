"""The optional image-text encoder path, with a tiny CLIP-like ONNX pair built here (onnx + tokenizers).

The image encoder averages the normalised pixels per channel (a 3-d colour vector, padded to 4-d);
the text encoder averages word embeddings in which "red", "green" and "blue" are exactly the vectors of
pure red, green and blue pictures. So a red thumbnail and the word "red" have cosine similarity 1.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import onnx
import pytest
import sqlalchemy as sa
from onnx import TensorProto, helper, numpy_helper
from search_factories import make_record, store_records
from tokenizers import Tokenizer
from tokenizers.models import WordLevel
from tokenizers.pre_tokenizers import Whitespace

from camsight.errors import ModelError
from camsight.search import parse
from camsight.search.clip_embedder import MEAN, STD, ClipEmbedder, embed_tracks
from camsight.search.engine import search
from camsight.store import connect, upgrade
from camsight.store import embeddings as store

COLOURS_RGB = {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255)}
VOCAB = {"[UNK]": 0, "red": 1, "green": 2, "blue": 3, "thing": 4}


def colour_vector(rgb: tuple[int, int, int], dim: int = 4) -> np.ndarray:
    v = np.zeros(dim, np.float32)
    v[:3] = (np.asarray(rgb, np.float32) / 255 - MEAN) / STD
    return v


def image_model(dim: int = 4) -> onnx.ModelProto:
    weight = np.zeros((3, dim), np.float32)
    weight[:3, :3] = np.eye(3)
    nodes = [
        helper.make_node("ReduceMean", ["pixel_values"], ["mean"], axes=[2, 3], keepdims=0),
        helper.make_node("MatMul", ["mean", "w"], ["image_embeds"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny-image",
        [helper.make_tensor_value_info("pixel_values", TensorProto.FLOAT, ["n", 3, 8, 8])],
        [helper.make_tensor_value_info("image_embeds", TensorProto.FLOAT, ["n", dim])],
        [numpy_helper.from_array(weight, "w")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def text_model(dim: int = 4) -> onnx.ModelProto:
    table = np.zeros((len(VOCAB), dim), np.float32)
    for word, rgb in COLOURS_RGB.items():
        table[VOCAB[word]] = colour_vector(rgb, dim)
    nodes = [
        helper.make_node("Gather", ["table", "input_ids"], ["tokens"]),
        helper.make_node("ReduceMean", ["tokens"], ["text_embeds"], axes=[1], keepdims=0),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny-text",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["n", "t"])],
        [helper.make_tensor_value_info("text_embeds", TensorProto.FLOAT, ["n", dim])],
        [numpy_helper.from_array(table, "table")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def build_pair(folder: Path, *, text_dim: int = 4) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    onnx.save(image_model(), str(folder / "image.onnx"))
    onnx.save(text_model(text_dim), str(folder / "text.onnx"))
    tokenizer = Tokenizer(WordLevel(VOCAB, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = Whitespace()  # type: ignore[assignment]
    tokenizer.save(str(folder / "tokenizer.json"))
    return folder


@pytest.fixture(scope="module")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> ClipEmbedder:
    return ClipEmbedder(build_pair(tmp_path_factory.mktemp("clip")))


def picture(rgb: tuple[int, int, int]) -> np.ndarray:
    image = np.zeros((40, 20, 3), np.uint8)
    image[:] = rgb[::-1]  # BGR
    return image


def test_images_and_texts_share_one_space(embedder: ClipEmbedder) -> None:
    images = embedder.embed_images([picture(rgb) for rgb in COLOURS_RGB.values()])
    assert images.shape == (3, 4)
    assert np.allclose(np.linalg.norm(images, axis=1), 1.0, atol=1e-5)
    texts = np.stack([embedder.embed_text(f"a {word} thing") for word in COLOURS_RGB])
    assert (texts @ images.T).argmax(axis=1).tolist() == [0, 1, 2]
    assert float(embedder.embed_text("red") @ images[0]) == pytest.approx(1.0, abs=1e-3)


def test_thumbnails_are_embedded_and_the_text_joins_the_ranking(embedder: ClipEmbedder, tmp_path: Path) -> None:
    engine = connect(str(tmp_path / "db" / "camsight.db"))
    upgrade(engine, site="test")
    media = tmp_path / "media"
    records = []
    for n, rgb in enumerate(COLOURS_RGB.values(), start=1):
        record = make_record(n, appearance=None)
        (media / record.thumbnail).parent.mkdir(parents=True, exist_ok=True)  # type: ignore[operator]
        cv2.imwrite(str(media / record.thumbnail), picture(rgb))  # type: ignore[operator]
        records.append(record)
    store_records(engine, records)
    with engine.begin() as conn:  # as the store's sink does when the tracks are stored
        assert embed_tracks(conn, embedder, records, media) == 3
        assert embed_tracks(conn, embedder, records, media) == 0  # already there
    for word, expected in (("green", "src1:2"), ("blue", "src1:3"), ("red", "src1:1")):
        query = parse(f"{word} thing", semantic=False)
        with engine.connect() as conn:
            hits = search(conn, query, embedder=embedder).hits
        assert hits[0].record.id == expected
        assert hits[0].evidence[-1] == "looks like the text: 1.00"
        assert hits[0].parts["clip"] == 1.0
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM tracks WHERE id = 'src1:1'"))
        assert store.prune(conn) == 1


def test_a_search_never_embeds_anything(embedder: ClipEmbedder, tmp_path: Path) -> None:
    engine = connect(str(tmp_path / "camsight.db"))
    upgrade(engine, site="test")
    record = make_record(1, appearance=None)
    store_records(engine, [record])
    with engine.connect() as conn:
        search(conn, parse("red thing", semantic=False), embedder=embedder)
        assert store.get_embeddings(conn, track_ids=[record.id], model=embedder.model) == {}


def test_words_unknown_to_the_lexicon_still_rank_with_the_embedder(embedder: ClipEmbedder, tmp_path: Path) -> None:
    engine = connect(str(tmp_path / "camsight.db"))
    upgrade(engine, site="test")
    store_records(engine, [make_record(1, appearance=None)])
    query = parse("frobnicator", semantic=False, open_vocabulary=True)
    with engine.begin() as conn:
        hits = search(conn, query, embedder=embedder).hits
    assert [h.record.id for h in hits] == ["src1:1"]
    assert hits[0].evidence == ("looks like: no image",)


def test_bad_folders_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        ClipEmbedder(tmp_path / "missing")
    folder = build_pair(tmp_path / "no-tokenizer")
    (folder / "tokenizer.json").unlink()
    with pytest.raises(ModelError, match="no tokenizer.json"):
        ClipEmbedder(folder)
    with pytest.raises(ModelError, match="disagree"):
        ClipEmbedder(build_pair(tmp_path / "mismatch", text_dim=5))
    broken = build_pair(tmp_path / "broken")
    (broken / "text.onnx").write_bytes(b"not a model")
    with pytest.raises(ModelError, match="cannot load"):
        ClipEmbedder(broken)
