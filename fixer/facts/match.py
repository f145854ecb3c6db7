"""Tie live clusters to the clusters found in code, in a fixed order, and say how:

1. the resource id that `--plan` state or plan JSON records for the cluster's address: exact;
2. a `[[clusters]]` mapping in the configuration (`address` or `file`, and `id`);
3. the Azure name the code gives the cluster, after the format followed it to a literal (a
   variable default, a tfvars environment, a local, a template, a Bicep or ARM parameter, a Pulumi
   literal), narrowed by the resource group where the code fixes it.

A name that fits several live clusters, or none, matches nothing and says so: a wrong match would
pin or switch the engine of someone else's cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from fixer.facts.inventory import LiveCluster
from fixer.model import Cluster, Value, ValueKind


@dataclass(frozen=True)
class ClusterMapping:
    """`[[clusters]]` in .akfix.toml: this code cluster is that live cluster."""

    id: str
    address: str | None = None
    file: Path | None = None  # absolute
    line: int = 1  # of the table in the configuration, for messages


@dataclass(frozen=True)
class LiveFacts:
    """Every live cluster known for this run, indexed for matching."""

    clusters: tuple[LiveCluster, ...]
    mappings: tuple[ClusterMapping, ...] = ()
    root: Path | None = None  # the scanned root: `file` mappings are compared below it
    by_id: dict[str, LiveCluster] = field(default_factory=dict, compare=False, repr=False)
    by_name: dict[str, tuple[LiveCluster, ...]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, clusters, mappings=()) -> "LiveFacts":
        by_id: dict[str, LiveCluster] = {}
        for cluster in clusters:
            by_id.setdefault(cluster.key, cluster)  # the same cluster from two inventories: the first wins
        by_name: dict[str, list[LiveCluster]] = {}
        for cluster in by_id.values():
            by_name.setdefault(cluster.name.lower(), []).append(cluster)
        return cls(tuple(by_id.values()), tuple(mappings), None, by_id, {k: tuple(v) for k, v in by_name.items()})

    def for_root(self, root: Path) -> "LiveFacts":
        return replace(self, root=root.resolve())

    def attach(self, cluster: Cluster) -> Cluster:
        """The cluster with the live facts of the one live cluster it matches (how, in
        live.matched_by), or with live_note saying why none matched."""
        live, how, note = self.match(cluster)
        if live is None:
            return replace(cluster, live_note=note) if note else cluster
        return with_live(cluster, live, how)

    def match(self, cluster: Cluster) -> tuple[LiveCluster | None, str, str]:
        """(live cluster, how it was matched, why not)."""
        planned_id = cluster.live.id if cluster.live is not None else None
        if planned_id:
            found = self.by_id.get(planned_id.lower())
            if found is not None:
                return found, f"resource id from {Path(cluster.live.source).name}", ""
            return None, "", ""  # the plan's id is authoritative: its facts stay, no name is tried
        mapped = self._mapped(cluster)
        if mapped is not None:
            mapping, found = mapped
            if found is None:
                return None, "", f"the [[clusters]] mapping (line {mapping.line}) names {mapping.id}, which no inventory lists"
            return found, f"[[clusters]] mapping (line {mapping.line})", ""
        return self._by_name(cluster)

    def _mapped(self, cluster: Cluster) -> tuple[ClusterMapping, LiveCluster | None] | None:
        for mapping in self.mappings:
            if mapping.address is not None and mapping.address != cluster.instance_address:
                continue
            if mapping.address is None and cluster.instance is not None:
                continue  # a file holds every instance of a for_each: only `type.name["key"]` names one
            if mapping.file is not None and (self.root is None or (self.root / cluster.file).resolve() != mapping.file):
                continue
            return mapping, self.by_id.get(mapping.id.lower())
        return None

    def _by_name(self, cluster: Cluster) -> tuple[LiveCluster | None, str, str]:
        name, group = cluster.name, cluster.resource_group
        if name.kind is ValueKind.MISSING:
            return None, "", "the code gives no Azure name for this cluster; map it with [[clusters]] in .akfix.toml"
        if name.kind is ValueKind.EXPRESSION:
            why = f" ({name.note})" if name.note else ""
            return None, "", f"the cluster's name is an expression akfix cannot resolve: {name.text}{why}; map it with [[clusters]]"
        found = self.by_name.get((name.text or "").lower(), ())
        if group.literal:
            found = tuple(c for c in found if c.resource_group.lower() == group.literal.lower())
        where = f" in resource group {group.literal}" if group.literal else ""
        if not found:
            return None, "", f"no live cluster named {name.text!r}{where} in the inventory"
        if len(found) > 1:
            ids = ", ".join(c.id for c in found[:3]) + (", ..." if len(found) > 3 else "")
            return None, "", (f"{len(found)} live clusters are named {name.text!r}{where} ({ids}): not guessed; "
                              "map it with [[clusters]] in .akfix.toml")
        return found[0], f"name {name.text!r} ({_how(name)})" + (f", resource group {group.literal!r}" if group.literal else ""), ""


def _how(value: Value) -> str:
    return value.via or ("literal" if value.kind is ValueKind.LITERAL else value.kind.value)


def with_live(cluster: Cluster, live: LiveCluster, how: str) -> Cluster:
    """What a match changes: the live network settings (as --plan gives them), and what the code
    does not show but the planner checks -- Windows node pools, node auto-provisioning, the
    Kubernetes version."""
    profile = cluster.profile
    if live.auto_provisioning and not profile.auto_provisioning:
        profile = replace(profile, auto_provisioning=True)
    if profile.kubernetes_version.is_missing and live.kubernetes_version:
        profile = replace(profile, kubernetes_version=Value(ValueKind.LITERAL, live.kubernetes_version, via="the live cluster"))
    windows = cluster.windows_pools
    if live.windows and not windows:
        windows = (f"live node pools of {live.name} (osType Windows)",)
    return replace(cluster, live=live.state(how), profile=profile, windows_pools=windows, live_note="")


def matched_ids(clusters) -> set[str]:
    """The lower-cased ids of the live clusters some code cluster was matched to."""
    return {c.live.id.lower() for c in clusters if c.live is not None and c.live.id and c.live.matched_by}
