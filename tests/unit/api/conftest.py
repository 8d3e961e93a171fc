"""Fixtures of the route tests: a stocked store behind the app (see api_site.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_site import Site, stock


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One stocked store and app per test module (tests that change it use names of their own)."""
    built = stock(tmp_path_factory.mktemp("site"))
    yield built
    built.client.close()
    built.store.close()


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Site]:
    """A stocked store and app of this test's own (fewer accounts: viewer, operator, admin, viewer_a, operator_a)."""
    built = stock(tmp_path, ("viewer", "operator", "admin", "viewer_a", "operator_a"))
    yield built
    built.client.close()
    built.store.close()
