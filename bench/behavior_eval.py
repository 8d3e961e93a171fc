"""Behaviour evaluation: run the real pipeline on each case of a case file and score the events.

Usage: python bench/behavior_eval.py CASES DATA [--fps 5] [--kinds person_down,crowd] [--verbose]

CASES is a JSON-lines file in the format of ``behaviors.dev.jsonl``; DATA the folder its ``file``
paths are relative to. One case per line::

    {"file": "videos/x.mp4", "kind": "person_down" | "loitering" | "wrong_way" | "crowd" | ...,
     "expect": true | false, "after_s": 1.8, "windows": [[a, b], ...], "zone": [[x, y], ...],
     "direction": [dx, dy], "min_people": 5, "min_dwell_s": 5, "note": "..."}

For each case a camera config is built from the product's defaults and only what the case states:
``zone`` becomes zone ``case`` (normalised polygon), ``line`` ([[x, y], [x, y]], optional) line
``case``; the rule of the case's kind gets every case field that is also a field of that rule's
config (``direction``, ``min_people``, ``min_dwell_s``, ...), then the case's optional ``rule``
object (further rule settings, exactly as written in a camera's config); the camera gets the case's
optional ``camera`` object (e.g. ``{"motion_objects": "car"}``). Nothing else is set: no setting
depends on the kind, so a held-out case file is scored with the settings an installer would get.
The clip is analysed at ``--fps`` by :class:`camsight.apps.analyze.Analyzer` into a temporary
SQLite database and media folder.

Scoring (events of the case's kind only; an event is its final, closed state):

* ``expect: true`` with ``windows``: windows and events are matched one-to-one (an event matches at
  most one window it overlaps, a window at most one event; the matching is a maximum one). A matched
  window is a true positive (TP), an unmatched window a false negative (FN), and every unmatched
  event (a second event in a window, or one outside all) a false positive (FP).
* ``expect: true`` without ``windows``: exactly one event starting at or after ``after_s`` (0 if
  absent) is expected: the first such event is one TP (none is one FN); every other event (before
  ``after_s``, or a second one after it) is a FP.
* ``expect: false``: every event is a FP.

A case passes with no FP and no FN. Kinds with no rule are listed as unsupported and left out of
the figures. Precision = TP / (TP + FP) and recall = TP / (TP + FN), each 1.0 when its denominator
is 0. The last line is exactly ``behaviors: precision=P recall=R cases=N`` (N = cases scored).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from pydantic import ValidationError

from camsight.apps.analyze import Analyzer
from camsight.config import CameraConfig, Config
from camsight.config.models import RuleConfig
from camsight.errors import CamsightError
from camsight.events.models import AnyEvent
from camsight.perception.detect import OnnxDetector
from camsight.rules import RULES
from camsight.sources import SourceSpec
from camsight.store import open_store

ZONE, LINE = "case", "case"


@dataclass
class Score:
    """Counts of one case (or of all)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __iadd__(self, other: Score) -> Score:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn
        return self

    @property
    def passed(self) -> bool:
        """No false positive and no false negative."""
        return self.fp == 0 and self.fn == 0


@dataclass
class Outcome:
    """What one case produced."""

    case: dict[str, Any]
    score: Score = field(default_factory=Score)
    events: list[AnyEvent] = field(default_factory=list)
    wall_s: float = 0.0
    problem: str | None = None


def rule_fields(kind: str) -> set[str]:
    """Field names of the rule config model of a kind."""
    (union, *_) = get_args(RuleConfig)
    for model in get_args(union):
        if get_args(model.model_fields["kind"].annotation) == (kind,):
            return set(model.model_fields)
    return set()


def _settings(case: dict[str, Any], key: str) -> dict[str, Any]:
    """The case's optional ``rule`` or ``camera`` object."""
    value = case.get(key) or {}
    if not isinstance(value, dict):
        raise ValueError(f"case {key!r} must be an object of settings, not {value!r}")
    return value


def camera_for(case: dict[str, Any], fps: float) -> CameraConfig:
    """The camera config (zone, line, one rule) a case describes."""
    kind = case["kind"]
    names = rule_fields(kind)
    rule: dict[str, Any] = {"kind": kind}
    rule.update({k: v for k, v in case.items() if k in names and k not in ("kind", "zone", "line", "name")})
    rule.update({k: v for k, v in _settings(case, "rule").items() if k != "kind"})
    camera: dict[str, Any] = {"id": "eval", "fps": fps, **_settings(case, "camera"), "rules": [rule]}
    if case.get("zone"):
        camera["zones"] = [{"name": ZONE, "polygon": case["zone"]}]
        if "zone" in names:
            rule["zone"] = ZONE
    if case.get("line"):
        a, b = case["line"]
        camera["lines"] = [{"name": LINE, "a": a, "b": b}]
        if "line" in names:
            rule["line"] = LINE
    return CameraConfig.model_validate(camera)


def overlaps(event: AnyEvent, window: list[float]) -> bool:
    """Whether an event's span touches a window ``[a, b]``."""
    return event.start_s <= window[1] and event.end_s >= window[0]


