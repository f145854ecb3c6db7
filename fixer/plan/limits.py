"""Limits that hold for every cluster, live or about to be created: no provider version, API version
or migration lifts them. The live planner (planner.py) and the greenfield planner (greenfield.py)
both ask them, so the two can never disagree about what AKS refuses."""

from __future__ import annotations

from fixer.model import Cluster, Fix
from fixer.plan.changes import manual_fix


def windows_limit(cluster: Cluster, target: str) -> Fix | None:
    """Cilium is Linux-only and NPM on Windows is unsupported (facts §4): calico is the engine there."""
    if cluster.windows_pools and target == "cilium":
        return manual_fix(
            "Windows node pools rule out cilium",
            "Cilium on AKS is Linux-only; use --engine calico for this cluster (Calico supports Windows Server 2019/2022 on Azure CNI).",
            f"Windows node pools: {', '.join(cluster.windows_pools)}",
            blocker="windows",
        )
    if cluster.windows_pools and target == "azure":
        return manual_fix(
            "Windows node pools rule out azure (NPM)",
            "Azure NPM on Windows is unsupported since 2026-09-30; use --engine calico for this cluster.",
            f"Windows node pools: {', '.join(cluster.windows_pools)}",
            blocker="windows",
        )
    return None


def byo_limit() -> Fix:
    return manual_fix(
        "network_plugin is none (bring your own CNI)",
        "AKS installs and manages no policy engine with BYO CNI; enforce policies with the CNI you installed.",
        blocker="byo-cni",
    )


def kubernetes_limit(cluster: Cluster, target: str) -> Fix | None:
    """Since the 2026-05-29 release AKS installs NPM and Calico only on Kubernetes >= 1.30."""
    kubernetes = minor_version(cluster.profile.kubernetes_version.literal)
    if target in ("azure", "calico") and kubernetes is not None and kubernetes < (1, 30):
        return manual_fix(
            f"Kubernetes {cluster.profile.kubernetes_version.literal} is too old for {target}",
            "Since the 2026-05-29 release AKS refuses to install NPM or Calico on Kubernetes < 1.30; upgrade the cluster first.",
            blocker="kubernetes-version",
        )
    return None


def minor_version(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    parts = text.strip().split(".")
    try:
        return (int(parts[0]), int(parts[1]))
    except (ValueError, IndexError):
        return None
