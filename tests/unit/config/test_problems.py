"""Every problem in a config is reported at once, one line each, in a stable order; bad polygons are problems."""

import pytest
from pydantic import ValidationError

from camsight.config import CameraConfig, Config, parse_config
from camsight.errors import ConfigError

SQUARE = "[[0.2, 0.2], [0.8, 0.2], [0.8, 0.8], [0.2, 0.8]]"
MANY = """
cameras:
  - id: front
    fps: 0
    zones:
      - name: door
        polygon: [[0.1, 0.1], [0.9, 0.9], [0.9, 0.1], [0.1, 0.9]]
  - id: back
    zones:
      - name: door
        polygon: [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5]]
      - name: yard
        polygon: [[0.5, 0.5], [0.9, 0.5], [0.9, 0.9]]
      - name: door
        polygon: [[0.1, 0.5], [0.4, 0.5], [0.4, 0.9]]
    masks:
      - [[0, 0], [0.5, 0.5], [1, 1]]
    rules:
      - kind: loitering
        zone: gate
      - kind: line_crossing
        line: fence
      - kind: crowd
        zone: yard
  - id: front
detector:
  input_size: 500
"""

MANY_PROBLEMS = [
    "cameras.0.fps: Input should be greater than 0",
    "cameras.0.zones.0.polygon: zone 'door': its outline crosses itself: "
    "the edge from [0.1, 0.1] to [0.9, 0.9] meets the edge from [0.9, 0.1] to [0.1, 0.9]",
    "cameras.1.masks.0: privacy mask 0: it has zero area: all its points lie on one line",
    "cameras.1.rules.0: refers to unknown zone 'gate' (zones: door, yard)",
    "cameras.1.rules.1: refers to unknown line 'fence' (this camera has no lines)",
    "cameras.1.zones.2.name: zone name 'door' is already used by zones.0",
    "cameras.2.id: camera id 'front' is already used by cameras.0",
    "detector.input_size: Input should be a multiple of 32",
]


def _problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, origin="site.yaml")
    head, *lines = str(info.value).splitlines()
    assert head == f"site.yaml: {len(lines)} problem(s) in the config:"
    return [line.removeprefix("  ") for line in lines]


def test_every_problem_is_listed_at_once_in_order() -> None:
    assert _problems(MANY) == MANY_PROBLEMS


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param("fps: 0", "fps: 5", id="camera-fields-valid"),
        pytest.param("input_size: 500", "input_size: 512", id="detector-valid"),
        pytest.param("[[0.1, 0.1], [0.9, 0.9], [0.9, 0.1], [0.1, 0.9]]", SQUARE, id="polygon-valid"),
    ],
)
def test_fixing_one_problem_leaves_the_others(old: str, new: str) -> None:
    """Whichever fields pydantic gets to validate, the cross-reference problems are the same."""
    fixed = MANY.replace(old, new, 1)
    assert fixed != MANY
    problems = _problems(fixed)
    assert problems == [p for p in MANY_PROBLEMS if p in problems]
    assert len(problems) == len(MANY_PROBLEMS) - 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "cameras:\n  - id: a\n    rules:\n      - kind: loitering\n        zone: nowhere\n",
            ["cameras.0.rules.0: refers to unknown zone 'nowhere' (this camera has no zones)"],
            id="validator-and-lint-agree",
        ),
        pytest.param(
            "cameras:\n  - id: a\n  - id: b\n  - id: a\n  - id: a\n",
            [
                "cameras.2.id: camera id 'a' is already used by cameras.0",
                "cameras.3.id: camera id 'a' is already used by cameras.0",
            ],
            id="id-three-times",
        ),
        pytest.param(
            "cameras:\n  - id: a\n    lines:\n"
            "      - {name: l, a: [0, 0], b: [1, 1]}\n      - {name: l, a: [0, 1], b: [1, 0]}\n"
            "    rules:\n      - {kind: edge_dwell, line: m}\n      - {kind: wrong_way, direction: [1, 0], zone: q}\n",
            [
                "cameras.0.lines.1.name: line name 'l' is already used by lines.0",
                "cameras.0.rules.0: refers to unknown line 'm' (lines: l)",
                "cameras.0.rules.1: refers to unknown zone 'q' (this camera has no zones)",
            ],
            id="lines-and-zones",
        ),
        pytest.param(
            "cameras:\n  - id: a\n    zones:\n      - {polygon: [[0, 0], [1, 0], [1, 1]]}\n"
            "    rules:\n      - {kind: loitering, zone: z}\n",
            ["cameras.0.zones.0.name: Field required"],
            id="zone-without-name-hides-nothing-wrongly",
        ),
        pytest.param(
            "cameras:\n  - id: a\n    rules:\n      - {kind: line_crossing, zone: z, line: 5}\n",
            [
                "cameras.0.rules.0.line_crossing.line: Input should be a valid string",
                "cameras.0.rules.0.line_crossing.zone: unknown key (check the spelling; see docs/config.md for the "
                "allowed keys)",
            ],
            id="no-reference-checks-on-keys-the-kind-lacks",
        ),
        pytest.param("cameras: []\n", ["cameras: at least one camera is needed"], id="no-camera"),
        pytest.param(
            "cameras:\n  - id: a\n    lines:\n      - {name: l, a: [0.5, 0.5], b: [0.5, 0.5]}\n",
            ["cameras.0.lines.0.b: line 'l' has both ends at the same point"],
            id="line-is-a-point",
        ),
    ],
)
def test_cross_reference_problems(text: str, expected: list[str]) -> None:
    assert _problems(text) == expected


