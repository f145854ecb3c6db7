"""Turn a Fix into byte edits on a Terraform file, the way a person would write them.

Three operations, each small (hcledit style):
- set an existing attribute's value (replace the expression's bytes only);
- insert missing attributes into an existing block, joining the `=` alignment chain as
  `terraform fmt` would (and keeping trailing comments aligned);
- add a `network_profile` block to a resource.
One-line blocks are expanded to the multi-line form, since HCL allows one attribute at most in a
one-line block. Nothing outside the edited lines is touched.
"""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

from fixer.formats.put_names import PREVIEW_DATA_PLANE, renames_data_plane
from fixer.formats.terraform import azapi, hcl
from fixer.formats.terraform.azapi import AZAPI_TYPE
from fixer.formats.terraform.decls import MIGRATION_MARKER
from fixer.model import Change, Edit, Fix
from fixer.textfile import line_end, line_indent, line_start

# Where new attributes go: after the first of these that the block has (keeps related settings
# together), else after the last single-line attribute.
_ANCHOR_ORDER = ("network_data_plane", "ebpf_data_plane", "network_policy", "network_plugin_mode", "network_plugin")


class EditFailure(ValueError):
    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


def block_key(address: str) -> tuple[str, tuple[str, ...]]:
    """("resource", (type, name)) for `type.name`; ("module", (name,)) for `module.name`."""
    first, rest = address.split(".", 1)
    return ("module", (rest,)) if first == "module" else ("resource", (first, rest))


def edits_for(body: bytes, address: str, fix: Fix, newline: bytes) -> list[Edit]:
    """Edits (offsets into `body`, the file without its BOM) that apply `fix` to one cluster."""
    root = hcl.parse(body).root_node
    kind, labels = block_key(address)
    resource = hcl.top_block(root, kind, labels)
    if resource is None:
        raise EditFailure(f"{address} not found", 1)
    if kind == "module":
        # A module call: its inputs play the network_profile block's part, or its
        # `network_profile = { ... }` object does (AVM).
        argument = hcl.attribute(resource.body, "network_profile")
        obj = hcl.object_node(hcl.expression_of(argument)) if argument is not None else None
        if obj is not None:
            return _set_entries(body, _object_container(obj), fix.changes, newline)
        if fix.add_block and argument is None:  # AVM from v0.4.0: no network_profile object yet (its default is null)
            return [_add_block(body, resource, fix.changes, newline, head=b"network_profile = {")]
        return _set_attributes(body, resource, fix.changes, newline)
    if labels[0] == AZAPI_TYPE:
        return _azapi_edits(body, resource, fix, newline)
    profile = next((b for b in hcl.blocks(resource.body) if b.type == "network_profile"), None) or _dynamic_content(resource)
    if profile is None:
        if not fix.add_block:
            raise EditFailure("network_profile block not found", resource.node.start_point[0] + 1)
        return [_add_block(body, resource, fix.changes, newline)]
    changes = fix.changes
    if fix.add_block:
        # An override file or an earlier edit added the block meanwhile: only set what is missing.
        changes = tuple(c for c in changes if c.attribute not in ("network_plugin", "network_plugin_mode"))
    return _set_attributes(body, profile, changes, newline)


def dynamic_profile(resource: hcl.Block) -> tuple[hcl.Block, hcl.Block | None, str] | None:
    """(the `dynamic "network_profile"` block, its content block, its iterator's name), if any.
    resolve.py reads the content as the block -- and this editor writes it there -- only where the
    dynamic block renders exactly one block."""
    block = next((b for b in hcl.blocks(resource.body) if b.type == "dynamic" and b.labels[:1] == ("network_profile",)), None)
    if block is None:
        return None
    content = next((b for b in hcl.blocks(block.body) if b.type == "content"), None)
    iterator = hcl.attribute(block.body, "iterator")
    name = hcl.text(hcl.expression_of(iterator)).strip() if iterator is not None else "network_profile"
    return block, content, name


def _dynamic_content(resource: hcl.Block) -> hcl.Block | None:
    dynamic = dynamic_profile(resource)
    return dynamic[1] if dynamic is not None else None


