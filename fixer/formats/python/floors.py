"""Package floors (the Python twin of Terraform's provider floors): when a fix holds only from some
version of the package that decides it (pulumi-azure-native, pulumi-azure, the CDKTF azurerm
bindings) on, the fix is written together with a raised lower bound in every project file that
states the package, so it is safe by construction for every version still admitted.

Which floor: the lowest of the package's sourced version points (rules/python_packages.py
floor_candidates) inside the range the project states, from which on the planner writes the fix
(plan/floors.py lowest_floor). Where it goes: spec_sites.py finds the statements, spec_floor.py
rewrites each one's version text. A floor is refused, and the fix stays as it was, where a lock file
pins the package (then the lock is what to upgrade), where a statement's upper bound excludes the
floor or pins one version, or where a statement cannot be edited; the reason says which file.
"""

from __future__ import annotations

import copy
import posixpath
import tomllib
from dataclasses import dataclass, replace

from fixer.edit.edits import apply_edits
from fixer.formats.python.packages import _requirement_lines, parse_spec, pins_for
from fixer.formats.python.spec_floor import PEP440, POETRY, raise_requirement, raise_spec
from fixer.formats.python.spec_sites import Site, Statements, statements
from fixer.formats.python.toml_spans import string_spans
from fixer.model import Change, Edit, FileChange, Fix, Problem, Risk, Spot
from fixer.textfile import load_text
from fixer.versions import Version, VersionRange, format_version

FLOOR_KIND = "package-floor"  # Spot.kind of a floor change: its origin is the statement's version text


def floor_attribute(package: str) -> str:
    """The attribute a floor change carries in Fix.changes (JSON, SARIF, the PR show it)."""
    return f"dependencies.{package}.version"


def is_floor_change(change: Change) -> bool:
    return change.origin is not None and change.origin.kind == FLOOR_KIND


@dataclass(frozen=True)
class SpecEdit:
    """One statement's new version text: bytes [start, end) of the file body become `text`."""

    file: str
    start: int
    end: int
    text: bytes
    spec: str  # the statement's specifier after the edit, for people
    line: int
    path: tuple | None  # TOML key path of the string edited (None in requirements files)
    value: str  # the whole string (TOML) or line (requirements) after the edit


@dataclass(frozen=True)
class FloorEdits:
    package: str
    floor: Version
    edits: tuple[SpecEdit, ...] = ()
    refused: str | None = None

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.file for e in self.edits))


def floor_edits(package: str, floor: Version, stated: Statements, texts) -> FloorEdits:
    """The edits that raise every statement of `package` to `floor` (`texts(relpath)` gives a
    statement file's text), or why none may be written."""
    wanted = f"{package} >= {format_version(floor)}"
    if stated.locks:
        return FloorEdits(package, floor, refused=f"{', '.join(stated.locks)} pins {package}: upgrade the lock to {wanted} "
                                                  f"(`{_lock_update(stated.locks[0], package)}`), then re-run akfix")
    if not stated.sites:
        return FloorEdits(package, floor, refused=f"no project file states {package}: add `{package}>={format_version(floor)}` to it")
    edits = []
    for site in stated.sites:
        if site.refused:
            return FloorEdits(package, floor, refused=f"{site.where}: {site.refused}")
        if site.kind == "requirement":
            line_edit = raise_requirement(site.text, floor)
            raised, start, end = line_edit.raised, site.start + line_edit.start, site.start + line_edit.end
        else:
            raised, start, end = raise_spec(site.text, floor, POETRY if site.kind == POETRY else PEP440), site.start, site.end
        if raised.refused:
            return FloorEdits(package, floor, refused=f"{site.where}: {raised.refused}")
        if raised.text is None:
            continue  # this statement already starts at or above the floor
        text = texts(site.file)
        value = site.text[: start - site.start] + raised.text + site.text[end - site.start:]
        edits.append(SpecEdit(site.file, len(text[:start].encode("utf-8")), len(text[:end].encode("utf-8")), raised.text.encode("utf-8"),
                              raised.text, text.count("\n", 0, start) + 1, site.path, value))
    return FloorEdits(package, floor, tuple(edits))


def floored_fix(today: Fix, narrowed: Fix, edits: FloorEdits, stated_as: str, tool: str, stated_low: Version | None = None) -> Fix:
    """The fix planned for the raised range, carrying the floor and one change per edited statement.
    `stated_low`: the lower bound the project states; a floor in a later major says what that moves."""
    floor = format_version(edits.floor)
    wanted = f"{edits.package} >= {floor}"
    below = ("would destroy and recreate the cluster" if today.risk is Risk.REPLACEMENT
             else f"could not be written ({today.summary})")
    note = (f"{stated_as}: below {edits.package} {floor} this fix {below}; akfix raises the package floor to >= {floor} in the "
            f"same change ({', '.join(edits.files)}; run `pip install -U \"{wanted.replace(' ', '')}\"` or your tool's update "
            f"before `{tool}`).")
    if stated_low is not None and stated_low > (0, 0, 0) and edits.floor[0] > stated_low[0]:
        # the range admitted the new major already (a floor never crosses an upper bound), but a
        # program installed at the old one moves with it
        note += (f" {edits.package} {edits.floor[0]}.x is a new major beside the stated {stated_low[0]}.x: it moves every resource "
                 f"of the program to its API versions and changes some inputs (see the package's upgrade guide); review "
                 f"`{tool.split()[0]} preview` for the program's other resources.")
    changes = tuple(Change(floor_attribute(edits.package), e.spec, origin=Spot(e.file, e.start, e.end, FLOOR_KIND)) for e in edits.edits)
    return replace(narrowed, summary=f"{narrowed.summary} -- with {wanted} (floor raised in {', '.join(edits.files)})",
                   reasons=(note, *narrowed.reasons), changes=narrowed.changes + changes, floor=edits.floor, floor_of=edits.package, hint=None)


