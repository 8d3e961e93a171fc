"""Generating ``docs/config.md`` and ``docs/cli.md`` from the code, so the docs cannot drift.

``python -m camsight.docs_gen`` rewrites both files; a test fails when they are out of date or when
a config field or a command has no description.
"""

from __future__ import annotations

import re
import sys
import typing
from pathlib import Path
from typing import Any

import typer
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from camsight.config.models import Config

ROOT = Path(__file__).resolve().parents[2]


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found.extend(_models_in(arg))
    return found


def _type_name(annotation: Any) -> str:
    text = repr(annotation) if not isinstance(annotation, type) else annotation.__name__
    for noise in ("typing.", "pathlib.", "datetime.", "camsight.config.models.", "<class '", "'>"):
        text = text.replace(noise, "")
    text = text.replace(
        "Annotated[float, FieldInfo(annotation=NoneType, required=True, metadata=[Ge(ge=0.0), Le(le=1.0)])]", "0..1"
    )
    while "Annotated[" in text:  # Annotated[X, FieldInfo(...)] -> X
        start = text.index("Annotated[")
        depth, i = 0, start + len("Annotated[")
        inner_start = i
        while i < len(text):
            if text[i] in "[(":
                depth += 1
            elif text[i] in "])":
                if depth == 0:
                    break
                depth -= 1
            elif text[i] == "," and depth == 0:
                comma = i
            i += 1
        text = text[:start] + text[inner_start:comma] + text[i + 1 :]
    return text.replace("|", "or")


def _default(field: FieldInfo) -> str:
    if field.default is PydanticUndefined and field.default_factory is None:
        return "required"
    if field.default_factory is not None:
        return "(defaults below)"
    value = field.default
    if isinstance(value, BaseModel | tuple) and len(repr(value)) > 40:
        return "(see below)"
    return f"`{value!r}`" if not isinstance(value, str) else f"`{value}`"


def _model_section(model: type[BaseModel], seen: set[type[BaseModel]]) -> list[str]:
    if model in seen:
        return []
    seen.add(model)
    doc = (model.__doc__ or "").strip().splitlines()[0]
    lines = [f"## {model.__name__}", "", doc, "", "| key | type | default | meaning |", "|---|---|---|---|"]
    nested: list[type[BaseModel]] = []
    for name, field in model.model_fields.items():
        lines.append(f"| `{name}` | {_type_name(field.annotation)} | {_default(field)} | {field.description or ''} |")
        nested.extend(_models_in(field.annotation))
    lines.append("")
    for sub in nested:
        lines.extend(_model_section(sub, seen))
    return lines


def config_markdown() -> str:
    """The config reference, generated from the pydantic models."""
    head = [
        "# Configuration reference",
        "",
        "Generated from `src/camsight/config/models.py` by `python -m camsight.docs_gen`; do not edit by hand.",
        "A config is a YAML file; every key is optional unless marked required, unknown keys are errors,",
        "and coordinates are normalised to 0..1 of the image (x to the right, y down).",
        "Check a file with `camsight config check FILE`. Example: `src/camsight/demo/demo.yaml`.",
        "",
    ]
    return "\n".join(head + _model_section(Config, set())).rstrip() + "\n"


def _command_lines(command: Any, path: str) -> list[str]:
    lines: list[str] = []
    if hasattr(command, "commands"):
        for name in sorted(command.commands):
            lines.extend(_command_lines(command.commands[name], f"{path} {name}"))
        return lines
    pieces = command.collect_usage_pieces(command.make_context(path, [], resilient_parsing=True))
    usage = re.sub(r"\{(\w+)\}", lambda m: m.group(1).upper(), f"{path} " + " ".join(pieces))
    lines += [f"## `{path}`", "", (command.help or "").strip(), "", "```", usage, "```", ""]
    params = [p for p in command.params if p.param_type_name in ("option", "argument")]
    if params:
        lines += ["| option | meaning |", "|---|---|"]
        for p in params:
            names = ", ".join(p.opts) if p.param_type_name == "option" else str(p.name).upper()
            help_text = getattr(p, "help", None) or ""
            lines.append(f"| `{names}` | {help_text} |")
        lines.append("")
    return lines


def cli_markdown() -> str:
    """The command reference, generated from the Typer app."""
    from camsight.cli import app

    root = typer.main.get_command(app)
    head = [
        "# Command reference",
        "",
        "Generated from the Typer app by `python -m camsight.docs_gen`; do not edit by hand.",
        "Every command exits 0 on success and 2 on bad input (one line saying what is wrong), without a traceback.",
        "",
    ]
    return "\n".join(head + _command_lines(root, "camsight")).rstrip() + "\n"


def commands(group: Any, path: str = "camsight") -> list[tuple[str, Any]]:
    """Every leaf command with its full name."""
    if hasattr(group, "commands"):
        out: list[tuple[str, Any]] = []
        for name, sub in group.commands.items():
            out.extend(commands(sub, f"{path} {name}"))
        return out
    return [(path, group)]


def main() -> None:
    """Rewrite docs/config.md and docs/cli.md."""
    (ROOT / "docs" / "config.md").write_text(config_markdown(), encoding="utf-8")
    (ROOT / "docs" / "cli.md").write_text(cli_markdown(), encoding="utf-8")
    sys.stderr.write("wrote docs/config.md and docs/cli.md\n")


if __name__ == "__main__":
    main()