def _azapi_edits(body: bytes, resource: hcl.Block, fix: Fix, newline: bytes) -> list[Edit]:
    """azapi: entries of body.properties.networkProfile (added when absent), and the API version."""
    edits: list[Edit] = []
    changes = tuple(c for c in fix.changes if c.attribute != "apiVersion")
    profile = azapi.network_profile(resource)
    if profile is not None:
        keys = [key for key, _, _ in hcl.object_elements(profile)]
        renames = {PREVIEW_DATA_PLANE: "networkDataplane"} if renames_data_plane(keys, {c.attribute for c in changes}) else None
        edits.extend(_set_entries(body, _object_container(profile), changes, newline, renames))
    else:
        properties = azapi.properties(resource)
        if properties is None or properties.start_point[0] == properties.end_point[0]:
            raise EditFailure("azapi body has no multi-line properties object to add networkProfile to", resource.node.start_point[0] + 1)
        edits.append(_add_element(body, _object_container(properties), "networkProfile", changes, newline))
    for change in fix.changes:
        if change.attribute == "apiVersion":
            edits.append(_api_version_edit(body, resource, change.value))
    return edits


def _api_version_edit(body: bytes, resource: hcl.Block, version: str) -> Edit:
    node = hcl.expression_of(hcl.attribute(resource.body, "type"))
    literal = next(c for c in hcl.descend(node, "template_literal"))
    at = body.index(b"@", literal.start_byte, literal.end_byte) + 1
    return Edit(at, literal.end_byte, version.encode())


def _add_element(body: bytes, container: _Container, key: str, changes: tuple[Change, ...], newline: bytes) -> Edit:
    """Add `key = { ... }` as the last entry of a multi-line object."""
    entries = [e for e in (_entry(c, True) for c in _children(container)) if e]
    quoted = bool(entries) and hcl.text(entries[0][0]).strip().startswith('"')
    unit = _indent_unit_at(body, container.node)
    indent = line_indent(body, container.node.start_byte) + unit
    last = max((e[2].end_byte for e in entries), default=container.open_end)
    comments = [c.end_byte for c in _children(container) if c.type == "comment" and c.start_point[0] == body.count(b"\n", 0, last)]
    at = line_end(body, max([last] + comments))
    rows = [(_printed(c.attribute, quoted), rendered(c)) for c in changes]
    text = indent + _printed(key, quoted).encode() + b" = {" + newline + aligned(rows, indent + unit, newline) + indent + b"}" + newline
    return Edit(at, at, text)


_MARKER_LINE = (b"# " + MIGRATION_MARKER + b" kubenet -> Azure CNI Overlay. Delete this line once `terraform apply` has run; "
                b"akfix then writes the engine.")


def migration_marker_edits(body: bytes, address: str, newline: bytes, remove: bool) -> list[Edit]:
    """Phase 1 of the kubenet migration marks the profile (a comment line as its first line: in the
    network_profile block, in an azapi body's networkProfile object, or in the call of a module
    whose inputs are the profile); phase 2 removes the mark.
    The mark is what keeps a second run from writing the engine before the move to overlay is
    applied (plan/migration.py)."""
    root = hcl.parse(body).root_node
    kind, labels = block_key(address)
    resource = hcl.top_block(root, kind, labels)
    line = (resource.node.start_point[0] + 1) if resource else 1
    if resource is not None and kind == "module":  # a known AKS module's call: the mark is its block's first line
        if resource.one_line:
            raise EditFailure("the kubenet migration needs a multi-line module block", line)
        node, opening = resource.node, resource.open_brace
    elif resource is not None and labels[0] == AZAPI_TYPE:
        node = azapi.network_profile(resource)
        if node is None or node.start_point[0] == node.end_point[0]:
            raise EditFailure("the kubenet migration needs a multi-line networkProfile object in the azapi body", line)
        opening = next(c for c in node.children if c.type == "object_start")
    else:
        profile = next((b for b in hcl.blocks(resource.body) if b.type == "network_profile"), None) if resource else None
        if profile is None or profile.one_line:
            raise EditFailure("the kubenet migration needs a multi-line network_profile block", line)
        node, opening = profile.node, profile.open_brace
    if remove:
        return [_without_comment(body, c) for c in hcl.descend(node, "comment") if MIGRATION_MARKER in (c.text or b"")]
    at = line_end(body, opening.end_byte)
    indent = line_indent(body, node.start_byte) + _indent_unit_at(body, node)
    return [Edit(at, at, indent + _MARKER_LINE + newline)]


