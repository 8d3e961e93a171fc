"""``camsight run``, ``camsight status`` and ``camsight clip``: live cameras, their health, event clips."""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer
from rich.table import Table

from camsight.apps.edge import Supervisor
from camsight.apps.health import CameraHealth
from camsight.cli.common import ConfigOption, DbOption, JsonOption, actor, console, console_err, load, store_for
from camsight.cli.common import when as format_when
from camsight.services import clips
from camsight.services.status import camera_health
from camsight.store.locks import StoreLock

ForOption = Annotated[
    float | None,
    typer.Option(
        "--for", help="Stop by itself after this many seconds (for trials and benchmarks).", show_default=False, min=1
    ),
]


def alert_line(message: dict[str, Any]) -> str:
    """One line per alert start or end, for the person at the terminal."""
    started = datetime.fromisoformat(str(message["started_at"]))
    where = f" in {message['zone']}" if message.get("zone") else ""
    if message["status"] == "started":
        return (
            f"{format_when(started)}  ALERT  {message['camera']}: {message['kind']}{where} "
            f"(rule {message['rule']}, score {message['score']}) id {str(message['id'])[:10]}"
        )
    return (
        f"{format_when(started)}  ended  {message['camera']}: {message['kind']}{where} after "
        f"{message['duration_s']} s, id {str(message['id'])[:10]}"
    )


def run_command(config: ConfigOption = None, db: DbOption = None, run_for: ForOption = None) -> None:
    """Follow every camera with an rtsp:// source: detect, track, raise events, record; Ctrl-C stops cleanly.

    Each alert is printed as one line when it starts and when it ends.
    """
    cfg = load(config)
    lock = StoreLock(db or cfg.store.database)
    lock.acquire()  # a second runner on the same store refuses here, before touching anything
    store = store_for(cfg, db)
    paths = store.paths
    store.close()
    level = logging.getLevelName(logging.getLogger().getEffectiveLevel())
    supervisor = Supervisor(
        cfg,
        paths=paths,
        log_level=str(level),
        on_alert=lambda m: console.print(alert_line(m), soft_wrap=True),
        lock=lock,
    )

    def on_signal(_sig: int, _frame: FrameType | None) -> None:
        supervisor.stop()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    timer = threading.Timer(run_for, supervisor.stop) if run_for else None
    port = cfg.live.metrics_port
    console_err.print(
        f"following {len(supervisor.slots)} camera(s): {', '.join(supervisor.slots)}\n"
        f"  status:  camsight status --db {paths.database}\n"
        + (f"  metrics: http://127.0.0.1:{port}/metrics\n" if port else "")
        + "Ctrl-C stops (open events and tracks are stored first)."
    )
    try:
        if timer:
            timer.start()
        supervisor.run()
    finally:
        if timer:
            timer.cancel()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print_health(supervisor.snapshots(), title="stopped")


def _ago(ts: float | None, now: float) -> str:
    return "-" if ts is None else f"{max(0.0, now - ts):.1f}s ago"


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return ">10s" if value == float("inf") else f"{value * 1000:.0f}"


def print_health(cameras: list[CameraHealth], *, title: str) -> None:
    """A table of per-camera health."""
    now = time.time()
    table = Table(title=title, title_justify="left")
    for col in (
        "camera",
        "state",
        "model",
        "in",
        "analysed",
        "dropped",
        "reconn.",
        "restarts",
        "queue",
        "last frame",
        "in fps",
        "events",
        "latency p50/p95 ms",
        "cpu s",
        "last outage / reason",
    ):
        table.add_column(
            col,
            justify="left" if col in ("camera", "state", "model", "last outage / reason") else "right",
            overflow="fold",
        )
    for c in cameras:
        up_s = max(1e-6, now - c.started_at) if c.started_at else None
        fps = f"{c.frames_in / up_s:.1f}" if up_s and c.state != "stopped" else "-"
        outage = ""
        if c.last_outage:
            start, end, why = c.last_outage
            outage = f"{time.strftime('%H:%M:%S', time.localtime(start))}+{end - start:.1f}s ({why})"
        notes = "; ".join(x for x in (c.reason, outage, *c.notes[-1:]) if x)
        table.add_row(
            c.camera,
            c.state,
            c.model or "-",
            str(c.frames_in),
            str(c.frames_analysed),
            str(c.frames_dropped),
            str(c.reconnects),
            str(c.restarts),
            str(c.queue_depth),
            _ago(c.last_frame_at, now),
            fps,
            str(c.events),
            f"{_ms(c.latency.quantile(0.5))}/{_ms(c.latency.quantile(0.95))}",
            f"{c.cpu_s:.1f}",
            notes or "-",
        )
    console.print(table)


