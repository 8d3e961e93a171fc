"""Per-camera health of ``camsight run``: counters, state, alert latency; a status file and Prometheus metrics.

Each camera worker sends a :class:`CameraHealth` snapshot to the supervisor about once a second.
The supervisor keeps the latest per camera (adding the counters of earlier, crashed workers of the
same camera), writes them all to a JSON status file (:mod:`camsight.store.status_file`; ``camsight status`` prints
it) and serves the same numbers at ``http://127.0.0.1:<port>/metrics``:

==========================================  =========  ================================================
metric                                       type       meaning (label ``camera``)
==========================================  =========  ================================================
``camsight_camera_up``                       gauge      1 while the stream is live
``camsight_camera_state``                    gauge      1 for the current state (label ``state``)
``camsight_camera_frames_in_total``          counter    frames decoded from the stream
``camsight_camera_frames_analysed_total``    counter    sampled frames that went through the pipeline
``camsight_camera_frames_dropped_total``     counter    sampled frames dropped because analysis lagged
``camsight_camera_reconnects_total``         counter    reconnections after the stream dropped
``camsight_camera_restarts_total``           counter    worker processes restarted by the supervisor
``camsight_camera_queue_depth``              gauge      frames waiting for analysis
``camsight_camera_last_frame_timestamp``     gauge      wall time of the last frame (Unix seconds)
``camsight_camera_events_total``             counter    events raised
``camsight_camera_cpu_seconds_total``        counter    CPU time of the camera's worker process
``camsight_alert_latency_seconds``           histogram  frame captured → event stored
==========================================  =========  ================================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from camsight.errors import CamsightError
from camsight.store.status_file import (
    LATENCY_BUCKETS,
    STATES,
    CameraHealth,
    LatencyHistogram,
    Status,
    read_status,
    write_status,
)

__all__ = [
    "LATENCY_BUCKETS",
    "STATES",
    "CameraHealth",
    "HealthCollector",
    "LatencyHistogram",
    "Status",
    "read_status",
    "serve_metrics",
    "write_status",
]


class HealthCollector(Collector):
    """Prometheus collector reading the supervisor's latest snapshots on every scrape."""

    def __init__(self, snapshots: Callable[[], list[CameraHealth]]) -> None:
        """``snapshots`` returns the current health of every camera."""
        self.snapshots = snapshots

    def collect(self) -> Iterator[Metric]:
        """Metric families for all cameras."""
        cams = self.snapshots()
        up = GaugeMetricFamily("camsight_camera_up", "1 while the camera's stream is live.", labels=["camera"])
        state = GaugeMetricFamily(
            "camsight_camera_state", "1 for the camera's current state.", labels=["camera", "state"]
        )
        depth = GaugeMetricFamily("camsight_camera_queue_depth", "Frames waiting for analysis.", labels=["camera"])
        last = GaugeMetricFamily(
            "camsight_camera_last_frame_timestamp", "Wall time of the last frame (Unix s).", labels=["camera"]
        )
        latency = HistogramMetricFamily(
            "camsight_alert_latency_seconds", "Frame captured to event stored.", labels=["camera"]
        )
        for cam in cams:
            up.add_metric([cam.camera], float(cam.state == "live"))
            for name in STATES:
                state.add_metric([cam.camera, name], float(cam.state == name))
            depth.add_metric([cam.camera], cam.queue_depth)
            last.add_metric([cam.camera], cam.last_frame_at or 0.0)
            cumulative, buckets = 0, []
            for bound, count in zip((*LATENCY_BUCKETS, float("inf")), cam.latency.counts, strict=True):
                cumulative += count
                buckets.append(("+Inf" if bound == float("inf") else str(bound), cumulative))
            latency.add_metric([cam.camera], buckets, cam.latency.total_s)
        yield from (up, state, depth, last, latency)
        yield from _counters(cams)


def _counters(cams: list[CameraHealth]) -> Iterator[Metric]:
    described = {
        "frames_in": "Frames decoded from the stream.",
        "frames_analysed": "Sampled frames analysed by the pipeline.",
        "frames_dropped": "Sampled frames dropped because the analysis lagged.",
        "reconnects": "Reconnections after the stream dropped.",
        "restarts": "Worker processes restarted by the supervisor.",
        "events": "Events raised.",
        "cpu_seconds": "CPU time of the camera's worker process.",
    }
    for name, doc in described.items():
        family = CounterMetricFamily(f"camsight_camera_{name}", doc, labels=["camera"])
        attr = "cpu_s" if name == "cpu_seconds" else name
        for cam in cams:
            family.add_metric([cam.camera], float(getattr(cam, attr)))
        yield family


def serve_metrics(port: int, snapshots: Callable[[], list[CameraHealth]]) -> CollectorRegistry | None:
    """Serve the metrics at ``http://127.0.0.1:<port>/metrics`` from a daemon thread; 0 serves nothing.

    Raises:
        CamsightError: The port is taken.
    """
    if port == 0:
        return None
    from prometheus_client import start_http_server

    registry = CollectorRegistry(auto_describe=False)
    registry.register(HealthCollector(snapshots))
    try:
        start_http_server(port, addr="127.0.0.1", registry=registry)
    except OSError as exc:
        raise CamsightError(
            f"cannot serve metrics on 127.0.0.1:{port} ({exc.strerror}); set live.metrics_port "
            "to a free port, or 0 to turn metrics off"
        ) from None
    return registry
