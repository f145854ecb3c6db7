"""Format-neutral editing: apply byte edits, and the checks every edited file must pass."""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache

from fixer.model import Edit


class OverlappingEdits(ValueError):
    pass


def apply_edits(data: bytes, edits: list[Edit], offset: int = 0) -> bytes:
    """Apply edits (offsets relative to data[offset:], e.g. after a BOM) from the end backwards."""
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    for first, second in zip(ordered, ordered[1:]):
        if second.start < first.end:
            raise OverlappingEdits(f"edits overlap at byte {second.start}")
    out = data
    for edit in reversed(ordered):
        out = out[: offset + edit.start] + edit.text + out[offset + edit.end:]
    return out


def newline_consistent(before: bytes, after: bytes, newline: bytes) -> bool:
    """An edit must not mix newline styles: a CRLF file gains no bare LF, and vice versa."""
    def bare_lf(data: bytes) -> int:
        return data.count(b"\n") - data.count(b"\r\n")

    if newline == b"\r\n":
        return bare_lf(after) == bare_lf(before)
    return after.count(b"\r\n") == before.count(b"\r\n")


@lru_cache(maxsize=1)
def terraform_binary() -> str | None:
    return shutil.which("terraform")


def terraform_fmt(body: bytes) -> bytes | None:
    """`terraform fmt -` of the text, or None when terraform is absent or refuses the text."""
    binary = terraform_binary()
    if binary is None:
        return None
    try:
        result = subprocess.run(
            [binary, "fmt", "-no-color", "-"],
            input=body,
            capture_output=True,
            timeout=60,
            env={"CHECKPOINT_DISABLE": "1", "PATH": "/usr/bin:/bin", "TF_CLI_CONFIG_FILE": "/dev/null"},
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None
