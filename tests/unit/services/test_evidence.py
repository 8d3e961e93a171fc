"""The evidence use case on a real SQLite store and a real clip: what a package holds, who may, how it is checked.

The clips are copied without re-encoding (``blur=False``, as an admin) to keep these fast; the
process tests (tests/integration/test_evidence_export.py) export with heads blurred.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import stat
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

sys.path.insert(0, str(Path(__file__).parents[1] / "store"))
from store_factories import SOURCE_ID, T0, make_event, make_track  # noqa: E402

from camsight.config import Config  # noqa: E402
from camsight.services import audit, evidence, feedback  # noqa: E402
from camsight.services.actor import Actor, Forbidden, os_actor  # noqa: E402
from camsight.services.events import EventNotFound  # noqa: E402
from camsight.services.evidence import EvidenceBroken, EvidenceError  # noqa: E402
from camsight.store import audit as audit_repo  # noqa: E402
from camsight.store import keys, open_store, perms, upsert_events, upsert_tracks  # noqa: E402
from camsight.store.handle import Store  # noqa: E402

CLIP = Path(__file__).resolve().parents[2] / "data" / "intel_worker-zone-detection_preview.mp4"
ADMIN = os_actor()
OPERATOR = Actor("user:op", role="operator")


@pytest.fixture
def stocked(tmp_path: Path) -> tuple[Store, str]:
    """A store with one event on a copy of a real clip (tracks 1 and 7; 1 stored), a verdict and audit rows."""
    video = tmp_path / "floor.mp4"
    shutil.copyfile(CLIP, video)
    store = open_store(Config(site="test"), str(tmp_path / "site.db"))
    event = make_event(n=0, source=str(video), track_ids=(1, 7), start_s=1.5, end_s=4.5, status="closed")
    elsewhere = make_event(n=3, source=str(video), id="other-event")
    tracks = [
        make_track(1, source=str(video), started_at=T0 - timedelta(seconds=1), ended_at=T0 + timedelta(seconds=5)),
        make_track(2, source=str(video), started_at=T0),  # in the source, not in the event
        make_track(1, source_id="another-source", started_at=T0),  # same tracker id, another source
    ]
    with store.engine.begin() as conn:
        upsert_events(conn, events=[event, elsewhere], source_id=SOURCE_ID, run_id="r")
        upsert_tracks(conn, records=tracks, run_id="r")
        feedback.give_verdict(conn, actor=ADMIN, ref=event.id, verdict="false", note="shadow", now=T0)
        audit.record(conn, actor=ADMIN, action="clip.export", detail={"event_id": "other-event"})
    return store, event.id


def _export(store: Store, ref: str, folder: Path, *, actor: Actor = ADMIN) -> evidence.EvidenceResult:
    return evidence.export(
        store, actor=actor, config=Config(), ref=ref, folder=folder, pre_s=0.5, post_s=0.5, blur=False
    )


def _read(folder: Path, name: str) -> Any:
    return json.loads((folder / name).read_text())


def test_a_package_holds_the_event_its_verdict_tracks_and_audit_rows(
    stocked: tuple[Store, str], tmp_path: Path
) -> None:
    store, event_id = stocked
    done = _export(store, event_id[:8], tmp_path / "pkg")
    folder = tmp_path / "pkg"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["clip.mp4", "event.json", "tracks.json", "audit.json", "manifest.json", "manifest.sig"]
    )
    stored = _read(folder, "event.json")
    assert stored["event"] == done.clip.event.model_dump(mode="json")
    assert stored["verdict"] == {"verdict": "false", "note": "shadow"}
    assert stored["source_id"] == SOURCE_ID
    tracks = _read(folder, "tracks.json")
    assert [(t["source_id"], t["tracker_id"]) for t in tracks["tracks"]] == [(SOURCE_ID, 1)]
    assert tracks["tracker_ids_without_record"] == [7]
    rows = _read(folder, "audit.json")["rows"]
    assert [r["action"] for r in rows] == ["alert.feedback", "clip.export_unblurred"]
    with store.engine.connect() as conn:
        chain = {e.id: (e.prev_hash, e.hash) for e in audit_repo.list_audit(conn)}
    assert all(chain[r["id"]] == (r["prev_hash"], r["hash"]) for r in rows)
    for r in rows:  # each row's hash recomputes from what the package holds (docs/evidence.md)
        at = datetime.strptime(r["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        fields = {k: r[k] for k in ("id", "actor", "action", "detail")}
        assert audit_repo.row_hash(prev_hash=r["prev_hash"], at=at, **fields) == r["hash"]
    chain_check = {
        "ok": True,
        "rows_checked": 4,
        "bad_row": None,
        "summary": "audit log intact: 4 row(s), chain verified",
    }
    assert _read(folder, "audit.json")["chain"] == chain_check  # feedback, two clips, the key made


def test_the_manifest_lists_every_file_and_is_signed_by_the_box(stocked: tuple[Store, str], tmp_path: Path) -> None:
    store, event_id = stocked
    done = _export(store, event_id, tmp_path / "pkg")
    folder = tmp_path / "pkg"
    body = (folder / "manifest.json").read_bytes()
    manifest = json.loads(body)
    assert manifest["format"] == "camsight-evidence"
    assert manifest["event_id"] == event_id
    assert manifest["site"] == "test"
    assert manifest["blurred"] is False
    assert datetime.fromisoformat(manifest["created_at"]) <= datetime.now(UTC)
    for entry in manifest["files"]:
        data = (folder / entry["name"]).read_bytes()
        assert (entry["size"], entry["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
    key = keys.load(keys.key_path(store.paths))
    assert key is not None
    assert manifest["public_key"] == key.public.text
    assert manifest["public_key_fingerprint"] == key.public.fingerprint
    assert key.public.verify(base64.b64decode((folder / "manifest.sig").read_bytes()), body)
    assert done.manifest_sha256 == hashlib.sha256(body).hexdigest()


def test_the_export_is_audited_with_the_manifest_hash(stocked: tuple[Store, str], tmp_path: Path) -> None:
    store, event_id = stocked
    done = _export(store, event_id, tmp_path / "pkg")
    with store.engine.connect() as conn:
        (row,) = audit.entries(conn, actor=ADMIN, action="evidence.export")
        (made,) = audit.entries(conn, actor=ADMIN, action="evidence.key_created")
        assert audit_repo.verify(conn).ok
    assert row.detail == {
        "event_id": event_id,
        "folder": str(tmp_path / "pkg"),
        "blurred": False,
        "manifest_sha256": done.manifest_sha256,
        "key_fingerprint": done.manifest.public_key_fingerprint,
        "site": "test",  # whose event: an admin limited to sites reads the rows of its own
    }
    assert made.detail["fingerprint"] == done.manifest.public_key_fingerprint


def test_the_package_is_owner_only_whatever_the_store_shares(stocked: tuple[Store, str], tmp_path: Path) -> None:
    store, event_id = stocked
    perms.share_with_group(True)  # as store.share_with_group: true does at start-up
    try:
        _export(store, event_id, tmp_path / "new" / "pkg")
    finally:
        perms.share_with_group(False)
    folder = tmp_path / "new" / "pkg"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o600}


def test_an_existing_empty_folder_is_used_and_made_owner_only(stocked: tuple[Store, str], tmp_path: Path) -> None:
    store, event_id = stocked
    (tmp_path / "empty").mkdir(mode=0o755)
    _export(store, event_id, tmp_path / "empty")
    assert stat.S_IMODE((tmp_path / "empty").stat().st_mode) == 0o700
    assert evidence.verify(folder=tmp_path / "empty").files == 4


@pytest.mark.parametrize("existing", ["a file in it", "a file there"])
def test_a_non_empty_folder_or_a_file_is_refused_untouched(
    stocked: tuple[Store, str], tmp_path: Path, existing: str
) -> None:
    store, event_id = stocked
    target = tmp_path / "taken"
    if existing == "a file in it":
        target.mkdir()
        (target / "notes.txt").write_text("mine")
    else:
        target.write_text("mine")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(EvidenceError, match="give a new"):
        _export(store, event_id, target)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    with store.engine.connect() as conn:
        assert audit.entries(conn, actor=ADMIN, action="clip.export_unblurred") == []


def test_a_failed_export_leaves_no_folder_behind(stocked: tuple[Store, str], tmp_path: Path) -> None:
    store, _ = stocked
    with pytest.raises(EventNotFound):
        _export(store, "no-such-event", tmp_path / "pkg")
    assert not (tmp_path / "pkg").exists()


def test_evidence_is_for_admins(stocked: tuple[Store, str], tmp_path: Path) -> None:
    store, event_id = stocked
    with pytest.raises(Forbidden, match="export evidence"):
        _export(store, event_id, tmp_path / "pkg", actor=OPERATOR)
    assert not (tmp_path / "pkg").exists()


@pytest.fixture
def package(stocked: tuple[Store, str], tmp_path: Path) -> Path:
    store, event_id = stocked
    _export(store, event_id, tmp_path / "pkg")
    return tmp_path / "pkg"


def _flip_clip_byte(folder: Path) -> None:
    data = bytearray((folder / "clip.mp4").read_bytes())
    data[len(data) // 2] ^= 0x01
    (folder / "clip.mp4").write_bytes(bytes(data))


def _edit_event(folder: Path) -> None:
    path = folder / "event.json"
    path.write_text(path.read_text().replace('"shadow"', '"person"'))  # same length: only the hash tells


def _forge_manifest(folder: Path) -> None:
    """The clip changed and the manifest edited to match it: the signature no longer holds."""
    _flip_clip_byte(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"][0]["sha256"] = hashlib.sha256((folder / "clip.mp4").read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def _replace_signature(folder: Path) -> None:
    signature = Ed25519PrivateKey.generate().sign((folder / "manifest.json").read_bytes())
    (folder / "manifest.sig").write_bytes(base64.b64encode(signature) + b"\n")


def _garble_signature(folder: Path) -> None:
    (folder / "manifest.sig").write_text("not a signature\n")


def _link_clip(folder: Path) -> None:
    (folder / "clip.mp4").rename(folder.parent / "elsewhere.mp4")
    (folder / "clip.mp4").symlink_to(folder.parent / "elsewhere.mp4")  # the same bytes, but from outside


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (_flip_clip_byte, "clip.mp4 was changed: its SHA-256 is not the one in the signed manifest"),
        (_edit_event, "event.json was changed: its SHA-256"),
        (
            lambda f: (f / "tracks.json").write_text("{}\n"),
            "tracks.json was changed: 3 bytes, the signed manifest says",
        ),
        (_forge_manifest, "the signature does not match manifest.json: manifest.json or manifest.sig was altered"),
        (_replace_signature, "the signature does not match manifest.json"),
        (_garble_signature, "manifest.json or manifest.sig was altered"),
        (lambda f: (f / "notes.txt").write_text("x"), "notes.txt is in the package folder but not in its manifest"),
        (lambda f: (f / "audit.json").unlink(), "audit.json is missing from the package"),
        (lambda f: (f / "manifest.sig").unlink(), "manifest.sig is missing"),
        (lambda f: (f / "manifest.json").unlink(), "manifest.json is missing"),
        (_link_clip, "clip.mp4 is no longer a plain file (a link or folder took its place)"),
    ],
    ids=[
        "clip",
        "event",
        "tracks",
        "manifest",
        "signature",
        "garbled",
        "extra",
        "missing",
        "nosig",
        "nomanifest",
        "link",
    ],
)
def test_each_change_is_caught_with_what_changed(package: Path, tamper: Callable[[Path], object], message: str) -> None:
    assert evidence.verify(folder=package).files == 4
    tamper(package)
    with pytest.raises(EvidenceBroken, match=re.escape(message)) as caught:
        evidence.verify(folder=package)
    assert caught.value.exit_code == 1
    assert "\n" not in str(caught.value)


def test_a_package_signed_by_another_key_is_told_apart(package: Path, stocked: tuple[Store, str]) -> None:
    store, _ = stocked
    box = keys.load(keys.key_path(store.paths))
    assert box is not None
    assert evidence.verify(folder=package, box=box.public).describe().endswith("(this box's key)")
    other = Ed25519PrivateKey.generate()
    raw = other.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    manifest = json.loads((package / "manifest.json").read_text())
    manifest["public_key"] = base64.b64encode(raw).decode()
    manifest["public_key_fingerprint"] = keys.fingerprint(raw)
    body = (json.dumps(manifest, indent=2) + "\n").encode()
    (package / "manifest.json").write_bytes(body)
    (package / "manifest.sig").write_bytes(base64.b64encode(other.sign(body)))
    assert evidence.verify(folder=package, box=box.public).describe().endswith("(not this box's key)")
    with pytest.raises(EvidenceBroken, match=f"signed by key {keys.fingerprint(raw)}, not by the key given"):
        evidence.verify(folder=package, expected=box.public.fingerprint)


def test_a_signed_manifest_naming_a_file_outside_the_folder_is_refused(package: Path) -> None:
    other = Ed25519PrivateKey.generate()
    raw = other.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    manifest = json.loads((package / "manifest.json").read_text())
    manifest["files"][0]["name"] = "../site.db"
    manifest["public_key"], manifest["public_key_fingerprint"] = base64.b64encode(raw).decode(), keys.fingerprint(raw)
    body = json.dumps(manifest).encode()
    (package / "manifest.json").write_bytes(body)
    (package / "manifest.sig").write_bytes(base64.b64encode(other.sign(body)))
    with pytest.raises(EvidenceBroken, match=r"is not a camsight evidence manifest: files\.0\.name"):
        evidence.verify(folder=package)


def test_verify_refuses_what_is_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(EvidenceError, match="is not a folder; give the folder of an evidence package") as caught:
        evidence.verify(folder=tmp_path / "nothing")
    assert caught.value.exit_code == 2
