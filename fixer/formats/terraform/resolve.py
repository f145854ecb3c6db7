"""Give a cluster the values its expressions evaluate to, one view per tfvars environment."""

from __future__ import annotations

from dataclasses import replace

from fixer.formats.terraform import hcl
from fixer.formats.terraform.editor import block_key
from fixer.formats.terraform.values import Candidate, ModuleScope
from fixer.model import Cluster, Value, ValueKind

# Profile field -> the network_profile attribute it is read from (data plane: either name).
_FIELDS = {
    "policy": ("network_policy",),
    "plugin": ("network_plugin",),
    "plugin_mode": ("network_plugin_mode",),
    "data_plane": ("network_data_plane", "ebpf_data_plane"),
}


def resolve_cluster(cluster: Cluster, scope: ModuleScope) -> list[Cluster]:
    source = scope.sources.get(cluster.profile_file)
    if source is None or source.root is None:
        return [cluster]
    kind, labels = block_key(cluster.address)
    resource = next((b for b in hcl.blocks(hcl.body_of(source.root)) if b.type == kind and b.labels == labels), None)
    if kind == "module":
        block = resource  # a module call's inputs play the network_profile block's part
    else:
        block = next((b for b in hcl.blocks(resource.body) if b.type == "network_profile"), None) if resource else None
    if block is None:
        return [cluster]
    candidates: dict[str, list[Candidate]] = {}
    for field, attributes in _FIELDS.items():
        current: Value = getattr(cluster.profile, field)
        if current.kind is not ValueKind.EXPRESSION:
            continue
        names = [dict(cluster.input_names).get(a, a) for a in attributes]
        node = next((hcl.attribute(block.body, a) for a in names if hcl.attribute(block.body, a) is not None), None)
        expression = hcl.expression_of(node) if node is not None else None
        if expression is not None:
            candidates[field] = scope.evaluate(expression, cluster.profile_file)
    environments = sorted({c.environment for found in candidates.values() for c in found if c.environment})
    views = []
    for environment in environments or [None]:
        profile = cluster.profile
        for field, found in candidates.items():
            chosen = next((c for c in found if c.environment == environment), None) or next(
                (c for c in found if c.environment is None), found[0]
            )
            profile = replace(profile, **{field: chosen.value})
        views.append(replace(cluster, profile=profile, environment=environment))
    return views
