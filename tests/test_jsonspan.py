"""The span-keeping JSON reader: what it reads equals json.loads, and spans point at the bytes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixer.formats.jsonspan import JsonSpanError, insert_members, parse

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


def test_insert_members_keeps_layout():
    data = b'{\n    "a": 1\n}\n'
    start, end, text = insert_members(data, parse(data), [("b", "x")], b"\n")
    assert data[:start] + text + data[end:] == b'{\n    "a": 1,\n    "b": "x"\n}\n'
    inline = b'{"a": 1}'
    start, end, text = insert_members(inline, parse(inline), [("b", 2)], b"\n")
    assert inline[:start] + text + inline[end:] == b'{"a": 1, "b": 2}'
