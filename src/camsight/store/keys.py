"""The box's signing key: one Ed25519 key per store, made at first need, kept beside it, never printed.

Evidence packages (:mod:`camsight.services.evidence`) are signed with it, so whoever receives one can
tell that this box made it and that nothing in it changed since.

**Where it lives** (one rule, beside :mod:`camsight.store.paths`): a SQLite store ``DIR/NAME.db`` keeps
its key in ``DIR/NAME-signing-key.pem``; a store without a file of its own (PostgreSQL, ``:memory:``)
keeps it beside its media folder, as its status file: ``MEDIA/../signing-key.pem`` (by default
``camsight-data/signing-key.pem``). The file is PKCS#8 PEM, unencrypted, and always owner-only
(``0600``, whatever ``store.share_with_group`` says); a key file that others may read is refused.

**Made once.** :func:`load_or_create` writes a new key to a temporary file opened with ``O_EXCL`` and
links it into place, which fails when the key exists: two processes that both find no key make one
key between them, and no reader ever sees half a file.

Example:
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "site-signing-key.pem"
    >>> made, again = load_or_create(path), load_or_create(path)
    >>> made.created, again.created, made.public == again.public
    (True, False, True)
    >>> made.public.verify(made.sign(b"evidence"), b"evidence")
    True
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from camsight.errors import CamsightError
from camsight.store import perms
from camsight.store.paths import StorePaths, sqlite_file

KEY_MODE = 0o600
"""Permissions of the key file, from the moment it is created."""
KEY_SUFFIX = "-signing-key.pem"
_MAX_KEY_TEXT = 64 * 1024
_HEX64 = re.compile(r"[0-9a-f]{64}")


class SigningKeyError(CamsightError):
    """The signing key or a public key given cannot be used."""


def fingerprint(raw: bytes) -> str:
    """The SHA-256 of a raw public key, hex, in groups of four (``9f1c:03ab:...``)."""
    return _grouped(hashlib.sha256(raw).hexdigest())


def _grouped(digest: str) -> str:
    return ":".join(digest[i : i + 4] for i in range(0, len(digest), 4))


@dataclass(frozen=True, slots=True)
class PublicKey:
    """An Ed25519 public key, as its 32 raw bytes."""

    raw: bytes

    @property
    def text(self) -> str:
        """The raw key in base64 (44 characters), as manifests and ``camsight keys`` show it."""
        return base64.b64encode(self.raw).decode("ascii")

    @property
    def fingerprint(self) -> str:
        """See :func:`fingerprint`."""
        return fingerprint(self.raw)

    def verify(self, signature: bytes, data: bytes) -> bool:
        """Whether ``signature`` is this key's Ed25519 signature of ``data``."""
        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, data)
        except InvalidSignature:
            return False
        return True

    @classmethod
    def from_text(cls, text: str) -> PublicKey:
        """A key from its base64 form.

        Raises:
            SigningKeyError: The text is not the base64 of 32 bytes.
        """
        try:
            raw = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 32:
            raise SigningKeyError(f"{text[:60]!r} is not an Ed25519 public key (44 characters of base64)")
        return cls(raw)


@dataclass(frozen=True)
class SigningKey:
    """The box's private key (never shown), where it is kept, and whether this call made it."""

    path: Path
    public: PublicKey
    created: bool
    _private: Ed25519PrivateKey = field(repr=False, compare=False)

    def sign(self, data: bytes) -> bytes:
        """The Ed25519 signature (64 bytes) of ``data``."""
        return self._private.sign(data)


def key_path(paths: StorePaths) -> Path:
    """Where a store's signing key is kept (see the module docstring for the rule)."""
    file = sqlite_file(paths.database)
    if file is not None:
        return file.with_name(file.stem + KEY_SUFFIX)
    return paths.media.parent / "signing-key.pem"


def load(path: Path) -> SigningKey | None:
    """The key kept at ``path``, or None when there is none.

    Raises:
        SigningKeyError: The file cannot be read, others may read it, or it is not an Ed25519 key.
    """
    try:
        info = path.stat()
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SigningKeyError(
            f"cannot read the signing key {path}: {exc.strerror or exc}; run as the store's owner"
        ) from None
    if stat.S_IMODE(info.st_mode) & 0o077:
        raise SigningKeyError(
            f"the signing key {path} may be read by others (mode {stat.S_IMODE(info.st_mode):04o}); "
            f"make it owner-only: chmod 600 {path}"
        )
    public, private = _parse_private(path, data)
    return SigningKey(path, public, False, private)


