"""Reading config YAML: size cap, alias expansion and depth limits, repeated keys, still safe_load."""

import math
import tracemalloc
from pathlib import Path

import pytest

from camsight.config import load_config, loader, parse_config
from camsight.config.loader import MAX_CONFIG_BYTES
from camsight.config.safe_yaml import MAX_DEPTH, MAX_NODES
from camsight.errors import ConfigError

GOOD = "cameras:\n  - id: gate\n    fps: 5\n"


def _error(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(text, origin="cfg.yaml")
    return str(info.value)


def test_oversized_file_is_refused_with_its_size(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    padding = "# padding\n" * (2 * MAX_CONFIG_BYTES // 10)
    path.write_text(GOOD + padding, encoding="utf-8")
    size = path.stat().st_size
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert f"{size:,} bytes" in message
    assert f"{MAX_CONFIG_BYTES:,} bytes (1 MiB)" in message
    assert "\n" not in message


def test_oversized_file_is_not_read_into_memory(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as file:
        file.write(GOOD.encode())
        file.truncate(50 * MAX_CONFIG_BYTES)  # 50 MiB, sparse: costs no disk
    tracemalloc.start()
    try:
        with pytest.raises(ConfigError, match="52,428,800 bytes"):
            load_config(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * MAX_CONFIG_BYTES


@pytest.mark.parametrize(("extra", "refused"), [(0, False), (1, True)])
def test_size_limit_is_exact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: int, refused: bool) -> None:
    monkeypatch.setattr(loader, "MAX_CONFIG_BYTES", 4096)
    text = GOOD + "#" * (4096 - len(GOOD) - 1 + extra) + "\n"
    path = tmp_path / "edge.yaml"
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size == 4096 + extra
    if refused:
        with pytest.raises(ConfigError, match=r"4,097 bytes; the limit is 4,096 bytes \(4 KiB\)"):
            load_config(path)
        with pytest.raises(ConfigError, match=r"4,097 bytes; the limit is 4,096 bytes \(4 KiB\)"):
            parse_config(text)
    else:
        assert load_config(path).cameras[0].id == "gate"


def _billion_laughs(levels: int) -> str:
    lines = ['a0: &a0 "lol"']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def _ring(n: int) -> str:
    points = [(0.5 + 0.4 * math.cos(2 * math.pi * k / n), 0.5 + 0.4 * math.sin(2 * math.pi * k / n)) for k in range(n)]
    return "[" + ", ".join(f"[{x:.4f}, {y:.4f}]" for x, y in points) + "]"


MASK = _ring(4)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(_billion_laughs(9), id="billion-laughs"),  # 1,111,111,111 nodes from under 1 KB
        pytest.param(  # 400 copies of a 200-point mask: 240,400 nodes from 7 KB
            f"cameras:\n  - id: a\n    masks: [&m {_ring(200)}, {', '.join(['*m'] * 399)}]\n", id="many-aliased-masks"
        ),
    ],
)
def test_alias_bomb_is_refused(text: str) -> None:
    assert len(text) < 8000
    message = _error(text)
    assert f"grows past {MAX_NODES:,} YAML nodes once its aliases (*name) are expanded" in message
    assert message.startswith("cfg.yaml: line ")
    assert "\n" not in message


def test_aliases_within_the_limit_are_fine() -> None:
    text = f"cameras:\n  - id: a\n    masks: [&m {MASK}, *m]\n"
    assert len(parse_config(text).cameras[0].masks) == 2


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("cameras: &c [*c]\n", "alias *c is used inside its own anchor"),
        ("[" * 1000 + "]" * 1000, f"nested more than {MAX_DEPTH} levels deep"),
        ("a:\n" + "".join(" " * i + "- \n" for i in range(1, 200)), f"nested more than {MAX_DEPTH} levels deep"),
    ],
)
def test_loops_and_deep_nesting_are_refused(text: str, fragment: str) -> None:
    message = _error(text)
    assert fragment in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        pytest.param(
            GOOD + "detector:\n  input_size: 320\n" + GOOD,
            ["line 6: key 'cameras' appears twice (first at line 1)"],
            id="top-level",
        ),
        pytest.param(
            "cameras:\n  - id: a\n    fps: 5\n    fps: 6\n    zones: []\n    fps: 7\n",
            ["line 4: key 'fps' appears twice (first at line 3)", "line 6: key 'fps' appears again (first at line 3)"],
            id="nested-three-times",
        ),
        pytest.param(
            "cameras:\n  - {id: a, id: b}\n  - id: c\n    zones:\n      - name: z\n        name: y\n"
            "        polygon: [[0, 0], [1, 0], [1, 1]]\n",
            ["line 2: key 'id' appears twice (first at line 2)", "line 6: key 'name' appears twice (first at line 5)"],
            id="in-flow-and-in-list",
        ),
        pytest.param(
            "detector:\n  threads: 1\n  0x1: 2\n  1: 3\n",
            ["line 4: key 1 appears twice (first at line 3)"],
            id="equal-values",
        ),
    ],
)
def test_repeated_keys_are_errors(text: str, lines: list[str]) -> None:
    message = _error(text)
    for line in lines:
        assert f"\n  {line}" in message
    assert message.count("appears") == len(lines)


def test_repeated_keys_are_listed_with_the_other_problems() -> None:
    message = _error("cameras:\n  - id: a\n    fps: 0\n    fps: -1\n")
    assert message.splitlines()[1:] == [
        "  line 4: key 'fps' appears twice (first at line 3)",
        "  cameras.0.fps: Input should be greater than 0",
    ]


def test_merge_keys_may_be_overridden() -> None:
    text = "cameras:\n  - &base {id: a, fps: 2}\n  - <<: *base\n    id: b\n"
    config = parse_config(text)
    assert [(c.id, c.fps) for c in config.cameras] == [("a", 2), ("b", 2)]


@pytest.mark.parametrize(
    "text",
    ["cameras: !!python/object/apply:os.system ['echo hi']\n", "cameras: !!python/name:os.system\n"],
)
def test_still_safe_load(text: str) -> None:
    assert "not valid YAML" in _error(text)
