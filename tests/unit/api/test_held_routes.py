"""Held alerts over the API: listed for operators in their cameras, released once into the alerts, audited."""

from __future__ import annotations

from api_site import CAM_A, CAM_B, Site


def test_an_operator_lists_the_held_alerts_of_the_cameras_it_sees(fresh: Site) -> None:
    everyone = fresh.client.get("/api/alerts/held", headers=fresh.auth("operator")).json()
    scoped = fresh.client.get("/api/alerts/held", headers=fresh.auth("operator_a")).json()
    assert sorted(h["event"]["id"] for h in everyone) == sorted(e.id for e in fresh.held.values())
    assert [h["event"]["id"] for h in scoped] == [fresh.held[CAM_A].id]
    assert {h["status"] for h in everyone} == {"suppressed"}
    assert {h["suppression_id"] for h in everyone} == {fresh.suppression_id}
    by_camera = fresh.client.get(f"/api/alerts/held?camera={CAM_B}", headers=fresh.auth("operator")).json()
    assert [h["event"]["camera"] for h in by_camera] == [CAM_B]


def test_a_released_alert_becomes_an_alert_once_and_the_release_is_audited(fresh: Site) -> None:
    held = fresh.held[CAM_A]
    op = fresh.auth("operator")
    assert fresh.client.get(f"/api/events/{held.id}", headers=op).status_code == 404
    answer = fresh.client.post(f"/api/alerts/held/{held.id}/release", headers=op)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "released"
    assert answer.json()["released_by"] == "user:operator"
    assert fresh.client.get(f"/api/events/{held.id}", headers=op).json()["event"]["id"] == held.id
    again = fresh.client.post(f"/api/alerts/held/{held.id}/release", headers=op)
    assert again.status_code == 409
    assert "released already" in again.text
    audit = fresh.client.get("/api/audit?action=alert.release", headers=fresh.auth("admin")).json()
    assert [row["detail"]["event_id"] for row in audit] == [held.id]


def test_another_cameras_held_alert_cannot_be_released(fresh: Site) -> None:
    other = fresh.held[CAM_B]
    answer = fresh.client.post(f"/api/alerts/held/{other.id}/release", headers=fresh.auth("operator_a"))
    assert answer.status_code == 404
    assert fresh.client.post("/api/alerts/held/held-gat/release", headers=fresh.auth("operator")).status_code == 404
    assert fresh.client.get(f"/api/events/{other.id}", headers=fresh.auth("operator")).status_code == 404
