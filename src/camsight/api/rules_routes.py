"""``/api/rules/stats`` and ``/api/suppressions``: alert volume and precision per rule, and suppressions.

Operators' verdicts add up to each rule's precision; clusters of false alerts become suggested
suppressions, stored disabled until an admin enables one (:mod:`camsight.services.feedback`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from camsight.api.deps import Conn, Reader, Writer
from camsight.api.params import Instant
from camsight.services import feedback
from camsight.services.feedback import RuleStats, SuppressionRow

router = APIRouter(prefix="/api", tags=["rules"])


class RuleStatsOut(BaseModel):
    """Volume and feedback of one rule (standing queries: ``query:<name>``), overall or on one day (UTC)."""

    rule: str
    day: date | None = Field(description="The UTC day (per_day=true), else null.")
    alerts: int
    confirmed: int
    false: int
    precision: float | None = Field(description="confirmed / (confirmed + false); null without feedback.")


class SuppressionOut(BaseModel):
    """A suppression: alerts of one rule it matches are (when enabled) held back, not raised."""

    id: int
    rule: str
    camera: str
    zone: str | None
    object_class: str | None = Field(description="Only this class; null: any.")
    polygon: list[tuple[float, float]] = Field(description="Normalised (x, y) corners (a place; empty otherwise).")
    kind: str = Field(description="place, appearance (the same object again), time (a daily window) or threshold.")
    what: str = Field(description="What it holds back, in a few words.")
    enabled: bool = Field(description="false: a suggestion, not applied yet.")
    reason: str
    created_at: datetime


class RuleReportOut(BaseModel):
    """Per-rule statistics and every suppression (suggested or enabled)."""

    stats: list[RuleStatsOut]
    suppressions: list[SuppressionOut]


class SuppressionChange(BaseModel):
    """Enable or disable a suppression."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(description="true: apply it; false: back to a suggestion.")


def _stats(s: RuleStats) -> RuleStatsOut:
    return RuleStatsOut(
        rule=s.rule, day=s.day, alerts=s.alerts, confirmed=s.confirmed, false=s.false, precision=s.precision
    )


def _suppression(row: SuppressionRow) -> SuppressionOut:
    r = row.region
    return SuppressionOut(
        id=r.id,
        rule=r.rule,
        camera=r.camera,
        zone=r.zone,
        object_class=r.object_class,
        polygon=[(float(x), float(y)) for x, y in r.polygon],
        kind=r.kind,
        what=r.describe(),
        enabled=r.enabled,
        reason=row.reason,
        created_at=row.created_at,
    )


@router.get("/rules/stats", responses={403: {"description": "Viewers may not"}})
def rule_stats(
    actor: Reader,
    conn: Conn,
    per_day: Annotated[bool, Query(description="One row per rule and UTC day.")] = False,
    since: Annotated[Instant | None, Query(description="Only alerts that started from then on.")] = None,
) -> RuleReportOut:
    """Alerts, confirmed, false and precision per rule, and the suppressions (operators and admins).

    New suggestions are made from the false alerts as this is asked (stored disabled). Suppressions
    of cameras the caller may not see are left out.
    """
    actor.require("operator", "read rule statistics")  # services.feedback.rule_report checks no role yet
    report = feedback.rule_report(conn, actor=actor, now=datetime.now(UTC), per_day=per_day, since=since)
    regions = [_suppression(r) for r in report.regions if actor.may_see(r.region.camera)]
    return RuleReportOut(stats=[_stats(s) for s in report.stats], suppressions=regions)


@router.post(
    "/suppressions/{suppression_id}",
    responses={403: {"description": "Only admins"}, 409: {"description": "No such suppression"}},
)
def set_suppression(
    suppression_id: Annotated[int, Path(ge=1, le=2**31 - 1, description="Suppression id.")],
    body: SuppressionChange,
    actor: Writer,
    conn: Conn,
) -> SuppressionOut:
    """Enable or disable a suppression (admins; audited)."""
    row = feedback.set_suppression(conn, actor=actor, suppression_id=suppression_id, enabled=body.enabled)
    return _suppression(row)