@pytest.mark.parametrize(
    ("polygon", "problem"),
    [
        ("[[0.1, 0.1], [0.9, 0.9], [0.9, 0.1], [0.1, 0.9]]", "its outline crosses itself: the edge from [0.1, 0.1]"),
        ("[[0.1, 0.1], [0.5, 0.5], [0.9, 0.9]]", "it has zero area: all its points lie on one line"),
        ("[[0.1, 0.1], [0.2, 0.2], [0.4, 0.4], [0.3, 0.3]]", "it has zero area: all its points lie on one line"),
        ("[[0.3, 0.3], [0.3, 0.3], [0.3, 0.3]]", "it has zero area"),
        ("[[0.2, 0.2], [0.2, 0.2], [0.8, 0.2], [0.8, 0.8]]", "point 1 [0.2, 0.2] repeats point 0"),
        (
            "[[0.2, 0.2], [0.8, 0.2], [0.5, 0.5], [0.8, 0.8], [0.2, 0.8], [0.5, 0.5]]",
            "point 5 [0.5, 0.5] repeats point 2",
        ),
        ("[[0.2, 0.2], [0.8, 0.2], [0.5, 0.2], [0.5, 0.8]]", "its outline doubles back on itself at [0.8, 0.2]"),
        (
            "[[0.2, 0.2], [0.8, 0.2], [0.8, 0.8], [0.5, 0.2], [0.2, 0.8]]",
            "the edge from [0.2, 0.2] to [0.8, 0.2] meets the edge from [0.8, 0.8] to [0.5, 0.2]",
        ),
    ],
)
def test_unusable_polygons_are_rejected(polygon: str, problem: str) -> None:
    zone = f"cameras:\n  - id: a\n    zones:\n      - name: yard\n        polygon: {polygon}\n"
    (zone_line,) = _problems(zone)
    assert zone_line.startswith("cameras.0.zones.0.polygon: zone 'yard': ")
    assert problem in zone_line
    mask = f"cameras:\n  - id: a\n    masks:\n      - {SQUARE}\n      - {polygon}\n"
    (mask_line,) = _problems(mask)
    assert mask_line.startswith("cameras.0.masks.1: privacy mask 1: ")
    assert problem in mask_line


def test_each_bad_mask_is_reported_even_beside_a_malformed_one() -> None:
    text = (
        "cameras:\n  - id: a\n    masks:\n      - [[0, 0], [1, 1]]\n"
        "      - [[0, 0], [1, 1], [1, 0], [0, 1]]\n      - [[0, 0], [0.5, 0.5], [1, 1]]\n"
    )
    assert _problems(text) == [
        "cameras.0.masks.0: a polygon needs at least 3 points",
        "cameras.0.masks.1: privacy mask 1: its outline crosses itself: the edge from [0, 0] to [1, 1] meets the "
        "edge from [1, 0] to [0, 1]",
        "cameras.0.masks.2: privacy mask 2: it has zero area: all its points lie on one line",
    ]


def test_polygon_point_limit() -> None:
    points = ", ".join(f"[{i / 2000:.5f}, {(i % 2) / 2:.1f}]" for i in range(1001))
    (line,) = _problems(f"cameras:\n  - id: a\n    zones:\n      - name: z\n        polygon: [{points}]\n")
    assert line == "cameras.0.zones.0.polygon: a polygon may have at most 1000 points"


def test_good_polygons_pass() -> None:
    text = (
        f"cameras:\n  - id: a\n    masks: [{SQUARE}]\n    zones:\n"
        "      - {name: l-shape, polygon: [[0, 0], [0.6, 0], [0.6, 0.3], [0.3, 0.3], [0.3, 0.6], [0, 0.6]]}\n"
        "      - {name: straight-corner, polygon: [[0, 0], [0.5, 0], [1, 0], [1, 1]]}\n"
    )
    camera = parse_config(text).cameras[0]
    assert [z.name for z in camera.zones] == ["l-shape", "straight-corner"]


def test_models_built_in_code_report_every_problem() -> None:
    with pytest.raises(ValidationError) as info:
        CameraConfig.model_validate(
            {"id": "a", "rules": [{"kind": "loitering", "zone": "z"}, {"kind": "edge_dwell", "line": "e"}]}
        )
    assert [(e["loc"], e["msg"]) for e in info.value.errors()] == [
        (("rules", 0), "refers to unknown zone 'z' (this camera has no zones)"),
        (("rules", 1), "refers to unknown line 'e' (this camera has no lines)"),
    ]
    camera = CameraConfig(id="a")
    with pytest.raises(ValidationError) as info:
        Config(cameras=(camera, camera))
    assert [e["loc"] for e in info.value.errors()] == [("cameras", 1, "id")]
