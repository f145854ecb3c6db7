"""Who is at each end of a flow: a workload (namespace + stable selector labels) or a kind of
non-pod endpoint (host, health, world, the API server, ...).

A pod's name and its Cilium identity change with every rollout; its stable labels do not. The
selector is the first of PRIMARY_KEYS the pod carries, narrowed by NARROWING_KEYS when present
(two releases of one chart in a namespace share `app.kubernetes.io/name`). Labels a controller
stamps per revision (`pod-template-hash`, `controller-revision-hash`, ...) and the labels Cilium
derives (`io.kubernetes.*`, `io.cilium.*`: not pod labels at all) are never selected on. Label
keys and values, and namespaces, are validated before they go anywhere near YAML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fixer.kustomize.names import is_valid

PRIMARY_KEYS = ("app.kubernetes.io/name", "app", "k8s-app", "name", "component")
NARROWING_KEYS = ("app.kubernetes.io/instance", "app.kubernetes.io/component")
# Per-revision or per-pod labels: selecting on them breaks at the next rollout.
UNSTABLE_KEYS = frozenset({
    "pod-template-hash", "controller-revision-hash", "pod-template-generation",
    "statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index",
    "controller-uid", "batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-completion-index",
})
DERIVED_PREFIXES = ("io.kubernetes.", "io.cilium.")  # Cilium's own labels, not pod labels

# Cilium's reserved identities (pkg/identity/numericidentity.go) and their labels.
RESERVED_IDENTITIES = {1: "host", 2: "world", 3: "unmanaged", 4: "health", 5: "init", 6: "remote-node",
                       7: "kube-apiserver", 8: "ingress", 9: "world", 10: "world"}
LOCAL_IDENTITY_FLAG = 1 << 24  # CIDR and FQDN identities: addresses outside the cluster

_KEY_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_KEY_PREFIX = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$")


def valid_label(key: str, value: str) -> bool:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not _KEY_PREFIX.match(prefix)):
        return False
    return bool(_KEY_NAME.match(name)) and bool(_VALUE.match(value))


@dataclass(frozen=True)
class Workload:
    namespace: str
    selector: tuple[tuple[str, str], ...]  # matchLabels
    labels: tuple[tuple[str, str], ...]  # every real pod label seen (for the replay)

    @property
    def name(self) -> str:
        """A readable name: the primary label's value."""
        return self.selector[0][1] if self.selector else ""

    @property
    def shown(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class Party:
    """One end of a flow: `kind` is "pod" (with a workload) or a reserved kind (host, health, world,
    kube-apiserver, remote-node, ingress, init, unmanaged) or "unknown"."""

    kind: str
    workload: Workload | None = None
    namespace: str = ""
    why: str = ""  # for "unknown": why no workload could be named


def pod_labels(raw_labels) -> dict[str, str]:
    """The real pod labels among Cilium's `source:key=value` strings."""
    labels: dict[str, str] = {}
    for item in raw_labels or ():
        if not isinstance(item, str) or not item.startswith("k8s:"):
            continue
        key, _, value = item[4:].partition("=")
        if key.startswith(DERIVED_PREFIXES) or not valid_label(key, value):
            continue
        labels[key] = value
    return labels


def reserved_kind(raw_labels, identity) -> str | None:
    for item in raw_labels or ():
        if isinstance(item, str) and item.startswith("reserved:"):
            kind = item[9:]
            return "world" if kind.startswith("world") else kind
    if isinstance(identity, int):
        if identity in RESERVED_IDENTITIES:
            return RESERVED_IDENTITIES[identity]
        if identity & LOCAL_IDENTITY_FLAG:
            return "world"
    return None


def identify(endpoint: dict) -> Party:
    """The party of a flow's `source` or `destination` object."""
    if not isinstance(endpoint, dict):
        return Party("unknown", why="no endpoint in the flow")
    raw = endpoint.get("labels") or ()
    namespace = endpoint.get("namespace") or ""
    reserved = reserved_kind(raw, endpoint.get("identity"))
    if reserved is not None and not namespace:
        return Party(reserved)
    if not namespace:
        return Party("unknown", why="neither a namespace nor a reserved identity")
    if not isinstance(namespace, str) or not is_valid(namespace):
        return Party("unknown", why=f"namespace {str(namespace)[:80]!r} is not a valid name")
    labels = pod_labels(raw)
    selector = _selector(labels)
    if not selector:
        return Party("unknown", namespace=namespace, why=f"pod {str(endpoint.get('pod_name') or '?')[:80]} in {namespace} has no stable label to select it by")
    return Party("pod", Workload(namespace, selector, tuple(sorted(labels.items()))), namespace)


def _selector(labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    for key in PRIMARY_KEYS:
        if key in labels:
            chosen = [(key, labels[key])] + [(k, labels[k]) for k in NARROWING_KEYS if k in labels and k != key]
            return tuple(chosen)
    # No conventional label: every stable label the pod carries, so the selector still holds
    # across rollouts (and is as narrow as the pod's labels allow).
    return tuple(sorted((k, v) for k, v in labels.items() if k not in UNSTABLE_KEYS))
