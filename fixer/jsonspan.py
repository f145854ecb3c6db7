"""A JSON reader that keeps byte spans, for editing JSON files without re-serialising them.

`json.loads` gives values but not where they are; a fix must replace exactly one value's bytes or
insert one member, keeping the rest of the file (indentation, key order, spacing) as it was. ARM
templates may carry // and /* */ comments, so those are skipped like whitespace.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field


class JsonSpanError(ValueError):
    def __init__(self, message: str, offset: int, data: bytes):
        super().__init__(message)
        self.line = data.count(b"\n", 0, offset) + 1


@dataclass
class JNode:
    kind: str  # object | array | string | number | true | false | null
    start: int
    end: int
    value: object = None  # the Python value of a scalar
    members: list[tuple[str, "JNode", "JNode"]] = field(default_factory=list)  # object: (key, key node, value)
    items: list["JNode"] = field(default_factory=list)  # array

    def get(self, key: str) -> JNode | None:
        return next((value for name, _, value in self.members if name == key), None)

    def get_ci(self, key: str) -> JNode | None:
        """Member lookup ignoring case: ARM property names are case-insensitive."""
        lowered = key.lower()
        return next((value for name, _, value in self.members if name.lower() == lowered), None)

    def key_ci(self, key: str) -> str | None:
        lowered = key.lower()
        return next((name for name, _, _ in self.members if name.lower() == lowered), None)


def parse(data: bytes) -> JNode:
    parser = _Parser(data)
    parser.skip()
    node = parser.value()
    parser.skip()
    if parser.pos != len(data):
        raise JsonSpanError("unexpected text after the JSON value", parser.pos, data)
    return node


class _Parser:
    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def fail(self, message: str):
        raise JsonSpanError(message, self.pos, self.data)

    def skip(self) -> None:
        data = self.data
        while self.pos < len(data):
            char = data[self.pos:self.pos + 1]
            if char in b" \t\r\n":
                self.pos += 1
            elif data.startswith(b"//", self.pos):
                end = data.find(b"\n", self.pos)
                self.pos = len(data) if end < 0 else end + 1
            elif data.startswith(b"/*", self.pos):
                end = data.find(b"*/", self.pos + 2)
                if end < 0:
                    self.fail("unterminated comment")
                self.pos = end + 2
            else:
                return

    def value(self) -> JNode:
        if self.pos >= len(self.data):
            self.fail("unexpected end of JSON")
        char = self.data[self.pos:self.pos + 1]
        if char == b"{":
            return self.object()
        if char == b"[":
            return self.array()
        if char == b'"':
            return self.string()
        for word, value in ((b"true", True), (b"false", False), (b"null", None)):
            if self.data.startswith(word, self.pos):
                start = self.pos
                self.pos += len(word)
                return JNode(word.decode(), start, self.pos, value)
        return self.number()

    def string(self) -> JNode:
        start = self.pos
        self.pos += 1
        data = self.data
        while True:
            end = data.find(b'"', self.pos)
            if end < 0:
                self.fail("unterminated string")
            backslashes = 0
            while data[end - 1 - backslashes:end - backslashes] == b"\\":
                backslashes += 1
            self.pos = end + 1
            if backslashes % 2 == 0:
                break
        try:
            value = json.loads(data[start:self.pos].decode("utf-8"))
        except ValueError:
            self.pos = start
            self.fail("invalid string")
        return JNode("string", start, self.pos, value)

    def number(self) -> JNode:
        start = self.pos
        while self.pos < len(self.data) and self.data[self.pos:self.pos + 1] in b"+-0123456789.eE":
            self.pos += 1
        if start == self.pos:
            self.fail("unexpected character")
        try:
            value = json.loads(self.data[start:self.pos])
        except ValueError:
            self.pos = start
            self.fail("invalid number")
        return JNode("number", start, self.pos, value)

    def object(self) -> JNode:
        node = JNode("object", self.pos, self.pos)
        self.pos += 1
        self.skip()
        if self.data[self.pos:self.pos + 1] == b"}":
            self.pos += 1
            node.end = self.pos
            return node
        while True:
            self.skip()
            if self.data[self.pos:self.pos + 1] != b'"':
                self.fail("expected a member name")
            key = self.string()
            self.skip()
            if self.data[self.pos:self.pos + 1] != b":":
                self.fail("expected ':'")
            self.pos += 1
            self.skip()
            node.members.append((key.value, key, self.value()))
            self.skip()
            char = self.data[self.pos:self.pos + 1]
            if char == b",":
                self.pos += 1
                self.skip()
                if self.data[self.pos:self.pos + 1] == b"}":  # trailing comma (JSONC)
                    self.pos += 1
                    break
                continue
            if char == b"}":
                self.pos += 1
                break
            self.fail("expected ',' or '}'")
        node.end = self.pos
        return node

    def array(self) -> JNode:
        node = JNode("array", self.pos, self.pos)
        self.pos += 1
        self.skip()
        if self.data[self.pos:self.pos + 1] == b"]":
            self.pos += 1
            node.end = self.pos
            return node
        while True:
            self.skip()
            node.items.append(self.value())
            self.skip()
            char = self.data[self.pos:self.pos + 1]
            if char == b",":
                self.pos += 1
                self.skip()
                if self.data[self.pos:self.pos + 1] == b"]":
                    self.pos += 1
                    break
                continue
            if char == b"]":
                self.pos += 1
                break
            self.fail("expected ',' or ']'")
        node.end = self.pos
        return node


# --- edits -------------------------------------------------------------------------------------


def _line_start(data: bytes, offset: int) -> int:
    return data.rfind(b"\n", 0, offset) + 1


def _indent(data: bytes, offset: int) -> bytes:
    start = _line_start(data, offset)
    line = data[start:offset]
    return line[: len(line) - len(line.lstrip(b" \t"))]


def insert_members(data: bytes, obj: JNode, members: list[tuple[str, object]], newline: bytes) -> tuple[int, int, bytes]:
    """(start, end, text) that adds members at the end of an object, in the object's own layout:
    one per line at the siblings' indentation, or inline for an object written on one line."""
    if not obj.members:
        rendered = [json.dumps(key) + ": " + json.dumps(value) for key, value in members]
        inner = _indent(data, obj.start) + b"  "
        text = b"{" + newline + (b"," + newline).join(inner + r.encode() for r in rendered) + newline + _indent(data, obj.start) + b"}"
        return obj.start, obj.end, text
    last = obj.members[-1][2]
    first_key = obj.members[0][1]
    multiline = data.count(b"\n", obj.start, first_key.start) > 0
    if multiline:
        indent = _indent(data, first_key.start)
        unit = indent[len(_indent(data, obj.start)):] or b"  "
        text = b"".join(b"," + newline + indent + _render(key, value, indent, unit, newline) for key, value in members)
    else:
        text = b"".join(b", " + (json.dumps(key) + ": " + json.dumps(value)).encode() for key, value in members)
    return last.end, last.end, text


def _render(key: str, value: object, indent: bytes, unit: bytes, newline: bytes) -> bytes:
    """`"key": value`, a nested object laid out one member per line like its new siblings."""
    width = len(unit) if b"\t" not in unit else None
    body = json.dumps(value, indent=width if width else "\t")
    lines = body.split("\n")
    shifted = [lines[0]] + [indent.decode() + line for line in lines[1:]]
    return (json.dumps(key) + ": " + "\n".join(shifted)).encode().replace(b"\n", newline)
