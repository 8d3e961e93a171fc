"""Evidence packages: an event's clip and records in a new folder, signed so that anyone can check them.

:func:`export` writes a new, owner-only folder (``0700``, files ``0600``):

- ``clip.mp4``: the event's clip, cut by :func:`camsight.services.clips.export` (masked, heads blurred
  unless an admin asks otherwise, which that use case audits as ``clip.export_unblurred``);
- ``event.json``: the event as stored, its source id and wall clock, and its verdict if any;
- ``tracks.json``: the track records of the event's tracks (its source, tracker ids ``event.track_ids``);
- ``audit.json``: the audit rows whose ``detail.event_id`` is the event's, with their chain hashes, and
  whether the whole audit chain verified when the package was made;
- ``manifest.json``: format, camsight version, site, event, when and by whom, each file's name, size and
  SHA-256, and the box's public key (raw Ed25519, base64) with its fingerprint;
- ``manifest.sig``: the Ed25519 signature (base64) of manifest.json's exact bytes, by the box's key
  (:mod:`camsight.store.keys`).

The clip is cut first (its ``clip.export`` row is therefore in ``audit.json``); the records are then read,
written, signed and the export audited as ``evidence.export`` (with the manifest's SHA-256) in one
transaction. A failure removes what this export wrote. :func:`verify` checks a package with no store.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from camsight import __version__
from camsight.config.models import Config
from camsight.errors import CamsightError
from camsight.events.models import AnyEvent
from camsight.perception.detect import Detector
from camsight.services import audit, clips
from camsight.services.actor import Actor
from camsight.services.events import find_event
from camsight.store import audit as audit_repo
from camsight.store import events_repo, keys, tracks_repo
from camsight.store.errors import writing
from camsight.store.events_repo import EventRow
from camsight.store.handle import Store
from camsight.store.keys import PublicKey, SigningKey, expected_fingerprint
from camsight.store.paths import StorePaths

__all__ = [
    "EvidenceBroken",
    "EvidenceError",
    "EvidenceResult",
    "Manifest",
    "Verified",
    "box_key",
    "expected_fingerprint",
    "export",
    "signing_key",
    "verify",
]

T = TypeVar("T")
FORMAT = "camsight-evidence"
FORMAT_VERSION = 1
CLIP, EVENT, TRACKS, AUDIT = "clip.mp4", "event.json", "tracks.json", "audit.json"
MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"
FILE_MODE, DIR_MODE = 0o600, 0o700
_BATCH = 1000
_TICK = timedelta(microseconds=1)


class EvidenceError(CamsightError):
    """A package cannot be written (or read) where asked."""


class EvidenceBroken(CamsightError):
    """A package failed verification: a file changed, is missing or extra, or the manifest or signature was altered."""

    exit_code = 1


class FileEntry(BaseModel):
    """One file of a package, as the manifest lists it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$", description="File name in the package folder.")
    size: int = Field(ge=0, description="Size in bytes.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the file, hex.")


class Manifest(BaseModel):
    """What a package holds (``manifest.json``); signed, byte for byte, in ``manifest.sig``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["camsight-evidence"] = Field(description="What this file is.")
    format_version: Literal[1] = Field(description="Version of this layout.")
    camsight_version: str = Field(description="The camsight that made the package.")
    site: str = Field(description="The site of the store it came from.")
    event_id: str = Field(description="The event the package is about.")
    created_at: datetime = Field(description="When the package was made (UTC).")
    exported_by: str = Field(description="Who made it, as the audit log names them.")
    blurred: bool = Field(description="Whether heads are blurred in clip.mp4.")
    files: tuple[FileEntry, ...] = Field(description="Every file of the package but the manifest and its signature.")
    public_key: str = Field(description="The box's Ed25519 public key, raw, base64.")
    public_key_fingerprint: str = Field(description="SHA-256 of the raw public key, hex, in groups of four.")


@dataclass(frozen=True, slots=True)
class EvidenceResult:
    """What :func:`export` wrote."""

    folder: Path
    clip: clips.ClipResult
    manifest: Manifest
    manifest_sha256: str
    tracks: int
    audit_rows: int
    chain: audit_repo.ChainCheck
    key_path: Path
    key_created: bool


def signing_key(store: Store, *, actor: Actor) -> SigningKey:
    """The box's signing key, made (and audited as ``evidence.key_created``) at first need.

    Raises:
        Forbidden: There is no key yet and the actor is not an admin.
        SigningKeyError: The key file cannot be used, or a new one cannot be written.
        EvidenceError: There is no key yet and the store is read-only for this user.
    """
    path = keys.key_path(store.paths)
    found = keys.load(path)
    if found is not None:
        return found
    actor.require("admin", "make the box's signing key")
    if store.read_only:
        raise EvidenceError(f"no signing key at {path} and the store is read-only for this user; run as its owner")
    key = keys.load_or_create(path)
    if key.created:
        with writing(store.engine) as conn:
            detail = {"fingerprint": key.public.fingerprint, "path": str(path)}
            audit.record(conn, actor=actor, action="evidence.key_created", detail=detail)
    return key


def box_key(*, config: Config, db: str | None) -> PublicKey | None:
    """This box's public key for the store of ``config``/``db`` when it has one; None otherwise (never made here)."""
    paths = StorePaths.resolve(config, db or config.store.database)
    try:
        found = keys.load(keys.key_path(paths))
    except CamsightError:
        return None
    return None if found is None else found.public


