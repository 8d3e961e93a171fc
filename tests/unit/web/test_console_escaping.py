"""Every user-supplied string is escaped: alert zone names, search text, notes, account names, audit rows."""

from __future__ import annotations

from console_helpers import HOSTILE_ZONE, Login, csrf_of
from fastapi.testclient import TestClient

from camsight.web import render

HOSTILE_QUERY = "<img src=x onerror=alert(1)> person in grey"


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")


def test_every_template_is_autoescaped_and_none_marks_text_safe() -> None:
    assert render.ENV.autoescape is True
    for name in render.ENV.list_templates():
        source = (render.TEMPLATES / name).read_text()
        assert "|safe" not in source.replace(" ", ""), name
        assert "autoescape false" not in source, name


def test_markup_in_a_zone_name_is_shown_as_text(login: Login) -> None:
    client = login("oper")
    for path in ("/alerts", "/alerts/gate-event-02", "/alerts/gate-event-02/card"):
        page = client.get(path).text
        assert HOSTILE_ZONE not in page, path
        assert _escaped(HOSTILE_ZONE) in page, path
        assert "<script>" not in page, path


def test_markup_in_the_search_text_is_shown_as_text(login: Login) -> None:
    page = login("oper").get("/search", params={"q": HOSTILE_QUERY}).text
    assert "<img src=x" not in page
    assert f'value="{_escaped(HOSTILE_QUERY)}"' in page
    assert "onerror" in page  # reported, escaped, as a word not understood


def test_markup_in_a_track_id_given_to_the_player_is_escaped(login: Login) -> None:
    fragment = login("oper").get("/search/play", params={"track": '"><script>x()</script>'}).text
    assert "<script>" not in fragment
    assert "%22%3E%3Cscript%3E" in fragment  # in the URL, quoted as a path segment


def test_markup_in_a_verdict_note_is_shown_as_text(login: Login) -> None:
    client = login("oper")
    note = '<b onmouseover="x()">shadow</b>'
    answer = client.post(
        "/alerts/gate-event-01/feedback",
        data={"verdict": "false", "note": note},
        headers={"X-CSRF-Token": csrf_of(client)},
    )
    assert answer.status_code == 200
    for page in (answer.text, client.get("/alerts/gate-event-01").text):
        assert note not in page
        assert _escaped(note) in page


def test_markup_in_audit_rows_is_shown_as_text(login: Login) -> None:
    client = login("oper")
    client.get("/search", params={"q": HOSTILE_QUERY})  # audited with its text
    page = login("admin1").get("/audit", params={"action": "search"}).text
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt; person in grey" in page


def test_a_bad_login_name_is_shown_as_text(anonymous: TestClient) -> None:
    answer = anonymous.post("/login", data={"username": '"><script>1</script>', "password": "x"})
    assert answer.status_code == 401
    assert "<script>1" not in answer.text
    assert "&lt;script&gt;1" in answer.text
