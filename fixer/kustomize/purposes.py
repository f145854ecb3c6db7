"""What each generated file under the bases dir is for, in one line: the pull request lists every
file with its purpose, so a reviewer knows what each one does before opening it.

Imports: kustomize.names only.
"""

from __future__ import annotations

from fixer.kustomize.names import PROBE_NAMESPACE

# (path under the bases dir, with <ns> for a namespace) -> purpose; {ns} is filled in.
_PURPOSES = {
    "kustomization.yaml": "every namespace overlay: `kubectl apply -k` this folder",
    "base/kustomization.yaml": "the namespace-agnostic base that each overlay applies",
    "base/default-deny-all.yaml": "denies all ingress and egress for every pod of the namespace",
    "base/allow-dns-egress.yaml": "allows egress to kube-dns (kube-system, k8s-app=kube-dns) on UDP and TCP 53",
    "base/allow-localdns-egress.yaml": "allows egress to AKS LocalDNS (169.254.10.0/24) on UDP and TCP 53",
    "namespaces/<ns>/kustomization.yaml": "applies the base to namespace {ns}",
    "namespaces/<ns>/allow-same-namespace.yaml": "lets the pods of {ns} talk to each other",
    "namespaces/<ns>/allow-observed.yaml": "allows what Hubble saw flowing in {ns}: per workload pair, port and protocol, proven by replay",
    "kyverno/kustomization.yaml": "the Kyverno policy and its RBAC: `kubectl apply -k` once Kyverno runs",
    "kyverno/clusterpolicy.yaml": "Kyverno ClusterPolicy: namespaces created from now on get the same policies, kept in sync; existing ones untouched",
    "kyverno/rbac.yaml": "ClusterRole aggregated into Kyverno's controllers so they may create the generated policies",
    "connectivity/kustomization.yaml": "the connectivity tests: the target, the control and every namespace's check",
    "connectivity/target/kustomization.yaml": f"the target and the control Job, in {PROBE_NAMESPACE}",
    "connectivity/target/target.yaml": f"the target: a web pod behind a headless Service in {PROBE_NAMESPACE} (no policies there)",
    "connectivity/target/control-job.yaml": "control Job: the same probes must succeed where no policy applies, or the checks prove nothing",
    "connectivity/base/kustomization.yaml": "the namespace-agnostic check Job",
    "connectivity/base/check-job.yaml": "check Job: DNS resolves, another namespace's pod and an outside address are refused; fails otherwise",
    "connectivity/namespaces/<ns>/kustomization.yaml": "runs the check Job in namespace {ns}",
}


def purpose(relative: str) -> str:
    """The purpose of a file given by its path under the bases dir ("" for one akfix did not make)."""
    parts = relative.split("/")
    for index, part in enumerate(parts):
        if index and parts[index - 1] == "namespaces" and index + 1 < len(parts):
            pattern = "/".join(parts[:index] + ["<ns>"] + parts[index + 1:])
            if pattern in _PURPOSES:
                return _PURPOSES[pattern].format(ns=part)
    return _PURPOSES.get(relative, "")
