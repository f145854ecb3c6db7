"""Read a Pulumi stack's state: the clusters as Pulumi last deployed them.

Two shapes carry the same resources: `pulumi stack export` prints `{"version": 3, "deployment":
{"resources": [...]}}`, and a self-managed (file) backend keeps each stack in
`.pulumi/stacks/[<project>/]<stack>.json` as `{"version": 3, "checkpoint": {"latest": {"resources":
[...]}}}`. Each resource carries its URN (`urn:pulumi:<stack>::<project>::<type chain>::<name>`),
its Azure id and its outputs, which hold what the code cannot say: the network plugin of a cluster
whose program sets no network_profile, the Kubernetes version it runs, its Windows pools. These
are the facts `--plan` gives a Terraform cluster.

A state also holds secrets (kubeconfigs, encrypted or not): only the settings named here are read,
and nothing of the file is ever printed; errors name the file and the position only.
Pure: a parsed document in, facts out (formats/python/live_state.py finds and matches them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fixer.facts.json_text import JsonTextError, load_json
from fixer.model import LiveState

# The cluster types, by the package that declares them (formats/python/kinds.py's kinds)
_CLUSTER_TYPES = {
    "azure-native": re.compile(r"^azure-native:containerservice(?:/v\d{8}(?:preview)?)?:ManagedCluster$"),
    "azure": re.compile(r"^azure:containerservice/kubernetesCluster:KubernetesCluster$"),
}
_POOL_TYPES = (
    re.compile(r"^azure-native:containerservice(?:/v\d{8}(?:preview)?)?:AgentPool$"),
    re.compile(r"^azure:containerservice/kubernetesClusterNodePool:KubernetesClusterNodePool$"),
)
_URN = re.compile(r"^urn:pulumi:(?P<stack>[^:]*)::(?P<project>[^:]*)::(?P<types>.*)::(?P<name>[^:]*)$")


class PulumiStateError(ValueError):
    """The document is not a Pulumi state akfix reads: the message names why (never its content)."""


@dataclass(frozen=True)
class PulumiCluster:
    """One cluster resource as a stack's state records it."""

    stack: str
    project: str
    package: str  # "azure-native" or "azure"
    name: str  # the logical name the program gives it (the first argument)
    live: LiveState
    kubernetes_version: str | None
    windows_pools: tuple[str, ...]  # logical names of Windows pools attached to it (separate or inline)


@dataclass(frozen=True)
class PulumiState:
    source: str  # the file, as people should see it
    clusters: tuple[PulumiCluster, ...]
    stacks: frozenset[str]  # the stacks the file speaks for (one for an export or a checkpoint)


def is_pulumi_state(document) -> bool:
    """A `pulumi stack export` document or a file backend's checkpoint (not `terraform show -json`)."""
    return isinstance(document, dict) and (isinstance(document.get("deployment"), dict) or isinstance(document.get("checkpoint"), dict))


def read_pulumi_state(data: bytes, source: str) -> PulumiState:
    try:
        document = load_json(data)
    except JsonTextError as exc:
        raise PulumiStateError(f"{exc} (line {exc.line}, column {exc.column})" if exc.line else str(exc)) from None
    return pulumi_state_of(document, source)


def pulumi_state_of(document, source: str) -> PulumiState:
    if not is_pulumi_state(document):
        raise PulumiStateError("not a Pulumi state (no deployment or checkpoint)")
    version = document.get("version")
    if version not in (3, 4):
        raise PulumiStateError(f"deployment version {version!r}, akfix reads versions 3 and 4 (Pulumi 3.x)")
    deployment = document.get("deployment") if "deployment" in document else (document["checkpoint"].get("latest") or {})
    resources = deployment.get("resources") if isinstance(deployment, dict) else None
    if resources is None:
        resources = []  # a stack created but never deployed: nothing recorded
    if not isinstance(resources, list):
        raise PulumiStateError("the deployment's resources are not a list")
    windows: dict[str, list[str]] = {}  # cluster id (lower case) -> Windows pool names
    found: list[tuple[dict, str, dict, re.Match]] = []
    stacks: set[str] = set()
    for resource in resources:
        if not isinstance(resource, dict) or resource.get("delete") is True:
            continue  # a resource pending deletion is being replaced: its new self is recorded too
        urn = _URN.match(resource.get("urn") or "") if isinstance(resource.get("urn"), str) else None
        kind = resource.get("type")
        if urn is None or not isinstance(kind, str):
            continue
        stacks.add(urn["stack"])
        outputs = resource.get("outputs") if isinstance(resource.get("outputs"), dict) else {}
        package = next((p for p, pattern in _CLUSTER_TYPES.items() if pattern.match(kind)), None)
        if package is not None:
            found.append((resource, package, outputs, urn))
        elif any(p.match(kind) for p in _POOL_TYPES) and _text(outputs.get("osType")) and outputs["osType"].lower() == "windows":
            cluster_id = _pool_cluster_id(resource, outputs)
            if cluster_id:
                windows.setdefault(cluster_id.lower(), []).append(urn["name"])
    clusters = []
    for resource, package, outputs, urn in found:
        resource_id = _text(resource.get("id")) or _text(outputs.get("id"))
        inline = [str(p.get("name") or "?") for p in outputs.get("agentPoolProfiles") or [] if isinstance(p, dict)
                  and str(p.get("osType") or "").lower() == "windows"]
        pools = tuple(sorted(set(inline + windows.get((resource_id or "").lower(), []))))
        clusters.append(PulumiCluster(
            stack=urn["stack"], project=urn["project"], package=package, name=urn["name"],
            live=live_values(outputs, source, resource_id),
            kubernetes_version=_text(outputs.get("currentKubernetesVersion")) or _text(outputs.get("kubernetesVersion")),
            windows_pools=pools,
        ))
    return PulumiState(source, tuple(clusters), frozenset(stacks))


def live_values(outputs: dict, source: str, resource_id: str | None) -> LiveState:
    """The network settings of a cluster's outputs: azure-native and pulumi-azure both name them in
    camel case (`networkDataplane` in azure-native, `networkDataPlane` / `ebpfDataPlane` in azure)."""
    profile = outputs.get("networkProfile") if isinstance(outputs.get("networkProfile"), dict) else {}
    data_plane = _text(profile.get("networkDataplane")) or _text(profile.get("networkDataPlane")) or _text(profile.get("ebpfDataPlane"))
    return LiveState(
        plugin=_text(profile.get("networkPlugin")),
        plugin_mode=_text(profile.get("networkPluginMode")),
        policy=_text(profile.get("networkPolicy")) or "",
        data_plane=data_plane,
        source=source,
        id=resource_id,
        load_balancer_sku=_text(profile.get("loadBalancerSku")),
        outbound_type=_text(profile.get("outboundType")),
    )


def _pool_cluster_id(resource: dict, outputs: dict) -> str | None:
    """azure's node pool names its cluster's id; an azure-native AgentPool's own id extends it."""
    named = _text(outputs.get("kubernetesClusterId"))
    if named:
        return named
    own = _text(resource.get("id")) or _text(outputs.get("id")) or ""
    head, sep, _ = own.lower().rpartition("/agentpools/")
    return own[: len(head)] if sep else None


def _text(value) -> str | None:
    """A plain string output; a secret (an object with Pulumi's signature key) or anything else is None."""
    return value if isinstance(value, str) and value else None
