"""Every flow file read once per run, into one aggregate: cached on name, size and modification
time (several repositories in one run share it), and a large plain file split at line starts and
read by one forked process per core (parsing JSON is the cost and holds the GIL). A gzip stream
can only be read from its start: one process.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fixer.kustomize.flows.aggregate import Aggregator, Observed
from fixer.kustomize.flows.read import MAX_REPORTED, ReadStats, finish_file, is_gzip, read_flows
from fixer.model import Problem

PARALLEL_FROM = 32 << 20  # plain files this large are read by several processes at once


@lru_cache(maxsize=4)
def _observe(files: tuple[tuple[str, int, int], ...]) -> tuple[Observed, ReadStats, tuple[Problem, ...]]:
    aggregator = Aggregator()
    stats = ReadStats()
    problems: list[Problem] = []
    add = aggregator.add
    for shown, size, _ in files:
        workers = _workers(Path(shown), size)
        if workers > 1:
            _observe_in_parallel(Path(shown), shown, size, workers, aggregator, stats, problems)
            continue
        for flow in read_flows(Path(shown), shown, problems, stats):
            add(flow)
    return aggregator.result(), stats, tuple(problems)


def _workers(path: Path, size: int) -> int:
    """Processes for one file: one per core for a large plain file (JSON parsing is the cost and
    holds the GIL); one for gzip, which can only be read from its start."""
    import multiprocessing
    import os

    if size < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    try:
        if is_gzip(path):
            return 1
    except OSError:
        return 1
    return min(os.cpu_count() or 1, 4)


def _spans(path: Path, size: int, parts: int) -> list[tuple[int, int]]:
    """Byte ranges that start at line starts."""
    offsets = [0]
    with path.open("rb") as handle:
        for part in range(1, parts):
            handle.seek(max(size * part // parts, offsets[-1]))
            handle.readline()
            offsets.append(min(handle.tell(), size))
    offsets.append(size)
    return [(start, end) for start, end in zip(offsets, offsets[1:]) if end > start]


def _observe_span(job: tuple[str, int, int]):
    shown, start, end = job
    aggregator, stats, problems = Aggregator(), ReadStats(), []
    for flow in read_flows(Path(shown), shown, problems, stats, span=(start, end)):
        aggregator.add(flow)
    return aggregator.export(), stats, problems


def _observe_in_parallel(path: Path, shown: str, size: int, workers: int, aggregator: Aggregator, stats: ReadStats,
                         problems: list[Problem]) -> None:
    """One file, its spans read by forked processes and merged in order: line numbers in problems
    are the file's, as if it had been read from the start."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from dataclasses import replace

    jobs = [(shown, start, end) for start, end in _spans(path, size, workers)]
    with ProcessPoolExecutor(len(jobs), mp_context=multiprocessing.get_context("fork")) as pool:
        parts = list(pool.map(_observe_span, jobs))
    stats.files.append(shown)
    before, listed, bad = stats.lines, [], 0
    for exported, part, found in parts:
        aggregator.merge(exported)
        listed += [replace(p, line=p.line + stats.lines - before) if p.line else p for p in found if p.line]
        problems += [p for p in found if not p.line]  # a span that could not be read at all
        bad += part.bad_lines
        stats.lines += part.lines
        stats.flows += part.flows
        stats.replies += part.replies
        stats.other_events += part.other_events
        stats.bad_lines += part.bad_lines
    problems += listed[:MAX_REPORTED]
    finish_file(shown, problems, stats.lines - before, sum(part.flows for _, part, _ in parts), bad)


def observe(paths: tuple[str, ...]) -> tuple[Observed, ReadStats, tuple[Problem, ...]]:
    """Read every flow file once per run (cached on name, size and modification time)."""
    keys = []
    for name in paths:
        try:
            info = Path(name).stat()
            keys.append((name, info.st_size, info.st_mtime_ns))
        except OSError:
            keys.append((name, -1, -1))
    return _observe(tuple(keys))
