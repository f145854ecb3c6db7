"""JSON deployment parameters files, shared by ARM and Bicep templates: which files beside a
template are named as its parameters files, and whether one may feed it at all (Azure refuses a
deployment whose parameters file sets a parameter the template does not declare)."""

from __future__ import annotations

import posixpath
import re

# Folders beside a template that hold its per-environment parameters files (`params/dev.json`).
PARAMETER_FOLDERS = ("params", "parameters", "parameter")


def named_for(template: str, other: str, files=()) -> bool:
    """`other` may be a JSON parameters file of `template` (x.bicep or x.json): in its folder, named
    as one -- `x.parameters.json`, `x.params.json`, `parameters.json`, `parameters-x.json`, and any
    name that says parameters (`dev.parameters.json`, `x.dev.parameters.json`, `params.json`) -- or
    any JSON file of a parameters folder beside it (`params/dev.json`). Whether it feeds the
    template is checked where it is read (it must be a parameters document setting only parameters
    the template declares, as Azure requires): a file of another template adds no view that reads
    the network profile, so reading too many is the cautious error, missing one is not. Examples
    and samples (`parameters-example.json`) are no deployment; nor is a file named after another
    template among `files` (the folder's: `b.parameters.json` is b.json's)."""
    if other == template or not other.lower().endswith(".json"):
        return False
    name = posixpath.basename(other).lower()
    if "example" in name or "sample" in name:
        return False
    folder, here = posixpath.dirname(template), posixpath.dirname(other)
    if here != folder:
        return posixpath.dirname(here) == folder and posixpath.basename(here).lower() in PARAMETER_FOLDERS
    return "param" in name and not _named_for_another(template, name, files)


# `<stem>.parameters.json`, `<stem>.parameters.prod.json`, `<stem>-parameters.json`, `parameters-<stem>.json`, ...
_STEM = re.compile(r"^(.+?)[._-]param(?:eter)?s?\b|^param(?:eter)?s?[._-](.+?)\.json$")


def _named_for_another(template: str, name: str, files) -> bool:
    """The file names another template of the folder (`b.parameters.json` beside b.json and a.json):
    it is that template's, not this one's."""
    match = _STEM.match(name)
    stem = (match.group(1) or match.group(2)) if match else None
    if not stem or stem == posixpath.splitext(posixpath.basename(template).lower())[0]:
        return False
    folder = posixpath.dirname(template)
    return any(posixpath.dirname(f) == folder and posixpath.basename(f).lower() in (f"{stem}.json", f"{stem}.bicep") for f in files)


def parameter_folder_files(listing, template: str) -> list[str]:
    """The files of the parameters folders beside `template` (PARAMETER_FOLDERS)."""
    folder = posixpath.dirname(template)
    return [f for sub in PARAMETER_FOLDERS for f in listing.siblings(posixpath.join(folder, sub, "x"))]


def parameters_of(document):
    """The `parameters` object of a deployment parameters document (a JSON node), or None: a
    template (it has resources) names its parameters' declarations there, not values."""
    if document.kind != "object" or document.get("resources") is not None:
        return None
    parameters = document.get("parameters")
    return parameters if parameters is not None and parameters.kind == "object" else None


def declares_all(set_names, declared) -> bool:
    """Every parameter the file sets is one the template declares (names are case-insensitive)."""
    lowered = {d.lower() for d in declared}
    return all(name.lower() in lowered for name in set_names)
