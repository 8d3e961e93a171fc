"""Names a person types (cameras, zones, kinds, rules), checked against the known ones with suggestions.

Example:
    >>> check_name("gat", ["gate", "lobby"], what="camera")
    Traceback (most recent call last):
    ...
    camsight.services.names.UnknownName: unknown camera 'gat'; did you mean 'gate'? (known: gate, lobby)
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from camsight.errors import CamsightError


class UnknownName(CamsightError):
    """A camera, zone, kind or rule name that does not exist."""


def check_name(value: str, known: Iterable[str], *, what: str) -> str:
    """``value`` if it is known, else a clear error with the closest known names.

    Raises:
        UnknownName: ``value`` is not among ``known``.
    """
    names = sorted(set(known))
    if value in names:
        return value
    close = difflib.get_close_matches(value, names, n=2, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    listed = ", ".join(names[:20]) + (", ..." if len(names) > 20 else "") if names else "none yet"
    raise UnknownName(f"unknown {what} {value!r}{hint} (known: {listed})")
