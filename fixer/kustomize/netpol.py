"""What Kubernetes NetworkPolicies allow: a pure evaluator of `networking.k8s.io/v1` semantics.

Used to prove generated policies (replay of observed flows) and by the tests. The semantics are the
Kubernetes documentation's (concepts/services-networking/network-policies):

- A pod is *isolated for ingress* when any policy in its namespace selects it (`podSelector`) and has
  `Ingress` in its `policyTypes`; likewise for egress. A pod that no such policy selects is not
  isolated in that direction: everything is allowed there.
- `policyTypes` left out means `Ingress`, plus `Egress` when the policy has an `egress` section.
- Policies are additive: a connection is allowed in one direction when any rule of any policy that
  selects the pod allows it. A connection needs both the source's egress and the destination's
  ingress to allow it.
- A rule's `from`/`to` left out or empty matches every peer; `ports` left out or empty every port.
- A peer with `podSelector` alone selects pods in the policy's own namespace; `namespaceSelector`
  alone every pod of the matching namespaces; both together the matching pods of the matching
  namespaces; `ipBlock` addresses in `cidr` but not in any `except`.
- A port entry: `protocol` defaults to TCP; `port` left out means every port of that protocol; a
  number with `endPort` a range; a name the destination pod's container port of that name.

One choice is the implementations' and not the API's: whether an `ipBlock` selects pod addresses.
Cilium never lets it (aks-network-facts.md §9), so by default `ipBlock` matches only endpoints
outside the cluster (`External`).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Mapping

PROTOCOLS = ("TCP", "UDP", "SCTP")
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


class PolicyError(ValueError):
    """A NetworkPolicy the evaluator cannot read (the API server would refuse it as well)."""


@dataclass(frozen=True)
class NamedPort:
    name: str
    port: int
    protocol: str = "TCP"


@dataclass(frozen=True)
class Pod:
    namespace: str
    labels: Mapping[str, str] = field(default_factory=dict, hash=False)
    ip: str | None = None
    ports: tuple[NamedPort, ...] = ()
    name: str = ""  # only for messages


@dataclass(frozen=True)
class External:
    """An address outside the cluster's pods (the world, a node)."""

    ip: str


Endpoint = Pod | External


@dataclass(frozen=True)
class Connection:
    source: Endpoint
    destination: Endpoint
    port: int
    protocol: str = "TCP"


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # In, NotIn, Exists, DoesNotExist
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Selector:
    """A label selector; the empty selector matches everything."""

    labels: tuple[tuple[str, str], ...] = ()
    expressions: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        if any(labels.get(key) != value for key, value in self.labels):
            return False
        for requirement in self.expressions:
            present = requirement.key in labels
            value = labels.get(requirement.key)
            if requirement.operator == "In" and not (present and value in requirement.values):
                return False
            if requirement.operator == "NotIn" and present and value in requirement.values:
                return False
            if requirement.operator == "Exists" and not present:
                return False
            if requirement.operator == "DoesNotExist" and present:
                return False
        return True


@dataclass(frozen=True)
class IPBlock:
    cidr: str
    excepts: tuple[str, ...] = ()

    def matches(self, ip: str) -> bool:
        try:
            address = ipaddress.ip_address(ip)
            if address not in ipaddress.ip_network(self.cidr, strict=False):
                return False
            return not any(address in ipaddress.ip_network(e, strict=False) for e in self.excepts)
        except ValueError:
            return False


@dataclass(frozen=True)
class Peer:
    pods: Selector | None = None
    namespaces: Selector | None = None
    block: IPBlock | None = None


@dataclass(frozen=True)
class PortRange:
    protocol: str = "TCP"
    port: int | str | None = None  # None: every port of the protocol; str: a named port
    end: int | None = None


@dataclass(frozen=True)
class Rule:
    peers: tuple[Peer, ...] = ()  # empty: every peer
    ports: tuple[PortRange, ...] = ()  # empty: every port


