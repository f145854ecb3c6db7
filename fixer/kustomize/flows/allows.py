"""Observations -> the allows of each covered namespace (`allow-observed.yaml`).

Standard `networking.k8s.io/v1` NetworkPolicies, one per workload that sends or receives observed
traffic: ingress rules on the destination's side, egress rules on the source's side, each peer by
`namespaceSelector` (kubernetes.io/metadata.name) plus `podSelector`, numeric ports with their
protocol. A side whose namespace is not covered (system namespaces, namespaces the repository does
not hold) gets no policy; the covered side still gets its rule.

What a NetworkPolicy cannot say safely is never written as an allow-all: traffic to the outside
world becomes a CiliumNetworkPolicy `toFQDNs` rule under cilium when the flows carry DNS names
(FQDN policies need Advanced Container Networking Services on AKS, aks-network-facts.md §9), and
is otherwise listed for a person, like ingress from outside, ICMP and the API server on other
engines.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from fixer.kustomize.flows.aggregate import Observation, Observed
from fixer.kustomize.flows.workloads import Party, Workload

DNS_PORT = 53
_DNS_NAME = re.compile(r"^(?=.{1,253}$)(\*\.)?([a-z0-9_]([-a-z0-9_]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
_SLUG = re.compile(r"[^a-z0-9-]+")


@dataclass(frozen=True)
class PortUse:
    protocol: str
    port: int
    count: int
    first: str
    last: str


@dataclass(frozen=True)
class PeerRule:
    peer: Workload
    ports: tuple[PortUse, ...]


@dataclass(frozen=True)
class WorkloadAllows:
    name: str  # the policy's name
    workload: Workload
    ingress: tuple[PeerRule, ...]
    egress: tuple[PeerRule, ...]
    fqdns: tuple[tuple[tuple[str, ...], tuple[PortUse, ...]], ...] = ()  # (names, ports): cilium only
    apiserver: tuple[PortUse, ...] = ()  # cilium only


@dataclass(frozen=True)
class NamespaceAllows:
    namespace: str
    policies: tuple[WorkloadAllows, ...]
    flows: int
    first: str
    last: str
    drops: tuple[Observation, ...]

    @property
    def rules(self) -> int:
        return sum(len(r.ports) for p in self.policies for r in p.ingress + p.egress) + sum(
            len(ports) for p in self.policies for _, ports in p.fqdns) + sum(len(p.apiserver) for p in self.policies)

    @property
    def cilium(self) -> bool:
        return any(p.fqdns or p.apiserver for p in self.policies)


@dataclass(frozen=True)
class Allows:
    namespaces: tuple[NamespaceAllows, ...]
    for_person: tuple[str, ...]  # what was seen and not allowed, one line each
    below_threshold: tuple[Observation, ...]
    dns: int  # DNS flows the base already allows
    uncovered: tuple[str, ...]  # non-system namespaces seen in flows that have no base
    outside: tuple[Observation, ...] = ()  # written as CiliumNetworkPolicy rules: the replay checks them


def is_dns(o: Observation) -> bool:
    d = o.destination
    return (o.port == DNS_PORT and o.protocol in ("UDP", "TCP") and d.kind == "pod" and d.namespace == "kube-system"
            and ("k8s-app", "kube-dns") in d.workload.labels)


def describe(party: Party) -> str:
    return party.workload.shown if party.workload else party.kind


def line(o: Observation) -> str:
    target = describe(o.destination)
    if o.names:
        target += " (" + ", ".join(o.names[:3]) + (", ..." if len(o.names) > 3 else "") + ")"
    elif o.destination.kind == "world" and o.addresses:
        target += " (" + ", ".join(o.addresses) + ")"
    source = describe(o.source) + (" (" + ", ".join(o.addresses) + ")" if o.source.kind == "world" and o.addresses else "")
    port = o.protocol if o.protocol.startswith("ICMP") else f"{o.protocol}/{o.port}"
    span = f", {o.first} .. {o.last}" if o.first else ""
    reason = f", {o.reason}" if o.reason else ""
    return f"{source} -> {target} {port}: {o.count} flow{'s' if o.count != 1 else ''}{span}{reason}"


def plan_allows(observed: Observed, covered: frozenset[str], system: frozenset[str], engine: str, min_flows: int = 1) -> Allows:
    ingress: dict[Workload, dict[Workload, list[PortUse]]] = {}
    egress: dict[Workload, dict[Workload, list[PortUse]]] = {}
    fqdns: dict[Workload, dict[tuple[str, ...], list[PortUse]]] = {}
    apiserver: dict[Workload, list[PortUse]] = {}
    spans: dict[str, list[Observation]] = {}
    person: list[str] = []
    below: list[Observation] = []
    uncovered: set[str] = set()
    outside: list[Observation] = []
    dns = 0
    for o in observed.requests:
        s, d = o.source, o.destination
        for party in (s, d):
            if party.kind == "pod" and party.namespace not in covered and party.namespace not in system:
                uncovered.add(party.namespace)
        if is_dns(o):
            dns += o.count
            continue
        s_covered = s.kind == "pod" and s.namespace in covered
        d_covered = d.kind == "pod" and d.namespace in covered
        if not (s_covered or d_covered):
            continue
        if o.count < min_flows:
            below.append(o)
            continue
        use = PortUse(o.protocol, o.port, o.count, o.first, o.last)
        if o.protocol.startswith("ICMP"):
            person.append(f"{line(o)} (ICMP: a NetworkPolicy can only allow it with a rule for every port and protocol)")
            continue
        if s.kind == "pod" and d.kind == "pod":
            if s_covered:
                egress.setdefault(s.workload, {}).setdefault(d.workload, []).append(use)
                spans.setdefault(s.namespace, []).append(o)
            if d_covered:
                ingress.setdefault(d.workload, {}).setdefault(s.workload, []).append(use)
                if d.namespace != s.namespace or not s_covered:
                    spans.setdefault(d.namespace, []).append(o)
            continue
        if s_covered and d.kind == "world":
            names = tuple(n.rstrip(".").lower() for n in o.names)
            if engine == "cilium" and names and all(_DNS_NAME.match(n) for n in names):
                fqdns.setdefault(s.workload, {}).setdefault(names, []).append(use)
                spans.setdefault(s.namespace, []).append(o)
                outside.append(o)
            else:
                why = "no DNS name in the flows" if not names else "a DNS name that is not valid" if engine == "cilium" else f"{engine} cannot allow DNS names"
                person.append(f"{line(o)} (outside the cluster, {why}: allow the addresses you trust with an ipBlock; akfix writes no 0.0.0.0/0)")
            continue
        if s_covered and d.kind == "kube-apiserver":
            if engine == "cilium":
                apiserver.setdefault(s.workload, []).append(use)
                spans.setdefault(s.namespace, []).append(o)
                outside.append(o)
            else:
                person.append(f"{line(o)} (the API server: a NetworkPolicy reaches it only by an ipBlock of its addresses)")
            continue
        side = "from outside the cluster" if s.kind == "world" else f"{s.kind if s.kind != 'pod' else d.kind} endpoint"
        person.append(f"{line(o)} ({side}: not allowed by akfix; allow it with an ipBlock of the addresses you trust)")

    workloads = sorted({*ingress, *egress, *fqdns, *apiserver}, key=_workload_key)
    by_namespace: dict[str, list[Workload]] = {}
    for w in workloads:
        by_namespace.setdefault(w.namespace, []).append(w)
    namespaces = []
    for name in sorted(by_namespace):
        members = by_namespace[name]
        names = _policy_names(members)
        policies = tuple(
            WorkloadAllows(
                names[w], w,
                _rules(ingress.get(w, {})), _rules(egress.get(w, {})),
                tuple((n, _ports(p)) for n, p in sorted(fqdns.get(w, {}).items())),
                _ports(apiserver.get(w, [])),
            )
            for w in members
        )
        seen = spans.get(name, [])
        firsts = [o.first for o in seen if o.first]
        drops = tuple(o for o in observed.drops if name in (o.source.namespace, o.destination.namespace))
        namespaces.append(NamespaceAllows(name, policies, sum(o.count for o in seen), min(firsts, default=""),
                                          max((o.last for o in seen), default=""), drops))
    return Allows(tuple(namespaces), tuple(person), tuple(below), dns, tuple(sorted(uncovered)), tuple(outside))


def _workload_key(w: Workload) -> tuple:
    return (w.namespace, w.name, w.selector)


def _ports(uses: list[PortUse]) -> tuple[PortUse, ...]:
    merged: dict[tuple[str, int], PortUse] = {}
    for u in uses:
        old = merged.get((u.protocol, u.port))
        if old is None:
            merged[(u.protocol, u.port)] = u
        else:
            first = min(filter(None, (old.first, u.first)), default="")
            merged[(u.protocol, u.port)] = PortUse(u.protocol, u.port, old.count + u.count, first, max(old.last, u.last))
    return tuple(merged[k] for k in sorted(merged))


def _rules(peers: dict[Workload, list[PortUse]]) -> tuple[PeerRule, ...]:
    return tuple(PeerRule(peer, _ports(peers[peer])) for peer in sorted(peers, key=_workload_key))


def _policy_names(members: list[Workload]) -> dict[Workload, str]:
    """`allow-observed-<workload>`: a valid object name, unique in the namespace and stable (a
    digest of the selector tells apart workloads whose names clean up to the same text)."""
    slugs = {w: (_SLUG.sub("-", w.name.lower()).strip("-")[:40].strip("-") or "workload") for w in members}
    counts: dict[str, int] = {}
    for slug in slugs.values():
        counts[slug] = counts.get(slug, 0) + 1
    names = {}
    for w, slug in slugs.items():
        if counts[slug] > 1 or slug != w.name:
            slug = f"{slug}-{hashlib.sha256(repr(w.selector).encode()).hexdigest()[:6]}"
        names[w] = f"allow-observed-{slug}"
    return names
