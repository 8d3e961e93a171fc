"""Accounts, sessions and tokens; the audit log hash-chained; camera geometry drawn in the console.

- ``users`` (argon2 hashes, role, camera scope), ``api_tokens`` (SHA-256 of each token),
  ``sessions`` (SHA-256 of each cookie, its CSRF token), ``login_attempts`` (to slow repeated failures);
- ``audit_log`` gains ``prev_hash`` and ``hash``: every row already there is chained here, in id order,
  so the log is verifiable from the upgrade on (the ``meta`` key ``audit_head`` names the newest row);
- ``camera_geometry``: zones, lines and masks of a camera as edited in the console;
- ``standing_queries`` gains ``notify``: the Apprise URLs its alerts are sent to (none for those there).

Every row and every id is kept.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_DT = sa.DateTime(timezone=True)
GENESIS = "0" * 64


def _row_hash(prev_hash: str, id_: int, at: datetime, actor: str, action: str, detail: Any) -> str:
    """The chain's hash as of this revision (frozen copy of camsight.store.audit.row_hash)."""
    when = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    body = json.dumps(
        {"prev": prev_hash, "id": id_, "at": when, "actor": actor, "action": action, "detail": detail},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _tables() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String, nullable=False, unique=True),
        sa.Column("role", sa.String, nullable=False),
        sa.Column("cameras", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("password_hash", sa.String, nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created_at", _DT, nullable=False),
        sa.Column("updated_at", _DT, nullable=False),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("token_hash", sa.String, nullable=False, unique=True),
        sa.Column("created_at", _DT, nullable=False),
        sa.Column("last_used_at", _DT, nullable=True),
        sa.Column("revoked", sa.Boolean, nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("csrf", sa.String, nullable=False),
        sa.Column("created_at", _DT, nullable=False),
        sa.Column("expires_at", _DT, nullable=False),
        sa.Column("last_seen_at", _DT, nullable=False),
        sa.Column("ip", sa.String, nullable=True),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String, nullable=False),
        sa.Column("ip", sa.String, nullable=True),
        sa.Column("at", _DT, nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
    )
    op.create_index("ix_login_attempts_username_at", "login_attempts", ["username", "at"])
    op.create_index("ix_login_attempts_ip_at", "login_attempts", ["ip", "at"])
    op.create_table(
        "camera_geometry",
        sa.Column("site", sa.String, primary_key=True),
        sa.Column("camera", sa.String, primary_key=True),
        sa.Column("geometry", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", _DT, nullable=False),
        sa.Column("updated_by", sa.String, nullable=False),
    )


def _chain() -> None:
    """Chain the rows already in the audit log, oldest first."""
    op.add_column("audit_log", sa.Column("prev_hash", sa.String, nullable=False, server_default=""))
    op.add_column("audit_log", sa.Column("hash", sa.String, nullable=False, server_default=""))
    bind = op.get_bind()
    log = sa.table(
        "audit_log",
        sa.column("id", sa.Integer),
        sa.column("at", _DT),
        sa.column("actor", sa.String),
        sa.column("action", sa.String),
        sa.column("detail", sa.JSON),
        sa.column("prev_hash", sa.String),
        sa.column("hash", sa.String),
    )
    prev, last_id = GENESIS, None
    for row in bind.execute(sa.select(log.c.id, log.c.at, log.c.actor, log.c.action, log.c.detail).order_by(log.c.id)):
        at = row.at if isinstance(row.at, datetime) else datetime.fromisoformat(str(row.at))
        detail = row.detail if not isinstance(row.detail, str) else json.loads(row.detail)
        digest = _row_hash(prev, int(row.id), at, row.actor, row.action, detail)
        bind.execute(sa.update(log).where(log.c.id == row.id).values(prev_hash=prev, hash=digest))
        prev, last_id = digest, int(row.id)
    if last_id is not None:
        bind.execute(sa.text("DELETE FROM meta WHERE key = 'audit_head'"))
        bind.execute(sa.text("INSERT INTO meta (key, value) VALUES ('audit_head', :v)"), {"v": f"{last_id}:{prev}"})


def upgrade() -> None:
    """Add accounts, sessions, tokens, login attempts and camera geometry; chain the audit log."""
    _tables()
    _chain()
    op.add_column("standing_queries", sa.Column("notify", sa.JSON, nullable=False, server_default="[]"))
    op.get_bind().execute(sa.text("UPDATE meta SET value = '3' WHERE key = 'schema_version'"))


def downgrade() -> None:
    """Stores are never downgraded: keep the backup made before the upgrade."""
    raise NotImplementedError("camsight stores are not downgraded; restore the backup made before the upgrade")
