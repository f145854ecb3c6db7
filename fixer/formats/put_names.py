"""The ARM names of the network settings, shared by every PUT-deployed format (ARM, Bicep, azapi)."""

from __future__ import annotations

from fixer.model import MISSING, Profile, Value, ValueKind

# ARM property -> Profile field
FIELDS = {
    "networkPlugin": "plugin",
    "networkPluginMode": "plugin_mode",
    "networkPolicy": "policy",
    "networkDataplane": "data_plane",
    "outboundType": "outbound_type",
}
# The data plane's name in previews 2022-09-02 to 2023-01-02 only (facts 3.1). It is read as the data
# plane where networkDataplane is absent, and renamed to networkDataplane when a fix writes the data
# plane: that fix moves the API version to one that knows networkDataplane and not the old name.
PREVIEW_DATA_PLANE = "ebpfDataplane"


def profile_keys(keys) -> dict[str, str]:
    """The networkProfile keys present that akfix reads -> Profile field."""
    keys = list(keys)
    read = {key: FIELDS[key] for key in keys if key in FIELDS}
    if PREVIEW_DATA_PLANE in keys and "networkDataplane" not in keys:
        read[PREVIEW_DATA_PLANE] = "data_plane"
    return read


def renames_data_plane(keys, written) -> bool:
    """Whether writing `written` (attribute names) into an object with these keys renames
    ebpfDataplane to networkDataplane rather than adding networkDataplane beside it."""
    keys = list(keys)
    return "networkDataplane" in written and PREVIEW_DATA_PLANE in keys and "networkDataplane" not in keys


def profile_from(fields: dict[str, Value], present: bool, keys=()) -> Profile:
    """A Profile from values keyed by Profile field; `present`: the networkProfile object exists;
    `keys`: the object's keys (which name carries the data plane)."""
    return Profile(
        block_present=present,
        plugin=fields.get("plugin", MISSING),
        plugin_mode=fields.get("plugin_mode", MISSING),
        policy=fields.get("policy", MISSING),
        data_plane=fields.get("data_plane", MISSING),
        data_plane_attribute=(None if "data_plane" not in fields
                              else PREVIEW_DATA_PLANE if profile_keys(keys).get(PREVIEW_DATA_PLANE) else "networkDataplane"),
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


def offered_plugin(plugin: Value, plugin_mode: Value = MISSING) -> Value:
    """A plugin read from a template input's default whose allowed list (`@allowed`, allowedValues)
    offers others: a deployment may pass any of them, so the plugin is undecided over that list, not
    the default. The engines that fit every value offered are still written (calico on azure and
    kubenet); cilium is not, as it would be on a kubenet deployment the template offers.
    A stated networkPluginMode overlay leaves azure alone ("overlay: only with networkPlugin azure",
    facts 3.1): AKS rejects the other offers, so they are none (as after akfix's own phase 1, which
    writes the default azure and keeps kubenet in the list so that older deployments still compile)."""
    if plugin.kind is not ValueKind.LITERAL or not plugin.via.endswith(" default") or not plugin.validations:
        return plugin
    offered = tuple(dict.fromkeys(v.lower() for validation in plugin.validations for v in validation.values))
    if (plugin_mode.literal or "").lower() == "overlay":
        offered = tuple(v for v in offered if v == "azure")
    if set(offered) <= {plugin.literal.lower()}:
        return plugin
    name = plugin.via.removesuffix(" default")
    # origin and validations kept: --greenfield moves the default to azure (plan/greenfield.py), as it moves kubenet
    return Value(ValueKind.EXPRESSION, name, plugin.line, file=plugin.file, via=plugin.via, domain=offered,
                 origin=plugin.origin, validations=plugin.validations,
                 note=f"it allows {', '.join(offered)} (default {plugin.literal!r}), and a deployment may pass any of them")
