"""``camsight search "TEXT"``: plain-English search over the stored tracks, with the evidence for each hit."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
import typer
from rich.table import Table

from camsight.cli.common import ConfigOption, DbOption, JsonOption, console, console_err, load, open_store
from camsight.cli.events import parse_since
from camsight.config import Config
from camsight.errors import QueryError
from camsight.search import clip_embedder
from camsight.search.index import SearchResult, search
from camsight.search.parser import parse
from camsight.search.query import Query
from camsight.store import audit
from camsight.store import repository as repo
from camsight.store.media import MediaStore
from camsight.store.schema import events as event_table

TextArg = Annotated[
    str, typer.Argument(help='What to look for, e.g. "person in a red jacket after 5pm".', show_default=False)
]
LimitOption = Annotated[int, typer.Option("--limit", min=1, max=1000, help="Results per page.")]
OffsetOption = Annotated[int, typer.Option("--offset", min=0, help="Skip this many results (next pages).")]
CameraOption = Annotated[str | None, typer.Option("--camera", help="Only this camera.", show_default=False)]
SinceOption = Annotated[
    str | None,
    typer.Option("--since", help="Only tracks seen from then on: 30m, 2h, 7d or ISO time.", show_default=False),
]
ClipOption = Annotated[
    Path | None,
    typer.Option(
        "--clip",
        help="Folder with a CLIP-style image/text ONNX encoder pair and tokenizer.json "
        f"(default: ${clip_embedder.ENV_FOLDER}, if set).",
        show_default=False,
    ),
]


def _known_names(conn: sa.Connection, config: Config) -> tuple[list[str], list[str]]:
    """Camera ids and zone names the text may refer to: from the store and the config."""
    cameras = set(repo.list_cameras(conn)) | {c.id for c in config.cameras}
    zones = {z.name for c in config.cameras for z in c.zones}
    stmt = sa.select(event_table.c.zone).where(event_table.c.zone.is_not(None)).distinct()
    zones |= {str(z) for z in conn.execute(stmt).scalars()}
    return sorted(cameras), sorted(zones)


def _apply_options(query: Query, camera: str | None, since: str | None, now: datetime) -> Query:
    update: dict[str, Any] = {}
    if camera is not None:
        update["camera"] = camera
    if since is not None:
        start = parse_since(since, now=now)
        if start > now:
            raise QueryError(f"--since {since!r} is in the future; nothing can match yet")
        update["since"] = max(start, query.since) if query.since else start
        if query.until is not None and query.until <= update["since"]:
            raise QueryError(f"--since {since!r} is after the end of the query's time range")
    return query.model_copy(update=update) if update else query


def _row(hit_rank: int, score: float, record: Any, evidence: tuple[str, ...], media: MediaStore) -> dict[str, Any]:
    thumb = str(media.root / record.thumbnail) if record.thumbnail else None
    return {
        "rank": hit_rank,
        "score": score,
        "track_id": record.id,
        "camera": record.camera,
        "source": record.source,
        "source_id": record.source_id,
        "start_s": record.start_s,
        "end_s": record.end_s,
        "started_at": record.started_at.isoformat(),
        "ended_at": record.ended_at.isoformat(),
        "object_class": record.object_class,
        "evidence": list(evidence),
        "thumbnail": thumb,
    }


def print_results(result: SearchResult, media: MediaStore, *, as_json: bool) -> None:
    """Hits as JSON lines (one object per hit) or as a table."""
    rows = [_row(h.rank, h.score, h.record, h.evidence, media) for h in result.hits]
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
        local = hit.record.started_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        table.add_row(
            str(row["rank"]),
            f"{row['score']:.2f}",
            f"{row['camera']}\n{Path(row['source']).name}",
            f"{local}\n@ {row['start_s']:.1f}-{row['end_s']:.1f} s",
            row["object_class"],
            "\n".join(row["evidence"]) or "-",
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
    since: SinceOption = None,
    clip: ClipOption = None,
) -> None:
    """Search the stored tracks in plain English; the parsed query is shown first (on stderr with --json)."""
    cfg = load(config)
    engine, media = open_store(cfg, db)
    embedder = clip_embedder.load(clip or cfg.search.clip_model)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        cameras, zones = _known_names(conn, cfg)
        query = parse(text, now=now, cameras=cameras, zones=zones, open_vocabulary=embedder is not None)
        query = _apply_options(query, camera, since, now)
        (console_err if as_json else console).print(f"query: {query.describe()}", highlight=False, markup=False)
        result = search(conn, query, limit=limit, offset=offset, embedder=embedder, media_root=media.root)
        audit.record(
            conn,
            action="search",
            detail={
                "text": text,
                "query": query.describe(),
                "limit": limit,
                "offset": offset,
                "results": len(result.hits),
            },
        )
    print_results(result, media, as_json=as_json)
