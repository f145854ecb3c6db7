"""Proof by replay: every observed request between pods is evaluated against the policies as they
will be applied (the base, the namespace's files, a person's kept edits), and so is a sample of
pairs of observed workloads that never talked, which must stay denied.

The policies are read the way `kubectl kustomize` assembles them: each covered namespace's
kustomization.yaml `resources`, following directories (the shared base) and files, with the
overlay's namespace applied.
"""

from __future__ import annotations

import fnmatch
import hashlib
import posixpath
from dataclasses import dataclass
from typing import Callable

from fixer.kustomize.flows.aggregate import Observed
from fixer.kustomize.flows.workloads import Workload
from fixer.kustomize.netpol import Connection, NetworkPolicy, Pod, PolicyError, evaluate, parse_policy

MAX_UNOBSERVED = 400  # pairs sampled (deterministically) among the observed workloads
Reader = Callable[[str], "bytes | None"]


@dataclass(frozen=True)
class Replay:
    observed_flows: int  # request flows replayed
    observed_pairs: int
    denied: tuple[str, ...]  # observed requests the policies would drop (must be empty)
    unobserved: int  # pairs sampled
    unobserved_allowed: tuple[str, ...]  # sampled pairs the policies allow anyway
    problems: tuple[str, ...]  # policy files that could not be read

    @property
    def ok(self) -> bool:
        return not self.denied

    def headline(self) -> str:
        first = f"{self.observed_flows} observed flows: " + ("all allowed" if not self.denied else f"{len(self.denied)} pairs would be DENIED")
        second = f"{self.unobserved} unobserved pairs: " + (
            "denied" if not self.unobserved_allowed else f"{self.unobserved - len(self.unobserved_allowed)} denied, {len(self.unobserved_allowed)} allowed")
        return f"{first}; {second}"


def load_policies(namespaces: list[str], read: Reader, cilium: dict | None = None) -> tuple[dict[str, list[NetworkPolicy]], list[str]]:
    """NetworkPolicies per covered namespace, as each overlay builds them; CiliumNetworkPolicy
    documents go to `cilium` (namespace -> documents) when given."""
    import yaml

    out: dict[str, list[NetworkPolicy]] = {}
    problems: list[str] = []
    for namespace in namespaces:
        policies: list[NetworkPolicy] = []
        for relative in _resources(f"namespaces/{namespace}", read, problems, depth=0):
            data = read(relative)
            try:
                documents = list(yaml.load_all(data or b"", Loader=_loader()))
            except yaml.YAMLError as exc:
                problems.append(f"{relative}: not readable YAML ({str(exc).splitlines()[0]})")
                continue
            for document in documents:
                if cilium is not None and isinstance(document, dict) and document.get("kind") == "CiliumNetworkPolicy":
                    cilium.setdefault(namespace, []).append(document)
                if isinstance(document, dict) and document.get("kind") == "NetworkPolicy":
                    try:
                        policies.append(parse_policy(document, namespace))
                    except PolicyError as exc:
                        problems.append(f"{relative}: {exc}")
        out[namespace] = policies
    return out, problems


def _resources(folder: str, read: Reader, problems: list[str], depth: int) -> list[str]:
    import yaml

    if depth > 4:
        return []
    data = read(f"{folder}/kustomization.yaml")
    if data is None:
        return []
    try:
        document = yaml.load(data, Loader=_loader()) or {}
    except yaml.YAMLError:
        problems.append(f"{folder}/kustomization.yaml: not readable YAML")
        return []
    files: list[str] = []
    for entry in document.get("resources") or () if isinstance(document, dict) else ():
        if not isinstance(entry, str) or "://" in entry:
            continue
        target = posixpath.normpath(posixpath.join(folder, entry))
        if target.startswith(".."):
            continue  # outside the bases: not akfix's to judge
        if target.endswith((".yaml", ".yml")):
            files.append(target)
        else:
            files.extend(_resources(target, read, problems, depth + 1))
    return files


