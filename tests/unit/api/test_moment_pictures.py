"""A search hit's matched moment as a picture: cut from the real footage, masked, blurred, outlined, audited.

A real fall (GMDCSA24 s1 fall 14) is analysed with the packaged detector. The person's track is
standing at first and lying at the end; its stored thumbnail is one crop, the picture of a moment
shows that moment: the subject's box is upright when standing and wider than tall when lying.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import pytest
from api_site import PASSWORD, add_account
from fastapi.testclient import TestClient
from numpy.typing import NDArray

from camsight.api.app import create_app
from camsight.apps.analyze import Analyzer
from camsight.config import Config, parse_config
from camsight.core.records import TrackRecord
from camsight.perception.privacy import apply_masks
from camsight.perception.tracklog import MARK_COLOUR, crop_box
from camsight.services import audit, cameras, media, moments
from camsight.services.actor import Actor, Forbidden, os_actor
from camsight.sources import SourceSpec
from camsight.sources.clips import Piece, first_frame
from camsight.store import list_tracks, open_store
from camsight.store.audit import AuditEntry
from camsight.store.handle import Store

DATA = Path(__file__).parents[2] / "data"
FOOTAGE = DATA / "gmdcsa24_s1_fall_14.mp4"  # 640x480: a man walks in, sits, falls and lies on the floor
MASK = ((0.64, 0.0), (1.0, 0.0), (1.0, 1.0), (0.64, 1.0))  # the right side, to the man's right edge (console)
CONFIG = """
site: care
cameras:
  - id: room
"""

Image = NDArray[np.uint8]


@dataclass
class Room:
    """The analysed fall, its person track and an API client per role."""

    store: Store
    config: Config
    video: Path
    track: TrackRecord
    clients: dict[str, TestClient]

    def views(self) -> list[AuditEntry]:
        with self.store.engine.connect() as conn:
            return audit.entries(conn, actor=os_actor(), action="view.thumbnail", limit=1000)


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Room]:
    folder = tmp_path_factory.mktemp("room")
    video = folder / FOOTAGE.name  # a copy: one test moves it away
    shutil.copy(FOOTAGE, video)
    config = parse_config(CONFIG)
    store = open_store(config, str(folder / "room.db"))
    Analyzer(config, store).analyze(SourceSpec(video, "video"), config.camera("room"))
    with store.engine.connect() as conn:
        tracks = list_tracks(conn)
    track = next(t for t in tracks if t.appearance and {"standing", "lying"} <= set(t.appearance.posture_s))
    with store.engine.begin() as conn:
        edit = cameras.GeometryEdit(zones=(), masks=(MASK,))
        cameras.save_geometry(
            conn, actor=os_actor(), config=config, camera="room", geometry=edit, now=datetime.now(UTC)
        )
    app = create_app(config, store, semantic=False)
    clients = {
        role: TestClient(app, headers={"Authorization": f"Bearer {add_account(store, role, role)}"})
        for role in ("viewer", "operator")
    }
    clients["elsewhere"] = TestClient(
        app, headers={"Authorization": f"Bearer {add_account(store, 'elsewhere', 'operator', ['hall'])}"}
    )
    yield Room(store, config, video, track, clients)
    for client in clients.values():
        client.close()
    store.close()


def _moment_of(track: TrackRecord, posture: str) -> float:
    """A moment of the track's longest stretch in ``posture`` (the analysis found it): its start when
    standing (he sits down soon after), half a second into it when lying (he is then down)."""
    assert track.appearance is not None
    start = track.appearance.moment_s.get(posture)
    assert start is not None, f"no {posture} stretch in {track.appearance.posture_s}"
    return start if posture == "standing" else min(start + 0.5, track.end_s)


def _cut(room: Room, at_s: float) -> moments.Moment:
    """The moment cut now (the cache emptied first)."""
    shutil.rmtree(room.store.paths.media / "cache" / "moments", ignore_errors=True)
    return moments.moment(room.store, actor=os_actor(), config=room.config, track_id=room.track.id, at_s=at_s)


def _stored(room: Room) -> bytes:
    """The track's stored thumbnail."""
    with room.store.engine.begin() as conn:
        return media.thumbnail(conn, actor=os_actor(), media=room.store.media, track_id=room.track.id).data


