"""Who may lift a clip's privacy masks, with what reason, and what the audit log says; masks without blur."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import av
import numpy as np
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from camsight.cli import app
from camsight.config import Config
from camsight.errors import CamsightError
from camsight.events.models import ZoneIntrusionEvent
from camsight.services import audit, clips
from camsight.services.actor import Actor, Forbidden, os_actor
from camsight.services.clips import ReasonRequired
from camsight.store import open_store, upsert_event
from camsight.store.handle import Store
from camsight.store.paths import StorePaths

PREVIEW = Path(__file__).resolve().parents[2] / "data" / "intel_people-detection_preview.mp4"  # 480x270, 1.9 s
LEFT_HALF = [[0.0, 0.0], [0.5, 0.0], [0.5, 1.0], [0.0, 1.0]]
ADMIN = os_actor()


def _config(*masks: list[list[float]], camera: str = "cam1") -> Config:
    return Config.model_validate({"site": "test", "cameras": [{"id": camera, "masks": list(masks)}]})


@pytest.fixture
def store(engine: sa.Engine, tmp_path: Path) -> Store:
    """A store (SQLite and PostgreSQL) holding event abc123def456 of camera cam1, cut from a real clip."""
    event = ZoneIntrusionEvent(
        site="test",
        id="abc123def456",
        rule="r",
        camera="cam1",
        source=str(PREVIEW),
        start_s=0.5,
        end_s=1.0,
        started_at=datetime(2024, 6, 1, 12, tzinfo=UTC),
        score=0.9,
        status="closed",
        object_class="person",
    )  # type: ignore[arg-type]
    with engine.begin() as conn:
        upsert_event(conn, event=event, source_id="s", run_id="r")
    paths = StorePaths(str(engine.url), tmp_path / "media", tmp_path / "rec", tmp_path / "s.json", tmp_path / "s.lock")
    return Store(engine=engine, paths=paths, site="test", upgraded=None)


def _export(store: Store, tmp_path: Path, config: Config, **kwargs: object) -> clips.ClipResult:
    return clips.export(
        store,
        config=config,
        ref="abc123",
        output=tmp_path / "clip.mp4",
        pre_s=0.2,
        post_s=0.2,
        **kwargs,  # type: ignore[arg-type]
    )


def _audited(store: Store) -> list[audit.AuditEntry]:
    with store.engine.connect() as conn:
        return audit.entries(conn, actor=ADMIN)


@pytest.mark.parametrize("reason", [None, "", "  \n\t "])
def test_lifting_the_masks_without_a_reason_is_refused(store: Store, tmp_path: Path, reason: str | None) -> None:
    with pytest.raises(ReasonRequired, match=r"needs a reason \(--reason TEXT\)"):
        _export(store, tmp_path, _config(LEFT_HALF), actor=ADMIN, masks=False, blur=False, reason=reason)
    assert not (tmp_path / "clip.mp4").exists()
    assert _audited(store) == []


@pytest.mark.parametrize("role", ["operator", "viewer"])
def test_lifting_the_masks_is_for_admins(store: Store, tmp_path: Path, role: str) -> None:
    someone = Actor(f"user:{role}", role=role)  # type: ignore[arg-type]
    with pytest.raises(Forbidden, match="needs the admin role" if role == "operator" else "may not export clips"):
        _export(store, tmp_path, _config(LEFT_HALF), actor=someone, masks=False, reason="asked by the police")
    assert not (tmp_path / "clip.mp4").exists()
    assert _audited(store) == []


def test_an_unmasked_export_is_audited_with_its_reason(store: Store, tmp_path: Path) -> None:
    reason = "police request 2024-117:\n  the masked door"
    result = _export(store, tmp_path, _config(LEFT_HALF), actor=ADMIN, masks=False, blur=False, reason=reason)
    assert (result.masked, result.masks, result.reencoded) == (False, 0, False)  # nothing to burn: copied
    (entry,) = _audited(store)
    assert entry.action == "clip.export_unmasked"
    assert entry.actor == ADMIN.name
    assert entry.detail["reason"] == "police request 2024-117: the masked door"
    assert (entry.detail["masked"], entry.detail["blurred"], entry.detail["event_id"]) == (False, False, "abc123def456")


def test_a_reason_longer_than_500_characters_is_refused(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ReasonRequired, match="keep it under 500"):
        _export(store, tmp_path, _config(LEFT_HALF), actor=ADMIN, masks=False, reason="x" * 501)


def _frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]


def test_without_blur_the_masks_are_burned_in_and_without_masks_the_packets_are_copied(
    store: Store, tmp_path: Path
) -> None:
    masked = _export(store, tmp_path, _config(LEFT_HALF), actor=ADMIN, blur=False)
    frames = _frames(masked.path)
    assert (masked.reencoded, masked.masks, masked.blurred) == (True, 1, False)
    assert max(int(f[:, :238].max()) for f in frames) <= 32  # black to the polygon's edge at 240 (less 2 px of bleed)
    assert min(float(f[:, 244:].mean()) for f in frames) > 40  # the right half as recorded
    masked.path.unlink()
    copied = _export(store, tmp_path, _config(), actor=ADMIN, blur=False)
    assert (copied.reencoded, copied.masks) == (False, 0)
    assert [e.action for e in _audited(store)] == ["clip.export_unblurred"] * 2
    assert [e.detail["masks"] for e in _audited(store)] == [0, 1]


def test_a_camera_not_in_the_config_has_unknown_masks_and_is_refused(store: Store, tmp_path: Path) -> None:
    with pytest.raises(CamsightError, match="camera 'cam1' is not in the config, so its privacy masks are unknown"):
        _export(store, tmp_path, _config(LEFT_HALF, camera="gate"), actor=ADMIN, blur=False)
    lifted = _export(store, tmp_path, _config(camera="gate"), actor=ADMIN, blur=False, masks=False, reason="audit")
    assert not lifted.masked


def test_the_default_template_stands_for_cameras_named_after_their_files(store: Store, tmp_path: Path) -> None:
    config = Config.model_validate({"cameras": [{"id": "default", "masks": [LEFT_HALF]}]})
    assert _export(store, tmp_path, config, actor=ADMIN, blur=False).masks == 1


def test_the_clip_command_needs_a_reason_for_no_masks(tmp_path: Path) -> None:
    db = str(tmp_path / "cs.db")
    config = tmp_path / "site.yaml"
    config.write_text("cameras:\n  - id: cam1\n    masks: [[[0, 0], [0.5, 0], [0.5, 1]]]\n")
    store = open_store(_config(LEFT_HALF), db)
    with store.engine.begin() as conn:
        upsert_event(
            conn,
            event=ZoneIntrusionEvent(
                site="test",
                id="abc123def456",
                rule="r",
                camera="cam1",
                source=str(PREVIEW),
                start_s=0.5,
                end_s=1.0,
                started_at=datetime(2024, 6, 1, 12, tzinfo=UTC),
                score=0.9,
                status="closed",
                object_class="person",
            ),  # type: ignore[arg-type]
            source_id="s",
            run_id="r",
        )
    args = ["clip", "abc123", "-o", str(tmp_path / "c.mp4"), "--config", str(config), "--db", db, "--no-blur"]
    refused = CliRunner().invoke(app, [*args, "--no-masks"])
    assert isinstance(refused.exception, ReasonRequired)
    done = CliRunner().invoke(app, [*args, "--no-masks", "--reason", "court order 17"])
    assert done.exit_code == 0, done.output
    assert "heads NOT blurred, privacy masks NOT applied, copied without re-encoding" in done.output
    burned = CliRunner().invoke(app, [*args[:3], str(tmp_path / "d.mp4"), *args[4:]])
    assert burned.exit_code == 0, burned.output
    assert "heads NOT blurred, 1 privacy mask(s) burned in, re-encoded" in burned.output
    assert [e.detail.get("reason") for e in _audited(store)] == [None, "court order 17"]
