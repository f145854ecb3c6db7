"""Live facts from the local state files of the folders that deploy a cluster.

A view of a cluster is deployed from one or more root folders: the module's own folder when it is
a root, or the folders whose `module` blocks call it (and theirs, up the chain), each under the
address Terraform gives it there (`module.aks.azurerm_kubernetes_cluster.main`). Each root keeps its
state in `terraform.tfstate` (the local backend's default path, or the `path` it sets) and one file
per workspace in `terraform.tfstate.d/<workspace>/`.

The state is a fact only where Terraform itself would read it, and only where it speaks for every
deployment of the view:
- a root that configures another backend (`backend "azurerm"`, `cloud {}`) keeps its state
  elsewhere: a local file there is a leftover and is not read;
- a view of one tfvars environment (`-var-file prod.tfvars`) is not read from the one local state,
  which holds whichever environment was applied last;
- every deployment root must have a state recording the cluster, and all of them (every instance,
  every workspace) must agree; otherwise there is no fact, and the reason says why.
"""

from __future__ import annotations

import posixpath
from dataclasses import replace

from fixer.discover import read_safely
from fixer.facts.state_file import StateCluster, StateFile, StateFileError, read_state
from fixer.formats.terraform import hcl
from fixer.formats.terraform.resolve import instance_base
from fixer.formats.terraform.values import _unwrap, is_auto_tfvars
from fixer.formats.terraform.workspace import Located, local_callers, read_module_files
from fixer.model import Cluster, LiveState, Problem, Value, ValueKind
from fixer.plan.rules import azurerm as rules
from fixer.versions import VersionRange

STATE_FILE = "terraform.tfstate"
WORKSPACES = "terraform.tfstate.d"
MAX_STATE_BYTES = 256 * 1024 * 1024  # a state of thousands of resources; a bigger file is not read
MAX_CHAIN = 4  # callers of callers: as deep as module_scope follows them


def with_state(located: Located, cluster: Cluster, problems: list[Problem]) -> Cluster:
    """The cluster with the live facts its deployments' state files agree on, or with live_note
    saying why they give none (only where some state file was there to be read). A state file akfix
    cannot read is no input error of the run (akfix reads it only by the way): the note says why."""
    deployments = _deployments(located, cluster, problems)
    if deployments is None:
        return cluster
    found: list[tuple[StateFile, StateCluster]] = []
    missing: list[str] = []
    unread: list[str] = []
    for folder, address in deployments:
        states, notes = _states(located, folder, problems)
        unread.extend(notes)
        recorded = [(state, instance) for state in states for instance in _recorded(state, address, cluster.module is not None)
                    if cluster.instance is None or instance.index == cluster.instance]
        if recorded:
            found.extend(recorded)
        else:
            missing.append(folder or ".")
    if unread and (not found or missing):
        return replace(cluster, live_note="; ".join(unread))
    if not found:
        return cluster
    if missing:
        return replace(cluster, live_note=f"state files record it, but not for every folder that deploys it ({', '.join(missing)} has none)")
    if len({instance.live.network for _, instance in found}) > 1:
        sources = ", ".join(sorted({state.relpath for state, _ in found}))
        return replace(cluster, live_note=f"its state files disagree on its network settings ({sources}): one fix cannot fit them all")
    state, instance = found[0]
    sources = sorted({s.describe() for s, _ in found})
    written_by = min(_highest(i.schema_keys) for _, i in found)  # each state's writer had its newest attribute
    live = replace(instance.live, source=", ".join(sources[:2]) + (f" and {len(sources) - 2} more" if len(sources) > 2 else ""),
                   matched_by="terraform state", written_by=written_by if written_by > (0, 0, 0) else None)
    # The rest is taken on the safe side over every deployment: the oldest Kubernetes, any node
    # auto-provisioning, every Windows pool.
    profile = cluster.profile
    versions = [i.kubernetes_version for _, i in found if i.kubernetes_version]
    if profile.kubernetes_version.is_missing and versions:
        oldest = min(versions, key=lambda v: tuple(int(p) if p.isdigit() else 0 for p in v.split(".")))
        profile = replace(profile, kubernetes_version=Value(ValueKind.LITERAL, oldest, via="the state"))
    if any(i.auto_provisioning for _, i in found) and not profile.auto_provisioning:
        profile = replace(profile, auto_provisioning=True)
    windows = cluster.windows_pools or tuple(f"{pool} (in {s.relpath})" for s, i in found for pool in i.windows_pools)
    return replace(cluster, live=live, profile=profile, windows_pools=windows, live_note="")


def narrow_by_state(versions: VersionRange, live: LiveState | None) -> VersionRange:
    """The range from the version that last wrote the state up. A lower bound because providers are
    upgraded, not downgraded: Terraform refuses a state whose resource schema version is newer than
    the selected provider's ("Resource instance managed by newer provider version", e.g.
    hashicorp/terraform-provider-azurerm#15972), and a major downgrade meets resources and
    attributes the older schema lacks (hashicorp/terraform-provider-aws#23576). A range the state
    contradicts is left as it was."""
    if live is None or live.written_by is None or versions.exact or live.written_by <= versions.low:
        return versions
    narrowed = VersionRange(live.written_by, versions.high, f"{versions.source}; attributes the state records" if versions.known
                            else "attributes the state records")
    return versions if narrowed.empty else narrowed


