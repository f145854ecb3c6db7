"""Reading and writing people's files without losing anything.

A file is kept as bytes from end to end: edits are byte ranges, so the BOM, the newline style,
tabs and every byte outside an edit survive untouched. Writes are atomic (temporary file in the
same directory, fsync, rename) and keep the file's mode.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class UnreadableText(ValueError):
    """The bytes are not text akfix can edit safely; the message says why and where."""

    def __init__(self, message: str, line: int = 1):
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class TextFile:
    """A file's bytes plus what must be kept when it is rewritten."""

    data: bytes  # the whole file, BOM included
    bom: bytes  # b"" or the UTF-8 BOM
    newline: bytes  # b"\n" or b"\r\n": the style of the file's first line break
    digest: str  # sha256 of data, to detect a change between read and write

    @property
    def body(self) -> bytes:
        """The bytes after the BOM: what parsers see."""
        return self.data[len(self.bom):]


def load_text(data: bytes) -> TextFile:
    """Check that `data` is UTF-8 text and note its BOM and newline style."""
    if data.startswith(_UTF16_BOMS):
        raise UnreadableText("file is UTF-16 encoded; only UTF-8 is supported (Terraform requires UTF-8)")
    bom = UTF8_BOM if data.startswith(UTF8_BOM) else b""
    body = data[len(bom):]
    nul = body.find(b"\x00")
    if nul >= 0:
        raise UnreadableText("file contains NUL bytes (binary?)", body.count(b"\n", 0, nul) + 1)
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        raise UnreadableText(f"not valid UTF-8 (byte 0x{body[exc.start]:02x} at offset {exc.start})", line) from exc
    first = body.find(b"\n")
    newline = b"\r\n" if first > 0 and body[first - 1:first] == b"\r" else b"\n"
    return TextFile(data=data, bom=bom, newline=newline, digest=sha256(data))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def line_of(data: bytes, offset: int) -> int:
    """1-based line number of a byte offset."""
    return data.count(b"\n", 0, offset) + 1


def line_start(data: bytes, offset: int) -> int:
    return data.rfind(b"\n", 0, offset) + 1


def line_end(data: bytes, offset: int) -> int:
    """Offset just past the newline that ends the line holding `offset`."""
    end = data.find(b"\n", offset)
    return len(data) if end < 0 else end + 1


def line_indent(data: bytes, offset: int) -> bytes:
    """The leading whitespace of the line holding `offset` (what an inserted sibling line copies)."""
    line = data[line_start(data, offset):line_end(data, offset)]
    return line[: len(line) - len(line.lstrip(b" \t"))]


class ChangedOnDisk(RuntimeError):
    """The file changed between the time akfix read it and the time it would write it."""

    REASONS = {
        "changed": "changed on disk since it was read; not overwritten",
        "deleted": "was deleted since it was read; not recreated",
        "appeared": "appeared on disk since akfix planned it; not overwritten",
    }

    def __init__(self, path: Path, kind: str):
        super().__init__(f"{path}: {self.REASONS[kind]}")
        self.reason = self.REASONS[kind]


def write_target(path: Path) -> Path:
    """Where bytes for `path` go: through a symlink to its target, since replacing the link itself
    with a file would break whatever else points at that target."""
    return Path(path).resolve() if Path(path).is_symlink() else Path(path)


def check_unchanged(path: Path, expect_digest: str | None) -> None:
    """Raise ChangedOnDisk when `path` is no longer the file akfix read (edited or deleted):
    writing would lose somebody's change, or bring back a file they removed."""
    if expect_digest is None:
        if path.exists():
            raise ChangedOnDisk(path, "appeared")
        return
    try:
        current = path.read_bytes()
    except FileNotFoundError:
        raise ChangedOnDisk(path, "deleted") from None
    if sha256(current) != expect_digest:
        raise ChangedOnDisk(path, "changed")


def stage(path: Path, data: bytes) -> Path:
    """Write `data` to a temporary file beside `path` (same directory: the rename is atomic),
    flushed to disk, with the mode `path` has (or the umask's for a new file)."""
    mode = path.stat().st_mode & 0o7777 if path.exists() else None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".akfix-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
    except BaseException:
        discard(Path(tmp))
        raise
    return Path(tmp)


def discard(tmp: Path) -> None:
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


def atomic_write(path: Path, data: bytes, expect_digest: str | None = None) -> None:
    """Replace `path` with `data` atomically, keeping its mode; with `expect_digest`, only if the
    file on disk is still the one akfix read (ChangedOnDisk otherwise)."""
    path = write_target(path)
    if expect_digest is not None:
        check_unchanged(path, expect_digest)
    tmp = stage(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        discard(tmp)
        raise


class UnreadableFile(ValueError):
    """A small file akfix reads whole (configuration, baseline) is absent or unreadable."""

    def __init__(self, message: str, missing: bool = False):
        super().__init__(message)
        self.missing = missing


def read_utf8(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UnreadableFile("no such file", missing=True) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableFile(f"cannot read: {getattr(exc, 'strerror', None) or exc}") from None
