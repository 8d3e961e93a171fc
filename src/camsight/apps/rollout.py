"""At an edge: following the detector releases a hub announces, and the model file the camera workers run.

The hub's retained announcement (:class:`~camsight.transport.messages.ModelAnnouncement`) says which
release each site runs. :class:`ModelFollower` (in ``camsight run``, fed by the publisher's connection)
works out this site's release, downloads its file from the hub when it does not have it, checks its
size and SHA-256 against the announcement, and only then makes it the active model: it is moved into
``<media>/models/<version>.onnx`` and named in ``<media>/models/active.json`` (written atomically). A
file whose checksum differs is deleted and refused with a logged reason; the edge keeps the model it
has. A hub that cannot be reached is tried again every ``retry_s``.

Each camera worker reads ``active.json`` when it starts and every heartbeat; when it names another
model, the worker loads it and swaps it in between two frames (:func:`detector_config` gives the
detector settings). A restarted edge runs what it ran before. ``camsight models status`` on the hub
shows each edge's version, as its heartbeat reports it.

Example:
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> read_active(folder) is None  # nothing published yet: the packaged detector
    True
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import httpx
from pydantic import ValidationError

from camsight.config.models import DetectorConfig
from camsight.models.registry import active_detector, sha256_of
from camsight.store import perms
from camsight.transport.messages import PACKAGED, ModelAnnouncement, ModelRelease

log = logging.getLogger(__name__)
ACTIVE = "active.json"
RETRY_S = 30.0
"""How long an edge waits before it asks a hub it could not reach for a model file again."""


@dataclass(frozen=True, slots=True)
class ActiveModel:
    """The release an edge runs (``path`` None: the packaged detector)."""

    version: str
    sha256: str | None
    path: Path | None


def models_folder(media: Path) -> Path:
    """Where an edge keeps the model files its hub sent (and a hub the files it publishes)."""
    return media / "models"


def read_active(folder: Path) -> ActiveModel | None:
    """The model a hub made active here (None: none, or a damaged note: the packaged detector)."""
    try:
        data = json.loads((folder / ACTIVE).read_text(encoding="utf-8"))
        return ActiveModel(data["version"], data["sha256"], Path(data["path"]) if data["path"] else None)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("models: ignoring %s (%s); running the configured detector", folder / ACTIVE, exc)
        return None


def _write_active(folder: Path, active: ActiveModel) -> None:
    data = {"version": active.version, "sha256": active.sha256, "path": str(active.path) if active.path else None}
    text = json.dumps(data).encode("utf-8")
    perms.replace_file(folder / ACTIVE, lambda out: out.write(text), durable=True)


def detector_config(configured: DetectorConfig, active: ActiveModel | None) -> DetectorConfig:
    """The detector settings with the hub's active model in place of the configured one (if there is one)."""
    if active is None or active.path is None:  # nothing published, or rolled back past the first release
        return configured
    return configured.model_copy(update={"model": active.path, "sha256": active.sha256})


def running(configured: DetectorConfig, folder: Path) -> tuple[str, str]:
    """``(version, sha256)`` an edge runs: the hub's active model, else the configured detector."""
    active = read_active(folder)
    if active is not None and active.path is not None and active.sha256 is not None:
        return active.version, active.sha256
    return active_detector(detector_config(configured, active))


class Refused(Exception):
    """A model file that does not match its announcement."""