def _loader():
    """libyaml's safe loader when PyYAML has it: many times faster on thousands of rules."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def pod(workload: Workload) -> Pod:
    return Pod(workload.namespace, dict(workload.labels), name=workload.shown)


def cilium_allows_outside(documents: list, workload: Workload, names: tuple[str, ...], entity: str, port: int, protocol: str) -> bool:
    """The subset of CiliumNetworkPolicy egress that akfix writes: endpointSelector.matchLabels,
    toFQDNs matchName/matchPattern or toEntities, toPorts. Cilium unions these allows with the
    NetworkPolicies' (a pod isolated by either is allowed by any rule of both)."""
    labels = dict(workload.labels)
    for document in documents:
        spec = document.get("spec") if isinstance(document, dict) else None
        selector = ((spec or {}).get("endpointSelector") or {}).get("matchLabels") or {}
        if not isinstance(spec, dict) or any(labels.get(str(k).removeprefix("k8s:")) != str(v) for k, v in selector.items()):
            continue
        for rule in spec.get("egress") or ():
            if entity == "world":
                patterns = [f.get("matchName") or f.get("matchPattern") or "" for f in rule.get("toFQDNs") or ()]
                target = any(fnmatch.fnmatchcase(name, pattern) for name in names for pattern in patterns)
            else:
                target = entity in (rule.get("toEntities") or ()) or "all" in (rule.get("toEntities") or ())
            ports = [p for group in rule.get("toPorts") or () for p in group.get("ports") or ()]
            if target and (not ports or any(str(p.get("port")) in (str(port), "0") and p.get("protocol", "ANY") in (protocol, "ANY") for p in ports)):
                return True
    return False


def replay(observed: Observed, covered: frozenset[str], read: Reader, min_flows: int = 1, outside: tuple = ()) -> Replay:
    """`outside`: the observations to the outside world written as Cilium rules (allows.outside)."""
    cilium: dict[str, list] = {}
    policies_by_namespace, problems = load_policies(sorted(covered), read, cilium)
    policies = [p for ps in policies_by_namespace.values() for p in ps]
    pairs = [o for o in observed.requests if o.source.kind == "pod" and o.destination.kind == "pod"
             and (o.source.namespace in covered or o.destination.namespace in covered) and o.count >= min_flows]
    denied = []
    for o in pairs:
        verdict = evaluate(policies, Connection(pod(o.source.workload), pod(o.destination.workload), o.port, o.protocol))
        if not verdict.allowed:
            denied.append(f"{o.source.workload.shown} -> {o.destination.workload.shown} {o.protocol}/{o.port} "
                          f"({o.count} flows) would be dropped: {verdict.reason()}")
    for o in outside:
        if not cilium_allows_outside(cilium.get(o.source.namespace, []), o.source.workload, o.names, o.destination.kind, o.port, o.protocol):
            denied.append(f"{o.source.workload.shown} -> {o.destination.kind} {', '.join(o.names)} {o.protocol}/{o.port} "
                          f"({o.count} flows) would be dropped: no CiliumNetworkPolicy egress rule allows it")
    sample = unobserved_pairs(observed, covered)
    allowed = []
    for source, destination, protocol, port in sample:
        verdict = evaluate(policies, Connection(pod(source), pod(destination), port, protocol))
        if verdict.allowed:
            allowed.append(f"{source.shown} -> {destination.shown} {protocol}/{port}: {verdict.reason()}")
    return Replay(sum(o.count for o in pairs + list(outside)), len(pairs) + len(outside), tuple(denied), len(sample), tuple(allowed), tuple(problems))


def unobserved_pairs(observed: Observed, covered: frozenset[str]) -> list[tuple[Workload, Workload, str, int]]:
    """Ordered pairs of observed workloads (one side covered) that never exchanged a request, each
    on the first port the destination was seen receiving (TCP/80 if never): a sample of at most
    MAX_UNOBSERVED, chosen by a digest so reruns pick the same ones."""
    talked: set[tuple[Workload, Workload]] = set()
    receives: dict[Workload, tuple[str, int]] = {}
    workloads: set[Workload] = set()
    for o in observed.requests + observed.drops:
        if o.source.kind == "pod" and o.destination.kind == "pod":
            talked.add((o.source.workload, o.destination.workload))
        for party in (o.source, o.destination):
            if party.kind == "pod":
                workloads.add(party.workload)
        if o.destination.kind == "pod" and o.protocol in ("TCP", "UDP", "SCTP"):
            current = receives.get(o.destination.workload)
            if current is None or (o.protocol, o.port) < current:
                receives[o.destination.workload] = (o.protocol, o.port)
    candidates = []
    for source in workloads:
        for destination in workloads:
            if source == destination or (source, destination) in talked:
                continue
            if source.namespace not in covered and destination.namespace not in covered:
                continue
            protocol, port = receives.get(destination, ("TCP", 80))
            if port == 53:
                continue  # DNS: the base allows it to every pod
            key = hashlib.sha256(f"{source}|{destination}".encode()).hexdigest()
            candidates.append((key, source, destination, protocol, port))
    candidates.sort(key=lambda c: c[0])
    return [(s, d, p, n) for _, s, d, p, n in candidates[:MAX_UNOBSERVED]]

