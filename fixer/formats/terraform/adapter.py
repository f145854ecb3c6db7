"""Terraform end to end: locate clusters per module, follow values, plan, edit and verify."""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, replace
from pathlib import Path

from fixer.discover import Candidate, Listing, read_safely
from fixer.edit.edits import apply_edits, fmt_unclean, newline_consistent, origin_edits, terraform_fmt, validation_edits
from fixer.facts.plan_json import PlanFacts
from fixer.formats.terraform import hcl, synth_output, terragrunt, tfjson
from fixer.formats.terraform.azapi_update import is_companion, policy_update_edits, with_policy_updates
from fixer.formats.terraform.constraints import FLOOR_ATTRIBUTE, ConstraintSite, find_site, floor_edits, new_constraint
from fixer.formats.terraform.decls import ClusterDecl, FileDecls, ParseFailure, is_override_file
from fixer.formats.terraform.editor import (
    EditFailure,
    edits_for,
    migration_marker_edits,
    module_argument_edits,
    object_entry_edits,
    quote,
    terragrunt_input_edits,
    tfvars_entry_edits,
)
from fixer.formats.terraform.inputs import declared_variables, input_edits
from fixer.formats.terraform.links import Links, guard_linked_files
from fixer.formats.terraform.locate import locate
from fixer.formats.terraform.module import clusters_of_module, duplicate_declarations
from fixer.formats.terraform.names import literal_named, name_views
from fixer.formats.terraform.readback import ReadbackFailure, check_readback, parse_error, prefetch
from fixer.formats.terraform.resolve import needs_values, resolve_cluster
from fixer.formats.terraform.state import narrow_by_state, with_state
from fixer.formats.terraform.tfjson import json_edits_for, json_readback, locate_json
from fixer.formats.terraform.values import required_unset
from fixer.formats.terraform.versions import LOCK_FILE, VersionResolver, narrow_by_code, required_azurerm
from fixer.formats.terraform.workspace import (
    LOCAL_SOURCE,
    Located,
    local_callees,
    local_callers,
    module_scope,
    read_module_files,
    version_callers,
)
from fixer.formats.windows_evidence import with_evidence
from fixer.globs import Globs
from fixer.model import Change, Cluster, Edit, FileChange, Fix, Problem, Spot, ValueKind
from fixer.plan import planner
from fixer.plan.changes import manual_fix
from fixer.plan.rules.modules import module_azurerm
from fixer.plan.views import BYSTANDER, guard_shared_edits, readings
from fixer.textfile import TextFile, UnreadableText, line_of, load_text
from fixer.versions import NEWEST, Version, VersionRange, format_version

NAME = "terraform"
SUFFIXES = (".tf", ".tf.json")
LOCAL_MODULE_CALL = LOCAL_SOURCE
# Calls of modules akfix does not know whose source suggests AKS: listed as not inspected.
MODULE_HINT = re.compile(rb'source\s*=\s*"[^"]*(?:aks|kubernetes)[^"]*"', re.I)
# Cluster resources, and calls of registry modules that build clusters (modules.py).
MARKERS = (
    b"azurerm_kubernetes_cluster",
    b"Azure/aks/azurerm",
    b"azure/aks/azurerm",
    b"avm-res-containerservice-managedcluster",
    b"ContainerService/managedClusters",
    b"containerservice/managedclusters",
)


@dataclass(frozen=True)
class Settings:
    engine: str
    assume_network: str | None
    switch_engines: bool
    azurerm_version: VersionRange | None  # given by the user: wins over everything found
    plans: tuple[PlanFacts, ...]
    facts: object = None  # fixer.facts.match.LiveFacts: inventories matched to clusters by id, mapping or name
    fallback_engines: tuple[str, ...] = ()  # --engine cilium,calico: the engines after the first
    greenfield: Globs = Globs()  # paths of clusters that are not deployed
    migrate_kubenet: bool = False
    read_state: bool = True  # terraform.tfstate files give live facts (state.py)
    azapi_updates: bool = True  # calico through azapi_update_resource (plan/policy_update.py); --no-azapi
    pulumi_states: tuple = ()  # fixer.facts.pulumi_state.PulumiState: `pulumi stack export` files given with --plan

    def is_greenfield(self, root: Path, relpath: str) -> bool:
        return bool(self.greenfield) and self.greenfield.matches(root / relpath)


@dataclass(frozen=True)
class Planned:
    cluster: Cluster
    versions: VersionRange
    context: planner.PlanContext
    fix: Fix | None

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.cluster.module_dir, self.cluster.address, self.cluster.environment)


