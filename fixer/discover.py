"""Candidate files: list fast, read once, drop what cannot hold a cluster before any parser runs.

In a git work tree the listing comes from `git ls-files` (tracked plus untracked-but-not-ignored);
elsewhere from a directory walk that skips `.git`, `.terraform` and `node_modules`. Each file that
cannot be read safely (a link out of the tree, unreadable, huge) becomes a Problem and the rest go on.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from fixer.model import Problem

SKIP_DIRS = frozenset({".git", ".terraform", "node_modules", ".venv", "__pycache__"})
MAX_BYTES = 16 * 1024 * 1024  # larger IaC files are generated artefacts, not something to edit
PROGRESS_EVERY = 64  # files between progress reports: a bar needs no more, and each costs a call


@dataclass(frozen=True)
class Candidate:
    path: Path  # absolute
    relpath: str  # relative to the root, forward slashes
    data: bytes


@dataclass(frozen=True)
class Listing:
    root: Path
    files: tuple[str, ...]  # every file under the root (relative), whatever its type
    git: bool
    # marker -> (suffixes read, files holding the marker): what one stage saw while reading, so a
    # later stage (namespace discovery) need not read every file of the tree again.
    remembered: dict = field(default_factory=dict, compare=False, repr=False)
    _links: dict = field(default_factory=dict, compare=False, repr=False)  # suffixes -> links()

    @cached_property
    def by_folder(self) -> dict[str, tuple[str, ...]]:
        """Files per folder ("" for the root): finding a template's siblings must not walk every
        file of the tree once per template."""
        folders: dict[str, list[str]] = {}
        for relpath in self.files:
            folders.setdefault(relpath.rpartition("/")[0], []).append(relpath)
        return {folder: tuple(names) for folder, names in folders.items()}

    def siblings(self, relpath: str) -> tuple[str, ...]:
        return self.by_folder.get(relpath.rpartition("/")[0], ())

    def links(self, suffixes: tuple[str, ...]) -> dict[str, str]:
        """Listed files with these suffixes that are symlinks to another listed file: link relpath
        -> target relpath. A link out of the tree, dangling or looping is not here (read_safely
        reports it). One lstat per file of these suffixes, remembered per suffix set."""
        if suffixes not in self._links:
            listed = set(self.files)
            found = {}
            for relpath in self.files:
                if relpath.endswith(suffixes) and os.path.islink(os.path.join(self.root, relpath)):
                    target = _linked_relpath(self.root, self.root / relpath)
                    if target in listed and target != relpath:
                        found[relpath] = target
            self._links[suffixes] = found
        return self._links[suffixes]


def list_files(root: Path, skip=None) -> Listing:
    """`skip` (globs.Globs, from the configuration): files never listed, so no stage reads them."""
    root = root.resolve()
    listed = _git_files(root)
    if listed is not None:
        return Listing(root, tuple(sorted(_kept(root, listed, skip))), True)
    found: list[str] = []
    pending = [(str(root), "")]
    while pending:  # scandir directly: os.walk's relpath per folder costs more than the walk itself
        directory, prefix = pending.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue  # unreadable folder: nothing of it can be fixed; files below are not listed
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                if entry.name not in SKIP_DIRS:
                    pending.append((entry.path, prefix + entry.name + "/"))
            elif entry.is_symlink() and os.path.isdir(entry.path):
                continue  # like os.walk: a link to a folder is neither entered nor a file
            else:
                found.append(prefix + entry.name)
    return Listing(root, tuple(sorted(_kept(root, found, skip))), False)


def _kept(root: Path, relpaths: list[str], skip) -> list[str]:
    if not skip:
        return relpaths
    return [relpath for relpath in relpaths if not skip.matches(root / relpath)]


def _git_files(root: Path) -> list[str] | None:
    if not (root / ".git").exists() and not _inside_work_tree(root):
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-co", "--exclude-standard", "-z", "--", "."],
            capture_output=True,
            check=True,
            timeout=120,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    names = [name for name in out.decode("utf-8", "surrogateescape").split("\0") if name]
    # Deleted-but-tracked files still appear in ls-files; skipped dirs may be committed by mistake.
    return [n for n in names if not (set(n.split("/")[:-1]) & SKIP_DIRS)]


def _inside_work_tree(root: Path) -> bool:
    """Inside a work tree and not in an ignored folder (git would list nothing there, yet the
    user asked for exactly that folder)."""
    try:
        result = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"],
            capture_output=True,
            timeout=30,
        )
        if result.returncode != 0 or result.stdout.strip() != b"true":
            return False
        ignored = subprocess.run(["git", "-C", str(root), "check-ignore", "-q", "."], capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return ignored.returncode != 0


@dataclass(frozen=True)
class Scan:
    candidates: list[Candidate]
    problems: list[Problem]
    noted: frozenset[str]  # files that matched the `note` pattern (their bytes are not kept)


def read_candidates(
    listing: Listing,
    suffixes: tuple[str, ...],
    markers: tuple[bytes, ...],
    pattern: re.Pattern[bytes] | None = None,
    note: re.Pattern[bytes] | None = None,
    remember: tuple[bytes, ...] = (),
    progress=None,
    stage: str = "reading files",
    read_links: bool = False,
) -> Scan:
    """Files with one of the suffixes that contain one of the markers (or match `pattern`).
    Files matching `note` are remembered by name, so a later stage need not read every file again.
    A symlink to another listed file is skipped (its target is read under its own name) unless
    `read_links`: Terraform reads a linked `.tf` as a file of the folder the link sits in.
    `progress(stage, done, total)` is told every PROGRESS_EVERY files (a person's bar)."""
    candidates: list[Candidate] = []
    problems: list[Problem] = []
    noted: set[str] = set()
    holding: dict[bytes, set[str]] = {marker: set() for marker in remember}
    listed = set(listing.files)
    root = str(listing.root)
    wanted = [relpath for relpath in listing.files if relpath.endswith(suffixes)]
    for index, relpath in enumerate(wanted):
        if progress is not None and index % PROGRESS_EVERY == 0:
            progress(stage, index, len(wanted))
        path = os.path.join(root, relpath)
        data, problem, link = _read(listing.root, path, relpath)
        if link and not read_links and _linked_relpath(listing.root, Path(path)) in listed:
            continue  # the file it points to is read under its own name
        if problem:
            problems.append(problem)
            continue
        if data is None:
            continue
        if note is not None and note.search(data):
            noted.add(relpath)
        for marker, files in holding.items():
            if marker in data:
                files.add(relpath)
        if (
            any(marker in data for marker in markers)
            or (pattern is not None and pattern.search(data))
            or (data[:2] in (b"\xff\xfe", b"\xfe\xff") and _utf16_has(data, markers))
        ):
            candidates.append(Candidate(Path(path), relpath, data))
    for marker, files in holding.items():
        listing.remembered[marker] = (suffixes, frozenset(files))
    if progress is not None:
        progress(stage, len(wanted), len(wanted))
    return Scan(candidates, problems, frozenset(noted))


def _linked_relpath(root: Path, path: Path) -> str | None:
    try:
        return path.resolve().relative_to(root).as_posix()
    except (ValueError, OSError, RuntimeError):
        return None


def _utf16_has(data: bytes, markers: tuple[bytes, ...]) -> bool:
    try:
        text = data.decode("utf-16")
    except UnicodeDecodeError:
        return False
    return any(marker.decode() in text for marker in markers)


def read_safely(root: Path, path: Path | str, relpath: str, limit: int | None = None) -> tuple[bytes | None, Problem | None]:
    """A file's bytes, or the reason it must be left alone. (None, None) = vanished, skip.
    os-level calls on purpose: this runs for every candidate file of a monorepo."""
    data, problem, _ = _read(root, path, relpath, limit)
    return data, problem


def _read(root: Path, path: Path | str, relpath: str, limit: int | None = None) -> tuple[bytes | None, Problem | None, bool]:
    """read_safely, and whether the path is a symlink: one lstat tells both (read_candidates
    skips links to listed files without a second system call per file)."""
    link = False
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            link = True
            target = Path(path).resolve()
            if not target.is_relative_to(root):
                return None, Problem(relpath, 1, f"symlink points outside the scanned tree ({target}); left untouched"), link
            if not target.is_file():
                return None, None, link
            info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            # A FIFO or device named *.tf would block or stream forever if read.
            return None, Problem(relpath, 1, "not a regular file; left untouched"), link
        size = info.st_size
        limit = MAX_BYTES if limit is None else limit  # read at call time: tests lower it
        if size > limit:
            return None, Problem(relpath, 1, f"file is {size // (1024 * 1024)} MiB, over the {limit // (1024 * 1024)} MiB limit; left untouched"), link
        with open(path, "rb") as handle:
            return handle.read(), None, link
    except FileNotFoundError:
        return None, None, link
    except (OSError, RuntimeError) as exc:  # RuntimeError: symlink loop in resolve()
        return None, Problem(relpath, 1, f"cannot read: {getattr(exc, 'strerror', None) or exc}"), link
