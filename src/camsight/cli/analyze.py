"""``camsight analyze`` and ``camsight demo``: recorded files and stills in, events and tracks stored."""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table

from camsight.apps.analyze import Analyzer, SourceResult
from camsight.cli.common import ConfigOption, DbOption, JsonOption, console, console_err, error_line, load, store_for
from camsight.cli.common import when as format_when
from camsight.cli.serve_cmd import PortOption, serve_command
from camsight.config import CameraConfig, Config
from camsight.core.interrupts import CtrlC
from camsight.errors import CamsightError, SourceError
from camsight.events.models import AnyEvent
from camsight.services import users
from camsight.services.actor import os_actor
from camsight.sources import SourceSpec, expand_paths
from camsight.store.handle import Store
from camsight.store.sources_repo import SourceBusy

PathsArg = Annotated[
    list[Path], typer.Argument(help="Video files, still images or folders of them.", show_default=False)
]
CameraOption = Annotated[
    str | None,
    typer.Option(
        "--camera",
        help="Config camera whose zones and rules apply; default: the camera whose source is "
        "the file, else the only camera without a source.",
        show_default=False,
    ),
]
JobsOption = Annotated[
    int,
    typer.Option(
        "--jobs",
        "-j",
        min=1,
        max=64,
        help="Files analysed at once, each job a process with a model of its own (about 350 MB each).",
    ),
]
SharedDetectorOption = Annotated[
    bool,
    typer.Option(
        "--shared-detector",
        help="With --jobs: one detector process detects for every job instead of a model in each "
        "(bench/analyze_jobs.py compares the two).",
    ),
]


class Interrupted(CamsightError):
    """Ctrl-C during an analysis (exit code 130)."""

    exit_code = 130


def pick_camera(config: Config, spec: SourceSpec, camera_id: str | None) -> tuple[CameraConfig, str | None]:
    """Which configured camera a file belongs to, and a note to show when that was a choice.

    ``--camera`` wins; then a camera whose ``source`` is this file; then the only camera without a
    source (a template). The built-in default camera takes its id from the file or folder name.

    Raises:
        CamsightError: ``--camera`` names no camera, or several cameras (or none) could apply.
    """
    ids = [c.id for c in config.cameras]
    if camera_id is not None:
        if camera_id not in ids:
            raise CamsightError(f"--camera {camera_id!r} is not in the config; cameras: {', '.join(ids)}")
        return config.camera(camera_id), None
    for cam in config.cameras:
        if cam.source and "://" not in cam.source and Path(cam.source).resolve() == spec.path.resolve():
            return cam, None
    templates = [c for c in config.cameras if not c.source]
    if len(templates) == 1 and templates[0].id == "default":
        name = (spec.folder or spec.path).stem if spec.folder is None else spec.folder.name
        safe = re.sub(r"[^A-Za-z0-9_.-]", "-", name)[:64].strip("-._") or "camera"
        return templates[0].model_copy(update={"id": safe}), None
    if len(templates) == 1:
        note = f"{spec.path.name}: no camera has it as source; camera {templates[0].id}'s zones and rules apply"
        return templates[0], note
    could = templates or list(config.cameras)
    raise CamsightError(
        f"{spec.path.name} is no camera's source and {len(could)} cameras could apply "
        f"({', '.join(c.id for c in could)}); say which with --camera"
    )


def print_found(events: list[AnyEvent], *, as_json: bool) -> None:
    """The events one analysis found, in order of time within each file (JSON lines or a table)."""
    events = sorted(events, key=lambda e: (e.source, e.start_s))
    if as_json:
        for event in events:
            console.file.write(json.dumps(event.model_dump(mode="json")) + "\n")
        return
    table = Table(title=f"{len(events)} event(s), in order of time", title_justify="left")
    for col in ("kind", "camera", "source", "start", "end", "zone", "tracks", "score", "wall time", "id"):
        table.add_column(col, overflow="fold")
    for e in events:
        table.add_row(
            e.kind,
            e.camera,
            Path(e.source).name,
            f"{e.start_s:.1f}s",
            f"{e.end_s:.1f}s",
            e.zone or "-",
            ",".join(map(str, e.track_ids)) or "-",
            f"{e.score:.2f}",
            format_when(e.started_at),
            e.id[:10],
        )
    console.print(table)


