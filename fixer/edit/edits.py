"""Format-neutral editing: apply byte edits, and the checks every edited file must pass."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

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


def origin_edits(changes, literal, list_item) -> list[tuple[str, Edit]]:
    """(file, edit) pairs for changes whose value lives elsewhere (a variable default, a tfvars or
    parameters file, a string's inner bytes): the literal replaced, allowed-value lists extended.
    `literal(value, file)` renders a value for that file; `list_item(validation, value)` a new item."""
    out: list[tuple[str, Edit]] = []
    for change in changes:
        spot = change.origin
        if spot is None:
            continue
        value = change.value.encode() if spot.kind == "raw" else literal(change.value, spot.file)
        out.append((spot.file, Edit(spot.start, spot.end, value)))
        out += validation_edits(change, list_item)
    return out


def validation_edits(change, list_item) -> list[tuple[str, Edit]]:
    """The value added to each allowed-value list (a variable's validation) that lacks it."""
    return [(v.file, Edit(v.insert_at, v.insert_at, list_item(v, change.value))) for v in change.validations if change.value not in v.values]


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


_FMT_ENV = {"CHECKPOINT_DISABLE": "1", "PATH": "/usr/bin:/bin", "TF_CLI_CONFIG_FILE": "/dev/null"}


def fmt_unclean(texts: list[bytes]) -> list[bool] | None:
    """For each text, whether `terraform fmt` would change it; one process for all of them.
    None when terraform is absent or cannot answer (the check is then skipped, and said so)."""
    binary = terraform_binary()
    if binary is None or not texts:
        return None
    with tempfile.TemporaryDirectory(prefix="akfix-fmt-") as tmp:
        names = []
        for index, text in enumerate(texts):
            name = f"f{index:06d}.tf"
            (Path(tmp) / name).write_bytes(text.replace(b"\r\n", b"\n"))  # fmt writes LF
            names.append(name)
        try:
            result = subprocess.run(
                [binary, "fmt", "-list=true", "-write=false", "-no-color", tmp],
                capture_output=True, timeout=600, env=_FMT_ENV,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        if result.returncode != 0:
            return None
        listed = {Path(line).name for line in result.stdout.decode(errors="replace").splitlines() if line.strip()}
    return [name in listed for name in names]


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
            env=_FMT_ENV,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None
