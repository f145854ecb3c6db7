"""What the azurerm provider accepts and does, per version, as data (aks-network-facts.md §1).

Each table is a list of (first version, value) rows in ascending order; `band(table, v)` gives the
value in force at version v. The planner only reads these tables, so a corrected fact is a
one-row change here.
"""

from __future__ import annotations

from typing import TypeVar

from fixer.versions import Version

T = TypeVar("T")


def band(table: list[tuple[Version, T]], version: Version) -> T:
    value = table[0][1]
    for start, row in table:
        if version >= start:
            value = row
    return value


# §1.1: the network_policy values the provider accepts. `none` is never accepted.
POLICY_VALUES: list[tuple[Version, frozenset[str]]] = [
    ((2, 0, 0), frozenset({"azure", "calico"})),
    ((3, 75, 0), frozenset({"azure", "calico", "cilium"})),
]

# §1.2: which (old, new) network_policy changes the provider makes in place; every other change
# forces a new cluster. Old "" means no engine (the provider stores the API's `none` as "").
POLICY_IN_PLACE: list[tuple[Version, frozenset[tuple[str, str]]]] = [
    ((2, 0, 0), frozenset()),  # schema ForceNew
    ((3, 75, 0), frozenset({("", "cilium")})),
    ((3, 108, 0), frozenset({("", "azure"), ("", "calico"), ("", "cilium")})),  # PR #26281
    ((4, 58, 0), frozenset({("", "azure"), ("", "calico"), ("", "cilium"), ("azure", "cilium")})),  # PR #30958
    ((4, 59, 0), frozenset({("", "azure"), ("", "calico"), ("", "cilium"), ("azure", "cilium"), ("calico", "cilium")})),  # PR #31627
]


# §1.3: how to turn the Cilium data plane on, from a cluster whose data plane is azure (iptables).
# (attribute to write, whether azure -> cilium is in place); attribute None = cannot be expressed.
DATA_PLANE_ENABLE: list[tuple[Version, tuple[str | None, bool]]] = [
    ((2, 0, 0), (None, False)),
    ((3, 35, 0), ("ebpf_data_plane", False)),  # ForceNew until 3.70
    ((3, 71, 0), ("ebpf_data_plane", True)),  # ForceNew only if the old value was non-empty
    # 3.108-3.117: network_data_plane exists but azure -> cilium on it recreates (the flattener
    # fills in "azure"); the deprecated ebpf_data_plane is still the in-place way.
    ((4, 0, 0), ("network_data_plane", False)),  # ebpf_data_plane removed; Default azure; ForceNew
    ((4, 58, 0), ("network_data_plane", True)),
]

# network_data_plane exists from 3.108; on 3.x an explicit azure -> cilium change on it recreates.
NETWORK_DATA_PLANE_IN_PLACE: list[tuple[Version, bool | None]] = [
    ((2, 0, 0), None),  # attribute unknown to the provider
    ((3, 108, 0), False),
    ((4, 58, 0), True),
]

# §1.1 / rule 14: the casing of network_plugin_mode the provider validates (case-sensitively).
PLUGIN_MODE_OVERLAY: list[tuple[Version, str | None]] = [
    ((2, 0, 0), None),
    ((3, 35, 0), "Overlay"),
    ((3, 62, 0), "overlay"),
]

# §1.3 (derived): from 3.108 the provider sends network_policy only when the live cluster has a
# load-balancer profile, so a policy-only change on other outbound types may never reach Azure.
POLICY_ONLY_UPDATE_NEEDS_LB: list[tuple[Version, bool]] = [
    ((2, 0, 0), False),
    ((3, 108, 0), True),
]

# kubenet -> Azure CNI Overlay is in place only from 4.66 (§1.1).
KUBENET_TO_OVERLAY_IN_PLACE: list[tuple[Version, bool]] = [
    ((2, 0, 0), False),
    ((4, 66, 0), True),
]

# Every version at which some table above changes: the planner evaluates a range of plausible
# versions at these points (and at the range's lower end) and keeps the riskiest outcome.
BOUNDARIES: tuple[Version, ...] = tuple(
    sorted(
        {
            start
            for table in (
                POLICY_VALUES,
                POLICY_IN_PLACE,
                DATA_PLANE_ENABLE,
                NETWORK_DATA_PLANE_IN_PLACE,
                PLUGIN_MODE_OVERLAY,
                POLICY_ONLY_UPDATE_NEEDS_LB,
                KUBENET_TO_OVERLAY_IN_PLACE,
            )
            for start, _ in table
        }
    )
)

# The first version at which each (old, new) policy change is in place, for "raise azurerm to X".
def first_in_place_version(old: str, new: str) -> Version | None:
    for start, allowed in POLICY_IN_PLACE:
        if (old, new) in allowed:
            return start
    return None


def first_version_enabling_cilium_in_place() -> Version:
    """The first version in which both the policy and a non-deprecated data plane go in place."""
    return next(start for start, (attribute, in_place) in DATA_PLANE_ENABLE if attribute == "network_data_plane" and in_place)


# Hints from the code itself: using an attribute or value proves a minimum (and maybe maximum)
# provider version, which narrows an otherwise unknown range (§1.1).
ATTRIBUTE_MIN_VERSION: dict[str, Version] = {
    "network_plugin_mode": (3, 35, 0),
    "ebpf_data_plane": (3, 35, 0),
    "network_data_plane": (3, 108, 0),
    "advanced_networking": (4, 45, 0),
}
ATTRIBUTE_MAX_VERSION: dict[str, Version] = {
    "ebpf_data_plane": (4, 0, 0),  # removed in 4.0
}

