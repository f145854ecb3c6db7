"""Paths akfix writes must stay inside the repository: no `..`, no absolute escape, no symlink out."""

from __future__ import annotations

from pathlib import Path, PurePosixPath


class UnsafePath(ValueError):
    pass


def inside(root: Path, relative: str) -> Path:
    """`root / relative`, refused unless it resolves (symlinks followed) inside `root`."""
    pure = PurePosixPath(relative.replace("\\", "/"))
    if pure.is_absolute():
        candidate = Path(pure)
    else:
        if ".." in pure.parts:
            raise UnsafePath(f"{relative}: '..' is not allowed in a path akfix writes")
        candidate = root / pure
    resolved = candidate.resolve()
    root_resolved = root.resolve()
    if resolved != root_resolved and not resolved.is_relative_to(root_resolved):
        raise UnsafePath(f"{relative}: resolves to {resolved}, outside the repository {root_resolved}")
    return resolved
