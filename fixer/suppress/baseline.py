"""The baseline: findings a team has accepted for now, so that a gate reports only new ones.

A finding's fingerprint hashes its file (relative to the baseline file's folder, so it does not
depend on which folder was scanned), the cluster's address and the finding's kind (its status).
No line numbers: editing something else in the file must not make an old finding look new. The
file is sorted, versioned JSON with no timestamps, so regenerating it gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from fixer.textfile import UnreadableFile, read_utf8

VERSION = 1


class BaselineError(ValueError):
    pass


def fingerprint(path: str, address: str, kind: str) -> str:
    return hashlib.sha256("\0".join((path, address, kind)).encode()).hexdigest()[:32]


def relative(file: Path, base: Path) -> str:
    return Path(os.path.relpath(file, base)).as_posix()


@dataclass(frozen=True)
class Baseline:
    path: Path  # resolved; finding paths are relative to its folder
    fingerprints: frozenset[str]

    def holds(self, file: Path, address: str, kind: str) -> bool:
        """`file`: the cluster's file, absolute."""
        return fingerprint(relative(file, self.path.parent), address, kind) in self.fingerprints


def load(path: Path, shown: str | None = None) -> Baseline:
    shown = shown or str(path)
    hint = f"create it with `akfix scan --create-baseline {shown}`"
    try:
        document = json.loads(read_utf8(path))
    except UnreadableFile as exc:
        raise BaselineError(f"baseline {shown}: {exc}" + (f"; {hint}" if exc.missing else "")) from None
    except json.JSONDecodeError as exc:
        raise BaselineError(f"baseline {shown}: not valid JSON (line {exc.lineno}: {exc.msg}); {hint}") from None
    findings = document.get("findings") if isinstance(document, dict) else None
    if not isinstance(document, dict) or document.get("version") != VERSION or not isinstance(findings, list):
        raise BaselineError(f"baseline {shown}: not an akfix baseline (expected {{\"version\": {VERSION}, \"findings\": [...]}}); {hint}")
    prints = [f.get("fingerprint") if isinstance(f, dict) else None for f in findings]
    if not all(isinstance(p, str) and p for p in prints):
        raise BaselineError(f"baseline {shown}: a finding without a fingerprint; {hint}")
    return Baseline(path.resolve(), frozenset(prints))


def render(findings, base: Path) -> str:
    """`findings`: (absolute file, address, kind). The document's text, byte-for-byte stable."""
    entries = {}
    for file, address, kind in findings:
        path = relative(file, base)
        entries[fingerprint(path, address, kind)] = {"fingerprint": fingerprint(path, address, kind), "file": path, "address": address, "kind": kind}
    ordered = sorted(entries.values(), key=lambda e: (e["file"], e["address"], e["kind"]))
    return json.dumps({"version": VERSION, "findings": ordered}, indent=2, sort_keys=True) + "\n"
