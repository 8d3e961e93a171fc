"""Per-camera health of ``camsight run`` as data: counters, state, alert latency, and the status file.

Each camera worker sends a :class:`CameraHealth` snapshot to the supervisor about once a second. The
supervisor keeps the latest per camera (adding the counters of earlier, crashed workers of the same
camera) and writes them all to a JSON status file beside the database (replaced atomically, see
:mod:`camsight.store.paths` for its name); ``camsight status`` reads it back. The Prometheus metrics
built from the same snapshots are in :mod:`camsight.apps.health`.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from camsight.errors import CamsightError
from camsight.store import perms

LATENCY_BUCKETS: tuple[float, ...] = (
    0.01,
    0.025,
    0.05,
    0.075,
    0.1,
    0.15,
    0.2,
    0.3,
    0.5,
    0.75,
    1.0,
    1.5,
    2.0,
    3.0,
    5.0,
    10.0,
)
STATES = ("connecting", "live", "backoff", "failed", "stopped")
STATUS_VERSION = 1
COUNTERS = (
    "frames_in",
    "frames_analysed",
    "frames_skipped",
    "frames_dropped",
    "decode_errors",
    "reconnects",
    "events",
    "tracks",
    "segments",
    "cpu_s",
)


@dataclass
class LatencyHistogram:
    """Counts of latencies per bucket (upper bounds :data:`LATENCY_BUCKETS`, plus +Inf), with their sum.

    Example:
        >>> h = LatencyHistogram()
        >>> for s in (0.02, 0.04, 0.3, 0.7):
        ...     h.observe(s)
        >>> h.count, round(h.quantile(0.5), 3), round(h.quantile(1.0), 3)
        (4, 0.05, 0.75)
    """

    counts: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BUCKETS) + 1))
    total_s: float = 0.0

    @property
    def count(self) -> int:
        """Number of observations."""
        return sum(self.counts)

    def observe(self, seconds: float) -> None:
        """Add one latency."""
        index = next((i for i, bound in enumerate(LATENCY_BUCKETS) if seconds <= bound), len(LATENCY_BUCKETS))
        self.counts[index] += 1
        self.total_s += seconds

    def quantile(self, q: float) -> float | None:
        """The ``q`` quantile, interpolated within its bucket (``inf`` past the last bound); None when empty."""
        n = self.count
        if n == 0:
            return None
        rank, seen = q * n, 0
        for i, c in enumerate(self.counts):
            if c and seen + c >= rank:
                if i == len(LATENCY_BUCKETS):
                    return float("inf")
                low = LATENCY_BUCKETS[i - 1] if i else 0.0
                return low + (LATENCY_BUCKETS[i] - low) * max(0.0, rank - seen) / c
            seen += c
        return float("inf")

    def merged(self, other: LatencyHistogram) -> LatencyHistogram:
        """The sum of two histograms."""
        return LatencyHistogram(
            [a + b for a, b in zip(self.counts, other.counts, strict=True)], self.total_s + other.total_s
        )


@dataclass
class CameraHealth:
    """One camera's health at one moment (JSON-friendly; times are Unix seconds)."""

    camera: str
    state: str = "connecting"
    reason: str | None = None
    source: str | None = None
    pid: int | None = None
    frames_in: int = 0
    frames_analysed: int = 0
    frames_skipped: int = 0
    frames_dropped: int = 0
    decode_errors: int = 0
    reconnects: int = 0
    restarts: int = 0
    events: int = 0
    tracks: int = 0
    segments: int = 0
    cpu_s: float = 0.0
    memory_mb: float = 0.0
    queue_depth: int = 0
    started_at: float | None = None
    last_frame_at: float | None = None
    last_outage: tuple[float, float, str] | None = None
    outage_since: float | None = None
    size: tuple[int, int] | None = None
    recording: str | None = None
    model: str | None = None
    """The detector version the worker runs (a hub's release, or the packaged one)."""
    notes: list[str] = field(default_factory=list)
    latency: LatencyHistogram = field(default_factory=LatencyHistogram)
    updated_at: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CameraHealth:
        """Back from :meth:`to_dict` (unknown keys are ignored)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["latency"] = LatencyHistogram(**data.get("latency", {}))
        for key in ("last_outage", "size"):
            if values.get(key) is not None:
                values[key] = tuple(values[key])
        return cls(**values)

    def plus(self, base: CameraHealth | None) -> CameraHealth:
        """This snapshot with the counters of earlier workers (``base``) added."""
        if base is None:
            return self
        data = self.to_dict()
        for name in COUNTERS:
            data[name] = data[name] + getattr(base, name)
        data["latency"] = asdict(self.latency.merged(base.latency))
        return CameraHealth.from_dict(data)


def write_status(path: Path, cameras: list[CameraHealth], *, pid: int, started_at: float, running: bool = True) -> None:
    """Replace the status file atomically (a reader never sees half of it)."""
    payload = {
        "version": STATUS_VERSION,
        "pid": pid,
        "running": running,
        "started_at": started_at,
        "updated_at": time.time(),
        "cameras": [c.to_dict() for c in cameras],
    }
    data = json.dumps(payload).encode("utf-8")
    perms.replace_file(path, lambda out: out.write(data))


@dataclass(frozen=True)
class Status:
    """The status file read back."""

    pid: int
    running: bool
    started_at: float
    updated_at: float
    cameras: list[CameraHealth]


def read_status(path: Path) -> Status:
    """Read the status file written by ``camsight run``.

    Raises:
        CamsightError: There is no status file, or it cannot be read.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CamsightError(
            f"{path}: no status file; start the cameras with `camsight run --config FILE` "
            "(or give the same --db it uses)"
        ) from None
    except (OSError, ValueError) as exc:
        raise CamsightError(f"{path}: cannot read the status file ({exc})") from None
    cameras = [CameraHealth.from_dict(c) for c in data.get("cameras", [])]
    return Status(
        int(data.get("pid", 0)),
        bool(data.get("running", False)),
        float(data.get("started_at", 0)),
        float(data.get("updated_at", 0)),
        cameras,
    )