def locate_and_plan(
    listing: Listing, candidates: list[Candidate], settings: Settings, caller_files: frozenset[str] | None = None, progress=None
) -> tuple[Located, list[Problem]]:
    """`caller_files`: the files discovery saw calling a local module (all .tf files when None)."""
    problems: list[Problem] = []
    texts: dict[str, TextFile] = {}
    decls: dict[str, FileDecls] = {}
    synthesized: dict[str, bool] = {}  # CDKTF project -> read as Python (synth_output.py)
    for index, candidate in enumerate(candidates):
        if progress is not None:
            progress("Terraform: parsing", index, len(candidates))
        project = synth_output.project_of(candidate.relpath)
        if project is not None:
            if project not in synthesized:
                synthesized[project] = synth_output.read_as_python(listing.root, project)
            if synthesized[project]:
                continue  # the Python program is read: its synthesized copy is the same cluster
        try:
            text = load_text(candidate.data)
            found = locate_any(text.body, candidate.relpath)
        except (UnreadableText, ParseFailure) as exc:
            problems.append(Problem(candidate.relpath, exc.line, f"{exc}; left untouched"))
            continue
        texts[candidate.relpath] = text
        decls[candidate.relpath] = found
    if progress is not None:
        progress("Terraform: parsing", len(candidates), len(candidates))
    located = Located(listing, texts, decls, caller_files=caller_files, links=Links.of(listing))
    resolver = VersionResolver(listing.root, [f for f in listing.files if f.endswith((".tf", ".tf.json"))], caller_files=caller_files,
                               local_callers=lambda: version_callers(located))
    for module_dir, clusters in _clusters_by_module(decls, problems).items():
        project = synth_output.project_of(module_dir + "/")
        if project is not None:
            clusters = [replace(c, editable=False, not_editable_why=synth_output.not_editable_why(project), not_editable_blocker="layout")
                        for c in clusters]
        views = _resolved_views(located, module_dir, clusters, problems, names=settings.facts is not None, instances=bool(settings.plans))
        located.planned.extend(_plan_cluster(located, c, resolver, settings, problems) for c in views)
    located.planned = with_policy_updates(located.planned, lambda item: _tf_bodies(located, item.cluster.module_dir, problems),
                                          lambda item: _deployment_files(located, item.cluster, problems))
    located.planned = _with_floors(located, _inputs_free(located, guard_shared_edits(located.planned)), problems)
    located.planned = guard_linked_files(located.links, located.planned, lambda item: _shared_edits(located, item))
    if located.links.targets:
        # the guard may have moved a fix to its caller as new module inputs (links._elsewhere): the
        # same checks as the views' moves (a name the module declares already stays a person's)
        located.planned = _inputs_free(located, located.planned)
    located.planned.sort(key=lambda p: (p.cluster.file, p.cluster.line, p.cluster.environment or ""))
    return located, problems


def _inputs_free(located: Located, planned: list[Planned]) -> list[Planned]:
    """A fix that gives the module a new input (Change.exposes) stays a person's when the module
    already declares a variable of that name without reading it in the block: akfix has not weighed
    that variable's default or the callers passing it. The inputs of the fixes left are recorded per
    cluster (Located.exposed_inputs): views that expose different ones write the union."""
    out = []
    for item in planned:
        exposed = [c.attribute for c in item.fix.changes if c.exposes] if item.fix else []
        if exposed:
            module_dir = item.cluster.module_dir
            declared = _declared(located, module_dir)
            taken = [name for name in exposed if name in declared]
            # A Terragrunt deployment whose include akfix does not read may pass a value for the new
            # input: Terraform ignores it today (no such variable), and would apply it tomorrow.
            unread = [(name, why) for name in exposed for c in located.terragrunt(module_dir) if (why := c.unread(name))]
            if taken:
                item = replace(item, fix=manual_fix(
                    f"{item.fix.summary} -- but the module already declares variable {taken[0]} ({declared[taken[0]]}) "
                    "and its network_profile block does not read it",
                    f"Wire var.{taken[0]} into the network_profile block (or rename it), then re-run akfix.",
                    *item.fix.reasons, blocker="shared-value"))
            elif unread:
                name, why = unread[0]
                item = replace(item, fix=manual_fix(
                    f"{item.fix.summary} -- but the module would gain the input {name}, and {why.replace(' may set it', ' may pass it')}",
                    f"Set {name} in the network_profile block by hand for every deployment, or make the include readable, then re-run akfix.",
                    *item.fix.reasons, blocker="shared-value"))
            else:
                located.exposed_inputs.setdefault((module_dir, item.cluster.address), set()).update(exposed)
        out.append(item)
    return out


def _tf_bodies(located: Located, module_dir: str, problems: list[Problem] | None = None) -> dict[str, bytes]:
    """The bodies of a module's .tf files (read_module_files reads each once per run)."""
    return {p: located.texts[p].body for p in read_module_files(located, module_dir, problems) if p.endswith(".tf")}


def _declared(located: Located, module_dir: str) -> dict[str, str]:
    """The module's variables, parsed once per module: every view giving it an input asks."""
    if module_dir not in located.declared_variables:
        located.declared_variables[module_dir] = declared_variables(_tf_bodies(located, module_dir))
    return located.declared_variables[module_dir]


# The order new inputs take in the block, whichever view wrote them first.
_INPUT_ORDER = ("network_plugin", "network_plugin_mode", "network_policy", "network_data_plane", "ebpf_data_plane")


def _exposed_inputs(located: Located, item: Planned) -> list[str]:
    names = located.exposed_inputs.get((item.cluster.module_dir, item.cluster.address)) or {c.attribute for c in item.fix.changes if c.exposes}
    return sorted(names, key=lambda name: (_INPUT_ORDER.index(name) if name in _INPUT_ORDER else len(_INPUT_ORDER), name))


def guard_suppressed_links(located: Located, held) -> list[Planned]:
    """A suppressed cluster is never edited, so it plans no change: no other folder's fix may reach
    it through a file both read (a symlink)."""
    if not located.links.targets:
        return located.planned
    return guard_linked_files(located.links, located.planned, lambda item: [] if held(item.cluster) else _shared_edits(located, item))


def locate_any(body: bytes, relpath: str) -> FileDecls:
    """Declarations of a .tf or a .tf.json file."""
    return locate_json(body, relpath) if relpath.endswith(tfjson.SUFFIX) else locate(body, relpath)


def _clusters_by_module(decls: dict[str, FileDecls], problems: list[Problem]) -> dict[str, list[Cluster]]:
    by_module: dict[str, dict[str, FileDecls]] = {}
    for relpath, found in decls.items():
        if found.clusters or found.node_pools:
            by_module.setdefault(posixpath.dirname(relpath), {})[relpath] = found
    for files in by_module.values():
        problems.extend(Problem(again.file, again.line, f"{again.address} is declared twice (first at {first.file}:{first.line}); "
                                "Terraform rejects duplicate blocks; left untouched") for again, first in duplicate_declarations(files))
    return {m: clusters_of_module(m, by_module[m]) for m in sorted(by_module)}


