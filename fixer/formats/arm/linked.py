"""ARM linked templates: a `Microsoft.Resources/deployments` resource whose `templateLink` names a
file of the tree (`relativePath`, or the `uri(deployment().properties.templateLink.uri, 'x.json')`
idiom of the quickstart templates) deploys that template with the parameters it passes. The linked
template is then called like a Bicep module: each calling template is a deployment of it, and its
defaults are not what that deployment runs.

What a caller passes is read as a parameters file would be (template.locate_arm): a literal is that
deployment's value, written where it stands; an expression (`[parameters('networkPlugin')]`) is
undecided for that deployment -- never the linked template's default it overrides. Pure: file
bodies in, links out.
"""

from __future__ import annotations

import posixpath
import re

from fixer.discover import read_safely
from fixer.formats import jsonspan

DEPLOYMENTS = "microsoft.resources/deployments"
# A URI built from where the calling template itself was deployed from: `deployment().properties.templateLink.uri`,
# or the quickstarts' `_artifactsLocation` parameter (with its SAS token); the one `.json` literal in it is the linked file
_BASE = re.compile(r"deployment\(\)\.properties\.templateLink\.uri|parameters\(\s*'_?artifactsLocation'\s*\)", re.I)
_JSON_LITERAL = re.compile(r"'([^'\[\]]+\.json)'", re.I)
_VARIABLE = re.compile(r"variables\(\s*'([^']+)'\s*\)", re.I)


def links(root: jsonspan.JNode, relpath: str) -> list[tuple[str, jsonspan.JNode | None]]:
    """(linked template's tree path, the parameters object the deployment passes or None) of every
    deployment resource of the template (nested templates and child resources too)."""
    found: list[tuple[str, jsonspan.JNode | None]] = []
    variables = root.get("variables") if root.kind == "object" else None
    _walk(root, relpath, found, 0, variables if variables is not None and variables.kind == "object" else None)
    return found


def _walk(node: jsonspan.JNode, relpath: str, found: list, depth: int, variables: jsonspan.JNode | None = None) -> None:
    if depth > 20 or node.kind != "object":
        return
    resources = node.get("resources")
    items = resources.items if resources is not None and resources.kind == "array" else \
        [v for _, _, v in resources.members] if resources is not None and resources.kind == "object" else []
    for resource in items:
        if resource.kind != "object":
            continue
        kind = str((resource.get("type") or jsonspan.JNode("null", 0, 0)).value or "").lower()
        properties = resource.get("properties")
        if kind == DEPLOYMENTS and properties is not None and properties.kind == "object":
            target = _target(properties.get("templateLink"), relpath, variables)
            if target is not None:
                passed = properties.get("parameters")
                found.append((target, passed if passed is not None and passed.kind == "object" else None))
            inner = properties.get("template")
            if inner is not None:
                _walk(inner, relpath, found, depth + 1)  # an inner template's own variables are not the outer's
        _walk(resource, relpath, found, depth + 1, variables)


def _target(link: jsonspan.JNode | None, relpath: str, variables: jsonspan.JNode | None = None) -> str | None:
    if link is None or link.kind != "object":
        return None
    relative = link.get("relativePath")
    text = str(relative.value) if relative is not None and relative.kind == "string" else None
    if text is None:
        uri = link.get("uri")
        text = _relative_in(_expanded(str(uri.value), variables)) if uri is not None and uri.kind == "string" else None
    text = text.lstrip("/") if text else text
    if not text or text.startswith("["):
        return None
    target = posixpath.normpath(posixpath.join(posixpath.dirname(relpath), text))
    return None if target.startswith("..") or target.startswith("/") else target


def _expanded(expression: str, variables: jsonspan.JNode | None, depth: int = 0) -> str:
    """The expression with each `variables('x')` replaced by that variable's own text (a few levels
    deep: `aksTemplate` built from `templateBase`), so a URI held in a variable is read like one inline."""
    if variables is None or depth > 4 or "variables(" not in expression.lower():
        return expression

    def text_of(match: re.Match) -> str:
        value = variables.get_ci(match.group(1))
        if value is None or value.kind != "string":
            return match.group(0)
        inner = str(value.value)
        inner = inner[1:-1] if inner.startswith("[") and inner.endswith("]") and not inner.startswith("[[") else f"'{inner}'"
        return _expanded(inner, variables, depth + 1)

    return _VARIABLE.sub(text_of, expression)


def _relative_in(uri: str) -> str | None:
    """The linked file's path relative to the caller, where the URI is built from the caller's own
    location and names exactly one `.json` file; None for any other URI (an absolute URL, a
    parameter the deployer passes)."""
    if not _BASE.search(uri):
        return None
    names = set(_JSON_LITERAL.findall(uri))
    return names.pop() if len(names) == 1 else None


def callers(listing, wanted: set[str] | None = None) -> dict[str, list[str]]:
    """Linked template -> the templates of the tree that deploy it through a templateLink."""
    found: dict[str, list[str]] = {}
    for relpath in listing.files:
        if not relpath.endswith(".json"):
            continue
        body, problem = read_safely(listing.root, listing.root / relpath, relpath)
        if problem or not body or b"templateLink" not in body:
            continue
        try:
            root = jsonspan.parse(body.removeprefix(b"\xef\xbb\xbf"))
        except (jsonspan.JsonSpanError, RecursionError):
            continue  # the file's own run reports it
        for target, _ in links(root, relpath):
            if target != relpath and (wanted is None or target in wanted) and relpath not in found.setdefault(target, []):
                found[target].append(relpath)
    return found


def as_parameters_document(root: jsonspan.JNode, caller: str, template: str) -> jsonspan.JNode | None:
    """The caller's deployment of `template` as a parameters document (its `parameters` object,
    whose entries' spans are the caller file's); None where the caller does not link it. A caller
    that links it more than once passes nothing akfix reads as one deployment's: every parameter
    any of the links passes is then undecided (entries replaced by an expression)."""
    passed = [p for target, p in links(root, caller) if target == template]
    if not passed:
        return None
    if len(passed) == 1:
        parameters = passed[0] or jsonspan.JNode("object", root.start, root.start, _members=[])
        return jsonspan.JNode("object", parameters.start, parameters.end, _members=[("parameters", parameters, parameters)])
    several = "[linked more than once]"
    names = {name: node for p in passed if p is not None for name, node, _ in p.members}
    entries = [(name, key, jsonspan.JNode("object", key.start, key.end, _members=[
        ("value", key, jsonspan.JNode("string", key.start, key.end, several))])) for name, key in names.items()]
    parameters = jsonspan.JNode("object", root.start, root.start, _members=entries)
    return jsonspan.JNode("object", root.start, root.start, _members=[("parameters", parameters, parameters)])
