"""The span-keeping JSON reader: what it reads equals json.loads, and spans point at the bytes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixer.edit.edits import apply_edits
from fixer.formats.jsonspan import JsonSpanError, insert_members, parse, remove_member
from fixer.model import Edit

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8), st.floats(allow_nan=False, allow_infinity=False))
documents = st.recursive(scalars, lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=6), children, max_size=4)), max_leaves=20)


def to_python(node):
    if node.kind == "object":
        return {k: to_python(v) for k, _, v in node.members}
    if node.kind == "array":
        return [to_python(i) for i in node.items]
    return node.value


@settings(max_examples=200, deadline=None)
@given(documents, st.sampled_from([None, 2, 4]))
def test_reads_what_json_reads(document, indent):
    data = json.dumps(document, indent=indent).encode()
    node = parse(data)
    assert to_python(node) == document
    assert (node.start, node.end) == (0, len(data))


def test_spans_and_comments():
    data = b'{\n  // a comment\n  "a": "x", /* b */ "b": [1, 2,],\n}\n'
    node = parse(data)
    value = node.get("a")
    assert data[value.start:value.end] == b'"x"'
    assert node.get_ci("B").items[1].value == 2


def test_errors_carry_lines():
    with pytest.raises(JsonSpanError) as info:
        parse(b'{\n  "a": 1\n  "b": 2\n}')
    assert info.value.line == 3


def test_a_string_broken_over_lines_is_one_string():
    """ARM templates may break a string over lines (template syntax: multi-line strings); brackets
    inside it are text, not containers."""
    data = b'{\n  "variables": {\n    "id": "[\n      if(true, \'[a\', \'b\')\n    ]",\n    "x": "a\\tb\n c"\n  },\n  "n": [1]\n}\n'
    node = parse(data)
    variables = node.get("variables")
    assert variables.get("id").value == "[\n      if(true, '[a', 'b')\n    ]"
    assert variables.get("x").value == "a\tb\n c"
    assert node.get("n").items[0].value == 1
    assert to_python(parse(data, lazy=False)) == json.loads(data, strict=False)


def test_insert_members_keeps_layout():
    data = b'{\n    "a": 1\n}\n'
    start, end, text = insert_members(data, parse(data), [("b", "x")], b"\n")
    assert data[:start] + text + data[end:] == b'{\n    "a": 1,\n    "b": "x"\n}\n'
    inline = b'{"a": 1}'
    start, end, text = insert_members(inline, parse(inline), [("b", 2)], b"\n")
    assert inline[:start] + text + inline[end:] == b'{"a": 1, "b": 2}'


def test_insert_members_after_a_member_keeps_its_trailing_comment():
    data = b'{\n  "name": "a", // why\n  "b": 1\n}\n'
    start, end, text = insert_members(data, parse(data), [("c", "x")], b"\n", after="name")
    assert data[:start] + text + data[end:] == b'{\n  "name": "a", // why\n  "c": "x",\n  "b": 1\n}\n'
    above = b'{\n  "name": "a",\n  // about b\n  "b": 1\n}\n'
    start, end, text = insert_members(above, parse(above), [("c", "x")], b"\n", after="name")
    assert above[:start] + text + above[end:] == b'{\n  "name": "a",\n  "c": "x",\n  // about b\n  "b": 1\n}\n'
    inline = b'{"name": "a", "b": 1}'
    start, end, text = insert_members(inline, parse(inline), [("c", 2)], b"\n", after="name")
    assert inline[:start] + text + inline[end:] == b'{"name": "a", "c": 2, "b": 1}'


def _removed(data: bytes, key: str) -> bytes:
    return apply_edits(data, [Edit(*e) for e in remove_member(data, parse(data), key)])


@pytest.mark.parametrize("data, key, expected", [
    (b'{\n  "a": 1,\n  "b": 2,\n  "c": 3\n}\n', "b", b'{\n  "a": 1,\n  "c": 3\n}\n'),  # its line goes
    (b'{\n  "a": 1, // keep\n  "b": 2\n}\n', "b", b'{\n  "a": 1 // keep\n}\n'),  # last: the comma before it too
    (b'{\r\n  "a": 1,\r\n  "b": 2\r\n}\r\n', "b", b'{\r\n  "a": 1\r\n}\r\n'),
    (b'{\n  "a": 1,\n  "b": {\n    "x": 1\n  },\n  "c": 3\n}\n', "b", b'{\n  "a": 1,\n  "c": 3\n}\n'),  # a value over lines
    (b'{"a": 1, "b": 2, "c": 3}', "b", b'{"a": 1, "c": 3}'),  # inline
    (b'{"a": 1, "b": 2}', "b", b'{"a": 1}'),
    (b'{"a": 1, "b": 2}', "a", b'{"b": 2}'),
    (b'{"a": 1}', "a", b"{}"),
    (b'{\n  "a": 1,\n  "b": 2 // note\n}\n', "b", b'{\n  "a": 1 // note\n}\n'),  # a comment after it stays
])
def test_remove_member(data, key, expected):
    assert _removed(data, key) == expected


@pytest.mark.parametrize("data, key", [
    (b'{"a": 1, /* c */ "b": 2}', "b"),
    (b'{"a": 1, "b": 2 /* c */, "d": 3}', "b"),
])
def test_remove_member_refuses_to_drop_a_comment(data, key):
    with pytest.raises(ValueError, match="comment"):
        remove_member(data, parse(data), key)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=6), scalars, min_size=1, max_size=5), st.data(), st.sampled_from([None, 2, 4]))
def test_remove_member_gives_what_json_gives(document, choice, indent):
    """Every member removed from any layout json.dumps writes: the rest parses to the same values."""
    key = choice.draw(st.sampled_from(sorted(document)))
    after = _removed(json.dumps(document, indent=indent).encode(), key)
    assert json.loads(after) == {k: v for k, v in document.items() if k != key}
