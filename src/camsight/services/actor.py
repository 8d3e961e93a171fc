"""Who is asking: the actor every use case takes, and what it may see.

Until the console adds accounts, commands act as the operating-system user who ran them (an admin of
the store they can open). An actor limited to some cameras sees only those, in every use case; at a
hub, an actor limited to some sites sees only theirs.

Example:
    >>> Actor("os:ana").may_see("gate")
    True
    >>> Actor("user:bo", role="viewer", cameras=frozenset({"lobby"})).may_see("gate")
    False
    >>> Actor("user:cy", sites=frozenset({"north"})).may_see("gate", site="south")
    False
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from camsight.errors import CamsightError

Role = Literal["viewer", "operator", "admin"]
_RANK = {"viewer": 0, "operator": 1, "admin": 2}


class Forbidden(CamsightError):
    """The actor may not do this."""


@dataclass(frozen=True, slots=True)
class Actor:
    """Someone using camsight.

    Attributes:
        name: As written in the audit log (``os:ana``, ``user:bo``, ``token:backup``).
        role: viewer (alerts), operator (also search, feedback, blurred clips), admin (everything).
        cameras: The cameras this actor may see; None for all.
        sites: The sites this actor may see (a hub's accounts); None for all.
    """

    name: str
    role: Role = "admin"
    cameras: frozenset[str] | None = None
    sites: frozenset[str] | None = None

    def may_see(self, camera: str, site: str | None = None) -> bool:
        """Whether a camera (of ``site``, when the caller knows it) is in the actor's scope."""
        if site is not None and self.sites is not None and site not in self.sites:
            return False
        return self.cameras is None or camera in self.cameras

    def may_see_any(self, camera: str, sites: Iterable[str]) -> bool:
        """Whether a camera of that id is in scope at any of ``sites`` (at a hub, sites may share camera names)."""
        known = tuple(sites)
        return any(self.may_see(camera, site) for site in known) if known else self.may_see(camera)

    def site_scope(self) -> list[str] | None:
        """The sites as a filter for the store (None: no limit)."""
        return None if self.sites is None else sorted(self.sites)

    def scope(self) -> list[str] | None:
        """The cameras as a filter for the store (None: no limit)."""
        return None if self.cameras is None else sorted(self.cameras)

    def require(self, role: Role, what: str) -> None:
        """Refuse unless the actor has at least ``role``.

        Raises:
            Forbidden: The actor's role is lower.
        """
        if _RANK[self.role] < _RANK[role]:
            raise Forbidden(f"{self.name} ({self.role}) may not {what}; that needs the {role} role")


def os_actor() -> Actor:
    """The operating-system user running this command (an admin of the stores it can open)."""
    try:
        return Actor(f"os:{getpass.getuser()}")
    except (KeyError, OSError):
        return Actor("os:unknown")
