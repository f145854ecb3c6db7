"""Which versions of the Azure IaC packages a Python program uses, from the files beside it.

Looked for from the program's folder up to the scanned root, nearest first: lock files
(poetry.lock, uv.lock, Pipfile.lock) give exact versions and win; then requirements*.txt,
pyproject.toml (PEP 621 and Poetry tables) and Pipfile give ranges; cdktf.json names the azurerm
provider of locally generated CDKTF bindings (`cdktf get`). Unreadable or malformed files are
skipped: a version akfix cannot read is an unknown version, which the planner treats as the
riskiest plausible one.
"""

from __future__ import annotations

import json
import posixpath
import re
import tomllib
from dataclasses import dataclass

from fixer.plan.rules.python_packages import AZURE_NATIVE, CDKTF_AZURERM, PULUMI_AZURE
from fixer.versions import NEWEST, VersionRange, exactly, parse_constraint, parse_version

OLDEST = (0, 0, 0)  # package versions start at 0 (azurerm's floor of 2.0 does not apply)

WATCHED = (AZURE_NATIVE, PULUMI_AZURE, CDKTF_AZURERM)
LOCK_FILES = ("poetry.lock", "uv.lock", "Pipfile.lock")
SPEC_FILES = ("pyproject.toml", "Pipfile")
CDKTF_JSON = "cdktf.json"


@dataclass(frozen=True)
class Pin:
    """One package's versions as a project file states them."""

    package: str
    versions: VersionRange
    text: str  # as written, e.g. ">=2.0.0,<3.0.0"
    file: str  # relative to the scanned root

    def describe(self) -> str:
        return f"{self.package} {self.text} ({self.file})"


@dataclass(frozen=True)
class Pins:
    packages: dict  # normalised package name -> Pin
    cdktf_azurerm: VersionRange | None = None  # from cdktf.json terraformProviders

    def get(self, package: str) -> Pin | None:
        return self.packages.get(package)


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


_CLAUSE = re.compile(r"^\s*(===|==|~=|!=|<=|>=|<|>|\^|~)?\s*v?([0-9][0-9A-Za-z.*+!-]*)\s*$")


def parse_spec(text: str, source: str) -> VersionRange | None:
    """A PEP 440 specifier (">=2,<3", "~=6.0", "==2.*") or a Poetry constraint ("^2.1", "~2.1",
    "2.1.0", "*") as a range; None when it says nothing akfix can use."""
    text = text.strip()
    if not text or text == "*":
        return None
    low, high = OLDEST, NEWEST
    for clause in re.split(r",|\s+(?=[<>=~^!])", text):
        if not clause.strip():
            continue
        match = _CLAUSE.match(clause)
        if not match:
            return None
        operator, raw = match.group(1) or "==", match.group(2)
        wildcard = raw.endswith(".*")
        version = parse_version(raw.removesuffix(".*"))
        if version is None:
            return None
        parts = len(raw.removesuffix(".*").split("."))
        if operator in ("==", "===") and wildcard:
            bound = (version, _bump(version, parts - 1))
        elif operator in ("==", "==="):
            bound = (version, _bump(version, 3))
        elif operator == ">=":
            bound = (version, NEWEST)
        elif operator == ">":
            bound = (_bump(version, 3), NEWEST)
        elif operator == "<":
            bound = (OLDEST, version)
        elif operator == "<=":
            bound = (OLDEST, _bump(version, 3))
        elif operator == "~=":  # ~=2.1 -> >=2.1,<3 ; ~=2.1.3 -> >=2.1.3,<2.2
            bound = (version, _bump(version, max(parts - 2, 0) + 1 if parts > 1 else 1))
        elif operator == "^":  # Poetry caret: the leftmost non-zero part may not change
            first = next((i for i, part in enumerate(version) if part), 0)
            bound = (version, _bump(version, min(first, parts - 1) + 1))
        elif operator == "~":  # Poetry tilde: ~2.1 -> >=2.1,<2.2 ; ~2 -> >=2,<3
            bound = (version, _bump(version, 2 if parts >= 2 else 1))
        else:  # != excludes one version: never changes which rule band applies
            continue
        low, high = max(low, bound[0]), min(high, bound[1])
    return VersionRange(low, high, source)


def _bump(version, parts: int):
    """The first version past `version` when only its first `parts` parts count."""
    if parts >= 3:
        return (version[0], version[1], version[2] + 1)
    if parts == 2:
        return (version[0], version[1] + 1, 0)
    return (version[0] + 1, 0, 0)


