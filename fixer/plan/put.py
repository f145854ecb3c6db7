"""Planning for clusters deployed by a PUT of the AKS resource (ARM, Bicep, azapi).

A PUT never recreates a cluster: AKS accepts a transition in place or refuses it (§3.3), and fills
omitted fields from the live cluster (so adding a networkProfile needs no plugin). What can go
wrong is the API version: a value it does not know is rejected, so akfix bumps it, and says so.
"""

from __future__ import annotations

from dataclasses import replace

from fixer.formats.put_names import PREVIEW_DATA_PLANE
from fixer.model import Change, Cluster, Fix, Risk
from fixer.plan.changes import change_for, manual_fix, settings_text
from fixer.plan.rules import arm


def plan_put(cluster: Cluster, old: str, plugin: str | None, target: str, context) -> Fix:
    api = arm.parse_api_version(cluster.api_version or "")
    if api is None:
        return api_version_not_literal(cluster)
    if (old, target) not in arm.IN_PLACE:
        return manual_fix(f"{old or 'none'} -> {target} is not offered by AKS", "See the transition table (facts §3.3).", blocker="no-way-back")
    if target in ("cilium", "azure") and plugin not in (None, "azure"):
        return manual_fix(f"{target} needs network plugin azure, not {plugin}", "Use --engine calico, or migrate the plugin first.", blocker="kubenet")
    if target in ("cilium", "azure") and plugin is None:
        return manual_fix(
            "the live network plugin is unknown",
            f"{target} needs Azure CNI (Calico also runs on kubenet); check with `az aks show --query networkProfile.networkPlugin`, "
            "then re-run with --assume-network azure|azure-overlay, or use --engine calico.",
            blocker="live-plugin-unknown",
        )
    changes = [change_for(cluster, "networkPolicy", target)]
    if target == "cilium" and ((cluster.profile.data_plane.literal or "").lower() != "cilium"  # stated already: nothing to write
                               or cluster.profile.data_plane_attribute == PREVIEW_DATA_PLANE):
        # ...unless under its preview name: policy cilium moves the API version past that name, so the
        # editor renames it networkDataplane (facts 3.1)
        changes.append(change_for(cluster, "networkDataplane", "cilium"))
    reasons = [
        "Deployed by a PUT: AKS changes the engine in place, but every node pool is reimaged at once; schedule a maintenance window."
    ]
    changes, reasons = with_api_version(cluster, api, changes, reasons)
    if cluster.profile.data_plane_attribute == PREVIEW_DATA_PLANE and "networkDataplane" in {c.attribute for c in changes}:
        reasons.append("ebpfDataplane (its name in previews 2022-09-02 to 2023-01-02) is renamed networkDataplane: "
                       "API versions that know networkPolicy cilium know only the new name.")
    if target == "cilium":
        modes = (cluster.profile.plugin_mode.literal, cluster.live.plugin_mode if cluster.live else None,
                 "overlay" if (context.assume_network or "").endswith("overlay") else None)
        if "overlay" not in {(m or "").lower() for m in modes}:
            # as the azurerm planner says it: the code shows no overlay (agent pools' pod subnets are not read here)
            reasons.append("No overlay in the code: on the node subnet AKS runs Cilium only since 2025-03; with a pod subnet "
                           "(agent pools' podSubnetID) or overlay it always did.")
        reasons.append("Cilium is Linux-only and enforces only after every node is reimaged; node auto-provisioning must be off.")
    else:
        reasons.append("AKS installs NPM/Calico only on Kubernetes >= 1.30 (since the 2026-05-29 release).")
    policy = cluster.profile.policy
    if changes[0].origin is not None and changes[0].origin.file == cluster.file and _in_default(cluster.format, policy.via or ""):
        # as the azurerm planner says of a variable default: a reusable template's callers may be elsewhere
        word = "parameter" if cluster.format == "arm" else "param"
        reasons.append(f"The fix changes a {word} default of the template: every deployment and module call that does not set "
                       f"the {word} gets the new engine.")
    sets = settings_text(changes, where=False)
    return Fix(
        risk=Risk.DISRUPTIVE,
        summary=f"{old or 'none'} -> {target}: set {sets} (PUT: in place, reimages every node)",
        engine=target,
        changes=tuple(changes),
        add_block=not cluster.profile.block_present,
        reasons=tuple(reasons),
    )


def api_version_not_literal(cluster: Cluster) -> Fix:
    """Left to a person: akfix needs the API version to know which values it accepts."""
    return manual_fix(
        f"the API version is not a literal: {cluster.api_version}",
        "akfix needs the API version to know which values it accepts; write it as a literal.",
        blocker="expression",
    )


def with_api_version(cluster: Cluster, api, changes: list[Change], reasons: list[str]) -> tuple[list[Change], list[str]]:
    """The changes plus an API version bump where the cluster's API version does not know a value
    they write (rule 8), and the lowercase overlay that stable versions from 2023-02-01 require."""
    changes, reasons = list(changes), list(reasons)
    if arm.capital_overlay(api):
        # previews 2022-04-02 to 2023-02-02 know only `Overlay` (facts 3.1, rule 14): written so where
        # nothing else needs a bump, the template keeps its API version (the bump goes to an older
        # stable, which drops what the preview has)
        capital = [replace(c, value="Overlay") if (c.attribute, c.value) == ("networkPluginMode", "overlay") else c for c in changes]
        if all(arm.accepts(api, c.attribute, c.value) for c in capital):
            changes = capital
    needs = [c for c in changes if not arm.accepts(api, c.attribute, c.value)]
    if needs:
        target = arm.bump_target(api, [(c.attribute, c.value) for c in needs])
        bump = arm.format_api_version(target)
        changes.append(Change("apiVersion", bump, origin=cluster.api_origin))
        api = target
        reasons.append(
            f"API version {cluster.api_version} does not know {', '.join(f'{c.attribute} {c.value}' for c in needs)}: "
            f"bumped to {bump}" + (" (a later preview: the stable versions lack what previews add, such as preview-only "
                                   "properties the template may use)" if target[3] else "")
            + ". A newer API version can change other defaults; review the what-if or plan."
        )
    written = {c.attribute for c in changes}
    if (cluster.profile.plugin_mode.literal == "Overlay" and "networkPluginMode" not in written and not arm.capital_overlay(api)
            and arm.accepts(api, "networkPluginMode", "overlay")):
        # Rule 14: stable API versions from 2023-02-01 and previews from 2023-03-02 know only the lowercase value.
        changes.append(change_for(cluster, "networkPluginMode", "overlay"))
        reasons.append(f"networkPluginMode Overlay (preview casing) is written overlay, as API version {arm.format_api_version(api)} requires.")
    return changes, reasons


def _in_default(format_name: str, via: str) -> bool:
    """Whether the value is written in a param's default: named so (`param p default`, or an
    evaluation whose literal lies in one); in ARM every literal an evaluation writes in the template
    is a parameter default (variables are never written)."""
    if format_name == "arm":
        return "default" in via
    return (via.startswith("param ") and via.endswith(" default")) or "written in the default of param " in via