def _without_comment(body: bytes, comment: Node) -> Edit:
    """Delete a comment: with its line when it stands alone there, else only the comment and the
    spaces before it (the code it trails stays)."""
    before = body[line_start(body, comment.start_byte):comment.start_byte]
    if before.strip() == b"":
        return Edit(line_start(body, comment.start_byte), line_end(body, comment.end_byte), b"")
    end = comment.end_byte - body[:comment.end_byte].endswith(b"\r")  # a CRLF line keeps its CR
    return Edit(comment.start_byte - (len(before) - len(before.rstrip())), end, b"")


def module_argument_edits(body: bytes, block_start: int, values: dict[str, str], newline: bytes) -> list[Edit]:
    """Set string arguments of the module block that starts at `block_start`, in its layout."""
    node = hcl.parse(body).root_node.descendant_for_byte_range(block_start, block_start)
    while node is not None and not (node.type == "block" and node.start_byte == block_start):
        node = node.parent
    if node is None:
        raise EditFailure("module call not found", body.count(b"\n", 0, block_start) + 1)
    block = hcl.Block(node, "module", ())
    return _set_attributes(body, block, tuple(Change(k, v) for k, v in values.items()), newline)


def object_entry_edits(body: bytes, object_start: int, values: dict[str, str], newline: bytes) -> list[Edit]:
    """Add string entries to the object literal that starts at `object_start` (an element of a
    tfvars map that leaves an optional setting out), in its own layout."""
    node = hcl.parse(body).root_node.descendant_for_byte_range(object_start, object_start)
    while node is not None and not (node.type == "object" and node.start_byte == object_start):
        node = node.parent
    if node is None:
        raise EditFailure("object not found", body.count(b"\n", 0, object_start) + 1)
    if node.start_point[0] == node.end_point[0]:
        # `qa = { plugin = "azure", nodes = 1 }` stays one line: expanded, it would leave the column
        # of `=` its neighbours align to (terraform fmt aligns only one-line values)
        return [_append_inline(body, node, values)]
    return set_object_entries(body, node, values, newline)


def _append_inline(body: bytes, obj: Node, values: dict[str, str]) -> Edit:
    """New entries at the end of a one-line object, comma-separated as HCL allows there."""
    start = next(c for c in obj.children if c.type == "object_start").end_byte
    end = next(c for c in obj.children if c.type == "object_end").start_byte
    items = b", ".join(name.encode() + b" = " + quote(value) for name, value in values.items())
    inner = body[start:end].rstrip()
    if not inner.strip():
        return Edit(start, end, b" " + items + b" ")
    at = start + len(inner)
    return Edit(at, at, (b" " if inner.endswith(b",") else b", ") + items)


def terragrunt_input_edits(body: bytes, values: dict[str, str], newline: bytes) -> list[Edit]:
    """Set string entries of a terragrunt.hcl's top-level `inputs` object, in its layout, or add
    `inputs = { ... }` at the end of a file that has none."""
    root = hcl.body_of(hcl.parse(body).root_node)
    changes = tuple(Change(k, v) for k, v in values.items())
    node = hcl.attribute(root, "inputs")
    if node is None:
        return [_add_inputs(body, changes, newline)]
    obj = hcl.object_node(hcl.expression_of(node))
    if obj is None:
        raise EditFailure("the inputs are built by an expression, not an object akfix can edit", node.start_point[0] + 1)
    return _set_entries(body, _object_container(obj), changes, newline)


def tfvars_entry_edits(body: bytes, values: dict[str, str], newline: bytes) -> list[Edit]:
    """Add `name = "value"` lines to a -var-file that does not set them: at its end, after a blank
    line, aligned among themselves (terraform fmt aligns `=` only within a group of lines, so the
    file's own groups are left as they are)."""
    root = hcl.body_of(hcl.parse(body).root_node)
    present = [name for name in values if hcl.attribute(root, name) is not None]
    if present:
        raise EditFailure(f"{', '.join(present)} is set in this file already", 1)
    changes = tuple(Change(k, v) for k, v in values.items())
    return [_appended(body, aligned([(c.attribute, rendered(c)) for c in changes], b"", newline), newline)]


