"""Registry modules that build AKS clusters, known by source (aks-network-facts.md §6.2, §6.3).

A call of such a module is a cluster: its inputs play the role of the network_profile block, with
the module's own defaults where the call is silent. The same modules called straight from their
GitHub repositories (`github.com/Azure/terraform-azurerm-aks?ref=11.1.0`) are known too: the
registry publishes those repositories' tags.
"""

from __future__ import annotations

import re
from dataclasses import replace

from fixer.formats.terraform import hcl
from fixer.formats.terraform.decls import MIGRATION_MARKER, ClusterDecl, value_of, value_of_expression
from fixer.model import MISSING, Profile, Value, ValueKind

AZURE_AKS = "Azure/aks/azurerm"
AVM_AKS = "Azure/avm-res-containerservice-managedcluster/azurerm"

# The Azure/aks module's data-plane input is `ebpf_data_plane` in every major version (8.x-11.x);
# 11.x maps it onto the resource's network_data_plane, so the provider rules still decide.
AZURE_AKS_INPUTS = {
    "network_plugin": "network_plugin",
    "network_plugin_mode": "network_plugin_mode",
    "network_policy": "network_policy",
    "network_data_plane": "ebpf_data_plane",
    "ebpf_data_plane": "ebpf_data_plane",
}


def module_source(block: hcl.Block) -> str | None:
    text = _raw_source(block)
    return _address(text) if text is not None else None


def _address(text: str) -> str:
    """A registry address without host or //subdirectory; any other source as it is written."""
    if "::" in text or "://" in text:
        return text  # git, http, s3 ...: never a registry address
    return text.removeprefix("registry.terraform.io/").split("//")[0]  # drop a //subdirectory


def _raw_source(block: hcl.Block) -> str | None:
    node = hcl.attribute(block.body, "source")
    expression = hcl.expression_of(node) if node is not None else None
    return hcl.string_content(expression) if expression is not None else None


# The GitHub repositories the registry publishes the known modules from (lowercase owner/name).
_REPOSITORIES = {
    "azure/terraform-azurerm-aks": AZURE_AKS,
    "azure/terraform-azurerm-avm-res-containerservice-managedcluster": AVM_AKS,
}
# github.com/O/R, git::https://github.com/O/R.git, git::ssh://git@github.com/O/R.git, git@github.com:O/R.git;
# then an optional //subdirectory (Azure/aks keeps its azurerm 4.x variant in //v4) and ?query.
_GITHUB = re.compile(r"^(?:git::)?(?:https://|ssh://git@|git@)?github\.com[/:]([\w.-]+/[\w.-]+?)(?:\.git)?(?://[^?]*)?(?:\?(.*))?$",
                     re.IGNORECASE)
_TAG = re.compile(r"^v?(\d+\.\d+\.\d+(?:-[\w.]+)?)$")


def registry_of(source: str) -> tuple[str, str | None, str | None] | None:
    """(registry address, version, ref) of a known module called from its GitHub repository; the
    version is the `ref` where that is a release tag. No ref: the default branch, the newest code
    (as a registry call without `version`); a branch or commit ref: a version akfix cannot tell."""
    match = _GITHUB.match(source.strip())
    if match is None or match.group(1).lower() not in _REPOSITORIES:
        return None
    query = dict(part.partition("=")[::2] for part in (match.group(2) or "").split("&") if part)
    ref = query.get("ref") or None
    tag = _TAG.match(ref or "")
    return _REPOSITORIES[match.group(1).lower()], tag.group(1) if tag else None, ref


def _literal(block: hcl.Block, name: str) -> Value:
    node = hcl.attribute(block.body, name)
    return value_of(node) if node is not None else MISSING