_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*([^;#@]*)")


def _requirement_lines(text: str):
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith(("#", "-")):
            match = _REQUIREMENT.match(line)
            if match:
                yield match.group(1), match.group(2).strip()


def _from_requirements(text: str, file: str) -> dict[str, Pin]:
    return _pins(_requirement_lines(text), file)


def _pins(pairs, file: str) -> dict[str, Pin]:
    found = {}
    for name, spec in pairs:
        package = normalise(name)
        if package in WATCHED and isinstance(spec, str):
            versions = parse_spec(spec, file)
            if versions is not None:
                found[package] = Pin(package, versions, spec, file)
    return found


def _from_pyproject(text: str, file: str) -> dict[str, Pin]:
    data = tomllib.loads(text)
    pairs = list(_requirement_lines("\n".join(data.get("project", {}).get("dependencies", []))))
    poetry = data.get("tool", {}).get("poetry", {})
    tables = [poetry.get("dependencies", {})] + [g.get("dependencies", {}) for g in poetry.get("group", {}).values()]
    for table in tables:
        pairs += [(name, _poetry_spec(spec)) for name, spec in table.items()]
    return _pins(pairs, file)


def _poetry_spec(spec) -> str | None:
    if isinstance(spec, dict):
        spec = spec.get("version")
    return spec if isinstance(spec, str) else None


def _from_pipfile(text: str, file: str) -> dict[str, Pin]:
    data = tomllib.loads(text)
    pairs = [(name, _poetry_spec(spec)) for section in ("packages", "dev-packages") for name, spec in data.get(section, {}).items()]
    return _pins(pairs, file)


def _from_lock(name: str, text: str, file: str) -> dict[str, Pin]:
    if name == "Pipfile.lock":
        data = json.loads(text)
        pairs = [(n, (v or {}).get("version", "")) for section in ("default", "develop") for n, v in data.get(section, {}).items()]
    else:  # poetry.lock and uv.lock: [[package]] tables with an exact version
        pairs = [(p.get("name", ""), "==" + str(p.get("version", ""))) for p in tomllib.loads(text).get("package", [])]
    return _pins(pairs, file)


def locked_packages(name: str, text: str, file: str) -> set[str]:
    """The watched packages a lock file pins (none when it cannot be read)."""
    try:
        return set(_from_lock(name, text, file))
    except (ValueError, tomllib.TOMLDecodeError, AttributeError, TypeError):
        return set()


def _cdktf_azurerm(text: str, file: str) -> VersionRange | None:
    """cdktf.json terraformProviders: "azurerm@~> 3.90" or {"name": "azurerm", "version": "~> 3.90"}."""
    for entry in json.loads(text).get("terraformProviders", []):
        if isinstance(entry, str) and entry.split("@", 1)[0].rsplit("/", 1)[-1] == "azurerm":
            constraint = entry.split("@", 1)[1] if "@" in entry else ""
        elif isinstance(entry, dict) and str(entry.get("name", "")).rsplit("/", 1)[-1] == "azurerm":
            constraint = str(entry.get("version", ""))
        else:
            continue
        return parse_constraint(constraint, f"{file} terraformProviders") if constraint else None
    return None


def pins_for(program_dir: str, read, files_in) -> Pins:
    """The pins that apply to a program in `program_dir` (relative; "" = the root). `read(relpath)`
    returns a file's text or None; `files_in(folder)` lists a folder's files (relative paths)."""
    packages: dict[str, Pin] = {}
    cdktf = None
    for folder in _folders_up(program_dir):
        listing_files = set(files_in(folder))
        found: dict[str, Pin] = {}
        join = (lambda name: posixpath.join(folder, name)) if folder else (lambda name: name)
        for name in LOCK_FILES:  # exact versions first, so that they win below
            _merge(found, _read_with(read, listing_files, join(name), lambda text, f, n=name: _from_lock(n, text, f)))
        names = sorted(n for n in listing_files if re.fullmatch(r"requirements[^/]*\.txt", posixpath.basename(n)))
        for relpath in names:
            _merge(found, _read_with(read, listing_files, relpath, _from_requirements))
        _merge(found, _read_with(read, listing_files, join("pyproject.toml"), _from_pyproject))
        _merge(found, _read_with(read, listing_files, join("Pipfile"), _from_pipfile))
        if cdktf is None:
            cdktf = _read_with(read, listing_files, join(CDKTF_JSON), _cdktf_azurerm)
        _merge(packages, found)  # nearer folders were merged first and win
    return Pins(packages, cdktf)


def _merge(into: dict, found) -> None:
    for key, pin in (found or {}).items():
        into.setdefault(key, pin)


def _read_with(read, listing_files, relpath: str, parse):
    if relpath not in listing_files:
        return None
    text = read(relpath)
    if text is None:
        return None
    try:
        return parse(text, relpath)
    except (ValueError, tomllib.TOMLDecodeError, AttributeError, TypeError):
        return None  # a malformed project file says nothing about versions


def _folders_up(folder: str):
    while True:
        yield folder
        if not folder:
            return
        folder = posixpath.dirname(folder)


def exact_pin(package: str, version: str, file: str) -> Pin:
    """A pin for one known version (tests, --azurerm-version style overrides)."""
    parsed = parse_version(version)
    return Pin(package, exactly(parsed, file), f"=={version}", file)
