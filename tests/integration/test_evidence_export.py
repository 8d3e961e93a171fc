"""``camsight export``, ``export verify`` and ``keys`` as processes, on an event found in a real clip.

The clip is analysed once with a zone rule; one package is exported from it (heads blurred), and each
check tampers with a copy of that package.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from camsight.store import audit, connect

DATA = Path(__file__).resolve().parents[1] / "data"
CLIP = DATA / "intel_worker-zone-detection_preview.mp4"  # a worker walks into the left bay at about 1.5 s
CONFIG = """
cameras:
  - id: floor
    zones:
      - {name: left-bay, polygon: [[0.0, 0.7], [0.35, 0.7], [0.35, 1.0], [0.0, 1.0]]}
    rules:
      - {kind: zone_intrusion, zone: left-bay}
"""
FILES = ["audit.json", "clip.mp4", "event.json", "manifest.json", "manifest.sig", "tracks.json"]


def camsight(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "camsight", *args], capture_output=True, text=True, cwd=cwd, timeout=300, check=False
    )


def _keys(folder: Path, db: str) -> tuple[str, str, str]:
    """``camsight keys``: (public key, fingerprint, stderr)."""
    done = camsight("keys", "--db", db, cwd=folder)
    assert done.returncode == 0, done.stderr
    key_line, fingerprint_line = done.stdout.splitlines()
    assert key_line.startswith("public key (Ed25519): ")
    assert fingerprint_line.startswith("fingerprint (SHA-256): ")
    return key_line.split(": ", 1)[1], fingerprint_line.split(": ", 1)[1], done.stderr


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A folder with ``floor.mp4`` analysed into ``x.db``, and the id of its one event."""
    folder = tmp_path_factory.mktemp("evidence")
    (folder / "floor.mp4").write_bytes(CLIP.read_bytes())
    (folder / "cfg.yaml").write_text(CONFIG)
    done = camsight("analyze", "floor.mp4", "--config", "cfg.yaml", "--db", "x.db", cwd=folder)
    assert done.returncode == 0, done.stderr
    listed = camsight("events", "--db", "x.db", "--json", cwd=folder)
    (event,) = [json.loads(line) for line in listed.stdout.splitlines()]
    return folder, str(event["id"])


@pytest.fixture(scope="module")
def package(analysed: tuple[Path, str]) -> Path:
    """The event's package, exported once with heads blurred (the box's key is made by this export)."""
    folder, event_id = analysed
    done = camsight("export", event_id[:8], "-o", "pkg", "--db", "x.db", cwd=folder)
    assert done.returncode == 0, done.stderr
    assert "made this box's signing key" in done.stderr
    assert f"wrote evidence package {folder / 'pkg'}: clip.mp4 (" in done.stderr
    assert "heads blurred" in done.stderr
    return folder / "pkg"


@pytest.fixture
def copy(package: Path, tmp_path: Path) -> Path:
    """A copy of the package to tamper with."""
    return Path(shutil.copytree(package, tmp_path / "copy"))


