"""Greenfield: clusters that are not deployed (templates, examples, quickstarts, new environments).

Nothing live can be recreated or reimaged, so none of the live-cluster transition rules apply and no
live fact is needed: a missing network profile gets the complete recommended one (Azure CNI
Overlay, the engine, and the Cilium data plane where the engine is cilium), and kubenet, which
retires on 2028-03-31, moves to Azure CNI Overlay in the same change. What still applies is what
AKS refuses at creation (limits.py: Windows pools, BYO CNI, Kubernetes < 1.30 for NPM/Calico) and
what the provider or API version accepts: a Terraform fix needs the azurerm versions that know the
values it writes (a provider floor where the range starts lower), a PUT fix the API version that
knows them (bumped as for any PUT).

Pure: a cluster and what is known of its versions in, a Fix out.
"""

from __future__ import annotations

from fixer.model import ENGINES, Change, Cluster, Fix, Risk, ValueKind
from fixer.plan.changes import change_for, manual_fix, plugin_expression_fix, settings_text
from fixer.plan.floors import required_floor
from fixer.plan.limits import byo_limit, kubernetes_limit, windows_limit
from fixer.plan.put import api_version_not_literal, with_api_version
from fixer.plan.rules import arm
from fixer.versions import OLDEST, Version, format_version

# The first azurerm version that accepts each value the greenfield profile writes (facts §1.1):
# lowercase overlay from 3.62, policy cilium from 3.75, network_data_plane from 3.108.
_AZURERM_FIRST: dict[tuple[str, str], Version] = {
    ("network_plugin_mode", "overlay"): (3, 62, 0),
    ("network_policy", "cilium"): (3, 75, 0),
    ("network_data_plane", "cilium"): (3, 108, 0),
    ("ebpf_data_plane", "cilium"): (3, 35, 0),
}
_TERRAFORM = ("network_plugin", "network_plugin_mode", "network_policy", "network_data_plane")
_PUT = ("networkPlugin", "networkPluginMode", "networkPolicy", "networkDataplane")

IF_DEPLOYED = "If this code is deployed, do not take this fix: run akfix without --greenfield for this path."
ASSUMPTION = (
    "Greenfield: akfix assumes no live cluster here (a template, example or new environment), so the complete "
    "recommended profile is written: {network} and the engine{dataplane}. " + IF_DEPLOYED
)


def plan_greenfield(cluster: Cluster, target: str, context) -> Fix | None:
    """The fix that gives a not-yet-deployed cluster the recommended profile with `target`."""
    profile = cluster.profile
    policy = (profile.policy.literal or "").lower()
    if policy in ENGINES and (policy == target or not context.switch_engines):
        return None
    limit = windows_limit(cluster, target) or kubernetes_limit(cluster, target)
    if limit:
        return limit
    # a template input's default whose allowed list offers other plugins (put_names.offered_plugin): no
    # deployment runs yet, so the default moves to Azure CNI Overlay as kubenet does
    offered = profile.plugin.kind is ValueKind.EXPRESSION and profile.plugin.origin is not None and bool(profile.plugin.domain)
    if profile.plugin.kind is ValueKind.EXPRESSION and not offered:
        return plugin_expression_fix(profile.plugin, "akfix needs the plugin to know which engines are allowed; resolve it.")
    plugin = "kubenet" if offered else (profile.plugin.literal or "").lower() or None
    if plugin == "none":
        return byo_limit()
    put = cluster.api_version is not None
    plugin_name, mode_name, policy_name, plane_name = _PUT if put else _TERRAFORM
    changes: list[Change] = []
    reasons: list[str] = []
    if plugin in (None, "kubenet"):
        changes += [change_for(cluster, plugin_name, "azure"), change_for(cluster, mode_name, "overlay")]
        if offered:
            reasons.append(f"{profile.plugin.text} allows {', '.join(profile.plugin.domain)}: its default becomes azure, with Azure CNI "
                           f"Overlay; a deployment that passes another plugin gets AKS's refusal ({target} needs Azure CNI).")
        elif plugin == "kubenet":
            reasons.append("kubenet retires on 2028-03-31 and runs neither cilium nor azure: moved to Azure CNI Overlay (pod CIDR kept).")
    changes.append(change_for(cluster, policy_name, target))
    if target == "cilium" and (profile.data_plane.literal or "").lower() != "cilium":
        attribute = profile.data_plane_attribute or plane_name
        changes.append(change_for(cluster, attribute, "cilium"))
    # Azure CNI the code states is kept; kubenet (or no plugin) moves to Overlay
    network = "Azure CNI Overlay" if plugin in (None, "kubenet") else f"the code's Azure CNI{' Overlay' if (profile.plugin_mode.literal or '').lower() == 'overlay' else ''}"
    reasons.insert(0, ASSUMPTION.format(network=network, dataplane=" with the Cilium data plane" if target == "cilium" else ""))
    if put:
        return _put_fix(cluster, policy, target, changes, reasons)
    return _terraform_fix(cluster, policy, target, changes, reasons, context)


def _put_fix(cluster: Cluster, old: str, target: str, changes: list[Change], reasons: list[str]) -> Fix:
    api = arm.parse_api_version(cluster.api_version or "")
    if api is None:
        return api_version_not_literal(cluster)
    changes, reasons = with_api_version(cluster, api, changes, reasons)
    return _fix(cluster, old, target, changes, reasons, None)


