"""Clusters no code declares: live clusters matched to no cluster found in code.

Each gets the exact `az aks update` that gives it an engine in place where the facts allow, or the
reason it cannot (kubenet first, Windows pools, node auto-provisioning, an old Kubernetes). They are
listed, never written, and change `check`'s exit code only with --fail-on-live-only.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from fixer.facts.inventory import LiveCluster

# Azure's own rules for the names that go into a shell command (anything else is quoted anyway).
_SAFE = re.compile(r"^[A-Za-z0-9._()-]{1,90}$")


@dataclass(frozen=True)
class LiveOnly:
    cluster: LiveCluster
    command: str | None  # the az command that fixes it in place, or None
    why: str  # what it runs, or why there is no command

    @property
    def compliant(self) -> bool:
        return bool(self.cluster.policy)

    def to_json(self) -> dict:
        c = self.cluster
        return {
            "id": c.id,
            "name": c.name,
            "resource_group": c.resource_group,
            "subscription": c.subscription,
            "plugin": c.plugin,
            "plugin_mode": c.plugin_mode,
            "policy": c.policy or "none",
            "data_plane": c.data_plane,
            "status": c.status,
            "source": c.source,
            "command": self.command,
            "why": self.why,
        }


def live_only(clusters, matched: set[str], engine: str) -> list[LiveOnly]:
    """The live clusters whose id is not in `matched`, in a stable order."""
    rest = [c for c in clusters if c.key not in matched]
    rest.sort(key=lambda c: (c.subscription.lower(), c.resource_group.lower(), c.name.lower()))
    return [listing(c, engine) for c in rest]


def listing(cluster: LiveCluster, engine: str) -> LiveOnly:
    command, why = command_for(cluster, engine)
    return LiveOnly(cluster, command, why)


def command_for(cluster: LiveCluster, engine: str) -> tuple[str | None, str]:
    """(`az aks update ...`, why) -- the command is None when no in-place update gets there."""
    command, why = _command(cluster, engine)
    if command and cluster.subscription:
        command += f" --subscription {_arg(cluster.subscription)}"  # the cluster's, not the CLI's default
    return command, why


def _command(c: LiveCluster, engine: str) -> tuple[str | None, str]:
    if c.policy:
        return None, f"runs {c.policy}"
    base = f"az aks update -g {_arg(c.resource_group)} -n {_arg(c.name)}"
    if c.plugin == "none":
        return None, "network plugin none (bring your own CNI): AKS manages no engine; enforce with the CNI you installed"
    if c.plugin == "kubenet" and engine != "calico":
        return None, (f"kubenet cannot run {engine}: first `{base} --network-plugin azure --network-plugin-mode overlay` "
                      "(one way, in place; needs a user-assigned identity and Kubernetes >= 1.27), then enable "
                      f"{engine}; or use --engine calico, which kubenet runs in place")
    if c.windows and engine in ("cilium", "azure"):
        return None, f"Windows node pools rule out {engine}: use --engine calico"
    if engine == "cilium":
        if c.plugin != "azure":
            return None, f"cilium needs network plugin azure, not {c.plugin}"
        if c.auto_provisioning:
            return None, "node auto-provisioning is on: AKS refuses the Cilium data-plane switch until it is Manual"
        if c.data_plane == "cilium":
            return f"{base} --network-policy cilium", "the Cilium data plane already runs: naming the policy changes nothing on the nodes"
        return f"{base} --network-policy cilium --network-dataplane cilium", "reimages every node pool; Cilium enforces once all nodes are reimaged"
    version = _minor(c.kubernetes_version)
    if version is not None and version < (1, 30):
        return None, f"Kubernetes {c.kubernetes_version} is too old for {engine}: AKS installs NPM/Calico only on >= 1.30; upgrade first"
    if engine == "azure" and c.plugin != "azure":
        return None, "policy azure (NPM) needs network plugin azure: use --engine calico"
    return f"{base} --network-policy {engine}", "reimages every node pool at once"


def _arg(text: str) -> str:
    return text if _SAFE.match(text) else shlex.quote(text)


def _minor(text: str | None) -> tuple[int, int] | None:
    try:
        major, minor = (text or "").split(".")[:2]
        return int(major), int(minor)
    except ValueError:
        return None