def known_module(block: hcl.Block, relpath: str):
    """A ClusterDecl for a call of a known AKS module, else None."""
    raw = _raw_source(block)
    if raw is None:
        return None
    from_git = registry_of(raw)
    name, version, ref = from_git if from_git else (_address(raw), _literal(block, "version").literal, None)
    if name.lower() == AZURE_AKS.lower():
        decl = _azure_aks(block, relpath, version)
    elif name.lower() == AVM_AKS.lower():
        decl = _avm(block, relpath, version)
    else:
        return None
    if ref and not version:
        # Read, never written: which inputs the module has (and, for AVM, its defaults) depends on a
        # version this ref does not name.
        return replace(decl, module=f"{name} ref {ref}", editable=False, not_editable_why=(
            f"The call takes the module from git ref {ref}, which is not a release tag, so akfix cannot tell which inputs "
            "that code has. Set them by hand, or call a release tag (?ref=X.Y.Z)."))
    return decl


def _azure_aks(block: hcl.Block, relpath: str, version: str | None):
    version = version or "unknown version"
    plugin = _literal(block, "network_plugin")
    if plugin.is_missing:
        plugin = Value(ValueKind.LITERAL, "kubenet", None, note="module default", via=f"{AZURE_AKS} default")
    # 10.x has both inputs; a call that sets network_data_plane is edited there, and then the
    # provider's rule for network_data_plane (recreate on 3.108-3.117) applies, not ebpf's.
    explicit = _literal(block, "network_data_plane")
    data_plane = explicit if not explicit.is_missing else _literal(block, "ebpf_data_plane")
    profile = Profile(
        block_present=True,
        plugin=plugin,
        plugin_mode=_literal(block, "network_plugin_mode"),
        policy=_literal(block, "network_policy"),
        data_plane=data_plane,
        data_plane_attribute="network_data_plane" if not explicit.is_missing else None,
        pod_subnet=_literal(block, "pod_subnet_id"),
        outbound_type=_literal(block, "net_profile_outbound_type"),
        kubernetes_version=_literal(block, "kubernetes_version"),
        identity_type=_azure_aks_identity(block),
        # phase 1 of the kubenet migration marks the call itself (editor.migration_marker_edits)
        migration_pending=any(MIGRATION_MARKER in (c.text or b"") for c in hcl.descend(block.node, "comment")),
    )
    inputs = dict(AZURE_AKS_INPUTS)
    if not explicit.is_missing:
        inputs["network_data_plane"] = "network_data_plane"
    return ClusterDecl.of_block(
        block, f"module.{block.labels[0]}", relpath, profile, module=f"{AZURE_AKS} {version}", input_names=tuple(inputs.items())
    )


def _azure_aks_identity(block: hcl.Block) -> Value:
    """The cluster's identity as the call sets it: `identity_type` (module default SystemAssigned),
    or a service principal where `client_id` is set (the module then sets no identity)."""
    client = _literal(block, "client_id")
    if not client.is_missing and client.literal != "":  # the module's default is ""
        return Value(ValueKind.LITERAL, "ServicePrincipal", None, note="client_id is set", via="client_id")
    stated = _literal(block, "identity_type")
    return stated if not stated.is_missing else Value(ValueKind.LITERAL, "SystemAssigned", None, note="module default",
                                                      via=f"{AZURE_AKS} default")


def module_inputs(module: str | None) -> tuple[tuple[str, str], ...]:
    """Provider attribute -> the key the module call takes for it."""
    if not module:
        return ()
    source, _, version = module.partition(" ")
    if source.lower() == AZURE_AKS.lower():
        return tuple(AZURE_AKS_INPUTS.items())
    if source.lower() == AVM_AKS.lower():
        from fixer.versions import parse_version

        parsed = parse_version(version.lstrip("~>= ")) if version else None
        # v0.4.0 renamed network_data_plane to network_dataplane (UPGRADE.md); from then on the
        # planner speaks ARM names (azapi), which map onto the object's snake_case keys.
        renamed = parsed is None or parsed >= (0, 4, 0) and "-pre" not in version
        key = "network_dataplane" if renamed else "network_data_plane"
        return (
            ("network_data_plane", key), ("ebpf_data_plane", key), ("networkDataplane", key),
            ("networkPolicy", "network_policy"), ("networkPluginMode", "network_plugin_mode"), ("networkPlugin", "network_plugin"),
        )
    return ()