@dataclass(frozen=True)
class NetworkPolicy:
    name: str
    namespace: str
    pods: Selector
    types: frozenset[str]
    ingress: tuple[Rule, ...] = ()
    egress: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class Side:
    """One direction's answer: isolated or not, and which policies allowed it."""

    isolated: bool
    allowed: bool
    by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    egress: Side
    ingress: Side

    @property
    def allowed(self) -> bool:
        return self.egress.allowed and self.ingress.allowed

    def reason(self) -> str:
        parts = []
        for direction, side in (("egress", self.egress), ("ingress", self.ingress)):
            if not side.isolated:
                parts.append(f"{direction}: not isolated")
            elif side.allowed:
                parts.append(f"{direction}: allowed by {', '.join(side.by)}")
            else:
                parts.append(f"{direction}: denied (isolated, no rule matches)")
        return "; ".join(parts)


# ---- reading policies ----

def parse_policy(document: Mapping, namespace: str | None = None) -> NetworkPolicy:
    """A NetworkPolicy object (a parsed YAML document) as the evaluator's data. `namespace`
    overrides metadata.namespace (a base applied by a Kustomize overlay)."""
    if not isinstance(document, Mapping) or document.get("kind") != "NetworkPolicy":
        raise PolicyError("not a NetworkPolicy")
    metadata = _mapping(document.get("metadata"), "metadata")
    spec = _mapping(document.get("spec"), "spec")
    name = str(metadata.get("name") or "")
    where = namespace or metadata.get("namespace") or "default"
    if "podSelector" not in spec:
        raise PolicyError(f"{name}: spec.podSelector is required")
    ingress = tuple(_rule(r, "from", name) for r in _list(spec.get("ingress"), "ingress"))
    egress = tuple(_rule(r, "to", name) for r in _list(spec.get("egress"), "egress"))
    types = spec.get("policyTypes")
    if types is None:
        chosen = {"Ingress"} | ({"Egress"} if spec.get("egress") else set())
    else:
        chosen = set(_list(types, "policyTypes"))
        if not chosen <= {"Ingress", "Egress"}:
            raise PolicyError(f"{name}: policyTypes must be Ingress and/or Egress, got {sorted(chosen)}")
    return NetworkPolicy(name, str(where), _selector(spec.get("podSelector"), name) or Selector(), frozenset(chosen), ingress, egress)


def _mapping(value, what: str) -> Mapping:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise PolicyError(f"{what} must be a mapping")
    return value