def _add_inputs(body: bytes, changes: tuple[Change, ...], newline: bytes) -> Edit:
    """`inputs = { ... }` appended to a terragrunt.hcl that sets none."""
    unit = hcl.indent_unit(body)
    lines = aligned([(c.attribute, rendered(c)) for c in changes], unit, newline)
    return _appended(body, b"inputs = {" + newline + lines + b"}" + newline, newline)


def _appended(body: bytes, text: bytes, newline: bytes) -> Edit:
    """`text` (ending in a newline) at the end of the file, after a blank line, in place of its trailing whitespace."""
    end = len(body.rstrip(b"\r\n \t"))
    return Edit(end, len(body), (newline * 2 if end else b"") + text)


def set_object_entries(body: bytes, obj: Node, values: dict[str, str], newline: bytes) -> list[Edit]:
    """Set string entries of an HCL object, in its own layout (provider floors use it)."""
    return _set_entries(body, _object_container(obj), tuple(Change(k, v) for k, v in values.items()), newline)


def add_object_entry(body: bytes, block: hcl.Block, key: str, values: dict[str, str], newline: bytes) -> Edit:
    """Add `key = { ... }` with string entries to a block (a required_providers block)."""
    return _add_element(body, _block_container(body, block), key, tuple(Change(k, v) for k, v in values.items()), newline)


# --- layout helpers -------------------------------------------------------------------------


def _indent_of(body: bytes, offset: int) -> bytes:
    start = line_start(body, offset)
    prefix = body[start:offset]
    return prefix if prefix.strip() == b"" else b""


def _indent_unit_at(body: bytes, node: Node) -> bytes:
    """The indentation step inside a block or object: read from its first entry on a line of its
    own, else the file's style (tab or two spaces)."""
    outer = line_indent(body, node.start_byte)
    for child in node.children:
        for entry in child.children if child.type == "body" else [child]:
            if entry.start_point[0] > node.start_point[0]:
                inner = body[line_start(body, entry.start_byte):entry.start_byte]
                if inner.strip() == b"" and inner.startswith(outer) and len(inner) > len(outer):
                    return inner[len(outer):]
    return b"\t" if outer.startswith(b"\t") else b"  "


def rendered(change) -> bytes:
    """A change's value as HCL: a quoted string, or the module input it reads (Change.exposes)."""
    return f"var.{change.attribute}".encode() if change.exposes else quote(change.value)


def quote(value: str) -> bytes:
    return ('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"').encode()


def aligned(rows: list[tuple[str, bytes]], indent: bytes, newline: bytes) -> bytes:
    """`key = value` lines aligned as terraform fmt aligns a chain."""
    width = max((len(key) for key, _ in rows), default=0)
    return b"".join(indent + key.encode() + b" " * (width - len(key) + 1) + b"= " + value + newline for key, value in rows)


# --- operation: add a network_profile block ---------------------------------------------------


def _add_block(body: bytes, resource: hcl.Block, changes: tuple[Change, ...], newline: bytes,
               head: bytes = b"network_profile {") -> Edit:
    """`network_profile { ... }` after the default node pool, else last in the block; `head`
    `network_profile = {` adds a module's object argument the same way."""
    if resource.one_line:
        raise EditFailure("one-line resource block: expand it first", resource.node.start_point[0] + 1)
    outer = _indent_of(body, resource.node.start_byte)
    indent = outer + _indent_unit_at(body, resource.node)
    inner = indent + _indent_unit_at(body, resource.node)
    block = (
        indent + head + newline
        + aligned([(c.attribute, rendered(c)) for c in changes], inner, newline)
        + indent + b"}" + newline
    )
    node_pool = next((b for b in hcl.blocks(resource.body) if b.type == "default_node_pool"), None)
    if node_pool is not None:
        at = line_end(body, node_pool.node.end_byte)
        return Edit(at, at, newline + block)
    close = resource.close_brace
    assert close is not None
    at = line_start(body, close.start_byte)
    if body[at:close.start_byte].strip():
        # `... }` closes on a line with content: break the line before the brace.
        return Edit(close.start_byte, close.start_byte, newline + newline + block + outer)
    previous = body[line_start(body, at - 1):at] if at else b""
    gap = b"" if previous.strip() in (b"", b"{") else newline
    return Edit(at, at, gap + block)


