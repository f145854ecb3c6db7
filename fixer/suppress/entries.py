"""Ignore-list entries: suppressions written in TOML, for files that cannot hold a comment (ARM
templates, *.tf.json) or for a whole folder at once.

    [[ignore]]                       # .akfix-ignore.toml, .akfix.toml; [[tool.akfix.ignore]] in pyproject
    path = "legacy/**/*.json"        # glob, relative to the folder of the file holding the entry
    address = "Microsoft.ContainerService/managedClusters/aks-old"   # optional; `*` allowed
    kinds = ["none"]                 # optional: only clusters with these statuses
    reason = "decommissioned in Q3"  # required
    expires = 2026-09-30             # optional
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fnmatch import fnmatchcase
from pathlib import Path

from fixer.globs import Glob


@dataclass(frozen=True)
class IgnoreEntry:
    source: Path  # the TOML file (absolute)
    line: int  # of its [[ignore]] header, for messages
    path: Glob
    reason: str
    address: str | None = None
    kinds: frozenset[str] | None = None
    expires: date | None = None

    def matches(self, file: Path, address: str, kind: str) -> bool:
        """`file`: the cluster's file, absolute."""
        if self.kinds is not None and kind not in self.kinds:
            return False
        if self.address is not None and not fnmatchcase(address, self.address):
            return False
        return self.path.matches(file)
