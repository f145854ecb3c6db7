"""Flows -> observations: one per (source, destination, protocol, port), with a count and the first
and last time seen. Requests and drops are kept apart; replies, host and health traffic, other
verdicts and L7 duplicates are only counted.

Memory stays bounded by the number of distinct workload pairs and ports, not by the number of flows:
addresses outside the cluster are kept as a few examples per observation, never as keys.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

from fixer.kustomize.flows.workloads import Party, identify

REQUEST_VERDICTS = frozenset({"FORWARDED", "AUDIT"})  # AUDIT: would be dropped, but flowed
PROBE_KINDS = frozenset({"host", "health", "remote-node"})  # kubelet probes, node agents
L4_PROTOCOLS = ("TCP", "UDP", "SCTP")
MAX_EXAMPLES = 5


@dataclass(frozen=True)
class Observation:
    source: Party
    destination: Party
    protocol: str  # TCP, UDP, SCTP, ICMPv4, ICMPv6
    port: int  # destination port; 0 for ICMP
    count: int
    first: str  # UTC, seconds: 2026-11-30T10:00:00Z ("" when the flows carried no time)
    last: str
    names: tuple[str, ...] = ()  # DNS names of a destination outside the cluster
    addresses: tuple[str, ...] = ()  # example addresses outside the cluster
    reason: str = ""  # drop reason, for drops


@dataclass(frozen=True)
class Observed:
    requests: tuple[Observation, ...]
    drops: tuple[Observation, ...]
    ignored: tuple[tuple[str, int], ...]  # (why, how many flows), sorted
    unattributed: tuple[str, ...]  # why some endpoints could not be named (examples)

    @property
    def request_flows(self) -> int:
        return sum(o.count for o in self.requests)


@dataclass
class _Entry:
    count: int = 0
    first: str = ""
    last: str = ""
    addresses: list[str] = field(default_factory=list)
    reason: str = ""


def time_key(value) -> str:
    """Hubble's RFC 3339 time at second precision in UTC; sortable as a string."""
    if not isinstance(value, str) or len(value) < 20:
        return ""
    if value[19] in ".Z" and value[-1] == "Z":  # the usual form: no parsing needed
        return value[:19] + "Z"
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_reply(flow: dict) -> bool:
    """`is_reply` (a BoolValue: may be absent, meaning unknown), then the deprecated `reply`, then a
    TCP SYN-ACK. Unknown counts as a request: a missed reply at worst adds a narrow allow a
    person sees in the diff, while dropping a request would break traffic."""
    value = flow.get("is_reply")
    if value is None:
        value = flow.get("reply")
    if value is None:
        flags = ((flow.get("l4") or {}).get("TCP") or {}).get("flags") or {}
        return bool(flags.get("SYN") and flags.get("ACK"))
    return value is True


