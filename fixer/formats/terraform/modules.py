"""Registry modules that build AKS clusters, known by source (aks-network-facts.md §6.2, §6.3).

A call of such a module is a cluster: its inputs play the role of the network_profile block, with
the module's own defaults where the call is silent.
"""

from __future__ import annotations

from fixer.formats.terraform import hcl
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
    node = hcl.attribute(block.body, "source")
    expression = hcl.expression_of(node) if node is not None else None
    text = hcl.string_content(expression) if expression is not None else None
    if text is None:
        return None
    return text.removeprefix("registry.terraform.io/").split("//")[0]


def _literal(block: hcl.Block, name: str) -> Value:
    from fixer.formats.terraform.locate import value_of

    node = hcl.attribute(block.body, name)
    return value_of(node) if node is not None else MISSING


def known_module(block: hcl.Block, relpath: str):
    """A ClusterDecl for a call of a known AKS module, else None."""
    from fixer.formats.terraform.locate import ClusterDecl

    source = module_source(block)
    if source is None or source.lower() != AZURE_AKS.lower():
        return None
    version = _literal(block, "version").literal or "unknown version"
    plugin = _literal(block, "network_plugin")
    if plugin.is_missing:
        plugin = Value(ValueKind.LITERAL, "kubenet", None, note="module default", via=f"{AZURE_AKS} default")
    data_plane = _literal(block, "ebpf_data_plane")
    profile = Profile(
        block_present=True,
        plugin=plugin,
        plugin_mode=_literal(block, "network_plugin_mode"),
        policy=_literal(block, "network_policy"),
        data_plane=data_plane,
        data_plane_attribute=None,
        pod_subnet=_literal(block, "pod_subnet_id"),
        outbound_type=_literal(block, "net_profile_outbound_type"),
        kubernetes_version=_literal(block, "kubernetes_version"),
    )
    name = block.labels[0]
    return ClusterDecl(
        address=f"module.{name}",
        name=name,
        file=relpath,
        line=block.node.start_point[0] + 1,
        profile=profile,
        sets_profile=True,
        sets_node_pool=False,
        kubernetes_version=profile.kubernetes_version,
        attribute_names=frozenset(),
        module=f"{AZURE_AKS} {version}",
    )


def module_inputs(module: str | None) -> tuple[tuple[str, str], ...]:
    if module and module.split(" ")[0].lower() == AZURE_AKS.lower():
        return tuple(AZURE_AKS_INPUTS.items())
    return ()
