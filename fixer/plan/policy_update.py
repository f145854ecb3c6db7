"""Calico for an azurerm cluster whose live network plugin is unknown, through `azapi_update_resource`.

azurerm cannot add a `network_profile` block without `network_plugin`, and a plugin that differs
from the live one recreates the cluster (facts §1.4). Calico runs on kubenet and Azure CNI alike
(§4), so the engine does not need the plugin: only azurerm's block does. An `azapi_update_resource`
on the cluster sets `properties.networkProfile.networkPolicy` alone. On apply it reads the cluster
as Azure reports it, merges the body in, drops read-only fields by the API version's schema and
PUTs the result, which is what `az aks update --network-policy calico` does (a GET, one field
changed, a PUT); deleting it changes nothing (Azure/terraform-provider-azapi
internal/services/azapi_update_resource.go, docs/resources/azapi_update_resource.md). AKS applies
none -> calico in place and reimages every node pool (§3.3). azurerm's `network_profile` is
Optional + Computed (§1.1): with no block in the code, azurerm reads the new policy back and plans
no change, and later azurerm updates send the cluster's current profile back as it is.

A PUT never recreates a cluster: where the live cluster already runs another engine (set outside
this code), AKS refuses the change and the apply fails, with nothing destroyed; the same holds for
every PUT format, where akfix already writes calico on an unknown plugin (plan/put.py).

Pure: the planner decides the change; the Terraform adapter checks that the module can hold the
resource (provider alias, azapi constraints, credentials) and writes it.
"""

from __future__ import annotations

from fixer.model import Change, Cluster, Fix, Risk, Spot
from fixer.plan.limits import kubernetes_limit

# The attribute the change carries in Fix.changes (JSON, SARIF, the PR table show it like this).
POLICY_UPDATE_ATTRIBUTE = "azapi_update_resource.body.properties.networkProfile.networkPolicy"
POLICY_UPDATE_KIND = "policy-update"  # Spot.kind of that change: the adapter renders a resource, not a literal
AZAPI_CONSTRAINT_ATTRIBUTE = "required_providers.azapi.version"
AZAPI_CONSTRAINT_KIND = "azapi-constraint"
# azapi 2.5.0 (2025-07-01) strips the read-only fields of identity.userAssignedIdentities from the
# body it PUTs back (CHANGELOG v2.5.0): AKS clusters with a user-assigned identity need it. Its
# embedded schemas know managedClusters 2025-04-01, the newest stable version it validates.
AZAPI_FLOOR = (2, 5, 0)
API_VERSION = "2025-04-01"

INIT_NOTE = (
    "Needs the azapi provider >= 2.5.0 (Azure/azapi, added to the module's required_providers or its floor raised): run "
    "`terraform init -upgrade` and commit the lock file. azapi authenticates "
    "the way azurerm does (ARM_* variables, Azure CLI, managed identity, OIDC); credentials a `provider \"azurerm\"` block sets "
    "are repeated in a `provider \"azapi\"` block beside it."
)

_DISRUPTION = (
    "AKS installs Calico in place and reimages every node pool at once; it installs NPM/Calico only on Kubernetes >= 1.30 "
    "(since the 2026-05-29 release). Where the cluster already runs another engine, AKS refuses and the apply fails: nothing "
    "is recreated."
)


def plan_policy_update(cluster: Cluster, target: str, instead_of: Fix | None = None) -> Fix | None:
    """The fix through azapi_update_resource, or None where it does not apply: only calico (the engine
    that fits every plugin), only an azurerm resource whose code states no network_policy at all.
    `instead_of`: the azurerm fix it replaces where the block exists but azurerm would recreate the
    cluster to add the policy (ForceNew before 3.75) or the provider range admits such versions; the
    update is in place whatever the azurerm version, and azurerm plans no change (Computed)."""
    if target != "calico" or cluster.format != "terraform" or cluster.api_version is not None or cluster.module is not None:
        return None
    if not cluster.address.startswith("azurerm_kubernetes_cluster."):
        return None
    policy = cluster.profile.policy
    if cluster.profile.block_present and (instead_of is None or not policy.is_missing or policy.origin is not None or policy.text):
        return None
    limit = kubernetes_limit(cluster, target)
    if limit is not None:
        return limit
    if instead_of is not None:
        why = "azurerm would recreate the cluster to add it; the update is in place"
        first = (f"Through azurerm: {instead_of.summary}. An azapi_update_resource sets networkPolicy alone, PUTting the cluster's "
                 "other settings back as Azure reports them (what `az aks update --network-policy calico` does): in place whatever "
                 "the azurerm version, and azurerm plans no change afterwards (network_policy is Optional + Computed in every "
                 "version, and the block does not state it).")
    else:
        why = "the live network plugin is unknown; calico runs on kubenet and Azure CNI alike: in place"
        first = ("No network_profile in the code and no fact about the live plugin: azurerm cannot add the block without naming "
                 "the plugin, and a wrong one recreates the cluster. Calico does not need it: an azapi_update_resource sets "
                 "networkPolicy alone, PUTting the cluster's other settings back as Azure reports them (what `az aks update "
                 "--network-policy calico` does), and azurerm plans no change afterwards (its network_profile is Computed).")
    return Fix(
        risk=Risk.DISRUPTIVE,
        summary=f'none -> calico: set networkPolicy = "calico" with azapi_update_resource, beside {cluster.address} ({why}, reimages every node)',
        engine=target,
        changes=(Change(POLICY_UPDATE_ATTRIBUTE, target, origin=Spot(cluster.file, -1, -1, POLICY_UPDATE_KIND)),),
        reasons=(first, _DISRUPTION, INIT_NOTE),
        otherwise=instead_of,
    )


def is_policy_update(change: Change) -> bool:
    return change.origin is not None and change.origin.kind == POLICY_UPDATE_KIND
