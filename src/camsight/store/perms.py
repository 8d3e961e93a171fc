"""Who may read what camsight stores: owner-only by default.

The database, media (thumbnails, snapshots), recordings, backups and exported clips show people, so
every file camsight creates is ``0600`` and every folder ``0700``: readable by the account camsight
runs as, by no one else on the box. A site that wants a group (say, the backup operator's) to read
them sets ``store.share_with_group: true``; then files are ``0640`` and folders ``0750``
(:func:`share_with_group`, called once at start-up from the config).

Example:
    >>> import tempfile, stat
    >>> folder = Path(tempfile.mkdtemp()) / "media"
    >>> make_dir(folder)
    >>> oct(stat.S_IMODE(folder.stat().st_mode))
    '0o700'
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

_MODES = {"private": (0o600, 0o700), "group": (0o640, 0o750)}
_current = "private"


def share_with_group(enabled: bool) -> None:
    """Make files ``0640`` and folders ``0750`` from now on (``store.share_with_group``), or owner-only again."""
    global _current
    _current = "group" if enabled else "private"


def file_mode() -> int:
    """The mode of new files."""
    return _MODES[_current][0]


def dir_mode() -> int:
    """The mode of new folders."""
    return _MODES[_current][1]


def make_dir(path: Path) -> None:
    """Create a folder and its missing parents with :func:`dir_mode` (existing folders are left alone)."""
    missing = []
    current = Path(path)
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=dir_mode())
        except FileExistsError:
            continue
        os.chmod(folder, dir_mode())  # mkdir's mode is masked by the umask


def touch_private(path: Path) -> None:
    """Create an empty file with :func:`file_mode` if it is missing (SQLite gives its WAL files the same mode)."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, file_mode())
    except FileExistsError:
        return
    os.fchmod(fd, file_mode())
    os.close(fd)


def replace_file(target: Path, write: Callable[[BinaryIO], object], *, durable: bool = False) -> None:
    """Write a file beside ``target`` with :func:`file_mode`, then move it into place.

    A reader never sees half of it, and a failed or interrupted write leaves ``target`` as it was (the
    partial file is removed).

    Args:
        target: The file to create or replace (its folder is made with :func:`make_dir` if missing).
        write: Writes the content into the open file; whatever it raises is raised.
        durable: Flush the content to the disk before the move (a file that must survive a power cut).
    """
    make_dir(target.parent)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), file_mode())
            write(out)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def open_new(path: Path) -> int:
    """Open a new file for writing with :func:`file_mode` from the start (never briefly readable by others)."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, file_mode())
    os.fchmod(fd, file_mode())
    return fd