def _resolved_views(located: Located, module_dir: str, clusters: list[Cluster], problems: list[Problem], names: bool = False,
                    instances: bool = False) -> list[Cluster]:
    """Clusters with their expressions followed to literals; one view per tfvars environment.
    `names`: also follow each cluster's Azure name (live facts are matched by it); `instances`: split
    every for_each cluster into its instances (a plan records each by its own address)."""
    if not any(needs_values(c) for c in clusters) and not instances:
        if not names:
            return clusters
        quick = [literal_named(c, located.texts[c.file].body) for c in clusters]
        if all(q is not None for q in quick):
            return quick  # literal names: no module scope to build
    scope = module_scope(located, module_dir, problems)
    views: list[Cluster] = []
    for cluster in clusters:
        if not names:
            views.extend(resolve_cluster(cluster, scope, expand=instances) if needs_values(cluster) or instances else [cluster])
            continue
        # for_each instances are named in their own scope (each.key bound) by resolve_cluster
        resolved = resolve_cluster(cluster, scope, named=name_views, expand=instances)
        plain = [v for v in resolved if v.instance is None]
        views.extend((name_views(cluster, plain, scope) if plain else []) + [v for v in resolved if v.instance is not None])
    return views



def _outside_callers(located: Located, cluster: Cluster) -> Cluster:
    """A plugin read from a variable's default, where a call of a module akfix does not read (a
    remote source: the repository's own examples often call the module they sit beside by its git
    address) passes that variable's name another value: the call may deploy this module, so the
    plugin is undecided over both values. Cautious: calico fits both; cilium is never written for
    a deployment that may run kubenet."""
    plugin = cluster.profile.plugin
    match = _VARIABLE_DEFAULT.fullmatch(plugin.via or "") if plugin.kind is ValueKind.LITERAL else None
    if match is None:
        return cluster
    name = match.group(1)
    others = [(call, value) for decls in located.decls.values() for call in decls.unknown_modules
              if (value := call.passed(name)) is not None and value.lower() != (plugin.literal or "").lower()
              and posixpath.dirname(call.file) != cluster.module_dir]
    if not others:
        return cluster
    call, value = others[0]
    domain = tuple(dict.fromkeys([plugin.literal, *(v for _, v in others)]))
    note = (f"var.{name} defaults to {plugin.literal}, but {call.label} ({call.file}:{call.line}, source = {call.source}, not read "
            f"by akfix) passes {name} = \"{value}\": it may deploy this module")
    undecided = replace(plugin, kind=ValueKind.EXPRESSION, text=f"var.{name}", note=note, domain=domain, origin=None)
    return replace(cluster, profile=replace(cluster.profile, plugin=undecided))


_VARIABLE_DEFAULT = re.compile(r"var\.(\w+) default")


def _plan_cluster(located: Located, cluster: Cluster, resolver: VersionResolver, settings: Settings, problems: list[Problem]) -> Planned:
    cluster = _outside_callers(located, cluster)
    folders = _deployment_folders(located, cluster)
    if not cluster.windows_pools and (foreign := _foreign_windows_pools(located, cluster, folders)
                                      or _pools_of_unknown_os(located, cluster, folders, problems)
                                      or _looked_up_windows_pools(located, cluster, folders)):
        cluster = replace(cluster, windows_pools=foreign)
    cluster = with_evidence(cluster, _deployment_files(located, cluster, problems, folders))
    if settings.read_state:
        cluster = with_state(located, cluster, problems)
    live = next((found for facts in settings.plans if (found := facts.for_address(cluster.instance_address))), None)
    if live is not None:  # a plan given on the command line is fresher than a state file
        cluster = replace(cluster, live=live, live_note="")
    if settings.facts is not None:
        cluster = settings.facts.attach(cluster)
    versions = settings.azurerm_version or resolver.for_module(cluster.module_dir)
    own = module_azurerm(cluster.module)  # a registry module's own constraint: Terraform intersects it too
    if not versions.exact and not settings.azurerm_version:
        stated = [facts.azurerm for facts in settings.plans if facts.azurerm is not None] + ([own] if own is not None else [])
        for azurerm in stated:
            versions = versions.intersect(azurerm) if versions.known else azurerm
        versions = narrow_by_code(versions, cluster.profile, cluster.anchor.attribute_names)
        versions = narrow_by_state(versions, cluster.live)
    # what every constraint above the module admits, locks aside: a floor never goes past its bound
    admitted = resolver.constraints_for(cluster.module_dir)
    admitted = admitted.intersect(own) if own is not None else admitted
    planned = _planned_at(located, cluster, versions, settings, problems, admitted.high)
    # from lock files alone: one root's, or the span of every calling root's (VersionResolver._resolve)
    locked = versions.known and not settings.azurerm_version and all(part.endswith(LOCK_FILE) for part in versions.source.split("; "))
    if locked and not (planned.fix and planned.fix.writable(False)):  # planned again only where the lock holds it back
        return _above_lock(located, cluster, versions, admitted, settings, problems) or planned
    return planned