# AVM v0.1.0 - v0.4.0-pre2 default the whole network_profile object to Azure CNI Overlay with the
# NPM engine (azure); from v0.4.0 the default is null and AKS's own defaults apply (§6.2).
_AVM_NPM_DEFAULT_UNTIL = (0, 4, 0)
AVM_API_VERSION = "2026-03-01"


def _avm(block: hcl.Block, relpath: str, raw_version: str | None):
    from fixer.versions import parse_version

    version = parse_version(raw_version.lstrip("~>= ")) if raw_version else None
    prerelease = bool(raw_version and "-pre" in raw_version)
    node = hcl.attribute(block.body, "network_profile")
    fields: dict[str, Value] = {}
    if node is not None:
        expression = hcl.expression_of(node)
        for key, value in _object_elements(expression):
            fields[key] = value
        if expression is not None and not fields:
            text = hcl.text(expression).strip()
            fields["network_policy"] = Value(ValueKind.EXPRESSION, text, expression.start_point[0] + 1, note="network_profile object")
    elif version is not None and (version < _AVM_NPM_DEFAULT_UNTIL or (version == _AVM_NPM_DEFAULT_UNTIL and prerelease)):
        default = f"{AVM_AKS} {raw_version} default"
        fields = {
            "network_plugin": Value(ValueKind.LITERAL, "azure", None, via=default),
            "network_plugin_mode": Value(ValueKind.LITERAL, "overlay", None, via=default),
            "network_policy": Value(ValueKind.LITERAL, "azure", None, via=default),
        }
    data_plane = fields.get("network_dataplane") or fields.get("network_data_plane") or MISSING
    azapi_backed = version is None or version >= _AVM_NPM_DEFAULT_UNTIL and not prerelease
    # From v0.4.0 the object defaults to null and the module sends only what the call sets (nulls
    # filtered out, every field optional), so a call without one can gain it: AKS keeps on a PUT
    # whatever the body leaves out (facts §2, PUT semantics).
    absent = node is None and azapi_backed
    profile = Profile(
        block_present=not absent,
        plugin=fields.get("network_plugin", MISSING),
        plugin_mode=fields.get("network_plugin_mode", MISSING),
        policy=fields.get("network_policy", MISSING),
        data_plane=data_plane,
        data_plane_attribute=None,
    )
    return ClusterDecl.of_block(
        block,
        f"module.{block.labels[0]}",
        relpath,
        profile,
        module=f"{AVM_AKS} {raw_version or 'unknown version'}",
        # An explicit network_profile object is edited; before v0.4.0 adding one would have to
        # restate the module's default object (plugin, mode, policy), so only from v0.4.0 on.
        editable=absent or (node is not None and bool(fields)
                            and "network_policy" not in {k for k, v in fields.items() if v.kind is ValueKind.EXPRESSION}),
        # From v0.4.0 the module builds the cluster with azapi (API 2026-03-01 at HEAD): AKS PUT rules.
        api_version=AVM_API_VERSION if azapi_backed else None,
    )


def _object_elements(expression):
    """(key, Value) of an object literal's elements."""
    if expression is None:
        return
    node = expression
    while node.type in ("expression", "collection_value") and node.named_child_count == 1:
        node = node.named_children[0]
    if node.type != "object":
        return
    for element in (c for c in node.children if c.type == "object_elem"):
        parts = [c for c in element.children if c.type == "expression"]
        if len(parts) == 2:
            key = hcl.text(parts[0]).strip().strip('"')
            yield key, value_of_expression(parts[1])
