"""Where a Python program's project files state one package, as places a floor edit can go.

The files are those packages.py reads, from the program's folder up to the scanned root:
requirements*.txt lines, pyproject.toml PEP 621 `dependencies` strings and Poetry dependency tables
(main and groups), Pipfile `packages` / `dev-packages`. A statement akfix cannot edit (a direct
reference, a git or path dependency, several Poetry constraints, an escaped TOML string) is
reported with why, so that a floor is refused rather than written into some files only. Lock
files are listed apart: they fix the version, and a floor there is an upgrade of the lock.
"""

from __future__ import annotations

import posixpath
import re
import tomllib
from dataclasses import dataclass

from fixer.formats.python.packages import LOCK_FILES, locked_packages, normalise
from fixer.formats.python.spec_floor import POETRY, requirement_name
from fixer.formats.python.toml_spans import TomlScanError, string_spans, value_at


@dataclass(frozen=True)
class Site:
    """One statement of the package. `start`/`end` are character offsets of `text` in the file
    (the requirement, or the constraint string's contents); `kind` is "requirement" (a PEP 508
    string) or a specifier dialect ("pep440", "poetry"); `refused` says why it cannot be edited."""

    file: str
    kind: str
    start: int
    end: int
    text: str
    where: str  # for people: "requirements.txt line 3", "pyproject.toml [tool.poetry.dependencies]"
    refused: str | None = None
    path: tuple | None = None  # the TOML key path of the string (None in requirements files)


@dataclass(frozen=True)
class Statements:
    sites: tuple[Site, ...]
    locks: tuple[str, ...]  # lock files that pin the package (relpaths)


def statements(package: str, program_dir: str, read, files_in) -> Statements:
    """Every statement of `package` the program's project files make (`read(relpath)` gives a
    file's text or None, `files_in(folder)` a folder's files)."""
    sites: list[Site] = []
    locks: list[str] = []
    folder = program_dir
    while True:
        listed = set(files_in(folder))
        join = (lambda name: posixpath.join(folder, name)) if folder else (lambda name: name)
        for name in LOCK_FILES:
            text = read(join(name)) if join(name) in listed else None
            if text is not None and _lock_pins(name, text, join(name), package):
                locks.append(join(name))
        for relpath in sorted(n for n in listed if re.fullmatch(r"requirements[^/]*\.txt", posixpath.basename(n))):
            text = read(relpath)
            if text is not None:
                sites += _requirement_sites(package, relpath, text)
        for name, finder in (("pyproject.toml", _pyproject_sites), ("Pipfile", _pipfile_sites)):
            text = read(join(name)) if join(name) in listed else None
            if text is not None:
                sites += finder(package, join(name), text)
        if not folder:
            return Statements(tuple(sites), tuple(locks))
        folder = posixpath.dirname(folder)


def _lock_pins(name: str, text: str, relpath: str, package: str) -> bool:
    return package in locked_packages(name, text, relpath)


def _requirement_sites(package: str, relpath: str, text: str) -> list[Site]:
    sites, offset = [], 0
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        content = line.rstrip("\r\n")
        stripped = content.strip()
        if stripped and not stripped.startswith(("#", "-")):
            name = requirement_name(content)
            if name is not None and normalise(name) == package:
                sites.append(Site(relpath, "requirement", offset, offset + len(content), content, f"{relpath} line {number}"))
        offset += len(line)
    return sites


def _pyproject_sites(package: str, relpath: str, text: str) -> list[Site]:
    """PEP 621 `dependencies` strings, and Poetry's dependency tables (main and groups)."""
    def tables(data: dict) -> list[tuple]:
        groups = data.get("tool", {}).get("poetry", {}).get("group", {})
        return [("tool", "poetry", "dependencies")] + [("tool", "poetry", "group", group, "dependencies") for group in groups]

    return _toml_sites(package, relpath, text, tables, POETRY, requirements=("project", "dependencies"))


def _pipfile_sites(package: str, relpath: str, text: str) -> list[Site]:
    return _toml_sites(package, relpath, text, lambda data: [("packages",), ("dev-packages",)], "pep440")


def _toml_sites(package: str, relpath: str, text: str, tables, dialect: str, requirements: tuple | None = None) -> list[Site]:
    """The statements of a TOML project file: requirement strings in the `requirements` array, and
    `package = ...` entries of `tables(data)`. A file akfix cannot read states the package as far
    as its text names it: then the floor is refused rather than written elsewhere only."""
    try:
        data, strings = tomllib.loads(text), string_spans(text)
    except (tomllib.TOMLDecodeError, TomlScanError) as exc:
        unreadable = Site(relpath, "unreadable", 0, 0, "", relpath, refused=f"akfix cannot read it as TOML with positions ({exc})")
        return [unreadable] if package in normalise(text) else []
    sites = []
    for string in strings:
        if requirements and string.path[:-1] == requirements and isinstance(string.path[-1], int):
            name = requirement_name(string.value)
            if name is not None and normalise(name) == package:
                sites.append(_string_site(relpath, text, string, "requirement", f"{relpath} [{'.'.join(requirements[:-1])}] {requirements[-1]}"))
    for table in tables(data):
        sites += _table_sites(package, relpath, text, data, strings, table, dialect)
    return sites


def _table_sites(package: str, relpath: str, text: str, data: dict, strings, table: tuple, dialect: str) -> list[Site]:
    """`package = "^2"`, `package = {version = "^2", ...}` or a `[table.package]` with `version`."""
    entries = value_at(data, table)
    if not isinstance(entries, dict):
        return []
    where = f"{relpath} [{'.'.join(str(p) for p in table)}]"
    sites = []
    for key, value in entries.items():
        if normalise(key) != package:
            continue
        path = table + (key,) if isinstance(value, str) else table + (key, "version")
        string = next((s for s in strings if s.path == path), None)
        if isinstance(value, dict) and "version" not in value:
            sites.append(Site(relpath, dialect, 0, 0, "", where, refused="a git, path or URL dependency names no version range"))
        elif isinstance(value, list) or string is None:
            sites.append(Site(relpath, dialect, 0, 0, "", where, refused="several constraints (or a form akfix does not edit)"))
        else:
            sites.append(_string_site(relpath, text, string, dialect, where))
    return sites


def _string_site(relpath: str, text: str, string, kind: str, where: str) -> Site:
    start, end = string.inner
    raw = text[start:end]
    line = text.count("\n", 0, string.start) + 1
    where = f"{where} (line {line})"
    if text[string.start:string.start + 3] in ('"""', "'''") or raw != string.value:
        return Site(relpath, kind, start, end, string.value, where, refused="the string is multi-line or escaped", path=string.path)
    return Site(relpath, kind, start, end, raw, where, path=string.path)