def _broken(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: ")
    assert fragment in line, line


def test_an_intact_package_verifies_with_the_box_key_named(package: Path, analysed: tuple[Path, str]) -> None:
    folder, _ = analysed
    key, fingerprint, _ = _keys(folder, "x.db")
    assert json.loads((package / "manifest.json").read_text())["public_key"] == key
    intact = f"evidence intact: 4 files, signed by {fingerprint}"
    checked = camsight("export", "verify", str(package), "--db", "x.db", cwd=folder)
    assert (checked.returncode, checked.stdout) == (0, intact + " (this box's key)\n"), checked.stderr
    given = camsight("export", "verify", str(package), "--key", key, cwd=folder)
    assert given.stdout == intact + " (the key given by --key)\n"
    by_fingerprint = camsight("export", "verify", str(package), "--key", fingerprint, cwd=folder)
    assert by_fingerprint.returncode == 0, by_fingerprint.stderr


def test_it_verifies_with_no_store_at_all(package: Path, tmp_path: Path) -> None:
    checked = camsight("export", "verify", str(package), cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("evidence intact: 4 files, signed by ")
    assert "box" not in checked.stdout
    assert list(tmp_path.iterdir()) == []  # no store, no key made


def test_another_box_key_given_by_key_fails(package: Path, analysed: tuple[Path, str], tmp_path: Path) -> None:
    other, _, _ = _keys(tmp_path, "other.db")
    (tmp_path / "other.pub").write_text(other + "\n")
    _, fingerprint, _ = _keys(analysed[0], "x.db")
    for given in (other, str(tmp_path / "other.pub")):
        result = camsight("export", "verify", str(package), "--key", given, cwd=tmp_path)
        _broken(result, f"the package is signed by key {fingerprint}, not by the key given")


def _flip_clip_byte(folder: Path) -> None:
    data = bytearray((folder / "clip.mp4").read_bytes())
    data[len(data) // 2] ^= 0x01
    (folder / "clip.mp4").write_bytes(bytes(data))


def _edit_event(folder: Path) -> None:
    stored = json.loads((folder / "event.json").read_text())
    stored["event"]["zone"] = "right-bay"
    (folder / "event.json").write_text(json.dumps(stored, indent=2) + "\n")


def _edit_manifest(folder: Path) -> None:
    """The clip changed, and the manifest edited to list its new size and hash."""
    _flip_clip_byte(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"][0]["sha256"] = hashlib.sha256((folder / "clip.mp4").read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def _replace_signature(folder: Path) -> None:
    """A signature of the same manifest by another key, the manifest left as it was."""
    signature = Ed25519PrivateKey.generate().sign((folder / "manifest.json").read_bytes())
    (folder / "manifest.sig").write_bytes(base64.b64encode(signature) + b"\n")


@pytest.mark.parametrize(
    ("tamper", "fragment"),
    [
        (_flip_clip_byte, "clip.mp4 was changed: its SHA-256 is not the one in the signed manifest"),
        (_edit_event, "event.json was changed"),
        (_edit_manifest, "the signature does not match manifest.json: manifest.json or manifest.sig was altered"),
        (_replace_signature, "the signature does not match manifest.json: manifest.json or manifest.sig was altered"),
        (lambda f: (f / "notes.txt").write_text("added"), "notes.txt is in the package folder but not in its manifest"),
        (lambda f: (f / "tracks.json").unlink(), "tracks.json is missing from the package"),
    ],
    ids=["clip-byte", "event-json", "manifest-edited", "signature-replaced", "extra-file", "missing-file"],
)
def test_each_change_is_caught_naming_it(copy: Path, tamper: Callable[[Path], object], fragment: str) -> None:
    tamper(copy)
    _broken(camsight("export", "verify", str(copy), cwd=copy.parent), fragment)


def test_a_package_re_signed_by_another_key_is_not_this_boxs(
    copy: Path, analysed: tuple[Path, str], tmp_path: Path
) -> None:
    folder, _ = analysed
    _flip_clip_byte(copy)
    other = Ed25519PrivateKey.generate()
    raw = other.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["files"][0]["sha256"] = hashlib.sha256((copy / "clip.mp4").read_bytes()).hexdigest()
    manifest["public_key"] = base64.b64encode(raw).decode()
    fingerprint = hashlib.sha256(raw).hexdigest()
    manifest["public_key_fingerprint"] = ":".join(fingerprint[i : i + 4] for i in range(0, 64, 4))
    body = (json.dumps(manifest, indent=2) + "\n").encode()
    (copy / "manifest.json").write_bytes(body)
    (copy / "manifest.sig").write_bytes(base64.b64encode(other.sign(body)))
    checked = camsight("export", "verify", str(copy), "--db", str(folder / "x.db"), cwd=tmp_path)
    assert checked.stdout.endswith("(not this box's key)\n"), checked.stdout + checked.stderr
    box_key, _, _ = _keys(folder, "x.db")
    _broken(camsight("export", "verify", str(copy), "--key", box_key, cwd=tmp_path), "not by the key given")


def test_the_audit_log_holds_the_export_with_the_manifest_hash(package: Path, analysed: tuple[Path, str]) -> None:
    folder, event_id = analysed
    listed = camsight("audit", "--action", "evidence.export", "--json", "--db", "x.db", cwd=folder)
    (row,) = [json.loads(line) for line in listed.stdout.splitlines()]
    manifest = (package / "manifest.json").read_bytes()
    assert row["detail"] == {
        "event_id": event_id,
        "folder": str(package),
        "blurred": True,
        "manifest_sha256": hashlib.sha256(manifest).hexdigest(),
        "key_fingerprint": json.loads(manifest)["public_key_fingerprint"],
        "site": "vm",
    }
    rows = json.loads((package / "audit.json").read_text())["rows"]
    assert [(r["action"], r["detail"]["output"]) for r in rows] == [("clip.export", str(package / "clip.mp4"))]
    engine = connect(str(folder / "x.db"), read_only=True)
    with engine.connect() as conn:
        stored = {e.id: e.hash for e in audit.list_audit(conn)}
        assert audit.verify(conn).ok
    engine.dispose()
    assert all(stored[r["id"]] == r["hash"] for r in rows)


def test_the_folder_and_its_files_are_owner_only(package: Path) -> None:
    assert sorted(p.name for p in package.iterdir()) == FILES
    assert stat.S_IMODE(package.stat().st_mode) == 0o700
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in package.iterdir()} == dict.fromkeys(FILES, 0o600)


def test_the_key_is_made_once_reused_and_owner_only(tmp_path: Path) -> None:
    key_file = tmp_path / "site-signing-key.pem"
    first = _keys(tmp_path, "site.db")
    assert "made this box's signing key" in first[2]
    pem = key_file.read_bytes()
    second = _keys(tmp_path, "site.db")
    assert second[:2] == first[:2]
    assert second[2] == ""
    assert key_file.read_bytes() == pem
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    secret = pem.decode().splitlines()[1]
    assert secret not in first[2] + "".join(first[:2])
    made = camsight("audit", "--action", "evidence.key_created", "--json", "--db", "site.db", cwd=tmp_path)
    (row,) = [json.loads(line) for line in made.stdout.splitlines()]
    assert row["detail"] == {"fingerprint": first[1], "path": str(key_file)}


def test_a_non_empty_folder_is_refused_untouched(analysed: tuple[Path, str], tmp_path: Path) -> None:
    folder, event_id = analysed
    target = tmp_path / "taken"
    target.mkdir(mode=0o755)
    (target / "notes.txt").write_text("mine")
    before = camsight("audit", "--json", "--db", "x.db", cwd=folder).stdout
    result = camsight("export", event_id, "-o", str(target), "--db", "x.db", cwd=folder)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == f"error: {target} is not empty and was left as it is; give a new or empty folder"
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    assert (target / "notes.txt").read_text() == "mine"
    assert stat.S_IMODE(target.stat().st_mode) == 0o755
    assert camsight("audit", "--json", "--db", "x.db", cwd=folder).stdout == before  # nothing cut, nothing audited