class ModelFollower:
    """Follows the hub's announcements for one site (see the module docstring).

    Args:
        site: This edge's site.
        folder: Where model files and ``active.json`` are kept.
        configured: The config's detector (what runs when the hub announces the packaged one).
        on_switch: Called with ``(version, sha256)`` once a new model is active (the heartbeat reports it).
        retry_s: Seconds before a failed download is tried again.
    """

    def __init__(
        self,
        *,
        site: str,
        folder: Path,
        configured: DetectorConfig,
        on_switch: Callable[[str, str], None] | None = None,
        retry_s: float = RETRY_S,
    ) -> None:
        self.site = site
        self.folder = folder
        self.configured = configured
        self.on_switch = on_switch
        self.retry_s = retry_s
        self.problem: str | None = None
        self._latest: bytes | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def offer(self, payload: bytes) -> None:
        """A retained announcement arrived (called from the MQTT thread; the work happens in the follower's)."""
        with self._lock:
            self._latest = payload
        self._wake.set()

    def start(self) -> None:
        """Start following in a thread of its own."""
        self._thread = threading.Thread(target=self._run, name="model-follower", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop following (a download in progress is abandoned)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        pending: bytes | None = None
        while not self._stop.is_set():
            woken = self._wake.wait(timeout=self.retry_s if pending is not None else None)
            self._wake.clear()
            with self._lock:
                if woken and self._latest is not None:
                    pending, self._latest = self._latest, None
            if pending is None or self._stop.is_set():
                continue
            try:
                self.apply(pending)
                pending = None
            except httpx.HTTPError as exc:  # the hub is down or moved: keep the model, ask again later
                self.problem = f"cannot fetch the model file from the hub: {exc}; trying again in {self.retry_s:.0f} s"
                log.warning("models: %s", self.problem)

    def apply(self, payload: bytes) -> ActiveModel | None:
        """Act on one announcement: switch to this site's release, or refuse it; returns what is active now.

        Raises:
            httpx.HTTPError: The file could not be fetched (try again later).
        """
        try:
            release = ModelAnnouncement.model_validate_json(payload).for_site(self.site)
        except ValidationError as exc:
            self.problem = f"ignored a model announcement this version does not understand: {exc.errors()[0]['msg']}"
            log.warning("models: %s", self.problem)
            return read_active(self.folder)
        now = read_active(self.folder)
        if self._runs(now, release):
            self.problem = None
            return now
        try:
            if release.packaged:
                active = ActiveModel(PACKAGED, None, None)
            else:
                active = ActiveModel(release.version, release.sha256, self._file(release))
        except Refused as exc:
            running_now = now.version if now is not None else active_detector(self.configured)[0]
            self.problem = f"refused model {release.version}: {exc}; keeping {running_now}"
            log.error("models: %s", self.problem)
            return now
        _write_active(self.folder, active)
        self.problem = None
        version, sha = running(self.configured, self.folder)
        log.warning("models: now running %s (sha256 %s…)", version, sha[:12])
        if self.on_switch is not None:
            self.on_switch(version, sha)
        return active

    def _runs(self, now: ActiveModel | None, release: ModelRelease) -> bool:
        if release.packaged:
            return now is None or now.path is None
        return (
            now is not None
            and (now.version, now.sha256) == (release.version, release.sha256)
            and now.path is not None
            and now.path.is_file()
        )

    def _file(self, release: ModelRelease) -> Path:
        """The release's file here: kept from before when intact, else downloaded and checked.

        Raises:
            Refused: The size or SHA-256 differs from the announcement.
            httpx.HTTPError: The hub could not be reached or answered with an error.
        """
        assert release.sha256 is not None
        assert release.url is not None
        assert release.size is not None
        target = self.folder / f"{release.version}.onnx"
        if target.is_file() and sha256_of(target) == release.sha256:
            return target
        url, sha256, expected = release.url, release.sha256, release.size

        def download(out: BinaryIO) -> None:  # checked before it is moved into place
            digest, size = hashlib.sha256(), 0
            with httpx.stream("GET", url, timeout=60.0) as answer:
                answer.raise_for_status()
                for chunk in answer.iter_bytes(1 << 20):
                    size += len(chunk)
                    if size > expected:
                        raise Refused(f"the file is larger than the {expected} bytes announced")
                    digest.update(chunk)
                    out.write(chunk)
            if size != expected:
                raise Refused(f"the file has {size} bytes, the announcement says {expected}")
            if digest.hexdigest() != sha256:
                raise Refused(
                    f"its SHA-256 is {digest.hexdigest()[:12]}…, the hub announced {sha256[:12]}… "
                    "(damaged or replaced on the way)"
                )

        perms.replace_file(target, download, durable=True)
        return target
