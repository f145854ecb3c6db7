"""Which azurerm version a Terraform module runs with.

In order of trust: the module's `.terraform.lock.hcl`, then the lock file of a root module that
calls it (`source = "./modules/aks"`), then the `required_providers` constraints of the module and
its visible callers, intersected; else unknown. The code's own attributes narrow what is left
(`network_data_plane` exists only from 3.108, `ebpf_data_plane` only before 4.0, ...).
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from fixer.formats.terraform.decls import is_override_file
from fixer.model import Profile
from fixer.plan.rules import azurerm as rules
from fixer.versions import UNKNOWN, VersionRange, exactly, parse_constraint, parse_version

LOCK_FILE = ".terraform.lock.hcl"

_LOCK_AZURERM = re.compile(
    rb'provider\s+"(?:registry\.terraform\.io|registry\.opentofu\.org)/hashicorp/azurerm"\s*\{[^}]*?\bversion\s*=\s*"([^"]+)"',
    re.S,
)
_REQUIRED_PROVIDERS = re.compile(rb"required_providers\s*\{", re.S)
# `azurerm = { source = "hashicorp/azurerm", version = "~> 3.0" }` (any order, any layout)
_AZURERM_OBJECT = re.compile(rb"\bazurerm\s*=\s*\{([^{}]*)\}", re.S)
_VERSION_ATTRIBUTE = re.compile(rb'\bversion\s*=\s*"([^"]+)"')
# Terraform 0.12 style: `azurerm = "~> 2.0"`
_AZURERM_STRING = re.compile(rb'\bazurerm\s*=\s*"([^"]+)"')
_MODULE_SOURCE = re.compile(rb'\bsource\s*=\s*"(\.{1,2}/[^"]*)"')


# Terraform 0.12 and older: `provider "azurerm" { version = "~> 2.11" }`. Deprecated since 0.13 but
# still honoured (intersected with required_providers), so it bounds the version like a constraint.
_PROVIDER_BLOCK = re.compile(rb'(?m)^\s*provider\s+"azurerm"\s*\{')
_TOP_VERSION = re.compile(rb'(?m)^\s*version\s*=\s*"([^"]+)"')
# What only a root configures: a state backend (or HCP Terraform), or the azurerm provider itself.
_ROOT_SIGN = re.compile(rb'(?m)^\s*(?:backend\s+"[^"]*"\s*\{|cloud\s*\{|provider\s+"azurerm"\s*\{)')


# A string (kept: `"#"` inside one is no comment), or a comment (blanked): `#`, `//` to the line's
# end, `/* ... */`. A commented-out `# version = "~> 4.66"` is no constraint (found on real code).
_STRING_OR_COMMENT = re.compile(rb'"(?:[^"\\\n]|\\.)*"|(#|//)[^\n]*|/\*.*?\*/', re.S)


def code_only(data: bytes) -> bytes:
    """HCL with its comments blanked (newlines kept, so lines still count)."""
    if b"#" not in data and b"//" not in data and b"/*" not in data:
        return data
    return _STRING_OR_COMMENT.sub(lambda m: m.group(0) if m.group(0)[:1] == b'"' else re.sub(rb"[^\n]", b" ", m.group(0)), data)


def provider_block_azurerm(data: bytes, source: str) -> VersionRange | None:
    """The `version` argument of a `provider "azurerm"` block (its own level, not a nested block's)."""
    found = None
    for block in _PROVIDER_BLOCK.finditer(data):
        depth, at, top = 1, block.end(), []
        while depth and at < len(data):
            char = data[at:at + 1]
            if char == b"{":
                depth += 1
            elif char == b"}":
                depth -= 1
            elif char == b"\n" and depth == 1:
                top.append(at + 1)
            at += 1
        for start in top:
            match = _TOP_VERSION.match(data, start)
            if match:
                constraint = parse_constraint(match.group(1).decode(), f"{source} (provider block)")
                if constraint is not None:
                    found = constraint if found is None else found.intersect(constraint)
    return found


def lock_version(data: bytes, source: str) -> VersionRange | None:
    match = _LOCK_AZURERM.search(data)
    if not match:
        return None
    version = parse_version(match.group(1).decode())
    return exactly(version, source) if version else None


def required_azurerm(data: bytes, source: str) -> VersionRange | None:
    """The azurerm constraint of a file's `required_providers`, if it has one (comments aside)."""
    return _required_in(code_only(data), source)


def _required_in(data: bytes, source: str) -> VersionRange | None:
    """required_azurerm over text whose comments are blanked already (_read)."""
    for block in _REQUIRED_PROVIDERS.finditer(data):
        tail = data[block.end():block.end() + 4000]
        for match in _AZURERM_OBJECT.finditer(tail):
            version = _VERSION_ATTRIBUTE.search(match.group(1))
            if version:
                return parse_constraint(version.group(1).decode(), source)
        match = _AZURERM_STRING.search(tail)
        if match:
            return parse_constraint(match.group(1).decode(), source)
    return None


def required_azurerm_json(data: bytes, source: str) -> VersionRange | None:
    """The azurerm constraint of a .tf.json file's `terraform.required_providers` (Terraform's JSON
    syntax: each block an object, or a list of objects; the entry an object with `version`, or a
    string in 0.12 style)."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    found = None
    for terraform in _as_list(document.get("terraform") if isinstance(document, dict) else None):
        for providers in _as_list(terraform.get("required_providers") if isinstance(terraform, dict) else None):
            entry = providers.get("azurerm") if isinstance(providers, dict) else None
            version = entry.get("version") if isinstance(entry, dict) else entry
            constraint = parse_constraint(version, source) if isinstance(version, str) else None
            if constraint is not None:
                found = constraint if found is None else found.intersect(constraint)
    return found


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value] if value is not None else []


@dataclass
class VersionResolver:
    """Answers "which azurerm?" per module directory, reading each file at most once."""

    root: Path
    tf_files: list[str]  # every .tf file in the tree (relative, forward slashes)
    # files known to call a local module (discovery noted them while reading); None: read them all
    caller_files: frozenset[str] | None = None
    # module dir -> (caller files, name) of its calls, override-merged (workspace.local_callers);
    # None: found here by a plain look at `source` lines
    local_callers: Callable[[], dict[str, list[tuple[tuple[str, ...], str]]]] | None = None
    _per_dir: dict[str, VersionRange | None] = field(default_factory=dict)
    _callers: dict[str, set[str]] | None = None
    _by_dir: dict[str, list[str]] | None = None
    _roots: dict[str, bool] = field(default_factory=dict)

    def for_module(self, module_dir: str) -> VersionRange:
        return self._resolve(module_dir, frozenset()) or UNKNOWN

    def constraints_for(self, module_dir: str) -> VersionRange:
        """What the required_providers constraints of the module and of every module above it (its
        callers, theirs...) admit together, locks aside: how far a provider floor written in the module
        may go (each of them must still find a version at `terraform init -upgrade`). Asked once per
        cluster view and again above a lock: walked once per folder."""
        key = f"admitted:{module_dir}"
        if key not in self._per_dir:
            self._per_dir[key] = self._admitted(module_dir)
        return self._per_dir[key] or UNKNOWN

    def _admitted(self, module_dir: str) -> VersionRange | None:
        found, seen, pending = None, {module_dir}, [module_dir]
        while pending:
            folder = pending.pop()
            theirs = self._constraint(folder)
            if theirs is not None:
                found = theirs if found is None else found.intersect(theirs)
            for caller in sorted(self._caller_index().get(folder, ())):
                if caller not in seen:
                    seen.add(caller)
                    pending.append(caller)
        return found

    def _constraint(self, module_dir: str) -> VersionRange | None:
        key = f"constraint:{module_dir}"
        if key not in self._per_dir:
            self._per_dir[key] = self._read_own(module_dir, locks=False)
        return self._per_dir[key]

    def _resolve(self, module_dir: str, seen: frozenset[str]) -> VersionRange | None:
        """The versions the module may run at: its own lock, else every caller's versions (a module
        two roots call runs at either one's: their span, never one of them), within its own constraint."""
        if module_dir in seen:
            return None  # a call cycle (invalid Terraform): nothing more to learn on this path
        key = f"resolved:{module_dir}"
        if key not in self._per_dir:
            self._per_dir[key] = self._resolve_uncached(module_dir, seen)
        return self._per_dir[key]

    def _resolve_uncached(self, module_dir: str, seen: frozenset[str]) -> VersionRange | None:
        own = self._own(module_dir)
        if own is not None and own.exact:
            return own
        callers = sorted(self._caller_index().get(module_dir, ()))
        theirs = [self._resolve(caller, seen | {module_dir}) for caller in callers]
        if theirs and self._runs_as_root(module_dir):
            theirs.append(own)  # also applied on its own (a scenario step that All-in-One calls too): any version it admits
        if not theirs or any(found is None for found in theirs):
            return own  # a caller that says nothing may run any version the module's own constraint admits
        spanned = theirs[0]
        for found in theirs[1:]:
            spanned = spanned.span(found)
        if own is None:
            return spanned
        both = own.intersect(spanned)
        # the callers' versions, when the module's constraint admits them all: a span of locks stays one (_above_lock)
        return spanned if (both.low, both.high) == (spanned.low, spanned.high) else both

    def _runs_as_root(self, module_dir: str) -> bool:
        if module_dir not in self._roots:
            self._roots[module_dir] = any(_ROOT_SIGN.search(_read(self.root / relpath)) for relpath in self._files_in(module_dir))
        return self._roots[module_dir]

    def _files_in(self, module_dir: str) -> list[str]:
        if self._by_dir is None:
            self._by_dir = {}
            for relpath in self.tf_files:
                self._by_dir.setdefault(posixpath.dirname(relpath), []).append(relpath)
        return self._by_dir.get(module_dir, [])

    def _own(self, module_dir: str) -> VersionRange | None:
        if module_dir not in self._per_dir:
            self._per_dir[module_dir] = self._read_own(module_dir)
        return self._per_dir[module_dir]

    def _read_own(self, module_dir: str, locks: bool = True) -> VersionRange | None:
        directory = self.root / module_dir if module_dir else self.root
        lock_path = directory / LOCK_FILE
        lock_name = posixpath.join(module_dir, LOCK_FILE) if module_dir else LOCK_FILE
        if locks and lock_path.is_file():
            try:
                found = lock_version(lock_path.read_bytes(), lock_name)
            except OSError:
                found = None
            if found:
                return found
        result = None
        override = None
        for relpath in sorted(self._files_in(module_dir), key=posixpath.basename):
            data = _read(self.root / relpath)
            if b'provider "azurerm"' in data and b"version" in data:
                legacy = provider_block_azurerm(data, relpath)
                if legacy is not None:
                    result = legacy if result is None else result.intersect(legacy)
            if b"required_providers" not in data:
                continue
            constraint = required_azurerm_json(data, relpath) if relpath.endswith(".tf.json") else _required_in(data, relpath)
            if constraint is None:
                continue
            if is_override_file(relpath):
                # Terraform: an override's constraint for a provider replaces the original's.
                override = constraint
            else:
                result = constraint if result is None else result.intersect(constraint)
        return override if override is not None else result

    def _caller_index(self) -> dict[str, set[str]]:
        """module directory -> directories that call it with a local `source`. Built on first need."""
        if self._callers is None and self.local_callers is not None:
            self._callers = {
                module_dir: {posixpath.dirname(files[0]) for files, _ in calls} for module_dir, calls in self.local_callers().items()
            }
        if self._callers is None:
            self._callers = {}
            candidates = self.tf_files if self.caller_files is None else sorted(f for f in self.caller_files if f.endswith(".tf"))
            for relpath in candidates:
                data = _read(self.root / relpath)
                if b"module" not in data:
                    continue
                caller = posixpath.dirname(relpath)
                for match in _MODULE_SOURCE.finditer(data):
                    target = posixpath.normpath(posixpath.join(caller, match.group(1).decode()))
                    target = "" if target == "." else target
                    if not target.startswith(".."):
                        self._callers.setdefault(target, set()).add(caller)
        return self._callers


def _read(path: Path) -> bytes:
    """The file's bytes; nothing for what is no regular file (a FIFO would block the run: discovery
    reports it) or cannot be read."""
    try:
        if not path.is_file():
            return b""
        data = path.read_bytes()
        return data if path.name.endswith(".json") else code_only(data)
    except OSError:
        return b""


def narrow_by_code(versions: VersionRange, profile: Profile, attribute_names: frozenset[str]) -> VersionRange:
    """What the code itself proves about the provider version (it was valid for it)."""
    if versions.exact:
        return versions
    low, high = versions.low, versions.high
    for name in attribute_names:
        if name in rules.ATTRIBUTE_MIN_VERSION:
            low = max(low, rules.ATTRIBUTE_MIN_VERSION[name])
        if name in rules.ATTRIBUTE_MAX_VERSION:
            high = min(high, rules.ATTRIBUTE_MAX_VERSION[name])
    mode = profile.plugin_mode.literal
    if mode == "Overlay":
        high = min(high, (3, 62, 0))
    elif mode == "overlay":
        low = max(low, (3, 62, 0))
    if (profile.policy.literal or "") == "cilium":
        low = max(low, (3, 75, 0))
    narrowed = VersionRange(low, high, versions.source)
    if narrowed.empty:
        return versions  # contradictory hints: trust what the files said
    if (low, high) != (versions.low, versions.high):
        hint = "attributes used in the code"
        narrowed = VersionRange(low, high, hint if not versions.known else f"{versions.source}; {hint}")
    return narrowed
