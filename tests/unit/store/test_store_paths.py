"""One rule for where a store's files are: beside the database, named after it; legacy stores keep theirs."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from camsight.config import Config
from camsight.store import open_store
from camsight.store.paths import StorePaths


def test_a_new_store_keeps_its_files_beside_it_named_after_it(tmp_path: Path) -> None:
    store = open_store(Config(site="t"), str(tmp_path / "x" / "gate.db"))
    assert store.paths.media == tmp_path / "x" / "gate-media"
    assert store.paths.recordings == tmp_path / "x" / "gate-recordings"
    assert store.paths.status == tmp_path / "x" / "gate-status.json"
    assert store.paths.run_lock == tmp_path / "x" / "gate.db.run.lock"


def test_two_stores_in_one_folder_never_share_media(tmp_path: Path) -> None:
    a = open_store(Config(site="t"), str(tmp_path / "a.db")).paths
    b = open_store(Config(site="t"), str(tmp_path / "b.db")).paths
    assert a.media != b.media
    assert a.recordings != b.recordings


def test_the_config_wins_when_it_names_the_folders(tmp_path: Path) -> None:
    config = Config.model_validate(
        {"site": "t", "store": {"media": str(tmp_path / "m")}, "recording": {"folder": str(tmp_path / "r")}}
    )
    paths = open_store(config, str(tmp_path / "s.db")).paths
    assert (paths.media, paths.recordings) == (tmp_path / "m", tmp_path / "r")


def test_the_default_database_is_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    paths = open_store(Config(site="t")).paths
    assert paths.media == tmp_path / "camsight-data" / "camsight-media"


def test_a_url_uses_the_config_folders() -> None:
    config = Config.model_validate({"store": {"media": "m"}, "recording": {"folder": "r"}})
    paths = StorePaths.resolve(config, "postgresql+psycopg://u@h/db")
    assert (paths.media, paths.recordings, paths.status) == (Path("m"), Path("r"), Path("status.json"))


def test_store_files_are_owner_only(tmp_path: Path) -> None:
    store = open_store(Config(site="t"), str(tmp_path / "new" / "s.db"))
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700
    assert stat.S_IMODE(Path(store.paths.database).stat().st_mode) == 0o600
