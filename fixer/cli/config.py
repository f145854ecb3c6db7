"""Configuration: `.akfix.toml`, or `[tool.akfix]` in `pyproject.toml`.

Found by walking up from the scanned path to the repository root (a folder holding `.git`) or the
filesystem root; the nearest folder with either file wins, and in one folder `.akfix.toml` wins over
`pyproject.toml`. `.akfix-ignore.toml` (ignore entries only) is found the same way, on its own.
Relative paths in a file (`baseline`, `skip`, `greenfield`, `flows`, `ignore.path`) are relative to that file's folder.
Unknown keys and wrong types are errors that name the key and the file: a typo must not silently
turn a setting off.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from fixer.globs import Glob, Globs
from fixer.suppress.entries import IgnoreEntry
from fixer.suppress.inline import KINDS
from fixer.textfile import UnreadableFile, read_utf8

CONFIG_NAME, PYPROJECT, IGNORE_NAME = ".akfix.toml", "pyproject.toml", ".akfix-ignore.toml"


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Config:
    source: Path | None = None
    engine: tuple[str, ...] | None = None  # an ordered preference: ("cilium", "calico")
    allowed_engines: tuple[str, ...] | None = None  # for `akfix check` (part A of issue 8)
    bases_dir: str | None = None
    exclude_namespaces: tuple[str, ...] | None = None
    namespaces: tuple[str, ...] | None = None
    skip: Globs = Globs()
    greenfield: Globs = Globs()  # paths whose clusters are not deployed (issue 16)
    migrate_kubenet: bool | None = None
    baseline: Path | None = None  # absolute
    branch: str | None = None
    labels: tuple[str, ...] | None = None
    reviewers: tuple[str, ...] | None = None
    draft: bool | None = None
    base: str | None = None
    assume_network: str | None = None
    azurerm_version: str | None = None
    ignore: tuple[IgnoreEntry, ...] = ()
    inventory: tuple[Path, ...] | None = None  # absolute: live clusters (fixer/facts/inventory.py)
    clusters: tuple = ()  # [[clusters]]: fixer.facts.match.ClusterMapping, code cluster -> live id
    kyverno: bool | None = None  # `akfix bases --kyverno`, also in apply and the bot
    connectivity_test: bool | None = None  # `--connectivity-test`
    flows: tuple[str, ...] | None = None  # Hubble flow exports, absolute
    min_flows: int | None = None


def shown(path: Path) -> str:
    """A path as messages show it: relative to the working directory when it is below it."""
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


# ---- value checks: (value, "file: key") -> the stored value, or ConfigError naming the key ----

def _string(value, where: str):
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: expected a non-empty string, got {value!r}")
    return value


def _strings(value, where: str):
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
    return tuple(value)


def _boolean(value, where: str):
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    return value


def _one_of(choices: tuple[str, ...]) -> Callable:
    def check(value, where: str):
        if value not in choices:
            raise ConfigError(f"{where}: expected one of {', '.join(choices)}, got {value!r}")
        return value
    return check


def _some_of(choices: tuple[str, ...]) -> Callable:
    def check(value, where: str):
        for item in _strings(value, where):
            _one_of(choices)(item, where)
        return tuple(value)
    return check


def _engine_preference(value, where: str) -> tuple[str, ...]:
    """`engine = "cilium"`, `engine = "cilium,calico"` or `engine = ["cilium", "calico"]`: an
    ordered preference, each engine once."""
    from fixer.model import ENGINES

    items = value.split(",") if isinstance(value, str) else _strings(value, where)
    engines = tuple(item.strip().lower() for item in items if item.strip())
    if not engines or len(set(engines)) != len(engines):
        raise ConfigError(f"{where}: expected engines from {', '.join(ENGINES)}, each once, in order of preference; got {value!r}")
    for engine in engines:
        _one_of(ENGINES)(engine, where)
    return engines


def _version(value, where: str):
    from fixer.versions import parse_version

    if parse_version(_string(value, where)) is None:
        raise ConfigError(f"{where}: not a version: {value!r} (expected X.Y.Z)")
    return value


def _positive(value, where: str):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where}: expected a whole number of at least 1, got {value!r}")
    return value


def _branch(value, where: str):
    from fixer.cli.branch import _BRANCH

    if not _BRANCH.match(_string(value, where)):
        raise ConfigError(f"{where}: not a valid branch name: {value!r}")
    return value


def _date(value, where: str):
    if isinstance(value, date) and not isinstance(value, datetime):  # a TOML date: expires = 2026-09-30
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ConfigError(f"{where}: expected a date (YYYY-MM-DD), got {value!r}")


def _schema() -> dict[str, Callable]:
    from fixer.model import ENGINES
    from fixer.plan.planner import ASSUMABLE_NETWORKS

    return {
        "engine": _engine_preference,
        "allowed-engines": _some_of(ENGINES),
        "bases-dir": _string,
        "exclude-namespaces": _strings,
        "namespaces": _strings,
        "skip": _strings,
        "greenfield": _strings,
        "migrate-kubenet": _boolean,
        "baseline": _string,
        "branch": _branch,
        "labels": _strings,
        "reviewers": _strings,
        "draft": _boolean,
        "base": _string,
        "assume-network": _one_of(ASSUMABLE_NETWORKS),
        "azurerm-version": _version,
        "kyverno": _boolean,
        "connectivity-test": _boolean,
        "flows": _strings,
        "min-flows": _positive,
        "ignore": None,  # a list of tables, read by _entries
        "inventory": _strings,
        "clusters": None,  # a list of tables, read by _mappings
    }


ENTRY_KEYS = ("path", "address", "kinds", "reason", "expires")


def _check_keys(table: dict, valid, where: str) -> None:
    for key in table:
        if key not in valid:
            close = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (valid keys: {', '.join(valid)})"
            raise ConfigError(f"{where}: unknown key {key!r}{hint}")


# ---- reading files ----

def _read_toml(path: Path) -> tuple[dict, str]:
    try:
        text = read_utf8(path)
        return tomllib.loads(text), text
    except UnreadableFile as exc:
        raise ConfigError(f"{shown(path)}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{shown(path)}: not valid TOML: {exc}") from None


def _akfix_table(path: Path, data: dict) -> dict | None:
    if path.name != PYPROJECT:
        return data
    tool = data.get("tool")
    return tool.get("akfix") if isinstance(tool, dict) else None


def load_config(path: Path) -> Config:
    """One configuration file: `.akfix.toml` (or any other name: top-level keys) or a
    `pyproject.toml` (its `[tool.akfix]` table)."""
    path = path.resolve()
    data, text = _read_toml(path)
    table = _akfix_table(path, data)
    where = shown(path) + (": [tool.akfix]" if path.name == PYPROJECT else "")
    if table is None:
        raise ConfigError(f"{shown(path)}: no [tool.akfix] table")
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table")
    schema = _schema()
    _check_keys(table, schema, where)
    values = {key.replace("-", "_"): check(table[key], f"{where}: {key}") for key, check in schema.items() if check and key in table}
    folder = path.parent
    for key in ("skip", "greenfield"):
        if key in values:
            values[key] = Globs(tuple(Glob(pattern, folder) for pattern in values[key]))
    if "baseline" in values:
        values["baseline"] = folder / values["baseline"]
    if "inventory" in values:
        values["inventory"] = tuple(folder / p for p in values["inventory"])
    if "flows" in values:
        values["flows"] = tuple(str(folder / name) for name in values["flows"])
    entries = _entries(table.get("ignore", []), path, text, where)
    return Config(source=path, ignore=entries, clusters=_mappings(table.get("clusters", []), path, text, where), **values)


MAPPING_KEYS = ("id", "address", "file")


def _mappings(tables, path: Path, text: str, where: str) -> tuple:
    """`[[clusters]]`: a code cluster (by `address`, `file` or both) is the live cluster `id`."""
    from fixer.facts.match import ClusterMapping

    mappings = []
    for table, line, at in _numbered(tables, "clusters", text, where):
        _check_keys(table, MAPPING_KEYS, at)
        if "id" not in table or not ("address" in table or "file" in table):
            raise ConfigError(f"{at}: needs `id` (the live cluster's resource id) and `address` or `file`")
        resource_id = _string(table["id"], f"{at}: id")
        if "/managedclusters/" not in resource_id.lower():
            raise ConfigError(f"{at}: id: not an AKS resource id: {resource_id!r}")
        mappings.append(ClusterMapping(
            id=resource_id,
            address=_string(table["address"], f"{at}: address") if "address" in table else None,
            file=(path.parent / _string(table["file"], f"{at}: file")).resolve() if "file" in table else None,
            line=line,
        ))
    return tuple(mappings)


def load_ignore_file(path: Path) -> tuple[IgnoreEntry, ...]:
    """`.akfix-ignore.toml`: `[[ignore]]` tables and nothing else."""
    path = path.resolve()
    data, text = _read_toml(path)
    _check_keys(data, ("ignore",), shown(path))
    return _entries(data.get("ignore", []), path, text, shown(path))


def _numbered(tables, name: str, text: str, where: str):
    """(table, line, "where: name #n (line l)") per `[[name]]` table (in `[tool.akfix]` too)."""
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ConfigError(f"{where}: {name}: expected [[{name}]] tables")
    # tomllib gives no positions: the n-th [[name]] header is the n-th table (else the file's top).
    header = re.compile(r"^[ \t]*\[\[[ \t]*(?:tool[ \t]*\.[ \t]*akfix[ \t]*\.[ \t]*)?" + name + r"[ \t]*\]\]", re.M)
    headers = [text.count("\n", 0, m.start()) + 1 for m in header.finditer(text)]
    lines = headers if len(headers) == len(tables) else [1] * len(tables)
    for number, (table, line) in enumerate(zip(tables, lines), start=1):
        yield table, line, f"{where}: {name} #{number} (line {line})"


def _entries(tables, path: Path, text: str, where: str) -> tuple[IgnoreEntry, ...]:
    entries = []
    for table, line, at in _numbered(tables, "ignore", text, where):
        _check_keys(table, ENTRY_KEYS, at)
        if "path" not in table:
            raise ConfigError(f"{at}: 'path' is required (a glob such as \"infra/**/*.json\")")
        reason = table.get("reason", "")  # missing: reported as a problem of the run, like a comment's
        if not isinstance(reason, str):
            raise ConfigError(f"{at}: reason: expected a string, got {reason!r}")
        entries.append(IgnoreEntry(
            source=path,
            line=line,
            path=Glob(_string(table["path"], f"{at}: path"), path.parent),
            reason=reason,
            address=_string(table["address"], f"{at}: address") if "address" in table else None,
            kinds=frozenset(_some_of(KINDS)(table["kinds"], f"{at}: kinds")) if "kinds" in table else None,
            expires=_date(table["expires"], f"{at}: expires") if "expires" in table else None,
        ))
    return tuple(entries)


# ---- discovery ----

def _declares_akfix(pyproject: Path) -> bool:
    try:
        data = pyproject.read_bytes()
    except OSError:
        return False
    if b"akfix" not in data:
        return False  # someone else's pyproject: never parsed, never an error of ours
    return _akfix_table(pyproject, _read_toml(pyproject)[0]) is not None


def discover(start: Path) -> tuple[Path | None, Path | None]:
    """(configuration file, ignore file) nearest to `start`, looking up to the repository root."""
    folder = start.resolve()
    if not folder.is_dir():
        folder = folder.parent
    config = ignore = None
    while True:
        if config is None:
            if (folder / CONFIG_NAME).is_file():
                config = folder / CONFIG_NAME
            elif (folder / PYPROJECT).is_file() and _declares_akfix(folder / PYPROJECT):
                config = folder / PYPROJECT
        if ignore is None and (folder / IGNORE_NAME).is_file():
            ignore = folder / IGNORE_NAME
        if (folder / ".git").exists() or folder.parent == folder or (config and ignore):
            return config, ignore
        folder = folder.parent