# --- operation: set attributes in an existing block ------------------------------------------


@dataclass
class _Row:
    """One line of a block body that holds a single-line (or heredoc) attribute."""

    row: int  # first line
    last: int  # last line (differs for heredocs)
    key: str
    key_end: int = 0
    eq: int = 0
    expr_start: int = 0
    expr_end: int = 0
    value: bytes = b""  # expression bytes after the edit
    comment: int | None = None  # offset of a trailing comment
    new: bool = False


@dataclass(frozen=True)
class _Container:
    """A block body or an object constructor: something holding `key = value` entries."""

    node: Node  # the block or object node (its line gives the indentation)
    parent: Node | None  # the node whose children are the entries
    open_end: int  # offset just past the opening brace
    one_line: bool
    head: bytes  # what precedes "{" when a one-line container is expanded
    is_object: bool


def _block_container(body: bytes, block: hcl.Block) -> _Container:
    return _Container(block.node, block.body, block.open_brace.end_byte, block.one_line,
                      body[block.node.start_byte:block.open_brace.start_byte], False)


def _object_container(obj: Node) -> _Container:
    start = next(c for c in obj.children if c.type == "object_start")
    return _Container(obj, obj, start.end_byte, obj.start_point[0] == obj.end_point[0], b"", True)


def _entry(child: Node, is_object: bool) -> tuple[Node, Node, Node] | None:
    """(key, `=` or `:`, value expression) of an attribute or an object element."""
    if not is_object and child.type == "attribute":
        key, expression = child.child(0), hcl.expression_of(child)
    elif is_object and child.type == "object_elem":
        parts = [c for c in child.children if c.type == "expression"]
        if len(parts) != 2:
            return None
        key, expression = parts
    else:
        return None
    eq = next((c for c in child.children if c.type in ("=", ":")), None)
    if key is None or expression is None or eq is None:
        return None
    return key, eq, expression


def _name(key: Node) -> str:
    return hcl.text(key).strip().strip('"')


def _set_attributes(body: bytes, block: hcl.Block, changes: tuple[Change, ...], newline: bytes) -> list[Edit]:
    return _set_entries(body, _block_container(body, block), changes, newline)


def _set_entries(body: bytes, container: _Container, changes: tuple[Change, ...], newline: bytes,
                 renames: dict[str, str] | None = None) -> list[Edit]:
    """Entries set in place or added; `renames` (old key -> new key): a change of the new key
    is written at the old key's entry, whose key is renamed (azapi's ebpfDataplane)."""
    entries = [e for e in (_entry(c, container.is_object) for c in _children(container)) if e]
    existing = {_name(key): expression for key, _, expression in entries}
    renamed = {new: old for old, new in (renames or {}).items() if old in existing and new not in existing}
    updates: dict[str, bytes] = {}
    additions: list[Change] = []
    for change in changes:
        key = renamed.get(change.attribute, change.attribute)
        expression = existing.get(key)
        if expression is None:
            additions.append(change)
        elif hcl.string_content(expression) != change.value:
            updates[key] = rendered(change)
    keys = {old: new for new, old in renamed.items() if new in {c.attribute for c in changes}}
    if not updates and not additions and not keys:
        return []
    quoted = bool(entries) and hcl.text(entries[0][0]).strip().startswith('"')
    if container.one_line:
        if keys:
            raise EditFailure(f"{', '.join(keys)} is renamed in a one-line object: write it on lines of its own first",
                              container.node.start_point[0] + 1)
        return [_expand_one_line(body, container, entries, updates, additions, quoted, newline)]
    return _edit_multiline(body, container, updates, additions, quoted, newline, keys)


def _children(container: _Container) -> list[Node]:
    return list(container.parent.children) if container.parent is not None else []


