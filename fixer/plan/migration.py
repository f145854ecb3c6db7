"""Kubenet migration in two changes (`--migrate-kubenet`, issue 16).

A kubenet cluster cannot run cilium or azure (NPM). AKS moves it to Azure CNI Overlay in place, one
way, but only as its own operation and with network policy off during the move (facts §3.3); the
engine is a second operation. So akfix writes phase 1 alone: `network_plugin = "azure"` and
`network_plugin_mode = "overlay"`, pod CIDR kept. Once the code says overlay (and live facts, where
given, agree), the ordinary planner writes phase 2, the engine: never both in one change.

Preconditions the code can show are checked; the others are stated with the fix:
- Kubernetes >= 1.27 (checked where the version is a literal);
- no engine on the cluster during the move: kubenet + calico must drop calico first, which azurerm
  cannot write (it rejects `none`), so that is left to a person;
- a user-assigned managed identity (to detach the route table): a SystemAssigned identity in code is
  refused, one akfix cannot read is stated;
- azurerm >= 4.66 (before it, changing network_plugin recreates the cluster): reached by a floor.

The PUT formats (Bicep, ARM JSON, azapi: through AKS) move in place with no provider floor; only
the API version must know lowercase `overlay` (plan/put.py bumps it). Each marks where it can:
- Bicep: a `// akfix:phase-1` line first in the networkProfile object;
- azapi: a `# akfix:phase-1` line first in the body's networkProfile object (an HCL comment, also
  inside `jsonencode({...})`); a one-line object or none is refused;
- ARM JSON (strict JSON has no comments): the cluster resource's documented `comments` property,
  added after its name, or the mark's sentences put in front of the comments it has (phase 2 then
  removes exactly those); a `comments` that is not a plain string is refused.
Pulumi programs (formats/python/mark.py) mark with a `# akfix:phase-1` line first inside the
network_profile dict or args call: azure-native as a PUT above (the package floor gives an API that
knows lowercase overlay), pulumi-azure by the azurerm rules (the package floor gives azurerm 4.66:
pulumi-azure 6.34.0). A profile on one line, in a variable (other clusters may share it), built by an
expression or absent is refused by its locator.
The locator says why a cluster cannot carry the mark (Profile.unmarkable) where only it can see it;
CDKTF programs (no cdktf-cdktf-provider-azurerm release bundles azurerm 4.66), .tf.json files and AVM
module calls are not marked, so they stay manual.

Pure: a cluster and its live state in, a Fix out.
"""

from __future__ import annotations

from dataclasses import replace

from fixer.model import Cluster, Fix, Risk
from fixer.plan.changes import change_for, manual_fix, settings_text
from fixer.plan.floors import required_floor
from fixer.plan.limits import minor_version
from fixer.plan.put import api_version_not_literal, with_api_version
from fixer.plan.rules import arm
from fixer.plan.rules import azurerm as rules
from fixer.versions import format_version

# The mark phase 1 leaves as the first line inside the profile (a comment); the locators read it
# into Profile.migration_pending and phase 2 deletes it.
MIGRATION_MARKER = b"akfix:phase-1"
PHASE_1 = "phase 1 of 2"
PRECONDITIONS = (
    "Phase 1 of 2: kubenet -> Azure CNI Overlay (network_plugin azure, overlay mode, pod CIDR kept), one way and in place; "
    "every node pool is reimaged. Preconditions: Kubernetes >= 1.27, no network policy during the move, and a user-assigned "
    "managed identity (AKS detaches the kubenet route table). The engine ({target}) is phase 2: a later akfix run writes it "
    "once this change is applied; the bot opens that pull request after this one is merged."
)
PUT_PRECONDITIONS = (
    "Phase 1 of 2: kubenet -> Azure CNI Overlay (networkPlugin azure, networkPluginMode overlay, podCidr kept), one way and in "
    "place through AKS; every node pool is reimaged. Preconditions: Kubernetes >= 1.27, no network policy during the move, and a "
    "user-assigned managed identity (AKS detaches the kubenet route table). The engine ({target}) is phase 2: a later akfix run "
    "writes it once this deployment has run; the bot opens that pull request after this one is merged."
)

# Why --migrate-kubenet leaves a format to a person: the mark that keeps phase 2 waiting needs a
# place in the code that deployments ignore (a comment, ARM's `comments` property) and an edit akfix
# can make there.
_UNMARKABLE = {
    "cdktf": "a CDK for Terraform program builds the profile in Python code that akfix edits by value only, so it cannot carry the mark",
}


