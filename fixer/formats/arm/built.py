"""ARM templates that are Bicep's build output.

`bicep build main.bicep` writes main.json beside its source and stamps it
(`metadata._generator.name = "bicep"`); Azure Verified Modules commit both. The template is the
source's cluster again, so akfix reads and fixes the source (its callers and views) and lists the
template as built from it: an edit by hand would diverge from the source, and the next build
overwrites it.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass

# Cheap test before any parse: every Bicep build output carries the generator stamp.
_STAMP = b'"_generator"'


@dataclass(frozen=True)
class BuildOutput:
    """A template compiled from a Bicep file of the same tree."""

    file: str
    source: str  # the .bicep file it was built from
    generator: str  # e.g. "bicep 0.44.1.10279"
    line: int = 1
    group = "built"  # how reports list what was not inspected (report/text.py)

    def describe(self, shown=lambda relpath: relpath) -> str:
        """One line for people; `shown` turns a relpath into the path they typed (multi-root runs)."""
        return (f"{shown(self.file)}  built from {shown(self.source)} by {self.generator}: akfix fixes the source; "
                f"rebuild the template after (`az bicep build --file {shown(self.source)}`)")

    def to_json(self) -> dict:
        return {"file": self.file, "line": self.line, "built_from": self.source, "generator": self.generator}


def bicep_source(relpath: str, data: bytes, exists) -> BuildOutput | None:
    """The Bicep file `relpath` was built from: stamped by Bicep, with `<stem>.bicep` beside it
    (`exists(relpath)` asks the listing). None for any other template."""
    if _STAMP not in data:
        return None
    source = posixpath.splitext(relpath)[0] + ".bicep"
    if not exists(source):
        return None
    try:
        metadata = json.loads(data.decode("utf-8-sig")).get("metadata") or {}
    except (ValueError, AttributeError, UnicodeDecodeError):
        return None
    generator = metadata.get("_generator") if isinstance(metadata, dict) else None
    if not isinstance(generator, dict) or str(generator.get("name", "")).lower() != "bicep":
        return None
    return BuildOutput(relpath, source, f"bicep {generator.get('version', '')}".strip())
