"""The span-keeping JSON reader and the ARM locator and editor.

Where the input is valid JSON (RFC 8259: no NaN/Infinity), jsonspan must read it, lazily and
eagerly, to exactly what `json.loads` reads; every node's span must hold that node's text (the
bytes json.loads to the node's value), and looking a key up must find the value json.loads keeps
for it. Lazy and eager reading agree on every span. Otherwise only JsonSpanError, with a line of
the file. The ARM locator raises nothing but JsonSpanError; its spans are in the file; its edits
are inside the file, never overlap and, on valid JSON, give valid JSON holding the new values."""

from __future__ import annotations

import json

from fuzz.harness import instrumented
from fuzz.invariants import check_edits, check_line, check_put_cluster, check_span, text_of

with instrumented():
    from fixer.formats import jsonspan
    from fixer.edit.edits import apply_edits
    from fixer.formats.arm import template as arm
    from fixer.model import Change
    import fixer.textfile  # noqa: F401  (instrumented before fuzz.invariants imports it)

CHANGES = [Change("networkPolicy", "cilium"), Change("networkDataplane", "cilium")]


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _no_duplicates(pairs):
    keys = [key for key, _ in pairs]
    if len(set(keys)) < len(keys):
        raise _Refused("duplicate key")
    return dict(pairs)


class _Refused(ValueError):
    """Valid JSON that jsonspan refuses on purpose: duplicate keys, nesting past MAX_DEPTH."""


def _depth(value) -> int:
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth + 1)
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def strict_json(body: bytes):
    """("valid", value) for a valid JSON text jsonspan must read; ("refused", None) for valid JSON it
    must refuse with JsonSpanError (duplicate keys, too deep); ("invalid", None) otherwise."""
    try:
        value = json.loads(body.decode("utf-8"), parse_constant=_reject_constant, object_pairs_hook=_no_duplicates)
    except _Refused:
        return "refused", None
    except (ValueError, RecursionError):
        return "invalid", None
    return ("valid", value) if _depth(value) <= jsonspan.MAX_DEPTH else ("refused", None)


def _walk(node, body: bytes, expected, spans: list) -> None:
    """Compare a span tree with json.loads' value node by node; collect (kind, start, end)."""
    spans.append((node.kind, node.start, node.end))
    check_span(node.start, node.end, body, node.kind)
    assert json.loads(body[node.start:node.end]) == expected, f"{node.kind} at {node.start}: span does not hold its value"
    if node.kind == "object":
        assert isinstance(expected, dict), f"object at {node.start} is {type(expected).__name__} to json.loads"
        assert {name for name, _, _ in node.members} == set(expected), f"object at {node.start}: other keys"
        for name, key, value in node.members:
            assert json.loads(body[key.start:key.end]) == name, f"key {name!r}: span holds {body[key.start:key.end]!r}"
        for name in expected:
            found = node.get(name)
            assert found is not None and json.loads(body[found.start:found.end]) == expected[name], (
                f"object at {node.start}: get({name!r}) is not the value json.loads keeps")
        last = {name: value for name, _, value in node.members}  # one walk per distinct key
        for name, value in last.items():
            _walk(value, body, expected[name], spans)
    elif node.kind == "array":
        assert isinstance(expected, list) and len(node.items) == len(expected), f"array at {node.start}"
        for item, value in zip(node.items, expected):
            _walk(item, body, value, spans)
    else:
        assert node.value == expected and type(node.value) is type(expected), f"{node.kind} at {node.start}: {node.value!r} != {expected!r}"


def _spans(node, out: list) -> list:
    out.append((node.kind, node.start, node.end))
    for _, _, value in node.members if node.kind == "object" else ():
        _spans(value, out)
    for item in node.items if node.kind == "array" else ():
        _spans(item, out)
    return out


def check(data: bytes) -> None:
    text = text_of(data)
    if text is None:
        return
    body = text.body
    verdict, expected = strict_json(body)
    valid = verdict == "valid"
    trees = {}
    for lazy in (False, True):
        jsonspan.parse.cache_clear()
        try:
            node = jsonspan.parse(body, lazy)
            trees[lazy] = _spans(node, [])  # reads every lazy container too
        except jsonspan.JsonSpanError as exc:
            assert not valid, f"valid JSON refused (lazy={lazy}): {exc}"
            check_line(exc.line, body, "JsonSpanError")
            continue
        if valid:
            _walk(node, body, expected, [])
    if len(trees) == 2:
        assert trees[False] == trees[True], "lazy and eager reading disagree on spans"
    if verdict == "refused":
        assert False not in trees, "duplicate keys or too deep nesting read instead of refused"
    _arm(body, text.newline, valid)


def _arm(body: bytes, newline: bytes, valid: bool) -> None:
    try:
        clusters = arm.locate_arm(body, "azuredeploy.json", [])
    except jsonspan.JsonSpanError as exc:
        check_line(exc.line, body, "JsonSpanError")
        return
    for cluster in clusters:
        # strict=False: jsonspan reads raw control characters in strings
        check_put_cluster(cluster, body, "azuredeploy.json", lambda raw: json.loads(b'"' + raw + b'"', strict=False))
        try:
            edits = arm.edits_for(body, cluster.anchor, CHANGES, newline)
        except ValueError:
            continue  # formats/put.py reports it as "not edited: ..." with the cluster's line
        check_edits(edits, body, cluster.address)
        after = apply_edits(body, edits)
        if valid:
            assert strict_json(after)[0] == "valid", f"{cluster.address}: valid JSON edited into invalid JSON"
            again = [c for c in arm.locate_arm(after, "azuredeploy.json", []) if c.anchor == cluster.anchor]
            assert again and again[0].profile.policy.literal == "cilium", f"{cluster.address}: the new policy is not read back"
