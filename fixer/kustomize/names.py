"""Rules for namespace names: which are system namespaces, which are templated, which are valid.

A name taken from a file becomes a directory name, so it must be a valid RFC 1123 label before it
is used at all.
"""

from __future__ import annotations

import re

# Namespaces that AKS, its add-ons and the policy engines own: never given a default-deny.
# `default` is not in the list: workloads that run there need policies too.
SYSTEM_NAMESPACES = frozenset(
    {
        "kube-system",
        "kube-public",
        "kube-node-lease",
        "gatekeeper-system",
        "calico-system",
        "calico-apiserver",
        "tigera-operator",
        "aks-command",
        "app-routing-system",
        "aks-istio-system",
        "aks-istio-ingress",
        "aks-istio-egress",
        "azure-arc",
        "azure-extensions-usage-system",
        "flux-system",
        "dataprotection-microsoft",
    }
)

# Where akfix's connectivity tests run their target (kustomize/connectivity.py). It must stay free
# of the policies it is there to be refused by, so the Kyverno policy excludes it.
PROBE_NAMESPACE = "akfix-connectivity"

_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_TEMPLATED = re.compile(r"\$\{|\{\{|\$\(|<%|%\{")


def is_valid(name: str) -> bool:
    return len(name) <= 63 and bool(_LABEL.match(name))


def is_templated(name: str) -> bool:
    return bool(_TEMPLATED.search(name))


def why_skipped(name: str, system: frozenset[str]) -> str | None:
    """The reason a found name does not get policies, or None when it does."""
    if is_templated(name):
        return "templated value, not a name"
    if not is_valid(name):
        return "not a valid RFC 1123 label"
    if name in system:
        return "system namespace"
    return None
