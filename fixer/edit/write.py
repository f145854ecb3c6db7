"""Deliver changes: write them atomically (or, for a dry run, nothing at all).

Files that make up one fix are written together or not at all: every file is first staged beside
its target and checked against what akfix read; only then are they renamed into place. If a
rename fails midway (rare: the staging has already succeeded), the files already replaced are put
back. Interrupts wait until a group is complete.
"""

from __future__ import annotations

import os
from pathlib import Path

from fixer.interrupts import deferred_interrupts
from fixer.model import FileChange, Problem
from fixer.textfile import ChangedOnDisk, atomic_write, check_unchanged, discard, sha256, stage, write_target


def write_changes(changes: list[FileChange], together: list[set[str]] = ()) -> list[Problem]:
    """Write every change. `together`: sets of relpaths that belong to one fix (written all or
    none). A file that changed on disk since it was read, or cannot be written, is reported with
    its group and left as it is; the other groups are still written."""
    problems: list[Problem] = []
    with deferred_interrupts() as interrupted:
        for group in _groups(changes, together):
            if interrupted():
                break  # stop between fixes: what is written is whole, the rest untouched
            problems.extend(_write_group(group))
    return problems


def _groups(changes: list[FileChange], together) -> list[list[FileChange]]:
    """Changes partitioned by `together` (sets sharing a file are joined), in the given order;
    two links to one file are written once."""
    parent: dict[str, str] = {}

    def root(path: str) -> str:
        parent.setdefault(path, path)
        while parent[path] != path:
            parent[path] = parent[parent[path]]
            path = parent[path]
        return path

    for paths in together:
        first, *rest = sorted(paths) or [""]
        for path in rest:
            parent[root(path)] = root(first)
    groups: dict[str, list[FileChange]] = {}
    seen: set[Path] = set()
    for change in changes:
        target = write_target(change.path).resolve()
        if target not in seen:
            seen.add(target)
            groups.setdefault(root(change.relpath), []).append(change)
    return list(groups.values())


def _write_group(group: list[FileChange]) -> list[Problem]:
    staged: list[tuple[FileChange, Path, Path]] = []
    try:
        for change in group:
            target = write_target(change.path)
            if change.before is None:
                target.parent.mkdir(parents=True, exist_ok=True)
            check_unchanged(target, sha256(change.before) if change.before is not None else None)
            staged.append((change, target, stage(target, change.after)))
        for change, target, _ in staged:  # once more, as late as possible before the renames
            check_unchanged(target, sha256(change.before) if change.before is not None else None)
    except (ChangedOnDisk, OSError) as exc:
        for _, _, tmp in staged:
            discard(tmp)
        failed = change.relpath  # the change being staged or checked when it failed
        return [_problem(failed, exc)] + [
            Problem(other.relpath, 1, f"not written: part of one fix with {failed}, which could not be written; the original is intact")
            for other in group if other.relpath != failed
        ]
    done: list[tuple[FileChange, Path]] = []
    for change, target, tmp in staged:
        try:
            os.replace(tmp, target)
        except OSError as exc:
            for _, _, rest in staged[len(done):]:
                discard(rest)
            return [_problem(change.relpath, exc)] + _restore(done, change.relpath)
        done.append((change, target))
    return []


def _restore(done: list[tuple[FileChange, Path]], failed: str) -> list[Problem]:
    """Put back the files of a group already replaced when a later one could not be."""
    problems = []
    for change, target in done:
        try:
            if change.before is None:
                os.unlink(target)
            else:
                atomic_write(target, change.before)
            problems.append(Problem(change.relpath, 1, f"restored: part of one fix with {failed}, which could not be written"))
        except OSError as exc:
            problems.append(Problem(change.relpath, 1, f"written, but {failed} of the same fix was not, and restoring failed: {exc.strerror or exc}"))
    return problems


def _problem(relpath: str, exc: Exception) -> Problem:
    if isinstance(exc, ChangedOnDisk):
        return Problem(relpath, 1, exc.reason)
    return Problem(relpath, 1, f"cannot write: {getattr(exc, 'strerror', None) or exc}; the original is intact")