def _planned_at(located: Located, cluster: Cluster, versions: VersionRange, settings: Settings, problems: list[Problem],
                ceiling: Version = NEWEST) -> Planned:
    site = None if versions.exact else _floor_site(located, cluster, problems)
    greenfield = settings.is_greenfield(located.listing.root, cluster.file)
    deployed = greenfield and cluster.live is not None  # live facts say it is deployed: greenfield's assumption does not hold
    context = planner.PlanContext(
        floors=None if site is None else ("raise" if site.kind == "value" else "add"),
        ceiling=ceiling,
        engine=settings.engine,
        fallback_engines=settings.fallback_engines,
        greenfield=greenfield and not deployed,
        migrate_kubenet=settings.migrate_kubenet,
        azapi_updates=settings.azapi_updates,
        versions=versions,
        assume_network=settings.assume_network,
        switch_engines=settings.switch_engines,
    )
    fix = planner.plan(cluster, context)
    if deployed and fix is not None:
        note = f"Not treated as greenfield: {cluster.live.source} records this cluster as deployed."
        fix = replace(fix, reasons=(note, *fix.reasons))
    return Planned(cluster, versions, context, fix)


def _above_lock(located: Located, cluster: Cluster, lock: VersionRange, admitted: VersionRange, settings: Settings,
                problems: list[Problem]) -> Planned | None:
    """A lock file pins an azurerm version at which the fix is held back or refused, while a later
    version of the same major, still inside every constraint, puts it in place: the fix is written
    with a floor above the lock (the same construction as an unpinned range). Terraform then refuses
    to plan with the stale lock until `terraform init -upgrade`, so no plan ever runs the fix at the
    locked version. `admitted`: what the constraints above the module admit. None where no floor helps."""
    ceiling = min(admitted.high, (lock.low[0] + 1, 0, 0))  # never past the locked major, nor a stated bound
    if not admitted.contains(lock.low) or ceiling <= lock.high:
        return None
    pinned = format_version(lock.low) if lock.exact else f"{format_version(lock.low)} to {format_version(_last(lock))}"
    widened = VersionRange(lock.low, ceiling, f"{lock.source} ({pinned}), up to the constraint")
    planned = _planned_at(located, cluster, widened, settings, problems, admitted.high)
    if planned.fix is None or planned.fix.floor is None or not planned.fix.writable(False):
        return None
    which = ("pins" if lock.exact else "pin") + f" azurerm {pinned}"
    below = "below" if _last(lock) < planned.fix.floor else "partly below"
    note = (f"{lock.source} {which}, {below} {format_version(planned.fix.floor)}: run "
            f"`terraform init -upgrade` (it picks the newest {lock.low[0]}.x the constraints admit) and commit the updated lock; "
            "until then Terraform refuses to plan, so the fix never runs at the locked version.")
    return replace(planned, fix=replace(planned.fix, reasons=(*planned.fix.reasons, note)))


def _last(locked: VersionRange) -> Version:
    """The newest version a lock-derived range holds (its bound is the next patch)."""
    return (locked.high[0], locked.high[1], locked.high[2] - 1)


def _deployment_files(located: Located, cluster: Cluster, problems: list[Problem], folders: list[str] | None = None) -> dict[str, bytes]:
    """The module's .tf and tfvars files, its callers' folders and the other local modules those
    callers deploy: where a Windows pool the locator cannot tie to the cluster is set (a root's node
    pool fed `module.aks.id`, a node-pool module beside the cluster's). A view through one module
    call ("live/prod: module.aks") reads that caller's deployment; a view every caller shares (the
    block states its values) reads them all. `folders`: _deployment_folders, where already known."""
    folders = folders if folders is not None else _deployment_folders(located, cluster)
    files = {p: located.texts[p].body for folder in folders for p in read_module_files(located, folder, problems)}
    files.update({path: located.texts[path].body for folder in folders for c in located.terragrunt(folder)
                  for path in (c.relpath, *c.includes)})
    # a tfvars file of no module that module_scope takes as an environment of one of these folders
    # (`envs/prod.tfvars`, passed with -var-file): its values are this deployment's too
    files.update({relpath: located.texts[relpath].body for folder in folders
                  for relpath in located.loose_tfvars_for(folder, _declared(located, folder).keys())})
    return files


MAX_DEPLOYMENT_FOLDERS = 64


def _deployment_folders(located: Located, cluster: Cluster) -> list[str]:
    """The cluster's module, the roots above it, every local module those roots call, and the
    modules of Terragrunt units that depend on a unit running one of them."""
    folders = [cluster.module_dir]
    caller, marker, _ = (cluster.environment or "").partition(": module.")
    if marker:
        folders.append("" if caller == "." else caller)
    else:
        callers = local_callers(located)
        for folder in folders:  # grows: the callers' callers too
            for files, _name in callers.get(folder, []):
                if posixpath.dirname(files[0]) not in folders and len(folders) < MAX_DEPLOYMENT_FOLDERS:
                    folders.append(posixpath.dirname(files[0]))
    called = local_callees(located)
    for folder in folders:  # grows: every local module the deployment runs, down the chain, and
        # the modules of Terragrunt units that depend on a unit running one of them
        for callee in called.get(folder, []) + located.terragrunt_dependents(folder):
            if callee not in folders and len(folders) < MAX_DEPLOYMENT_FOLDERS:
                folders.append(callee)
    return folders


def _foreign_windows_pools(located: Located, cluster: Cluster, folders: list[str]) -> tuple[str, ...]:
    """Windows node-pool resources in the deployment's other folders: the locator ties a pool to a
    cluster only within one module (by its reference to the cluster), so one in a caller or a module
    beside the cluster's counts for every cluster the deployment builds (cautious: calico or a
    person instead of cilium is safe; cilium beside Windows is not)."""
    return tuple(sorted(f"{pool.address} ({relpath})" for folder in folders if folder != cluster.module_dir
                        for relpath, pool in located.pools_in(folder) if pool.windows))


