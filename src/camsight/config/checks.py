"""Checks that span more than one field, shared by the model validators and the loader's lint pass.

The validators run them on validated models; the loader runs the same checks on the raw YAML mapping,
so that a cross-reference problem is reported even when some other field of the same camera is wrong.
Both report a :class:`Problem` with the same place and words, which lets the loader merge the two lists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from camsight.core.geometry import Point, Polygon

Loc = tuple[str | int, ...]
CHECK_ERROR = "config_check"  # the pydantic error type of every problem raised from here


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in the config: where it is (keys and list positions) and what is wrong."""

    loc: Loc
    message: str

    @property
    def where(self) -> str:
        """The place as a dotted path, e.g. ``cameras.1.rules.0``."""
        return ".".join(str(part) for part in self.loc) or "(top level)"

    def within(self, *prefix: str | int) -> Problem:
        """The same problem, placed under ``prefix``."""
        return Problem((*prefix, *self.loc), self.message)

    def sort_key(self) -> tuple[tuple[int, int, str], ...]:
        """Orders problems by place: keys by name, list positions by number."""
        return tuple((0, part, "") if isinstance(part, int) else (1, 0, part) for part in self.loc)

    def __str__(self) -> str:
        """``where: what``, the line the user reads."""
        return f"{self.where}: {self.message}"


@dataclass(frozen=True, slots=True)
class RuleRefs:
    """The names one rule refers to; ``None`` where it names no zone (or line)."""

    zone: str | None = None
    line: str | None = None


def raise_problems(title: str, problems: Sequence[Problem], value: object) -> None:
    """Raise the problems, if any, as one pydantic error with one entry per problem.

    Raised from a validator, pydantic puts each entry under the validated object's own place.

    Raises:
        ValidationError: there was at least one problem.
    """
    if not problems:
        return
    details = [InitErrorDetails(type=check_error(p.message), loc=p.loc, input=value) for p in problems]
    raise ValidationError.from_exception_data(title, details)


def check_error(message: str) -> PydanticCustomError:
    """A validator's error that reads as ``message`` alone (no "Value error, " in front)."""
    return PydanticCustomError(CHECK_ERROR, "{message}", {"message": message})


def repeated_names(names: Sequence[str | None], *, what: str, section: str, key: str) -> list[Problem]:
    """A problem for every name already used earlier in the list; ``None`` stands for an unreadable name.

    >>> [str(p) for p in repeated_names(["a", "b", "a"], what="zone name", section="zones", key="name")]
    ["2.name: zone name 'a' is already used by zones.0"]
    """
    first: dict[str, int] = {}
    problems = []
    for i, name in enumerate(names):
        if name is None:
            continue
        if name in first:
            problems.append(Problem((i, key), f"{what} {name!r} is already used by {section}.{first[name]}"))
        else:
            first[name] = i
    return problems


def unknown_references(
    rules: Sequence[RuleRefs], zones: Sequence[str | None], lines: Sequence[str | None]
) -> list[Problem]:
    """A problem for every rule that names a zone or line the camera does not have.

    A camera with an unreadable zone (or line) name is not checked for that kind: the name may be the
    one a rule means, and the unreadable name is reported on its own.
    """
    problems = []
    for i, rule in enumerate(rules):
        for what, name, known in (("zone", rule.zone, zones), ("line", rule.line, lines)):
            if name is None or None in known or name in known:
                continue
            listed = ", ".join(dict.fromkeys(str(k) for k in known))
            hint = f"{what}s: {listed}" if listed else f"this camera has no {what}s"
            problems.append(Problem(("rules", i), f"refers to unknown {what} {name!r} ({hint})"))
    return problems


def camera_problems(
    zones: Sequence[str | None], lines: Sequence[str | None], rules: Sequence[RuleRefs]
) -> list[Problem]:
    """Repeated zone and line names and unknown references within one camera (places relative to it)."""
    return [
        *(p.within("zones") for p in repeated_names(zones, what="zone name", section="zones", key="name")),
        *(p.within("lines") for p in repeated_names(lines, what="line name", section="lines", key="name")),
        *unknown_references(rules, zones, lines),
    ]


def mask_problems(masks: Mapping[int, Sequence[Point]]) -> list[Problem]:
    """A problem for every privacy mask (by its position in the list) that :func:`polygon_problem` rejects."""
    found = ((i, polygon_problem(points)) for i, points in sorted(masks.items()))
    return [Problem((i,), f"privacy mask {i}: {problem}") for i, problem in found if problem is not None]


def polygon_problem(points: Sequence[Point]) -> str | None:
    """What makes a polygon unusable as a zone or mask, in plain words, or ``None`` when it is fine.

    >>> polygon_problem([(0.1, 0.1), (0.9, 0.9), (0.9, 0.1), (0.1, 0.9)])
    'its outline crosses itself: the edge from [0.1, 0.1] to [0.9, 0.9] meets the edge from [0.9, 0.1] to [0.1, 0.9]'
    """
    polygon = Polygon(tuple(points))
    if polygon.collinear():
        return "it has zero area: all its points lie on one line"
    first: dict[Point, int] = {}
    for i, point in enumerate(polygon.points):
        if point in first:
            return f"point {i} {_xy(point)} repeats point {first[point]}; each corner may appear only once"
        first[point] = i
    crossing = polygon.crossing()
    if crossing is None:
        return None
    corners, (i, j) = polygon.points, crossing
    n = len(corners)
    if j == i + 1 or (i, j) == (0, n - 1):
        return f"its outline doubles back on itself at {_xy(corners[j if j == i + 1 else 0])}"
    return (
        f"its outline crosses itself: the edge from {_xy(corners[i])} to {_xy(corners[(i + 1) % n])} "
        f"meets the edge from {_xy(corners[j])} to {_xy(corners[(j + 1) % n])}"
    )


def _xy(point: Point) -> str:
    return f"[{point[0]:g}, {point[1]:g}]"
