"""AKS clusters declared with azapi: `azapi_resource` of type Microsoft.ContainerService/managedClusters.

The network profile sits in `body.properties.networkProfile` with the ARM names (facts §6.1); `body`
is an HCL object (azapi >= 1.13, required from 2.0) or `jsonencode({...})` (1.x). Type strings
compare case-insensitively. The kubenet migration's phase-1 mark is a `#` comment line inside the
networkProfile object (inside `jsonencode({...})` too: HCL ignores comments as lexical elements
and newlines between an object's braces, hashicorp/hcl hclsyntax/spec.md "Comments and
Whitespace", "Collection Values"; so the comment never reaches the JSON).
"""

from __future__ import annotations

from dataclasses import replace

from fixer.formats.put_names import profile_from, profile_keys
from fixer.formats.terraform import hcl
from fixer.formats.terraform.decls import MIGRATION_MARKER, ClusterDecl, value_of_expression
from fixer.model import MISSING, Profile, Value, ValueKind

AZAPI_TYPE = "azapi_resource"
CLUSTER_ARM_TYPE = "microsoft.containerservice/managedclusters"
POOL_ARM_TYPE = "microsoft.containerservice/managedclusters/agentpools"


def arm_type(block: hcl.Block) -> tuple[str, str] | None:
    """(lower-cased type, API version) of an azapi_resource, the version "" when not a literal."""
    node = hcl.attribute(block.body, "type")
    expression = hcl.expression_of(node) if node is not None else None
    if expression is None:
        return None
    literal = hcl.string_content(expression)
    if literal is not None:
        kind, _, api = literal.partition("@")
        return kind.lower(), api
    # An interpolated or conditional type: judge the kind by the literal text inside it.
    raw = hcl.text(expression).strip()
    for part in hcl.descend(expression, "template_literal"):
        kind = hcl.text(part).split("@", 1)[0].lower()
        if kind in (CLUSTER_ARM_TYPE, POOL_ARM_TYPE):
            return kind, f"expression: {raw}"
    return None


def properties(block: hcl.Block):
    node = hcl.attribute(block.body, "body")
    body = hcl.object_node(hcl.expression_of(node)) if node is not None else None
    found = hcl.object_element(body, "properties")
    return hcl.object_node(found[1]) if found else None


def network_profile(block: hcl.Block):
    found = hcl.object_element(properties(block), "networkProfile")
    return hcl.object_node(found[1]) if found else None


def azapi_cluster(block: hcl.Block, relpath: str):
    """A ClusterDecl for an azapi managed cluster, else None."""
    kind, api = arm_type(block) or ("", "")
    if kind != CLUSTER_ARM_TYPE:
        return None
    if _automatic(block):
        # AKS Automatic always runs Azure CNI Overlay with Cilium (facts §2): compliant as it is,
        # and its network profile is never written.
        automatic = Value(ValueKind.LITERAL, "cilium", block.node.start_point[0] + 1, via="AKS Automatic (always Cilium)")
        overlay = Value(ValueKind.LITERAL, "overlay", None, via="AKS Automatic")
        profile = profile_from({"policy": automatic, "data_plane": automatic, "plugin_mode": overlay,
                                "plugin": Value(ValueKind.LITERAL, "azure", None)}, True)
        return ClusterDecl.of_block(block, f"{AZAPI_TYPE}.{block.labels[1]}", relpath, profile, api_version=api, editable=False)
    profile_object = network_profile(block)
    fields: dict[str, Value] = {}
    elements = {key: value for key, _, value in hcl.object_elements(profile_object)}
    for key, field_name in profile_keys(elements).items():
        fields[field_name] = value_of_expression(elements[key])
    opaque = _opaque_part(block)
    if opaque is not None:
        # body, properties or networkProfile is built by an expression (merge(), a local...):
        # akfix cannot see the policy, so it is unresolved, never "missing".
        fields["policy"] = Value(ValueKind.EXPRESSION, hcl.text(opaque).strip(), opaque.start_point[0] + 1,
                                 note="the azapi body is built by an expression")
    windows = any(
        (value_of_expression(v).literal or "").lower() == "windows"
        for pool in _pools(block)
        for k, _, v in hcl.object_elements(pool)
        if k == "osType"
    )
    profile = _migration_facts(block, profile_from(fields, profile_object is not None, elements), profile_object)
    return ClusterDecl.of_block(
        block,
        f"{AZAPI_TYPE}.{block.labels[1]}",
        relpath,
        profile,
        sets_profile=profile_object is not None,
        api_version=api,
        windows_inline=windows,
    )


def _migration_facts(block: hcl.Block, profile: Profile, profile_object) -> Profile:
    """What the kubenet migration checks (plan/migration.py): the Kubernetes version, the identity
    type, and akfix's phase-1 mark, a comment inside the networkProfile object (or why it cannot
    carry one)."""
    version = hcl.object_element(properties(block), "kubernetesVersion")
    identity = next((b for b in hcl.blocks(block.body) if b.type == "identity"), None)
    identity_type = hcl.attribute(identity.body, "type") if identity is not None else None
    one_line = profile_object is not None and profile_object.start_point[0] == profile_object.end_point[0]
    return replace(
        profile,
        kubernetes_version=value_of_expression(version[1]) if version else MISSING,
        identity_type=value_of_expression(hcl.expression_of(identity_type)) if identity_type is not None else MISSING,
        migration_pending=profile_object is not None and any(MIGRATION_MARKER in (c.text or b"") for c in hcl.descend(profile_object, "comment")),
        unmarkable="the azapi networkProfile object is written on one line, where no comment line fits" if one_line else "",
    )


def _automatic(block: hcl.Block) -> bool:
    node = hcl.attribute(block.body, "body")
    sku = hcl.object_element(hcl.object_node(hcl.expression_of(node)) if node is not None else None, "sku")
    name = hcl.object_element(hcl.object_node(sku[1]), "name") if sku else None
    return name is not None and (hcl.string_content(name[1]) or "").lower() == "automatic"


def _opaque_part(block: hcl.Block):
    """The first of body / properties / networkProfile that is an expression rather than an object."""
    node = hcl.attribute(block.body, "body")
    if node is None:
        return None
    expression = hcl.expression_of(node)
    if hcl.object_node(expression) is None:
        return expression
    found = hcl.object_element(hcl.object_node(expression), "properties")
    if found is None:
        return None
    if hcl.object_node(found[1]) is None:
        return found[1]
    profile = hcl.object_element(hcl.object_node(found[1]), "networkProfile")
    if profile is not None and hcl.object_node(profile[1]) is None:
        return profile[1]
    return None


def _pools(block: hcl.Block):
    found = hcl.object_element(properties(block), "agentPoolProfiles")
    if not found:
        return
    node = found[1]
    while node.type in ("expression", "collection_value") and node.named_child_count == 1:
        node = node.named_children[0]
    if node.type == "tuple":
        for item in node.named_children:
            obj = hcl.object_node(item)
            if obj is not None:
                yield obj