class Aggregator:
    def __init__(self) -> None:
        self._parties: dict[tuple, int] = {}
        self._party_list: list[Party] = []
        self._requests: dict[tuple, _Entry] = {}
        self._drops: dict[tuple, _Entry] = {}
        self.ignored: Counter[str] = Counter()
        self._why: dict[str, None] = {}

    def _party(self, endpoint) -> int:
        if not isinstance(endpoint, dict):
            endpoint = {}
        labels = endpoint.get("labels")
        key = (endpoint.get("namespace"), tuple(labels) if isinstance(labels, list) else (), endpoint.get("identity"))
        index = self._parties.get(key)
        if index is None:
            party = identify(endpoint)
            index = self._parties[key] = len(self._party_list)
            self._party_list.append(party)
            if party.kind == "unknown" and len(self._why) < 20:
                self._why[party.why] = None
        return index

    def add(self, flow: dict) -> None:
        kind = flow.get("Type")
        if kind not in (None, "L3_L4"):
            self.ignored[f"{kind} events (duplicates of L3/L4 flows)"] += 1
            return
        verdict = flow.get("verdict")
        dropped = verdict == "DROPPED"
        if not dropped and verdict not in REQUEST_VERDICTS:
            self.ignored[f"verdict {verdict or 'missing'}"] += 1
            return
        if is_reply(flow):
            self.ignored["replies"] += 1
            return
        l4 = flow.get("l4") or {}
        protocol, port = "", 0
        for name in L4_PROTOCOLS:
            ports = l4.get(name)
            if ports is not None:
                protocol, port = name, ports.get("destination_port") or 0
                break
        else:
            protocol = next((n for n in ("ICMPv4", "ICMPv6") if n in l4), "")
        if not protocol:
            self.ignored["no layer-4 protocol"] += 1
            return
        source, destination = self._party(flow.get("source")), self._party(flow.get("destination"))
        sparty, dparty = self._party_list[source], self._party_list[destination]
        if sparty.kind in PROBE_KINDS or dparty.kind in PROBE_KINDS:
            self.ignored["host and health traffic (kubelet probes, node agents)"] += 1
            return
        if sparty.kind == "unknown" or dparty.kind == "unknown":
            self.ignored["endpoints without a stable identity"] += 1
            return
        names = ()
        address = ""
        ip = flow.get("IP") or {}
        if dparty.kind == "world":
            raw = flow.get("destination_names")
            names = tuple(sorted(set(raw))) if isinstance(raw, list) else ()
            address = ip.get("destination") or ""
        elif sparty.kind == "world":
            address = ip.get("source") or ""
        key = (source, destination, protocol, port, names)
        table = self._drops if dropped else self._requests
        entry = table.get(key)
        if entry is None:
            entry = table[key] = _Entry()
        entry.count += 1
        when = time_key(flow.get("time"))
        if when:
            if not entry.first or when < entry.first:
                entry.first = when
            if when > entry.last:
                entry.last = when
        if address and len(entry.addresses) < MAX_EXAMPLES and address not in entry.addresses:
            entry.addresses.append(address)
        if dropped and not entry.reason:
            entry.reason = str(flow.get("drop_reason_desc") or "")

    def export(self) -> tuple:
        """This aggregator's tables keyed by parties instead of local indexes (to merge)."""
        def rows(table):
            return [(self._party_list[s], self._party_list[d], protocol, port, names, e) for (s, d, protocol, port, names), e in table.items()]

        return rows(self._requests), rows(self._drops), self.ignored, list(self._why)

    def merge(self, exported: tuple) -> None:
        """Add another aggregator's export (a part of a file read in another process)."""
        requests, drops, ignored, why = exported
        indexes = {party: i for i, party in enumerate(self._party_list)}

        def index(party: Party) -> int:
            if party not in indexes:
                indexes[party] = len(self._party_list)
                self._party_list.append(party)
            return indexes[party]

        for table, rows in ((self._requests, requests), (self._drops, drops)):
            for source, destination, protocol, port, names, other in rows:
                key = (index(source), index(destination), protocol, port, names)
                entry = table.get(key)
                if entry is None:
                    table[key] = other
                    continue
                entry.count += other.count
                entry.first = min(filter(None, (entry.first, other.first)), default="")
                entry.last = max(entry.last, other.last)
                entry.addresses = sorted(set(entry.addresses) | set(other.addresses))[:MAX_EXAMPLES]
                entry.reason = entry.reason or other.reason
        self.ignored.update(ignored)
        for item in why:
            if len(self._why) < 20:
                self._why[item] = None

    def result(self) -> Observed:
        def observations(table: dict[tuple, _Entry]) -> tuple[Observation, ...]:
            items = [
                Observation(self._party_list[s], self._party_list[d], protocol, port, e.count, e.first, e.last, names,
                            tuple(sorted(e.addresses)), e.reason)
                for (s, d, protocol, port, names), e in table.items()
            ]
            return tuple(sorted(items, key=sort_key))

        return Observed(observations(self._requests), observations(self._drops), tuple(sorted(self.ignored.items())), tuple(self._why))


def party_key(party: Party) -> tuple:
    workload = party.workload
    return (party.kind != "pod", party.namespace, workload.name if workload else "", workload.selector if workload else (), party.kind)


def sort_key(o: Observation) -> tuple:
    return (party_key(o.source), party_key(o.destination), o.protocol, o.port, o.names)
