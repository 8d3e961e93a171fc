"""Text-search evaluation: index the files of a case file with the real analyzer, run each query, score the hits.

Usage: python bench/search_eval.py CASES DATA [--fps 5] [--keep DIR [--reuse]] [--verbose]

CASES is a JSON-lines file in the format of ``queries.dev.jsonl``; DATA the folder its ``file`` paths
are relative to. One case per line::

    {"query": "person in a red jacket",
     "expect": [{"file": "videos/x.mp4", "from_s": 3, "to_s": 12}, {"file": "photos/y.jpg"}]}

Every video and photo under DATA's ``videos/`` and ``photos/`` folders is analysed once (answers or
not, so the rest of the footage competes with the answers as it would in a real archive; files a case
names elsewhere are added), into a fresh SQLite database and media folder in a temporary directory,
by :class:`camsight.apps.analyze.Analyzer` (the configured detector and describer, as ``camsight
analyze`` builds it) with the default camera (one per file, named after it; stills are analysed one
by one). Then each query is parsed by :func:`camsight.search.parse` (lexicon + all-MiniLM-L6-v2) and
run by :func:`camsight.search.search` (top 10).

A hit is a result from an expected file: for a video entry, whose ``[start_s, end_s]`` overlaps
``[from_s, to_s]``; for a photo entry, any result from that photo. recall@k is the share of queries
with at least one hit in the top k; MRR the mean of 1 / rank of the first hit (0 when none). The last
line is exactly ``search: recall@5=R5 recall@10=R10 mrr=M queries=N``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from camsight.apps.analyze import Analyzer
from camsight.cli.analyze import pick_camera
from camsight.config import Config
from camsight.core.records import TrackRecord
from camsight.errors import CamsightError
from camsight.search import parse, search
from camsight.sources import SourceSpec, is_image
from camsight.store import open_store

TOP = 10


@dataclass(frozen=True)
class Expected:
    """One expected item: a file (resolved) and, for videos, a time window."""

    path: str
    from_s: float | None = None
    to_s: float | None = None

    def matches(self, record: TrackRecord) -> bool:
        """Whether ``record`` is a hit for this item."""
        if record.source != self.path:
            return False
        if self.from_s is None or self.to_s is None:
            return True
        return record.start_s <= self.to_s and record.end_s >= self.from_s


def read_cases(path: Path, data: Path) -> list[tuple[str, list[Expected]]]:
    """The cases of a JSON-lines file, with file paths resolved against ``data``."""
    cases = []
    for n, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
            expect = [
                Expected(str((data / e["file"]).resolve()), e.get("from_s"), e.get("to_s")) for e in case["expect"]
            ]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            sys.exit(f"{path}:{n}: not a search case ({exc})")
        cases.append((str(case["query"]), expect))
    return cases


VIDEO_SUFFIXES = frozenset((".mp4", ".avi", ".mkv", ".mov", ".webm", ".m4v", ".ts"))
"""Files under ``videos/`` that are indexed (other files there, such as notes, are not)."""


def archive_files(data: Path) -> list[str]:
    """Every video under ``data/videos`` and every photo under ``data/photos`` (recursively), resolved."""
    found: list[str] = []
    for folder, wanted in (("videos", lambda f: f.suffix.lower() in VIDEO_SUFFIXES), ("photos", is_image)):
        root = data / folder
        if root.is_dir():
            found += [str(f.resolve()) for f in sorted(root.rglob("*")) if f.is_file() and wanted(f)]
    return found


def build_analyzer(config: Config, root: Path) -> Analyzer:
    """The analyzer camsight would use, writing into ``root``."""
    return Analyzer(config, open_store(config, str(root / "eval.db")))


def index_files(analyzer: Analyzer, config: Config, files: list[str]) -> None:
    """Analyse every file once (stills one by one), printing what was found."""
    for path in files:
        spec = SourceSpec(Path(path), "still" if is_image(Path(path)) else "video")
        started = time.perf_counter()
        try:
            result = analyzer.analyze(spec, pick_camera(config, spec, None)[0])
        except CamsightError as exc:
            print(f"  {Path(path).name}: cannot analyse: {exc}")
            continue
        print(f"  {Path(path).name}: {len(result.tracks)} tracks in {time.perf_counter() - started:.1f} s")


def _label(record: TrackRecord) -> str:
    name = Path(record.source).name
    return name if record.start_s == record.end_s == 0 else f"{name}@{record.start_s:.0f}-{record.end_s:.0f}s"


def run_queries(analyzer: Analyzer, cases: list[tuple[str, list[Expected]]], *, verbose: bool) -> list[int | None]:
    """Rank of the first hit of each query (None: none in the top :data:`TOP`), with a table row each."""
    firsts: list[int | None] = []
    now = datetime.now(UTC)
    print(f"\n{'query':38s} {'first':>5s}  top results")
    for text, expect in cases:
        try:
            query = parse(text, now=now)
            with analyzer.store.engine.begin() as conn:
                hits = search(conn, query, limit=TOP).hits
        except CamsightError as exc:
            print(f"{text[:38]:38s} {'-':>5s}  error: {exc}")
            firsts.append(None)
            continue
        first = next((h.rank for h in hits if any(e.matches(h.record) for e in expect)), None)
        firsts.append(first)
        top = ", ".join(f"{_label(h.record)} {h.score:.2f}" for h in hits[:3])
        print(f"{text[:38]:38s} {first or '-':>5}  {top}")
        if verbose:
            print(f"    parsed: {query.describe()}")
            for h in hits[:5]:
                hit = "*" if any(e.matches(h.record) for e in expect) else " "
                print(
                    f"    {hit}{h.rank:2d} {h.score:.3f} {_label(h.record)} {h.record.object_class}: "
                    f"{'; '.join(h.evidence)}"
                )
    return firsts


def summary(firsts: list[int | None]) -> str:
    """The last line: recall@5, recall@10, MRR and the number of queries."""
    n = len(firsts)
    r5 = sum(1 for f in firsts if f is not None and f <= 5) / n if n else 0.0
    r10 = sum(1 for f in firsts if f is not None and f <= 10) / n if n else 0.0
    mrr = sum(1.0 / f for f in firsts if f is not None) / n if n else 0.0
    return f"search: recall@5={r5:.3f} recall@10={r10:.3f} mrr={mrr:.3f} queries={n}"


def main(argv: list[str] | None = None) -> None:
    """Run the evaluation."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", type=Path, help="JSON-lines case file")
    parser.add_argument("data", type=Path, help="folder the case files' paths are relative to")
    parser.add_argument("--fps", type=float, default=None, help="frames per second to analyse (camera default)")
    parser.add_argument("--keep", type=Path, default=None, help="index into this folder and keep it")
    parser.add_argument("--reuse", action="store_true", help="with --keep: search the index already there")
    parser.add_argument("--verbose", action="store_true", help="print the parsed queries and the evidence")
    args = parser.parse_args(argv)
    cases = read_cases(args.cases, args.data)
    files = sorted({*archive_files(args.data), *(e.path for _, expect in cases for e in expect)})
    config = Config()
    if args.fps:
        config = config.model_copy(update={"cameras": (config.cameras[0].model_copy(update={"fps": args.fps}),)})
    with tempfile.TemporaryDirectory(prefix="camsight-search-eval-") as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        reuse = args.reuse and (root / "eval.db").is_file()
        analyzer = build_analyzer(config, root)
        if not reuse:
            print(f"indexing {len(files)} files into {root}")
            started = time.perf_counter()
            index_files(analyzer, config, files)
            print(f"indexed in {time.perf_counter() - started:.0f} s")
        firsts = run_queries(analyzer, cases, verbose=args.verbose)
        analyzer.store.close()
    print(summary(firsts))


if __name__ == "__main__":
    main()
