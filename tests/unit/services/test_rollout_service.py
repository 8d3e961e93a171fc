"""The hub's model releases: publish (canary or all), promote, roll back, what is announced, and the audit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from camsight.config import Config
from camsight.models.registry import sha256_of
from camsight.services import rollout
from camsight.services.actor import Actor, Forbidden
from camsight.services.rollout import RolloutError
from camsight.store import audit as audit_log
from camsight.store.handle import Store, open_store
from camsight.transport.messages import PACKAGED, ModelAnnouncement
from model_files import release_file

ADMIN = Actor("user:root", role="admin")
URL = "http://hub.example:8090"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TOLD: list[ModelAnnouncement] = []  # what was handed to the broker


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Store]:
    store = open_store(Config(site="hub"), str(tmp_path / "hub.db"))
    yield store
    store.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("releases")
    return {v: release_file(folder / f"{v}.onnx", f"release {v}") for v in ("a", "b")}


def _publish(
    store: Store, file: Path, version: str, *, canary: tuple[str, ...] = (), minutes: int = 0
) -> ModelAnnouncement:
    with store.engine.begin() as conn:
        return rollout.publish(
            conn,
            actor=ADMIN,
            file=file,
            version=version,
            canary=canary,
            models_dir=store.paths.media / "models",
            url=URL,
            now=T0 + timedelta(minutes=minutes),
            announce=TOLD.append,
        )


def test_a_canary_goes_to_its_site_while_the_others_keep_what_they_ran(hub: Store, files: dict[str, Path]) -> None:
    _publish(hub, files["a"], "2026.12-a")
    announced = _publish(hub, files["b"], "2026.12-b", canary=("north",), minutes=1)
    assert announced.sites == ("north",)
    assert announced.for_site("north").version == "2026.12-b"
    south = announced.for_site("south")
    assert south.version == "2026.12-a"
    assert south.sha256 == sha256_of(files["a"])
    assert south.url == f"{URL}/api/models/2026.12-a/model.onnx"
    kept = hub.paths.media / "models" / "2026.12-b.onnx"
    assert kept.read_bytes() == files["b"].read_bytes()
    with hub.engine.begin() as conn:
        promoted = rollout.promote(
            conn, actor=ADMIN, version="2026.12-b", now=T0 + timedelta(minutes=2), announce=TOLD.append
        )
    assert promoted.sites is None
    assert promoted.for_site("south").version == "2026.12-b"


def test_rolling_back_returns_every_site_to_the_release_before_and_then_to_the_packaged_one(
    hub: Store, files: dict[str, Path]
) -> None:
    _publish(hub, files["a"], "2026.12-a")
    _publish(hub, files["b"], "2026.12-b", minutes=1)
    with hub.engine.begin() as conn:
        withdrawn, announced = rollout.rollback(conn, actor=ADMIN, now=T0 + timedelta(minutes=2), announce=TOLD.append)
        assert (withdrawn, announced.for_site("east").version) == ("2026.12-b", "2026.12-a")
        assert rollout.release_file(conn, "2026.12-b") is None  # a withdrawn file is no longer served
        withdrawn, announced = rollout.rollback(conn, actor=ADMIN, now=T0 + timedelta(minutes=3), announce=TOLD.append)
        assert announced.release.version == PACKAGED
        assert announced.release.packaged
        with pytest.raises(RolloutError, match="nothing to roll back"):
            rollout.rollback(conn, actor=ADMIN, now=T0 + timedelta(minutes=4), announce=TOLD.append)
        actions = [e.action for e in audit_log.list_audit(conn, limit=10)]
    assert actions.count("model.rollback") == 2
    assert actions.count("model.publish") == 2


def test_what_cannot_be_published_is_refused_with_a_reason(hub: Store, files: dict[str, Path], tmp_path: Path) -> None:
    _publish(hub, files["a"], "2026.12-a")
    with pytest.raises(RolloutError, match="exists already"):
        _publish(hub, files["b"], "2026.12-a")
    for bad in ("../etc", "a b", PACKAGED, ""):
        with pytest.raises(RolloutError, match="bad model version"):
            _publish(hub, files["b"], bad)
    not_a_model = tmp_path / "notes.onnx"
    not_a_model.write_bytes(b"this is not a network" * 100)
    with pytest.raises(RolloutError, match="not a detector the edges can run"):
        _publish(hub, not_a_model, "2026.12-x")
    with pytest.raises(RolloutError, match="not found"):
        _publish(hub, tmp_path / "missing.onnx", "2026.12-y")
    with hub.engine.begin() as conn, pytest.raises(RolloutError, match="no release"):
        rollout.promote(conn, actor=ADMIN, version="2026.12-z", now=T0, announce=TOLD.append)
    with hub.engine.begin() as conn, pytest.raises(Forbidden):
        rollout.rollback(conn, actor=Actor("user:op", role="operator"), now=T0, announce=TOLD.append)
    with hub.engine.begin() as conn:
        assert [r.version for r in rollout.status(conn, actor=ADMIN).releases] == ["2026.12-a"]


def test_a_change_the_broker_does_not_take_is_not_stored(hub: Store, files: dict[str, Path]) -> None:
    def refused(_announced: ModelAnnouncement) -> None:
        raise RolloutError("the broker is down")

    with pytest.raises(RolloutError, match="broker is down"), hub.engine.begin() as conn:
        rollout.publish(
            conn,
            actor=ADMIN,
            file=files["a"],
            version="2026.12-a",
            models_dir=hub.paths.media / "models",
            url=URL,
            now=T0,
            announce=refused,
        )
    with hub.engine.begin() as conn:
        assert rollout.status(conn, actor=ADMIN).releases == []
        assert [e.action for e in audit_log.list_audit(conn, limit=10)] == []
