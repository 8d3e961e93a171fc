from __future__ import annotations

import signal
from pathlib import Path

import pytest

from camsight.apps.edge import LivePaths, _exit_reason, live_cameras
from camsight.config import Config
from camsight.errors import ConfigError


def _config(*sources: str | None) -> Config:
    return Config.model_validate({"cameras": [{"id": f"c{i}", "source": s} for i, s in enumerate(sources)]})


def test_live_cameras_are_those_with_stream_urls() -> None:
    assert live_cameras(_config("rtsp://a/1", None, "rtsps://b/2")) == ["c0", "c2"]


@pytest.mark.parametrize(
    ("sources", "message"),
    [((None,), "no camera has a stream"), (("rtsp://a/1", "/videos/x.mp4"), "camsight analyze")],
)
def test_live_cameras_refuse_what_cannot_run(sources: tuple[str | None, ...], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        live_cameras(_config(*sources))


def test_paths_follow_an_explicit_db_file(tmp_path: Path) -> None:
    paths = LivePaths.resolve(Config(), str(tmp_path / "x" / "cs.db"))
    assert paths.media == tmp_path / "x" / "media"
    assert paths.recordings == tmp_path / "x" / "recordings"
    assert paths.status == tmp_path / "x" / "status.json"


def test_paths_default_to_the_config() -> None:
    config = Config.model_validate({"store": {"database": "d/cs.db", "media": "m"}, "recording": {"folder": "r"}})
    paths = LivePaths.resolve(config, None)
    assert (paths.database, paths.media, paths.recordings) == ("d/cs.db", Path("m"), Path("r"))
    assert paths.status == Path("d/status.json").resolve()
    url = LivePaths.resolve(config, "postgresql+psycopg://u@h/db")
    assert url.status == Path("status.json")
    assert url.recordings == Path("r")


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (-signal.SIGSEGV, "crashed (SIGSEGV)"),
        (-signal.SIGKILL, "crashed (SIGKILL)"),
        (1, "exited with code 1"),
        (None, "gone"),
    ],
)
def test_exit_reasons(code: int | None, reason: str) -> None:
    assert reason in _exit_reason(code)