def _printed(name: str, quoted: bool) -> str:
    return f'"{name}"' if quoted else name


def _expand_one_line(body: bytes, container: _Container, entries, updates: dict[str, bytes], additions: list[Change], quoted: bool, newline: bytes) -> Edit:
    if any(c.type == "comment" for c in _children(container)):
        raise EditFailure("comment inside a one-line block or object", container.node.start_point[0] + 1)
    indent = line_indent(body, container.node.start_byte)
    inner = indent + _indent_unit_at(body, container.node)
    rows = [(hcl.text(key).strip(), updates.get(_name(key), expression.text or b"")) for key, _, expression in entries]
    at = _anchor_index([r[0].strip('"') for r in rows]) + 1
    rows[at:at] = [(_printed(c.attribute, quoted), rendered(c)) for c in additions]
    text = container.head + b"{" + newline + aligned(rows, inner, newline) + indent + b"}"
    return Edit(container.node.start_byte, container.node.end_byte, text)


def _anchor_index(keys: list[str]) -> int:
    for name in _ANCHOR_ORDER:
        if name in keys:
            return keys.index(name)
    return len(keys) - 1


def _rows(container: _Container, updates: dict[str, bytes]) -> list[_Row]:
    """The alignment rows of a container. Other lines (blocks, comment lines, multi-line values
    that open a bracket, blank lines) break chains simply by not being rows."""
    rows: list[_Row] = []
    for child in _children(container):
        first, last = child.start_point[0], child.end_point[0]
        entry = _entry(child, container.is_object)
        if entry is not None:
            key_node, eq, expression = entry
            heredoc = (expression.text or b"").startswith(b"<<")
            if first != last and not heredoc:
                continue
            rows.append(
                _Row(
                    row=first,
                    last=last,
                    key=hcl.text(key_node),
                    key_end=key_node.end_byte,
                    eq=eq.start_byte,
                    expr_start=expression.start_byte,
                    expr_end=expression.end_byte,
                    value=updates.get(_name(key_node), expression.text or b""),
                )
            )
        elif child.type == "comment" and rows and rows[-1].last == first and rows[-1].row == rows[-1].last:
            rows[-1].comment = rows[-1].comment if rows[-1].comment is not None else child.start_byte
    return rows


def _runs(rows: list[_Row]) -> list[list[_Row]]:
    """Rows on consecutive lines: what terraform fmt aligns together. Inserted rows sit right
    after their anchor, so they join its run."""
    runs: list[list[_Row]] = []
    for row in rows:
        if runs and (row.new or row.row == runs[-1][-1].last + 1):
            runs[-1].append(row)
        else:
            runs.append([row])
    return runs


def _widths(rows: list[_Row]) -> dict[int, int]:
    return {id(row): max(len(r.key) for r in run) for run in _runs(rows) for row in run}


