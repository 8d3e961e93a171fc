"""The false-alarm loop on a real clip, through the command line: feedback → stats → suggestion → suppression.

Clip: intel_worker-zone-detection_preview.mp4 (a worker walks into the bottom-left bay). Three copies
are analysed; each raises a zone intrusion in ``left-bay`` at the same place. Marking all three false
makes ``rules stats`` suggest a disabled place suppression there, previewed on the verdicts; once enabled
with ``rules suppress``, a fourth analysis raises no zone intrusion (it is held back: listed by
``alerts list --suppressed`` with the suppression's id), while the line-crossing rule still fires.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from camsight.cli import app

CLIP = Path(__file__).resolve().parents[1] / "data" / "intel_worker-zone-detection_preview.mp4"
CONFIG = """
cameras:
  - id: floor
    zones:
      - {name: left-bay, polygon: [[0.0, 0.7], [0.35, 0.7], [0.35, 1.0], [0.0, 1.0]]}
    lines:
      - {name: aisle, a: [0.4, 0.5], b: [0.4, 1.0]}
    rules:
      - {kind: zone_intrusion, zone: left-bay}
      - {kind: line_crossing, line: aisle}
"""


def _run(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _alerts(runner: CliRunner, common: list[str]) -> list[dict[str, object]]:
    out = _run(runner, "alerts", "list", "--json", *common)
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_false_alerts_lead_to_a_suppression_that_is_applied(tmp_path: Path) -> None:
    runner = CliRunner(env={"COLUMNS": "400"})
    (tmp_path / "c.yaml").write_text(CONFIG)
    common = ["--config", str(tmp_path / "c.yaml"), "--db", str(tmp_path / "c.db")]
    copies = []
    for k in range(4):
        copies.append(tmp_path / f"shift{k}.mp4")
        shutil.copy(CLIP, copies[-1])
    _run(runner, "analyze", *map(str, copies[:3]), *common)
    intrusions = [a for a in _alerts(runner, common) if a["kind"] == "zone_intrusion"]
    assert len(intrusions) == 3
    for alert in intrusions:
        _run(runner, "alerts", "feedback", str(alert["id"])[:10], "--false", "--note", "a reflection", *common)
    stats = _run(runner, "rules", "stats", *common)
    assert "zone_intrusion:left-bay" in stats
    assert "suggested" in stats
    precision = [json.loads(line) for line in _run(runner, "rules", "stats", "--json", *common).splitlines()]
    assert {p["rule"]: p["precision"] for p in precision}["zone_intrusion:left-bay"] == 0.0
    suggestions = [json.loads(line) for line in _run(runner, "rules", "suggestions", "--json", *common).splitlines()]
    (place,) = [s for s in suggestions if s["kind"] == "place"]
    assert place["reason"] == "3 false alarms of person in this area"
    assert place["preview"] == "would have suppressed 3 of 3 false alarms and 0 of 0 confirmed"
    (same,) = [s for s in suggestions if s["kind"] == "appearance"]  # the same worker, three times
    assert same["preview"] == place["preview"]
    _run(runner, "rules", "suppress", str(place["id"]), *common)
    analysed = _run(runner, "analyze", str(copies[3]), *common)
    assert "1 alert(s) held back by suppressions" in analysed
    latest = [a for a in _alerts(runner, common) if "shift3" in str(a["source"])]
    assert [a["kind"] for a in latest] == ["line_crossing"]
    held = _run(runner, "alerts", "list", "--suppressed", "--json", *common)
    assert [(a["kind"], a["held_by"], a["held"]) for a in map(json.loads, held.splitlines())] == [
        ("zone_intrusion", place["id"], "suppressed")
    ]
