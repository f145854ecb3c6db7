"""Ctrl-C (and SIGTERM) held back while files are being replaced, so a run that is stopped leaves
every file either as it was or as akfix meant it: never a fix written halfway across files."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

_HELD = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def deferred_interrupts():
    """Inside: a signal is remembered, not acted on; the body may ask `interrupted()` to stop
    between whole units of work. On leaving: KeyboardInterrupt if a signal came."""
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False  # handlers can only be set from the main thread; workers are not signalled
        return
    received: list[int] = []
    previous = {sig: signal.signal(sig, lambda number, frame: received.append(number)) for sig in _HELD}
    try:
        yield lambda: bool(received)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if received:
        raise KeyboardInterrupt


def forget_interrupt() -> None:
    """CPython 3.11 remembers a KeyboardInterrupt that escaped code run by exec() of a string
    (dataclasses build their methods that way while a module is imported) and, at exit, kills the
    process with SIGINT even though the interrupt was handled: exit -2 instead of 130. Running
    exec() of a string once more resets that flag."""
    exec("")  # noqa: S102 - an empty string, on purpose (see above)
