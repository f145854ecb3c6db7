"""JSON deployment parameters files, shared by ARM and Bicep templates: which files beside a
template are named as its parameters files, and whether one may feed it at all (Azure refuses a
deployment whose parameters file sets a parameter the template does not declare)."""

from __future__ import annotations

import posixpath


def named_for(template: str, other: str) -> bool:
    """`other` is named as a JSON parameters file of `template` (x.bicep or x.json) in its folder:
    `x.parameters.json`, `x.parameters.prod.json`, `x.params.json`, `parameters.json`,
    `parameters-x.json`, `parameters_dev.json`. Examples and samples (`parameters-example.json`)
    are no deployment."""
    if posixpath.dirname(other) != posixpath.dirname(template) or other == template:
        return False
    name = posixpath.basename(other).lower()
    stem = posixpath.basename(template).lower().removesuffix(".bicep").removesuffix(".json")
    if not name.endswith(".json") or "example" in name or "sample" in name:
        return False
    return name.startswith((stem + ".parameters", stem + ".params", "parameters"))


def declares_all(set_names, declared) -> bool:
    """Every parameter the file sets is one the template declares (names are case-insensitive)."""
    lowered = {d.lower() for d in declared}
    return all(name.lower() in lowered for name in set_names)
