"""A change is committed before its answer leaves the server: a 200 is never sent for a row not yet stored."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import sqlalchemy as sa
from api_site import stock
from starlette.requests import Request
from starlette.responses import Response

from camsight.store.schema import audit_log, standing_queries


def test_a_new_standing_query_and_its_audit_row_are_stored_when_the_answer_is_made(tmp_path: Path) -> None:
    site = stock(tmp_path, ("admin",))
    seen: dict[str, tuple[int, int]] = {}

    async def look(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        answer = await call_next(request)  # the answer is made; it has not been sent yet
        with site.store.engine.connect() as other:  # another connection sees only what was committed
            queries = other.execute(
                sa.select(sa.func.count()).where(standing_queries.c.name == "after-hours")
            ).scalar_one()
            audited = other.execute(
                sa.select(sa.func.count()).where(audit_log.c.action == "standing_query.add")
            ).scalar_one()
        seen[request.url.path] = (queries, audited)
        return answer

    with site.store.engine.connect() as conn:
        before = conn.execute(sa.select(sa.func.count()).where(audit_log.c.action == "standing_query.add")).scalar_one()
    site.client.app.middleware("http")(look)  # type: ignore[attr-defined]
    try:
        added = site.client.post(
            "/api/queries", json={"name": "after-hours", "text": "person near the gate"}, headers=site.auth("admin")
        )
        assert added.status_code == 200, added.text
        assert seen["/api/queries"][0] == 1
        assert seen["/api/queries"][1] == before + 1
    finally:
        site.client.close()
        site.store.close()
