"""Every search and every picture handed out leaves an audit row naming who; what the routes answer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from api_site import CAM_A, CAM_B, Site, make_event, store_event

from camsight.services import audit
from camsight.services.actor import os_actor
from camsight.store.audit import AuditEntry


def audit_rows(site: Site, action: str) -> list[AuditEntry]:
    with site.store.engine.connect() as conn:
        return audit.entries(conn, actor=os_actor(), action=action, limit=1000)


def test_a_search_is_audited_with_its_actor_and_text(site: Site) -> None:
    before = len(audit_rows(site, "search"))
    answer = site.client.get("/api/search", params={"q": "person in red", "limit": 5}, headers=site.auth("operator"))
    assert answer.status_code == 200
    rows = audit_rows(site, "search")
    assert len(rows) == before + 1
    assert rows[0].actor == "user:operator"
    assert rows[0].detail["text"] == "person in red"
    body = answer.json()
    hits = body["hits"]
    assert all(h["complete"] == (not h["missing"]) for h in hits)
    if hits and not any(h["complete"] for h in hits):
        assert body["nothing_matched"].startswith("nothing matched all of: colour: red")
    else:
        assert body["nothing_matched"] is None


@pytest.mark.parametrize(
    ("path", "action", "key", "caller"),
    [
        ("/api/media/snapshots/{event}", "view.snapshot", "event_id", "viewer"),
        ("/api/media/thumbnails/{track}", "view.thumbnail", "track_id", "operator_a"),
        ("/api/media/moments/{track}?at=5", "view.thumbnail", "track_id", "operator"),  # no video: the thumbnail
        ("/api/tracks/{track}", "view.track", "track_id", "admin"),
    ],
)
def test_every_view_is_audited_with_its_actor_and_id(site: Site, path: str, action: str, key: str, caller: str) -> None:
    event, track = site.events[CAM_A], site.tracks[CAM_A]
    before = len(audit_rows(site, action))
    answer = site.client.get(path.format(event=event.id, track=track.id), headers=site.auth(caller))
    assert answer.status_code == 200
    rows = audit_rows(site, action)
    assert len(rows) == before + 1
    assert rows[0].actor == f"user:{caller}"
    assert rows[0].detail[key] == (event.id if key == "event_id" else track.id)
    assert rows[0].detail["camera"] == CAM_A


def test_a_refused_view_is_not_handed_out_nor_audited(site: Site) -> None:
    before = len(audit_rows(site, "view.thumbnail"))
    refused = site.client.get(f"/api/media/thumbnails/{site.tracks[CAM_B].id}", headers=site.auth("admin_a"))
    assert refused.status_code == 404
    assert refused.headers["content-type"] == "application/json"
    assert len(audit_rows(site, "view.thumbnail")) == before


def test_pictures_are_the_stored_jpegs_never_cached(site: Site) -> None:
    event = site.events[CAM_A]
    answer = site.client.get(f"/api/media/snapshots/{event.id}", headers=site.auth("viewer"))
    assert answer.headers["content-type"] == "image/jpeg"
    assert answer.headers["cache-control"] == "no-store"
    assert answer.content == site.store.media.path(str(event.snapshot)).read_bytes()
    assert answer.content[:2] == b"\xff\xd8"


def test_an_event_without_a_snapshot_or_whose_file_is_gone_is_404(fresh: Site) -> None:
    bare = store_event(fresh.store, make_event(CAM_A, 7), snapshot=False)
    gone = store_event(fresh.store, make_event(CAM_A, 8))
    fresh.store.media.path(str(gone.snapshot)).unlink()
    for event in (bare, gone):
        assert fresh.client.get(f"/api/media/snapshots/{event.id}", headers=fresh.auth("admin")).status_code == 404
    listed = {i["event"]["id"]: i for i in fresh.client.get("/api/events", headers=fresh.auth("viewer")).json()}
    assert listed[bare.id]["snapshot_url"] is None


def test_a_stored_path_leading_out_of_the_media_folder_is_never_served(fresh: Site) -> None:
    secret = fresh.store.paths.media.parent / "secret.jpg"
    secret.write_bytes(b"\xff\xd8 not for you")
    hostile = store_event(fresh.store, make_event(CAM_A, 6), snapshot=False)
    hostile = store_event(fresh.store, hostile.model_copy(update={"snapshot": "../secret.jpg"}), snapshot=False)
    answer = fresh.client.get(f"/api/media/snapshots/{hostile.id}", headers=fresh.auth("admin"))
    assert answer.status_code == 404
    assert b"not for you" not in answer.content


def test_the_event_detail_and_feedback_round_trip(fresh: Site) -> None:
    event = fresh.events[CAM_A]
    detail = fresh.client.get(f"/api/events/{event.id}", headers=fresh.auth("viewer")).json()
    assert detail["clip_url"] == f"/api/events/{event.id}/clip.mp4"
    assert detail["verdict"] is None
    body = {"verdict": "false", "note": "a shadow"}
    given = fresh.client.post(f"/api/events/{event.id}/feedback", headers=fresh.auth("operator"), json=body)
    assert (given.json()["verdict"], given.json()["note"]) == ("false", "a shadow")
    listed = fresh.client.get("/api/events", params={"camera": CAM_A}, headers=fresh.auth("viewer")).json()
    assert [(i["verdict"], i["note"]) for i in listed if i["event"]["id"] == event.id] == [("false", "a shadow")]
    row = audit_rows(fresh, "alert.feedback")[0]
    assert (row.actor, row.detail["event_id"]) == ("user:operator", event.id)


def test_the_search_answer_has_the_contracts_shape(site: Site) -> None:
    found = site.client.get(
        "/api/search", params={"q": "young woman in a red top"}, headers=site.auth("operator")
    ).json()
    assert set(found) == {"query", "hits", "more", "nothing_matched"}
    assert set(found["query"]) == {"describe", "ignored_words", "unknown_words", "mapped_words", "notes"}
    assert {w["word"] for w in found["query"]["ignored_words"]} >= {"young", "woman"}
    hit = found["hits"][0]
    assert set(hit) == {
        "rank",
        "score",
        "record",
        "evidence",
        "thumbnail_url",
        "play_url",
        "complete",
        "missing",
        "at_s",
        "clip_offset_s",
        "moment_url",
    }
    # a colour is not timed: the clip from its start, the thumbnail
    assert (hit["at_s"], hit["clip_offset_s"], hit["moment_url"]) == (None, 0.0, None)
    assert hit["play_url"] == f"/api/tracks/{hit['record']['id']}/clip.mp4"
    assert hit["thumbnail_url"] == f"/api/media/thumbnails/{hit['record']['id']}"


def test_standing_queries_carry_their_precision_and_history(fresh: Site) -> None:
    admin = fresh.auth("admin")
    added = fresh.client.post("/api/queries", headers=admin, json={"name": "reds", "text": "person in red"})
    assert added.status_code == 200, added.text
    assert "red" in added.json()["describe"]
    taken = fresh.client.post("/api/queries", headers=admin, json={"name": "reds", "text": "person in red"})
    assert taken.status_code == 409
    hit = store_event(fresh.store, make_event(CAM_A, 11, rule="query:reds"))
    fresh.client.post(f"/api/events/{hit.id}/feedback", headers=admin, json={"verdict": "confirmed"})
    listed = {q["name"]: q for q in fresh.client.get("/api/queries", headers=fresh.auth("operator")).json()}
    assert (listed["reds"]["alerts"], listed["reds"]["precision"]) == (1, 1.0)
    assert "notify" not in listed["reds"]
    fresh.client.post("/api/queries/reds/disable", headers=admin)
    history = fresh.client.get("/api/queries/reds/history", headers=fresh.auth("operator")).json()
    assert [(v["version"], v["enabled"]) for v in history] == [(1, True), (2, False)]


def test_audit_filters_by_actor_action_and_time(fresh: Site) -> None:
    fresh.client.get("/api/search?q=person", headers=fresh.auth("operator"))
    admin = fresh.auth("admin")
    rows = fresh.client.get("/api/audit", params={"actor": "user:operator", "action": "search"}, headers=admin).json()
    assert rows
    assert {(r["actor"], r["action"]) for r in rows} == {("user:operator", "search")}
    later = datetime.now(UTC).isoformat()
    assert fresh.client.get("/api/audit", params={"since": later}, headers=admin).json() == []
    first = fresh.client.get("/api/audit", params={"limit": 1}, headers=admin).json()
    second = fresh.client.get("/api/audit", params={"limit": 1, "offset": 1}, headers=admin).json()
    assert first[0]["id"] > second[0]["id"]
    assert fresh.client.get("/api/audit/verify", headers=admin).json()["ok"] is True
