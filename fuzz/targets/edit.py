"""The edit layer: apply_edits, newline and BOM handling, the line helpers, JSON member insertion.

The input is a file. Random edits are drawn from a generator seeded by the file's bytes, so a
crash reproduces from the file alone (and the repository's fixtures work as seeds):
- valid (non-overlapping) edits keep every byte outside them identical and the BOM in place;
- edits whose text uses the file's newline keep it newline-consistent and UTF-8; an edit bringing
  the other newline style is caught by newline_consistent; overlapping edits raise;
- line_start/line_end/line_indent/line_of agree with each other at every offset tried;
- a JSON file gets a member inserted into a random object in that object's layout: the result
  parses (as strict JSON when the input was), holds the member, keeps the newline style."""

from __future__ import annotations

import json
import random
import zlib

from fuzz.harness import BOM, instrumented
from fuzz.invariants import text_of

with instrumented():
    from fixer.formats import jsonspan
    from fixer.edit.edits import OverlappingEdits, apply_edits, newline_consistent
    from fixer.model import Edit
    from fixer.textfile import line_end, line_indent, line_of, line_start, load_text

TEXTS = ["", "x", "network_policy = \"cilium\"\n", "  networkPolicy: 'cilium'\n", ",\n  \"a\": 1", "\t{\n\t}\n", "é", "# c\n"]
INSERTED = ("networkProfile", {"networkPolicy": "cilium", "networkDataplane": "cilium"})


def _boundaries(body: bytes) -> list[int]:
    """Offsets where an edit may start or end: not inside a UTF-8 character, and not just after a
    CR (an edit there could split a CRLF pair or join a lone CR to a LF)."""
    return [i for i in range(len(body) + 1) if (i == len(body) or body[i] & 0xC0 != 0x80) and not (i and body[i - 1] == 0x0D)]


def _edits(rng: random.Random, body: bytes, newline: bytes, foreign: bool) -> list[Edit]:
    """Non-overlapping edits that remove no line break (so the first one keeps its style)."""
    boundaries = _boundaries(body)
    cuts = sorted(rng.sample(boundaries, min(len(boundaries), rng.randint(1, 8))))
    edits = []
    for start, end in zip(cuts[::2], cuts[1::2] + [None]):
        if end is None or b"\n" in body[start:end] or b"\r" in body[start:end] or rng.random() < 0.4:
            end = start  # an insertion
        text = rng.choice(TEXTS).replace("\n", newline.decode()).encode()
        edits.append(Edit(start, end, text))
    if foreign and edits:
        other = b"\n" if newline == b"\r\n" else b"\r\n"
        edits[-1] = Edit(edits[-1].start, edits[-1].end, b"a" + other + b"b")
    return edits


def check(data: bytes) -> None:
    text = text_of(data)
    if text is None:
        return
    rng = random.Random(zlib.crc32(data))
    body, bom = text.body, text.bom
    assert text.data == data and data.startswith(bom) and body == data[len(bom):]
    first = body.find(b"\n")
    assert text.newline == (b"\r\n" if first > 0 and body[first - 1] == 0x0D else b"\n")

    foreign = rng.random() < 0.25
    edits = _edits(rng, body, text.newline, foreign)
    after = apply_edits(data, edits, offset=len(bom))
    assert after.startswith(bom), "BOM lost"
    position = len(bom)
    out = len(bom)
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        kept = data[position:len(bom) + edit.start]
        assert after[out:out + len(kept)] == kept, "bytes outside the edits changed"
        out += len(kept)
        assert after[out:out + len(edit.text)] == edit.text, "edit text not where it belongs"
        out += len(edit.text)
        position = len(bom) + edit.end
    assert after[out:] == data[position:], "bytes after the last edit changed"
    new = load_text(after)  # boundaries respect UTF-8 characters: still text
    # (an edit removing the first bytes may bring a U+FEFF of the text to the front: a "BOM" then,
    # which the pipeline's verification refuses as a changed BOM)
    assert new.bom == bom or after[len(bom):].startswith(BOM), "BOM changed"
    consistent = newline_consistent(data, after, text.newline)
    if foreign:
        assert not consistent, "an edit bringing the other newline style was not caught"
    else:
        assert consistent, "edits in the file's own newline style reported as mixing styles"
        assert new.newline == text.newline, "the file's newline style changed"

    replacing = [e for e in edits if e.end > e.start]
    if replacing:  # an edit starting inside another one is refused
        a = rng.choice(replacing)
        b = Edit(rng.randrange(a.start, a.end), min(len(body), a.end + rng.randrange(3)), b"y")
        try:
            apply_edits(data, [a, b] if rng.random() < 0.5 else [b, a], offset=len(bom))
        except OverlappingEdits:
            pass
        else:
            raise AssertionError(f"overlapping edits {a} and {b} were applied")

    for offset in rng.sample(range(len(body) + 1), min(len(body) + 1, 8)):
        start, end = line_start(body, offset), line_end(body, offset)
        assert start <= offset <= end and b"\n" not in body[start:offset]
        assert end == len(body) or body[end - 1] == 0x0A
        indent = line_indent(body, offset)
        assert body[start:].startswith(indent) and indent.strip(b" \t") == b""
        assert line_of(body, offset) == body.count(b"\n", 0, start) + 1

    _insert_member(rng, body, text.newline)


def _objects(node, out: list) -> list:
    if node.kind == "object":
        out.append(node)
        for _, _, value in node.members:
            _objects(value, out)
    elif node.kind == "array":
        for item in node.items:
            _objects(item, out)
    return out


def _insert_member(rng: random.Random, body: bytes, newline: bytes) -> None:
    try:
        root = jsonspan.parse(body, lazy=False)
    except jsonspan.JsonSpanError:
        return
    objects = _objects(root, [])
    if not objects:
        return
    obj = rng.choice(objects)
    if obj.get(INSERTED[0]) is not None:
        return  # set_members inserts only missing members
    start, end, text = jsonspan.insert_members(body, obj, [INSERTED], newline)
    assert 0 <= start <= end <= len(body)
    after = body[:start] + text + body[end:]
    try:
        json.loads(body.decode("utf-8"))
        strict = True
    except ValueError:
        strict = False
    if strict:
        json.loads(after.decode("utf-8"))  # strict JSON stays strict JSON
    jsonspan.parse.cache_clear()
    again = jsonspan.parse(after, lazy=False)
    target = next(o for o in _objects(again, []) if o.start == obj.start)
    member = target.get(INSERTED[0])
    assert member is not None and json.loads(after[member.start:member.end]) == INSERTED[1], "inserted member not read back"
    other = b"\n" if newline == b"\r\n" else b"\r\n"
    assert _count(after, other) <= _count(body, other), "insert_members brought the other newline style"
    assert _comments(after) == _comments(body), "insert_members lost a comment"


def _count(data: bytes, newline: bytes) -> int:
    return data.count(b"\r\n") if newline == b"\r\n" else data.count(b"\n") - data.count(b"\r\n")


def _comments(body: bytes) -> list[bytes]:
    """The comments of a JSON text (jsonspan's own token pattern: strings skipped)."""
    return [m.group() for m in jsonspan._TOKEN.finditer(body) if m.group()[:2] in (b"//", b"/*")]
