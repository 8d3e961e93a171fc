"""Standing queries on a real clip through the real pipeline (detector, tracker, describer, ranking).

Clip: intel_worker-zone-detection_preview.mp4 — one worker in a hard hat and an orange hi-vis vest
walks across a factory floor in 4.7 s. "person in an orange vest" must raise a live alert for the
worker's track; "red car" must raise none.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from camsight.apps.analyze import Analyzer
from camsight.config import parse_config
from camsight.events.models import StandingQueryEvent
from camsight.search.parser import parse
from camsight.sources import SourceSpec
from camsight.store import list_events, list_tracks, open_store
from camsight.store.alerts_repo import add_standing_query

CLIP = Path(__file__).resolve().parents[1] / "data" / "intel_worker-zone-detection_preview.mp4"
CONFIG = "cameras:\n  - id: floor\n"
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> sa.Engine:
    tmp = tmp_path_factory.mktemp("standing")
    config = parse_config(CONFIG)
    store = open_store(config, str(tmp / "camsight.db"))
    engine = store.engine
    with engine.begin() as conn:
        for name, text in (("vests", "person in an orange vest"), ("cars", "red car")):
            query = parse(text, semantic=False, now=NOW)
            add_standing_query(
                conn,
                name=name,
                text=text,
                query=query.model_dump(mode="json"),
                min_score=0.5,
                cameras=["floor"],
                now=NOW,
            )
    analyzer = Analyzer(config, store)
    analyzer.analyze(SourceSpec(CLIP, "video"), config.cameras[0])
    return engine


def test_worker_in_orange_vest_raises_a_standing_query_alert(analysed: sa.Engine) -> None:
    with analysed.begin() as conn:
        events = list_events(conn, kind="standing_query")
        people = list_tracks(conn, object_class="person")
    vests = [e for e in events if isinstance(e, StandingQueryEvent) and e.query_name == "vests"]
    assert len(vests) == 1
    (worker,) = [p for p in people if p.tracker_id in vests[0].track_ids]
    assert worker.end_s - worker.start_s > 2.0  # the worker's long track, not a fragment
    assert vests[0].rule == "query:vests"
    assert vests[0].score >= 0.5
    assert "orange" in vests[0].evidence


def test_red_car_raises_nothing(analysed: sa.Engine) -> None:
    with analysed.begin() as conn:
        events = list_events(conn, kind="standing_query")
    assert [e for e in events if isinstance(e, StandingQueryEvent) and e.query_name == "cars"] == []
