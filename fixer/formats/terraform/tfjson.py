"""Terraform's JSON syntax (`*.tf.json`): locate clusters and edit them with the JSON layout kept.

    {"resource": {"azurerm_kubernetes_cluster": {"main": {"network_profile": {...} | [{...}]}}}}

Strings holding `${...}` are expressions. Edits replace one value's bytes or add members in the
object's own layout (jsonspan), never re-serialising the file.
"""

from __future__ import annotations

import json

from fixer.formats import jsonspan
from fixer.formats.terraform.decls import CLUSTER_TYPE, NODE_POOL_TYPE, ClusterDecl, FileDecls, NodePoolDecl, ParseFailure
from fixer.model import MISSING, Edit, Fix, Profile, Value, ValueKind

SUFFIX = ".tf.json"


def _value(node: jsonspan.JNode | None, data: bytes) -> Value:
    if node is None or node.kind == "null":
        return MISSING
    line = data.count(b"\n", 0, node.start) + 1
    if node.kind == "string" and "${" not in node.value:
        return Value(ValueKind.LITERAL, node.value, line)
    return Value(ValueKind.EXPRESSION, data[node.start:node.end].decode("utf-8", "replace"), line)


def _profile_object(resource: jsonspan.JNode) -> jsonspan.JNode | None:
    node = resource.get("network_profile")
    if node is not None and node.kind == "array":
        node = node.items[0] if len(node.items) == 1 else None
    return node if node is not None and node.kind == "object" else None


def _resources(root: jsonspan.JNode, resource_type: str):
    resources = root.get("resource")
    blocks = resources.items if resources is not None and resources.kind == "array" else [resources]
    for block in blocks:
        if block is None or block.kind != "object":
            continue
        by_name = block.get(resource_type)
        if by_name is not None and by_name.kind == "object":
            for name, key, body in by_name.members:
                if body.kind == "object":
                    yield name, key, body


def locate_json(body: bytes, relpath: str) -> FileDecls:
    try:
        root = jsonspan.parse(body)
    except jsonspan.JsonSpanError as exc:
        raise ParseFailure(f"JSON syntax error: {exc}", exc.line) from exc
    if root.kind != "object":
        return FileDecls((), ())
    clusters = []
    for name, key, resource in _resources(root, CLUSTER_TYPE):
        profile_node = _profile_object(resource)
        fields = {k: _value(v, body) for k, _, v in profile_node.members} if profile_node else {}
        data_plane = next((k for k in ("network_data_plane", "ebpf_data_plane") if k in fields), None)
        pool = resource.get("default_node_pool")
        if pool is not None and pool.kind == "array" and len(pool.items) == 1:
            pool = pool.items[0]
        profile = Profile(
            block_present=profile_node is not None,
            plugin=fields.get("network_plugin", MISSING),
            plugin_mode=fields.get("network_plugin_mode", MISSING),
            policy=fields.get("network_policy", MISSING),
            data_plane=fields.get(data_plane, MISSING) if data_plane else MISSING,
            data_plane_attribute=data_plane,
            pod_subnet=_value(pool.get("pod_subnet_id"), body) if pool is not None and pool.kind == "object" else MISSING,
            outbound_type=fields.get("outbound_type", MISSING),
            kubernetes_version=_value(resource.get("kubernetes_version"), body),
            # akfix writes no mark into JSON configuration yet: phase 1 there would let a second run
            # write the engine at once (plan/migration.py refuses it, saying so)
            unmarkable="a .tf.json file gets no akfix:phase-1 mark yet",
        )
        clusters.append(
            ClusterDecl(
                address=f"{CLUSTER_TYPE}.{name}",
                name=name,
                file=relpath,
                line=body.count(b"\n", 0, key.start) + 1,
                profile=profile,
                sets_profile=profile_node is not None,
                sets_node_pool=pool is not None,
                kubernetes_version=profile.kubernetes_version,
                attribute_names=frozenset(fields),
            )
        )
    pools = []
    for name, key, resource in _resources(root, NODE_POOL_TYPE):
        os_type = _value(resource.get("os_type"), body).literal or ""
        reference = _value(resource.get("kubernetes_cluster_id"), body).text or ""
        marker = f"{CLUSTER_TYPE}."
        cluster_name = reference.split(marker, 1)[1].split(".")[0] if marker in reference else None
        pools.append(NodePoolDecl(f"{NODE_POOL_TYPE}.{name}", relpath, body.count(b"\n", 0, key.start) + 1, os_type.lower() == "windows", cluster_name))
    return FileDecls(tuple(clusters), tuple(pools))


def json_edits_for(body: bytes, address: str, fix: Fix, newline: bytes) -> list[Edit]:
    root = jsonspan.parse(body)
    name = address.split(".", 1)[1]
    resource = next((r for n, _, r in _resources(root, CLUSTER_TYPE) if n == name), None)
    if resource is None:
        raise ValueError(f"{address} not found")
    profile = _profile_object(resource)
    if profile is None:
        if resource.get("network_profile") is not None:
            raise ValueError("network_profile is not a single object")
        block = {c.attribute: c.value for c in fix.changes}
        return [_insert(body, resource, [("network_profile", block)], newline)]
    return [Edit(*edit) for edit in jsonspan.set_members(body, profile, [(c.attribute, c.value) for c in fix.changes], newline)]


def _insert(body: bytes, obj: jsonspan.JNode, members: list[tuple[str, object]], newline: bytes) -> Edit:
    start, end, text = jsonspan.insert_members(body, obj, members, newline)
    return Edit(start, end, text)


def json_readback(body: bytes, checks) -> None:
    """The new values, read by the standard library's JSON parser (independent of jsonspan)."""
    from fixer.formats.terraform.readback import ReadbackFailure

    try:
        document = json.loads(body.decode("utf-8"))
    except ValueError as exc:
        raise ReadbackFailure(f"result is not valid JSON ({exc})") from exc
    for address, changes in checks:
        name = address.split(".", 1)[1]
        resource = document.get("resource", {}).get(CLUSTER_TYPE, {}).get(name, {})
        profile = resource.get("network_profile", {})
        profile = profile[0] if isinstance(profile, list) and profile else profile
        for change in changes:
            if profile.get(change.attribute) != change.value:
                raise ReadbackFailure(f"read-back mismatch for {address}: {change.attribute} is {profile.get(change.attribute)!r}")