def _looked_up_windows_pools(located: Located, cluster: Cluster, folders: list[str]) -> tuple[str, ...]:
    """Node pools that may be Windows, added outside the cluster's deployment (`folders`, whose
    pools _foreign_windows_pools reads) to a cluster found by a data source or named by its ID
    (`kubernetes_cluster_id = var.aks_id`, the ID read from the pool folder's tfvars where it can be):
    a pools root beside the cluster's, with its own state. The lookup may find this cluster unless its name or resource
    group, both literal on each side, differ (cautious: a name akfix cannot read may be any
    cluster's), or the name comes from a module or cluster of the lookup's own root (`module.aks.name`:
    that root's cluster, in another deployment than this one)."""
    def differ(looked_up: str | None, stated) -> bool:
        return looked_up is not None and stated.literal is not None and looked_up.lower() != stated.literal.lower()

    # a pool module that a root calls gets its cluster's ID from that root: part of that deployment
    # (_foreign_windows_pools), not a pool of any cluster
    callers = local_callers(located)
    pools = [(relpath, pool, lookup) for relpath, pool, lookup in located.looked_up_pools()
             if pool.cluster_id is None or not callers.get(posixpath.dirname(relpath))]
    if pools and cluster.name.literal is None:  # names are followed only with live facts: the block's literals here
        cluster = literal_named(cluster, located.texts[cluster.file].body) or cluster
    return tuple(f"{pool.address} ({relpath}: its cluster is "
                 + (f"looked up by data.azurerm_kubernetes_cluster.{pool.cluster_data}" if pool.cluster_data is not None
                    else f"named by kubernetes_cluster_id = {pool.cluster_id}")
                 + f"{'' if pool.windows else ', and its os_type is read from inputs'})"
                 for relpath, pool, lookup in pools
                 if posixpath.dirname(relpath) not in folders and (lookup is None or not (
                     lookup.from_deployment or differ(lookup.name, cluster.name) or differ(lookup.resource_group, cluster.resource_group))))


_VARIABLE = re.compile(r"\bvar\.(\w+)")


def _pools_of_unknown_os(located: Located, cluster: Cluster, folders: list[str], problems: list[Problem]) -> tuple[str, ...]:
    """Node pools of the deployment whose os_type is an expression reading a variable that no file
    of the tree gives a value (required, set by no tfvars file or caller: it comes from -var or the
    environment). Such a pool may be Windows, so it counts as one: akfix guesses no plugin, and no OS
    either. (A value the tree holds is text the Windows evidence reads.)"""
    name = cluster.anchor.name if isinstance(cluster.anchor, ClusterDecl) else None
    found = []
    for folder in folders:
        for relpath, pool in located.pools_in(folder):
            if pool.os_inputs is None or (folder == cluster.module_dir and pool.cluster_name not in (None, name)):
                continue
            scope = None
            for variable in dict.fromkeys(_VARIABLE.findall(pool.os_inputs)):
                scope = scope or module_scope(located, folder, problems)
                candidates = scope.variable(variable)
                # every run unset, or one caller's deployment that passes a value no file sets (a tfvars
                # environment's base run without a -var-file does not exist, so it does not count alone)
                unset = [c for c in candidates if required_unset(c.value)]
                if unset and (len(unset) == len(candidates) or any(": module." in (c.environment or "") for c in unset)):
                    found.append(f"{pool.address} ({relpath}: its os_type reads var.{variable}, which a deployment takes from outside the tree)")
                    break
    return tuple(found)


def _with_floors(located: Located, planned: list[Planned], problems: list[Problem]) -> list[Planned]:
    """Fixes that need a provider floor get the constraint change: one floor per module (the
    highest any of its fixes needs: a fix that holds from 3.75 holds from 3.108 too), written
    where the module states its azurerm constraint or where one goes."""
    floors: dict[str, tuple[int, int, int]] = {}
    highs: dict[str, tuple[int, int, int]] = {}  # the end of what the module's code admits: an added constraint stops there
    for item in planned:
        if item.fix is not None and item.fix.floor:
            module_dir = item.cluster.module_dir
            floors[module_dir] = max(floors.get(module_dir, item.fix.floor), item.fix.floor)
            highs[module_dir] = min(highs.get(module_dir, item.versions.high), item.versions.high)
    out = []
    for item in planned:
        fix = item.fix
        if fix is not None and fix.floor:
            module_dir = item.cluster.module_dir
            fix = _floor_change(located, item.cluster, fix, floors[module_dir], highs[module_dir], problems)
        out.append(replace(item, fix=fix))
    return out


def _floor_site(located: Located, cluster: Cluster, problems: list[Problem]) -> ConstraintSite | None:
    """Where the module's azurerm constraint is or would go (read once per module); None where no
    floor can be written: the constraint is not a literal, or lives in a .tf.json file (a second
    required_providers would be an error), or the cluster's own file is JSON."""
    module_dir = cluster.module_dir
    if module_dir not in located.floor_sites:
        read_module_files(located, module_dir, problems)
        site = None
        if not _json_required_providers(located, module_dir):
            site = find_site(_tf_bodies(located, module_dir, problems), cluster.profile_file)
            if site.kind == "unreadable" or not site.file.endswith(".tf"):
                site = None
        located.floor_sites[module_dir] = site
    return located.floor_sites[module_dir]


def _json_required_providers(located: Located, module_dir: str) -> bool:
    """A `.tf.json` file of the module declares `required_providers` (module files hold only .tf and
    tfvars files): a floor block added to a .tf file would be the module's second, which Terraform rejects."""
    for relpath in located.listing.by_folder.get(module_dir, ()):
        if relpath.endswith(tfjson.SUFFIX):
            body, _ = read_safely(located.listing.root, located.listing.root / relpath, relpath)  # its own reader reports a problem
            if body is None or b"required_providers" in body:
                return True  # unreadable: it may declare them
    return False


