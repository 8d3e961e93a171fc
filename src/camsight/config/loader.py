"""Reading a YAML config file into :class:`Config`, with every error explained in plain words."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from camsight.config.models import Config
from camsight.errors import ConfigError


def explain(error: ValidationError) -> list[str]:
    """One line per problem: where in the file, what is wrong."""
    lines = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"] if not str(p).startswith("function-")) or "(top level)"
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key (check the spelling; see docs/config.md for the allowed keys)"
        elif item["type"] == "too_short" and "polygon" in where or "masks" in where and item["type"] == "too_short":
            message = "a polygon needs at least 3 points"
        elif item["type"] == "union_tag_invalid":
            message = f"unknown rule kind; {message}"
        lines.append(f"{where}: {message}")
    return lines


def parse_config(text: str, *, origin: str = "<config>") -> Config:
    """Validate YAML text into a :class:`Config`.

    Raises:
        ConfigError: the text is not YAML, not a mapping, or does not validate; the message lists every
            problem on its own line.
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{origin}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: the top level must be a mapping of keys (cameras:, detector:, ...)")
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        problems = explain(exc)
        raise ConfigError(f"{origin}: {len(problems)} problem(s) in the config:\n  " + "\n  ".join(problems)) from None


def load_config(path: Path | None) -> Config:
    """Read and validate a config file; ``None`` gives the built-in defaults."""
    if path is None:
        return Config()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc})") from None
    return parse_config(text, origin=str(path))