def _list(value, what: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PolicyError(f"{what} must be a list")
    return value


def _selector(value, name: str) -> Selector | None:
    if value is None:
        return None
    value = _mapping(value, f"{name}: selector")
    labels = tuple(sorted((str(k), str(v)) for k, v in _mapping(value.get("matchLabels"), "matchLabels").items()))
    expressions = []
    for item in _list(value.get("matchExpressions"), "matchExpressions"):
        item = _mapping(item, "matchExpressions item")
        operator = item.get("operator")
        values = tuple(str(v) for v in _list(item.get("values"), "values"))
        if operator not in ("In", "NotIn", "Exists", "DoesNotExist"):
            raise PolicyError(f"{name}: unknown selector operator {operator!r}")
        if operator in ("In", "NotIn") and not values:
            raise PolicyError(f"{name}: operator {operator} needs values")
        if operator in ("Exists", "DoesNotExist") and values:
            raise PolicyError(f"{name}: operator {operator} takes no values")
        expressions.append(Requirement(str(item.get("key")), operator, values))
    return Selector(labels, tuple(expressions))


def _rule(value, peers_key: str, name: str) -> Rule:
    value = _mapping(value, f"{name}: rule")
    peers = []
    for item in _list(value.get(peers_key), peers_key):
        item = _mapping(item, "peer")
        block = item.get("ipBlock")
        if block is not None:
            if "podSelector" in item or "namespaceSelector" in item:
                raise PolicyError(f"{name}: ipBlock cannot be combined with selectors in one peer")
            block = _mapping(block, "ipBlock")
            try:
                ipaddress.ip_network(str(block.get("cidr")), strict=False)
            except ValueError:
                raise PolicyError(f"{name}: ipBlock.cidr is not a CIDR: {block.get('cidr')!r}") from None
            peers.append(Peer(block=IPBlock(str(block["cidr"]), tuple(str(e) for e in _list(block.get("except"), "except")))))
            continue
        pods, namespaces = _selector(item.get("podSelector"), name), _selector(item.get("namespaceSelector"), name)
        if pods is None and namespaces is None:
            raise PolicyError(f"{name}: a peer needs podSelector, namespaceSelector or ipBlock")
        peers.append(Peer(pods, namespaces))
    ports = []
    for item in _list(value.get("ports"), "ports"):
        item = _mapping(item, "port")
        protocol = item.get("protocol", "TCP")
        if protocol not in PROTOCOLS:
            raise PolicyError(f"{name}: protocol must be one of {', '.join(PROTOCOLS)}, got {protocol!r}")
        port, end = item.get("port"), item.get("endPort")
        if end is not None and not isinstance(port, int):
            raise PolicyError(f"{name}: endPort needs a numeric port")
        if end is not None and end < port:
            raise PolicyError(f"{name}: endPort {end} is below port {port}")
        ports.append(PortRange(protocol, port, end))
    return Rule(tuple(peers), tuple(ports))


# ---- evaluating ----

def evaluate(policies: list[NetworkPolicy] | tuple[NetworkPolicy, ...], connection: Connection,
             namespaces: Mapping[str, Mapping[str, str]] | None = None, *, ipblock_selects_pods: bool = False) -> Verdict:
    """Whether `connection` is allowed: by the source's egress and by the destination's ingress.
    `namespaces` gives namespace labels (each namespace always has kubernetes.io/metadata.name)."""
    namespaces = namespaces or {}
    egress = _side(policies, connection.source, "Egress", connection.destination, connection, namespaces, ipblock_selects_pods)
    ingress = _side(policies, connection.destination, "Ingress", connection.source, connection, namespaces, ipblock_selects_pods)
    return Verdict(egress, ingress)


def _side(policies, pod: Endpoint, direction: str, peer: Endpoint, connection: Connection, namespaces, ipblock_selects_pods: bool) -> Side:
    if not isinstance(pod, Pod):
        return Side(False, True)  # not a pod: NetworkPolicy says nothing about it
    selecting = [p for p in policies if p.namespace == pod.namespace and direction in p.types and p.pods.matches(pod.labels)]
    if not selecting:
        return Side(False, True)
    by = []
    for policy in selecting:
        rules = policy.egress if direction == "Egress" else policy.ingress
        for rule in rules:
            if _peer_matches(rule.peers, policy.namespace, peer, namespaces, ipblock_selects_pods) and _port_matches(rule.ports, connection):
                by.append(policy.name)
                break
    return Side(True, bool(by), tuple(by))


def namespace_labels(name: str, namespaces: Mapping[str, Mapping[str, str]]) -> Mapping[str, str]:
    return {**namespaces.get(name, {}), NAMESPACE_NAME_LABEL: name}


def _peer_matches(peers: tuple[Peer, ...], own_namespace: str, endpoint: Endpoint, namespaces, ipblock_selects_pods: bool) -> bool:
    if not peers:
        return True
    for peer in peers:
        if peer.block is not None:
            ip = endpoint.ip if isinstance(endpoint, External) or ipblock_selects_pods else None
            if ip and peer.block.matches(ip):
                return True
            continue
        if not isinstance(endpoint, Pod):
            continue
        if peer.namespaces is None:
            in_namespace = endpoint.namespace == own_namespace
        else:
            in_namespace = peer.namespaces.matches(namespace_labels(endpoint.namespace, namespaces))
        if in_namespace and (peer.pods is None or peer.pods.matches(endpoint.labels)):
            return True
    return False


def _port_matches(ports: tuple[PortRange, ...], connection: Connection) -> bool:
    if not ports:
        return True
    for entry in ports:
        if entry.protocol != connection.protocol:
            continue
        if entry.port is None:
            return True
        if isinstance(entry.port, str):  # a named port: the destination pod's container port
            destination = connection.destination
            if isinstance(destination, Pod) and any(
                p.name == entry.port and p.port == connection.port and p.protocol == connection.protocol for p in destination.ports
            ):
                return True
            continue
        if entry.end is None and entry.port == connection.port:
            return True
        if entry.end is not None and entry.port <= connection.port <= entry.end:
            return True
    return False
