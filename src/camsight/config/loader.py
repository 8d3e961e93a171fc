"""Reading a YAML config file into :class:`Config`, with every error explained in plain words, all at once.

A file is refused unread past :data:`MAX_CONFIG_BYTES`, and a document that expands past
:data:`~camsight.config.safe_yaml.MAX_NODES` through its aliases is refused before it is built. Otherwise
every problem is listed, one line each: repeated keys (by line), pydantic's errors, and the cross-reference
checks of :func:`~camsight.config.lint.lint`, which run even where pydantic stopped at a bad field.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from pydantic import ValidationError

from camsight.config import safe_yaml
from camsight.config.checks import Problem
from camsight.config.lint import lint
from camsight.config.models import MAX_POLYGON_POINTS, Config
from camsight.errors import ConfigError

MAX_CONFIG_BYTES = 1 << 20  # 1 MiB: a real site's config is a few kilobytes


def _pydantic_problems(error: ValidationError) -> list[Problem]:
    """One :class:`Problem` per pydantic error, worded for someone editing the file."""
    problems = []
    for item in error.errors():
        loc = tuple(p for p in item["loc"] if not str(p).startswith("function-"))
        where, message, kind = ".".join(str(p) for p in loc), item["msg"], item["type"]
        polygon = "polygon" in where or "masks" in where
        if kind == "extra_forbidden":
            message = "unknown key (check the spelling; see docs/config.md for the allowed keys)"
        elif kind == "too_short" and polygon:
            message = "a polygon needs at least 3 points"
        elif kind == "too_long" and polygon:
            message = f"a polygon may have at most {MAX_POLYGON_POINTS} points"
        elif kind == "union_tag_invalid":
            message = f"unknown rule kind; {message}"
        elif kind == "value_error":
            message = message.removeprefix("Value error, ")
        problems.append(Problem(loc, message))
    return problems


def explain(error: ValidationError) -> list[str]:
    """One line per problem: where in the file, what is wrong."""
    return [str(p) for p in _pydantic_problems(error)]


def _ordered(problems: list[Problem]) -> list[str]:
    """The problems' lines, each once, ordered by place (stable for problems at the same place)."""
    lines = [str(p) for p in sorted(problems, key=Problem.sort_key)]
    return list(dict.fromkeys(lines))


def _too_large(origin: str, size: int | None) -> ConfigError:
    limit = f"{MAX_CONFIG_BYTES:,} bytes ({_binary(MAX_CONFIG_BYTES)})"
    known = size is not None and size > MAX_CONFIG_BYTES
    stated = f"is {size:,} bytes; the limit is {limit}" if known else f"is larger than the limit of {limit}"
    return ConfigError(f"{origin}: the config {stated}, far more than any site needs, so it is refused before parsing")


def _binary(size: int) -> str:
    return f"{size / 2**20:g} MiB" if size >= 2**20 else f"{size / 2**10:g} KiB"


def _read_yaml(text: str, origin: str) -> tuple[object, list[str]]:
    """The data and the repeated-key lines, or a one-line :class:`ConfigError`."""
    size = len(text.encode("utf-8"))
    if size > MAX_CONFIG_BYTES:
        raise _too_large(origin, size)
    try:
        return safe_yaml.load(text)
    except safe_yaml.YamlLimitError as exc:
        raise ConfigError(f"{origin}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{origin}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None


def parse_config(text: str, *, origin: str = "<config>") -> Config:
    """Validate YAML text into a :class:`Config`.

    Raises:
        ConfigError: the text is too large, not YAML, not a mapping, or does not validate; the message lists
            every problem on its own line: repeated keys first, then the rest ordered by place.
    """
    data, duplicates = _read_yaml(text, origin)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: the top level must be a mapping of keys (cameras:, detector:, ...)")
    problems = lint(data)
    config = None
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems = _pydantic_problems(exc) + problems
    lines = duplicates + _ordered(problems)
    if lines or config is None:
        raise ConfigError(f"{origin}: {len(lines)} problem(s) in the config:\n  " + "\n  ".join(lines))
    return config


def _read_text(path: Path) -> str:
    """The file's text, reading at most one byte past :data:`MAX_CONFIG_BYTES`."""
    with path.open("rb") as file:
        data = file.read(MAX_CONFIG_BYTES + 1)
        if len(data) > MAX_CONFIG_BYTES:
            raise _too_large(str(path), os.fstat(file.fileno()).st_size)
    return data.decode("utf-8")


def load_config(path: Path | None) -> Config:
    """Read and validate a config file; ``None`` gives the built-in defaults.

    Raises:
        ConfigError: the file is missing, unreadable, larger than :data:`MAX_CONFIG_BYTES` or invalid.
    """
    if path is None:
        return Config()
    try:
        text = _read_text(Path(path))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc})") from None
    return parse_config(text, origin=str(path))
