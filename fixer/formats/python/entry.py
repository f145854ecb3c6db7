"""Python files a Pulumi project never runs.

Pulumi runs a Python project's entry point: `__main__.py` in the folder of `Pulumi.yaml`, or the
folder or file its `main:` names. Other files run only when imported, and `import` reaches a file
only through names that are Python identifiers: `solutions/exercise-1__main__.py` (a workshop's
answer, kept beside the real program) or anything under `exercise-4/` can never be imported, so its
cluster is never deployed. Such files are listed, not planned or written. A file whose path is made
of identifiers may be imported and stays a program file, as does one outside the entry folder
(sys.path may reach it), and any file where no Pulumi.yaml is found above it or a `cdktf.json`
stands closer (a CDKTF app runs the file its `app` command names).

Pure: a file's path and the project files above it in, the reason it never runs (or None) out.
"""

from __future__ import annotations

import keyword
import posixpath
from dataclasses import dataclass

PROJECT = "Pulumi.yaml"
CDKTF = "cdktf.json"


@dataclass(frozen=True)
class NeverRun:
    """A file with clusters that its Pulumi project never runs."""

    file: str
    project: str  # the Pulumi.yaml
    part: str  # the path part no import can name
    line: int = 1
    group = "never-run"  # how reports list what was not inspected (report/text.py)

    def describe(self, shown=lambda relpath: relpath) -> str:
        return f"{shown(self.file)}  `{self.part}` is no Python name, and {shown(self.project)} does not run it: never deployed"

    def to_json(self) -> dict:
        return {"file": self.file, "line": self.line, "project": self.project, "never_run": self.part}


def never_run(relpath: str, has_file, main_of) -> NeverRun | None:
    """Why `relpath` never runs, or None. `has_file(folder, name)`: whether the folder holds that file;
    `main_of(pulumi_yaml)`: its `main:` value (None when unset or unread)."""
    folder = posixpath.dirname(relpath)
    while True:
        if has_file(folder, CDKTF):
            return None
        if has_file(folder, PROJECT):
            break
        if not folder:
            return None
        folder = posixpath.dirname(folder)
    project = posixpath.join(folder, PROJECT) if folder else PROJECT
    entry_dir, entry_file = folder, None
    main = main_of(project)
    if main:
        target = posixpath.normpath(posixpath.join(folder, main.strip("/")))
        if target.startswith(".."):
            return None
        if target.endswith(".py"):
            entry_dir, entry_file = posixpath.dirname(target), target
        else:
            entry_dir = "" if target == "." else target
    if relpath == entry_file or relpath == posixpath.join(entry_dir, "__main__.py"):
        return None
    inside = relpath[len(entry_dir) + 1:] if entry_dir else relpath
    if entry_dir and not relpath.startswith(entry_dir + "/"):
        return None  # outside the entry folder: an installed or path-added package may import it
    parts = inside.split("/")
    parts[-1] = posixpath.splitext(parts[-1])[0]
    unnamed = next((p for p in parts if not p.isidentifier() or keyword.iskeyword(p)), None)
    return NeverRun(relpath, project, unnamed) if unnamed is not None else None
