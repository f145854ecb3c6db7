"""What akfix has read of a Terraform tree, and the module scopes built from it.

Files are read once and kept as TextFiles; a module's value files (.tf, .tfvars, .tfvars.json) are
read only when one of its clusters has an expression to follow, and callers of local modules are
indexed only then too.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from fixer.discover import Listing, read_safely
from fixer.formats.terraform import hcl
from fixer.formats.terraform.decls import FileDecls
from fixer.formats.terraform.values import CallerRef, ModuleScope
from fixer.model import Problem
from fixer.textfile import TextFile, UnreadableText, load_text

VALUE_FILES = (".tf", ".tfvars", ".tfvars.json")


@dataclass
class Located:
    """Everything read from the tree, kept so that verification can re-plan edited files."""

    listing: Listing
    texts: dict[str, TextFile]  # every file read: cluster files and the value files of their modules
    decls: dict[str, FileDecls]
    planned: list = field(default_factory=list)  # adapter.Planned, in file order
    module_files: dict[str, list[str]] = field(default_factory=dict)  # module dir -> value files read
    callers: dict[str, list[tuple[str, str]]] | None = None  # module dir -> (caller file, module name)
    caller_files: frozenset[str] | None = None  # files known to call a local module (None: unknown)
    _value_files_by_dir: dict[str, list[str]] | None = None
    edit_cache: dict = field(default_factory=dict)  # (planned key, fix id) -> edits, see adapter._edits
    floor_sites: dict = field(default_factory=dict)  # module dir -> constraints.ConstraintSite of a provider floor

    def value_files(self, module_dir: str) -> list[str]:
        """The .tf / .tfvars / .tfvars.json files directly in a directory (indexed once)."""
        if self._value_files_by_dir is None:
            self._value_files_by_dir = {}
            for relpath in self.listing.files:
                if relpath.endswith(VALUE_FILES):
                    self._value_files_by_dir.setdefault(posixpath.dirname(relpath), []).append(relpath)
        return self._value_files_by_dir.get(module_dir, [])


MAX_CALLER_DEPTH = 3
LOCAL_SOURCE = re.compile(rb'\bsource\s*=\s*"\.{1,2}/')


def module_scope(located: Located, module_dir: str, problems: list[Problem] | None, bodies: dict[str, bytes] | None = None, depth: int = 0) -> ModuleScope:
    """The module's variables, locals and tfvars (reading the files not read yet), and the scopes
    of the modules that call it. `bodies` overrides file contents (verification of edits)."""
    bodies = bodies or {}
    files = {p: bodies.get(p, located.texts[p].body) for p in _module_files(located, module_dir, problems)}
    scope = ModuleScope.build(module_dir, files)
    if depth < MAX_CALLER_DEPTH:
        for relpath, name in _callers(located, problems).get(module_dir, []):
            caller = module_scope(located, posixpath.dirname(relpath), problems, bodies, depth + 1)
            source = caller.sources.get(relpath)
            block = next(
                (b for b in hcl.blocks(hcl.body_of(source.root)) if b.type == "module" and b.labels == (name,)),
                None,
            ) if source is not None and source.root is not None else None
            if block is not None:
                label = f"{posixpath.dirname(relpath) or '.'}: module.{name}"
                scope.callers.append(CallerRef(label, caller, relpath, block.node))
    return scope


def read_module_files(located: Located, module_dir: str, problems: list[Problem] | None) -> list[str]:
    """The module's .tf / .tfvars files, read into `located.texts` once."""
    return _module_files(located, module_dir, problems)


def _module_files(located: Located, module_dir: str, problems: list[Problem] | None) -> list[str]:
    if module_dir not in located.module_files:
        located.module_files[module_dir] = [p for p in located.value_files(module_dir) if _load(located, p, problems)]
    return located.module_files[module_dir]


def _load(located: Located, relpath: str, problems: list[Problem] | None) -> bool:
    if relpath in located.texts:
        return True
    data, problem = read_safely(located.listing.root, located.listing.root / relpath, relpath)
    if problem and problems is not None:
        problems.append(problem)
    if data is None:
        return False
    try:
        located.texts[relpath] = load_text(data)
    except UnreadableText as exc:
        if problems is not None:
            problems.append(Problem(relpath, exc.line, f"{exc}; left untouched"))
        return False
    return True


def _callers(located: Located, problems: list[Problem] | None) -> dict[str, list[tuple[str, str]]]:
    """module dir -> the module blocks (file, name) that call it with a local source."""
    if located.callers is None:
        located.callers = {}
        files = located.caller_files if located.caller_files is not None else located.listing.files
        for relpath in sorted(files):
            if not relpath.endswith(".tf"):
                continue
            data, _ = read_safely(located.listing.root, located.listing.root / relpath, relpath)
            if not data or b"module" not in data or not LOCAL_SOURCE.search(data):
                continue
            root = hcl.parse(data.removeprefix(b"\xef\xbb\xbf")).root_node
            for block in hcl.blocks(hcl.body_of(root)):
                if block.type != "module" or len(block.labels) != 1:
                    continue
                source = hcl.attribute(block.body, "source")
                target = hcl.string_content(hcl.expression_of(source)) if source is not None and hcl.expression_of(source) else None
                if not target or not target.startswith(("./", "../")):
                    continue
                resolved = posixpath.normpath(posixpath.join(posixpath.dirname(relpath), target))
                if not resolved.startswith(".."):
                    located.callers.setdefault("" if resolved == "." else resolved, []).append((relpath, block.labels[0]))
    return located.callers