def print_summary(results: list[SourceResult]) -> None:
    """Frames, detections, tracks, events and speed, per source and in total."""
    table = Table(title="summary", title_justify="left")
    columns = (
        "source",
        "decoded",
        "analysed",
        "skipped by motion gate",
        "detections",
        "tracks",
        "events",
        "video s",
        "speed",
    )
    for col in columns:
        table.add_column(col, justify="right" if col != "source" else "left")
    for r in results:
        speed = r.video_s / r.wall_s if r.wall_s > 0 and r.kind == "video" else 0.0
        table.add_row(
            Path(r.source).name,
            str(r.frames_decoded),
            str(r.stats.frames_analysed),
            str(r.stats.frames_skipped),
            str(r.stats.detections),
            str(len(r.tracks)),
            str(len(r.events)),
            f"{r.video_s:.1f}",
            f"{speed:.1f}x real time" if speed else "-",
        )
    console_err.print(table)
    held = sum(len(r.held) for r in results)
    if held:
        console_err.print(f"{held} alert(s) held back by suppressions, kept: see 'camsight alerts list --suppressed'")
    if any(r.kind == "video" for r in results):
        console_err.print("wall times of files: the file's modification time minus its length (see docs/cli.md)")


def _interrupted(analyzer: Analyzer, spec: SourceSpec) -> Interrupted:
    current = analyzer.current
    kept = ""
    if current is not None and current.source == str(spec.path.resolve()):
        kept = f"this run's {len(current.events)} event(s) and {len(current.tracks)} track(s) so far are stored, "
    return Interrupted(
        f"interrupted while analysing {spec.path.name}: {kept}results of earlier runs of it are kept, and it is "
        "marked failed; analyse it again to complete it"
    )


def _bar_columns() -> tuple[TextColumn | BarColumn | TimeRemainingColumn, ...]:
    return (
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
    )


def _notes(cam: CameraConfig, note: str | None, as_json: bool) -> None:
    if note and not as_json:
        console_err.print(note)
    if not cam.rules and not as_json:
        console_err.print(f"camera {cam.id}: no rules configured, so only tracks are stored (docs/config.md)")


def run_analysis(
    paths: list[Path],
    config: Config,
    store: Store,
    camera: str | None,
    as_json: bool,
    jobs: int = 1,
    shared_detector: bool = False,
) -> tuple[list[SourceResult], list[str]]:
    """Analyse every source with a progress bar (``jobs`` at once); returns results and the problems met."""
    specs = expand_paths(paths)
    cameras = [pick_camera(config, spec, camera) for spec in specs]  # refuse before anything is analysed
    if jobs > 1 and len(specs) > 1:
        return _run_jobs(specs, cameras, config, store, as_json, jobs, shared_detector)
    analyzer = Analyzer(config, store)
    results: list[SourceResult] = []
    problems: list[str] = []
    with Progress(*_bar_columns(), console=console_err, transient=True) as bar, CtrlC() as ctrl_c:
        for spec, (cam, note) in zip(specs, cameras, strict=True):
            task = bar.add_task(spec.path.name, total=1.0)

            def advance(now: float, duration: float | None, task: TaskID = task) -> None:
                ctrl_c.check()  # each analysed frame: a Ctrl-C a library swallowed stops it here
                bar.update(task, completed=min(1.0, now / duration) if duration else 0.0)

            _notes(cam, note, as_json)
            try:
                result = analyzer.analyze(spec, cam, advance)
            except (SourceError, SourceBusy) as exc:
                problems.append(str(exc))
                continue
            except KeyboardInterrupt:
                raise _interrupted(analyzer, spec) from None
            finally:
                bar.update(task, completed=1.0)
            results.append(result)
            if result.problem:
                problems.append(f"{spec.path}: {result.problem}; the events found before that are kept")
    return results, problems


def _run_jobs(
    specs: list[SourceSpec],
    cameras: list[tuple[CameraConfig, str | None]],
    config: Config,
    store: Store,
    as_json: bool,
    jobs: int,
    shared_detector: bool,
) -> tuple[list[SourceResult], list[str]]:
    """The sources analysed ``jobs`` at once (:mod:`camsight.apps.jobs`), a bar per file and one for all."""
    from camsight.apps.jobs import Job, run_jobs

    for cam, note in cameras:
        _notes(cam, note, as_json)
    work = [Job(i, spec, cam) for i, (spec, (cam, _note)) in enumerate(zip(specs, cameras, strict=True))]
    found: dict[int, SourceResult] = {}
    problems: list[str] = []
    done = [0.0] * len(work)
    with Progress(*_bar_columns(), console=console_err, transient=True) as bar:
        overall = bar.add_task(f"all {len(work)} files, {jobs} at once", total=float(len(work)))
        tasks = [bar.add_task(spec.path.name, total=1.0) for spec in specs]

        def tick(index: int, now: float, duration: float | None) -> None:
            done[index] = min(1.0, now / duration) if duration else 0.0
            bar.update(tasks[index], completed=done[index])
            bar.update(overall, completed=sum(done))

        try:
            found_jobs = run_jobs(
                work, config, store.paths.database, workers=jobs, tick=tick, shared_detector=shared_detector
            )
            for finished in found_jobs:
                done[finished.index] = 1.0
                bar.update(tasks[finished.index], completed=1.0)
                bar.update(overall, completed=sum(done))
                if finished.result is None:
                    problems.append(finished.problem or f"{specs[finished.index].path}: not analysed")
                    continue
                found[finished.index] = finished.result
                if finished.result.problem:
                    path = specs[finished.index].path
                    problems.append(f"{path}: {finished.result.problem}; the events found before that are kept")
        except KeyboardInterrupt:
            raise Interrupted(
                "interrupted: the files being analysed keep what their runs stored so far and are marked failed, "
                "results of earlier runs of them are kept; analyse them again to complete them"
            ) from None
    return [found[i] for i in sorted(found)], problems


