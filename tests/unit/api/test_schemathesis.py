"""Property-based requests generated from the app's own OpenAPI document: no answer is a server error.

Schemathesis reads /openapi.json and, for every operation, generates requests its schema allows and
requests it does not (wrong types, missing fields, odd strings), sent once as an admin with a bearer
token and once without logging in; any 5xx fails, naming the operation and the request. The live
stream is left out (it never ends). Examples per operation are bounded so a run takes seconds.
(Schemathesis' own pytest loader, ``from_fixture``, does not work with pytest 9 yet, so the
operations are run here with Hypothesis directly.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from api_site import add_account, make_event, make_track, open_test_store, store_event, store_track
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from camsight.api.app import create_app

ADMIN = "fuzz-admin-4f1c9e"  # a name the generated account names will not hit
EXAMPLES = 10
SKIPPED = ("/api/events/stream",)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    """The app's schema (loaded from the app itself) and an admin's token."""
    config, store = open_test_store(Path(tmp_path_factory.mktemp("fuzz")))
    for camera in ("gate", "lobby"):
        store_event(store, make_event(camera))
        store_track(store, make_track(camera))
    token = add_account(store, ADMIN, "admin")
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(config, store, semantic=False)), token
    store.close()


def server_errors(schema: Any, headers: dict[str, str]) -> list[str]:
    """Run every operation's generated requests; the failures, one line each."""
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in SKIPPED:
            continue
        modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        cases = st.one_of(*(operation.as_strategy(mode) for mode in modes))

        @given(case=cases)
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - every operation is tried; all failures are reported
            failures.append(f"{operation.method.upper()} {operation.path}: {_lines(exc)}")
    return failures


def _lines(exc: BaseException) -> list[str]:
    """The first lines of a failure and of each failure inside it (Hypothesis groups a flaky one's causes)."""
    inner = getattr(exc, "exceptions", ())
    return str(exc).splitlines()[:6] + [line for sub in inner for line in _lines(sub)]


@pytest.mark.timeout(300)
def test_no_request_of_an_admin_gets_a_server_error(fuzzed: tuple[Any, str]) -> None:
    schema, token = fuzzed
    assert server_errors(schema, {"Authorization": f"Bearer {token}"}) == []


@pytest.mark.timeout(300)
def test_no_request_without_a_login_gets_a_server_error(fuzzed: tuple[Any, str]) -> None:
    schema, _token = fuzzed
    assert server_errors(schema, {}) == []