def _edit_multiline(body: bytes, container: _Container, updates: dict[str, bytes], additions: list[Change], quoted: bool, newline: bytes,
                    renames: dict[str, str] | None = None) -> list[Edit]:
    rows = _rows(container, updates)
    before = _widths(rows)
    # Realign only a file that terraform fmt would leave as it is; an unaligned file stays so.
    aligned = all(row.eq - row.key_end == before[id(row)] - len(row.key) + 1 for row in rows)
    edits: list[Edit] = []
    updates = dict(updates)
    for row in rows:
        new_key = (renames or {}).get(row.key.strip('"'))
        if new_key is not None:  # the key renamed in place; alignment below counts its new length
            if row.key.strip('"') in updates:
                updates[new_key] = updates.pop(row.key.strip('"'))
            edits.append(Edit(row.key_end - len(row.key), row.key_end, _printed(new_key, row.key.startswith('"')).encode()))
            row.key = _printed(new_key, row.key.startswith('"'))
    if len(edits) != len(renames or {}):
        raise EditFailure("a renamed entry spans several lines: rename it by hand", container.node.start_point[0] + 1)

    new_rows: list[_Row] = []
    at, indent = 0, b""
    if additions:
        anchor = _past_comment_run(body, rows, _pick_anchor(rows))
        outer = line_indent(body, container.node.start_byte)
        if anchor is not None:
            at = line_end(body, anchor.comment if anchor.comment is not None else anchor.expr_end)
            indent = _indent_of(body, _key_start(body, anchor)) or outer + _indent_unit_at(body, container.node)
            row = anchor.last
        else:
            at = line_end(body, container.open_end)
            indent = outer + _indent_unit_at(body, container.node)
            row = container.node.start_point[0]
        new_rows = [
            _Row(row=row, last=row, key=_printed(c.attribute, quoted), value=rendered(c), new=True) for c in additions
        ]
    ordered = sorted(rows + new_rows, key=lambda r: (r.row, r.new))
    widths = _widths(ordered) if aligned else {id(r): len(r.key) for r in ordered}

    for row in rows:
        want = widths[id(row)] - len(row.key) + 1
        if aligned and row.eq - row.key_end != want:
            edits.append(Edit(row.key_end, row.eq, b" " * want))
        if row.key.strip('"') in updates:
            edits.append(Edit(row.expr_start, row.expr_end, updates[row.key.strip('"')]))
    if aligned:
        edits.extend(_realign_comments(body, rows, widths))
    if new_rows:
        text = b"".join(
            indent + r.key.encode() + b" " * (widths[id(r)] - len(r.key) + 1) + b"= " + r.value + newline for r in new_rows
        )
        edits.append(Edit(at, at, text))
    return edits


def _pick_anchor(rows: list[_Row]) -> _Row | None:
    by_key = {r.key.strip('"'): r for r in rows}
    for name in _ANCHOR_ORDER:
        if name in by_key:
            return by_key[name]
    return rows[-1] if rows else None


def _past_comment_run(body: bytes, rows: list[_Row], anchor: _Row | None) -> _Row | None:
    """The anchor moved to the last of the consecutive lines with trailing comments it starts or
    sits in: terraform fmt aligns such comments as one group, and new lines (without comments)
    inside it would split the group into two that fmt aligns apart (eleventh draw)."""
    def commented(row: _Row) -> bool:  # the block's last comment is no child of its body: read the line
        return row.comment is not None or body[row.expr_end:line_end(body, row.expr_end)].strip()[:1] in (b"#", b"/")

    by_row = {row.row: row for row in rows if row.row == row.last}
    while anchor is not None and commented(anchor):
        following = by_row.get(anchor.last + 1)
        if following is None or not commented(following):
            break
        anchor = following
    return anchor


def _key_start(body: bytes, row: _Row) -> int:
    start = line_start(body, row.key_end)
    line = body[start:row.key_end]
    return start + (len(line) - len(line.lstrip()))


def _realign_comments(body: bytes, rows: list[_Row], widths: dict[int, int]) -> list[Edit]:
    """Keep trailing comments of consecutive lines in one column, as terraform fmt does."""
    edits: list[Edit] = []
    commented = [r for r in rows if r.comment is not None]
    runs: list[list[_Row]] = []
    for row in commented:
        if runs and row.row == runs[-1][-1].row + 1:
            runs[-1].append(row)
        else:
            runs.append([row])
    for run in runs:
        before = [_columns(body, r, r.eq - r.key_end, body[r.expr_start:r.expr_end]) for r in run]
        if any(_column_of(body, r.comment) != max(before) + 1 for r in run):
            continue  # the original run was not aligned: leave it as it was
        after = [_columns(body, r, widths[id(r)] - len(r.key) + 1, r.value) for r in run]
        column = max(after) + 1
        for row, width in zip(run, after):
            want = b" " * (column - width)
            if body[row.expr_end:row.comment] != want:
                edits.append(Edit(row.expr_end, row.comment, want))
    return edits


def _column_of(body: bytes, offset: int) -> int:
    return len(body[line_start(body, offset):offset].decode("utf-8", "replace"))


def _columns(body: bytes, row: _Row, pad: int, value: bytes) -> int:
    """Width of a row's text before its comment, with the given padding and value."""
    prefix = body[line_start(body, row.key_end):row.key_end] + b" " * pad + body[row.eq:row.expr_start] + value
    return len(prefix.decode("utf-8", "replace"))
