"""The ARM names of the network settings, shared by every PUT-deployed format (ARM, Bicep, azapi)."""

from __future__ import annotations

from fixer.model import MISSING, Profile, Value

# ARM property -> Profile field
FIELDS = {
    "networkPlugin": "plugin",
    "networkPluginMode": "plugin_mode",
    "networkPolicy": "policy",
    "networkDataplane": "data_plane",
    "outboundType": "outbound_type",
}


def profile_from(fields: dict[str, Value], present: bool) -> Profile:
    """A Profile from values keyed by Profile field; `present`: the networkProfile object exists."""
    return Profile(
        block_present=present,
        plugin=fields.get("plugin", MISSING),
        plugin_mode=fields.get("plugin_mode", MISSING),
        policy=fields.get("policy", MISSING),
        data_plane=fields.get("data_plane", MISSING),
        data_plane_attribute="networkDataplane" if "data_plane" in fields else None,
        outbound_type=fields.get("outbound_type", MISSING),
    )


# What a PUT that creates a cluster states (AKS requires agent pools and a DNS prefix at creation),
# or what makes it about the network: a properties object with none of these re-PUTs a cluster
# created elsewhere to change something else (managed Prometheus, a Kubernetes upgrade). AKS keeps
# that cluster's network profile, so it is no cluster of its own and nothing is written into it.
_CREATION_OR_NETWORK = frozenset({"agentpoolprofiles", "dnsprefix", "fqdnsubdomain", "networkprofile"})


def partial_update(property_names) -> bool:
    """A managedClusters resource whose literal `properties` names only other things (non-empty)."""
    names = {str(name).lower() for name in property_names}
    return bool(names) and not names & _CREATION_OR_NETWORK
