"""Plain English → :class:`~camsight.search.query.Query`.

In order: time phrases are read and removed (:mod:`camsight.search.timeparse`: wall-clock times such as
"yesterday after 5pm" or "in the last 10 minutes", and offsets into the footage such as "after 2
minutes"); then camera and zone names (:mod:`camsight.search.places`: "camera lobby", "cam 2",
"zone 3", or a known name such as "near the north gate"); the rest is split
into words and matched against the lexicon, longest phrase first ("light blue", "hard hat"), with
plurals folded. A word the lexicon lacks is tried as a typo of a known word, then given to the
sentence embedder (:mod:`camsight.search.semantic`); what still has no meaning is reported as not
understood. Words about gender, age, ethnicity, identity or emotion are recognised and reported as
not used, never matched; a colour right before a word for people ("black man") is dropped for the same
reason, while colours of clothes ("man in black") are colours.

Colours attach to the garment that follows them ("grey cardigan" → upper body grey; "blue jeans" →
lower body; "yellow hard hat" → head, and a hat); a colour with no garment applies to the whole
object ("red car", "someone in red").

Example:
    >>> q = parse("woman in a crimson hoodie", semantic=False)
    >>> q.describe()
    'object: person; upper body: red; garment: hooded jacket; not used: woman (gender)'
    >>> from datetime import UTC, datetime
    >>> q = parse("red car after 5pm", now=datetime(2026, 12, 1, 10, tzinfo=UTC), tz=UTC, semantic=False)
    >>> for part in q.describe(tz=UTC).split("; "):
    ...     print(part)
    object: car
    colour: red
    time: 2026-11-30 17:00 UTC to 2026-12-01 00:00 UTC
    note: after 5pm yesterday (17:00 today has not come yet)
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Protocol

from camsight.errors import QueryError
from camsight.search.features import normalise_name
from camsight.search.lexicon import (
    DARK,
    LEXICON,
    LIGHT,
    MAX_PHRASE,
    PERSON_NOUNS,
    STOPWORDS,
    Sense,
    protected_reason,
    scrub_protected,
)
from camsight.search.places import person_names, places
from camsight.search.query import ColourTerm, IgnoredWord, Query, Region, WordMapping
from camsight.search.timeparse import TimeRange, extract_time

MAX_LENGTH = 500
"""Longest query accepted, in characters."""
TYPO_CUTOFF = 0.85
"""Least :class:`difflib.SequenceMatcher` ratio for a word to be read as a typo of a known word."""

_WORD = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")
"""A word: letters and digits of any script ("persön" stays one word), joined by ' or -."""
_PERSON_CUES = ("crowd", "loitering", "person_down")
_EXAMPLES = (
    "colours (red, navy, light blue), clothing (jacket, jeans, dress, hard hat), objects (person, car, "
    "bicycle, backpack, suitcase), posture (sitting, lying), behaviour (loitering, crowd) or a time "
    "(today, after 5pm)"
)


class WordMapper(Protocol):
    """Maps words the lexicon lacks to lexicon entries: ``{word: (entry, similarity)}``."""

    def map(self, words: list[str]) -> dict[str, tuple[str, float]]:
        """Map the words it can; leave out the others."""
        ...


def _lookup(phrase: str) -> tuple[str, Sense] | None:
    """The lexicon entry for a phrase, folding a plural on its last word."""
    if phrase in LEXICON:
        return phrase, LEXICON[phrase]
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", "")):
        if phrase.endswith(suffix) and len(phrase) > len(suffix) + 2:
            stem = phrase[: -len(suffix)] + repl
            if stem in LEXICON:
                return stem, LEXICON[stem]
    return None


_BREAK = Sense(term="|")
"""Marks a word such as "with" or "in" between two others: a colour before it is not the next noun's."""
_BREAK_WORDS = frozenset(
    (
        "with",
        "wearing",
        "wears",
        "wore",
        "in",
        "on",
        "carrying",
        "holding",
        "who",
        "that",
        "which",
        "near",
        "at",
        "by",
        "while",
        "has",
        "have",
        "having",
        "is",
        "are",
        "was",
        "were",
        "dressed",
        "of",
        "and",
    )
)


def _segment(words: list[str]) -> list[tuple[str, Sense | None]]:
    """Longest-phrase-first lexicon matching; unknown words come back with ``None``, stopwords are skipped.

    Words of :data:`_BREAK_WORDS` leave a :data:`_BREAK` mark (except "and" between two colours).
    """
    out: list[tuple[str, Sense | None]] = []
    i = 0
    while i < len(words):
        for n in range(min(MAX_PHRASE, len(words) - i), 0, -1):
            found = _lookup(" ".join(words[i : i + n]))
            if found is not None and (n > 1 or words[i] not in STOPWORDS or found[1].negation):
                out.append((" ".join(words[i : i + n]), found[1]))
                i += n
                break
        else:
            if words[i] not in STOPWORDS:
                out.append((words[i], None))
            elif words[i] in _BREAK_WORDS and not (words[i] == "and" and out and out[-1][1] and out[-1][1].colours):
                out.append(("", _BREAK))
            i += 1
    return out


