"""``camsight demo`` serves the console with a generated admin password (never a fixed one), once per store."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from camsight.cli import analyze
from camsight.cli import app as cli
from camsight.config import Config
from camsight.services import auth
from camsight.store import open_store
from camsight.store.accounts_repo import count_users


def test_the_demo_admin_gets_a_random_password_only_when_the_store_has_no_account(tmp_path: Path) -> None:
    first = open_store(Config(site="t"), str(tmp_path / "a.db"))
    second = open_store(Config(site="t"), str(tmp_path / "b.db"))
    password = analyze.demo_admin(first)
    other = analyze.demo_admin(second)
    assert password is not None
    assert other is not None
    assert len(password) >= 16
    assert password != other
    assert analyze.demo_admin(first) is None  # made once
    started = auth.login(first.engine, username="admin", password=password, ip=None, now=datetime.now(UTC))
    assert started.actor.role == "admin"
    assert password not in Path(analyze.__file__).read_text()


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The demo without its analysis (tested elsewhere) and with the server call recorded instead of run."""
    served: list[dict[str, Any]] = []
    monkeypatch.setattr(analyze, "run_analysis", lambda *a, **k: ([], []))
    monkeypatch.setattr(analyze, "serve_command", lambda **kw: served.append(kw))
    return served


def test_the_demo_prints_the_url_and_the_password_then_serves(tmp_path: Path, calls: list[dict[str, Any]]) -> None:
    db = str(tmp_path / "demo.db")
    result = CliRunner().invoke(cli, ["demo", "--db", db, "--port", "8099"])
    assert result.exit_code == 0, result.output
    found = re.search(r"Console: http://127\.0\.0\.1:8099/ - log in as admin with password (\S+)", result.output)
    assert found, result.output
    assert "Stored in" in result.output  # what it printed before is kept
    assert calls == [{"config": analyze.demo_paths()[1], "db": db, "host": "127.0.0.1", "port": 8099}]
    again = CliRunner().invoke(cli, ["demo", "--db", db, "--port", "8099"])
    assert found.group(1) not in again.output
    assert "log in with an account of this store" in again.output


def test_demo_no_serve_makes_no_account_and_serves_nothing(tmp_path: Path, calls: list[dict[str, Any]]) -> None:
    db = str(tmp_path / "demo.db")
    result = CliRunner().invoke(cli, ["demo", "--db", db, "--no-serve"])
    assert result.exit_code == 0, result.output
    assert calls == []
    assert "password" not in result.output
    assert "Stored in" in result.output
    with open_store(Config(site="t"), db).engine.connect() as conn:
        assert count_users(conn) == 0
