"""Limits that hold for every cluster, live or about to be created: no provider version, API version
or migration lifts them. The live planner (planner.py) and the greenfield planner (greenfield.py)
both ask them, so the two can never disagree about what AKS refuses."""

from __future__ import annotations

from fixer.model import Change, Cluster, Fix, Value, ValueKind
from fixer.plan.changes import manual_fix
from fixer.plan.rules.modules import cilium_precondition, refusal

CALICO_WINDOWS = frozenset({"Windows2019", "Windows2022"})  # facts §4: the Windows versions Calico supports on AKS


def windows_limit(cluster: Cluster, target: str) -> Fix | None:
    """Cilium is Linux-only and NPM on Windows is unsupported (facts §4): calico is the engine there."""
    if cluster.windows_pools and target == "cilium":
        return manual_fix(
            "Windows node pools rule out cilium",
            "Cilium on AKS is Linux-only; use --engine calico for this cluster (Calico supports Windows Server 2019/2022 on Azure CNI).",
            f"Windows node pools: {', '.join(cluster.windows_pools)}",
            blocker="windows",
        )
    unsupported = [sku for sku in cluster.windows_skus if sku not in CALICO_WINDOWS] if cluster.windows_pools else []
    if unsupported and target == "calico":
        return manual_fix(
            f"Calico on AKS supports Windows Server 2019 and 2022, not {', '.join(unsupported)}",
            "No engine AKS manages is documented for this Windows version (facts §4: Calico on Windows Server 2019/2022, "
            "Cilium Linux-only, NPM unsupported on Windows): move the pool to Windows2022 or confirm Calico's support first.",
            f"Windows node pools: {', '.join(cluster.windows_pools)}; Windows versions named: {', '.join(cluster.windows_skus)}",
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


def module_limit(cluster: Cluster, changes: list[Change]) -> Fix | None:
    """A module call whose release lacks an input the fix writes, or refuses its value (rules/modules.py):
    the deployment would fail to validate. Changes go through the call's inputs (Cluster.input_names);
    an API version bump cannot, since the module deploys its own."""
    if not cluster.module:
        return None
    if any(c.attribute == "apiVersion" for c in changes):
        why = f"{cluster.module.split(' ')[0]} deploys API version {cluster.api_version}, which akfix cannot bump in a module"
    else:
        inputs = dict(cluster.input_names)
        named = [(inputs.get(c.attribute, c.attribute), c.value) for c in changes]
        why = refusal(cluster.module, named)
        if why is None and ("ebpf_data_plane", "cilium") in named:
            profile = cluster.profile
            why = cilium_precondition(cluster.module, profile.plugin_mode.literal, not profile.pod_subnet.is_missing)
    if why is None:
        return None
    return manual_fix(
        why,
        "Move the call to a release that takes it (akfix never changes a module's version: read its changelog first), "
        "then re-run akfix; or --engine cilium,calico where the release takes calico.",
        blocker="module-version",
    )


def engine_module_limit(cluster: Cluster, target: str) -> Fix | None:
    """module_limit for the engine alone (its policy input), asked before the fix is planned so the
    report names the release rather than a rule that follows from it."""
    policy = "networkPolicy" if cluster.api_version is not None else "network_policy"
    return module_limit(cluster, [Change(policy, target)])


def byo_limit() -> Fix:
    return manual_fix(
        "network_plugin is none (bring your own CNI)",
        "AKS installs and manages no policy engine with BYO CNI; enforce policies with the CNI you installed.",
        blocker="byo-cni",
    )


def kubernetes_limit(cluster: Cluster, target: str) -> Fix | None:
    """Since the 2026-05-29 release AKS installs NPM and Calico only on Kubernetes >= 1.30. The
    version the code sets -- or, where an expression may give several (allowed values, inputs), the
    oldest of them, which a deployment may run."""
    oldest = _oldest_version(cluster.profile.kubernetes_version)
    if target in ("azure", "calico") and oldest is not None and minor_version(oldest) < (1, 30):
        value = cluster.profile.kubernetes_version
        via = value.via or "set"
        if value.file and value.file != cluster.file and value.file not in via:
            via += f" in {value.file}"
        where = f" ({via})" if via != "set" else ""
        said = oldest if value.literal else f"{oldest} (what {value.text} may be)"
        return manual_fix(
            f"Kubernetes {said} is too old for {target}{where}",
            "Since the 2026-05-29 release AKS refuses to install NPM or Calico on Kubernetes < 1.30; upgrade the cluster first.",
            blocker="kubernetes-version",
        )
    return None


def kubernetes_assumption(cluster: Cluster, target: str) -> str | None:
    """A fix that writes azure or calico where the code sets the Kubernetes version by an expression
    akfix cannot read: the reason states the assumption (a version below 1.30 makes AKS reject the
    update -- a failed deployment, nothing recreated)."""
    value = cluster.profile.kubernetes_version
    if target not in ("azure", "calico") or value.kind is not ValueKind.EXPRESSION or _oldest_version(value) is not None:
        return None
    return (f"kubernetes_version is set by {value.text}, which akfix cannot read"
            + (f" ({value.note})" if value.note else "")
            + f": this fix assumes Kubernetes >= 1.30, the oldest on which AKS installs {target} (an older cluster "
            "rejects the update; nothing is recreated).")


def _oldest_version(value: Value) -> str | None:
    """The literal version, or the oldest an expression may give (its domain), when each reads as one."""
    texts = [value.literal] if value.literal else list(value.domain)
    parsed = [(minor_version(t), t) for t in texts]
    if not parsed or any(v is None for v, _ in parsed):
        return None
    return min(parsed)[1]


def minor_version(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    parts = text.strip().split(".")
    try:
        return (int(parts[0]), int(parts[1]))
    except (ValueError, IndexError):
        return None