def _terraform_fix(cluster: Cluster, old: str, target: str, changes: list[Change], reasons: list[str], context) -> Fix:
    need = _needs(changes)
    versions = context.versions
    if need >= versions.high:
        changes, need = _with_ebpf_data_plane(cluster, changes, need, versions.high, reasons)
    wanted = f"azurerm >= {format_version(need)}"
    if need >= versions.high:
        # the lowest version that expresses it: 3.75 with ebpf_data_plane, where a 3.x pin is too old for both
        older = [change_for(cluster, "ebpf_data_plane", c.value) if c.attribute == "network_data_plane" else c for c in changes]
        if cluster.address.startswith("azurerm_kubernetes_cluster.") and older != changes and _needs(older) < need:
            need, wanted = _needs(older), f"azurerm >= {format_version(_needs(older))} (with ebpf_data_plane)"
        return manual_fix(f"{versions.describe()} cannot express this profile: it needs {wanted}", _raise_guidance(versions, need),
                          blocker="version-too-old")
    floor, refused = required_floor(need, versions, context.floors, greenfield=True, ceiling=context.ceiling)
    if refused:
        # A root's bound stops the floor network_data_plane needs; where every root runs 3.x, the
        # older attribute sets the same data plane at every version they run, without that floor.
        older_reasons = list(reasons)
        older, older_need = _with_ebpf_data_plane(cluster, changes, need, versions.high, older_reasons)
        if older is not changes:
            older_floor, older_refused = required_floor(older_need, versions, context.floors, greenfield=True, ceiling=context.ceiling)
            if not older_refused:
                changes, need, floor, refused, reasons[:] = older, older_need, older_floor, None, older_reasons
    if refused:
        return manual_fix(f"the greenfield profile needs {wanted}", refused, blocker="version-range")
    if floor:
        reasons.append(f"{versions.describe()}: the profile needs {wanted}; akfix raises the module's azurerm constraint "
                       "in the same change (run `terraform init -upgrade`).")
        if floor[0] != versions.low[0]:
            reasons.append(f"The floor moves the code from azurerm {versions.low[0]}.x to {floor[0]}.x, which it also accepts "
                           f"(below {format_version(versions.high)}): nothing deployed has state to upgrade across the major.")
    return _fix(cluster, old, target, changes, reasons, floor)


def _needs(changes: list[Change]) -> Version:
    return max([OLDEST] + [_AZURERM_FIRST.get((c.attribute, c.value), OLDEST) for c in changes])


def _with_ebpf_data_plane(cluster: Cluster, changes: list[Change], need: Version, high: Version, reasons: list[str]) -> tuple[list[Change], Version]:
    """A range that stops below 3.108 has no network_data_plane, but azurerm 3.35-3.x set the same
    data plane with ebpf_data_plane (facts 1.1; deprecated in 3.108, removed in 4.0): written instead
    where that makes the profile fit a 3.x range. Only for a resource block, whose attribute names
    are the provider's (a module call's inputs are its own)."""
    if cluster.format != "terraform" or not cluster.address.startswith("azurerm_kubernetes_cluster.") or high > (4, 0, 0):
        return changes, need
    swapped = [change_for(cluster, "ebpf_data_plane", c.value) if c.attribute == "network_data_plane" else c for c in changes]
    swapped_need = _needs(swapped)
    if swapped == changes or swapped_need >= high:
        return changes, need
    reasons.append("This azurerm range stops below 3.108, which introduced network_data_plane: the Cilium data plane is set "
                   "with ebpf_data_plane (azurerm 3.35 on; deprecated in 3.108, removed in 4.0: rename it when moving to 4.x)."
                   if high <= (3, 108, 0) else
                   "A root that calls this module caps azurerm below the 3.108 floor network_data_plane needs, and every root runs "
                   "3.x: the Cilium data plane is set with ebpf_data_plane, which every 3.x version from 3.35 on accepts (deprecated "
                   "in 3.108, removed in 4.0: rename it when moving to 4.x).")
    return swapped, swapped_need


def _raise_guidance(versions, need: Version) -> str:
    """What to do when the profile needs a newer azurerm than the range admits. Where the code itself
    caps the range (it uses what a major removed), no constraint edit helps: the code needs the
    provider's upgrade guide first."""
    if "attributes used in the code" in (versions.source or "") and versions.high[1:] == (0, 0) and versions.high[0] <= need[0]:
        major = versions.high[0]
        return (f"The code is written for azurerm < {major}.0 (it uses what {major}.0 removed): move it to azurerm "
                f"{need[0]}.x first (the provider's upgrade guides), then re-run akfix.")
    return "Raise the module's azurerm constraint, then re-run akfix."


def _fix(cluster: Cluster, old: str, target: str, changes: list[Change], reasons: list[str], floor: Version | None) -> Fix:
    sets = settings_text(changes)
    return Fix(
        risk=Risk.IN_PLACE,
        summary=f"{old or 'none'} -> {target}: set {sets} (greenfield: no live cluster)",
        engine=target,
        changes=tuple(changes),
        add_block=not cluster.profile.block_present,
        reasons=tuple(reasons),
        floor=floor,
    )
