"""Native libraries' start-up chatter kept off the terminal (MediaPipe's C++ log lines).

On its first run MediaPipe 0.10.14 writes four lines straight to file descriptor 2: TensorFlow Lite's
"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.", absl's notice that logging is not set up and,
once per model, a warning that its "feedback manager" is disabled. They say nothing to an operator, and
nothing turns them off: absl's C++ logging reads no environment variable (``GLOG_minloglevel`` and
``TF_CPP_MIN_LOG_LEVEL`` were tried), and MediaPipe's Python API has no switch.

:func:`quiet_native_logs` points descriptor 2 at a temporary file for the block, then writes back to
stderr every line that is not one of :data:`CHATTER`, in order: anything else written meanwhile (a
warning from another thread, an error of the library itself) still arrives, a moment late. One block
runs at a time (a lock), and a block inside another is passed through.

Example:
    >>> import os
    >>> with quiet_native_logs():
    ...     _ = os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.")
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator

__all__ = ["CHATTER", "quiet_native_logs"]

CHATTER = (
    re.compile(r"INFO: Created TensorFlow Lite XNNPACK delegate for CPU\.\s*$"),
    re.compile(r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR\s*$"),
    re.compile(r"W\d{4} [\d:. ]+\s+\d+ inference_feedback_manager\.cc:\d+\] Feedback manager requires .*$"),
)
"""The lines dropped: MediaPipe's start-up notices, matched whole."""

_lock = threading.Lock()
_owner: int | None = None


def _kept(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not any(p.match(line) for p in CHATTER))


@contextlib.contextmanager
def quiet_native_logs() -> Iterator[None]:
    """Drop :data:`CHATTER` written to descriptor 2 within the block; pass everything else on after it."""
    global _owner
    if _owner == threading.get_ident():  # nested: the outer block already catches it
        yield
        return
    with _lock:
        _owner = threading.get_ident()
        try:
            with tempfile.TemporaryFile() as caught:
                sys.stderr.flush()
                saved = os.dup(2)
                os.dup2(caught.fileno(), 2)
                try:
                    yield
                finally:
                    sys.stderr.flush()
                    os.dup2(saved, 2)
                    os.close(saved)
                    caught.seek(0)
                    rest = _kept(caught.read().decode("utf-8", errors="replace"))
                    if rest:
                        os.write(2, rest.encode("utf-8"))
        finally:
            _owner = None
