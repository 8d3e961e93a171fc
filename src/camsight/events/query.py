"""The typed filter for listing events and alerts, shared by the CLI, the HTTP API and the hub.

Beside the search :class:`~camsight.search.query.Query` (what a track looked like), an
:class:`EventQuery` says which stored events to list: by kind, rule, camera, site, status and a time
range (UTC), newest first unless asked otherwise, one page at a time.

Example:
    >>> EventQuery(kind="loitering", limit=10).filters()["kind"]
    'loitering'
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from camsight.events.models import AnyEvent

EVENT_KINDS: tuple[str, ...] = tuple(
    sorted(get_args(model.model_fields["kind"].annotation)[0] for model in get_args(get_args(AnyEvent)[0]))
)
"""Every event kind camsight raises (``crowd``, ``loitering``, ``standing_query``, ...)."""

MAX_LIMIT = 100_000
"""Most events one page may hold."""


class EventQuery(BaseModel):
    """Which stored events to list; every part optional."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str | None = Field(default=None, description="Event kind (see EVENT_KINDS).")
    rule: str | None = Field(default=None, description="Rule name (standing queries: 'query:<name>').")
    camera: str | None = Field(default=None, description="Camera id.")
    site: str | None = Field(default=None, description="Site.")
    status: Literal["open", "closed"] | None = Field(default=None, description="Only open or only closed events.")
    since: datetime | None = Field(default=None, description="Started at or after this time (UTC).")
    until: datetime | None = Field(default=None, description="Started before this time (UTC).")
    limit: int = Field(default=100, ge=1, le=MAX_LIMIT, description="At most this many.")
    offset: int = Field(default=0, ge=0, description="Skip this many first (paging).")
    oldest_first: bool = Field(default=False, description="Oldest first instead of newest first.")

    @model_validator(mode="after")
    def _aware_times(self) -> EventQuery:
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"{name} must be timezone-aware (UTC)")
        return self

    def filters(self) -> dict[str, Any]:
        """The keyword arguments of :func:`camsight.store.events_repo.list_events`."""
        return self.model_dump()