def _recorded(state: StateFile, address: str, registry_module: bool) -> tuple[StateCluster, ...]:
    """The instances a state records at `address`; for a call of a registry module (the cluster is
    `module.aks`), the one cluster resource inside it, wherever the module keeps it."""
    if not registry_module:
        return state.clusters.get(address, ())
    inner = [instances for key, instances in state.clusters.items() if key.startswith(address + ".") and key.count(".") == address.count(".") + 2]
    return inner[0] if len(inner) == 1 else ()


def _highest(keys: frozenset[str]) -> tuple[int, int, int]:
    """The newest version any of these attributes needs (0.0.0: none of the table's)."""
    return max((rules.ATTRIBUTE_MIN_VERSION[k] for k in keys if k in rules.ATTRIBUTE_MIN_VERSION), default=(0, 0, 0))


def _deployments(located: Located, cluster: Cluster, problems: list[Problem]) -> list[tuple[str, str]] | None:
    """(root folder, state address without instance keys) of every deployment of this view; None
    where the view belongs to a tfvars environment (the one local state cannot say which) or to a
    Terragrunt configuration."""
    label = cluster.environment
    if cluster.instance is not None:  # one for_each instance: the view's own label, without the key
        label = instance_base(label or "")
        if label.endswith((".tfvars", ".tfvars.json")) and not is_auto_tfvars(label):
            return None  # the instances a -var-file lists
        if ": module." not in label:
            label = None  # listed where every run reads it: the module's own deployments
    if label is None:
        return _roots(located, cluster.module_dir, cluster.address, 0, problems)
    chain = []
    while label:
        head, _, inner = label.partition(" (")
        folder, marker, name = head.partition(": module.")
        if not marker:
            return None  # a -var-file environment, or a Terragrunt deployment (Terragrunt keeps its state)
        # `module.aks["dev"]`: the state keeps every instance of the call under `module.aks`, and
        # they must agree (as for a call without for_each), so the view reads them all
        chain.append((folder, name.split("[", 1)[0]))
        label = inner[:-1] if inner.endswith(")") else ""
    address = cluster.address
    for folder, name in chain:
        address = f"module.{name}.{address}"
    folder = "" if chain[-1][0] == "." else chain[-1][0]
    return _roots(located, folder, address, len(chain), problems)


def _roots(located: Located, folder: str, address: str, depth: int, problems: list[Problem]) -> list[tuple[str, str]]:
    """The folder itself (where it has no callers, or a state of its own) and its callers' roots."""
    callers = local_callers(located).get(folder, []) if depth < MAX_CHAIN else []
    found = [(folder, address)] if not callers or _states(located, folder, problems)[0] else []
    for files, name in callers:
        found.extend(_roots(located, posixpath.dirname(files[0]), f"module.{name}.{address}", depth + 1, problems))
    return found


def _states(located: Located, folder: str, problems: list[Problem]) -> tuple[list[StateFile], list[str]]:
    """The root's state files Terraform reads (the local backend's file and its workspaces'), and
    why any of them was not read (cached per folder)."""
    cache = located.states
    if folder not in cache:
        states, notes = [], []
        root = located.listing.root.resolve()
        for relpath in _state_paths(located, folder, problems):
            if not (root / relpath).resolve().is_relative_to(root):  # a linked folder on the way out of the tree
                notes.append(f"{relpath} not read: it lies outside the scanned tree")
                continue
            data, problem = read_safely(located.listing.root, located.listing.root / relpath, relpath, MAX_STATE_BYTES)
            if problem is not None:
                notes.append(f"{relpath} not read: {problem.message.removesuffix('; left untouched')}")
            if data is None:
                continue
            try:
                states.append(read_state(data, relpath))
            except StateFileError as exc:
                notes.append(f"{relpath} not read: {exc}")
        cache[folder] = (states, notes)
    return cache[folder]


def _state_paths(located: Located, folder: str, problems: list[Problem]) -> list[str]:
    """Relative paths of the state files Terraform reads for this root."""
    path = STATE_FILE
    for relpath in read_module_files(located, folder, problems):
        body = located.texts[relpath].body if relpath.endswith(".tf") and relpath in located.texts else b""
        if b"backend" not in body and b"cloud" not in body:
            continue  # most files configure no backend: not parsed again
        root = hcl.parse(body).root_node
        for block in hcl.blocks(hcl.body_of(root)):
            if block.type != "terraform":
                continue
            for inner in hcl.blocks(block.body):
                if inner.type == "cloud" or (inner.type == "backend" and inner.labels != ("local",)):
                    return []  # the state lives in another backend: a local file here is a leftover
                if inner.type == "backend":
                    node = hcl.attribute(inner.body, "path")
                    if node is not None:
                        expression = _unwrap(hcl.expression_of(node) or node)
                        literal = hcl.string_content(expression) if expression.type == "string_lit" else None
                        if not literal:
                            return []  # a path set by an expression: akfix does not guess it
                        path = literal
    own = posixpath.normpath(posixpath.join(folder, path))
    if own == ".." or own.startswith("../") or posixpath.isabs(own):
        return []  # the local backend's path leaves the tree
    found = [own] if (located.listing.root / own).is_file() else []
    workspaces = located.listing.root / folder / WORKSPACES
    try:
        entries = sorted(workspaces.iterdir()) if workspaces.is_dir() else []
    except OSError:
        entries = []  # unreadable: no workspace states
    found.extend(posixpath.join(folder, WORKSPACES, entry.name, STATE_FILE) for entry in entries if (entry / STATE_FILE).is_file())
    return found