def status_command(config: ConfigOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Print the health of each camera of a running (or the last) `camsight run`."""
    cfg = load(config)
    paths = store_for(cfg, db).paths
    status = camera_health(paths.status, actor=actor())
    if as_json:
        console.file.write(json.dumps(json.loads(paths.status.read_text(encoding="utf-8"))) + "\n")
        return
    age = time.time() - status.updated_at
    running = status.running and age < 10 and _alive(status.pid)
    title = (
        f"camsight run (pid {status.pid}), updated {age:.0f}s ago"
        if running
        else f"camsight run is NOT running; last status from {age:.0f}s ago"
    )
    print_health(status.cameras, title=title)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


EventArg = Annotated[str, typer.Argument(help="Event id (or its first characters, as `camsight events` shows).")]
OutOption = Annotated[
    Path,
    typer.Option(
        "--output",
        "-o",
        help="Clip file to write (a name ending in .mp4), or an existing folder to write it in as ID.mp4 "
        "(the event id's first 10 characters). Written beside it first and moved there when complete, "
        "readable by its owner only; an existing file is replaced only with --force.",
    ),
]
PreOption = Annotated[
    float | None,
    typer.Option(
        "--pre", help="Seconds before the event; default recording.pre_s.", min=0, max=300, show_default=False
    ),
]
PostOption = Annotated[
    float | None,
    typer.Option(
        "--post", help="Seconds after the event; default recording.post_s.", min=0, max=300, show_default=False
    ),
]
NoBlurOption = Annotated[
    bool,
    typer.Option(
        "--no-blur",
        help="Heads NOT blurred: re-encoded with the camera's privacy masks burned in (the packets are copied "
        "as recorded only when there is no mask to burn). An admin action, written to the audit log as "
        "clip.export_unblurred.",
    ),
]
NoMasksOption = Annotated[
    bool,
    typer.Option(
        "--no-masks",
        help="Leave the camera's privacy masks out of the clip (recordings made with recording.burn_masks keep "
        "theirs). An admin action that needs --reason, written to the audit log as clip.export_unmasked.",
    ),
]
ReasonOption = Annotated[
    str | None,
    typer.Option(
        "--reason",
        help="Why the privacy masks are lifted (required with --no-masks; written to the audit log).",
        show_default=False,
    ),
]


ForceOption = Annotated[
    bool,
    typer.Option("--force", help="Replace a file already at --output (never the video the clip is cut from)."),
]


def clip_command(
    event_id: EventArg,
    output: OutOption,
    config: ConfigOption = None,
    db: DbOption = None,
    pre: PreOption = None,
    post: PostOption = None,
    no_blur: NoBlurOption = False,
    no_masks: NoMasksOption = False,
    reason: ReasonOption = None,
    force: ForceOption = False,
) -> None:
    """Cut an event's clip (a few seconds before and after) from the recordings or from its source file.

    The camera's privacy masks are blacked out in every frame and heads are blurred, unless an admin says
    otherwise (--no-blur; --no-masks with --reason).
    """
    cfg = load(config)
    store = store_for(cfg, db)
    pre_s = cfg.recording.pre_s if pre is None else pre
    post_s = cfg.recording.post_s if post is None else post
    result = clips.export(
        store,
        actor=actor(),
        config=cfg,
        ref=event_id,
        output=output,
        pre_s=pre_s,
        post_s=post_s,
        blur=not no_blur,
        masks=not no_masks,
        reason=reason,
        force=force,
    )
    console_err.print(
        f"wrote {result.path}: {result.duration_s:.1f} s, {result.frames} frames, {_clip_privacy(result)}, "
        f"from {len(result.pieces)} file(s)",
        soft_wrap=True,
    )


def _clip_privacy(result: clips.ClipResult) -> str:
    """What the clip shows, in words: heads, masks, and whether it was re-encoded."""
    heads = "heads blurred" if result.blurred else "heads NOT blurred"
    if not result.masked:
        masks = "privacy masks NOT applied"
    elif result.masks:
        masks = f"{result.masks} privacy mask(s) burned in"
    else:
        masks = "no privacy mask configured"
    how = "re-encoded" if result.reencoded else "copied without re-encoding"
    return f"{heads}, {masks}, {how}"
