"""Alembic's environment for camsight: migrations run on the connection camsight hands over.

camsight never runs Alembic from an ini file: :func:`camsight.store.migrations.upgrade` builds the
configuration in code and passes an open connection in ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context

from camsight.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