def _parse_private(path: Path, data: bytes) -> tuple[PublicKey, Ed25519PrivateKey]:
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        private = None
    if not isinstance(private, Ed25519PrivateKey):
        raise SigningKeyError(
            f"{path} is not an Ed25519 private key (PKCS#8 PEM): restore it from a backup, or move it away "
            "and a new key is made (packages signed before keep verifying with the key in their manifest)"
        )
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return PublicKey(raw), private


def load_or_create(path: Path) -> SigningKey:
    """The key kept at ``path``, made there first if there is none (see the module docstring).

    Raises:
        SigningKeyError: The existing key cannot be used, or a new one cannot be written there.
    """
    found = load(path)
    if found is not None:
        return found
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        perms.make_dir(path.parent)
        made = _write_once(path, pem)
    except OSError as exc:
        raise SigningKeyError(f"cannot create the signing key {path}: {exc.strerror or exc}") from None
    if not made:  # another process made it first: use that one
        found = load(path)
        if found is None:
            raise SigningKeyError(f"the signing key {path} vanished while it was made; try again")
        return found
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return SigningKey(path, PublicKey(raw), True, private)


def _write_once(path: Path, data: bytes) -> bool:
    """Put ``data`` at ``path`` unless a file is there; False when one was (written by someone else)."""
    part = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    try:
        _write_new(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_MODE), data)
        try:
            os.link(part, path)  # atomic, and fails when the key exists
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links: O_EXCL on the key itself
            return _write_excl(path, data)
    finally:
        part.unlink(missing_ok=True)
    return True


def _write_excl(path: Path, data: bytes) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_MODE)
    except FileExistsError:
        return False
    _write_new(fd, data)
    return True


def _write_new(fd: int, data: bytes) -> None:
    """Write a file just opened, made exactly 0600 (whatever the umask) before a byte is written, and flush it."""
    with os.fdopen(fd, "wb") as file:
        os.fchmod(fd, KEY_MODE)
        file.write(data)
        file.flush()
        os.fsync(fd)


def expected_fingerprint(value: str) -> str:
    """The fingerprint a package must be signed with, from ``--key``: a public key, its fingerprint, or a file.

    Accepted: the base64 key (as ``camsight keys`` and manifests show it), its fingerprint (64 hex
    digits, grouped or not), or a file holding either (the saved output of ``camsight keys`` too) or a
    PEM public key.

    Raises:
        SigningKeyError: Nothing usable was given, or a private key was.
    """
    text = _read_key_text(Path(value)) if _is_file(value) else value
    if "PRIVATE KEY" in text:
        raise SigningKeyError("--key needs the box's public key or its fingerprint, never its private key")
    if "BEGIN PUBLIC KEY" in text:
        return _pem_public(text).fingerprint
    for token in text.replace(",", " ").split():
        compact = token.replace(":", "").lower()
        if _HEX64.fullmatch(compact):
            return _grouped(compact)
        try:
            return PublicKey.from_text(token).fingerprint
        except SigningKeyError:
            continue
    raise SigningKeyError(
        f"--key {value[:60]!r} is neither a public key (base64, as `camsight keys` prints it), "
        "its fingerprint, nor a file holding one"
    )


def _is_file(value: str) -> bool:
    try:
        return len(value) < 4096 and Path(value).is_file()
    except OSError:
        return False


def _read_key_text(path: Path) -> str:
    try:
        with path.open("rb") as file:
            data = file.read(_MAX_KEY_TEXT)
    except OSError as exc:
        raise SigningKeyError(f"cannot read --key file {path}: {exc.strerror or exc}") from None
    return data.decode("utf-8", errors="replace")


def _pem_public(text: str) -> PublicKey:
    try:
        key = serialization.load_pem_public_key(text.encode())
    except (ValueError, UnsupportedAlgorithm):
        key = None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError("--key holds a PEM public key that is not an Ed25519 key")
    return PublicKey(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