@dataclass
class _Builder:
    """Walks the matched words left to right and fills in the query's parts."""

    classes: list[str] = field(default_factory=list)
    colours: list[ColourTerm] = field(default_factory=list)
    garments: list[str] = field(default_factory=list)
    pending: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    loose: list[tuple[tuple[str, ...], str, tuple[Region, str] | None]] = field(default_factory=list)
    shade: str | None = None
    bare_region: tuple[Region, str] | None = None
    headwear: bool | None = None
    carried: list[str] = field(default_factory=list)
    not_carried: list[str] = field(default_factory=list)
    posture: str | None = None
    motion: list[str] = field(default_factory=list)
    riding: str | None = None
    behaviours: list[str] = field(default_factory=list)
    patterned: bool = False
    patterns: list[str] = field(default_factory=list)
    headwear_kind: str | None = None
    ignored: list[IgnoredWord] = field(default_factory=list)
    negate: int = 0
    last_was_colour: bool = False

    def feed(self, word: str, sense: Sense) -> None:
        was_colour, self.last_was_colour = self.last_was_colour, False
        if sense is _BREAK:  # "in red with a backpack": red is not the backpack's, nor a later garment's
            self.loose += [(colours, w, self.bare_region) for colours, w in self.pending]
            self.pending.clear()
            return
        if word in PERSON_NOUNS and was_colour and self.pending:
            self._drop_pending("a colour right before a word for people may describe ethnicity")
        if sense.privacy:
            self.ignored.append(IgnoredWord(word=word, reason=sense.privacy))
            if word in PERSON_NOUNS and "person" not in self.classes:
                self.classes.append("person")  # "woman": a person; the gender is not used
        elif sense.negation:
            self.negate = 3
        elif sense.shade:
            self.shade = sense.shade
            self.last_was_colour = True
        elif sense.colours:
            shade, colours = self.shade, self._shaded(sense.colours)
            self.pending.append((colours, f"{shade} {word}" if shade and colours == sense.colours else word))
            self.last_was_colour = True
        else:
            self._thing(word, sense)
            self.negate = max(0, self.negate - 1)

    def _shaded(self, colours: tuple[str, ...]) -> tuple[str, ...]:
        shade, self.shade = self.shade, None
        if shade == "dark" and "blue" in colours:
            return ("navy",)
        if shade == "light" and "blue" in colours:
            return ("light blue",)
        return colours

    def _drop_pending(self, reason: str) -> None:
        self.ignored += [IgnoredWord(word=w, reason=reason) for _, w in self.pending]
        self.pending.clear()

    def _bind(self, region: Region, garment_word: str) -> None:
        if not self.pending and self.shade:
            self.pending.append((DARK if self.shade == "dark" else LIGHT, self.shade))
        self.shade = None
        if not self.pending:
            self.bare_region = (region, garment_word)
            return
        for colours, word in self.pending:
            self.colours.append(ColourTerm(region=region, colours=colours, words=f"{word} {garment_word}"))
        self.pending.clear()
        self.bare_region = None

    def _thing(self, word: str, sense: Sense) -> None:
        if sense.garment or sense.headwear is not None:
            self._wear(word, sense)
        if sense.classes:
            self.classes += [c for c in sense.classes if c not in self.classes]
            if self.pending and "person" not in sense.classes:
                self._bind("any", word)
        if sense.carried:
            if self.pending:
                self._drop_pending(f"colours of a carried {sense.carried} are not described")
            (self.not_carried if self.negate else self.carried).append(sense.carried)
        self.posture = sense.posture or self.posture
        self.motion += [m for m in sense.motion if m not in self.motion]
        self.riding = sense.riding or self.riding
        if sense.behaviour and sense.behaviour not in self.behaviours:
            self.behaviours.append(sense.behaviour)
        self.patterned = self.patterned or sense.patterned
        if sense.pattern and sense.pattern not in self.patterns:
            self.patterns.append(sense.pattern)

    def _wear(self, word: str, sense: Sense) -> None:
        if sense.headwear is not None:
            self.headwear = sense.headwear and not self.negate
            self.headwear_kind = sense.headwear_kind if self.headwear else None
        if sense.garment and sense.garment not in self.garments and not self.negate:
            self.garments.append(sense.garment)
        if sense.region and not self.negate:
            self._bind(sense.region, word)  # type: ignore[arg-type]

    def finish(self) -> None:
        """Colours left without a garment go to the garment before them ("jacket in red"), else to the whole."""
        left = self.loose + [(colours, w, self.bare_region) for colours, w in self.pending]
        for colours, cword, bare in left:
            region, word = bare or ("any", "")
            self.colours.append(ColourTerm(region=region, colours=colours, words=f"{cword} {word}".strip()))
        self.pending.clear()
        self.loose.clear()
        if not self.classes and self._person_cues():
            self.classes.append("person")
        if self.carried and self.classes == ["person"]:  # a carried object seen as a track of its own counts too
            self.classes += self.carried

    def _person_cues(self) -> bool:
        return bool(
            self.garments
            or self.headwear is not None
            or self.carried
            or self.not_carried
            or self.posture
            or self.riding
            or self.patterned
            or any(b in _PERSON_CUES for b in self.behaviours)
            or any(c.region != "any" for c in self.colours)
        )


