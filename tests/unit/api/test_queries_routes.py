"""``/api/queries``: a standing query's text is read as the app's searches read theirs."""

from __future__ import annotations

from pathlib import Path

from api_site import add_account, open_test_store, stock
from fastapi.testclient import TestClient

from camsight.api.app import create_app


def test_a_standing_query_reads_its_text_as_the_apps_searches_do(tmp_path: Path) -> None:
    """An app made without the sentence embedder (``semantic=False``) does not load it for a standing query
    either: a word the lexicon lacks stays not understood. With it (the default), all-MiniLM-L6-v2 reads
    'trolley' as a trolley bag, as a search would."""
    site = stock(tmp_path, ("admin",))
    try:
        answer = site.client.post(
            "/api/queries", json={"name": "trolleys", "text": "person with a trolley"}, headers=site.auth("admin")
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["describe"] == "object: person; not understood: trolley"
    finally:
        site.client.close()
        site.store.close()
    config, store = open_test_store(tmp_path / "semantic")
    token = add_account(store, "ana", "admin")
    try:
        with TestClient(create_app(config, store)) as client:
            read = client.post(
                "/api/queries",
                json={"name": "trolleys", "text": "person with a trolley"},
                headers={"Authorization": f"Bearer {token}"},
            )
        assert read.status_code == 200, read.text
        assert "read as: trolley→trolley bag" in read.json()["describe"]
    finally:
        store.close()
