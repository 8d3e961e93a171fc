"""The all-MiniLM-L6-v2 fallback, with the real packaged model (loads in a few seconds)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from camsight.search import semantic
from camsight.search.parser import parse


@pytest.fixture(scope="module")
def mapper(tmp_path_factory: pytest.TempPathFactory) -> semantic.MiniLMMapper:
    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CAMSIGHT_CACHE", str(cache))
        semantic._vocabulary.cache_clear()
        m = semantic.MiniLMMapper()
        m.nearest(["warmup"])  # computes and caches the vocabulary embeddings under CAMSIGHT_CACHE
        assert list(Path(cache).glob("minilm-vocabulary-*.npy"))
    return m


@pytest.mark.parametrize(
    ("word", "term"),
    [
        ("suitcases", "suitcase"),
        ("reddish", "red"),
        ("greenish", "green"),
        ("trenchcoat", "raincoat"),
        ("policeman", "officer"),
        ("collapse", "collapsing"),
        ("jog", "jogging"),
    ],
)
def test_words_missing_from_the_lexicon_map_to_the_nearest_term(
    mapper: semantic.MiniLMMapper, word: str, term: str
) -> None:
    mapped = mapper.map([word])
    assert mapped[word][0] == term
    assert mapped[word][1] >= semantic.THRESHOLD


@pytest.mark.parametrize("word", ["drop", "table", "tracks", "unloading", "night", "camera", "frobnicator"])
def test_unrelated_words_stay_below_the_threshold(mapper: semantic.MiniLMMapper, word: str) -> None:
    assert mapper.map([word]) == {}
    assert mapper.nearest([word])[word][1] < semantic.THRESHOLD


def test_parser_uses_the_embedder_for_unknown_words(mapper: semantic.MiniLMMapper) -> None:
    q = parse("reddish trenchcoat", now=datetime(2024, 5, 2, tzinfo=UTC), tz=UTC, mapper=mapper)
    assert [(c.region, c.colours) for c in q.colours] == [("upper", ("red",))]
    assert q.garments == ("coat",)
    assert {m.word for m in q.mapped_words} == {"reddish", "trenchcoat"}
    assert "read as: reddish→red" in q.describe()


def test_sql_looking_text_stays_unrecognised_with_the_embedder(mapper: semantic.MiniLMMapper) -> None:
    from camsight.errors import QueryError

    with pytest.raises(QueryError, match="nothing to search for"):
        parse("'; DROP TABLE tracks; --", now=datetime(2024, 5, 2, tzinfo=UTC), tz=UTC, mapper=mapper)
