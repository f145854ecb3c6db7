"""Terragrunt configurations that run a module of this tree: their `inputs` set its variables.

A `terragrunt.hcl` with `terraform { source = "../../modules//aks" }` runs that module with the
variables of its `inputs = { ... }` object, which plain Terraform never sees: a module default
akfix would read (and write) may not be what any deployment uses. Each such configuration is a
caller of the module, as a `module` block is (workspace.module_scope): a variable its inputs object
sets is read there, and a fix for that deployment is written there. What akfix does not evaluate
stays undecided, never read from the default it overrides: an `inputs` that is no object literal
(`merge(...)`) leaves every variable undecided; an `include` adds its parent's inputs (the child's
keys win), so a variable the child does not set is undecided unless the parent is a file of the
tree whose inputs akfix reads and does not set it. The configuration's file joins the deployment's
text (Windows pools set there count). Sources that are not local paths (git::, registry) run code
outside the tree and are left alone; one that suggests AKS is listed as not inspected (remote_run).

Read with the HCL parser every Terraform file goes through (hcl.py). Pure: file bodies in,
module folder -> its configurations.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass

from fixer.formats.terraform import hcl
from fixer.formats.terraform.decls import ModuleCall

NAME = "terragrunt.hcl"
# Terragrunt functions that name a folder this tree can resolve: the repository root, and the
# configuration's own folder (None). get_parent_terragrunt_dir() depends on the include: not resolved.
_ROOTS = {"${get_repo_root()}": "", "${get_terragrunt_dir()}": None}


# A source outside the tree that suggests AKS (as adapter.MODULE_HINT for module calls)
_AKS_HINT = re.compile(r"aks|kubernetes", re.I)


def remote_run(relpath: str, body: bytes) -> ModuleCall | None:
    """A configuration that runs a module from outside the tree (git::, a registry) whose source
    suggests AKS: whatever cluster it builds is not in the tree, so it is listed as not inspected
    rather than passed over in silence. None for a local source, or none."""
    node, raw = _source(hcl.body_of(hcl.parse(body).root_node))
    if node is None or "${" in raw:
        return None
    source = raw[1:-1]
    if source.startswith(("./", "../", "/")) or not _AKS_HINT.search(source):
        return None
    return ModuleCall(relpath, node.start_point[0] + 1, "", source, terragrunt=True)


def _source(root):
    """The `terraform { source = "..." }` attribute and its quoted text; (None, "") where it is no string."""
    block = next((b for b in hcl.blocks(root) if b.type == "terraform"), None)
    node = hcl.attribute(block.body, "source") if block is not None else None
    expression = hcl.expression_of(node) if node is not None else None
    raw = hcl.text(expression).strip() if expression is not None else ""
    return (node, raw) if len(raw) >= 2 and raw[0] == '"' and raw[-1] == '"' else (None, "")


def module_of(relpath: str, body: bytes) -> str | None:
    """The tree folder this configuration runs (`//` marks the module inside a source), or None."""
    return _module(relpath, hcl.body_of(hcl.parse(body).root_node))


def inputs_of(body: bytes) -> frozenset[str]:
    """The names the top-level `inputs = { ... }` object sets (its first level)."""
    return _inputs(hcl.body_of(hcl.parse(body).root_node))


def _module(relpath: str, root) -> str | None:
    node, raw = _source(root)
    if node is None:
        return None  # not a string (a function call, a local): not resolved
    path = raw[1:-1].replace("//", "/")
    here = posixpath.dirname(relpath)
    for function, base in _ROOTS.items():
        if path.startswith(function):
            path = posixpath.join(here if base is None else base, path[len(function):].lstrip("/"))
            break
    else:
        if not path.startswith(("./", "../")):
            return None  # git::, a registry module, an absolute path: not code of this tree
        path = posixpath.join(here, path)
    folder = posixpath.normpath(path)
    return None if folder.startswith("..") or "${" in folder else ("" if folder == "." else folder)


def _inputs(root) -> frozenset[str]:
    node = hcl.attribute(root, "inputs")
    obj = hcl.object_node(hcl.expression_of(node)) if node is not None else None
    return frozenset(key for key, _, _ in hcl.object_elements(obj))


@dataclass(frozen=True)
class Configuration:
    """One terragrunt.hcl that runs a module of the tree."""

    relpath: str
    inputs: frozenset[str]  # the keys its own inputs object sets
    literal: bool  # no inputs, or an object literal akfix reads (else: every variable undecided)
    # Keys its includes' inputs may set: None where an include is not a file of the tree whose
    # inputs akfix reads (then every key the child does not set is undecided).
    inherited: frozenset[str] | None
    why: str = ""  # what akfix does not read, for the reports
    # The configuration folders its `dependency` blocks and `dependencies { paths }` name: units whose
    # outputs it reads (a node-pool unit fed `dependency.aks.outputs.id`), part of one deployment.
    depends_on: tuple[str, ...] = ()
    # The files of the tree its `include` blocks read (their settings are this deployment's too),
    # each with the keys its inputs set.
    includes: tuple[str, ...] = ()
    included_inputs: tuple[frozenset[str], ...] = ()

    def unread(self, name: str) -> str | None:
        """Why the value this deployment gives `name` is not read, or None (read, or the default)."""
        if not self.literal:
            return f"the inputs of {self.relpath} are built by an expression (Terragrunt, which akfix does not evaluate)"
        if name in self.inputs:
            return None
        if self.inherited is None:
            return f"{self.why or 'an include of ' + self.relpath} may set it (Terragrunt, which akfix does not evaluate)"
        if name in self.inherited:
            setter = next((f"{path} (included by {self.relpath})" for path, keys in zip(self.includes, self.included_inputs)
                           if name in keys), f"an include of {self.relpath}")
            return f"{setter} sets it (Terragrunt, which akfix does not evaluate)"
        return None


_FIND_IN_PARENTS = re.compile(r'^find_in_parent_folders\(\s*(?:"([^"$]*)")?\s*\)$')


def configurations(files: dict[str, bytes], read: Callable[[str], bytes | None] = lambda relpath: None) -> dict[str, list[Configuration]]:
    """module folder -> its configurations, for every configuration whose source is a folder of the
    tree (each file parsed once). `files`: every terragrunt.hcl of the tree; `read(relpath)`: another
    file of the tree that an include looks for (`root.hcl`), or None where there is none."""
    roots = {relpath: hcl.body_of(hcl.parse(body).root_node) for relpath, body in sorted(files.items())}

    def root_of(relpath: str):
        if relpath not in roots:  # an included file that is no terragrunt.hcl: read on first need
            body = read(relpath)
            roots[relpath] = hcl.body_of(hcl.parse(body).root_node) if body is not None else None
        return roots[relpath]

    found: dict[str, list[Configuration]] = {}
    for relpath in sorted(files):
        root = roots[relpath]
        includes = _includes(relpath, root, root_of)
        included = tuple(parent for _, parent in includes if parent is not None)
        folder = _module(relpath, root)
        if folder is None and _source(root)[0] is None:
            # `terraform { source }` may come from an include (an `_env/aks.hcl` every environment
            # includes); Terragrunt reads it as the child's own, so a relative path is the child's
            folder = next((module for parent in included if (module := _module(relpath, root_of(parent))) is not None), None)
        if folder is None:
            continue
        node = hcl.attribute(root, "inputs")
        literal = node is None or hcl.object_node(hcl.expression_of(node)) is not None
        inherited, why = _inherited(relpath, includes, root_of)
        found.setdefault(folder, []).append(Configuration(relpath, _inputs(root), literal, inherited, why, _depends_on(relpath, root),
                                                          included, tuple(_inputs(root_of(parent)) for parent in included)))
    return found


def _depends_on(relpath: str, root) -> tuple[str, ...]:
    """The unit folders a configuration depends on: each `dependency "x" { config_path = "../aks" }`
    and `dependencies { paths = ["../vnet"] }` written as a string, from the configuration's folder."""
    here, paths = posixpath.dirname(relpath), []
    for block in hcl.blocks(root):
        if block.type == "dependency":
            node = hcl.attribute(block.body, "config_path")
            paths += [hcl.text(hcl.expression_of(node) or node).strip()] if node is not None else []
        elif block.type == "dependencies":
            node = hcl.attribute(block.body, "paths")
            text = hcl.text(hcl.expression_of(node) or node).strip() if node is not None else ""
            paths += re.findall(r'"[^"$]*"', text) if text.startswith("[") else []
    folders = []
    for path in paths:
        if len(path) >= 2 and path[0] == path[-1] == '"' and "${" not in path:
            folder = posixpath.normpath(posixpath.join(here, path[1:-1]))
            if not folder.startswith(".."):
                folders.append("" if folder == "." else folder)
    return tuple(dict.fromkeys(folders))


