"""Where a file's comments are, per format, so that only real comments can suppress.

"akfix:ignore" inside a string, a heredoc or a multi-line string is data, not a directive. Each
format is read by a tokenizer that already knows its strings: tree-sitter for HCL, akfix's own
Bicep tokenizer (whatever lies between its tokens is whitespace or comments), Python's own
`tokenize` (Pulumi, CDKTF), and a small YAML scanner (quoted and block scalars). JSON has no
comments: JSON files use the ignore list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

MARKER = b"akfix:ignore"
HCL_SUFFIXES = (".tf", ".tfvars", ".hcl")
BICEP_SUFFIXES = (".bicep", ".bicepparam")
YAML_SUFFIXES = (".yaml", ".yml")
PYTHON_SUFFIXES = (".py",)


@dataclass(frozen=True)
class Comment:
    start: int  # byte offsets in the file's body, delimiters included
    end: int


def comments(data: bytes, relpath: str) -> list[Comment] | None:
    """Every comment of a file that mentions the marker ([] when it does not); None when the format
    has no comments akfix reads, or the file cannot be tokenised (then nothing in it suppresses)."""
    if relpath.endswith(HCL_SUFFIXES):
        reader = _hcl
    elif relpath.endswith(BICEP_SUFFIXES):
        reader = _bicep
    elif relpath.endswith(YAML_SUFFIXES):
        reader = _yaml
    elif relpath.endswith(PYTHON_SUFFIXES):
        reader = _python
    else:
        return None
    if MARKER not in data:
        return []
    try:
        return reader(data)
    except (ValueError, UnicodeDecodeError, SyntaxError):  # SyntaxError: tokenize on a bad dedent
        return None


def _hcl(data: bytes) -> list[Comment]:
    from fixer.formats.terraform import hcl

    nodes = _comment_query().captures(hcl.parse(data).root_node).get("comment", [])
    return sorted((Comment(n.start_byte, n.end_byte) for n in nodes), key=lambda c: c.start)


@lru_cache(maxsize=1)
def _comment_query():
    """A tree-sitter query runs in C: no Python walk over every node of the file."""
    import tree_sitter_hcl
    from tree_sitter import Language, Query, QueryCursor

    return QueryCursor(Query(Language(tree_sitter_hcl.language()), "(comment) @comment"))


def _bicep(data: bytes) -> list[Comment]:
    from fixer.formats.bicep import syntax as bicep_syntax

    tokens = bicep_syntax.tokenize(data)  # raises BicepSyntaxError (a ValueError) on broken input
    found, previous = [], 0
    for token in tokens:
        found.extend(_gap_comments(data, previous, token.start))
        previous = token.end
    return found + _gap_comments(data, previous, len(data))


def _gap_comments(data: bytes, start: int, end: int) -> list[Comment]:
    """Between two tokens there is only whitespace and comments."""
    out, i = [], start
    while i < end:
        if data.startswith(b"//", i):
            stop = data.find(b"\n", i, end)
            stop = end if stop < 0 else stop
        elif data.startswith(b"/*", i):
            stop = data.find(b"*/", i + 2, end)
            stop = end if stop < 0 else stop + 2
        else:
            i += 1
            continue
        out.append(Comment(i, stop))
        i = stop
    return out


def python_tokens(data: bytes) -> list:
    """Python's tokens; a file tokenize rejects gives ValueError (nothing in it suppresses)."""
    import io
    import tokenize

    try:
        return list(tokenize.generate_tokens(io.StringIO(data.decode("utf-8")).readline))
    except tokenize.TokenError as exc:
        raise ValueError(str(exc)) from None


def byte_offset(lines: list[bytes], row: int, column: int) -> int:
    """tokenize counts columns in characters; edits and comments here are byte offsets."""
    return sum(len(line) for line in lines[:row - 1]) + len(lines[row - 1].decode("utf-8")[:column].encode("utf-8"))


def _python(data: bytes) -> list[Comment]:
    import tokenize

    lines = data.splitlines(keepends=True)
    return [Comment(byte_offset(lines, *t.start), byte_offset(lines, *t.end))
            for t in python_tokens(data) if t.type == tokenize.COMMENT]


_BLOCK_SCALAR = re.compile(r"(?:^|[:\-?]\s+|^\s*)(?:![^\s]*\s+)?(?:&[^\s]+\s+)?[|>][0-9+-]*\s*(?:#.*)?$")


def _yaml(data: bytes) -> list[Comment]:
    """YAML: `#` after whitespace (or at a line's start) outside quoted scalars starts a comment;
    lines of a `|` / `>` block scalar are content, whatever they hold."""
    text = data.decode("utf-8")
    out: list[Comment] = []
    offset = 0
    quote: str | None = None  # a quoted scalar may run over several lines
    block_indent: int | None = None  # inside a block scalar: lines indented more than this
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        indent = len(body) - len(body.lstrip(" "))
        if block_indent is not None:
            if not body.strip() or indent > block_indent:
                offset += len(line.encode())
                continue
            block_indent = None
        i, n = 0, len(body)
        while i < n:
            c = body[i]
            if quote:
                if quote == "'" and body.startswith("''", i):
                    i += 2
                    continue
                if quote == '"' and c == "\\":
                    i += 2
                    continue
                if c == quote:
                    quote = None
            elif c == "#" and (i == 0 or body[i - 1] in " \t"):
                start = offset + len(body[:i].encode())
                out.append(Comment(start, start + len(body[i:].encode())))
                break
            elif c in "'\"" and _opens_scalar(body, i):
                quote = c
            i += 1
        if quote is None and _BLOCK_SCALAR.search(_strip_comment(body)):
            block_indent = indent
        offset += len(line.encode())
    return out


def _opens_scalar(body: str, i: int) -> bool:
    """A quote starts a quoted scalar only where a value starts (`it's` is plain text)."""
    before = body[:i].rstrip()
    if not before or before.lstrip(" ") in ("-", "?"):
        return True
    return before[-1] in "[{," or (before[-1] in ":-?" and body[i - 1] in " \t")


def _strip_comment(body: str) -> str:
    match = re.search(r"(?:^|\s)#", body)
    return body[:match.start()] if match else body
