"""Input variables akfix adds to a module (Change.exposes).

When callers of one module plan differently and the setting a fix needs is absent from the shared
resource block, the module gains `variable "<attribute>"` with `default = null`, the block reads
it, and only the caller that needs it passes a value. Terraform treats a null argument as omitted
("If you set an argument of a resource or module to null, Terraform behaves as though you had
completely omitted it": Terraform language docs, Types and Values, quoted in hashicorp/terraform#27730),
so every other caller plans exactly what it planned before: the resource argument is null where
the caller passes nothing (the variable's default), which is what the absent attribute was.
"""

from __future__ import annotations

import posixpath

from fixer.formats.terraform import hcl
from fixer.formats.terraform.editor import EditFailure
from fixer.model import Edit

VARIABLES_FILE = "variables.tf"


def declared_variables(bodies: dict[str, bytes]) -> dict[str, str]:
    """Variable name -> the file declaring it, over a module's .tf files."""
    found: dict[str, str] = {}
    for relpath, body in bodies.items():
        for block in hcl.blocks(hcl.body_of(hcl.parse(body).root_node)):
            if block.type == "variable" and block.labels:
                found.setdefault(block.labels[0], relpath)
    return found


def declaration_file(module_dir: str, bodies: dict[str, bytes], declared: dict[str, str], profile_file: str, shared) -> str:
    """Where new variables go: the module's variables.tf, else the file declaring the most, else the
    cluster's own file; a file other folders read through a symlink (`shared`) only as a last resort,
    since the declaration would reach them too."""
    counts: dict[str, int] = {}
    for relpath in declared.values():
        counts[relpath] = counts.get(relpath, 0) + 1
    conventional = posixpath.join(module_dir, VARIABLES_FILE)
    ranked = ([conventional] if conventional in bodies else []) + sorted(counts, key=lambda r: (-counts[r], r)) + [profile_file]
    return next((relpath for relpath in ranked if not shared(relpath)), ranked[0])


def declaration_edit(body: bytes, names: list[str], newline: bytes) -> Edit:
    """One edit appending a `variable` block per name at the end of the file, fmt-aligned."""
    blocks = [
        newline.join((
            f'variable "{name}" {{'.encode(),
            b"  type        = string",
            b"  default     = null",
            f'  description = "The cluster\'s network_profile.{name}; null leaves it unset (added by akfix)."'.encode(),
            b"}",
        ))
        for name in names
    ]
    lead = b"" if not body or body.endswith(b"\n") else newline
    separator = newline if body.strip() else b""
    return Edit(len(body), len(body), lead + separator + (newline + newline).join(blocks) + newline)


def input_edits(module_dir: str, bodies: dict[str, bytes], declared: dict[str, str], names: list[str], profile_file: str, shared,
                newline_of) -> list[tuple[str, Edit]]:
    """(file, edit) declaring `names` in the module (`declared`: its variables, declared_variables);
    refused when one is declared already (the block would read a variable whose default and callers
    akfix has not weighed)."""
    taken = [name for name in names if name in declared]
    if taken:
        raise EditFailure(f"module {module_dir or '.'} already declares variable {taken[0]} ({declared[taken[0]]}) "
                          "without reading it in the network_profile block", 1)
    target = declaration_file(module_dir, bodies, declared, profile_file, shared)
    return [(target, declaration_edit(bodies[target], sorted(names), newline_of(target)))]
