from datetime import datetime, time

import pytest
from pydantic import BaseModel

from camsight.config import Config, Schedule, parse_config
from camsight.config import models as config_models
from camsight.errors import ConfigError

GOOD = """
cameras:
  - id: gate
    zones:
      - name: yard
        polygon: [[0.1, 0.1], [0.9, 0.1], [0.9, 0.9]]
    rules:
      - kind: loitering
        zone: yard
        min_dwell_s: 10
"""


def test_good_config_parses() -> None:
    cfg = parse_config(GOOD)
    assert cfg.cameras[0].rules[0].kind == "loitering"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("cameras:\n  - id: a\n    colour: red\n", "cameras.0.colour: unknown key"),
        ("cameras:\n  - id: a\n    zones:\n      - name: z\n        polygon: [[0, 0], [1, 1]]\n", "at least 3 points"),
        (
            "cameras:\n  - id: a\n    zones:\n      - name: z\n        polygon: [[0, 0], [1, 1], [2, 0]]\n",
            "less than or equal to 1",
        ),
        ("cameras:\n  - id: a\n    rules:\n      - kind: crowd\n        min_people: 0\n", "greater than or equal to 1"),
        ("cameras:\n  - id: a\n    rules:\n      - kind: teleport\n", "unknown rule kind"),
        ("cameras:\n  - id: a\n    rules:\n      - kind: loitering\n        zone: nowhere\n", "unknown zone 'nowhere'"),
        ("detector:\n  input_size: 500\n", "multiple of 32"),
        ("cameras: [\n", "not valid YAML"),
        ("- just\n- a list\n", "top level must be a mapping"),
    ],
)
def test_bad_config_is_explained(text: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, origin="cfg.yaml")
    assert fragment in str(info.value)
    assert str(info.value).startswith("cfg.yaml")


def _models() -> list[type[BaseModel]]:
    return [
        obj
        for obj in vars(config_models).values()
        if isinstance(obj, type) and issubclass(obj, BaseModel) and obj.__module__ == config_models.__name__
    ]


@pytest.mark.parametrize("model", _models(), ids=lambda m: m.__name__)
def test_every_config_field_is_documented(model: type[BaseModel]) -> None:
    assert model.__doc__, f"{model.__name__} has no docstring"
    missing = [name for name, field in model.model_fields.items() if not field.description]
    assert not missing, f"{model.__name__}: fields without description: {missing}"


def test_config_is_frozen() -> None:
    cfg = Config()
    with pytest.raises(ValueError, match="frozen"):
        cfg.cameras = ()  # type: ignore[misc]


@pytest.mark.parametrize(
    ("start", "end", "at", "active"),
    [
        (time(22), time(6), datetime(2026, 11, 23, 23, 30), True),
        (time(22), time(6), datetime(2026, 11, 24, 5, 59), True),
        (time(22), time(6), datetime(2026, 11, 23, 12, 0), False),
        (time(9), time(17), datetime(2026, 11, 23, 12, 0), True),
        (time(9), time(17), datetime(2026, 11, 23, 17, 0), False),
    ],
)
def test_schedule(start: time, end: time, at: datetime, active: bool) -> None:
    assert Schedule(start=start, end=end).active(at) is active