def refused_fix(today: Fix, package: str, floor: Version, why: str) -> Fix:
    """Today's fix, saying which floor would have made it writable and why akfix did not write it."""
    return replace(today, reasons=(*today.reasons, f"A package floor would make this fix writable from {package} {format_version(floor)} "
                                                     f"on; not written: {why}."))


def exact_advice(today: Fix, package: str, floor: Version, pin_file: str, locked: bool) -> Fix:
    """A pin to one version that is too old: the upgrade is the user's (a lock, or an exact pin)."""
    wanted = f"{package} >= {format_version(floor)}"
    how = (f"upgrade the lock ({pin_file}) to {wanted} (`{_lock_update(pin_file, package)}`, with the range in the project file "
           "admitting it)" if locked else f"the pin in {pin_file} is exact: akfix never moves it; pin {wanted} yourself")
    return replace(today, reasons=(*today.reasons, f"This fix can be written from {wanted} on: {how}, then re-run akfix."))


def _lock_update(lock: str, package: str) -> str:
    """The command that moves one package in a lock file."""
    return {"poetry.lock": f"poetry update {package}", "Pipfile.lock": f"pipenv update {package}",
            "uv.lock": f"uv lock --upgrade-package {package}"}.get(posixpath.basename(lock), f"pip install -U {package}")


# --- the written files and their verification ---------------------------------------------------


def file_changes(edits: FloorEdits, high: Version, root, load, program_dir: str, read, files_in, verify: bool):
    """([FileChange] of the raised project files, None), or ([], the Problem that stops them).
    `load(relpath)` gives a file's TextFile now (None: unreadable); `read`/`files_in` as for pins_for."""
    before, after = {}, {}
    for relpath in edits.files:
        text = load(relpath)
        if text is None or text.body.decode("utf-8", "replace") != read(relpath):  # the spans were found in what was read then
            return [], Problem(relpath, 1, f"not written: cannot read it again as it was to raise the {edits.package} floor")
        mine = [Edit(e.start, e.end, e.text) for e in edits.edits if e.file == relpath]
        before[relpath], after[relpath] = text, apply_edits(text.data, mine, offset=len(text.bom))
    if verify:
        old = {r: t.body.decode("utf-8") for r, t in before.items()}
        new = {r: load_text(data).body.decode("utf-8") for r, data in after.items()}
        why = check_floor(edits, high, program_dir, lambda r: old[r] if r in old else read(r), lambda r: new[r] if r in new else read(r), files_in)
        if why is not None:
            return [], Problem(edits.files[0], edits.edits[0].line, f"not written, verification failed: {why}")
    return [FileChange(root / r, r, before[r].data, after[r], "python") for r in edits.files], None


def changed_lines(change: FileChange) -> list[int]:
    """The lines a floor edit changed (it never adds or removes one)."""
    return [n + 1 for n, (a, b) in enumerate(zip(change.before.splitlines(), change.after.splitlines())) if a != b]


def check_floor(edits: FloorEdits, old_high: Version, program_dir: str, before, after, files_in) -> str | None:
    """Why the edited project files are not safe, or None: each re-parses (TOML files keep every
    other value), every statement of the package reads back through packages.py starting at or
    above the floor with its upper bound unchanged, and so does the pin the program reads."""
    for relpath in edits.files:
        text = after(relpath)
        if relpath.endswith(".txt"):
            continue  # a requirements file is lines: only the edited lines changed (byte edits)
        try:
            new = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            return f"{relpath} no longer parses as TOML ({exc})"
        expected = copy.deepcopy(tomllib.loads(before(relpath)))
        for edit in (e for e in edits.edits if e.file == relpath):
            if not _set_at(expected, edit.path, edit.value):
                return f"{relpath}: the edited value is not where the edit was made"
        if new != expected:
            return f"{relpath}: the edit changed more than the version text of {edits.package}"
        try:
            string_spans(text)
        except ValueError as exc:
            return f"{relpath}: akfix cannot read it back ({exc})"
    old_sites = statements(edits.package, program_dir, before, files_in).sites
    new_sites = statements(edits.package, program_dir, after, files_in).sites
    if len(old_sites) != len(new_sites):
        return f"the number of statements of {edits.package} changed"
    for old, new in zip(old_sites, new_sites):
        was, now = _range_of(old), _range_of(new)
        if now is None or now.low < edits.floor:
            return f"{new.where} does not read back as {edits.package} >= {format_version(edits.floor)}"
        if now.high != (was.high if was is not None else now.high):
            return f"{new.where}: the upper bound of {edits.package} would change"
    pin = pins_for(program_dir, after, files_in).get(edits.package)
    if pin is None or pin.versions.low < edits.floor or pin.versions.high != old_high:
        return f"the program's pin of {edits.package} does not read back as >= {format_version(edits.floor)} with the same upper bound"
    return None


def _range_of(site: Site) -> VersionRange | None:
    if site.kind == "requirement":
        pairs = list(_requirement_lines(site.text))
        return parse_spec(pairs[0][1], site.file) if pairs else None
    return parse_spec(site.text.replace("*", ""), site.file) if site.text.strip() != "*" else None


def _set_at(data, path: tuple | None, value: str) -> bool:
    if not path:
        return False
    node = data
    for part in path[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return False
    try:
        if not isinstance(node[path[-1]], str):
            return False
        node[path[-1]] = value
    except (KeyError, IndexError, TypeError):
        return False
    return True
