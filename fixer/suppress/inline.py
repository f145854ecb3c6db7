"""`akfix:ignore` comments: their syntax, and which lines of a file they sit on.

    # akfix:ignore[none,missing] decommissioned with the old VNet expires=2026-09-30
    // akfix:ignore legacy cluster, see ADR-12

The directive starts a comment (or follows a `#` or `//` inside one, after another tool's
directive). `[kinds]` limits it to those statuses; the rest is the reason, which is required;
`expires=YYYY-MM-DD` anywhere in it ends the suppression after that day. Whether a directive is
*attached* to a cluster is decided in screen.py from the lines recorded here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from fixer.model import Status
from fixer.suppress.comments import Comment, comments
from fixer.textfile import line_end, line_of, line_start

KINDS = tuple(s.value for s in Status)
_DIRECTIVE = re.compile(r"(?:^|#|//)\s*akfix:ignore(?![\w:-])(?:\[(?P<kinds>[^\]]*)\])?(?P<rest>.*)$")
_EXPIRES = re.compile(r"(?:^|\s)expires=(?P<date>\S*)")
_MARKERS = re.compile(r"^\s*(?:#|//|/\*+|\*+(?!/))?")  # a comment's opening marker, or a block comment's " * "


@dataclass(frozen=True)
class Directive:
    line: int
    kinds: frozenset[str] | None  # None: every kind
    reason: str
    expires: date | None
    error: str | None = None  # why it can never apply (unknown kind, bad date)

    def covers(self, kind: str) -> bool:
        return self.kinds is None or kind in self.kinds


@dataclass(frozen=True)
class InlineFile:
    """What one file says about suppressions, by 1-based line."""

    directives: dict[int, Directive] = field(default_factory=dict)
    comment_lines: frozenset[int] = frozenset()  # lines holding nothing but comments
    profile_lines: dict[int, int] = field(default_factory=dict)  # resource header line -> network profile line


NOTHING = InlineFile()


def parse_directive(text: str, line: int) -> Directive | None:
    """The directive in one line of comment text (markers included), or None."""
    match = _DIRECTIVE.search(_MARKERS.sub("", text, count=1).removesuffix("*/").strip())
    if match is None:
        return None
    kinds, errors = None, []
    if match["kinds"] is not None:
        kinds = frozenset(k.strip() for k in match["kinds"].split(",") if k.strip())
        unknown = sorted(kinds - set(KINDS))
        if unknown or not kinds:
            errors.append(f"unknown kind {', '.join(map(repr, unknown)) or '(empty)'} in [...] (kinds: {', '.join(KINDS)})")
    rest, expires = match["rest"], None
    found = _EXPIRES.search(rest)
    if found:
        rest = rest[:found.start()] + rest[found.end():]
        try:
            expires = date.fromisoformat(found["date"])
        except ValueError:
            errors.append(f"expires={found['date']} is not a date (YYYY-MM-DD)")
    reason = rest.strip().lstrip(":-\u2013\u2014 ").strip()  # a missing reason is refused in rules.refusal
    return Directive(line, kinds, reason, expires, "; ".join(errors) or None)


def read_inline(data: bytes, relpath: str, headers: tuple[int, ...] = ()) -> InlineFile:
    """The directives and comment-only lines of a file; for each resource header line in
    `headers`, the line where its network profile opens (so a directive may sit there too)."""
    found = comments(data, relpath)
    if not found:
        return NOTHING
    directives: dict[int, Directive] = {}
    comment_lines: set[int] = set()
    for comment in found:
        first = line_of(data, comment.start)
        text = data[comment.start:comment.end].decode("utf-8", "replace")
        for offset, part in enumerate(text.split("\n")):
            directive = parse_directive(part, first + offset)
            if directive is not None:
                directives.setdefault(directive.line, directive)
        comment_lines.update(_whole_lines(data, comment, first, text.count("\n")))
    return InlineFile(directives, frozenset(comment_lines), profile_lines(data, relpath, headers))


def _whole_lines(data: bytes, comment: Comment, first: int, extra: int) -> range:
    """The lines of a comment that hold nothing else (code before its start or after its end
    makes the first or last line a code line)."""
    head_clean = not data[line_start(data, comment.start):comment.start].strip()
    tail_clean = not data[comment.end:line_end(data, comment.end)].strip()
    low = first if head_clean else first + 1
    high = first + extra if tail_clean else first + extra - 1
    return range(low, high + 1)


def profile_lines(data: bytes, relpath: str, headers: tuple[int, ...]) -> dict[int, int]:
    """For each resource header line, the line where its network profile (block or object) opens;
    headers without one, and files that cannot be read, give nothing."""
    if not headers:
        return {}
    try:
        if relpath.endswith(".tf"):
            return _hcl_profile_lines(data, headers)
        if relpath.endswith(".bicep"):
            return _bicep_profile_lines(data, headers)
        if relpath.endswith(".py"):
            return _python_profile_lines(data, headers)
    except (ValueError, UnicodeDecodeError):
        return {}
    return {}


_PROFILE_NAMES = ("network_profile", "networkProfile")


def _hcl_profile_lines(data: bytes, headers: tuple[int, ...]) -> dict[int, int]:
    from fixer.formats.terraform import hcl

    found = {}
    for block in hcl.blocks(hcl.body_of(hcl.parse(data).root_node)):
        header = block.node.start_point[0] + 1
        if header not in headers:
            continue
        pending = [block.node]
        while pending and header not in found:  # breadth first: the resource's own profile before a nested one
            node = pending.pop(0)
            for child in node.children:
                name = child.child(0) if child.type in ("block", "attribute", "object_elem") else None
                if name is not None and hcl.text(name).strip('"') in _PROFILE_NAMES:
                    found[header] = child.start_point[0] + 1
                    break
                pending.append(child)
    return found


def _bicep_profile_lines(data: bytes, headers: tuple[int, ...]) -> dict[int, int]:
    from fixer.formats.bicep import syntax as bicep_syntax

    tokens = bicep_syntax.tokenize(data)
    found = {}
    for header in headers:
        at = _offset_of_line(data, header)
        opening = next((i for i, t in enumerate(tokens) if t.start >= at and t.text == "{"), None)
        if opening is None:
            continue
        for i in range(opening, bicep_syntax.matching(tokens, opening)):
            if tokens[i].text in _PROFILE_NAMES and tokens[i + 1].text == ":":
                found[header] = line_of(data, tokens[i].start)
                break
    return found


def _offset_of_line(data: bytes, line: int) -> int:
    offset = 0
    for _ in range(line - 1):
        offset = data.find(b"\n", offset) + 1
        if offset == 0:
            return len(data)
    return offset


def _python_profile_lines(data: bytes, headers: tuple[int, ...]) -> dict[int, int]:
    """`network_profile=...` (or a `"network_profile": ...` dict key) inside the call that starts on
    the header line (`aks = ManagedCluster(`)."""
    import tokenize

    from fixer.suppress.comments import python_tokens

    tokens = [t for t in python_tokens(data) if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE)]
    found = {}
    for header in headers:
        start = next((i for i, t in enumerate(tokens) if t.start[0] >= header and t.string == "("), None)
        depth = 0
        for i in range(start if start is not None else len(tokens), len(tokens) - 1):
            depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(tokens[i].string, 0) if tokens[i].type == tokenize.OP else 0
            if depth == 0:
                break
            name = tokens[i].string.strip("'\"") if tokens[i].type in (tokenize.NAME, tokenize.STRING) else None
            if name in _PROFILE_NAMES and tokens[i + 1].string in ("=", ":"):
                found[header] = tokens[i].start[0]
                break
    return found