def _unmarkable(cluster: Cluster) -> str:
    """Why this cluster's code cannot carry the phase-1 mark; "" when it can."""
    profile = cluster.profile
    if profile.unmarkable:  # the locator saw why (ARM comments not a string, a one-line azapi networkProfile...)
        return profile.unmarkable
    if cluster.format == "arm":
        return ""  # the mark is the resource's comments property: any cluster resource can take one
    if cluster.format == "bicep":
        if cluster.module:
            return "the AVM module's params are not a networkProfile object akfix can mark"
        return "" if profile.block_present else "the template has no networkProfile object to carry the mark"
    if cluster.format == "terraform":
        if cluster.module:  # Azure/aks: the call is marked, and its network_plugin / network_plugin_mode inputs are written
            return "" if cluster.module.lower().startswith("azure/aks/azurerm ") else \
                "this module's inputs are not a network_profile block akfix can mark"
        if cluster.api_version is not None:
            return "" if profile.block_present else "the azapi body has no networkProfile object to carry the mark"
        return "" if profile.block_present else "there is no network_profile block to carry the mark"
    if cluster.format == "pulumi":  # the locator says why a profile cannot take the comment line
        return ""
    return _UNMARKABLE.get(cluster.format, f"{cluster.format} files cannot carry the mark")


def _refused(cluster: Cluster, target: str) -> Fix | None:
    """Clusters whose code cannot carry the phase-1 mark: left to a person, saying why."""
    why = _unmarkable(cluster)
    if not why:
        return None
    return manual_fix(
        f"kubenet cannot run {target}",
        "--migrate-kubenet writes phase 1 for azurerm network_profile blocks, azapi and Bicep networkProfile objects, ARM "
        f"cluster resources and Pulumi network_profile dicts and args calls only (it marks them so that the engine waits until the move is applied); here {why}. Migrate with "
        "`az aks update --network-plugin azure --network-plugin-mode overlay` first, or use --engine calico.",
        blocker="kubenet",
    )


def plan_phase_one(cluster: Cluster, live_policy: str, target: str, context) -> Fix:
    """Phase 1 for a kubenet cluster whose wanted engine needs Azure CNI."""
    profile = cluster.profile
    refused = _refused(cluster, target)
    if refused is not None:
        return refused
    kubernetes = minor_version(profile.kubernetes_version.literal)
    if kubernetes is not None and kubernetes < (1, 27):
        return manual_fix(f"Kubernetes {profile.kubernetes_version.literal} is too old for the kubenet -> overlay migration",
                          "AKS migrates kubenet to Azure CNI Overlay from Kubernetes 1.27; upgrade first.", blocker="kubernetes-version")
    if live_policy:
        return manual_fix(
            f"kubenet + {live_policy}: the engine must be off before the move to overlay",
            f"AKS refuses kubenet + {live_policy} -> overlay; remove the engine with `az aks update --network-policy none` "
            + ("(azurerm cannot write none)" if cluster.api_version is None else "(its own deployment)")
            + ", then re-run akfix with --migrate-kubenet.",
            blocker="kubenet",
        )
    identity = (profile.identity_type.literal or "").lower().replace("_", "")  # Python enums: ResourceIdentityType.USER_ASSIGNED
    if identity == "serviceprincipal":
        return manual_fix(
            "the kubenet -> overlay migration needs a user-assigned managed identity",
            "The cluster uses a service principal (client_id); switch it to a user-assigned identity (its own change), then re-run akfix.",
            blocker="identity",
        )
    if identity == "systemassigned":
        return manual_fix(
            "the kubenet -> overlay migration needs a user-assigned managed identity",
            "The cluster uses a system-assigned identity; switch it to a user-assigned one (its own change), then re-run akfix.",
            blocker="identity",
        )
    if cluster.api_version is not None:
        return _put_phase_one(cluster, target, identity)
    changes = [change_for(cluster, "network_plugin", "azure"), change_for(cluster, "network_plugin_mode", "overlay")]
    reasons = [PRECONDITIONS.format(target=target)]
    if identity != "userassigned":
        reasons.append("The identity type is not visible in the code: make sure it is user-assigned before you apply.")
    first = next(start for start, in_place in rules.KUBENET_TO_OVERLAY_IN_PLACE if in_place)
    versions = context.versions
    if versions.high <= first:
        return Fix(risk=Risk.REPLACEMENT, summary=f"kubenet -> overlay: on {versions.describe()} changing network_plugin recreates the cluster",
                   changes=tuple(changes), reasons=tuple(reasons), phase=1,
                   hint=f"raise azurerm to >= {format_version(first)}, where kubenet -> overlay is in place")
    floor, refused = required_floor(first, versions, context.floors, ceiling=context.ceiling)
    if refused:
        return manual_fix(f"kubenet -> overlay is in place only from azurerm {format_version(first)}", refused, blocker="version-range")
    if floor:
        reasons.append(f"{versions.describe()}: below azurerm {format_version(first)} changing network_plugin recreates the cluster; "
                       f"akfix raises the module's azurerm constraint to >= {format_version(first)} in the same change.")
    return _phase_one_fix(target, changes, reasons, floor)


