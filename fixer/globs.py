"""Path globs written in configuration (`skip`, `ignore.path`), relative to the file that holds them.

`*` and `?` stay inside one path segment, `**` spans any number of segments, `[...]` is a class. A
glob that names a folder covers everything under it (`legacy` and `legacy/` both skip legacy/**),
the way people expect from .gitignore. Paths are compared absolute, so one glob means the same
file whichever folder akfix was asked to scan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath


def translate(pattern: str) -> str:
    """The regular expression (without anchors) for one glob."""
    out, i, n = [], 0, len(pattern)
    while i < n:
        if pattern.startswith("**/", i):
            out.append("(?:[^/]+/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and (close := pattern.find("]", i + 2)) > 0:
            body = pattern[i + 1:close]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]")
            i = close + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


@dataclass(frozen=True)
class Glob:
    pattern: str
    base: Path  # absolute folder the pattern is relative to

    def __post_init__(self) -> None:
        cleaned = self.pattern.strip()
        cleaned = cleaned[2:] if cleaned.startswith("./") else cleaned.lstrip("/")  # both mean "from base"
        # "dir/" or "dir" covers the files below it: the regex accepts the path or any folder of it.
        regex = re.compile(translate(cleaned.rstrip("/")) + r"(?:/.*)?\Z", re.S)
        object.__setattr__(self, "_regex", regex)

    def matches(self, path: Path) -> bool:
        """`path`: absolute (resolved like `base`)."""
        try:
            relative = PurePosixPath(path.relative_to(self.base).as_posix())
        except ValueError:
            return False  # outside the folder the glob speaks about
        return bool(self._regex.match(str(relative)))  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Globs:
    globs: tuple[Glob, ...] = ()

    def matches(self, path: Path) -> bool:
        return any(glob.matches(path) for glob in self.globs)

    def __bool__(self) -> bool:
        return bool(self.globs)


# Every absolute path (`--greenfield` without globs: the whole run).
EVERYTHING = Globs((Glob("**", Path("/")),))