def _decode(data: bytes) -> Image:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return np.asarray(image, np.uint8)


def _amber(image: Image) -> int:
    """How many pixels have the hue of the subject's outline (after JPEG: by hue, not by value)."""
    hue = int(cv2.cvtColor(np.array([[MARK_COLOUR]], np.uint8), cv2.COLOR_BGR2HSV)[0, 0, 0])
    hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV).astype(int)
    return int(np.count_nonzero((abs(hsv[:, :, 0] - hue) < 8) & (hsv[:, :, 1] > 100) & (hsv[:, :, 2] > 120)))


def _frame(room: Room, at_s: float) -> Image:
    found = first_frame([Piece(room.video, at_s, at_s + 1.0)])
    assert found is not None
    return found[0]


def test_standing_and_lying_moments_show_the_person_standing_and_lying(room: Room) -> None:
    standing = _cut(room, _moment_of(room.track, "standing"))
    lying = _cut(room, _moment_of(room.track, "lying"))
    assert standing.box is not None
    assert lying.box is not None
    (sx1, sy1, sx2, sy2), (lx1, ly1, lx2, ly2) = standing.box, lying.box
    assert sy2 - sy1 > 1.5 * (sx2 - sx1)  # upright
    assert lx2 - lx1 > ly2 - ly1  # down on the floor
    assert lying.picture.data != _stored(room)


def test_a_moment_is_masked_outlined_and_its_head_blurred(room: Room) -> None:
    at = _moment_of(room.track, "standing")
    shown = _cut(room, at)
    assert shown.box is not None
    picture, frame = _decode(shown.picture.data), _frame(room, at)
    crop, inner = crop_box(frame, shown.box)
    scale = picture.shape[0] / crop.shape[0]
    raw = np.asarray(cv2.resize(crop, (picture.shape[1], picture.shape[0]), interpolation=cv2.INTER_AREA), np.uint8)
    # the mask: where the frame is masked, the picture is black
    origin = (shown.box[0] - inner[0], shown.box[1] - inner[1])
    masked = apply_masks(np.full_like(frame, 255), (MASK,))[:, :, 0] == 0
    part = masked[int(origin[1]) : int(origin[1]) + crop.shape[0], int(origin[0]) : int(origin[0]) + crop.shape[1]]
    small = cv2.resize(part.astype(np.uint8), (picture.shape[1], picture.shape[0]), interpolation=cv2.INTER_NEAREST)
    assert small.sum() > 100
    assert picture[small > 0].mean() < 12
    # the outline: the mark's colour (amber) along the subject's box, which the footage does not have
    assert _amber(picture) > picture.shape[0] // 2 > 5 * _amber(raw)  # the side in the mask is not drawn
    # the head, and only the head, is blurred: against the same moment with heads left as they are
    unblurred_config = room.config.model_copy(
        update={"store": room.config.store.model_copy(update={"blur_heads": False})}
    )
    shutil.rmtree(room.store.paths.media / "cache" / "moments", ignore_errors=True)
    plain = moments.moment(room.store, actor=os_actor(), config=unblurred_config, track_id=room.track.id, at_s=at)
    changed = np.abs(picture.astype(int) - _decode(plain.picture.data).astype(int)).max(axis=2) > 40
    rows, cols = np.nonzero(changed)
    box_h = (inner[3] - inner[1]) * scale
    assert 50 < len(rows) < 0.25 * picture.shape[0] * picture.shape[1]
    assert rows.max() < inner[1] * scale + 0.35 * box_h  # in the top of the person: the head


def test_a_moment_is_cached_and_every_view_audited_with_it(room: Room) -> None:
    at = round(_moment_of(room.track, "lying"), 2)
    before = len(room.views())
    first = _cut(room, at)
    again = moments.moment(room.store, actor=os_actor(), config=room.config, track_id=room.track.id, at_s=at)
    assert again.picture.data == first.picture.data
    assert again.box is None  # from the cache
    rows = room.views()
    assert len(rows) == before + 2
    assert rows[0].detail == {"track_id": room.track.id, "camera": "room", "at_s": at, "site": "care"}


