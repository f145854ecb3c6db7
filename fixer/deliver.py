"""Deliver changes: write them atomically (or, for a dry run, nothing at all)."""

from __future__ import annotations

from fixer.model import FileChange, Problem
from fixer.textfile import ChangedOnDisk, atomic_write, sha256


def write_changes(changes: list[FileChange]) -> list[Problem]:
    """Write every change; a file that changed on disk since it was read, or cannot be written,
    is reported and left as it is. The others are still written."""
    problems = []
    seen: set = set()
    for change in changes:
        target = change.path.resolve()
        if target in seen:
            continue  # two links to one file: written once
        seen.add(target)
        try:
            if change.before is None:
                change.path.parent.mkdir(parents=True, exist_ok=True)
                if change.path.exists():
                    raise ChangedOnDisk(f"{change.relpath} appeared on disk since akfix planned it")
            expect = sha256(change.before) if change.before is not None else None
            atomic_write(change.path, change.after, expect_digest=expect)
        except ChangedOnDisk:
            problems.append(Problem(change.relpath, 1, "changed on disk since it was read; not overwritten"))
        except OSError as exc:
            problems.append(Problem(change.relpath, 1, f"cannot write: {exc.strerror or exc}; the original is intact"))
    return problems
