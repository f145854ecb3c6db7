"""Read an inventory of live AKS clusters: `az aks list -o json`, `az aks show -o json`, or
`az graph query -q ... -o json` (rows with or without `properties`), the shape detected.

The file is checked for size before it is read, so a wrong file (a 1 GB log) is refused without
filling memory. Broken JSON is an error naming the file and the position; an entry that lacks what
akfix needs (an id, a network profile) is a warning and skipped: one odd row must not hide the
other clusters.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from fixer.facts.json_text import JsonTextError, load_json
from fixer.model import ENGINES, LiveState

# 10,000 clusters of `az aks list` output are ~100 MB; a file far beyond that is not an inventory.
MAX_BYTES = 512 * 1024 * 1024
CLUSTER_TYPE = "microsoft.containerservice/managedclusters"


class InventoryError(ValueError):
    """The whole file is unusable: exit 2, naming the file (and the position for broken JSON)."""


@dataclass(frozen=True)
class LiveCluster:
    """One live AKS cluster as Azure reports it."""

    id: str
    name: str
    resource_group: str
    subscription: str
    plugin: str | None  # azure | kubenet | none
    plugin_mode: str | None  # overlay | None
    policy: str  # "" = no engine (absent, none and "" alike)
    data_plane: str | None  # azure | cilium
    kubernetes_version: str | None
    os_types: tuple[str, ...]  # of its node pools: Linux, Windows
    auto_provisioning: bool  # nodeProvisioningProfile.mode == Auto
    status: str  # provisioningState / powerState, for people
    source: str  # the inventory file, or "Azure Resource Graph"
    load_balancer_sku: str | None = None  # lower case, as azurerm writes it
    outbound_type: str | None = None  # as the API and azurerm spell it (loadBalancer, userDefinedRouting, ...)

    @property
    def key(self) -> str:
        """The stable key: the resource id, compared case-insensitively (§12)."""
        return self.id.lower()

    @property
    def windows(self) -> bool:
        return any(os_type.lower() == "windows" for os_type in self.os_types)

    def state(self, matched_by: str) -> LiveState:
        return LiveState(
            plugin=self.plugin,
            plugin_mode=self.plugin_mode,
            policy=self.policy,
            data_plane=self.data_plane,
            source=self.source,
            id=self.id,
            matched_by=matched_by,
            load_balancer_sku=self.load_balancer_sku,
            outbound_type=self.outbound_type,
        )


@dataclass(frozen=True)
class Inventory:
    clusters: tuple[LiveCluster, ...]
    warnings: tuple[str, ...] = ()


def load_inventory(path: Path, limit: int = MAX_BYTES) -> Inventory:
    """The clusters of one inventory file. Raises InventoryError for a file akfix cannot use."""
    try:
        size = os.stat(path).st_size
    except OSError as exc:
        raise InventoryError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if size > limit:
        raise InventoryError(f"{path}: {size:,} bytes is over the {limit // (1024 * 1024)} MiB an inventory may have; "
                             "not read (is it the JSON of `az aks list` or `az graph query`?)")
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise InventoryError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        document = load_json(data)
    except JsonTextError as exc:
        raise InventoryError(f"{path}:{exc.line}:{exc.column}: {exc}" if exc.line else f"{path}: {exc}") from None
    rows = rows_of(document)
    if rows is None:
        raise InventoryError(f"{path}: not an inventory: expected the JSON of `az aks list -o json` (an array), "
                             "`az aks show -o json` (one cluster) or `az graph query -o json` ({\"data\": [...]})")
    return clusters_of(rows, str(path))


def rows_of(document) -> list | None:
    """The cluster rows of a document, or None when its shape is none akfix knows."""
    if isinstance(document, list):
        return document  # az aks list; also `az graph query` with --query data
    if not isinstance(document, dict):
        return None
    if isinstance(document.get("data"), list):
        return document["data"]  # az graph query (resource-graph extension), the REST answer
    if isinstance(document.get("value"), list):
        return document["value"]  # the ARM REST list (`az rest`)
    if isinstance(document.get("id"), str) and ("networkProfile" in document or "properties" in document):
        return [document]  # az aks show
    return None


def clusters_of(rows: list, source: str) -> Inventory:
    clusters: list[LiveCluster] = []
    warnings: list[str] = []
    for number, row in enumerate(rows, start=1):
        cluster, why = cluster_of(row, source)
        if cluster is not None:
            clusters.append(cluster)
        elif why:
            warnings.append(f"{source}: entry {number}: {why}; skipped")
    return Inventory(tuple(clusters), tuple(warnings))


def cluster_of(row, source: str) -> tuple[LiveCluster | None, str | None]:
    """(cluster, None), or (None, why the row was skipped); (None, None) for a row of another type."""
    if not isinstance(row, dict):
        return None, f"expected an object, got {type(row).__name__}"
    kind = row.get("type")
    if isinstance(kind, str) and kind.lower() != CLUSTER_TYPE:
        return None, None  # a Resource Graph query over more than clusters: not ours, not an error
    # az aks flattens `properties`; Resource Graph keeps them (unless the query projected them out).
    properties = row.get("properties") if isinstance(row.get("properties"), dict) else row
    resource_id = row.get("id")
    if not isinstance(resource_id, str) or "/managedclusters/" not in resource_id.lower():
        return None, "no AKS resource id (`id`)"
    parts = _id_parts(resource_id)
    name = _text(row.get("name")) or parts.get("managedclusters", "")
    group = _text(row.get("resourceGroup")) or parts.get("resourcegroups", "")
    subscription = _text(row.get("subscriptionId")) or parts.get("subscriptions", "")
    profile = properties.get("networkProfile")
    if not isinstance(profile, dict):
        return None, f"{name or resource_id}: no networkProfile (project properties.networkProfile in the query)"
    plugin = _lower(profile.get("networkPlugin"))
    if plugin is None:
        return None, f"{name}: networkProfile has no networkPlugin"
    policy = _lower(profile.get("networkPolicy")) or ""
    pools = properties.get("agentPoolProfiles") if isinstance(properties.get("agentPoolProfiles"), list) else []
    provisioning = properties.get("nodeProvisioningProfile") if isinstance(properties.get("nodeProvisioningProfile"), dict) else {}
    power = properties.get("powerState") if isinstance(properties.get("powerState"), dict) else {}
    status = " ".join(s for s in (_text(properties.get("provisioningState")), _text(power.get("code"))) if s)
    return LiveCluster(
        id=resource_id,
        name=name,
        resource_group=group,
        subscription=subscription,
        plugin=plugin,
        plugin_mode=_lower(profile.get("networkPluginMode")),
        policy=policy if policy in ENGINES else "",
        data_plane=_lower(profile.get("networkDataplane")),
        kubernetes_version=_text(properties.get("currentKubernetesVersion")) or _text(properties.get("kubernetesVersion")),
        os_types=tuple(sorted({t for p in pools if isinstance(p, dict) and (t := _text(p.get("osType")))})),
        auto_provisioning=(_lower(provisioning.get("mode")) == "auto"),
        status=status,
        source=source,
        load_balancer_sku=_lower(profile.get("loadBalancerSku")),
        outbound_type=_text(profile.get("outboundType")),
    ), None


def _id_parts(resource_id: str) -> dict[str, str]:
    """/subscriptions/S/resourceGroups/RG/providers/.../managedClusters/NAME -> lower-cased keys."""
    segments = [s for s in resource_id.split("/") if s]
    return {segments[i].lower(): segments[i + 1] for i in range(0, len(segments) - 1)}


def _text(value) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _lower(value) -> str | None:
    text = _text(value)
    return text.lower() if text else None
