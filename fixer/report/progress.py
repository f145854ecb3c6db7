"""A progress bar for a person waiting on a big scan, and nothing for anyone else.

The pipeline takes an optional callback `progress(stage, done, total)` (None by default: no cost
but an `if`). `for_terminal()` gives one only when stderr is a terminal and the run is not quiet;
it counts silently and shows a rich bar (imported then, never for small runs or `--help`) once a
stage has more than SHOW_FILES files or the run has lasted SHOW_AFTER seconds. The bar is
transient: it is gone when the run ends, leaving the output as it would be without it.
"""

from __future__ import annotations

import sys
import time
from typing import Callable

Progress = Callable[[str, int, int], None]

SHOW_FILES = 200
SHOW_AFTER = 1.0  # seconds


def for_terminal(quiet: bool, color: bool = True, stream=None) -> _Lazy | None:
    """`color`: what --color/NO_COLOR/FORCE_COLOR decided for stderr (fixer/style.py)."""
    stream = stream if stream is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    if quiet or not (isatty and isatty()):
        return None
    return _Lazy(stream, color)


class _Lazy:
    """Counts stages; shows the bar when the work turns out to be big or slow."""

    def __init__(self, stream, color: bool = True, clock=time.monotonic):
        self.stream = stream
        self.color = color
        self.clock = clock
        self.started = clock()
        self.bar = None
        self.tasks: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.bar is None:
            if total <= SHOW_FILES and self.clock() - self.started < SHOW_AFTER:
                return
            self._show()
        task = self.tasks.get(stage)
        if task is None:
            task = self.tasks[stage] = self.bar.add_task(stage, total=total)
        self.bar.update(task, completed=done, total=total)

    def _show(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        console = Console(file=self.stream, force_terminal=True, color_system="auto" if self.color else None)
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=console, transient=True)
        self.bar.start()

    @property
    def shown(self) -> bool:
        return self.bar is not None

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
