"""``camsight search "TEXT"``: plain-English search over the stored tracks, with the evidence for each hit."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from camsight.cli.common import (
    ConfigOption,
    DbOption,
    JsonOption,
    SinceOption,
    SiteOption,
    UtcOption,
    actor,
    console,
    console_err,
    load,
    parse_since,
    store_for,
    when,
)
from camsight.search import clip_embedder
from camsight.search.engine import SearchResult
from camsight.search.rank import Hit, nothing_matched
from camsight.services import search as search_service
from camsight.store.media import MediaStore

TextArg = Annotated[
    str, typer.Argument(help='What to look for, e.g. "person in a red jacket after 5pm".', show_default=False)
]
LimitOption = Annotated[int, typer.Option("--limit", min=1, max=1000, help="Results per page.")]
OffsetOption = Annotated[int, typer.Option("--offset", min=0, help="Skip this many results (next pages).")]
CameraOption = Annotated[str | None, typer.Option("--camera", help="Only this camera.", show_default=False)]
ClipOption = Annotated[
    Path | None,
    typer.Option(
        "--clip",
        help="Folder with a CLIP-style image/text ONNX encoder pair and tokenizer.json "
        f"(default: ${clip_embedder.ENV_FOLDER}, if set).",
        show_default=False,
    ),
]


def _row(hit: Hit, media: MediaStore) -> dict[str, Any]:
    record = hit.record
    thumb = str(media.root / record.thumbnail) if record.thumbnail else None
    return {
        "rank": hit.rank,
        "score": hit.score,
        "track_id": record.id,
        "site": record.site,
        "camera": record.camera,
        "source": record.source,
        "source_id": record.source_id,
        "start_s": record.start_s,
        "end_s": record.end_s,
        "at_s": hit.at_s,
        "started_at": record.started_at.isoformat(),
        "ended_at": record.ended_at.isoformat(),
        "object_class": record.object_class,
        "evidence": list(hit.evidence),
        "complete": hit.complete,
        "missing": list(hit.missing),
        "thumbnail": thumb,
    }


def print_results(result: SearchResult, media: MediaStore, *, as_json: bool, utc: bool = False) -> None:
    """Hits as JSON lines (one object per hit) or as a table."""
    rows = [_row(h, media) for h in result.hits]
    note = nothing_matched(result.query, result.hits)
    if note and (as_json or rows):
        console_err.print(note)
    if as_json:
        for row in rows:
            console.file.write(json.dumps(row) + "\n")
        return
    if not rows:
        console_err.print("no tracks match")
        return
    table = Table(title=f"results {result.offset + 1}-{result.offset + len(rows)}", title_justify="left")
    for col in ("#", "score", "camera / source", "time", "object", "evidence", "thumbnail"):
        table.add_column(col, overflow="fold")
    for row, hit in zip(rows, result.hits, strict=True):
        where = Path(row["source"]).name if "://" not in row["source"] else row["source"]
        evidence = list(row["evidence"]) + ([f"partial: no match for {', '.join(hit.missing)}"] if hit.missing else [])
        table.add_row(
            str(row["rank"]) if hit.complete else f"{row['rank']}\npartial",
            f"{row['score']:.2f}",
            f"{row['camera']}\n{where}",
            f"{when(hit.record.started_at, utc=utc)}\n@ {row['start_s']:.1f}-{row['end_s']:.1f} s"
            + (f"\nmatched at {hit.at_s:.1f} s" if hit.at_s is not None else ""),
            row["object_class"],
            "\n".join(evidence) or "-",
            row["thumbnail"] or "-",
        )
    console.print(table)
    if result.more:
        console_err.print(f"more results: --offset {result.offset + len(rows)}")


def search_command(
    text: TextArg,
    config: ConfigOption = None,
    db: DbOption = None,
    limit: LimitOption = 10,
    offset: OffsetOption = 0,
    as_json: JsonOption = False,
    camera: CameraOption = None,
    site: SiteOption = None,
    since: SinceOption = None,
    clip: ClipOption = None,
    utc: UtcOption = False,
) -> None:
    """Search the stored tracks in plain English; the parsed query is shown first (on stderr with --json)."""
    cfg = load(config)
    store = store_for(cfg, db)
    embedder = clip_embedder.load(clip or cfg.search.clip_model)
    now = datetime.now(UTC)
    names = [c.id for c in cfg.cameras], [z.name for c in cfg.cameras for z in c.zones]
    with store.engine.begin() as conn:
        outcome = search_service.search(
            conn,
            actor=actor(),
            text=text,
            now=now,
            cameras=names[0],
            zones=names[1],
            camera=camera,
            site=site,
            since=parse_since(since, now=now) if since else None,
            limit=limit,
            offset=offset,
            embedder=embedder,
        )
    (console_err if as_json else console).print(f"query: {outcome.query.describe()}")
    if not outcome.audited:
        console_err.print("note: the store is read-only here, so this search is not in its audit log")
    print_results(outcome.result, store.media, as_json=as_json, utc=utc)
