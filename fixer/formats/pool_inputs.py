"""Agent pools whose OS is a template input that may be Windows, in pool templates read as evidence.

A pool-only template (`pools/nodepool.json`, deployed on its own against a cluster another template
declares) or a module the cluster's template calls is read for Windows by its text
(windows_evidence.py). Its pool's `osType` is often an input rather than a literal: a parameter
without a default, or one whose default or allowed values name Windows, lets a deployment add a
Windows pool -- and cilium beside Windows is the unsafe error (facts §4, rule 2). A parameter whose
default is Linux and whose allowed values offer no Windows is read as its default, as akfix reads
network inputs.

Pure: a parsed template (ARM) or a file's bytes (Bicep) in, the reasons out.
"""

from __future__ import annotations

import re

from fixer.formats.bicep.expressions import allowed_values
from fixer.formats.bicep.syntax import BicepSyntaxError, read_object, string_value, tokenize

_ARM_PARAMETER = re.compile(r"^\[\s*parameters\(\s*'([^']+)'\s*\)\s*\]$", re.IGNORECASE)


def _offers_windows(name: str, default: str | None, has_default: bool, allowed) -> str:
    """Why parameter `name` may be Windows ("" when it may not)."""
    if not has_default:
        return f"reads parameter {name}, which has no default"
    if any(str(value).lower().startswith("windows") for value in [default, *(allowed or ())]):
        return f"reads parameter {name}, which offers Windows"
    return ""


def arm_pool_os(template, properties) -> str:
    """Why an ARM agent pool's osType expression may be Windows ("" for a literal -- the evidence
    walk reads those -- or a parameter with a Linux default and no Windows offered)."""
    os_node = properties.get_ci("osType") if properties is not None and properties.kind == "object" else None
    text = str(os_node.value) if os_node is not None and os_node.kind == "string" else ""
    if not text.startswith("[") or text.startswith("[["):
        return ""
    match = _ARM_PARAMETER.match(text)
    declared = template.get("parameters") if match is not None and template.kind == "object" else None
    parameter = declared.get_ci(match.group(1)) if declared is not None and declared.kind == "object" else None
    if parameter is None or parameter.kind != "object":
        return f"{text[:60]}, which akfix cannot read"
    default = parameter.get_ci("defaultValue")
    allowed = parameter.get_ci("allowedValues")
    offered = [item.value for item in allowed.items] if allowed is not None and allowed.kind == "array" else []
    return _offers_windows(match.group(1), None if default is None else str(default.value), default is not None, offered)


def bicep_pool_os(body: bytes) -> list[tuple[int, str]]:
    """(offset, why) of each agent-pool resource in a Bicep file whose `osType` reads a param that
    may be Windows."""
    if b"gentPools" not in body:
        return []
    try:
        tokens = tokenize(body)
    except (BicepSyntaxError, ValueError):
        return []
    params = _params(tokens)
    found = []
    for i, token in enumerate(tokens[:-3]):
        if token.text != "resource" or tokens[i + 2].kind != "string" or (i and tokens[i - 1].kind != "newline"):
            continue
        if not (string_value(tokens[i + 2]) or "").split("@")[0].lower().endswith("/agentpools"):
            continue
        j = i + 3
        while j < len(tokens) and tokens[j].text not in ("{", "[") and tokens[j].kind != "newline":
            j += 1
        if j >= len(tokens) or tokens[j].text != "{":
            continue
        properties = read_object(tokens, j, body).get("properties")
        os_entry = properties.object.get("osType") if properties is not None and properties.object is not None else None
        if os_entry is None or os_entry.value_end - os_entry.value_start != 1 or tokens[os_entry.value_start].text not in params:
            continue  # a literal (the evidence regex reads it), or an expression the text shows
        name = tokens[os_entry.value_start].text
        why = _offers_windows(name, *params[name])
        if why:
            found.append((token.start, why))
    return found


def _params(tokens) -> dict[str, tuple[str | None, bool, tuple | None]]:
    """name -> (literal default, has a default, @allowed values) of each `param`."""
    found = {}
    for i, token in enumerate(tokens[:-1]):
        if token.text != "param" or (i and tokens[i - 1].kind != "newline") or tokens[i + 1].kind != "ident":
            continue
        j = i + 2
        while j < len(tokens) and tokens[j].kind != "newline" and tokens[j].text != "=":
            j += 1
        has_default = j < len(tokens) and tokens[j].text == "="
        default = string_value(tokens[j + 1]) if has_default and j + 1 < len(tokens) else None
        found[tokens[i + 1].text] = (default, has_default, allowed_values(tokens, i))
    return found
