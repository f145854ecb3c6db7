"""Provider floors: raise the lower bound of a module's azurerm constraint so that a fix holds for
every version the constraint still admits (issue 16).

A raised floor only ever removes versions from below: an upper bound is never raised or removed,
and a constraint written `~> 3.0` stays pessimistic (`~> 3.75`). Where the module states no azurerm
constraint, one is added in its own `required_providers`, pessimistic within the one major the code
is known to be written for (`~> 3.108`): an unbounded `>= 3.108.0` would let `terraform init
-upgrade` pick the newest major. Where the code admits every later version (it writes a block that
exists from 4.57 on and nothing a later major removed), the added floor is open too (`>= 4.58.0`): it
drops only older versions of the code's lowest major, and an upper bound would push anyone already
on a later major back down. Terraform intersects the constraints of every module, so a floor
in the module that declares the cluster binds the whole configuration. Where the module has no
`required_providers`, a `terraform` block with one is appended to the file that declares the cluster.

raise_floor() is pure; find_site() reads the module's files and says where the constraint is or goes;
floor_edits() makes the bytes.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from fixer.formats.terraform import hcl
from fixer.formats.terraform.decls import is_override_file
from fixer.model import Edit
from fixer.versions import NEWEST, Version, format_version, parse_constraint

# The attribute a floor change carries in Fix.changes (JSON, SARIF, PR table show it like this).
FLOOR_ATTRIBUTE = "required_providers.azurerm.version"
AZURERM_SOURCE = "hashicorp/azurerm"

_CLAUSE = re.compile(r"^\s*(~>|>=|<=|!=|>|<|=)?\s*v?(\d+(?:\.\d+){0,2})\s*$")


def raise_floor(constraint: str, floor: Version) -> str | None:
    """`constraint` with its lower bound raised to `floor`, admitting exactly what it admitted at
    or above `floor`; None when that cannot be written (a bound akfix does not read) or when the
    floor would empty the range (it lies at or above the upper bound)."""
    clauses = [c.strip() for c in constraint.split(",") if c.strip()]
    parsed = [_CLAUSE.match(c) for c in clauses]
    old = parse_constraint(constraint, "constraint")
    if old is None or not all(parsed) or floor >= old.high:
        return None
    if floor <= old.low:
        return constraint  # nothing to raise
    if len(clauses) == 1 and parsed[0].group(1) == "~>":
        parts = parsed[0].group(2).split(".")
        if len(parts) == 2 and floor[2] == 0 and floor[0] == int(parts[0]):
            return f"~> {floor[0]}.{floor[1]}"
        if len(parts) == 3 and floor[:2] == (int(parts[0]), int(parts[1])):
            return f"~> {format_version(floor)}"
    kept = []
    for clause, match in zip(clauses, parsed):
        operator = match.group(1) or "="
        if operator in ("=",):
            return None  # an exact version: nothing to raise (and the planner never asks)
        if operator in (">=", ">") or (operator == "!=" and parse_constraint(match.group(2), "").low < floor):
            continue  # lower bounds give way to the floor; an exclusion below it says nothing any more
        if operator == "~>":
            upper = _pessimistic_upper(match.group(2))
            kept.append(f"< {format_version(upper)}")
        else:
            kept.append(clause)
    result = ", ".join([f">= {format_version(floor)}"] + kept)
    new = parse_constraint(result, "constraint")
    if new is None or (new.low, new.high) != (max(old.low, floor), old.high):
        return None  # never write a constraint that does not mean exactly what was intended
    return result


def _pessimistic_upper(raw: str) -> Version:
    parts = [int(p) for p in raw.split(".")]
    if len(parts) <= 2:
        return (parts[0] + 1, 0, 0)
    return (parts[0], parts[1] + 1, 0)


def floor_constraint(floor: Version, high: Version) -> str:
    """The constraint added where a module states none. `high`: the end of what the code admits. Up
    to the end of the floor's major where the code is known to be written for that major; else
    unbounded, as the code was (the planner adds floors only in the code's lowest major)."""
    if high == NEWEST:
        return f">= {format_version(floor)}"
    if high > (floor[0] + 1, 0, 0):  # greenfield across a major: up to the code's own cap
        return f">= {format_version(floor)}, < {format_version(high)}"
    if floor[2] == 0:
        return f"~> {floor[0]}.{floor[1]}"
    return f">= {format_version(floor)}, < {floor[0] + 1}.0.0"


@dataclass(frozen=True)
class ConstraintSite:
    """Where a module's azurerm constraint is, or where one goes.

    kind: "value"    the version string of `azurerm = { version = "..." }` (or `azurerm = "..."`)
          "object"   an `azurerm = { source = ... }` object without a version
          "entry"    a required_providers block without azurerm
          "block"    no required_providers in the module: a terraform block goes at the end of `file`
    """

    file: str
    kind: str
    start: int  # body offsets: the string (value), the object or block node (object, entry)
    end: int
    constraint: str | None = None  # the current text (value)
    line: int = 1


def find_site(files: dict[str, bytes], cluster_file: str, provider: str = "azurerm") -> ConstraintSite:
    """Where a module's constraint of `provider` (azurerm, or azapi for a policy update) lives;
    `files`: its .tf files (relpath -> body). An override file's constraint replaces the original's
    (Terraform's merge), so the last override that states one is the place; else the first file with
    `required_providers`."""
    overrides = [(r, b) for r, b in sorted(files.items(), key=lambda f: posixpath.basename(f[0]), reverse=True) if is_override_file(r)]
    for relpath, body in overrides:
        if b"required_providers" not in body or not relpath.endswith(".tf"):
            continue
        root = hcl.body_of(hcl.parse(body).root_node)
        for terraform in (b for b in hcl.blocks(root) if b.type == "terraform"):
            for providers in (b for b in hcl.blocks(terraform.body) if b.type == "required_providers"):
                if hcl.attribute(providers.body, provider) is not None:
                    return _site_in(relpath, providers, provider)
    for relpath, body in sorted(files.items()):
        if b"required_providers" not in body or not relpath.endswith(".tf") or is_override_file(relpath):
            continue
        root = hcl.body_of(hcl.parse(body).root_node)
        for terraform in (b for b in hcl.blocks(root) if b.type == "terraform"):
            for providers in (b for b in hcl.blocks(terraform.body) if b.type == "required_providers"):
                return _site_in(relpath, providers, provider)
    return ConstraintSite(cluster_file, "block", -1, -1)


def _site_in(relpath: str, providers: hcl.Block, provider: str) -> ConstraintSite:
    node = hcl.attribute(providers.body, provider)
    line = providers.node.start_point[0] + 1
    if node is None:
        return ConstraintSite(relpath, "entry", providers.node.start_byte, providers.node.end_byte, line=line)
    expression = hcl.expression_of(node)
    line = node.start_point[0] + 1
    if expression is not None and hcl.string_content(expression) is not None:  # Terraform 0.12: azurerm = "~> 2.0"
        literal = hcl.string_node(expression)
        return ConstraintSite(relpath, "value", literal.start_byte, literal.end_byte, hcl.string_content(expression), line)
    obj = hcl.object_node(expression)
    if obj is None:
        return ConstraintSite(relpath, "unreadable", node.start_byte, node.end_byte, line=line)
    found = hcl.object_element(obj, "version")
    if found is None:
        return ConstraintSite(relpath, "object", obj.start_byte, obj.end_byte, line=line)
    value = found[1]
    text = hcl.string_content(value)
    if text is None:
        return ConstraintSite(relpath, "unreadable", value.start_byte, value.end_byte, line=value.start_point[0] + 1)
    literal = hcl.string_node(value)
    return ConstraintSite(relpath, "value", literal.start_byte, literal.end_byte, text, value.start_point[0] + 1)


def new_constraint(site: ConstraintSite, floor: Version, high: Version = (0, 0, 0)) -> str | None:
    """The constraint text the site will hold after the floor; None when it cannot be written.
    `high`: the end of the versions the code admits (an added constraint; 0 = the floor's major)."""
    if site.kind == "unreadable":
        return None
    if site.kind == "value":
        return raise_floor(site.constraint or "", floor)
    return floor_constraint(floor, high)


def floor_edits(body: bytes, site: ConstraintSite, constraint: str, newline: bytes, provider: str = "azurerm",
                source: str = AZURERM_SOURCE) -> list[Edit]:
    """The edits that give the module `constraint` for `provider` at `site` (body offsets), in the
    file's layout (a new `version` realigns its siblings' `=` as terraform fmt does)."""
    from fixer.formats.terraform import editor

    if site.kind == "value":
        return [Edit(site.start, site.end, editor.quote(constraint))]
    if site.kind == "object":
        return editor.set_object_entries(body, _node_at(body, site.start, "object"), {"version": constraint}, newline)
    if site.kind == "entry":
        block = _block_at(body, site.start)
        return [editor.add_object_entry(body, block, provider, {"source": source, "version": constraint}, newline)]
    # "block": append a terraform block to the file that declares the cluster
    unit = hcl.indent_unit(body)
    inner = editor.aligned([("source", editor.quote(source)), ("version", editor.quote(constraint))], unit * 3, newline)
    text = (b"terraform {" + newline + unit + b"required_providers {" + newline + unit * 2 + provider.encode() + b" = {" + newline
            + inner + unit * 2 + b"}" + newline + unit + b"}" + newline + b"}" + newline)
    if not body:
        return [Edit(0, 0, text)]
    gap = newline if body.endswith(newline) else newline + newline
    return [Edit(len(body), len(body), gap + text)]


def _node_at(body: bytes, start: int, node_type: str):
    node = hcl.parse(body).root_node.descendant_for_byte_range(start, start)
    while node is not None and not (node.type == node_type and node.start_byte == start):
        node = node.parent
    if node is None:
        raise ValueError(f"no {node_type} at byte {start}")
    return node


def _block_at(body: bytes, start: int) -> hcl.Block:
    return hcl.Block(_node_at(body, start, "block"), "required_providers", ())
