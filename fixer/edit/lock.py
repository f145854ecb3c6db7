"""One writing akfix run per repository at a time.

Two runs that plan from the same files and write in turn would each refuse the other's files as
"changed on disk" at best; a lock makes the second one wait for the first and then plan from
its result. The lock is an flock on a file outside the repository (nothing is written into the
person's tree), keyed by the repository's top folder, and the kernel drops it if akfix dies.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path


class LockBusy(Exception):
    """Another run still holds the repository after the wait."""


def repository_top(path: Path) -> Path:
    """The folder holding `.git` above `path`, or `path` itself outside git."""
    start = path.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def lock_path(top: Path) -> Path:
    folder = Path(tempfile.gettempdir()) / f"akfix-locks-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder / (hashlib.sha256(str(top).encode()).hexdigest()[:24] + ".lock")


@contextmanager
def repository_lock(path: Path, wait_seconds: float, announce=None):
    """Hold the lock of the repository around `path`; wait up to `wait_seconds` for another run."""
    top = repository_top(path)
    handle = open(lock_path(top), "a+")
    try:
        deadline = time.monotonic() + wait_seconds
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(handle)
                if time.monotonic() >= deadline:
                    raise LockBusy(f"another akfix run{holder} is writing to {top}; try again when it has finished "
                                   "(or raise --lock-timeout)") from None
                if not told and announce:
                    announce(f"akfix: waiting for another akfix run{holder} on {top} ...")
                    told = True
                time.sleep(0.1)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield top
    finally:
        handle.close()  # closing drops the flock


def _holder(handle) -> str:
    handle.seek(0)
    pid = handle.read().strip()
    return f" (pid {pid})" if pid.isdigit() else ""


def announce_on_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
