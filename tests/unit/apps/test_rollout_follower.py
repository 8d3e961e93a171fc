"""An edge following the hub's releases over real HTTP: canaries, checksums, sizes, rollbacks, restarts."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from camsight.apps.rollout import ModelFollower, detector_config, read_active, running
from camsight.config.models import DetectorConfig
from camsight.models.registry import YOLO11N_SHA256, sha256_of
from camsight.perception.detect import OnnxDetector
from camsight.transport.messages import PACKAGED, ModelAnnouncement, ModelRelease
from model_files import release_file


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A real HTTP server over a folder of release files: (its URL, the folder)."""
    folder = tmp_path_factory.mktemp("hub-files")
    for version in ("v2", "v3"):
        release_file(folder / f"{version}.onnx", f"release {version}")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", folder
    server.shutdown()
    thread.join(5)


def _release(
    base: str, folder: Path, version: str, *, sha256: str | None = None, size: int | None = None
) -> ModelRelease:
    file = folder / f"{version}.onnx"
    return ModelRelease(
        version=version,
        sha256=sha256 or sha256_of(file),
        url=f"{base}/{version}.onnx",
        size=size or file.stat().st_size,
    )


def _say(release: ModelRelease, *, sites: tuple[str, ...] | None = None, others: ModelRelease | None = None) -> bytes:
    return (
        ModelAnnouncement(release=release, sites=sites, others=others, at=datetime.now(UTC)).model_dump_json().encode()
    )


def _follower(folder: Path, site: str = "north") -> tuple[ModelFollower, list[tuple[str, str]]]:
    switched: list[tuple[str, str]] = []
    follower = ModelFollower(
        site=site, folder=folder, configured=DetectorConfig(), on_switch=lambda v, s: switched.append((v, s))
    )
    return follower, switched


def test_the_canary_site_switches_and_the_others_keep_their_model(served: tuple[str, Path], tmp_path: Path) -> None:
    base, files = served
    message = _say(_release(base, files, "v2"), sites=("north",))
    north, switched = _follower(tmp_path / "north", "north")
    south, untouched = _follower(tmp_path / "south", "south")
    active = north.apply(message)
    assert active is not None
    assert active.version == "v2"
    assert switched == [("v2", sha256_of(files / "v2.onnx"))]
    assert read_active(tmp_path / "north") == active
    assert (tmp_path / "north" / "v2.onnx").read_bytes() == (files / "v2.onnx").read_bytes()
    detector = OnnxDetector(detector_config(DetectorConfig(), active))  # what a worker loads next
    assert detector is not None
    assert south.apply(message) is None
    assert untouched == []
    assert running(DetectorConfig(), tmp_path / "south") == (PACKAGED, YOLO11N_SHA256)


def test_a_file_whose_checksum_differs_is_refused_and_the_model_kept(served: tuple[str, Path], tmp_path: Path) -> None:
    base, files = served
    folder = tmp_path / "edge"
    follower, switched = _follower(folder)
    follower.apply(_say(_release(base, files, "v2")))
    wrong = _release(base, files, "v3", sha256=sha256_of(files / "v2.onnx"))  # v3's file, v2's checksum
    kept = follower.apply(_say(wrong))
    assert kept is not None
    assert kept.version == "v2"
    assert follower.problem is not None
    assert follower.problem.startswith("refused model v3: its SHA-256 is")
    assert follower.problem.endswith("keeping v2")
    assert not (folder / "v3.onnx").exists()
    assert not list(folder.glob("*.part"))
    too_big = _release(base, files, "v3", size=1000)
    assert follower.apply(_say(too_big)) == kept
    assert "larger than the 1000 bytes announced" in (follower.problem or "")
    assert [v for v, _ in switched] == ["v2"]
    good = follower.apply(_say(_release(base, files, "v3")))
    assert good is not None
    assert (good.version, follower.problem) == ("v3", None)


def test_a_rollback_to_the_packaged_model_and_back_uses_the_file_kept(served: tuple[str, Path], tmp_path: Path) -> None:
    base, files = served
    folder = tmp_path / "edge"
    follower, switched = _follower(folder)
    follower.apply(_say(_release(base, files, "v2")))
    packaged = follower.apply(_say(ModelRelease(version=PACKAGED)))
    assert packaged is not None
    assert packaged.path is None
    assert running(DetectorConfig(), folder) == (PACKAGED, YOLO11N_SHA256)
    offline = _release(base, files, "v2").model_copy(update={"url": "http://127.0.0.1:9/v2.onnx"})
    again = follower.apply(_say(offline))  # kept from before: no download needed
    assert again is not None
    assert again.version == "v2"
    assert [v for v, _ in switched] == ["v2", PACKAGED, "v2"]


def test_an_unreachable_hub_is_an_error_to_retry_and_nonsense_is_ignored(tmp_path: Path) -> None:
    follower, switched = _follower(tmp_path)
    release = ModelRelease(version="v9", sha256="0" * 64, url="http://127.0.0.1:9/v9.onnx", size=10)
    with pytest.raises(httpx.HTTPError):
        follower.apply(_say(release))
    assert follower.apply(b'{"schema_version": 7}') is None
    assert "does not understand" in (follower.problem or "")
    assert switched == []
