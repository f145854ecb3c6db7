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
        # Control planes of meshes and operators people install themselves. Each is called by the
        # API server (admission webhooks, aggregated APIs) or by pods of every other namespace, and
        # reaches the API server itself: a default-deny there breaks the cluster, not one team.
        "istio-system",  # upstream Istio: istiod serves xDS and certificates to every sidecar and the injection webhook
        "istio-ingress",  # upstream Istio's documented gateway namespace: takes traffic from outside the cluster
        "linkerd",  # Linkerd's control plane: identity, destination and the proxy-injector webhook for every meshed pod
        "kyverno",  # Kyverno's admission webhooks (and the generate policy akfix writes must not lock in its own engine)
        "cert-manager",  # its webhook validates every Certificate/Issuer write; issuers need egress to ACME/Vault
        "argocd",  # Argo CD: egress to Git and the API server, the repo-server and UI ingress
        "ingress-nginx",  # the community ingress controller: traffic from outside plus an admission webhook
        "keda",  # self-installed KEDA: the API server calls its metrics adapter for every scaled object (the add-on lives in kube-system)
        "dapr-system",  # the AKS Dapr extension's namespace: sidecar injector webhook and placement service for every Dapr app
        "azure-workload-identity-system",  # the self-installed workload-identity mutating webhook (the add-on lives in kube-system)
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
