"""The docs are generated from the code: they must be current, and nothing may be undocumented."""

from pathlib import Path

import pytest
import typer

from camsight.cli import app
from camsight.docs_gen import cli_markdown, commands, config_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize(("name", "render"), [("config.md", config_markdown), ("cli.md", cli_markdown)])
def test_generated_docs_are_current(name: str, render: object) -> None:
    assert callable(render)
    assert (DOCS / name).read_text(encoding="utf-8") == render(), (
        f"docs/{name} is out of date: run python -m camsight.docs_gen"
    )


@pytest.mark.parametrize(("path", "command"), commands(typer.main.get_command(app)), ids=lambda x: str(x))
def test_every_command_and_option_has_help(path: str, command: object) -> None:
    assert getattr(command, "help", None), f"{path} has no help text"
    for param in getattr(command, "params", []):
        if param.param_type_name in ("option", "argument"):
            assert getattr(param, "help", None), f"{path}: {param.name} has no help text"
