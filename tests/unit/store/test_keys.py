"""The box's signing key: where it lives, made once (even by processes racing), owner-only, never shown."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from camsight.config import Config
from camsight.store import keys
from camsight.store.keys import PublicKey, SigningKeyError
from camsight.store.paths import StorePaths


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(
    ("database", "expected"),
    [
        ("{tmp}/sites/north.db", "{tmp}/sites/north-signing-key.pem"),
        ("{tmp}/a.b.db", "{tmp}/a.b-signing-key.pem"),
        ("postgresql+psycopg://hub@db/camsight", "{tmp}/hub-data/signing-key.pem"),
    ],
)
def test_the_key_lives_beside_the_store_named_after_it(tmp_path: Path, database: str, expected: str) -> None:
    config = Config.model_validate({"store": {"media": str(tmp_path / "hub-data" / "media")}})
    if "://" not in database:
        config = Config()
    paths = StorePaths.resolve(config, database.format(tmp=tmp_path))
    assert keys.key_path(paths) == Path(expected.format(tmp=tmp_path))


def test_a_store_without_a_file_keeps_it_beside_the_default_media_folder() -> None:
    assert keys.key_path(StorePaths.resolve(Config(), ":memory:")) == Path("camsight-data/signing-key.pem")


def test_the_key_is_made_once_owner_only_pkcs8_and_then_reused(tmp_path: Path) -> None:
    path = tmp_path / "s-signing-key.pem"
    old = os.umask(0)  # a permissive umask must not leak into the key's mode
    try:
        made = keys.load_or_create(path)
    finally:
        os.umask(old)
    pem = path.read_bytes()
    again = keys.load_or_create(path)
    assert (made.created, again.created) == (True, False)
    assert made.public == again.public
    assert path.read_bytes() == pem
    assert _mode(path) == 0o600
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8, unencrypted
    loaded = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(loaded, Ed25519PrivateKey)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left
    secret = pem.decode().splitlines()[1]  # the key's base64 line
    assert secret not in repr(made)
    assert secret not in str(made)


def test_load_finds_nothing_where_there_is_no_key(tmp_path: Path) -> None:
    assert keys.load(tmp_path / "none-signing-key.pem") is None


def _race(path: str, barrier: multiprocessing.synchronize.Barrier, out: multiprocessing.Queue[str]) -> None:
    barrier.wait()
    key = keys.load_or_create(Path(path))
    out.put(f"{key.public.fingerprint} {key.created}")


def test_processes_racing_for_a_new_key_make_one_key(tmp_path: Path) -> None:
    path = tmp_path / "raced-signing-key.pem"
    context = multiprocessing.get_context("spawn")
    barrier, out = context.Barrier(4), context.Queue()
    workers = [context.Process(target=_race, args=(str(path), barrier, out)) for _ in range(4)]
    for worker in workers:
        worker.start()
    results = [out.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    fingerprints = {r.split()[0] for r in results}
    assert len(fingerprints) == 1
    assert sorted(r.split()[1] for r in results) == ["False", "False", "False", "True"]
    assert keys.load_or_create(path).public.fingerprint == fingerprints.pop()


def test_a_key_others_may_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s-signing-key.pem"
    keys.load_or_create(path)
    path.chmod(0o644)
    with pytest.raises(SigningKeyError, match=r"may be read by others \(mode 0644\); make it owner-only: chmod 600"):
        keys.load(path)


def _ec_key() -> bytes:
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@pytest.mark.parametrize(
    "content",
    [b"not a key", b"", b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", _ec_key()],
    ids=["text", "empty", "truncated", "another-algorithm"],
)
def test_a_damaged_key_is_refused_and_never_replaced(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "s-signing-key.pem"
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(SigningKeyError, match="is not an Ed25519 private key .* restore it from a backup"):
        keys.load_or_create(path)
    assert path.read_bytes() == content


def test_signatures_verify_only_for_the_data_and_key_signed(tmp_path: Path) -> None:
    key = keys.load_or_create(tmp_path / "a-signing-key.pem")
    other = keys.load_or_create(tmp_path / "b-signing-key.pem")
    signature = key.sign(b"manifest")
    assert len(signature) == 64
    assert key.public.verify(signature, b"manifest")
    assert not key.public.verify(signature, b"manifesT")
    assert not other.public.verify(signature, b"manifest")


def test_the_fingerprint_is_the_grouped_sha256_of_the_raw_key() -> None:
    public = PublicKey(bytes(range(32)))
    groups = public.fingerprint.split(":")
    assert [len(g) for g in groups] == [4] * 16
    assert "".join(groups) == hashlib.sha256(bytes(range(32))).hexdigest()
    assert public.text == "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
    assert PublicKey.from_text(public.text) == public


def test_expected_fingerprint_accepts_a_key_its_fingerprint_or_a_file(tmp_path: Path) -> None:
    key = keys.load_or_create(tmp_path / "a-signing-key.pem").public
    want = key.fingerprint
    pem = tmp_path / "public.pem"
    printed = tmp_path / "keys.txt"
    printed.write_text(f"public key (Ed25519): {key.text}\nfingerprint (SHA-256): {want}\n")
    pem.write_bytes(
        serialization.load_pem_private_key((tmp_path / "a-signing-key.pem").read_bytes(), password=None)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    for given in (key.text, want, want.replace(":", ""), want.upper(), str(printed), str(pem)):
        assert keys.expected_fingerprint(given) == want, given


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("hello", "is neither a public key"),
        ("AAAA", "is neither a public key"),
        ("{private}", "never its private key"),
    ],
)
def test_expected_fingerprint_refuses_what_is_not_a_public_key(tmp_path: Path, given: str, message: str) -> None:
    private = tmp_path / "a-signing-key.pem"
    keys.load_or_create(private)
    with pytest.raises(SigningKeyError, match=message):
        keys.expected_fingerprint(given.format(private=private))