def test_a_moment_outside_the_track_is_clamped_to_it(room: Room) -> None:
    shown = _cut(room, room.track.end_s + 100)
    assert shown.at_s == round(room.track.end_s, 2)


def test_without_its_video_the_moment_is_unavailable_and_the_route_serves_the_thumbnail(room: Room) -> None:
    at = _moment_of(room.track, "lying")
    away = room.video.with_suffix(".away")
    room.video.rename(away)
    try:
        with pytest.raises(moments.MomentUnavailable, match="no longer exists"):
            _cut(room, at)
        shutil.rmtree(room.store.paths.media / "cache" / "moments", ignore_errors=True)
        answer = room.clients["operator"].get(f"/api/media/moments/{room.track.id}", params={"at": at})
    finally:
        away.rename(room.video)
    assert answer.status_code == 200
    assert answer.headers["x-camsight-moment"] == "thumbnail"
    assert answer.content == _stored(room)


def test_a_damaged_video_is_unavailable_not_an_error(room: Room) -> None:
    kept = room.video.read_bytes()
    room.video.write_bytes(kept[: len(kept) // 50])  # the header and a few packets: decoding fails
    try:
        with pytest.raises(moments.MomentUnavailable, match="cannot read a frame"):
            _cut(room, _moment_of(room.track, "lying"))
    finally:
        room.video.write_bytes(kept)


def test_viewers_and_other_cameras_get_no_moment(room: Room) -> None:
    viewer = Actor("user:viewer", role="viewer")
    with pytest.raises(Forbidden, match="operator"):
        moments.moment(room.store, actor=viewer, config=room.config, track_id=room.track.id, at_s=1.0)
    with pytest.raises(media.PictureNotFound):
        moments.moment(room.store, actor=os_actor(), config=room.config, track_id="nope:1", at_s=1.0)


def test_the_route_serves_the_moment_and_refuses_bad_input(room: Room) -> None:
    at = _moment_of(room.track, "lying")
    url = f"/api/media/moments/{room.track.id}"
    answer = room.clients["operator"].get(url, params={"at": at})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "image/jpeg"
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-camsight-moment"] == f"{round(at, 2):g}"
    assert _decode(answer.content).shape[2] == 3
    assert room.clients["viewer"].get(url, params={"at": at}).status_code == 403
    assert room.clients["elsewhere"].get(url, params={"at": at}).status_code == 404
    for bad in ("-1", "nan", "inf", "1e9", "soon"):
        assert room.clients["operator"].get(url, params={"at": bad}).status_code == 422, bad
    assert room.clients["operator"].get(url).status_code == 422


def test_a_posture_search_links_each_hit_to_its_moment(room: Room) -> None:
    found = room.clients["operator"].get("/api/search", params={"q": "person lying on the floor"}).json()
    hit = next(h for h in found["hits"] if h["record"]["id"] == room.track.id)
    assert hit["at_s"] is not None
    assert hit["moment_url"] == f"/api/media/moments/{room.track.id}?at={hit['at_s']:g}"
    answer = room.clients["operator"].get(hit["moment_url"])
    assert answer.status_code == 200
    assert answer.headers["x-camsight-moment"] != "thumbnail"
    colour = room.clients["operator"].get("/api/search", params={"q": "person in blue"}).json()
    assert all(h["moment_url"] is None for h in colour["hits"])


def test_the_search_page_shows_a_posture_hit_at_its_moment(room: Room) -> None:
    console = TestClient(create_app(room.config, room.store, semantic=False))
    signed_in = console.post("/login", data={"username": "operator", "password": PASSWORD}, follow_redirects=False)
    assert signed_in.status_code == 303
    page = console.get("/search", params={"q": "person lying on the floor"})
    assert page.status_code == 200
    found = room.clients["operator"].get("/api/search", params={"q": "person lying on the floor"}).json()
    hit = next(h for h in found["hits"] if h["record"]["id"] == room.track.id)
    track = room.track.id.replace(":", "%3A")
    assert f'src="/api/media/moments/{track}?at={hit["at_s"]:g}"' in page.text