def export(
    store: Store,
    *,
    actor: Actor,
    config: Config,
    ref: str,
    folder: Path,
    pre_s: float,
    post_s: float,
    blur: bool = True,
    detector: Callable[[], Detector] | None = None,
) -> EvidenceResult:
    """Write the evidence package of an event into the new folder ``folder`` and audit it.

    Args:
        store: The store.
        actor: Who exports (admins: the package holds audit rows).
        config: Settings (the detector's, for blurring).
        ref: The event's id or a unique start of it.
        folder: A folder that does not exist yet, or an empty one.
        pre_s: Seconds of video before the event.
        post_s: Seconds after it.
        blur: Blur heads in the clip; ``False`` copies the video as recorded.
        detector: Builds the detector for blurring (see :func:`camsight.services.clips.export`).

    Raises:
        Forbidden: The actor is not an admin.
        EventNotFound: No visible event matches ``ref``.
        EvidenceError: ``folder`` exists and is not an empty folder, or cannot be made.
        CamsightError: The clip cannot be cut, or the store cannot be written.
    """
    actor.require("admin", "export evidence (a package holds the event's audit rows)")
    folder = folder.absolute()
    made = _new_folder(folder)
    written: list[Path] = []
    try:
        key = signing_key(store, actor=actor)
        clip = clips.export(
            store,
            actor=actor,
            config=config,
            ref=ref,
            output=folder / CLIP,
            pre_s=pre_s,
            post_s=post_s,
            blur=blur,
            detector=detector,
        )
        written.append(clip.path)
        with writing(store.engine) as conn:
            result = _package(conn, actor=actor, key=key, folder=folder, clip=clip, site=store.site, written=written)
            detail = {
                "event_id": clip.event.id,
                "folder": str(folder),
                "blurred": clip.blurred,
                "manifest_sha256": result.manifest_sha256,
                "key_fingerprint": key.public.fingerprint,
            }
            audit.record(conn, actor=actor, action="evidence.export", detail=detail, site=clip.event.site)
    except BaseException:
        _undo(written, folder if made else None)
        raise
    _sync(folder)
    return result


def verify(*, folder: Path, expected: str | None = None, box: PublicKey | None = None) -> Verified:
    """Check a package: its signature, the key that made it, every file, nothing missing or extra.

    Args:
        folder: The package's folder.
        expected: The fingerprint it must be signed with (see :func:`camsight.store.keys.expected_fingerprint`).
        box: This box's public key, to say whether the package is this box's.

    Raises:
        EvidenceBroken: The first problem found (exit code 1).
        EvidenceError: ``folder`` is not a folder or cannot be read.
    """
    if not folder.is_dir():
        raise EvidenceError(f"{folder} is not a folder; give the folder of an evidence package")
    try:
        manifest, key = _signed_manifest(folder, expected)
        _check_files(folder, manifest)
    except OSError as exc:
        raise EvidenceError(f"cannot read {exc.filename or folder}: {exc.strerror or exc}") from None
    this_box = None if box is None else box == key
    return Verified(len(manifest.files), key.fingerprint, key_given=expected is not None, this_box=this_box)


@dataclass(frozen=True, slots=True)
class Verified:
    """A package that passed :func:`verify`."""

    files: int
    fingerprint: str
    key_given: bool
    this_box: bool | None

    def describe(self) -> str:
        """One line: ``evidence intact: N files, signed by FINGERPRINT`` and whose key that is, when known."""
        line = f"evidence intact: {self.files} files, signed by {self.fingerprint}"
        if self.key_given:
            return line + " (the key given by --key)"
        if self.this_box is None:
            return line
        return line + (" (this box's key)" if self.this_box else " (not this box's key)")