def _resolve(
    items: list[tuple[str, Sense | None]],
    names: set[str],
    mapper: WordMapper | None,
) -> tuple[list[tuple[str, Sense]], list[IgnoredWord], list[WordMapping], list[str]]:
    """Give unknown words a meaning (typo, then embedder) or report them."""
    unknown = [w for w, s in items if s is None and w not in names]
    mapped: dict[str, tuple[str, float]] = {}
    protected: list[IgnoredWord] = []
    for word in unknown:
        reason = protected_reason(word)
        if reason is not None:  # a misspelt protected word is not used either, nor given to an embedder
            protected.append(IgnoredWord(word=word, reason=reason))
            continue
        close = _typo_of(word)
        if close is not None:
            mapped[word] = (close, difflib.SequenceMatcher(None, word, close).ratio())
    dropped = {w.word for w in protected}
    unknown = [w for w in unknown if w not in dropped]
    rest = [w for w in unknown if w not in mapped and w.isalpha() and len(w) >= 3]
    if rest and mapper is not None:
        mapped.update(mapper.map(rest))
    resolved: list[tuple[str, Sense]] = []
    ignored = [IgnoredWord(word=w, reason="name") for w, s in items if s is None and w in names] + protected
    for word, sense in items:
        if sense is not None:
            resolved.append((word, sense))
        elif word in mapped:
            resolved.append((word, LEXICON[mapped[word][0]]))
    mappings = [
        WordMapping(word=w, term=t, similarity=round(max(-1.0, min(1.0, s)), 3)) for w, (t, s) in mapped.items()
    ]
    return resolved, ignored, mappings, [w for w in unknown if w not in mapped]


def _typo_of(word: str) -> str | None:
    """The lexicon entry ``word`` is a typo of, if any.

    Only words of 5 letters or more, at least :data:`TYPO_CUTOFF` alike, and never a known word with
    other letters added at its end: "fella" is a word of its own, not "fell" mistyped (a doubled last
    letter is a typo: "jackett").
    """
    if len(word) < 5:
        return None
    for close in difflib.get_close_matches(word, list(LEXICON), n=3, cutoff=TYPO_CUTOFF):
        tail = word[len(close) :] if word.startswith(close) else None
        if tail is None or set(tail) == {close[-1]}:
            return close
    return None


def _default_mapper() -> WordMapper:
    from camsight.search.semantic import MiniLMMapper

    return MiniLMMapper()


def _identity_opening(text: str) -> tuple[str, list[IgnoredWord]]:
    m = re.match(r"\s*(who\s+(?:is|was|are|were)|who's|whose)\b", text)
    if m is None:
        return text, []
    return text[m.end() :], [IgnoredWord(word=m.group(1), reason="identity")]


