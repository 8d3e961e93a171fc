"""Camera, zone and people's names in a query's text.

A camera or zone is recognised when named explicitly ("camera lobby", "zone 3", "on cam2") or, when
the known names are given, by name ("near the north gate"). Title-case words that mean nothing known
("Bob") are taken as names of people: identity, never used for matching.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from camsight.errors import QueryError
from camsight.search.features import normalise_name
from camsight.search.lexicon import LEXICON, STOPWORDS

_WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")


def person_names(text: str, known: set[str]) -> tuple[set[str], str | None]:
    """Title-case words that mean nothing known, taken as names of people: (after the first word, first word).

    The first word of a sentence is capitalised anyway, so it only counts as a name when nothing else
    (typo, embedder) gives it a meaning.
    """
    words = _WORD.findall(text.replace("’", "'").lower())
    originals = re.findall(r"[A-Za-z0-9]+(?:['-][A-Za-z0-9]+)*", text)
    names = {
        lo
        for lo, orig in zip(words, originals, strict=False)
        if orig[:1].isupper() and orig[1:].islower() and lo not in LEXICON and lo not in STOPWORDS and lo not in known
    }
    first = words[0] if words and words[0] in names else None
    if first is not None and originals[1:].count(originals[0]) == 0:
        names.discard(first)
    return names, first


def _known_place(text: str, names: Sequence[str], label: str) -> tuple[str, str | None]:
    for name in sorted(names, key=len, reverse=True):
        words = normalise_name(name).split()
        if not words or len("".join(words)) < 3:
            continue
        pattern = r"\b(?:(?:in|inside|near|at|by|around|on|from)\s+)?(?:the\s+)?(?:" + label + r"\s+)?"
        m = re.search(pattern + r"[\s_-]+".join(map(re.escape, words)) + r"(?!\w)", text)
        if m:
            return text[: m.start()] + " " + text[m.end() :], name
    return text, None


def _explicit_place(text: str, names: Sequence[str], label: str) -> tuple[str, str | None]:
    words = r"cam(?:era)?" if label == "camera" else label
    m = re.search(
        r"\b(?:(?:in|inside|near|at|by|on|from)\s+)?(?:the\s+)?" + words + r"\s*[#:]?\s*([a-z0-9][\w.-]*)", text
    )
    if m is None or m.group(1) in STOPWORDS or (m.group(1) in LEXICON and not names):
        return text, None
    value = m.group(1)
    if names:
        match = [n for n in names if normalise_name(n) == normalise_name(value)]
        if not match:
            raise QueryError(f"{label} {value!r} is not known; {label}s: {', '.join(sorted(names)) or 'none yet'}")
        value = match[0]
    return text[: m.start()] + " " + text[m.end() :], value


def places(text: str, cameras: Sequence[str], zones: Sequence[str]) -> tuple[str, str | None, str | None]:
    """Find the camera and zone in lower-case ``text``: ``(text without them, camera, zone)``.

    Raises:
        QueryError: A camera or zone named explicitly is not among the known ones (when those are given).
    """
    text, zone = _known_place(text, zones, "zone")
    if zone is None:
        text, zone = _explicit_place(text, zones, "zone")
    text, camera = _known_place(text, cameras, "camera")
    if camera is None:
        text, camera = _explicit_place(text, cameras, "camera")
    return text, camera, zone