def _signed_manifest(folder: Path, expected: str | None) -> tuple[Manifest, PublicKey]:
    """The manifest, once its signature holds with the key in it (and that key is ``expected``, if given)."""
    body = _read_small(folder / MANIFEST, "the package is incomplete, or this is not an evidence package")
    text = _read_small(folder / SIGNATURE, "the package is not signed, or its signature was removed")
    try:
        signature = base64.b64decode(text.strip(), validate=True)
        data = json.loads(body)
        key = PublicKey.from_text(str(data["public_key"]))
    except (binascii.Error, ValueError, TypeError, KeyError, CamsightError):
        raise EvidenceBroken(
            f"{MANIFEST} or {SIGNATURE} was altered: they no longer read as a signed manifest"
        ) from None
    if len(signature) != 64 or not key.verify(signature, body):
        raise EvidenceBroken(f"the signature does not match {MANIFEST}: {MANIFEST} or {SIGNATURE} was altered")
    if expected is not None and key.fingerprint != expected:
        raise EvidenceBroken(f"the package is signed by key {key.fingerprint}, not by the key given")
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        raise EvidenceBroken(f"{MANIFEST} is signed but is not a camsight evidence manifest: {_first(exc)}") from None
    if manifest.public_key_fingerprint != key.fingerprint:
        raise EvidenceBroken(f"{MANIFEST} names a fingerprint that is not its key's; it was made wrongly")
    return manifest, key


def _first(exc: ValidationError) -> str:
    error = exc.errors()[0]
    return f"{'.'.join(str(p) for p in error['loc']) or 'the file'}: {error['msg']}"


def _read_small(path: Path, why_missing: str, limit: int = 1 << 20) -> bytes:
    """A manifest or signature file (at most ``limit`` bytes are read)."""
    if not path.is_file() or path.is_symlink():
        raise EvidenceBroken(f"{path.name} is missing: {why_missing}")
    with path.open("rb") as file:
        return file.read(limit)


def _check_files(folder: Path, manifest: Manifest) -> None:
    """Every listed file as signed, no file twice, none in the folder beyond the list."""
    names = [entry.name for entry in manifest.files]
    if len(set(names)) != len(names) or {MANIFEST, SIGNATURE} & set(names):
        raise EvidenceBroken(f"{MANIFEST} lists a file twice, or lists itself; it was made wrongly")
    for entry in manifest.files:
        path = folder / entry.name
        try:
            info = path.lstat()
        except FileNotFoundError:
            raise EvidenceBroken(f"{entry.name} is missing from the package") from None
        if not stat.S_ISREG(info.st_mode):
            raise EvidenceBroken(f"{entry.name} is no longer a plain file (a link or folder took its place)")
        if info.st_size != entry.size:
            raise EvidenceBroken(
                f"{entry.name} was changed: {info.st_size} bytes, the signed manifest says {entry.size}"
            )
        if _entry(path).sha256 != entry.sha256:
            raise EvidenceBroken(f"{entry.name} was changed: its SHA-256 is not the one in the signed manifest")
    extra = sorted(set(os.listdir(folder)) - set(names) - {MANIFEST, SIGNATURE})
    if extra:
        raise EvidenceBroken(f"{extra[0]} is in the package folder but not in its manifest (an extra file)")


def _new_folder(folder: Path) -> bool:
    """Make ``folder`` owner-only, refusing anything but a new or empty folder; whether it was made."""
    try:
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            raise EvidenceError(f"{folder} is not a folder; give a new folder for the evidence package")
        if folder.exists():
            if any(folder.iterdir()):
                raise EvidenceError(f"{folder} is not empty and was left as it is; give a new or empty folder")
            os.chmod(folder, DIR_MODE)
            return False
        folder.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        folder.mkdir(mode=DIR_MODE)
        os.chmod(folder, DIR_MODE)  # mkdir's mode is masked by the umask
    except FileExistsError:
        raise EvidenceError(f"{folder} appeared meanwhile and was left as it is; give a new folder") from None
    except OSError as exc:
        raise EvidenceError(f"cannot use the folder {folder}: {exc.strerror or exc}") from None
    return True


def _package(
    conn: sa.Connection,
    *,
    actor: Actor,
    key: SigningKey,
    folder: Path,
    clip: clips.ClipResult,
    site: str,
    written: list[Path],
) -> EvidenceResult:
    """Read the event's records, write them, the manifest and its signature into ``folder``."""
    event = find_event(conn, actor=actor, ref=clip.event.id)
    row = _stored_row(conn, event)
    tracks = _tracks(conn, event, row.source_id if row else None)
    rows = _audit_rows(conn, event.id)
    chain = audit_repo.verify(conn)
    for name, content in (
        (EVENT, _event_json(event, row)),
        (TRACKS, _tracks_json(event, row, tracks)),
        (AUDIT, _audit_json(event, rows, chain)),
    ):
        written.append(_write(folder / name, _json_bytes(content)))
    manifest = Manifest(
        format=FORMAT,
        format_version=FORMAT_VERSION,
        camsight_version=__version__,
        site=site,
        event_id=event.id,
        created_at=datetime.now(UTC),
        exported_by=actor.name,
        blurred=clip.blurred,
        files=tuple(_entry(folder / name) for name in (CLIP, EVENT, TRACKS, AUDIT)),
        public_key=key.public.text,
        public_key_fingerprint=key.public.fingerprint,
    )
    body = manifest.model_dump_json(indent=2).encode() + b"\n"
    written.append(_write(folder / MANIFEST, body))
    written.append(_write(folder / SIGNATURE, base64.b64encode(key.sign(body)) + b"\n"))
    digest = hashlib.sha256(body).hexdigest()
    return EvidenceResult(folder, clip, manifest, digest, len(tracks), len(rows), chain, key.path, key.created)


