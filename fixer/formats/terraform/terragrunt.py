"""Terragrunt configurations that run a module of this tree: their `inputs` set its variables.

A `terragrunt.hcl` with `terraform { source = "../../modules//aks" }` runs that module with the
variables of its `inputs = { ... }` object, which plain Terraform never sees: a module default
akfix would read (and write) may not be what any deployment uses. akfix does not evaluate
Terragrunt (includes, `dependency` outputs, functions), so a variable a Terragrunt configuration
sets is left undecided -- never read from the default it overrides -- and its file joins the
deployment's text (Windows pools set there count). Sources that are not local paths (git::,
registry) run code outside the tree and are left alone.

Pure: file bodies in, module folder -> the variables set and where.
"""

from __future__ import annotations

import posixpath
import re

NAME = "terragrunt.hcl"
_SOURCE = re.compile(r'^\s*source\s*=\s*"([^"]+)"', re.MULTILINE)
_TERRAFORM_BLOCK = re.compile(r"^terraform\s*\{", re.MULTILINE)
_INPUTS = re.compile(r"^inputs\s*=\s*\{", re.MULTILINE)
_KEY = re.compile(r'^\s*"?([A-Za-z_][\w-]*)"?\s*[=:]', re.MULTILINE)
# Terragrunt functions that name a folder this tree can resolve: the repository root, and the
# configuration's own folder (None). get_parent_terragrunt_dir() depends on the include: not resolved.
_ROOTS = {"${get_repo_root()}": "", "${get_terragrunt_dir()}": None}


def module_of(relpath: str, body: bytes) -> str | None:
    """The tree folder this configuration runs (`//` marks the module inside a source), or None."""
    text = body.decode("utf-8", "replace")
    block = _TERRAFORM_BLOCK.search(text)
    source = _SOURCE.search(_block_text(text, block.end())) if block else None
    if source is None:
        return None
    path = source.group(1).replace("//", "/")
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


def inputs_of(body: bytes) -> frozenset[str]:
    """The names the top-level `inputs = { ... }` object sets (its first level)."""
    text = body.decode("utf-8", "replace")
    found = _INPUTS.search(text)
    if found is None:
        return frozenset()
    inner = _block_text(text, found.end())
    names, depth, line_start = set(), 0, 0
    for index, char in enumerate(inner + "\n"):
        if char == "\n":
            if depth == 0:
                key = _KEY.match(inner[line_start:index])
                if key:
                    names.add(key.group(1))
            line_start = index + 1
        elif char in "{[(":
            if depth == 0:  # a key whose value opens a bracket on its own line
                key = _KEY.match(inner[line_start:index])
                if key:
                    names.add(key.group(1))
            depth += 1
        elif char in "}])":
            depth -= 1
    return frozenset(names)


def _block_text(text: str, start: int) -> str:
    """The text of a `{ ... }` block whose `{` ends just before `start`, strings skipped."""
    depth, index, quote = 1, start, False
    while index < len(text) and depth:
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == '"':
                quote = False
        elif char == '"':
            quote = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        index += 1
    return text[start:index - 1]


def configurations(files: dict[str, bytes]) -> dict[str, list[tuple[str, frozenset[str]]]]:
    """module folder -> [(terragrunt.hcl, the variables its inputs set)] for every configuration
    whose source is a folder of the tree."""
    found: dict[str, list[tuple[str, frozenset[str]]]] = {}
    for relpath in sorted(files):
        folder = module_of(relpath, files[relpath])
        if folder is not None:
            found.setdefault(folder, []).append((relpath, inputs_of(files[relpath])))
    return found
