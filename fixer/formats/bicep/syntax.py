"""Just enough Bicep syntax to find and edit a resource's properties, robust to newer language.

The grammars on PyPI lag the language (design.md), so akfix does not parse Bicep fully. It
tokenises strings ('...' with escapes and ${...} interpolation, ''' multi-line strings), comments
and brackets exactly, and reads objects as `key: value` entries. Everything else in the file --
decorators, lambdas, spreads, `?.`, `!`, `??`, user-defined types, imports -- is just tokens
between brackets, so constructs newer than any grammar cannot derail the locator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


class BicepSyntaxError(ValueError):
    def __init__(self, message: str, offset: int, data: bytes):
        super().__init__(message)
        self.line = data.count(b"\n", 0, offset) + 1


@dataclass(frozen=True)
class Token:
    kind: str  # string | mstring | ident | punct | newline | number
    start: int
    end: int
    text: str
    interpolated: bool = False  # a string with ${...}


_PUNCT = set("{}[]():,=?!.@<>|&+-*/%;~")


_PRAGMA = re.compile(r"(?:disable|restore)-[a-z-]+")


def tokenize(data: bytes) -> list[Token]:
    text = data.decode("utf-8")
    # Work on str offsets, report byte offsets: precompute the byte offset of every char lazily.
    tokens: list[Token] = []
    i, n = 0, len(text)
    byte_at = _ByteOffsets(text)
    while i < n:
        c = text[i]
        if c in " \t\r":
            i += 1
        elif c == "\n":
            tokens.append(Token("newline", byte_at(i), byte_at(i + 1), "\n"))
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif c == "#" and _PRAGMA.match(text, i + 1):
            # `#disable-next-line BCP036 ...`, `#disable-diagnostics`, `#restore-diagnostics`: linter
            # pragmas that run to the end of the line and, like comments, are no part of the value
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise BicepSyntaxError("unterminated comment", byte_at(i), data)
            i = end + 2
        elif text.startswith("'''", i):
            end = text.find("'''", i + 3)
            if end < 0:
                raise BicepSyntaxError("unterminated multi-line string", byte_at(i), data)
            tokens.append(Token("mstring", byte_at(i), byte_at(end + 3), text[i:end + 3]))
            i = end + 3
        elif c == "'":
            end, interpolated = _string_end(text, i, data, byte_at)
            tokens.append(Token("string", byte_at(i), byte_at(end), text[i:end], interpolated))
            i = end
        elif c.isalpha() or c == "_":
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            tokens.append(Token("ident", byte_at(i), byte_at(j), text[i:j]))
            i = j
        elif c.isdigit():
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] == "."):
                j += 1
            tokens.append(Token("number", byte_at(i), byte_at(j), text[i:j]))
            i = j
        elif c in _PUNCT or c == "#" or c == "$":
            tokens.append(Token("punct", byte_at(i), byte_at(i + 1), c))
            i += 1
        else:
            raise BicepSyntaxError(f"unexpected character {c!r}", byte_at(i), data)
    _check_brackets(tokens, data)
    return tokens


class _ByteOffsets:
    """str index -> byte offset, cheap for ASCII files and correct for any UTF-8."""

    def __init__(self, text: str):
        self.ascii = text.isascii()
        if not self.ascii:
            self.offsets = [0]
            for ch in text:
                self.offsets.append(self.offsets[-1] + len(ch.encode("utf-8")))

    def __call__(self, index: int) -> int:
        return index if self.ascii else self.offsets[index]


def _string_end(text: str, i: int, data: bytes, byte_at) -> tuple[int, bool]:
    """Index just past the string starting at text[i] == "'", following ${...} nesting."""
    j, n, interpolated = i + 1, len(text), False
    while j < n:
        c = text[j]
        if c == "\\":
            j += 2
        elif c == "'":
            return j + 1, interpolated
        elif c == "\n":
            break
        elif text.startswith("${", j):
            interpolated = True
            depth, j = 1, j + 2
            while j < n and depth:
                if text[j] == "'":
                    j, _ = _string_end(text, j, data, byte_at)
                    continue
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                j += 1
        else:
            j += 1
    raise BicepSyntaxError("unterminated string", byte_at(i), data)


_PAIRS = {"{": "}", "[": "]", "(": ")"}


def _check_brackets(tokens: list[Token], data: bytes) -> None:
    stack: list[Token] = []
    for token in tokens:
        if token.kind != "punct":
            continue
        if token.text in _PAIRS:
            stack.append(token)
        elif token.text in _PAIRS.values():
            if not stack or _PAIRS[stack[-1].text] != token.text:
                raise BicepSyntaxError(f"unbalanced {token.text!r}", token.start, data)
            stack.pop()
    if stack:
        raise BicepSyntaxError(f"{stack[-1].text!r} is never closed", stack[-1].start, data)


def matching(tokens: list[Token], index: int) -> int:
    """Index of the bracket closing tokens[index]."""
    depth = 0
    for j in range(index, len(tokens)):
        token = tokens[j]
        if token.kind == "punct" and token.text in _PAIRS:
            depth += 1
        elif token.kind == "punct" and token.text in _PAIRS.values():
            depth -= 1
            if depth == 0:
                return j
    raise ValueError("no matching bracket")


def string_value(token: Token) -> str | None:
    """The value of a plain string literal (no interpolation), else None."""
    if token.kind == "mstring":
        return token.text[3:-3]
    if token.kind != "string" or token.interpolated:
        return None
    body = token.text[1:-1]
    return body.replace("\\'", "'").replace("\\\\", "\\").replace("\\$", "$").replace("\\n", "\n").replace("\\t", "\t")


def interpolation_parts(token: Token) -> list[str | tuple[int, str]]:
    """The parts of an interpolated string (`'aks-${env}-01'`): literal text, unescaped, and
    (byte offset in the file, source) of each `${...}` expression, in order."""
    text, parts, literal, i = token.text, [], [], 1
    while i < len(text) - 1:
        if text.startswith("\\", i):
            literal.append({"n": "\n", "t": "\t", "r": "\r"}.get(text[i + 1], text[i + 1]))
            i += 2
        elif text.startswith("${", i):
            depth, j = 1, i + 2
            while j < len(text) and depth:
                if text[j] == "'":  # a string inside the expression: its braces do not count
                    j = text.index("'", j + 1) + 1 if "'" in text[j + 1:] else len(text)
                    continue
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                j += 1
            parts += ["".join(literal)] if literal else []
            literal = []
            parts.append((token.start + len(text[:i + 2].encode("utf-8")), text[i + 2:j - 1]))
            i = j
        else:
            literal.append(text[i])
            i += 1
    return parts + (["".join(literal)] if literal else [])


def quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'").replace("${", "\\${") + "'"


@dataclass
class Entry:
    key: str
    key_token: int
    value_start: int  # token index of the value's first token
    value_end: int  # token index just past the value
    object: "BicepObject | None" = None


@dataclass
class BicepObject:
    open: int  # token index of "{"
    close: int  # token index of "}"
    entries: dict[str, Entry] = field(default_factory=dict)
    one_line: bool = False

    def get(self, key: str) -> Entry | None:
        return self.entries.get(key)


def read_object(tokens: list[Token], open_index: int, data: bytes = b"") -> BicepObject:
    """The `key: value` entries of the object whose "{" is tokens[open_index] (`data`: the file,
    for the line of a syntax error)."""
    close = matching(tokens, open_index)
    obj = BicepObject(open_index, close, one_line=not any(t.kind == "newline" for t in tokens[open_index:close]))
    i = open_index + 1
    while i < close:
        token = tokens[i]
        if token.kind == "newline" or token.text == ",":
            i += 1
            continue
        if token.text == "@":  # a decorator on a property: skip to the end of its line
            while i < close and tokens[i].kind != "newline":
                i += 1
            continue
        if token.kind in ("ident", "string") and i + 1 < close and tokens[i + 1].text == ":":
            key = token.text if token.kind == "ident" else (string_value(token) or token.text)
            start = i + 2
            end = start
            while end < close and tokens[end].kind != "newline" and tokens[end].text != ",":
                end = matching(tokens, end) + 1 if tokens[end].text in _PAIRS else end + 1
            if end == start:
                # `key:` with nothing after it is not Bicep, and an entry without value tokens
                # would give its edit a span running backwards (found by fuzzing).
                raise BicepSyntaxError(f"property {key!r} has no value on its line", token.start, data)
            entry = Entry(key, i, start, end)
            if start < close and tokens[start].text == "{" and matching(tokens, start) == end - 1:
                entry.object = read_object(tokens, start, data)
            obj.entries[key] = entry
            i = end
            continue
        i = matching(tokens, i) + 1 if token.text in _PAIRS else i + 1
    return obj


def bicepparam_anchor(tokens: list[Token]) -> Token | None:
    """The `using` keyword a new `param` line is placed after, or None where akfix adds none: no
    `using`, or `extends` (a base file akfix does not read may set the param too)."""
    if any(t.kind == "ident" and t.text == "extends" and (i == 0 or tokens[i - 1].kind == "newline") for i, t in enumerate(tokens)):
        return None
    return next((t for i, t in enumerate(tokens) if t.kind == "ident" and t.text == "using" and (i == 0 or tokens[i - 1].kind == "newline")), None)