def _includes(relpath: str, root, root_of: Callable) -> list[tuple[hcl.Block, str | None]]:
    """Each `include` block and the file of the tree it reads, None where its path is not one akfix
    resolves (or names no file of the tree)."""
    found = []
    for block in (b for b in hcl.blocks(root) if b.type == "include"):
        node = hcl.attribute(block.body, "path")
        text = hcl.text(hcl.expression_of(node) or node).strip() if node is not None else ""
        found.append((block, _include_path(relpath, text, root_of)))
    return found


_DIRNAME_OF_PARENT = re.compile(r'^\$\{dirname\(find_in_parent_folders\(\s*(?:"([^"$]*)")?\s*\)\)\}')


def _include_path(relpath: str, text: str, root_of: Callable) -> str | None:
    """An include's `path` as a file of the tree: find_in_parent_folders("x.hcl"), or a string from
    the configuration's folder, get_terragrunt_dir(), get_repo_root() or dirname(find_in_parent_folders())."""
    match = _FIND_IN_PARENTS.match(text)
    if match:
        return _find_in_parents(relpath, match.group(1) or NAME, root_of)
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        return None
    path, here = text[1:-1], posixpath.dirname(relpath)
    parent = _DIRNAME_OF_PARENT.match(path)
    if parent:
        found = _find_in_parents(relpath, parent.group(1) or NAME, root_of)
        if found is None:
            return None
        path = posixpath.join(posixpath.dirname(found), path[parent.end():].lstrip("/"))
    else:
        for function, base in _ROOTS.items():
            if path.startswith(function):
                path = posixpath.join(here if base is None else base, path[len(function):].lstrip("/"))
                break
        else:
            path = posixpath.join(here, path)
    candidate = posixpath.normpath(path)
    if "${" in candidate or candidate.startswith("..") or posixpath.isabs(candidate) or root_of(candidate) is None:
        return None
    return candidate


def _inherited(relpath: str, includes: list[tuple[hcl.Block, str | None]], root_of: Callable) -> tuple[frozenset[str] | None, str]:
    """The keys the includes' inputs set (None: an include akfix cannot read), and which include."""
    keys: set[str] = set()
    for block, parent in includes:
        if parent is None:
            return None, f"the include at {relpath}:{block.node.start_point[0] + 1}"
        inputs = hcl.attribute(root_of(parent), "inputs")
        if inputs is not None and hcl.object_node(hcl.expression_of(inputs)) is None:
            return None, f"{parent} (included by {relpath}), whose inputs are built by an expression,"
        keys |= _inputs(root_of(parent))
    return frozenset(keys), ""


def _find_in_parents(relpath: str, name: str, root_of: Callable) -> str | None:
    """Terragrunt's find_in_parent_folders(name): the nearest file of that name above the configuration."""
    folder = posixpath.dirname(posixpath.dirname(relpath)) if "/" in relpath else None
    while folder is not None:
        candidate = posixpath.join(folder, name) if folder else name
        if root_of(candidate) is not None:
            return candidate
        folder = posixpath.dirname(folder) if folder else None
    return None