def match_windows(events: list[AnyEvent], windows: list[list[float]]) -> dict[int, int]:
    """A maximum one-to-one matching of windows to events that overlap them: ``{window: event}`` indices.

    Augmenting paths (Kuhn's algorithm); windows are tried in order, so with several maximum matchings
    the earlier windows keep the earlier events.
    """
    owner: dict[int, int] = {}  # event index -> window index

    def augment(w: int, seen: set[int]) -> bool:
        for e, event in enumerate(events):
            if e in seen or not overlaps(event, windows[w]):
                continue
            seen.add(e)
            if e not in owner or augment(owner[e], seen):
                owner[e] = w
                return True
        return False

    for w in range(len(windows)):
        augment(w, set())
    return {w: e for e, w in owner.items()}


def score(case: dict[str, Any], events: list[AnyEvent]) -> Score:
    """TP / FP / FN of one case (see the module docstring)."""
    if not case.get("expect", True):
        return Score(fp=len(events))
    windows = case.get("windows")
    if windows:
        matched = len(match_windows(events, windows))
        return Score(tp=matched, fp=len(events) - matched, fn=len(windows) - matched)
    after = float(case.get("after_s", 0.0))
    found = any(e.start_s >= after for e in events)
    return Score(tp=int(found), fp=len(events) - int(found), fn=int(not found))


def analyse(case: dict[str, Any], data: Path, detector: OnnxDetector, fps: float) -> Outcome:
    """Run one case through the real pipeline and score it."""
    outcome = Outcome(case)
    path = data / case["file"]
    expected = len(case.get("windows") or [None]) if case.get("expect", True) else 0
    try:
        camera = camera_for(case, fps)
        config = Config(cameras=(camera,), detector=detector.config)
        with tempfile.TemporaryDirectory() as tmp:
            store = open_store(config, str(Path(tmp) / "eval.db"))
            engine = store.engine
            analyzer = Analyzer(config, store, detector=detector)
            start = time.perf_counter()
            result = analyzer.analyze(SourceSpec(path, "video"), camera)
            outcome.wall_s = time.perf_counter() - start
            engine.dispose()
    except (CamsightError, ValidationError, OSError, ValueError) as exc:
        outcome.problem = str(exc).splitlines()[0]
        outcome.score = Score(fn=expected)
        return outcome
    outcome.events = sorted((e for e in result.events.values() if e.kind == case["kind"]), key=lambda e: e.start_s)
    outcome.score = score(case, outcome.events)
    return outcome


def describe(outcome: Outcome) -> str:
    """One table row."""
    case, s = outcome.case, outcome.score
    spans = ", ".join(f"{e.start_s:.1f}-{e.end_s:.1f}" for e in outcome.events) or "-"
    verdict = "pass" if s.passed and not outcome.problem else "FAIL"
    extra = f"  ({outcome.problem})" if outcome.problem else ""
    return (
        f"{Path(case['file']).name:44} {case['kind']:15} {str(case.get('expect', True)).lower():6} "
        f"{len(outcome.events):3} {s.tp:3} {s.fp:3} {s.fn:3} {verdict:5} {outcome.wall_s:6.1f}  {spans}{extra}"
    )


def load_cases(path: Path) -> list[dict[str, Any]]:
    """The cases of a JSON-lines file (blank lines skipped)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cases", type=Path, help="case file (JSON lines)")
    parser.add_argument("data", type=Path, help="folder the cases' file paths are relative to")
    parser.add_argument("--fps", type=float, default=5.0, help="analysis rate (default 5)")
    parser.add_argument("--kinds", default="", help="only these kinds, comma-separated")
    parser.add_argument("--verbose", action="store_true", help="print every event")
    args = parser.parse_args()
    cases = load_cases(args.cases)
    if args.kinds:
        cases = [c for c in cases if c["kind"] in args.kinds.split(",")]
    unsupported = [c for c in cases if c["kind"] not in RULES]
    detector = OnnxDetector(Config().detector)
    total, passed, scored = Score(), 0, 0
    print(f"{'file':44} {'kind':15} {'expect':6} {'ev':>3} {'tp':>3} {'fp':>3} {'fn':>3} {'':5} {'wall s':>6}  events")
    for case in cases:
        if case["kind"] not in RULES:
            continue
        outcome = analyse(case, args.data, detector, args.fps)
        print(describe(outcome))
        if args.verbose:
            for event in outcome.events:
                print(f"    {event.model_dump_json()}")
        sys.stdout.flush()
        total += outcome.score
        passed += outcome.score.passed and not outcome.problem
        scored += 1
    for case in unsupported:
        print(f"unsupported kind {case['kind']!r}: {case['file']} (left out)")
    precision = total.tp / (total.tp + total.fp) if total.tp + total.fp else 1.0
    recall = total.tp / (total.tp + total.fn) if total.tp + total.fn else 1.0
    print(f"passed {passed}/{scored}; TP={total.tp} FP={total.fp} FN={total.fn}")
    print(f"behaviors: precision={precision:.3f} recall={recall:.3f} cases={scored}")


if __name__ == "__main__":
    main()