def _floor_change(located: Located, cluster: Cluster, fix: Fix, floor, high, problems: list[Problem]) -> Fix:
    module_dir = cluster.module_dir
    site = _floor_site(located, cluster, problems)
    constraint = new_constraint(site, floor, high) if site is not None else None
    wanted = f"azurerm >= {format_version(floor)}"
    if constraint is None:
        return planner.manual_fix(
            f"{fix.summary} -- but the module's azurerm constraint cannot be raised to {wanted} here",
            f"Raise the azurerm constraint of {module_dir or '.'} to {wanted} (or commit .terraform.lock.hcl), then re-run akfix.",
            *fix.reasons,
            blocker="version-range",
        )
    spot = Spot(site.file, max(site.start, 0), max(site.end, 0), "floor")
    return replace(fix, floor=floor, changes=fix.changes + (Change(FLOOR_ATTRIBUTE, constraint, origin=spot),))


# --- edit + verify ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleOutcome:
    changes: tuple[FileChange, ...]
    edit_lines: dict[tuple[str, str, str | None], tuple[tuple[str, int], ...]]  # planned key -> (file, line)
    problem: Problem | None


def groups_of(located: Located, planned: list[Planned]) -> list[list[Planned]]:
    """Fixes that touch a common file (a shared caller, a shared variables.tf) are edited and
    verified together, so one file never gets two competing versions."""
    parent = list(range(len(planned)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for index, item in enumerate(planned):
        try:
            files = {relpath for relpath, _ in _edits(located, item)} | {item.cluster.profile_file}
        except (EditFailure, ValueError):
            files = {item.cluster.profile_file}
        files = {located.links.real(relpath) for relpath in files}  # a link and its target are one file
        for relpath in files:
            if relpath in owner:
                parent[find(index)] = find(owner[relpath])
            else:
                owner[relpath] = index
    groups: dict[int, list[Planned]] = {}
    for index, item in enumerate(planned):
        groups.setdefault(find(index), []).append(item)
    return list(groups.values())


def edit_group(located: Located, planned: list[Planned], verify: bool = True) -> ModuleOutcome:
    """Edit every file a group of fixes touches, verify the results, and return them (unwritten).

    `verify=False` only locates the edits (for `scan`, which reports where fixes would go).
    An edit through a symlink is made in the file it points to (keyed by that file's relpath), so
    folders reading one file through links write it once (guard_linked_files made them agree)."""
    per_file: dict[str, dict[tuple[int, int], bytes]] = {}
    texts: dict[str, TextFile] = {}  # edited file (a link's target) -> what was read of it
    lines: dict[tuple[str, str, str | None], tuple[tuple[str, int], ...]] = {}
    try:
        for item in planned:
            found: list[tuple[str, int]] = []
            for relpath, edit in _edits(located, item):
                real = located.links.real(relpath)
                text = texts.setdefault(real, located.texts[relpath])
                spans = per_file.setdefault(real, {})
                previous = spans.get((edit.start, edit.end))
                if previous is not None and previous != edit.text:
                    raise EditFailure(f"two fixes want different values at the same place ({real})", line_of(text.body, edit.start))
                spans[(edit.start, edit.end)] = edit.text
                found.append((real, line_of(text.body, edit.start)))
            lines[item.key] = tuple(sorted(set(found)))
        results = {}
        for relpath, spans in per_file.items():
            text = texts[relpath]
            edits = [Edit(start, end, data) for (start, end), data in spans.items()]
            results[relpath] = apply_edits(text.data, edits, offset=len(text.bom))
    except (EditFailure, ValueError) as exc:
        relpath = planned[0].cluster.profile_file
        return ModuleOutcome((), lines, Problem(relpath, getattr(exc, "line", 1), f"not edited: {exc}"))
    if verify:
        failure = _verify(located, texts, results, planned)
        if failure:
            relpath, line, reason = failure
            return ModuleOutcome((), lines, Problem(relpath, line, f"not written, verification failed: {reason}"))
    changes = tuple(
        FileChange(located.listing.root / relpath, relpath, texts[relpath].data, after, "")
        for relpath, after in sorted(results.items())
        if after != texts[relpath].data
    )
    return ModuleOutcome(changes, lines, None)


def prefetch_readback(located: Located, groups: list[list[Planned]]) -> None:
    """Read back every HCL result of these groups at once (see readback.prefetch)."""
    texts = []
    for group in groups:
        outcome = edit_group(located, group, verify=False)
        for change in outcome.changes:
            if not change.relpath.endswith(".json"):
                try:
                    texts.append(load_text(change.after).body.decode("utf-8"))
                except (UnreadableText, UnicodeDecodeError):
                    continue  # _verify reports it
    prefetch(texts)


def _edits(located: Located, item: Planned) -> list[tuple[str, Edit]]:
    """(file, edit) pairs for one cluster's fix: values followed elsewhere are written there.
    Computed once per fix: grouping and editing both need them."""
    key = (item.key, id(item.fix))
    if key not in located.edit_cache:
        located.edit_cache[key] = _compute_edits(located, item)
    return located.edit_cache[key]


def _floor_edits(located: Located, item: Planned) -> list[tuple[str, Edit]]:
    out = []
    for change in (c for c in item.fix.changes if c.attribute == FLOOR_ATTRIBUTE):
        site = located.floor_sites[item.cluster.module_dir]
        text = located.texts[site.file]
        out += [(site.file, edit) for edit in floor_edits(text.body, site, change.value, text.newline)]
    return out


def _shared_edits(located: Located, item: Planned) -> list[tuple[str, Edit]]:
    """The edits of a fix as the symlink guard weighs them. A floor written into a file that other
    folders read through a link does not reach those folders when each states its own azurerm
    constraint in an override file (an override's constraint replaces the original's): the guard
    need not ask them to agree on it."""
    edits = _edits(located, item)
    floors = _floor_edits(located, item) if item.fix.floor else []
    if floors and _floor_stays_in_module(located, item.cluster.module_dir):
        edits = [e for e in edits if e not in floors]
    return edits


def _floor_stays_in_module(located: Located, module_dir: str) -> bool:
    """Read once per module: the guard asks for every fix of the module, and again each round."""
    if module_dir not in located.floor_private:
        located.floor_private[module_dir] = _floor_reaches_no_other_folder(located, module_dir)
    return located.floor_private[module_dir]


def _floor_reaches_no_other_folder(located: Located, module_dir: str) -> bool:
    site = located.floor_sites.get(module_dir)
    if site is None or site.kind == "block":
        return False
    others = [f for f in located.links.folders(located.links.real(site.file)) if f != module_dir]
    for folder in others:
        own = find_site(_tf_bodies(located, folder), "")
        if own.kind == "block" or not is_override_file(own.file) or located.links.real(own.file) != own.file:
            return False
    return bool(others)


def _compute_edits(located: Located, item: Planned) -> list[tuple[str, Edit]]:
    fix = item.fix
    assert fix is not None
    out: list[tuple[str, Edit]] = []
    # The block reads new inputs (plan/views.at_caller): all the cluster's views give, in one order.
    exposed = _exposed_inputs(located, item) if any(c.exposes for c in fix.changes) else []
    in_block = tuple(c for c in fix.changes if c.origin is None) + tuple(Change(name, "", exposes=True) for name in exposed)
    if in_block or fix.add_block:
        relpath = item.cluster.profile_file
        text = located.texts[relpath]
        editor = json_edits_for if relpath.endswith(tfjson.SUFFIX) else edits_for
        for edit in editor(text.body, item.cluster.address, replace(fix, changes=in_block), text.newline):
            out.append((relpath, edit))
    if fix.phase and not item.cluster.profile_file.endswith(tfjson.SUFFIX):
        text = located.texts[item.cluster.profile_file]
        out += [(item.cluster.profile_file, edit)
                for edit in migration_marker_edits(text.body, item.cluster.address, text.newline, remove=fix.phase == 2)]
    if exposed:
        module_dir = item.cluster.module_dir
        links = located.links
        out += input_edits(module_dir, _tf_bodies(located, module_dir), _declared(located, module_dir), exposed, item.cluster.profile_file,
                           lambda relpath: len(links.folders(links.real(relpath))) > 1, lambda relpath: located.texts[relpath].newline)
    out += _floor_edits(located, item)
    if any(is_companion(c) for c in fix.changes):
        out += policy_update_edits(fix, item.cluster, _tf_bodies(located, item.cluster.module_dir), lambda p: located.texts[p].body,
                                   lambda p: located.texts[p].newline)

    def list_item(validation, value: str) -> bytes:
        if validation.regex:  # `regex("^(azure|calico)$", var.x)`: one more alternative
            return b"|" + value.encode()
        if validation.compare:  # `var.x == "a" || var.x == "b"`: one more comparison
            return b" || " + validation.compare.encode() + b" == " + _literal(value, validation.file)
        return b", " + _literal(value, validation.file)

    # Inputs passed from a caller's module block (plan/views.at_caller), one edit per block; settings
    # an object literal leaves out (an optional() null), added to that literal, one edit per object.
    # Either still has to pass the validation of the variable it sets.
    moved, arguments = _named_spots(fix.changes, "argument:")
    added, entries = _named_spots(fix.changes, "entry:")
    out += [edit for change in moved + added for edit in validation_edits(change, list_item)]
    for (relpath, start), values in arguments.items():
        text = located.texts[relpath]
        if posixpath.basename(relpath) == terragrunt.NAME:  # a Terragrunt caller: its inputs object
            out += [(relpath, edit) for edit in terragrunt_input_edits(text.body, values, text.newline)]
        elif relpath.endswith(".tfvars"):  # an environment's -var-file that leaves the variable to its default
            out += [(relpath, edit) for edit in tfvars_entry_edits(text.body, values, text.newline)]
        else:
            out += [(relpath, edit) for edit in module_argument_edits(text.body, start, values, text.newline)]
    for (relpath, start), values in entries.items():
        text = located.texts[relpath]
        out += [(relpath, edit) for edit in object_entry_edits(text.body, start, values, text.newline)]
    others = [c for c in fix.changes if c.attribute != FLOOR_ATTRIBUTE and c not in moved + added and not is_companion(c)]
    return out + origin_edits(others, _literal, list_item)


def _named_spots(changes, prefix: str) -> tuple[list[Change], dict[tuple[str, int], dict[str, str]]]:
    """The changes whose origin kind is `<prefix><name>`, and their values by (file, start of the
    block or object they go into) -> name -> value: one edit per block or object."""
    chosen = [c for c in changes if c.origin is not None and c.origin.kind.startswith(prefix)]
    grouped: dict[tuple[str, int], dict[str, str]] = {}
    for change in chosen:
        grouped.setdefault((change.origin.file, change.origin.start), {})[change.origin.kind[len(prefix):]] = change.value
    return chosen, grouped


def _literal(value: str, file: str) -> bytes:
    """A value written into a .tf/.tfvars file, or a .tfvars.json / .tf.json file."""
    return json.dumps(value).encode() if file.endswith(".json") else quote(value)


def _verify(located: Located, texts: dict[str, TextFile], results: dict[str, bytes], planned: list[Planned]) -> tuple[str, int, str] | None:
    """(file, line, reason) of the first failed check, or None when every edited file is safe."""
    bodies: dict[str, bytes] = {}
    for relpath, after in sorted(results.items()):
        before = texts[relpath]
        try:
            new = load_text(after)
        except UnreadableText as exc:
            return relpath, exc.line, f"result is not UTF-8 text ({exc})"
        if new.bom != before.bom:
            return relpath, 1, "byte-order mark changed"
        if not newline_consistent(before.data, after, before.newline):
            return relpath, 1, "newline style would be mixed"
        bodies[relpath] = new.body
        # 1. re-parse: no error node at all (the original had none).
        if relpath.endswith(".json"):
            try:
                json_readback(new.body, _readback_checks(located.links, relpath, planned))
            except ReadbackFailure as exc:
                return relpath, 1, str(exc)
            continue
        tree = hcl.parse(new.body)
        if tree.root_node.has_error:
            return relpath, hcl.first_error_line(tree.root_node) or 1, "tree-sitter finds a syntax error in the result"
        # 2. python-hcl2 (an independent parser) reads the file and the new values back.
        try:
            check_readback(new.body.decode("utf-8"), _readback_checks(located.links, relpath, planned))
        except ReadbackFailure as exc:
            # a file beyond python-hcl2 before the edit: say so, not that the edit broke it
            original = parse_error(before.body.decode("utf-8")) if str(exc).startswith("python-hcl2 cannot parse") else None
            return relpath, 1, f"python-hcl2 cannot parse this file even before the edit ({original})" if original else str(exc)
    # A folder reading an edited file through a symlink reads the new text too (checks 3 and 4).
    bodies = {reader: body for relpath, body in bodies.items() for reader in located.links.readers(relpath)}
    # 3. a provider floor reads back from the edited constraint (versions.py's own reader).
    for item in planned:
        floor = item.fix.floor if item.fix is not None else None
        site = located.floor_sites.get(item.cluster.module_dir) if floor else None
        if site is not None:
            constraint = required_azurerm(bodies.get(site.file, located.texts[site.file].body), site.file)
            if constraint is None or constraint.low < floor:
                return site.file, site.line, f"the azurerm constraint does not read back as >= {format_version(floor)}"
    # 4. idempotence: a second run over the new text plans nothing for these clusters.
    for module_dir in sorted({item.cluster.module_dir for item in planned}):
        failure = _second_run_is_quiet(located, module_dir, bodies, [i for i in planned if i.cluster.module_dir == module_dir])
        if failure:
            return failure
    return None


def _readback_checks(links: Links, relpath: str, planned: list[Planned]):
    """(resource name, changes) written into the network_profile block of this file."""
    for item in planned:
        if links.real(item.cluster.profile_file) == relpath and item.fix is not None:
            in_block = tuple(c for c in item.fix.changes if c.origin is None)
            yield item.cluster.address, in_block


def _second_run_is_quiet(located: Located, module_dir: str, bodies: dict[str, bytes], planned: list[Planned]) -> tuple[str, int, str] | None:
    decls = {p: d for p, d in located.decls.items() if posixpath.dirname(p) == module_dir}
    for relpath, body in bodies.items():
        if relpath in decls:
            try:
                decls[relpath] = locate_any(body, relpath)
            except ParseFailure as exc:
                return relpath, exc.line, str(exc)
    clusters = clusters_of_module(module_dir, decls)
    if any(needs_values(c) for c in clusters):
        scope = module_scope(located, module_dir, None, bodies)
        clusters = [v for c in clusters for v in (resolve_cluster(c, scope) if needs_values(c) else [c])]
    again = {(c.module_dir, c.address, c.environment): c for c in clusters}
    for item in planned:
        cluster = again.get(item.key) or again.get((item.cluster.module_dir, item.cluster.address, None))
        if cluster is None:
            return item.cluster.profile_file, item.cluster.line, f"{item.cluster.address} disappeared after the edit"
        second = planner.plan(replace(cluster, live=item.cluster.live), item.context)
        if not planner.settled(item.fix, second):
            return item.cluster.profile_file, item.cluster.line, f"not idempotent: a second run would change {item.cluster.address} again"
    return _bystander_changed(located, module_dir, again, planned)


def _bystander_changed(located: Located, module_dir: str, again: dict, planned: list[Planned]) -> tuple[str, int, str] | None:
    """A view of the module that this write does not fix must read what it read before. The views
    guard (plan/views.py) holds writes to places other views are known to read; this catches what
    it cannot see: a setting left unresolved that still reads the edited value on some input
    (`var.enabled ? var.policy : "calico"` beside a fix that rewrites var.policy's default)."""
    written = {item.key for item in planned}
    for item in located.planned:
        if item.cluster.module_dir != module_dir or item.key in written:
            continue
        after = again.get(item.key)
        if after is not None and readings(after.profile) != readings(item.cluster.profile):
            return item.cluster.profile_file, item.cluster.line, BYSTANDER.format(address=item.cluster.address)
    return None


def fmt_regressions(changes: list[FileChange]) -> dict[str, int]:
    """Files that were terraform-fmt clean and would not be after the edit: relpath -> first line
    that differs. One terraform process checks every file before and after (check 4)."""
    changes = [c for c in changes if c.relpath.endswith((".tf", ".tfvars", ".hcl"))]  # terragrunt.hcl: hclfmt is terraform fmt
    texts = [c.before or b"" for c in changes] + [c.after for c in changes]
    texts = [t[3:] if t.startswith(b"\xef\xbb\xbf") else t for t in texts]
    unclean = fmt_unclean(texts)
    if unclean is None:
        return {}
    count = len(changes)
    broken = {}
    for index, change in enumerate(changes):
        if not unclean[index] and unclean[count + index]:
            broken[change.relpath] = _first_fmt_difference(texts[count + index])
    return broken


def _first_fmt_difference(text: bytes) -> int:
    lf = text.replace(b"\r\n", b"\n")
    formatted = terraform_fmt(lf) or lf
    pairs = zip(lf.splitlines(), formatted.splitlines())
    return next((i + 1 for i, (a, b) in enumerate(pairs) if a != b), 1)