def analyze_command(
    paths: PathsArg,
    config: ConfigOption = None,
    db: DbOption = None,
    camera: CameraOption = None,
    as_json: JsonOption = False,
    jobs: JobsOption = 1,
    shared_detector: SharedDetectorOption = False,
) -> None:
    """Analyse video files and stills: detect, track, apply the rules, store events and tracks."""
    cfg = load(config)
    store = store_for(cfg, db)
    results, problems = run_analysis(paths, cfg, store, camera, as_json, jobs, shared_detector)
    print_found([e for r in results for e in r.events.values()], as_json=as_json)
    print_summary(results)
    send_to_hub(cfg, store)
    for problem in problems:
        console_err.print(error_line(problem))
    if problems:
        raise typer.Exit(2)


def send_to_hub(config: Config, store: Store) -> None:
    """With ``hub.mqtt`` set, wait (at most ``hub.drain_timeout_s``) for the outbox to reach the broker."""
    from camsight.apps.wiring import make_publisher

    publisher = make_publisher(config, store)
    if publisher is None or config.hub is None:
        return
    publisher.start()
    try:
        done = publisher.drain(config.hub.drain_timeout_s)
    finally:
        publisher.stop()
    if done:
        console_err.print(f"sent to the hub: {publisher.acknowledged} message(s)")
        return
    why = f" ({publisher.problem})" if publisher.problem else " (no hub confirmed them in time)"
    console_err.print(
        f"{publisher.pending()} message(s) still wait for the hub{why}; they are kept in the outbox "
        "and sent by `camsight run` or `camsight outbox send`"
    )


def demo_paths() -> tuple[Path, Path]:
    """The bundled demo clip and its config."""
    base = Path(str(resources.files("camsight") / "demo"))
    return base / "intel_one-by-one-person-detection.mp4", base / "demo.yaml"


ServeOption = Annotated[
    bool,
    typer.Option(
        "--serve/--no-serve",
        help="After the analysis, serve the console on this machine (127.0.0.1) until Ctrl-C; --no-serve for "
        "scripts. When the demo store has no account, an admin account with a random password is made and "
        "its password printed, once.",
    ),
]


def demo_admin(store: Store) -> str | None:
    """Make an ``admin`` account with a random password when the store has none; returns the password, or None."""
    with store.engine.begin() as conn:
        if users.list_all(conn, actor=os_actor()):
            return None
        password = secrets.token_urlsafe(12)
        users.add(conn, actor=os_actor(), name="admin", role="admin", password=password, now=datetime.now(UTC))
    return password


def _serve_demo(store: Store, config_path: Path, database: str, port: int) -> None:
    url = f"http://127.0.0.1:{port}/"
    password = demo_admin(store)
    if password is None:
        console_err.print(
            f"\nConsole: {url} - log in with an account of this store (the admin password was printed when it "
            f"was made; `camsight users passwd admin --db {database}` sets a new one)."
        )
    else:
        console_err.print(
            f"\nConsole: {url} - log in as admin with password {password}\n"
            f"(made for this store and shown only now; `camsight users passwd admin --db {database}` changes it)"
        )
    serve_command(config=config_path, db=database, host="127.0.0.1", port=port)


def demo_command(
    db: DbOption = None,
    as_json: JsonOption = False,
    serve: ServeOption = True,
    port: PortOption = 8080,
) -> None:
    """Analyse the bundled real clip (six people visit a table) with its loitering rule, then serve the console."""
    clip, config_path = demo_paths()
    cfg = load(config_path)
    database = db or "camsight-data/demo.db"
    console_err.print(f"analysing bundled clip {clip.name} (139 s, six visitors at a table) with {config_path.name}")
    store = store_for(cfg, database)
    results, problems = run_analysis([clip], cfg, store, None, as_json)
    print_found([e for r in results for e in r.events.values()], as_json=as_json)
    print_summary(results)
    console_err.print(
        f"\nStored in {database}. Next:\n"
        f"  camsight events --db {database}            list stored events\n"
        f'  camsight search "person in a grey top" --db {database}   search what was seen\n'
        f"  camsight analyze YOUR_CLIP.mp4 --config FILE  analyse your own footage (docs/config.md)\n"
        f"  camsight serve --config {config_path} --db {database}   the web console (docs/console.md)"
    )
    if problems:
        raise typer.Exit(2)
    if serve:
        _serve_demo(store, config_path, database, port)
