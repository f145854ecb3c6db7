"""Colour for people at a terminal, and none for logs, pipes and files.

Plain ANSI SGR codes rather than rich: a diff and a few status words need no layout engine, and
importing rich costs more than a small scan takes. Whether to colour: `--color always|never`
wins; else NO_COLOR (any non-empty value, no-color.org) turns it off, FORCE_COLOR (non-empty)
turns it on, and otherwise the stream must be a terminal that is not TERM=dumb.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

_CODES = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
    "bold-red": "1;31",
    "bold-green": "1;32",
    "bold-yellow": "1;33",
}

# What each word of akfix's output means, as a colour.
ROLES = {
    "compliant": "green",
    "missing": "red",
    "none": "red",
    "unresolved": "yellow",
    "engine-not-allowed": "red",
    "input-error": "bold-red",
    "in-place": "green",
    "disruptive": "yellow",
    "replacement": "bold-red",
    "manual": "magenta",
    "pass": "bold-green",
    "fail": "bold-red",
    "warn": "bold-yellow",
    "location": "bold",
    "note": "dim",
}


def wants_color(choice: str, stream, environ=os.environ) -> bool:
    if choice == "always":
        return True
    if choice == "never":
        return False
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    if environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@dataclass(frozen=True)
class Style:
    enabled: bool = False

    def paint(self, text: str, role: str) -> str:
        """`role`: a word of ROLES or a colour name; unknown roles stay plain."""
        code = _CODES.get(ROLES.get(role, role))
        if not self.enabled or not code or not text:
            return text
        return f"\033[{code}m{text}\033[0m"

    def diff(self, text: str) -> str:
        """A unified diff, coloured per line as git does."""
        if not self.enabled:
            return text
        lines = []
        for line in text.splitlines(keepends=True):
            body, end = (line[:-1], "\n") if line.endswith("\n") else (line, "")
            if body.startswith(("+++", "---")):
                body = self.paint(body, "bold")
            elif body.startswith("@@"):
                body = self.paint(body, "cyan")
            elif body.startswith("+"):
                body = self.paint(body, "green")
            elif body.startswith("-"):
                body = self.paint(body, "red")
            elif body.startswith("\\"):
                body = self.paint(body, "dim")
            lines.append(body + end)
        return "".join(lines)


PLAIN = Style(False)


def style_for(args, stream) -> Style:
    return Style(wants_color(getattr(args, "color", "auto") or "auto", stream))
