"""Accounts and logins: argon2 passwords, sessions, tokens, slowed failures, all audited; no default account."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from camsight.config import Config
from camsight.services import audit, auth, users
from camsight.services.actor import Actor, Forbidden, os_actor
from camsight.store import open_store
from camsight.store.accounts_repo import count_users
from camsight.store.handle import Store
from camsight.store.schema import users as users_table

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(Config(site="t"), str(tmp_path / "s.db"))


def _add(store: Store, name: str = "ana", role: str = "operator", cameras: list[str] | None = None) -> None:
    with store.engine.begin() as conn:
        users.add(conn, actor=os_actor(), name=name, role=role, password=PASSWORD, now=NOW, cameras=cameras)


def test_a_new_store_has_no_account(store: Store) -> None:
    with store.engine.connect() as conn:
        assert count_users(conn) == 0


def test_passwords_are_argon2_hashes(store: Store) -> None:
    _add(store)
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(users_table.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


@pytest.mark.parametrize(
    ("name", "role", "password", "message"),
    [
        ("ana", "boss", PASSWORD, "unknown role 'boss'"),
        ("bad name", "viewer", PASSWORD, "not allowed"),
        ("bo", "viewer", "short", "too short"),
    ],
)
def test_bad_accounts_are_refused(store: Store, name: str, role: str, password: str, message: str) -> None:
    with store.engine.begin() as conn, pytest.raises(users.AccountError, match=message):
        users.add(conn, actor=os_actor(), name=name, role=role, password=password, now=NOW)


def test_only_admins_manage_accounts(store: Store) -> None:
    with store.engine.begin() as conn, pytest.raises(Forbidden):
        users.add(conn, actor=Actor("user:x", role="operator"), name="ana", role="admin", password=PASSWORD, now=NOW)


def test_a_login_starts_a_session_with_the_accounts_role_and_cameras(store: Store) -> None:
    _add(store, cameras=["gate"])
    started = auth.login(store.engine, username="ana", password=PASSWORD, ip="10.0.0.9", now=NOW)
    with store.engine.begin() as conn:
        found = auth.session(conn, cookie=started.cookie, now=NOW + timedelta(minutes=5))
        expired = auth.session(conn, cookie=started.cookie, now=NOW + auth.SESSION_TTL + timedelta(seconds=1))
        logins = [e.action for e in audit.entries(conn, actor=os_actor())]
    assert found is not None
    assert (found.actor.name, found.actor.role, found.actor.cameras) == ("user:ana", "operator", frozenset({"gate"}))
    assert found.csrf == started.csrf
    assert expired is None
    assert logins[0] == "login"


def test_failures_are_logged_and_slowed_even_with_the_right_password(store: Store) -> None:
    _add(store)
    for n in range(auth.FREE_FAILURES):
        with pytest.raises(auth.LoginFailed):
            auth.login(store.engine, username="ana", password="wrong", ip="10.0.0.9", now=NOW + timedelta(seconds=n))
    with pytest.raises(auth.TooManyAttempts) as slowed:
        auth.login(store.engine, username="ana", password=PASSWORD, ip="10.0.0.9", now=NOW + timedelta(seconds=3))
    assert slowed.value.wait_s > 0
    later = NOW + timedelta(seconds=3 + slowed.value.wait_s + 1)
    assert auth.login(store.engine, username="ana", password=PASSWORD, ip="10.0.0.9", now=later).actor.name
    with store.engine.connect() as conn:
        actions = [e.action for e in audit.entries(conn, actor=os_actor(), limit=10)]
    assert actions.count("login.failed") == auth.FREE_FAILURES
    assert "login.refused" in actions


def test_a_disabled_account_cannot_log_in_and_loses_its_sessions_and_tokens(store: Store) -> None:
    _add(store)
    started = auth.login(store.engine, username="ana", password=PASSWORD, ip=None, now=NOW)
    with store.engine.begin() as conn:
        token = users.make_token(conn, actor=os_actor(), name="ana", label="backup", now=NOW)
        assert auth.token_actor(conn, token=token, now=NOW) is not None
        users.disable(conn, actor=os_actor(), name="ana", now=NOW)
        assert auth.session(conn, cookie=started.cookie, now=NOW) is None
        assert auth.token_actor(conn, token=token, now=NOW) is None
    with pytest.raises(auth.LoginFailed):
        auth.login(store.engine, username="ana", password=PASSWORD, ip=None, now=NOW)


def test_a_new_password_ends_the_sessions(store: Store) -> None:
    _add(store)
    started = auth.login(store.engine, username="ana", password=PASSWORD, ip=None, now=NOW)
    with store.engine.begin() as conn:
        users.set_password(
            conn, actor=Actor("user:ana", role="operator"), name="ana", password="another long one", now=NOW
        )
        assert auth.session(conn, cookie=started.cookie, now=NOW) is None
        with pytest.raises(Forbidden):
            users.set_password(conn, actor=Actor("user:bo", role="operator"), name="ana", password=PASSWORD, now=NOW)


def _camsight(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "camsight", *args], input=stdin, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_users_commands(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    added = _camsight(
        "users",
        "add",
        "ana",
        "--role",
        "viewer",
        "--camera",
        "gate",
        "--password-stdin",
        "--db",
        db,
        stdin=PASSWORD + "\n",
    )
    assert added.returncode == 0, added.stderr
    assert "account ana added: viewer, gate" in added.stdout
    no_password = _camsight("users", "add", "bo", "--role", "viewer", "--db", db)
    assert no_password.returncode == 2
    assert "--password-stdin" in no_password.stderr
    token = _camsight("users", "token", "ana", "--db", db)
    assert token.stdout.startswith("cst_")
    listed = _camsight("users", "list", "--db", db)
    assert "ana" in listed.stdout
    assert PASSWORD not in listed.stdout + token.stdout


def test_audit_verify_exits_0_when_intact_and_1_naming_an_edited_row(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    _camsight("users", "add", "ana", "--role", "viewer", "--password-stdin", "--db", db, stdin=PASSWORD + "\n")
    ok = _camsight("audit", "verify", "--db", db)
    assert ok.returncode == 0
    assert "audit log intact: 1 row(s)" in ok.stdout
    store = open_store(Config(site="t"), db)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE audit_log SET actor = 'os:nobody'")
    broken = _camsight("audit", "verify", "--db", db)
    assert broken.returncode == 1
    assert "audit log broken at row 1: its content was changed" in broken.stdout
