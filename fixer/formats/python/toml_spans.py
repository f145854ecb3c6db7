"""Where a TOML file's string values are, to edit one in place (pyproject.toml, Pipfile).

tomllib reads TOML but says nothing about positions, and re-serialising a file would lose its
comments and layout. This scanner walks text that tomllib has already accepted and reports each
string value with its key path and its exact span, so an edit replaces only those characters. Its
findings are checked against tomllib's (the caller compares the values at each path), so a scanner
mistake can only ever refuse an edit, never misplace one.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass


@dataclass(frozen=True)
class TomlString:
    path: tuple  # table and key names, array indexes: ("project", "dependencies", 0)
    start: int  # character offsets of the whole token, quotes included
    end: int
    value: str  # as tomllib decodes it

    @property
    def inner(self) -> tuple[int, int]:
        """The characters between the quotes of a single-line string."""
        return self.start + 1, self.end - 1


class TomlScanError(ValueError):
    pass


_BARE = re.compile(r"[A-Za-z0-9_-]+")
_SPACE = re.compile(r"[ \t]*")
_STRING = re.compile(r'"""(?:[^\\]|\\.)*?"""(?!")|\'\'\'.*?\'\'\'(?!\')|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'', re.DOTALL)


def string_spans(text: str) -> list[TomlString]:
    """Every string value of a TOML document, in order (keys are not values)."""
    return _Scanner(text).document()


class _Scanner:
    def __init__(self, text: str):
        self.text, self.at, self.found = text, 0, []
        self.array_tables: dict[tuple, int] = {}

    def document(self) -> list[TomlString]:
        table: tuple = ()
        while self.at < len(self.text):
            self._skip_blank_lines()
            if self.at >= len(self.text):
                break
            if self.text.startswith("[[", self.at):
                self.at += 2
                name = self._key()
                self._expect("]]")
                index = self.array_tables.get(name, -1) + 1
                self.array_tables[name] = index
                table = name + (index,)
            elif self.text[self.at] == "[":
                self.at += 1
                table = self._key()
                self._expect("]")
            else:
                key = self._key()
                self._expect("=")
                self._value(table + key)
            self._end_of_line()
        return self.found

    def _skip_blank_lines(self) -> None:
        while self.at < len(self.text):
            self._space()
            if self.text.startswith("#", self.at):
                self._comment()
            if self.text.startswith("\r\n", self.at):
                self.at += 2
            elif self.text.startswith("\n", self.at):
                self.at += 1
            else:
                return

    def _space(self) -> None:
        self.at = _SPACE.match(self.text, self.at).end()

    def _comment(self) -> None:
        end = self.text.find("\n", self.at)
        self.at = len(self.text) if end < 0 else end

    def _end_of_line(self) -> None:
        self._space()
        if self.text.startswith("#", self.at):
            self._comment()
        if self.at < len(self.text) and self.text[self.at] not in "\r\n":
            raise TomlScanError(f"unexpected text at offset {self.at}")

    def _expect(self, token: str) -> None:
        self._space()
        if not self.text.startswith(token, self.at):
            raise TomlScanError(f"expected {token!r} at offset {self.at}")
        self.at += len(token)
        self._space()

    def _key(self) -> tuple:
        """A dotted key: bare or quoted parts."""
        parts = []
        while True:
            self._space()
            string = _STRING.match(self.text, self.at) if self.text[self.at:self.at + 1] in ("'", '"') else None
            if string is not None:
                parts.append(_decode(string.group()))
                self.at = string.end()
            else:
                bare = _BARE.match(self.text, self.at)
                if bare is None:
                    raise TomlScanError(f"expected a key at offset {self.at}")
                parts.append(bare.group())
                self.at = bare.end()
            self._space()
            if not self.text.startswith(".", self.at):
                return tuple(parts)
            self.at += 1

    def _value(self, path: tuple) -> None:
        self._space()
        char = self.text[self.at:self.at + 1]
        if char in ("'", '"'):
            string = _STRING.match(self.text, self.at)
            if string is None:
                raise TomlScanError(f"unreadable string at offset {self.at}")
            self.found.append(TomlString(path, self.at, string.end(), _decode(string.group())))
            self.at = string.end()
        elif char == "[":
            self._array(path)
        elif char == "{":
            self._inline_table(path)
        else:  # a number, boolean or date: up to the next delimiter
            scalar = re.compile(r"[^,\]}\s#]+(?:[ T][0-9:.+Z-]+)?").match(self.text, self.at)
            if scalar is None:
                raise TomlScanError(f"expected a value at offset {self.at}")
            self.at = scalar.end()

    def _array(self, path: tuple) -> None:
        self.at += 1
        index = 0
        while True:
            self._skip_array_space()
            if self.text.startswith("]", self.at):
                self.at += 1
                return
            self._value(path + (index,))
            index += 1
            self._skip_array_space()
            if self.text.startswith(",", self.at):
                self.at += 1
            elif not self.text.startswith("]", self.at):
                raise TomlScanError(f"expected ',' or ']' at offset {self.at}")

    def _skip_array_space(self) -> None:
        while True:
            before = self.at
            self._skip_blank_lines()
            if self.at == before:
                return

    def _inline_table(self, path: tuple) -> None:
        self.at += 1
        self._space()
        if self.text.startswith("}", self.at):
            self.at += 1
            return
        while True:
            key = self._key()
            self._expect("=")
            self._value(path + key)
            self._space()
            if self.text.startswith(",", self.at):
                self.at += 1
            elif self.text.startswith("}", self.at):
                self.at += 1
                return
            else:
                raise TomlScanError(f"expected ',' or '}}' at offset {self.at}")


def _decode(token: str) -> str:
    return tomllib.loads(f"v = {token}")["v"]


def value_at(data: dict, path: tuple):
    """What tomllib read at a scanner path (None when there is nothing there)."""
    node = data
    for part in path:
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return None
        elif not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node
