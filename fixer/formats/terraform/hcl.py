"""Thin helpers over the tree-sitter HCL syntax tree: blocks, attributes, literal strings.

tree-sitter gives exact byte spans and recovers from errors, which is what locating and editing
need; the independent read-back after an edit uses python-hcl2 instead (readback.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from tree_sitter import Language, Node, Parser, Tree


@lru_cache(maxsize=1)
def _parser() -> Parser:
    import tree_sitter_hcl

    return Parser(Language(tree_sitter_hcl.language()))


def parse(body: bytes) -> Tree:
    return _parser().parse(body)


def error_count(node: Node) -> int:
    """Number of ERROR and MISSING nodes: the measure of "no new parse errors"."""
    if not node.has_error:
        return 0
    count = 1 if (node.type == "ERROR" or node.is_missing) else 0
    return count + sum(error_count(child) for child in node.children)


def first_error_line(node: Node) -> int | None:
    if not node.has_error:
        return None
    if node.type == "ERROR" or node.is_missing:
        return node.start_point[0] + 1
    for child in node.children:
        line = first_error_line(child)
        if line is not None:
            return line
    return node.start_point[0] + 1


def text(node: Node) -> str:
    return node.text.decode("utf-8", "replace") if node.text is not None else ""


def body_of(node: Node) -> Node | None:
    """The `body` node of a config file or a block (None for an empty block)."""
    if node.type == "config_file":
        return next((c for c in node.children if c.type == "body"), None)
    return next((c for c in node.children if c.type == "body"), None)


@dataclass(frozen=True)
class Block:
    node: Node
    type: str  # resource, network_profile, dynamic ...
    labels: tuple[str, ...]

    @property
    def body(self) -> Node | None:
        return body_of(self.node)

    @property
    def open_brace(self) -> Node:
        return next(c for c in self.node.children if c.type == "block_start")

    @property
    def close_brace(self) -> Node | None:
        return next((c for c in self.node.children if c.type == "block_end"), None)

    @property
    def one_line(self) -> bool:
        return self.node.start_point[0] == self.node.end_point[0]


def blocks(body: Node | None) -> Iterator[Block]:
    if body is None:
        return
    for child in body.children:
        if child.type == "block":
            yield _block(child)


def top_block(root: Node, kind: str, labels: tuple[str, ...]) -> Block | None:
    """The block of a file (its config_file node) with this type and labels, at the top level."""
    return next((b for b in blocks(body_of(root)) if b.type == kind and b.labels == labels), None)


def indent_unit(body: bytes) -> bytes:
    """The file's indentation step where nothing nearer says it: a tab if a line starts with one."""
    return b"\t" if b"\n\t" in body else b"  "


def _block(node: Node) -> Block:
    labels = []
    block_type = ""
    for child in node.children:
        if child.type == "identifier" and not block_type:
            block_type = text(child)
        elif child.type == "string_lit":
            labels.append(string_content(child) or "")
        elif child.type == "identifier":
            labels.append(text(child))
        elif child.type == "block_start":
            break
    return Block(node, block_type, tuple(labels))


def attributes(body: Node | None) -> Iterator[tuple[str, Node]]:
    """(name, attribute node) for the direct attributes of a body."""
    if body is None:
        return
    for child in body.children:
        if child.type == "attribute":
            name = child.child(0)
            if name is not None:
                yield text(name), child


def attribute(body: Node | None, name: str) -> Node | None:
    return next((node for key, node in attributes(body) if key == name), None)


def expression_of(attribute_node: Node) -> Node | None:
    return next((c for c in attribute_node.children if c.type == "expression"), None)


def string_content(node: Node) -> str | None:
    """The content of a plain quoted string with no interpolation, else None."""
    if node.type == "string_lit":
        parts = [c for c in node.children if c.type not in ("quoted_template_start", "quoted_template_end")]
        if not parts:
            return ""
        if all(p.type == "template_literal" for p in parts):
            return "".join(text(p) for p in parts)
        return None
    if node.type in ("expression", "literal_value", "template_expr") and node.named_child_count == 1:
        return string_content(node.named_children[0])
    return None


def string_node(expression: Node) -> Node:
    """The string_lit node inside an expression (its bytes include the quotes)."""
    node = expression
    while node.type != "string_lit" and node.children:
        node = node.children[0]
    return node


def is_null(expression: Node) -> bool:
    return text(expression).strip() == "null"


def object_node(expression: Node | None) -> Node | None:
    """The object constructor an expression is, or wraps: `{...}` or `jsonencode({...})`."""
    node = expression
    while node is not None:
        if node.type == "object":
            return node
        if node.type == "function_call" and text(node.child(0)) == "jsonencode":
            arguments = next((c for c in node.children if c.type == "function_arguments"), None)
            node = next((c for c in arguments.children if c.type == "expression"), None) if arguments else None
            continue
        if node.type in ("expression", "collection_value") and node.named_child_count == 1:
            node = node.named_children[0]
            continue
        return None
    return None


def object_key(element: Node) -> str:
    key = next((c for c in element.children if c.type == "expression"), None)
    return text(key).strip().strip('"') if key is not None else ""


def object_elements(obj: Node | None) -> Iterator[tuple[str, Node, Node]]:
    """(key, element node, value expression) of an object constructor."""
    if obj is None:
        return
    for element in obj.children:
        if element.type == "object_elem":
            parts = [c for c in element.children if c.type == "expression"]
            if len(parts) == 2:
                yield object_key(element), element, parts[1]


def object_element(obj: Node | None, key: str) -> tuple[Node, Node] | None:
    return next(((e, v) for k, e, v in object_elements(obj) if k == key), None)


def descend(node: Node | None, node_type: str) -> Iterator[Node]:
    """Every node of a type below `node`, in source order."""
    if node is None:
        return
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == node_type:
            yield current
        stack.extend(reversed(current.children))
