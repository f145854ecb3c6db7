"""A JSON reader that keeps byte spans, for editing JSON files without re-serialising them.

`json.loads` gives values but not where they are; a fix must replace exactly one value's bytes or
insert one member, keeping the rest of the file (indentation, key order, spacing) as it was. ARM
templates may carry // and /* */ comments, so those are skipped like whitespace.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

from fixer.textfile import line_end, line_indent, line_start

_SKIP = re.compile(rb"(?:[ \t\r\n]+|//[^\n]*|/\*.*?\*/)*", re.S)
# ARM takes strings broken over lines (template syntax: multi-line strings), so a raw newline is part of a string.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_NUMBER = re.compile(rb"[-+0-9.eE]*")
# Deeper nesting is refused rather than read: the reader recurses once per level, and Python's
# stack would overflow (a RecursionError traceback instead of a Problem; found by fuzzing).
# Real templates nest a few dozen levels.
MAX_DEPTH = 200


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
    _members: list | None = field(default=None, repr=False)  # object: (key, key node, value)
    _items: list | None = field(default=None, repr=False)  # array
    _data: bytes | None = field(default=None, repr=False, compare=False)  # set while not yet read
    _depth: int = field(default=0, repr=False, compare=False)  # containers around this one

    # Objects and arrays are read on first access: locating a cluster in a multi-megabyte compiled
    # template touches a few paths, and skipping the rest by bracket matching is many times faster.
    @property
    def members(self) -> list:
        if self._members is None:
            self._materialize()
        return self._members if self._members is not None else []

    @property
    def items(self) -> list:
        if self._items is None:
            self._materialize()
        return self._items if self._items is not None else []

    def _materialize(self) -> None:
        if self._data is None:
            self._members, self._items = self._members or [], self._items or []
            return
        parser = _Parser(self._data, lazy=True)
        parser.pos, parser.depth = self.start, self._depth
        node = parser.object() if self.kind == "object" else parser.array()
        self._members, self._items, self._data = node._members, node._items, None

    def get(self, key: str) -> JNode | None:
        return next((value for name, _, value in self.members if name == key), None)

    def get_ci(self, key: str) -> JNode | None:
        """Member lookup ignoring case: ARM property names are case-insensitive."""
        lowered = key.lower()
        return next((value for name, _, value in self.members if name.lower() == lowered), None)

    def key_ci(self, key: str) -> str | None:
        lowered = key.lower()
        return next((name for name, _, _ in self.members if name.lower() == lowered), None)


@lru_cache(maxsize=8)
def parse(data: bytes, lazy: bool = True) -> JNode:
    """The span tree of a JSON text. Cached: locating and editing read the same bytes, and the
    trees are never modified. `lazy=False` reads (and so validates) every byte."""
    parser = _Parser(data, lazy)
    parser.skip()
    node = parser.value()
    parser.skip()
    if parser.pos != len(data):
        raise JsonSpanError("unexpected text after the JSON value", parser.pos, data)
    return node


_COMMENT = re.compile(rb"//[^\r\n]*|/\*.*?\*/", re.S)  # a line comment ends before its CR
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|//[^\n]*|/\*.*?\*/|[\[\]{}]', re.S)


@lru_cache(maxsize=8)
def _container_ends(data: bytes) -> dict[int, int]:
    """Start offset -> end offset of every object and array, in one pass over the document.
    Skipping each container by its own scan made reading nested templates cost size x depth."""
    ends: dict[int, int] = {}
    stack: list[int] = []
    for match in _TOKEN.finditer(data):
        first = data[match.start()]
        if first in (0x7B, 0x5B):  # { [
            stack.append(match.start())
        elif first in (0x7D, 0x5D) and stack:  # } ]
            ends[stack.pop()] = match.end()
    return ends


class _Parser:
    def __init__(self, data: bytes, lazy: bool = False):
        self.data = data
        self.pos = 0
        self.lazy = lazy
        self.depth = 0

    def skip_container(self) -> JNode:
        """A not-yet-read object or array: its end from the document's bracket map."""
        start = self.pos
        end = _container_ends(self.data).get(start)
        if end is None:
            self.fail("unterminated object or array")
        self.pos = end
        kind = "object" if self.data[start] == 0x7B else "array"
        return JNode(kind, start, end, _data=self.data, _depth=self.depth)

    def fail(self, message: str):
        raise JsonSpanError(message, self.pos, self.data)

    def skip(self) -> None:
        self.pos = _SKIP.match(self.data, self.pos).end()
        if self.data.startswith(b"/*", self.pos):
            self.fail("unterminated comment")

    def value(self) -> JNode:
        if self.pos >= len(self.data):
            self.fail("unexpected end of JSON")
        char = self.data[self.pos:self.pos + 1]
        if char in (b"{", b"[") and self.lazy and self.depth > 0:
            return self.skip_container()
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
        match = _STRING.match(self.data, start)
        if match is None:
            self.fail("unterminated or invalid string")
        self.pos = match.end()
        raw = self.data[start + 1:self.pos - 1]
        try:
            # Most strings have no escapes: decoding them directly is much cheaper than json.loads.
            value = raw.decode("utf-8") if b"\\" not in raw else json.loads(self.data[start:self.pos].decode("utf-8"), strict=False)
        except ValueError:
            self.pos = start
            self.fail("invalid string")
        return JNode("string", start, self.pos, value)

    def number(self) -> JNode:
        start = self.pos
        self.pos = _NUMBER.match(self.data, start).end()
        if start == self.pos:
            self.fail("unexpected character")
        try:
            value = json.loads(self.data[start:self.pos])
        except ValueError:
            self.pos = start
            self.fail("invalid number")
        return JNode("number", start, self.pos, value)

    def object(self) -> JNode:
        node = JNode("object", self.pos, self.pos, _members=[])
        more = self._open(b"}")
        names = set()
        while more:
            if self.data[self.pos:self.pos + 1] != b'"':
                self.fail("expected a member name")
            key = self.string()
            if key.value in names:
                # json.loads keeps the last value, lookups here the first, and ARM or Terraform may
                # do either or refuse: akfix cannot tell which one applies (found by fuzzing).
                self.pos = key.start
                self.fail(f"duplicate key {key.value!r}")
            names.add(key.value)
            self.skip()
            if self.data[self.pos:self.pos + 1] != b":":
                self.fail("expected ':'")
            self.pos += 1
            self.skip()
            node._members.append((key.value, key, self.value()))
            more = self._next(b"}")
        return self._close(node)

    def array(self) -> JNode:
        node = JNode("array", self.pos, self.pos, _items=[])
        more = self._open(b"]")
        while more:
            node._items.append(self.value())
            more = self._next(b"]")
        return self._close(node)

    def _open(self, closing: bytes) -> bool:
        """Past an opening bracket: True when an item follows, False for an empty container."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(f"nested more than {MAX_DEPTH} levels deep")
        self.pos += 1
        self.skip()
        if self.data[self.pos:self.pos + 1] == closing:
            self.pos += 1
            return False
        return True

    def _next(self, closing: bytes) -> bool:
        """After an item: True when another follows, False past the closing bracket. A trailing
        comma before the bracket is accepted (JSONC)."""
        self.skip()
        char = self.data[self.pos:self.pos + 1]
        if char == b",":
            self.pos += 1
            self.skip()
            if self.data[self.pos:self.pos + 1] != closing:
                return True
            char = closing
        if char == closing:
            self.pos += 1
            return False
        self.fail(f"expected ',' or '{closing.decode()}'")

    def _close(self, node: JNode) -> JNode:
        node.end = self.pos
        self.depth -= 1
        return node


# --- edits -------------------------------------------------------------------------------------


def insert_members(data: bytes, obj: JNode, members: list[tuple[str, object]], newline: bytes,
                   after: str | None = None) -> tuple[int, int, bytes]:
    """(start, end, text) that adds members at the end of an object, in the object's own layout:
    one per line at the siblings' indentation, or inline for an object written on one line.
    `after`: the members go right after that member instead (when the object has it)."""
    if obj.kind != "object":
        raise ValueError(f"members can only be added to an object, not to an {obj.kind}")
    if not obj.members:
        rendered = [json.dumps(key) + ": " + json.dumps(value) for key, value in members]
        inner = line_indent(data, obj.start) + b"  "
        lines = (b"," + newline).join(inner + r.encode() for r in rendered) + newline + line_indent(data, obj.start) + b"}"
        comments = [m.end() for m in _COMMENT.finditer(data, obj.start + 1, obj.end - 1)]
        if not comments:
            return obj.start, obj.end, b"{" + newline + lines
        # Comments inside the empty object stay as they are, the members go after them (the whole
        # object used to be replaced, dropping them: found by fuzzing).
        return comments[-1], obj.end, newline + lines
    keys = [name for name, _, _ in obj.members]
    at = keys.index(after) if after in keys else len(keys) - 1
    last = obj.members[at][2]
    first_key = obj.members[0][1]
    multiline = data.count(b"\n", obj.start, first_key.start) > 0
    if multiline:
        indent = line_indent(data, first_key.start)
        unit = indent[len(line_indent(data, obj.start)):] or b"  "
        following = obj.members[at + 1][1] if at + 1 < len(keys) else None
        tail = data[last.end:line_end(data, last.end)].strip()
        if following is not None and _starts_line(data, following.start) and tail.startswith(b",") and \
                (tail[1:].strip() == b"" or tail[1:].strip().startswith(b"//")):
            # `after` ends its line (its comma, maybe a // comment) and the next member starts one of
            # its own: new lines right below it, so that what trails it or sits above the next member
            # stays where it is.
            start = line_end(data, last.end)
            text = b"".join(indent + _render(key, value, indent, unit, newline) + b"," + newline for key, value in members)
            return start, start, text
        text = b"".join(b"," + newline + indent + _render(key, value, indent, unit, newline) for key, value in members)
        if _line_comment_only(tail):
            # `"networkPluginMode": "overlay" // pods get overlay IPs`: the comment stays with its
            # member (the comma goes before it), the new members go on the lines below
            end = line_end(data, last.end)
            comment = data[last.end:end].rstrip(b"\r\n")
            return last.end, end, b"," + comment + text[1:] + data[last.end + len(comment):end]
    else:
        text = b"".join(b", " + (json.dumps(key) + ": " + json.dumps(value)).encode() for key, value in members)
    return last.end, last.end, text


def _line_comment_only(tail: bytes) -> bool:
    """What follows a value on its line is one comment and nothing else."""
    if tail.startswith(b"//"):
        return True
    return tail.startswith(b"/*") and tail.find(b"*/") == len(tail) - 2


def _starts_line(data: bytes, offset: int) -> bool:
    return data[line_start(data, offset):offset].strip() == b""


def remove_member(data: bytes, obj: JNode, key: str) -> list[tuple[int, int, bytes]]:
    """(start, end, b"") edits that delete one member of an object and leave the rest as it was: a
    member on a line of its own goes with its line (and, when it was last, its predecessor's comma),
    an inline one with its comma. Raises ValueError where a comment sits in the bytes that would go
    (it belongs to the user: the member is then removed by hand)."""
    if obj.kind != "object":
        raise ValueError(f"members can only be removed from an object, not from an {obj.kind}")
    keys = [name for name, _, _ in obj.members]
    if key not in keys:
        raise ValueError(f"the object has no member {key!r}")
    at = keys.index(key)
    _, name, value = obj.members[at]
    previous = obj.members[at - 1][2] if at > 0 else None
    following = obj.members[at + 1][1] if at + 1 < len(keys) else None
    tail = data[value.end:line_end(data, value.end)].strip()
    if _starts_line(data, name.start) and tail in (b"", b","):
        edits = [(line_start(data, name.start), line_end(data, value.end), b"")]
        if tail == b"" and previous is not None:  # it was the last member: the comma before it goes too
            comma = previous.end + len(data[previous.end:name.start]) - len(data[previous.end:name.start].lstrip())
            if data[comma:comma + 1] != b",":
                raise ValueError(f"a comment sits before {key!r}: remove it by hand")
            edits.append((comma, comma + 1, b""))
        return edits
    if following is not None:  # inline, not last: `"key": value, ` goes
        if data[value.end:following.start].strip() != b",":
            raise ValueError(f"a comment sits beside {key!r}: remove it by hand")
        return [(name.start, following.start, b"")]
    if previous is not None:  # inline and last: `, "key": value` goes
        if data[previous.end:name.start].strip() != b",":
            raise ValueError(f"a comment sits beside {key!r}: remove it by hand")
        return [(previous.end, value.end, b"")]
    if data[obj.start + 1:name.start].strip() or data[value.end:obj.end - 1].strip() not in (b"", b","):
        raise ValueError(f"a comment sits beside {key!r}: remove it by hand")
    return [(obj.start + 1, obj.end - 1, b"")]  # the only member: the object becomes {}


def _render(key: str, value: object, indent: bytes, unit: bytes, newline: bytes) -> bytes:
    """`"key": value`, a nested object laid out one member per line like its new siblings."""
    width = len(unit) if b"\t" not in unit else None
    body = json.dumps(value, indent=width if width else "\t")
    lines = body.split("\n")
    shifted = [lines[0]] + [indent.decode() + line for line in lines[1:]]
    return (json.dumps(key) + ": " + "\n".join(shifted)).encode().replace(b"\n", newline)


def set_members(data: bytes, obj: JNode, values: list[tuple[str, object]], newline: bytes) -> list[tuple[int, int, bytes]]:
    """(start, end, text) edits that give an object these member values: existing values replaced
    in place, missing members added in the object's own layout."""
    edits, additions = [], []
    for key, value in values:
        current = obj.get(key)
        if current is None:
            additions.append((key, value))
        elif current.value != value:
            edits.append((current.start, current.end, json.dumps(value).encode()))
    if additions:
        edits.append(insert_members(data, obj, additions, newline))
    return edits