def parse(
    text: str,
    *,
    now: datetime | None = None,
    tz: tzinfo | None = None,
    cameras: Sequence[str] = (),
    zones: Sequence[str] = (),
    semantic: bool = True,
    mapper: WordMapper | None = None,
    open_vocabulary: bool = False,
) -> Query:
    """Parse a plain-English search into a :class:`Query`.

    Args:
        text: What the user typed.
        now: Current time (aware) for "today", "in the last 10 minutes", ...; default: the clock.
        tz: Local time zone of clock times and days; default: this machine's.
        cameras: Known camera ids (then a camera named in the text must be one of them).
        zones: Known zone names (then "near the north gate" is recognised).
        semantic: Use the sentence embedder for words the lexicon lacks.
        mapper: The embedder to use instead of all-MiniLM-L6-v2 (tests).
        open_vocabulary: An image-text embedder will rank the results, so words the lexicon does not
            know are still useful: do not reject a query made only of them.

    Raises:
        QueryError: The text is empty or too long, has nothing usable, or names an impossible time (one
            that cannot be read, or a range that ends before it starts). A time that has not come yet
            is not an error: see :mod:`camsight.search.timeparse` and :attr:`Query.notes`.
    """
    if not text or not text.strip():
        raise QueryError("empty query; describe what to look for, e.g. 'person in a red jacket'")
    if len(text) > MAX_LENGTH:
        raise QueryError(f"query is {len(text)} characters long; keep it under {MAX_LENGTH}")
    now = now or datetime.now(UTC)
    tz = tz or datetime.now().astimezone().tzinfo or UTC
    lower = text.replace("’", "'").lower()
    lower, ignored = _identity_opening(lower)
    lower = re.sub(r"\bsame\s+(?:person|one|guy|individual)\s+as\b", " ", lower)
    if lower != text.replace("’", "'").lower() and not ignored:
        ignored.append(IgnoredWord(word="same person as", reason="identity"))
    lower = re.sub(r"(?<=\w)\s+who\b", " ", lower)  # "person who fell": a relative pronoun, not a question of identity
    lower, found = extract_time(lower, now=now, tz=tz)
    lower, camera, zone = places(lower, cameras, zones)
    names, first = person_names(text, {normalise_name(n) for n in (*cameras, *zones)})
    items = _segment(_WORD.findall(lower))
    resolved, name_words, mappings, unknown = _resolve(
        items, names, _default_mapper() if semantic and mapper is None else mapper
    )
    if first in unknown:
        unknown.remove(first)
        name_words.insert(0, IgnoredWord(word=first, reason="name"))
    builder = _Builder(ignored=ignored + name_words)
    for word, sense in resolved:
        builder.feed(word, sense)
    builder.finish()
    query = _query(text, builder, camera, zone, found, mappings, unknown)
    query = query.model_copy(update={"embed_text": _embed_text(lower, query.ignored_words)})
    if not query.has_criteria and not (open_vocabulary and query.unknown_words):
        raise QueryError(_nothing_message(query))
    return query


def _with_shade(term: ColourTerm) -> ColourTerm:
    """A colour typed with a shade ("dark red") asks for that shade too (blue's shades are colours of their own)."""
    first = term.words.split(" ", 1)[0]
    shade = LEXICON[first].shade if first in LEXICON else None
    if shade not in ("dark", "light") or term.colours in (("navy",), ("light blue",)):
        return term
    return term.model_copy(update={"shade": shade})


def _query(
    text: str,
    b: _Builder,
    camera: str | None,
    zone: str | None,
    found: TimeRange,
    mappings: list[WordMapping],
    unknown: list[str],
) -> Query:
    colours: list[ColourTerm] = []
    for term in b.colours:
        if all((c.region, c.colours) != (term.region, term.colours) for c in colours):
            colours.append(term)
    colours = [_with_shade(c) for c in colours]
    return Query(
        text=text.strip(),
        object_classes=tuple(b.classes),
        colours=tuple(colours),
        garments=tuple(b.garments),
        patterned=b.patterned,
        patterns=tuple(b.patterns),
        headwear=b.headwear,
        headwear_kind=b.headwear_kind,
        carried=tuple(dict.fromkeys(b.carried)),
        not_carried=tuple(dict.fromkeys(b.not_carried)),
        posture=b.posture,
        motion=tuple(b.motion),
        riding=b.riding,
        behaviours=tuple(b.behaviours),
        camera=camera,
        zone=zone,
        since=found.since,
        until=found.until,
        from_s=found.from_s,
        to_s=found.to_s,
        time_label=found.label,
        notes=found.notes,
        ignored_words=tuple(b.ignored),
        unknown_words=tuple(dict.fromkeys(unknown)),
        mapped_words=tuple(mappings),
    )


def _embed_text(text: str, ignored: Sequence[IgnoredWord]) -> str:
    """The text for an image-text embedder: words not used removed (words for people become "person")."""
    for word in sorted({w.word for w in ignored}, key=len, reverse=True):
        text = re.sub(rf"\b{re.escape(word)}\b", "person" if word in PERSON_NOUNS else " ", text)
    return scrub_protected(" ".join(_WORD.findall(text)))


def _nothing_message(query: Query) -> str:
    parts = []
    if query.ignored_words:
        parts.append("not used: " + ", ".join(f"{w.word} ({w.reason})" for w in query.ignored_words))
    if query.unknown_words:
        hints = []
        for word in query.unknown_words:
            close = difflib.get_close_matches(
                word, [k for k, s in LEXICON.items() if s.privacy is None], n=2, cutoff=0.6
            )
            hints.append(f"{word} (did you mean {' or '.join(close)}?)" if close else word)
        parts.append("not understood: " + ", ".join(hints))
    said = "; ".join(parts) + "; " if parts else ""
    return f"nothing to search for in {query.text!r}: {said}describe {_EXAMPLES}"
