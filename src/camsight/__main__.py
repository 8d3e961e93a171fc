"""``python -m camsight``."""

from camsight.cli import main

main()
