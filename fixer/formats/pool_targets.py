"""The clusters a pool-only template adds agent pools to, by name.

A Bicep file with an `existing` cluster and an `agentPools` child (`parent: aks`), or an ARM template
with a `managedClusters/agentPools` resource named `aks-orders/win1`, deployed on its own (`az
deployment group create -f windows-pool.bicep`), adds a pool to a cluster another template declares.
No locator ties that pool to the cluster, and no module call links the two files: only the cluster's
name does. A Windows pool there rules cilium out for that cluster (facts §4) as much as one in the
cluster's own template, so put.py counts such a file as the deployment's evidence for every cluster
whose name it may name.

Pure: one file's bytes in, the names it targets out (None for a name akfix cannot read, which may be
any cluster's: cautious, as the Windows evidence is).
"""

from __future__ import annotations

import json

from fixer.formats.bicep.syntax import BicepSyntaxError, read_object, string_value, tokenize

_CLUSTER = "microsoft.containerservice/managedclusters"
_POOL = "microsoft.containerservice/managedclusters/agentpools"


def pool_targets(relpath: str, body: bytes) -> frozenset[str | None] | None:
    """The cluster names (lowercase; None: unreadable) the file's agent pools are added to, or None
    where it is no pool-only template: no agent pool, or a cluster of its own (whose pools the
    cluster's locator reads), or a file akfix cannot read."""
    if b"agentPools" not in body and b"agentpools" not in body:
        return None
    try:
        if relpath.endswith(".bicep"):
            return _bicep_targets(body)
        if relpath.endswith(".json"):
            return _arm_targets(json.loads(body.decode("utf-8-sig")))
    except (BicepSyntaxError, ValueError, UnicodeDecodeError, RecursionError):
        return None
    return None


def _bicep_targets(body: bytes) -> frozenset[str | None] | None:
    tokens = tokenize(body)
    existing: dict[str, str | None] = {}  # symbol -> the literal name of an `existing` cluster
    pools: list[tuple[str | None, str | None]] = []  # (parent symbol, literal name) of each agent pool
    for i, token in enumerate(tokens[:-2]):
        if token.text != "resource" or tokens[i + 2].kind != "string":
            continue
        kind = (string_value(tokens[i + 2]) or "").split("@")[0].lower()
        if kind not in (_CLUSTER, _POOL):
            continue
        j = i + 3
        is_existing = j < len(tokens) and tokens[j].text == "existing"
        while j < len(tokens) and tokens[j].text not in ("{", "["):
            j += 1
        if j >= len(tokens) or tokens[j].text != "{":
            if kind == _POOL:
                pools.append((None, None))  # a loop or condition: its target is not read here
            continue
        entries = read_object(tokens, j, body).entries

        def literal(key: str) -> str | None:
            entry = entries.get(key)
            return string_value(tokens[entry.value_start]) if entry is not None and entry.value_end - entry.value_start == 1 else None

        if kind == _CLUSTER:
            if not is_existing:
                return None  # the file declares a cluster: its pools are that template's
            existing[tokens[i + 1].text] = literal("name")
        else:
            parent = entries.get("parent")
            symbol = tokens[parent.value_start].text if parent is not None and parent.value_end - parent.value_start == 1 else None
            pools.append((symbol, literal("name")))
    if not pools:
        return None
    targets: set[str | None] = set()
    for symbol, name in pools:
        if symbol is not None:
            targets.add(existing[symbol].lower() if existing.get(symbol) else None)
        else:
            targets.add(name.split("/")[0].lower() if name and "/" in name else None)
    return frozenset(targets)


def _arm_targets(document) -> frozenset[str | None] | None:
    targets: set[str | None] = set()
    pending = [document]
    while pending:
        template = pending.pop()
        resources = template.get("resources") if isinstance(template, dict) else None
        items = resources.values() if isinstance(resources, dict) else resources if isinstance(resources, list) else []
        for resource in items:
            if not isinstance(resource, dict):
                continue
            kind = str(resource.get("type", "")).lower()
            if kind == _CLUSTER and not resource.get("existing"):
                return None  # the template declares a cluster: its pools are that template's
            if kind == _POOL:
                name = resource.get("name")
                literal = isinstance(name, str) and not name.startswith("[") and "/" in name
                targets.add(name.split("/")[0].lower() if literal else None)
            nested = resource.get("properties", {}).get("template") if isinstance(resource.get("properties"), dict) else None
            pending += [nested] if isinstance(nested, dict) else []
            pending += [resource]  # child resources (`"resources": [...]` inside a resource)
    return frozenset(targets) if targets else None
