"""The revisions, one file each, oldest first (Alembic reads them; nothing imports them)."""
