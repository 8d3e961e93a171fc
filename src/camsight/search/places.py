"""Camera, zone and people's names in a query's text.

A camera or zone is recognised when named explicitly or, when the known names are given, by name
("near the north gate"). Named explicitly means the word "camera" (or "cam") or "zone" as a word of its
own, then the name: "camera lobby", "cam 2", "camera#3", "zone 3", "zone:north", or digits right after
the word ("cam2", "zone3": then the whole word is the name). Never from the inside of a word: "camel",
"camouflage", "camisole" and "zoned" name nothing. With known names, "cam 2", "camera 2" and "cam2" all
find a camera called ``cam2``; a name that is not known is an error that lists the known ones.

Title-case words that mean nothing known ("Bob") are taken as names of people: identity, never used
for matching.

Example:
    >>> places("person in a camel coat on cam 2", cameras=["cam1", "cam2"], zones=[])[1:]
    ('cam2', None)
    >>> places("person in camouflage", cameras=[], zones=[])[1:]
    (None, None)
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from camsight.errors import QueryError
from camsight.search.features import normalise_name
from camsight.search.lexicon import LEXICON, STOPWORDS

_WORD = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")
"""A word of any script, as the parser splits them ("Jörg" stays one word)."""


def person_names(text: str, known: set[str]) -> tuple[set[str], str | None]:
    """Title-case words that mean nothing known, taken as names of people: (after the first word, first word).

    The first word of a sentence is capitalised anyway, so it only counts as a name when nothing else
    (typo, embedder) gives it a meaning.
    """
    words = _WORD.findall(text.replace("’", "'").lower())
    originals = _WORD.findall(text.replace("’", "'"))
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


_LABELS = {"camera": ("cam", "camera"), "zone": ("zone",)}
"""How a camera or zone is announced: the word before its name ("camera lobby", "cam 2", "zone 3")."""


def _explicit_pattern(label: str) -> re.Pattern[str]:
    """The label as a word of its own, then its name: after a space, ``#`` or ``:``, or digits right after it.

    So "camera lobby", "cam 2", "cam2", "camera#3", "zone:north" name a place, and "camel", "camouflage"
    or "zoned" do not: a label is never taken from the inside of a word.
    """
    words = "|".join(sorted(_LABELS[label], key=len, reverse=True))
    return re.compile(
        r"\b(?:(?:in|inside|near|at|by|on|from)\s+)?(?:the\s+)?"
        rf"(?P<label>{words})(?:\s*[#:]\s*|\s+|(?=\d))(?P<value>[a-z0-9][\w.-]*)"
    )


_EXPLICIT = {label: _explicit_pattern(label) for label in _LABELS}


def _compact(name: str) -> str:
    return normalise_name(name).replace(" ", "")


def _known_name(written: str, candidates: Sequence[str], names: Sequence[str], label: str) -> str:
    """The first of the known ``names`` that one of ``candidates`` (best first) spells, loosely.

    Raises:
        QueryError: None of them is known.
    """
    for want in map(_compact, candidates):
        match = [n for n in names if _compact(n) == want]
        if match:
            return match[0]
    known = ", ".join(sorted(names)) or "none yet"
    raise QueryError(f"{label} {written!r} is not known; {label}s: {known}")


def _explicit_place(text: str, names: Sequence[str], label: str) -> tuple[str, str | None]:
    for m in _EXPLICIT[label].finditer(text):
        value = m.group("value").rstrip(".-")
        if value in STOPWORDS or (value in LEXICON and not names):
            continue
        glued = m.end("label") == m.start("value")  # "cam2": the whole word is the name
        written = m.group("label") + value if glued else value
        if names:  # "cam 2", "camera 2" and "cam2" all find a camera called cam2
            spelled = [value, *(word + value for word in _LABELS[label])]
            written = _known_name(written, [written, *spelled], names, label)
        return text[: m.start()] + " " + text[m.end() :], written
    return text, None


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
