"""``camsight analyze`` and ``camsight demo``: recorded files and stills in, events and tracks stored."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table

from camsight.apps.analyze import Analyzer, SourceResult
from camsight.apps.wiring import make_analyzer
from camsight.cli.common import ConfigOption, DbOption, JsonOption, console, console_err, load, open_store
from camsight.config import CameraConfig, Config
from camsight.errors import CamsightError, SourceError
from camsight.events.models import AnyEvent
from camsight.sources import SourceSpec, expand_paths

PathsArg = Annotated[
    list[Path], typer.Argument(help="Video files, still images or folders of them.", show_default=False)
]
CameraOption = Annotated[
    str | None,
    typer.Option(
        "--camera",
        help="Config camera whose zones and rules apply; default: the camera whose source is "
        "the file, else the first camera without a source.",
        show_default=False,
    ),
]


def pick_camera(config: Config, spec: SourceSpec, camera_id: str | None) -> CameraConfig:
    """Which configured camera a file belongs to.

    ``--camera`` wins; then a camera whose ``source`` is this file; then the first camera without a
    source (a template). The built-in default camera takes its id from the file or folder name.
    """
    if camera_id is not None:
        ids = [c.id for c in config.cameras]
        if camera_id not in ids:
            raise CamsightError(f"--camera {camera_id!r} is not in the config; cameras: {', '.join(ids)}")
        return config.camera(camera_id)
    for cam in config.cameras:
        if cam.source and Path(cam.source).resolve() == spec.path.resolve():
            return cam
    template = next((c for c in config.cameras if not c.source), config.cameras[0])
    if template.id == "default":
        name = (spec.folder or spec.path).stem if spec.folder is None else spec.folder.name
        safe = re.sub(r"[^A-Za-z0-9_.-]", "-", name)[:64].strip("-.") or "camera"
        return template.model_copy(update={"id": safe})
    return template


def _event_row(event: AnyEvent) -> dict[str, object]:
    return event.model_dump(mode="json")


def print_events(events: list[AnyEvent], *, as_json: bool) -> None:
    """Events as JSON lines or as a table."""
    events = sorted(events, key=lambda e: (e.source, e.start_s))
    if as_json:
        for event in events:
            console.file.write(json.dumps(_event_row(event)) + "\n")
        return
    table = Table(title=f"{len(events)} event(s)", title_justify="left")
    for col in ("kind", "camera", "source", "start", "end", "zone", "tracks", "score", "id"):
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
            e.id[:10],
        )
    console.print(table)


def print_summary(results: list[SourceResult]) -> None:
    """Frames, detections, tracks, events and speed, per source and in total."""
    table = Table(title="summary", title_justify="left")
    for col in (
        "source",
        "decoded",
        "analysed",
        "skipped by motion gate",
        "detections",
        "tracks",
        "events",
        "video s",
        "speed",
    ):
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


def run_analysis(
    paths: list[Path], config: Config, db: str | None, camera: str | None, as_json: bool
) -> tuple[list[SourceResult], list[str]]:
    """Analyse every source with a progress bar; returns results and the problems met."""
    specs = expand_paths(paths)
    engine, media = open_store(config, db)
    analyzer: Analyzer = make_analyzer(config, engine=engine, media=media)
    results: list[SourceResult] = []
    problems: list[str] = []
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console_err, transient=True) as bar:
        for spec in specs:
            task = bar.add_task(spec.path.name, total=1.0)

            def advance(now: float, duration: float | None, task: TaskID = task) -> None:
                bar.update(task, completed=min(1.0, now / duration) if duration else 0.0)

            cam = pick_camera(config, spec, camera)
            if not cam.rules and not as_json:
                console_err.print(f"camera {cam.id}: no rules configured, so only tracks are stored (docs/config.md)")
            try:
                result = analyzer.analyze(spec, cam, advance)
            except SourceError as exc:
                problems.append(str(exc))
                continue
            finally:
                bar.update(task, completed=1.0)
            results.append(result)
            if result.problem:
                problems.append(f"{spec.path}: {result.problem}; the events found before that are kept")
    return results, problems


def analyze_command(
    paths: PathsArg,
    config: ConfigOption = None,
    db: DbOption = None,
    camera: CameraOption = None,
    as_json: JsonOption = False,
) -> None:
    """Analyse video files and stills: detect, track, apply the rules, store events and tracks."""
    cfg = load(config)
    results, problems = run_analysis(paths, cfg, db, camera, as_json)
    print_events([e for r in results for e in r.events.values()], as_json=as_json)
    print_summary(results)
    for problem in problems:
        console_err.print(f"[bold red]error:[/] {problem}")
    if problems:
        raise typer.Exit(2)


def demo_paths() -> tuple[Path, Path]:
    """The bundled demo clip and its config."""
    base = Path(str(resources.files("camsight") / "demo"))
    return base / "intel_one-by-one-person-detection.mp4", base / "demo.yaml"


def demo_command(
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Analyse the bundled real clip (six people visit a table) with the bundled loitering rule."""
    clip, config_path = demo_paths()
    cfg = load(config_path)
    database = db or "camsight-data/demo.db"
    console_err.print(f"analysing bundled clip {clip.name} (139 s, six visitors at a table) with {config_path.name}")
    results, problems = run_analysis([clip], cfg, database, None, as_json)
    print_events([e for r in results for e in r.events.values()], as_json=as_json)
    print_summary(results)
    console_err.print(
        f"\nStored in {database}. Next:\n"
        f"  camsight events --db {database}            list stored events\n"
        f'  camsight search "person in a grey top" --db {database}   search what was seen\n'
        f"  camsight analyze YOUR_CLIP.mp4 --config FILE  analyse your own footage (docs/config.md)\n"
        "The web console is not built yet (it is a planned issue); use the commands above meanwhile."
    )
    if problems:
        raise typer.Exit(2)