def _paged(fetch: Callable[[int, int], Sequence[T]]) -> Iterator[T]:
    """Every item of a listing read ``_BATCH`` at a time (``fetch(limit, offset)``)."""
    offset = 0
    while True:
        page = fetch(_BATCH, offset)
        yield from page
        if len(page) < _BATCH:
            return
        offset += _BATCH


def _stored_row(conn: sa.Connection, event: AnyEvent) -> EventRow | None:
    """The event's row with its source id, wall clock and verdict."""
    window = {"camera": event.camera, "since": event.started_at, "until": event.started_at + _TICK}
    rows = _paged(lambda n, o: events_repo.list_event_rows(conn, **window, limit=n, offset=o))
    return next((r for r in rows if r.event.id == event.id), None)


def _tracks(conn: sa.Connection, event: AnyEvent, source_id: str | None) -> dict[int, dict[str, Any]]:
    """The stored records of the event's tracks, by tracker id (a track still going has none yet)."""
    wanted, found = set(event.track_ids), {}
    if source_id is None or not wanted:
        return {}
    until = event.started_at + timedelta(seconds=event.duration_s + 1)  # a track of the event started before it ended
    listed = _paged(
        lambda n, o: tracks_repo.list_tracks(
            conn, source_id=source_id, camera=event.camera, until=until, limit=n, offset=o
        )
    )
    for record in listed:
        if record.tracker_id in wanted and record.tracker_id not in found:
            found[record.tracker_id] = record.model_dump(mode="json")
            if len(found) == len(wanted):
                break
    return found


def _audit_rows(conn: sa.Connection, event_id: str) -> list[audit_repo.AuditEntry]:
    """The audit rows about the event, oldest first (the whole log is read: ``detail`` is JSON, not indexed).

    Rows written while the log is paged shift the pages by a row: one may be read twice, none is missed.
    """
    listed = _paged(lambda n, o: audit_repo.list_audit(conn, limit=n, offset=o))
    found = {e.id: e for e in listed if e.detail.get("event_id") == event_id}
    return [found[i] for i in sorted(found)]


def _iso(at: datetime) -> str:
    """A time as the audit chain hashes it (UTC, microseconds, ``Z``)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _event_json(event: AnyEvent, row: EventRow | None) -> dict[str, Any]:
    verdict = None if row is None or row.verdict is None else {"verdict": row.verdict, "note": row.note}
    return {
        "event": event.model_dump(mode="json"),
        "source_id": row.source_id if row else None,
        "wall_clock": row.wall_clock if row else None,
        "verdict": verdict,
    }


def _tracks_json(event: AnyEvent, row: EventRow | None, tracks: dict[int, dict[str, Any]]) -> dict[str, Any]:
    return {
        "event_id": event.id,
        "source_id": row.source_id if row else None,
        "tracks": [tracks[t] for t in sorted(tracks)],
        "tracker_ids_without_record": sorted(set(event.track_ids) - set(tracks)),
    }


def _audit_json(event: AnyEvent, rows: list[audit_repo.AuditEntry], chain: audit_repo.ChainCheck) -> dict[str, Any]:
    return {
        "event_id": event.id,
        "rows": [{**asdict(e), "at": _iso(e.at)} for e in rows],
        "chain": {"ok": chain.ok, "rows_checked": chain.rows, "bad_row": chain.bad_id, "summary": chain.describe()},
    }


def _json_bytes(content: dict[str, Any]) -> bytes:
    return (json.dumps(content, indent=2, ensure_ascii=False, default=str) + "\n").encode()


def _write(path: Path, data: bytes) -> Path:
    """Write a new owner-only file (never over an existing one), flushed to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "wb") as file:
        os.fchmod(fd, FILE_MODE)  # exactly 0600 whatever the umask
        file.write(data)
        file.flush()
        os.fsync(fd)
    return path


def _entry(path: Path) -> FileEntry:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return FileEntry(name=path.name, size=path.stat().st_size, sha256=digest.hexdigest())


def _undo(written: list[Path], made: Path | None) -> None:
    """Remove what a failed export wrote, and the folder if it made it."""
    for path in written:
        path.unlink(missing_ok=True)
    if made is not None:
        with contextlib.suppress(OSError):  # not empty: someone else put files in it meanwhile
            made.rmdir()


def _sync(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
