"""Live facts for a Pulumi program's clusters from its stacks' states.

The states are `pulumi stack export` files given with `--plan` (the user says they are current),
and a self-managed backend's checkpoints inside the tree (`pulumi login file://<dir>` keeps each
stack in `<dir>/.pulumi/stacks/[<project>/]<stack>.json`), found in the program's folder and the
folders above it. A cluster is matched by its package, its logical name (the first argument, read
to a literal) and the program's project name. As with Terraform's local state (terraform/state.py),
a checkpoint is a fact only where it speaks for every deployment: every stack the program has a
`Pulumi.<stack>.yaml` for must have one recording the cluster, and all must agree on the network;
otherwise there is no fact, and the note says why.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, replace

from fixer.discover import read_safely
from fixer.facts.pulumi_state import PulumiCluster, PulumiState, PulumiStateError, read_pulumi_state
from fixer.formats.python import kinds as K
from fixer.model import Cluster, Value, ValueKind

STATES_DIR = ".pulumi/stacks"
MAX_STATE_BYTES = 256 * 1024 * 1024  # as for terraform.tfstate
_PACKAGE = {K.AZURE_NATIVE_KIND.package: "azure-native", K.PULUMI_AZURE_KIND.package: "azure"}


@dataclass(frozen=True)
class ProgramStates:
    """The states that may speak for one program: given ones, and the tree's checkpoints."""

    given: tuple[PulumiState, ...]
    checkpoints: tuple[PulumiState, ...]
    stacks: tuple[str, ...]  # the program's stacks, from its Pulumi.<stack>.yaml files
    project: str | None
    unread: tuple[str, ...] = ()  # checkpoints that could not be read, and why

    def __bool__(self) -> bool:
        return bool(self.given or self.checkpoints or self.unread)


def checkpoints(listing, folder: str, project: str | None) -> tuple[tuple[PulumiState, ...], tuple[str, ...]]:
    """The file backend's checkpoints of `project` in `folder` and the folders above it. A state
    without the project in its path is read only in the program's own folder, where it can only
    be this program's (the URN's project still has to match)."""
    states, unread = [], []
    here = folder
    while True:
        base = posixpath.join(here, STATES_DIR) if here else STATES_DIR
        places = [posixpath.join(base, project)] if project else []
        if here == folder:
            places.append(base)
        for place in places:
            for relpath in sorted(listing.by_folder.get(place, ())):
                if not relpath.endswith(".json"):
                    continue
                data, problem = read_safely(listing.root, listing.root / relpath, relpath, MAX_STATE_BYTES)
                if data is None:
                    if problem is not None:
                        unread.append(f"{relpath} not read: {problem.message}")
                    continue
                try:
                    states.append(read_pulumi_state(data, relpath))
                except PulumiStateError as exc:
                    unread.append(f"{relpath} not read: {exc}")
        if not here:
            break
        here = posixpath.dirname(here)
    return tuple(states), tuple(unread)


def logical_name(reader, call, kind: K.Kind) -> str | None:
    """The resource's logical name (the URN's last part) where the code gives it as a literal."""
    positional = [a for a in call.args if a.keyword is None and not a.star]
    node = positional[kind.name_argument].value if len(positional) > kind.name_argument else None
    if node is None:
        node = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == "resource_name"), None)
    return reader.read(node).value.literal if node is not None else None


def with_pulumi_state(cluster: Cluster, kind: K.Kind, name: str | None, states: ProgramStates) -> Cluster:
    """The cluster with the live facts its stacks' states agree on, or with live_note saying why
    they give none (only where some state was there to be read)."""
    package = _PACKAGE.get(kind.package)
    if not states or package is None:
        return cluster
    if name is None:
        return replace(cluster, live_note="its logical name is computed, so no Pulumi state record can be matched to it")

    def records(of: tuple[PulumiState, ...]) -> list[tuple[PulumiState, PulumiCluster]]:
        return [(s, c) for s in of for c in s.clusters
                if c.package == package and c.name == name and (states.project is None or c.project == states.project)]

    found = records(states.given)
    if not found:
        found = records(states.checkpoints)
        recorded = {c.stack for _, c in found}
        missing = [stack for stack in states.stacks if stack not in recorded]
        if found and missing:
            return replace(cluster, live_note=f"the tree's Pulumi checkpoints record it, but not for stack {', '.join(missing)}")
    if not found:
        return replace(cluster, live_note="; ".join(states.unread)) if states.unread else cluster
    networks = {c.live.network for _, c in found}
    sources = list(dict.fromkeys(f"{s.source} (stack {c.stack})" for s, c in found))
    if len(networks) > 1:
        return replace(cluster, live_note=f"its stacks' states disagree on its network settings ({', '.join(sources)}): one fix cannot fit them all")
    live = replace(found[0][1].live, source=", ".join(sources[:2]) + (f" and {len(sources) - 2} more" if len(sources) > 2 else ""),
                   id=found[0][1].live.id if len(found) == 1 else None)
    profile = cluster.profile
    versions = [c.kubernetes_version for _, c in found if c.kubernetes_version]
    if profile.kubernetes_version.is_missing and versions:
        oldest = min(versions, key=lambda v: tuple(int(p) if p.isdigit() else 0 for p in v.split(".")))
        profile = replace(profile, kubernetes_version=Value(ValueKind.LITERAL, oldest, via="the Pulumi state"))
    windows = tuple(sorted(set(cluster.windows_pools) | {pool for _, c in found for pool in c.windows_pools}))
    return replace(cluster, live=live, profile=profile, windows_pools=windows, live_note="")
