"""A Ctrl-C that lands where a library would swallow it still stops the command.

Python turns SIGINT into ``KeyboardInterrupt`` in whatever Python code the main thread runs at that
moment. Some libraries run Python code from C and print, then drop, what it raised: a Ctrl-C that landed
in MediaPipe's import of protobuf (on the first crop tall enough for pose) was printed as a traceback and
the analysis ran on to the end. Within ``with CtrlC()`` (the command's main loop):

- SIGINT raises ``KeyboardInterrupt`` as Python does, and is remembered;
- inside :func:`shielded` (code that may swallow it: a third-party import) it is only remembered, and
  raised when the shielded block ends;
- :meth:`CtrlC.check`, called at a safe point (each analysed frame), raises it again if it was pressed:
  the key is never lost.

Outside ``with CtrlC()`` (or in a thread other than the main one) all of this does nothing.

Example:
    >>> import os, signal
    >>> before = signal.signal(signal.SIGINT, signal.default_int_handler)  # as a terminal starts Python
    >>> with CtrlC() as ctrl_c:
    ...     try:
    ...         with shielded():
    ...             os.kill(os.getpid(), signal.SIGINT)
    ...             print("the shielded block runs to its end")
    ...     except KeyboardInterrupt:
    ...         print("then stops")
    the shielded block runs to its end
    then stops
    >>> _ = signal.signal(signal.SIGINT, before)
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType, TracebackType
from typing import Any

_active: CtrlC | None = None


class CtrlC:
    """Within ``with``: SIGINT raises ``KeyboardInterrupt`` (later, if shielded) and is remembered."""

    def __init__(self) -> None:
        self.pressed = False
        self.shields = 0
        self._previous: Any = None
        self._installed = False

    def _on_sigint(self, _sig: int, _frame: FrameType | None) -> None:
        self.pressed = True
        if self.shields == 0:
            raise KeyboardInterrupt

    def __enter__(self) -> CtrlC:
        global _active
        if threading.current_thread() is threading.main_thread():
            previous = signal.getsignal(signal.SIGINT)
            if previous is not signal.SIG_IGN:  # started with Ctrl-C ignored (nohup, a background job): leave it
                self._previous = previous
                signal.signal(signal.SIGINT, self._on_sigint)
                self._installed = True
                _active = self
        return self

    def check(self) -> None:
        """Raise ``KeyboardInterrupt`` if Ctrl-C was pressed (whether or not it got through at the time)."""
        if self.pressed:
            raise KeyboardInterrupt

    def __exit__(
        self, _kind: type[BaseException] | None, _exc: BaseException | None, _tb: TracebackType | None
    ) -> None:
        global _active
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False
            _active = None


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """A Ctrl-C pressed in this block (main thread, within ``with CtrlC()``) is raised when the block ends."""
    guard = _active if threading.current_thread() is threading.main_thread() else None
    if guard is None:
        yield
        return
    guard.shields += 1
    try:
        yield
    finally:
        guard.shields -= 1
    if guard.shields == 0:
        guard.check()
