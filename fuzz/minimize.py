"""Shrink a failing input while it fails the same way (same signature): whole lines first, then
ever smaller runs of bytes (delta debugging). Pure Python, no atheris: libFuzzer's own
-minimize_crash re-executes argv[0], which a `python -m` worker is not."""

from __future__ import annotations

import time

from fuzz.worker import signature


def failure(check, data: bytes) -> str | None:
    try:
        check(data)
    except Exception as exc:
        return signature(exc)
    return None


def _shrink(check, data: bytes, wanted: str, pieces: list[bytes], deadline: float) -> bytes:
    """Drop chunks of `pieces` (halving the chunk size) while the input still fails as `wanted`."""
    size = max(1, len(pieces) // 2)
    while size >= 1 and time.monotonic() < deadline:
        index, changed = 0, False
        while index < len(pieces) and time.monotonic() < deadline:
            trial = pieces[:index] + pieces[index + size:]
            if failure(check, b"".join(trial)) == wanted:
                pieces, changed = trial, True
            else:
                index += size
        if not changed:
            size //= 2
    return b"".join(pieces)


def minimize(check, data: bytes, seconds: float = 60) -> tuple[bytes, str]:
    wanted = failure(check, data)
    if wanted is None:
        raise ValueError("the input does not fail")
    deadline = time.monotonic() + seconds
    data = _shrink(check, data, wanted, data.splitlines(keepends=True), deadline)
    data = _shrink(check, data, wanted, [data[i:i + 1] for i in range(len(data))], deadline)
    return data, wanted
