"""Regions of a text file as SARIF counts them: 1-based lines split at "\\r\\n" or "\\n" (SARIF's
default newlineSequences), columns in UTF-16 code units (what GitHub's and VS Code's viewers count,
both JavaScript), the end column exclusive; byte offsets from the start of the file.

Two jobs, both pure: where a value sits on a line (the column of a finding), and which minimal
byte ranges of the original file a fix replaces (SARIF `fixes`), found by diffing the before and
after bytes of a FileChange.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Region:
    start_line: int
    start_column: int
    end_line: int
    end_column: int  # the column after the last character; == start_column for an insertion point
    byte_offset: int = -1
    byte_length: int = 0

    def to_sarif(self, with_bytes: bool = False) -> dict:
        region = {"startLine": self.start_line, "startColumn": self.start_column, "endLine": self.end_line, "endColumn": self.end_column}
        if with_bytes:
            region.update(byteOffset=self.byte_offset, byteLength=self.byte_length)
        return region


@dataclass(frozen=True)
class Replacement:
    """Bytes [start, end) of the original file become `text`."""

    start: int
    end: int
    text: bytes


def _columns(data: bytes) -> int:
    """Width of `data` (one line's bytes, no newline) in UTF-16 code units."""
    return len(data.decode("utf-8", "surrogateescape").encode("utf-16-le", "surrogatepass")) // 2


def position(data: bytes, offset: int) -> tuple[int, int]:
    """(line, column) of a byte offset. A BOM is not a column: editors do not show it."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    if line_start == 0 and data.startswith(BOM):
        line_start = min(len(BOM), offset)
    return data.count(b"\n", 0, offset) + 1, _columns(data[line_start:offset]) + 1


def line_bounds(data: bytes, line: int) -> tuple[int, int] | None:
    """Byte offsets of the first and past-the-last character of a 1-based line (no newline)."""
    start = 0
    for _ in range(line - 1):
        start = data.find(b"\n", start) + 1
        if start == 0:
            return None
    end = data.find(b"\n", start)
    end = len(data) if end < 0 else end
    if end > start and data[end - 1 : end] == b"\r":
        end -= 1
    if start == 0 and data.startswith(BOM):
        start = len(BOM)
    return start, end


def value_region(data: bytes, line: int, text: str | None = None) -> Region | None:
    """The region of `text` on `line` (quoted first: `"none"` rather than the `none` inside a word),
    or of the line's content without its indentation when `text` is absent or not there."""
    bounds = line_bounds(data, line)
    if bounds is None:
        return None
    start, end = bounds
    content = data[start:end]
    found = -1
    if text is not None:
        for needle in (f'"{text}"', f"'{text}'", text) if text else ('""', "''"):
            found = content.find(needle.encode())
            if found >= 0:
                hit_start, hit_end = start + found, start + found + len(needle.encode())
                break
    if found < 0:
        stripped = content.strip()
        if not stripped:
            return Region(line, 1, line, 1, start, 0)
        hit_start = start + content.index(stripped)
        hit_end = hit_start + len(stripped)
    return _region(data, hit_start, hit_end)


def _region(data: bytes, start: int, end: int) -> Region:
    start_line, start_column = position(data, start)
    end_line, end_column = position(data, end)
    return Region(start_line, start_column, end_line, end_column, start, end - start)


def replacements(before: bytes, after: bytes) -> list[Replacement]:
    """Minimal byte ranges of `before` that, replaced, give `after`: line blocks from a diff, each
    trimmed of the characters it shares with its replacement at both ends (never splitting a
    UTF-8 character)."""
    if before == after:
        return []
    # The edits of one fix are few and local: drop the shared head and tail first, so the line
    # diff runs on a few lines even in a 2 MB template.
    head = _common_prefix(before, after)
    head = before.rfind(b"\n", 0, head) + 1
    tail = _common_suffix(before[head:], after[head:])
    tail = _line_aligned_tail(before, tail)
    old_lines = before[head : len(before) - tail].splitlines(keepends=True)
    new_lines = after[head : len(after) - tail].splitlines(keepends=True)
    found: list[Replacement] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    old_at = [head]
    for chunk in old_lines:
        old_at.append(old_at[-1] + len(chunk))
    new_at = [head]
    for chunk in new_lines:
        new_at.append(new_at[-1] + len(chunk))
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        found.append(_trimmed(before, after, old_at[i1], old_at[i2], new_at[j1], new_at[j2]))
    return found


def _line_aligned_tail(before: bytes, tail: int) -> int:
    """Shrink a shared tail so that it starts at the beginning of a line of `before`."""
    if tail == 0:
        return 0
    cut = len(before) - tail
    if cut == 0 or before[cut - 1 : cut] == b"\n":
        return tail
    next_line = before.find(b"\n", cut)
    return 0 if next_line < 0 else len(before) - (next_line + 1)


def _trimmed(before: bytes, after: bytes, old_start: int, old_end: int, new_start: int, new_end: int) -> Replacement:
    old, new = before[old_start:old_end], after[new_start:new_end]
    prefix = _common_prefix(old, new)
    while prefix > 0 and (_inside_char(old, prefix) or _inside_char(new, prefix)):
        prefix -= 1
    old, new = old[prefix:], new[prefix:]
    suffix = _common_suffix(old, new)
    while suffix > 0 and (_inside_char(old, len(old) - suffix) or _inside_char(new, len(new) - suffix)):
        suffix -= 1
    return Replacement(old_start + prefix, old_end - suffix, new[: len(new) - suffix])


def _inside_char(data: bytes, cut: int) -> bool:
    """Would cutting before data[cut] split a UTF-8 character (continuation bytes are 10xxxxxx)?"""
    return cut < len(data) and 0x80 <= data[cut] < 0xC0


def _common_prefix(a: bytes, b: bytes) -> int:
    limit = min(len(a), len(b))
    low, high = 0, limit
    while low < high:  # binary search on slices: C-speed comparisons, no Python loop per byte
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: bytes, b: bytes) -> int:
    limit = min(len(a), len(b))
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle :] == b[len(b) - middle :]:
            low = middle
        else:
            high = middle - 1
    return low


def replacement_region(before: bytes, replacement: Replacement) -> Region:
    return _region(before, replacement.start, replacement.end)
