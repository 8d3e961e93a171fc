"""An open store: its engine, its files, its site, and what opening it changed.

Every command opens its store with :func:`open_store`: it connects, upgrades an older store (with a
backup first, see :mod:`camsight.store.upgrade`), and resolves the files that belong to it by the
one rule of :mod:`camsight.store.paths`.

Example:
    >>> from camsight.config import Config
    >>> store = open_store(Config(site="docs"), ":memory:")
    >>> store.site, store.upgraded is not None
    ('docs', True)
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from camsight.config.models import Config
from camsight.store import perms
from camsight.store.db import connect, is_read_only_engine
from camsight.store.media import MediaStore
from camsight.store.paths import StorePaths
from camsight.store.upgrade import Upgraded, upgrade


@dataclass(frozen=True)
class Store:
    """A store ready to use.

    Attributes:
        engine: The database.
        paths: Its database, media, recordings, status and lock files.
        site: The site new rows are written under (the config's, or the host name).
        upgraded: What opening it changed (created or upgraded), or None.
    """

    engine: sa.Engine
    paths: StorePaths
    site: str
    upgraded: Upgraded | None

    @property
    def media(self) -> MediaStore:
        """The media folder (thumbnails and snapshots)."""
        return MediaStore(self.paths.media)

    @property
    def read_only(self) -> bool:
        """Whether this process may only read the store."""
        return is_read_only_engine(self.engine)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()


def open_store(config: Config, db: str | None = None) -> Store:
    """Open (creating or upgrading) the store named by ``--db`` or the config.

    Raises:
        StoreError: It cannot be opened, is newer than this camsight, or cannot be upgraded.
    """
    perms.share_with_group(config.store.share_with_group)
    database = db or config.store.database
    engine = connect(database)
    try:
        changed = upgrade(engine, site=config.site_name(), database=database)
        with engine.connect() as conn:
            paths = StorePaths.resolve(config, database, conn)
    except BaseException:
        engine.dispose()
        raise
    return Store(engine=engine, paths=paths, site=config.site_name(), upgraded=changed)
