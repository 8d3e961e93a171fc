"""Rendering the console's pages: one Jinja2 environment with autoescape on for every template.

Every string a page shows goes through Jinja2's escaping (``autoescape=True`` whatever the template's
name, never ``|safe`` on user text), and every page is sent with headers that keep it to itself: a
Content-Security-Policy allowing scripts, styles and media from this server only (no inline script,
no ``eval``), no framing, no referrer to other sites, and no caching of pages that show footage.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from camsight import __version__

TEMPLATES = Path(__file__).parent / "templates"
"""The page templates."""
STATIC = Path(__file__).parent / "static"
"""CSS, the console's own scripts and the vendored libraries, served under ``/static``."""

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
"""The pages' Content-Security-Policy (hls.js runs its transmuxer in a blob: worker)."""
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
"""Headers sent with every page and fragment."""


def local_time(at: datetime | None, seconds: bool = True) -> str:
    """A stored (UTC) time in this machine's local time with its zone, as the command line shows it."""
    if at is None:
        return "-"
    shown = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone()
    return shown.strftime("%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z")


def iso_utc(at: datetime | None) -> str:
    """A time as ISO 8601 in UTC (for ``<time datetime>`` and the scripts)."""
    if at is None:
        return ""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def percent(value: float | None) -> str:
    """A share as a whole percentage, or a dash when there is none."""
    return "-" if value is None else f"{value * 100:.0f}%"


def json_text(value: object) -> str:
    """A value as JSON text for a person to read (escaped as any text when it is put in the page)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def path_part(value: object) -> str:
    """A value quoted for use as one segment of a URL path (``/`` included)."""
    return quote(str(value), safe="")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        local_time=local_time, iso_utc=iso_utc, percent=percent, path_part=path_part, json_text=json_text
    )
    env.globals.update(version=__version__)
    return env


ENV = _environment()
"""The one template environment (autoescape on for every template)."""


def is_fragment(request: Request) -> bool:
    """Whether htmx asked for a part of a page (``HX-Request``) rather than a whole page."""
    return request.headers.get("hx-request") == "true"


def render(template: str, context: dict[str, Any], *, status: int = 200) -> HTMLResponse:
    """A template rendered as an HTML response with the console's headers."""
    html = ENV.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status, headers=HEADERS)
