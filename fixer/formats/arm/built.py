"""ARM templates that are Bicep's build output.

`bicep build main.bicep` writes main.json beside its source (or `--outfile azuredeploy.json`) and stamps it
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


def bicep_source(relpath: str, data: bytes, siblings) -> BuildOutput | None:
    """The Bicep file `relpath` was built from: stamped by Bicep, with its source beside it --
    `<stem>.bicep` (what `bicep build` names it), else the folder's only .bicep file or its
    `main.bicep` (`bicep build main.bicep --outfile azuredeploy.json`, the quickstarts' layout).
    `siblings`: the listed files of the folder. None for any other template."""
    if _STAMP not in data:
        return None
    source = _source_beside(relpath, siblings)
    if source is None:
        return None
    try:
        metadata = json.loads(data.decode("utf-8-sig")).get("metadata") or {}
    except (ValueError, AttributeError, UnicodeDecodeError):
        return None
    generator = metadata.get("_generator") if isinstance(metadata, dict) else None
    if not isinstance(generator, dict) or str(generator.get("name", "")).lower() != "bicep":
        return None
    return BuildOutput(relpath, source, f"bicep {generator.get('version', '')}".strip())


def _source_beside(relpath: str, siblings) -> str | None:
    same_stem = posixpath.splitext(relpath)[0] + ".bicep"
    if same_stem in siblings:
        return same_stem
    sources = [s for s in siblings if s.endswith(".bicep")]
    if len(sources) == 1:
        return sources[0]
    main = posixpath.join(posixpath.dirname(relpath), "main.bicep")
    return main if main in sources else None
