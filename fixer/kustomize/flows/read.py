"""Hubble flow exports, streamed: one JSON object a line as `hubble observe -o jsonpb` (or `-o json`)
writes them, `{"flow": {...}, "node_name": ..., "time": ...}` or a bare flow object, optionally
gzip-compressed (recognised by its magic bytes, not its name). A file is never held in memory.

A line that is not JSON, or JSON that is not a flow, becomes `file:line: reason` and the rest is
read. Other Hubble events in the same stream (`node_status`, `lost_events`, agent and debug events)
are counted, not reported. A file that holds no flow at all says what was expected.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

try:  # several times faster than the standard library on Hubble's long lines
    from orjson import JSONDecodeError, loads
except ImportError:  # pragma: no cover - orjson is a dependency; keep working without it
    from json import JSONDecodeError, loads

from fixer.model import Problem

GZIP_MAGIC = b"\x1f\x8b"
EXPECTED = ('expected Hubble flows as JSON lines, as `hubble observe -o jsonpb` writes them '
            '({"flow": {...}} or a bare flow object per line, optionally gzip-compressed)')
OTHER_EVENTS = ("node_status", "lost_events", "agent_event", "debug_event")
FLOW_KEYS = ("verdict", "source", "destination", "IP", "l4", "Type")
MAX_REPORTED = 20  # bad lines reported one by one per file; the rest are counted
FOREIGN_AFTER = 20  # this many bad lines before the first flow: the file is not a flow export


@dataclass
class ReadStats:
    """What reading saw, per run (mutable while reading; read-only afterwards)."""

    lines: int = 0
    flows: int = 0
    other_events: int = 0
    replies: int = 0  # reply lines recognised without parsing them
    bad_lines: int = 0
    files: list[str] = field(default_factory=list)


BUFFER = 1 << 20
INFLATED = 8 << 20  # at most this much decompressed at a time


class _Lines:
    """Lines of a plain or gzip file (several gzip members, as `cat a.gz b.gz` makes, included).
    zlib directly, in large chunks: several times faster than iterating a GzipFile, and a
    truncated stream still gives every complete line before the cut, then raises EOFError."""

    def __init__(self, path: Path):
        self.handle = path.open("rb", buffering=BUFFER)
        self.gzip = self.handle.read(2) == GZIP_MAGIC
        self.handle.seek(0)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.handle.close()

    def __iter__(self):
        return iter(self.handle) if not self.gzip else self._inflate()

    def _inflate(self):
        decompressor = zlib.decompressobj(wbits=31)
        pending = b""
        inside = False  # fed a member whose end marker has not come yet
        while chunk := self.handle.read(BUFFER):
            while chunk:
                inside = True
                data = decompressor.decompress(chunk, INFLATED)  # bounded: a gzip bomb stays small
                chunk = decompressor.unconsumed_tail
                if decompressor.eof:  # the end of one member: another may follow (cat a.gz b.gz)
                    chunk, inside = decompressor.unused_data, False
                    decompressor = zlib.decompressobj(wbits=31)
                if data:
                    lines = (pending + data).split(b"\n")
                    pending = lines.pop()
                    yield from lines
        if inside:  # the last, incomplete line is not used
            raise EOFError("the gzip stream ends before its end marker (a truncated file?)")
        if pending:
            yield pending


REPLY_MARKS = (b'"is_reply":true', b'"is_reply": true')  # protojson varies the spacing


def _bounded(lines, size: int):
    """The lines that start within the next `size` bytes."""
    for line in lines:
        if size <= 0:
            return
        size -= len(line)
        yield line


def is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def read_flows(path: Path, shown: str, problems: list[Problem], stats: ReadStats, skip_replies: bool = True,
               span: tuple[int, int] | None = None) -> Iterator[dict]:
    """Every flow object of one file, in file order. Problems (bad lines, unreadable or foreign
    file) are appended to `problems` with `shown` as the file name.

    `skip_replies`: a complete-looking line (it ends with `}`) that says `"is_reply": true` is a
    reply, which allows nothing; it is counted in `stats.replies` without being parsed (about
    half the lines of an export, and most of the time spent).

    `span`: (start, end) byte offsets of a plain file, starting at a line: read only the lines
    that start there, with line numbers counted from the span's start; the caller merges the
    stats and calls `finish_file` (kustomize.flows.observe reads large files in parallel)."""
    if span is None:
        stats.files.append(shown)
    flows_here = bad_here = replies = 0  # counted in locals on the hot path, added to stats at the end
    number = 0
    mark, spaced = REPLY_MARKS

    def bad(line: int, reason: str) -> None:
        nonlocal bad_here
        bad_here += 1
        stats.bad_lines += 1
        if bad_here <= MAX_REPORTED:
            problems.append(Problem(shown, line, reason))

    try:
        handle = _Lines(path)
    except OSError as exc:
        problems.append(Problem(shown, 0, f"cannot be read: {exc.strerror or exc}"))
        return
    with handle:
        lines = iter(handle)
        if span is not None:
            handle.handle.seek(span[0])
            lines = _bounded(handle.handle, span[1] - span[0])
        try:
            for number, line in enumerate(lines, 1):
                if len(line) < 8 and not line.strip():
                    continue
                if skip_replies and (mark in line or spaced in line) and line.endswith((b"}\n", b"}", b"}\r\n")):
                    replies += 1
                    continue
                try:
                    value = loads(line)
                except (JSONDecodeError, ValueError, UnicodeDecodeError) as exc:
                    bad(number, f"not valid JSON ({str(exc).splitlines()[0][:80]})")
                    if not flows_here and bad_here >= FOREIGN_AFTER:
                        break
                    continue
                flow = value.get("flow") if isinstance(value, dict) else None
                if not isinstance(flow, dict):
                    if isinstance(value, dict) and any(k in value for k in OTHER_EVENTS):
                        stats.other_events += 1
                        continue
                    if isinstance(value, dict) and any(k in value for k in FLOW_KEYS):
                        flow = value  # a bare flow object
                    else:
                        bad(number, "JSON but not a Hubble flow (no `flow` object, no verdict/source/destination)")
                        if not flows_here and bad_here >= FOREIGN_AFTER:
                            break
                        continue
                flows_here += 1
                yield flow
        except (OSError, EOFError, zlib.error) as exc:  # a truncated or corrupt gzip stream
            problems.append(Problem(shown, number + 1, f"stops being readable here ({exc}); flows after line {number} not read"))
    stats.lines += number
    stats.flows += flows_here + replies
    stats.replies += replies
    if span is None:
        finish_file(shown, problems, number, flows_here + replies, bad_here)


def finish_file(shown: str, problems: list[Problem], lines: int, flows: int, bad: int) -> None:
    """What a whole file's counts say: bad lines beyond those listed; no flow at all."""
    if bad > MAX_REPORTED:
        problems.append(Problem(shown, 0, f"{bad - MAX_REPORTED} more bad lines not listed ({bad} in all)"))
    if not flows:
        what = "is empty" if lines == 0 else "holds no flow" if bad < FOREIGN_AFTER else f"is not a flow export (the first {bad} lines are not flows)"
        problems.append(Problem(shown, 0, f"{what}: {EXPECTED}"))
