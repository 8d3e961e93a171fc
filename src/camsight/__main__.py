"""``python -m camsight`` and the ``camsight`` command (its console script points at :func:`run`)."""

from __future__ import annotations

import sys


def run() -> None:
    """Import the command line, then run it: Ctrl-C while the imports are still loading exits quietly too."""
    try:
        from camsight.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    main()


if __name__ == "__main__":
    run()