# Attributes of the cluster (and of its default_node_pool) that 4.0 renamed: the old name exists
# only before 4.0, the new one only from 4.0 (4.0 upgrade guide; Azure/terraform-azurerm-aks 10.x
# keeps a v4/main_override.tf that makes exactly these renames). 3.114-3.115 offered the new names
# only behind the 4.0 beta opt-in (ARM_FOURPOINTZERO_BETA), which akfix does not assume. They tell
# the major the code is written for, which a provider floor needs when it adds a constraint.
RENAMED_IN_4_0: dict[str, str] = {
    "automatic_channel_upgrade": "automatic_upgrade_channel",
    "node_os_channel_upgrade": "node_os_upgrade_channel",
    "default_node_pool.enable_auto_scaling": "default_node_pool.auto_scaling_enabled",
    "default_node_pool.enable_host_encryption": "default_node_pool.host_encryption_enabled",
    "default_node_pool.enable_node_public_ip": "default_node_pool.node_public_ip_enabled",
}
ATTRIBUTE_MAX_VERSION.update({old: (4, 0, 0) for old in RENAMED_IN_4_0})
ATTRIBUTE_MIN_VERSION.update({new: (4, 0, 0) for new in RENAMED_IN_4_0.values()})
# Blocks and attributes of the cluster that 3.0 removed (3.0 upgrade guide, "Resource:
# azurerm_kubernetes_cluster"): code that writes them was written for 2.x or older, where no
# engine change is in place and cilium is unknown; a floor would cross the major.
REMOVED_IN_3_0 = frozenset({"addon_profile", "role_based_access_control", "private_link_enabled",
                            "default_node_pool.availability_zones"})
ATTRIBUTE_MAX_VERSION.update({name: (3, 0, 0) for name in REMOVED_IN_3_0})
MAJOR_HINTS = frozenset(RENAMED_IN_4_0) | frozenset(RENAMED_IN_4_0.values()) | REMOVED_IN_3_0

# Cluster attributes and blocks 4.0 removed (4.0 upgrade guide, "azurerm_kubernetes_cluster"; all
# present in 3.117.1, none in 4.81.0's schema): code that writes them runs a provider before 4.0.
# Nested ones are named `<block>.<attribute>`; network_profile's by their own name (locate.py).
REMOVED_IN_4_0 = frozenset({
    "enable_pod_security_policy", "api_server_authorized_ip_ranges", "public_network_access_enabled", "docker_bridge_cidr",
    "azure_active_directory_role_based_access_control.client_app_id", "azure_active_directory_role_based_access_control.server_app_id",
    "azure_active_directory_role_based_access_control.server_app_secret", "azure_active_directory_role_based_access_control.managed",
    "default_node_pool.node_taints", "web_app_routing.dns_zone_id",
    "workload_autoscaler_profile.vertical_pod_autoscaler_update_mode",
    "workload_autoscaler_profile.vertical_pod_autoscaler_controlled_values",
})
ATTRIBUTE_MAX_VERSION.update({name: (4, 0, 0) for name in REMOVED_IN_4_0})
# Cluster attributes and blocks added during 3.x, still there in 4.x and 5.x: the first release whose
# kubernetes_cluster_resource.go names them (git tags of hashicorp/terraform-provider-azurerm). Code
# that writes one runs 3.x or later, which with a removed-in-4.0 hint pins the major to 3.
ADDED_IN_3X: dict[str, Version] = {
    "oidc_issuer_enabled": (3, 1, 0), "microsoft_defender": (3, 3, 0), "run_command_enabled": (3, 4, 0),
    "edge_zone": (3, 22, 0), "workload_identity_enabled": (3, 27, 0), "workload_autoscaler_profile": (3, 29, 0),
    "web_app_routing": (3, 30, 0), "image_cleaner_enabled": (3, 35, 0), "storage_profile": (3, 35, 0),
    "monitor_metrics": (3, 36, 0), "api_server_access_profile": (3, 39, 0), "key_management_service": (3, 40, 0),
    "confidential_computing": (3, 42, 0), "service_mesh_profile": (3, 54, 0), "maintenance_window_auto_upgrade": (3, 63, 0),
    "maintenance_window_node_os": (3, 63, 0), "cost_analysis_enabled": (3, 106, 0),
}
ATTRIBUTE_MIN_VERSION.update(ADDED_IN_3X)
# What 3.0 put in place of addon_profile and role_based_access_control (3.0 upgrade guide,
# "azurerm_kubernetes_cluster": the addons became top-level arguments and blocks): code that writes
# one was written for 3.0 or later, never 2.x.
ADDED_IN_3_0 = frozenset({
    "aci_connector_linux", "azure_policy_enabled", "http_application_routing_enabled", "ingress_application_gateway",
    "key_vault_secrets_provider", "oms_agent", "open_service_mesh_enabled", "role_based_access_control_enabled",
    "azure_active_directory_role_based_access_control",
})
ATTRIBUTE_MIN_VERSION.update({name: (3, 0, 0) for name in ADDED_IN_3_0})
MAJOR_HINTS = MAJOR_HINTS | REMOVED_IN_4_0 | frozenset(ADDED_IN_3X) | ADDED_IN_3_0

# 5.0 makes the node_provisioning_profile block required (facts §1.1, 5.0 upgrade guide): a cluster
# resource without one was written for a provider before 5.0.
NO_NODE_PROVISIONING_PROFILE = "absent:node_provisioning_profile"
ATTRIBUTE_MAX_VERSION[NO_NODE_PROVISIONING_PROFILE] = (5, 0, 0)
# ... and the block exists from 4.57.0 (CHANGELOG-v4.md 4.57.0, #30517): where it is written, the
# code runs 4.57 or later.
NODE_PROVISIONING_PROFILE = "node_provisioning_profile"
ATTRIBUTE_MIN_VERSION[NODE_PROVISIONING_PROFILE] = (4, 57, 0)
