"""A real SIGINT within ``CtrlC``: raised as Python raises it, never lost when swallowed, deferred when shielded."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator

import pytest

from camsight.core.interrupts import CtrlC, shielded


@pytest.fixture(autouse=True)
def _ctrl_c_as_in_a_terminal() -> Iterator[None]:
    """Python's own SIGINT handler, as a terminal starts it (a test run started in the background has it ignored)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _press() -> None:
    os.kill(os.getpid(), signal.SIGINT)


def test_a_ctrl_c_raises_at_once_as_python_does() -> None:
    with CtrlC(), pytest.raises(KeyboardInterrupt):
        _press()


def test_a_ctrl_c_a_library_swallowed_is_raised_at_the_next_check() -> None:
    with CtrlC() as ctrl_c:
        with contextlib.suppress(KeyboardInterrupt):  # as C code calling Python prints it and goes on
            _press()
        with pytest.raises(KeyboardInterrupt):
            ctrl_c.check()


def test_a_shielded_block_runs_to_its_end_and_then_stops() -> None:
    ran: list[str] = []

    def work() -> None:
        with shielded():
            with shielded():
                _press()
                ran.append("inner")
            ran.append("outer")  # still shielded: the outer block has not ended

    with CtrlC(), pytest.raises(KeyboardInterrupt):
        work()
    assert ran == ["inner", "outer"]


def test_without_a_press_nothing_is_raised_and_the_handler_is_put_back() -> None:
    before = signal.getsignal(signal.SIGINT)
    with CtrlC() as ctrl_c, shielded():
        ctrl_c.check()
    assert signal.getsignal(signal.SIGINT) is before


def test_outside_the_main_thread_it_does_nothing() -> None:
    seen: list[object] = []

    def other() -> None:
        with CtrlC() as ctrl_c, shielded():
            seen.append(ctrl_c.pressed)

    before = signal.getsignal(signal.SIGINT)
    thread = threading.Thread(target=other)
    thread.start()
    thread.join(timeout=10)
    assert seen == [False]
    assert signal.getsignal(signal.SIGINT) is before
