"""Terragrunt configurations that run a module of this tree: their `inputs` set its variables.

A `terragrunt.hcl` with `terraform { source = "../../modules//aks" }` runs that module with the
variables of its `inputs = { ... }` object, which plain Terraform never sees: a module default
akfix would read (and write) may not be what any deployment uses. akfix does not evaluate
Terragrunt (includes, `dependency` outputs, functions), so a variable a Terragrunt configuration
sets is left undecided -- never read from the default it overrides -- and its file joins the
deployment's text (Windows pools set there count). Sources that are not local paths (git::,
registry) run code outside the tree and are left alone.

Read with the HCL parser every Terraform file goes through (hcl.py). Pure: file bodies in,
module folder -> the variables set and where.
"""

from __future__ import annotations

import posixpath

from fixer.formats.terraform import hcl

NAME = "terragrunt.hcl"
# Terragrunt functions that name a folder this tree can resolve: the repository root, and the
# configuration's own folder (None). get_parent_terragrunt_dir() depends on the include: not resolved.
_ROOTS = {"${get_repo_root()}": "", "${get_terragrunt_dir()}": None}


def module_of(relpath: str, body: bytes) -> str | None:
    """The tree folder this configuration runs (`//` marks the module inside a source), or None."""
    return _module(relpath, hcl.body_of(hcl.parse(body).root_node))


def inputs_of(body: bytes) -> frozenset[str]:
    """The names the top-level `inputs = { ... }` object sets (its first level)."""
    return _inputs(hcl.body_of(hcl.parse(body).root_node))


def _module(relpath: str, root) -> str | None:
    block = next((b for b in hcl.blocks(root) if b.type == "terraform"), None)
    node = hcl.attribute(block.body, "source") if block is not None else None
    expression = hcl.expression_of(node) if node is not None else None
    raw = hcl.text(expression).strip() if expression is not None else ""
    if len(raw) < 2 or raw[0] != '"' or raw[-1] != '"':
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


def configurations(files: dict[str, bytes]) -> dict[str, list[tuple[str, frozenset[str]]]]:
    """module folder -> [(terragrunt.hcl, the variables its inputs set)] for every configuration
    whose source is a folder of the tree (each file parsed once)."""
    found: dict[str, list[tuple[str, frozenset[str]]]] = {}
    for relpath in sorted(files):
        root = hcl.body_of(hcl.parse(files[relpath]).root_node)
        folder = _module(relpath, root)
        if folder is not None:
            found.setdefault(folder, []).append((relpath, _inputs(root)))
    return found