def _phase_one_fix(target: str, changes, reasons, floor, how: str = "") -> Fix:
    """Phase 1 as a fix: the move alone, no engine written."""
    return Fix(
        risk=Risk.DISRUPTIVE,
        summary=f"kubenet -> Azure CNI Overlay ({PHASE_1}; {target} follows in phase 2): set {settings_text(changes, where=False)}{how}",
        engine=None,
        changes=tuple(changes),
        reasons=tuple(reasons),
        floor=floor,
        phase=1,
    )


def _put_phase_one(cluster: Cluster, target: str, identity: str) -> Fix:
    """Phase 1 deployed by a PUT (Bicep, ARM JSON, azapi): in place through AKS, no provider floor;
    the API version must know lowercase overlay (bumped where it does not)."""
    api = arm.parse_api_version(cluster.api_version or "")
    if api is None:
        return api_version_not_literal(cluster)
    changes = [change_for(cluster, "networkPlugin", "azure"), change_for(cluster, "networkPluginMode", "overlay")]
    reasons = [PUT_PRECONDITIONS.format(target=target)]
    if identity != "userassigned":
        reasons.append("The identity type is not visible in the code: make sure it is user-assigned before you deploy.")
    changes, reasons = with_api_version(cluster, api, changes, reasons)
    return _phase_one_fix(target, changes, reasons, None, " (PUT: in place, reimages every node)")


# Where a PUT format's mark sits, and how a person removes it (terraform: azapi).
_MARK_PLACE = {"arm": "cluster resource's comments", "terraform": "azapi networkProfile", "bicep": "networkProfile"}
_MARK_REMOVAL = {
    "arm": "delete the cluster resource's akfix:phase-1 `comments` property (or, in front of your own comments, its two akfix sentences)",
    "terraform": "delete the `# akfix:phase-1` comment line in the networkProfile",
    "bicep": "delete the `// akfix:phase-1` comment line",
}


def migration_pending(cluster: Cluster, target: str) -> Fix | None:
    """Phase 2 waits while the move to overlay is not known to be applied: akfix's phase-1 mark is in
    the code and no live fact says overlay, or a live fact still says kubenet."""
    live = cluster.live
    live_plugin = (live.plugin or "").lower() if live else ""
    code_plugin = (cluster.profile.plugin.literal or "").lower()
    put = cluster.api_version is not None
    confirmed = live_plugin == "azure" and (live.plugin_mode or "").lower() == "overlay"
    if live_plugin == "kubenet" and code_plugin == "azure":
        why = f"the live cluster still runs kubenet (live: {live.source})"
    elif cluster.profile.migration_pending and not confirmed:
        where = _MARK_PLACE.get(cluster.format, "networkProfile") if put and cluster.format != "pulumi" else "network_profile"
        why = f"akfix's phase-1 mark (akfix:phase-1) is still in the {where} and no live fact says the cluster runs overlay"
    else:
        return None
    if not cluster.profile.migration_pending:  # not akfix's phase 1: the code and the cluster simply disagree
        how = "in place as kubenet -> overlay" if put else "in place only as kubenet -> overlay, azurerm >= 4.66"
        return manual_fix(
            f"the code says Azure CNI, the live cluster still runs kubenet: {target} waits",
            f"Apply the code's move to Azure CNI Overlay first ({how}), then re-run akfix.",
            why,
            blocker="migration-pending",
        )
    if cluster.format == "pulumi":
        after = ("After `pulumi up` of phase 1: delete the `# akfix:phase-1` comment line in the network_profile, or pass --inventory "
                 "with `az aks list -o json` (or --from-azure), and re-run akfix to write the engine.")
    elif put:
        after = (f"After {'`terraform apply`' if cluster.format == 'terraform' else 'the deployment'} of phase 1: "
                 f"{_MARK_REMOVAL.get(cluster.format, _MARK_REMOVAL['bicep'])}, or pass --inventory with "
                 "`az aks list -o json` (or --from-azure), and re-run akfix to write the engine.")
    else:
        after = ("After `terraform apply` of phase 1: delete the akfix:phase-1 comment line, or pass --plan with `terraform show -json` "
                 "of the state, and re-run akfix to write the engine.")
    return manual_fix(
        f"kubenet -> overlay written, not known to be applied: {target} (phase 2) waits",
        after,
        why,
        blocker="migration-pending",
    )


def phase_two(fix: Fix | None) -> Fix | None:
    """The engine, once the move is confirmed: the same fix as for any overlay cluster, and the mark goes."""
    if fix is None or not fix.changes or fix.risk is Risk.MANUAL:
        return fix
    return replace(fix, phase=2, reasons=(*fix.reasons, "Phase 2 of 2: the move to overlay is applied; akfix removes its akfix:phase-1 mark."))
