"""Shared fixtures: a store ``engine`` on SQLite and on PostgreSQL (see tests/pg.py for how the server is found)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

import pg


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a reachable PostgreSQL server (started if need be); skips (fails when CI=true) without one."""
    try:
        with pg.server() as server_url:
            yield server_url
    except pg.Unavailable as exc:
        message = f"PostgreSQL unavailable: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url(postgres_server: str) -> Iterator[str]:
    """URL of a PostgreSQL schema private to this test session."""
    with pg.schema_url(postgres_server) as url:
        yield url


@pytest.fixture
def fresh_postgres_url(postgres_server: str) -> Iterator[str]:
    """URL of an empty PostgreSQL schema private to one test (dropped after it)."""
    with pg.schema_url(postgres_server) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_engine(postgres_url: str) -> Iterator[sa.Engine]:
    """A camsight store on PostgreSQL with its tables created, shared by the session."""
    from camsight.store import connect, upgrade

    engine = connect(postgres_url)
    upgrade(engine, site="test")
    with engine.connect() as conn:
        _UPGRADED_META.update(conn.execute(sa.text("SELECT key FROM meta")).scalars())
    yield engine
    engine.dispose()


_UPGRADED_META: set[str] = set()
"""The meta keys a fresh upgrade writes (the shared PostgreSQL store keeps only those between tests)."""


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An empty camsight store with its tables, once on SQLite (a file in tmp_path) and once on PostgreSQL."""
    from camsight.store import connect, metadata, upgrade

    if request.param == "sqlite":
        engine = connect(str(tmp_path / "store" / "camsight.db"))
        upgrade(engine, site="test")
        yield engine
        engine.dispose()
        return
    engine = request.getfixturevalue("postgres_engine")
    meta = next(t for t in metadata.sorted_tables if t.name == "meta")
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            if table.name != "meta":
                conn.execute(table.delete())
        # what the store says about itself goes back to what the upgrade wrote (an audit prune of an
        # earlier test moves the chain's start, for instance)
        conn.execute(meta.delete().where(meta.c.key.not_in(_UPGRADED_META)))
    yield engine


# tests/rtsp_server.py runs under the system python3 (it imports GStreamer's gi); it is not a test module.
collect_ignore = ["rtsp_server.py"]
