"""``GET /api/search``: plain-language search over the tracks of the caller's cameras, with evidence.

The text becomes the same typed :class:`~camsight.search.query.Query` the CLI and the standing
queries use (never SQL); the answer says how it was understood, which words were deliberately not
used (words about identity and protected traits, which camsight never infers: see
:data:`camsight.search.lexicon.SPECIAL_CATEGORIES` and the identity words beside it) and which were
not understood. Every search is
written to the audit log by the use case (:func:`camsight.services.search.search`).

A server searches again and again, so each application keeps one process-local copy of the search
index (:class:`~camsight.search.cache.FeatureCache`), made by :func:`make_router` when the
application is created: two applications never share one. (No ``from __future__ import annotations``
here: the route is made inside :func:`make_router`, and FastAPI must see its parameters' types as
objects, the application's own search setup among them.)
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from camsight.api.deps import Conn, Context, Reader
from camsight.api.params import MAX_OFFSET, Instant, moment_url, thumbnail_url, track_clip_url
from camsight.core.records import TrackRecord
from camsight.search.cache import FeatureCache
from camsight.search.clip_embedder import ClipEmbedder
from camsight.search.query import IgnoredWord, WordMapping
from camsight.search.query import Query as ParsedQuery
from camsight.search.rank import Hit, nothing_matched
from camsight.services import search
from camsight.services.search import SearchOutcome

MAX_TEXT = 500
"""Longest search text accepted, characters."""
MAX_PAGE = 100
"""Most hits one page may hold."""


@dataclass(frozen=True)
class SearchSetup:
    """What one application searches with.

    Attributes:
        cache: Its copy of the search index.
        embedder: An optional image-text embedder (open-vocabulary ranking).
        semantic: Whether words the lexicon lacks go to the sentence embedder.
    """

    cache: FeatureCache = field(default_factory=FeatureCache)
    embedder: ClipEmbedder | None = None
    semantic: bool = True


class Understood(BaseModel):
    """How the text was understood."""

    describe: str = Field(description="The query in one line, e.g. 'object: person; upper body: red'.")
    ignored_words: list[IgnoredWord] = Field(description="Words deliberately not used, with why.")
    unknown_words: list[str] = Field(description="Words not understood.")
    mapped_words: list[WordMapping] = Field(description="Words the lexicon lacked, mapped to known terms.")
    notes: list[str] = Field(description="How the text was read where that may surprise.")


class SearchHit(BaseModel):
    """One track found, best first."""

    rank: int = Field(description="1 = best.")
    score: float = Field(description="Match score, 0..1.")
    record: TrackRecord = Field(description="The track record.")
    evidence: list[str] = Field(description="Why it matched, part by part ('upper body: red 0.71').")
    thumbnail_url: str | None = Field(description="GET this for the thumbnail (JPEG); null when there is none.")
    play_url: str = Field(description="GET this for the track's clip (MP4, heads blurred).")
    complete: bool = Field(default=True, description="Whether it matched every part of the query; false: partial.")
    missing: list[str] = Field(default_factory=list, description="Parts of the query it did not match.")
    at_s: float | None = Field(
        default=None,
        description="Seconds into the source of the moment that matched (an event of the kind asked for, the "
        "longest stretch in the asked posture or motion); null when the query asked for nothing timed.",
    )
    clip_offset_s: float = Field(
        default=0.0, description="Where that moment is in the clip at play_url, seconds from its start (seek there)."
    )
    moment_url: str | None = Field(
        default=None,
        description="GET this for a picture of the track at at_s (JPEG, cut from its video, masked and blurred; "
        "the thumbnail where it cannot be cut); null when at_s is.",
    )


class SearchAnswer(BaseModel):
    """A page of results with the query as understood."""

    query: Understood = Field(description="How the text was understood.")
    hits: list[SearchHit] = Field(description="The tracks found, best first.")
    more: bool = Field(description="Whether there are more results (ask with a larger offset).")
    nothing_matched: str | None = Field(
        default=None,
        description="Set when no hit matched every part of the query: 'nothing matched all of: ...'; "
        "the hits are then the closest partial matches.",
    )


def _understood(query: ParsedQuery) -> Understood:
    return Understood(
        describe=query.describe(),
        ignored_words=list(query.ignored_words),
        unknown_words=list(query.unknown_words),
        mapped_words=list(query.mapped_words),
        notes=list(query.notes),
    )


def _hit(hit: Hit) -> SearchHit:
    record = hit.record
    return SearchHit(
        rank=hit.rank,
        score=hit.score,
        record=record,
        evidence=list(hit.evidence),
        thumbnail_url=thumbnail_url(record.id) if record.thumbnail else None,
        play_url=track_clip_url(record.id),
        complete=hit.complete,
        missing=list(hit.missing),
        at_s=hit.at_s,
        clip_offset_s=hit.offset_s,
        moment_url=None if hit.at_s is None else moment_url(record.id, hit.at_s),
    )


def answer(outcome: SearchOutcome) -> SearchAnswer:
    """The API's answer for a search outcome."""
    hits = [_hit(h) for h in outcome.result.hits]
    return SearchAnswer(
        query=_understood(outcome.query),
        hits=hits,
        more=outcome.result.more,
        nothing_matched=nothing_matched(outcome.query, outcome.result.hits),
    )


def make_router(setup: SearchSetup) -> APIRouter:
    """The search router of one application, searching with ``setup`` (its own index copy)."""
    router = APIRouter(prefix="/api", tags=["search"])
    Setup = Annotated[SearchSetup, Depends(lambda: setup)]

    @router.get("/search", responses={403: {"description": "Viewers may not"}, 422: {"description": "Not understood"}})
    def search_tracks(
        actor: Reader,
        conn: Conn,
        ctx: Context,
        used: Setup,
        q: Annotated[str, Query(min_length=1, max_length=MAX_TEXT, description="What to look for, in plain English.")],
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page size.")] = 20,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Results to skip.")] = 0,
        camera: Annotated[str | None, Query(max_length=200, description="Only this camera.")] = None,
        site: Annotated[str | None, Query(max_length=64, description="Only this site (a hub holds many).")] = None,
        since: Annotated[Instant | None, Query(description="Only tracks seen from then on (ISO 8601).")] = None,
    ) -> SearchAnswer:
        """Search the tracks of the caller's cameras in plain English (operators and admins; audited).

        Answers ``{query: {describe, ignored_words, unknown_words, mapped_words, notes}, hits: [{rank,
        score, record, evidence, thumbnail_url, play_url, complete, missing}], more, nothing_matched}``.
        Words about gender, age, ethnicity, identity, emotion, religion, orientation, health, politics or
        unions are never matched on; they are listed in ``ignored_words`` with why. When no hit matched
        every part of the query, ``nothing_matched`` says so and the hits are the closest partial matches.
        """
        config = ctx.config
        outcome = search.search(
            conn,
            actor=actor,
            text=q,
            now=datetime.now(UTC),
            cameras=[c.id for c in config.cameras],
            zones=[z.name for c in config.cameras for z in c.zones],
            camera=camera,
            site=site,
            since=since,
            limit=limit,
            offset=offset,
            embedder=used.embedder,
            cache=used.cache,
            semantic=used.semantic,
        )
        return answer(outcome)

    return router
