"""Pulumi and CDK for Terraform programs in Python, end to end: find clusters with libcst, read
the package versions beside the program, plan with the PUT rules (azure-native) or the azurerm
rules at the bridged provider version (pulumi-azure, CDKTF), edit with libcst, verify. Where the
package range alone holds a fix back, the fix comes with a raised package floor in the project
files (floor_choice.py decides it, floors.py writes and verifies it).

Verification of an edited file: Python's own parser (`ast`) accepts it, the BOM and newline style
are kept, libcst reads the new values back from the new file, and planning again changes nothing.
"""

from __future__ import annotations

import ast
import difflib
import os
import posixpath
import re
from dataclasses import dataclass, field, replace

from fixer.discover import Listing, read_candidates, read_safely
from fixer.edit.edits import newline_consistent
from fixer.formats.put import Planned
from fixer.formats.python import entry, floors, live_state, stack_config
from fixer.formats.python import kinds as K
from fixer.formats.python.floor_choice import FloorChooser
from fixer.formats.python.floors import is_floor_change
from fixer.formats.python.packages import Pin, Pins, pins_for
from fixer.formats.python.spec_sites import statements
from fixer.formats.python.values import keyword_args
from fixer.formats.windows_evidence import with_evidence
from fixer.model import Change, Cluster, FileChange, Fix, Problem, ValueKind
from fixer.plan import planner
from fixer.plan.preference import choose_engine
from fixer.plan.rules import python_packages as packages
from fixer.plan.views import BYSTANDER, readings
from fixer.textfile import TextFile, UnreadableText, load_text
from fixer.versions import UNKNOWN, VersionRange

SUFFIXES = (".py",)
# A program must import one of these (azure-native, azure, CDKTF prebuilt or `cdktf get` bindings):
# qualified names resolve only through imports in the file itself.
_OURS = (b"pulumi_azure", b"cdktf_cdktf_provider_azurerm", b"azurerm")


# With this many programs, parsing is spread over forked processes (libcst takes ~10 ms a file and
# ~0.15 s to import), which run while the main process reads the other formats.
POOL_THRESHOLD = 24


def start(listing: Listing, settings, verify: bool, allow_replacement: bool, progress=None, held=lambda cluster: False) -> "Pending":
    """Begin the Python programs: with many of them, forked workers parse them (and import libcst)
    while this process goes on with the other formats; `finish()` collects the results."""
    scan = read_candidates(listing, SUFFIXES, K.MARKERS, progress=progress, stage="Python: reading")
    worth = [c for c in scan.candidates if _worth_parsing(c.data)]
    never = _never_run(listing, [c.relpath for c in worth])
    worth = [c for c in worth if c.relpath not in never]
    # A program is a folder: its files share package versions and node pools. Folders are independent.
    folders: dict[str, list] = {}
    for candidate in worth:
        folders.setdefault(posixpath.dirname(candidate.relpath), []).append(candidate)
    job = _Job(listing, settings, verify, allow_replacement, held)
    pending = Pending(job, list(folders.values()), list(scan.problems), progress)
    pending.never = tuple(never[relpath] for relpath in sorted(never))
    if len(worth) >= POOL_THRESHOLD:
        pending.submit()
    return pending


class Pending:
    """Python programs being processed (in workers) or still to process (here, on finish())."""

    def __init__(self, job: "_Job", groups: list, problems: list[Problem], progress):
        self.job, self.groups, self.problems, self.progress = job, groups, problems, progress
        self.pool = self.results = None
        self.never: tuple = ()  # files no Pulumi project runs (entry.NeverRun): listed, not planned

    def submit(self) -> None:
        global _POOL_JOB
        workers = min(os.cpu_count() or 1, 8, len(self.groups))
        if workers < 2:
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        try:
            context = multiprocessing.get_context("fork")
            _POOL_JOB = self.job  # forked workers inherit it instead of unpickling it
            self.pool = ProcessPoolExecutor(workers, mp_context=context)
            self.results = self.pool.map(_folder_in_worker, self.groups, chunksize=max(1, len(self.groups) // (workers * 4)))
        except (OSError, RuntimeError, ValueError):
            self.close()  # no processes here (a sandbox, a limit): finish() runs them in this process

    def finish(self) -> tuple:
        outcomes = None
        if self.results is not None:
            try:
                outcomes = list(self.results)
            except (OSError, RuntimeError):
                outcomes = None  # a worker died (BrokenProcessPool is a RuntimeError): redo them here
            finally:
                self.close()
        if outcomes is None:
            outcomes = []
            for index, group in enumerate(self.groups):
                if self.progress is not None:
                    self.progress("Python: parsing", index + 1, len(self.groups))
                outcomes.append(self.job.folder(group))
        planned, changes, problems, failed, lines = [], [], list(self.problems), set(), {}
        clashing = _clashing(outcomes)
        for index, (folder_planned, folder_changes, folder_problems, folder_failed, folder_lines) in enumerate(outcomes):
            planned += folder_planned
            problems += folder_problems
            failed |= folder_failed
            lines.update(folder_lines)
            if index in clashing:
                problems.append(Problem(clashing[index], 1, "not written: programs in different folders raise this project file's "
                                                             "package floor differently; raise it by hand, then re-run akfix"))
                failed |= {item.key for item in folder_planned}
                continue
            written = {c.relpath for c in changes}
            changes += [c for c in folder_changes if c.relpath not in written]  # a floor two programs raise alike: once
        return planned, changes, problems, failed, lines

    def close(self) -> None:
        """Stop the workers (at once if finish() was never reached: an interrupt, an error elsewhere)."""
        global _POOL_JOB
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool, self.results, _POOL_JOB = None, None, None


@dataclass(frozen=True)
class _Job:
    listing: Listing
    settings: object
    verify: bool
    allow_replacement: bool
    held: object

    def folder(self, candidates) -> tuple:
        """Find, plan, edit and verify the programs of one folder."""
        from fixer.formats.python import locate

        problems: list[Problem] = []
        files: dict = {}  # relpath -> (TextFile, ParsedFile, Found)
        for candidate in candidates:
            try:
                text = load_text(candidate.data)
                parsed = locate.parse(candidate.relpath, text.body)
            except (UnreadableText, locate.PythonSyntaxError) as exc:
                problems.append(Problem(candidate.relpath, getattr(exc, "line", 1), f"{exc}; left untouched"))
                continue
            found = locate.find(parsed)
            if found.clusters or found.pools:
                files[candidate.relpath] = (text, parsed, found)
        if not files:
            return [], [], problems, set(), {}
        listing = self.listing
        folder = posixpath.dirname(candidates[0].relpath)
        read, files_in = (lambda r: _read_text(listing, r)), (lambda f: listing.by_folder.get(f, ()))
        pins = pins_for(folder, read, files_in)
        program = _Program(self, folder, files, pins, read, files_in)
        declared: list[_Declared] = []
        for relpath, (text, parsed, found) in sorted(files.items()):
            addresses = locate.addresses(parsed, found.clusters)
            declared += [_Declared(relpath, parsed, found, kind, call, variable, index, addresses[index], locate.qualified_names(parsed, call))
                         for index, (kind, call, variable) in enumerate(found.clusters)]
        planned = []
        for one in declared:
            pin = pins.get(one.kind.package)
            planned.append(program.plan(one, pin.versions if pin else UNKNOWN, pin))
        planned = _guard_shared_nodes(program.with_floors(planned, declared))  # after floors: a floor re-plans a fix
        writable = [p for p in planned if p.fix is not None and p.fix.writable(self.allow_replacement) and not self.held(p.cluster)]
        changes, failed, lines = _edit(files, writable, listing, self.verify, problems, program)
        return planned, changes, problems, failed, lines


@dataclass(frozen=True)
class _Declared:
    """One cluster call as found in a program file."""

    relpath: str
    parsed: object
    found: object
    kind: K.Kind
    call: object
    variable: str | None
    index: int
    address: str
    names: set


@dataclass
class _Program:
    """A program folder being planned: its files, pins and project-file statements, and the
    package floors its fixes need (floor_choice.py)."""

    job: _Job
    folder: str
    files: dict
    pins: Pins
    read: object
    files_in: object
    floors: dict = field(default_factory=dict)  # package -> (FloorEdits, the pin's upper bound) for this program's fixes
    _stated: dict = field(default_factory=dict)
    _stack_texts: dict | None = None  # {Pulumi.<stack>.yaml: its text}, read on first need
    _data_texts: dict | None = None  # {a JSON/YAML file the program names: its text}, read on first need
    _stacks: tuple | None = None  # (project name, {Pulumi.<stack>.yaml: its config}), read on first need
    _states: live_state.ProgramStates | None = None  # the stacks' states (live_state.py), read on first need

    def data_texts(self) -> dict[str, str]:
        """{path: text} of the JSON/YAML files the program names by a literal path (`json.load(open("pools.json"))`):
        a pool list read from one is evidence like the program's own text. Read once per program."""
        if self._data_texts is None:
            names = {name for text, _, _ in self.files.values() for name in _data_paths(text.body, self.folder)}
            self._data_texts = {name: text for name in sorted(names) if (text := self.read(name)) is not None}
        return self._data_texts

    def stack_texts(self) -> dict[str, str]:
        """{Pulumi.<stack>.yaml: its text}, read once per program."""
        if self._stack_texts is None:
            names = stack_config.stack_files(self.folder, self.files_in(self.folder))
            self._stack_texts = {name: text for name in names if (text := self.read(name)) is not None}
        return self._stack_texts

    def stacks(self) -> tuple:
        """(project name, {Pulumi.<stack>.yaml: its config mapping}), read once per program."""
        if self._stacks is None:
            text = self.read(posixpath.join(self.folder, "Pulumi.yaml"))
            project = stack_config.project_name(text)
            # a stack that does not set a key takes the project file's default (`config: key: {default: x}`)
            stacks = stack_config.with_defaults(stack_config.stack_configs(self.stack_texts()), stack_config.project_defaults(text, project))
            self._stacks = (project, stacks)
        return self._stacks

    def states(self) -> live_state.ProgramStates:
        """The states of the program's stacks: --plan exports, and the tree's checkpoints (unless --no-state)."""
        if self._states is None:
            project, stacks = self.stacks()
            settings = self.job.settings
            found, unread = live_state.checkpoints(self.job.listing, self.folder, project) if settings.read_state else ((), ())
            names = tuple(posixpath.basename(n)[len("Pulumi."):].rsplit(".", 1)[0] for n in stacks if posixpath.basename(n) != "Pulumi.yaml")
            self._states = live_state.ProgramStates(tuple(getattr(settings, "pulumi_states", ())), found, names, project, unread)
        return self._states

    def stack_values(self, declared: "_Declared", cluster: Cluster) -> Cluster:
        """A kubernetes_version or network_plugin read from the stack configuration: every value a
        stack deploys becomes the value's domain (stack_config.py). AKS's version rules judge the
        versions; the engines that run on every plugin a stack deploys can be written (calico on
        azure and kubenet, cilium where every stack deploys azure)."""
        profile = cluster.profile
        if ValueKind.EXPRESSION not in (profile.kubernetes_version.kind, profile.plugin.kind):
            return cluster
        from fixer.formats.python.locate import PyAnchor, profile_argument

        project, stacks = self.stacks()
        reader = declared.parsed.reader
        if profile.kubernetes_version.kind is ValueKind.EXPRESSION:
            argument = keyword_args(declared.call).get("kubernetes_version")
            found = stack_config.config_domain(reader, argument.value if argument else None, project, stacks)
            profile = replace(profile, kubernetes_version=found) if found is not None else profile
        if profile.plugin.kind is ValueKind.EXPRESSION and isinstance(cluster.anchor, PyAnchor):
            found = stack_config.config_domain(reader, profile_argument(cluster.anchor.site, "network_plugin"), project, stacks)
            profile = replace(profile, plugin=found) if found is not None else profile
        return replace(cluster, profile=profile)

    def stated(self, package: str):
        """Where the program's project files state `package` (spec_sites.py), read once."""
        if package not in self._stated:
            self._stated[package] = statements(package, self.folder, self.read, self.files_in)
        return self._stated[package]

    def plan(self, declared: _Declared, package_versions: VersionRange, pin: Pin | None) -> Planned:
        """Plan one cluster as if the program's package range were `package_versions`."""
        from fixer.formats.python import locate

        kind, settings, names = declared.kind, self.job.settings, declared.names
        api = next((a for n in names if (a := K.api_of_module(n))), None) or packages.azure_native_api(package_versions)
        cluster = locate.cluster_of(declared.parsed, kind, declared.call, declared.index, declared.address,
                                    fills_kubenet=package_versions.known and package_versions.high <= (3, 0, 0), api=api)
        cluster = self.stack_values(declared, cluster)
        project, stacks = self.stacks()
        separate = _separate_pools(self.files, declared)
        pools = tuple(label for label, pool, _ in separate if pool.windows) + _pools_of_unread_os(separate, declared, project, stacks)
        cluster = replace(cluster, windows_pools=cluster.windows_pools + pools)
        # pools in a variable or built by a function: the program's text says where Windows is set
        # and the stack config the program reads (`cfg.require_object("pools")` listing a Windows pool)
        project_file = posixpath.join(self.folder, "Pulumi.yaml")  # its config defaults are every stack's where unset
        texts = {**self.data_texts(), **self.stack_texts(), project_file: self.read(project_file) or ""}
        stack_bodies = {name: text.encode() for name, text in texts.items() if text}
        cluster = with_evidence(cluster, {**{path: text.body for path, (text, _, _) in self.files.items()}, **stack_bodies})
        name = live_state.logical_name(declared.parsed.reader, declared.call, kind)
        cluster = live_state.with_pulumi_state(cluster, kind, name, self.states())
        if getattr(settings, "facts", None) is not None:
            cluster = settings.facts.attach(cluster)
        versions = _azurerm_versions(kind, names, pin, self.pins.cdktf_azurerm, settings)
        if kind.put and pin:
            versions = replace(package_versions, source=pin.describe())
        greenfield = settings.is_greenfield(self.job.listing.root, declared.relpath)
        deployed = greenfield and cluster.live is not None and cluster.live.plugin is not None  # a state records it
        context = planner.PlanContext(engine=settings.engine, versions=versions, assume_network=settings.assume_network,
                                      greenfield=greenfield and not deployed,
                                      migrate_kubenet=settings.migrate_kubenet, switch_engines=settings.switch_engines,
                                      pin_advice=f"pass --azurerm-version with the azurerm version your {kind.package} release bundles")
        fix = choose_engine(
            (settings.engine, *settings.fallback_engines),
            lambda engine: _checked(kind, cluster, planner.plan(cluster, replace(context, engine=engine, one_engine=True)), package_versions,
                                    settings, pin),
        )
        if deployed and fix is not None:
            fix = replace(fix, reasons=(f"Not treated as greenfield: {cluster.live.source} records this cluster as deployed.", *fix.reasons))
        return Planned(cluster, versions, context, fix)

    def with_floors(self, planned: list[Planned], declared: list[_Declared]) -> list[Planned]:
        """The fixes with the package floors they need (floor_choice.py); the floors to write are kept."""
        chooser = FloorChooser(self.plan, self.pins, self.stated, self.read, self.job.held)
        planned, self.floors = chooser.with_floors(planned, declared)
        return planned


_POOL_JOB: _Job | None = None  # set before forking: workers inherit it instead of unpickling it


def _folder_in_worker(candidates) -> tuple:
    planned, changes, problems, failed, lines = _POOL_JOB.folder(candidates)
    # CST nodes stay in the worker: nothing after planning and editing reads a Python anchor.
    return [replace(p, cluster=replace(p.cluster, anchor=None)) for p in planned], changes, problems, failed, lines


def _clashing(outcomes) -> dict[int, str]:
    """Folders whose edits of a shared file (a project file above them both, raised to a package
    floor) differ from another folder's: index -> that file. Such folders write nothing."""
    seen: dict[str, tuple[int, bytes]] = {}
    clashing: dict[int, str] = {}
    for index, (_, folder_changes, _, _, _) in enumerate(outcomes):
        for change in folder_changes:
            first = seen.setdefault(change.relpath, (index, change.after))
            if first[1] != change.after:
                clashing[index] = clashing[first[0]] = change.relpath
    return clashing


def _never_run(listing: Listing, relpaths: list[str]) -> dict:
    """relpath -> entry.NeverRun for the files with clusters that their Pulumi project never runs."""
    mains: dict[str, str | None] = {}

    def has_file(folder: str, name: str) -> bool:
        return posixpath.join(folder, name) in listing.by_folder.get(folder, ())

    def main_of(project: str) -> str | None:
        if project not in mains:
            mains[project] = stack_config.project_main(_read_text(listing, project))
        return mains[project]

    found = {}
    for relpath in relpaths:
        why = entry.never_run(relpath, has_file, main_of)
        if why is not None:
            found[relpath] = why
    return found


def _worth_parsing(data: bytes) -> bool:
    if K.DEFINITIONS.search(data):
        return False  # an SDK or generated CDKTF bindings: defines the classes, builds no cluster
    # A class name but no Azure import: libcst could not resolve it to one of ours anyway.
    return any(m in data for m in _OURS) or data.startswith((b"\xff\xfe", b"\xfe\xff"))


# A literal path to a data file in a program (Pulumi and CDKTF run from the project folder)
_DATA_PATH = re.compile(rb"""["']((?:\./)?[\w.-]+(?:/[\w.-]+)*\.(?:json|ya?ml))["']""")


def _data_paths(body: bytes, folder: str):
    """Repository paths of the data files a program file names, kept inside the repository."""
    for match in _DATA_PATH.finditer(body):
        target = posixpath.normpath(posixpath.join(folder, match.group(1).decode()))
        if not target.startswith("../") and target != ".." and not posixpath.basename(target).startswith("Pulumi."):
            yield target


def _read_text(listing: Listing, relpath: str) -> str | None:
    data, _ = read_safely(listing.root, listing.root / relpath, relpath)
    try:
        return data.decode("utf-8-sig") if data is not None else None
    except UnicodeDecodeError:
        return None


def _azurerm_versions(kind: K.Kind, names: set[str], pin: Pin | None, cdktf_azurerm: VersionRange | None, settings) -> VersionRange:
    """The azurerm versions a bridged program runs: --azurerm-version, cdktf.json for `cdktf get`
    bindings, else the bindings package's version."""
    if kind.put:
        return UNKNOWN
    if settings.azurerm_version is not None:
        return settings.azurerm_version
    if kind is K.CDKTF_KIND and any(".azurerm" in n and not n.startswith("cdktf_cdktf_provider_azurerm") for n in names):
        return cdktf_azurerm or UNKNOWN
    if pin is None:
        return UNKNOWN
    return packages.azurerm_of(kind.package, pin.versions, f"bundled by {pin.describe()}")


def _separate_pools(files, declared: "_Declared") -> list[tuple[str, object, object]]:
    """(label, pool, its file's reader) of the pools declared as their own resources that may be the
    cluster's: those in the same file that mention the cluster's variable, or mention no cluster of
    the file; and those in the program's other files (`files` holds one folder; they cannot be tied
    to one cluster, so they count for every one)."""
    own_variables = {v for _, _, v in declared.found.clusters if v}
    pools = [(pool.address, pool, declared.parsed.reader) for pool in declared.found.pools
             if declared.variable in pool.mentions or not (pool.mentions & own_variables)]
    for other, (_, parsed, other_found) in files.items():
        if other != declared.relpath:
            pools += [(f"{p.address} ({p.file})", p, parsed.reader) for p in other_found.pools]
    return pools


def _pools_of_unread_os(separate: list, declared: "_Declared", project: str | None, stacks: dict[str, dict]) -> tuple[str, ...]:
    """The cluster's pools (in its call, or their own resources: `separate`, _separate_pools) whose
    os_type is no literal. One read from the stack config stays Linux where every stack (and the
    fallback) gives another OS; any other may be Windows and counts as one: akfix guesses no OS, as
    it guesses no plugin."""
    from fixer.formats.python import locate

    reader = declared.parsed.reader
    candidates = [(label, node, reader) for label, node in locate.inline_pool_oses(declared.parsed, declared.kind, declared.call)]
    candidates += [(label, pool.os_node, pool_reader) for label, pool, pool_reader in separate if pool.os_node is not None]
    found = []
    for label, node, node_reader in candidates:
        read = stack_config.config_domain(node_reader, node, project, stacks)
        if read is None:
            found.append(f"{label} (its os_type is {node_reader.code(node)}, which akfix cannot read: it may be Windows)")
        elif any(value.lower() == "windows" for value in read.domain):
            found.append(f"{label} (its os_type reads {read.via}: {', '.join(read.domain)})")
    return tuple(found)


def _checked(kind: K.Kind, cluster: Cluster, fix: Fix | None, package_versions: VersionRange, settings, pin: Pin | None) -> Fix | None:
    """Python-specific limits on a planned fix."""
    if fix is None or not fix.changes:
        return fix
    unknown = [c for c in fix.changes if c.attribute not in kind.fields]
    if unknown:
        needs = ", ".join(f"{c.attribute} {c.value}" for c in unknown if c.attribute != "apiVersion")
        api_change = next((c for c in unknown if c.attribute == "apiVersion"), None)
        if api_change is not None:
            return planner.manual_fix(
                f"{kind.package} sends API {cluster.api_version}, which does not know {needs or 'the new values'}",
                f"Upgrade {kind.package} (>= 2.0 sends API 2023-04-01, which knows cilium and networkDataplane) or use a "
                f"versioned module (containerservice.v{api_change.value.replace('-', '')}).",
                *(f"package: {pin.describe()}" for pin in [pin] if pin),
                blocker="package-too-old",
            )
        return planner.manual_fix(f"akfix cannot write {needs} in {kind.name}", "Set it by hand.")
    writes_plugin = any(c.attribute == "networkPlugin" for c in fix.changes)  # greenfield writes the whole profile
    if kind is K.AZURE_NATIVE_KIND and fix.add_block and not writes_plugin and (not package_versions.known or package_versions.low < (3, 0, 0)):
        fix = _with_plugin(cluster, fix, settings, package_versions)
    return _in_python_terms(kind, fix)


def _in_python_terms(kind: K.Kind, fix: Fix) -> Fix:
    """The summary names the keywords the program uses (network_dataplane, not networkDataplane)."""
    summary = fix.summary
    if ": set " in summary and " (" in summary.split(": set ", 1)[1]:
        head, rest = summary.split(": set ", 1)
        sets = ", ".join(f'{kind.fields.get(c.attribute, c.attribute)} = "{c.value}"' for c in fix.changes)
        summary = f"{head}: set {sets}{rest[rest.index(' ('):]}"
    return replace(fix, summary=summary)


def _live_network(cluster: Cluster) -> str | None:
    """The live plugin in --assume-network's words, when an inventory or plan says it."""
    live = cluster.live
    if live is None or not live.plugin:
        return None
    return "azure-overlay" if live.plugin == "azure" and live.plugin_mode == "overlay" else live.plugin


def _with_plugin(cluster: Cluster, fix: Fix, settings, package_versions: VersionRange) -> Fix:
    """azure-native < 3.0 sends network_plugin = kubenet when a new network_profile leaves it out,
    which AKS would take as a plugin change: write the live plugin, or leave it to a person."""
    network = _live_network(cluster) or settings.assume_network
    if network is None:
        known = "pulumi-azure-native < 3.0" if package_versions.known else "pulumi-azure-native (version unknown, maybe < 3.0)"
        return planner.manual_fix(
            "a new network_profile needs the live network plugin",
            f"{known} fills in network_plugin = kubenet when network_profile leaves it out. Check the live plugin with "
            "`az aks show --query networkProfile`, then re-run with --assume-network azure|azure-overlay|kubenet, or give the "
            "stack's state: --plan with `pulumi stack export` output.",
            blocker="live-plugin-unknown",
        )
    plugin = "azure" if network.startswith("azure") else network
    if plugin == "kubenet" and fix.engine in ("cilium", "azure"):
        return planner.manual_fix(f"kubenet cannot run {fix.engine}", "Use --engine calico, or migrate the plugin first.", blocker="kubenet")
    extra = [Change("networkPlugin", plugin)] + ([Change("networkPluginMode", "overlay")] if network == "azure-overlay" else [])
    told = f"the live plugin from {cluster.live.source}" if _live_network(cluster) else "--assume-network"
    return replace(fix, changes=tuple(extra) + fix.changes,
                   reasons=fix.reasons + (f"network_plugin is written too ({told}): azure-native < 3.0 would otherwise send kubenet.",))


def _guard_shared_nodes(planned: list[Planned]) -> list[Planned]:
    """A fix writes into a name's assignment (`POLICY = "none"`) or a profile variable that other
    clusters of the file read too: written only where each of them plans the very same change, as
    plan/views.py does for the other formats (whose values carry the Spot they are read from)."""
    def writes(item: Planned) -> dict[int, tuple]:
        """id(node) -> the change, for every node the fix rewrites or adds a field to."""
        site, out = item.cluster.anchor.site, {}
        for change in item.fix.changes:
            if is_floor_change(change):
                continue
            entry = site.entries.get(item.cluster.anchor.kind.field(change.attribute))
            node = entry[1].node if entry is not None else site.node
            if node is not None:
                out[id(node)] = out.get(id(node), ()) + (change,)
        return out

    def reads(item: Planned) -> set[int]:
        site = item.cluster.anchor.site if item.cluster.anchor is not None else None
        if site is None:
            return set()
        return {id(resolved.node) for _, resolved in site.entries.values() if resolved.node is not None} | (
            {id(site.node)} if site.node is not None else set())

    read = [reads(item) for item in planned]
    out = []
    for item in planned:
        if item.fix is None or not item.fix.writable(True) or item.cluster.anchor is None:
            out.append(item)
            continue
        others = []
        for node, changes in writes(item).items():
            for other, its_reads in zip(planned, read):
                if other is not item and node in its_reads and not (other.fix and set(changes) <= set(other.fix.changes)):
                    others.append(other.cluster.address)
        if others:
            item = replace(item, fix=planner.shared_conflict(item.fix, ", ".join(sorted(set(others))), clusters=True))
        out.append(item)
    return out


def _edit(files, writable: list[Planned], listing: Listing, verify: bool, problems: list[Problem], program: _Program):
    from fixer.formats.python.transform import Write, rewrite

    changes, failed, lines = [], set(), {}
    spec_changes = _floor_changes(writable, listing, verify, problems, program, failed)
    writable = [i for i in writable if i.key not in failed]
    by_file: dict[str, list[Planned]] = {}
    for item in writable:
        by_file.setdefault(item.cluster.file, []).append(item)
    for relpath, items in sorted(by_file.items()):
        text, parsed, found = files[relpath]
        plans = [(i.cluster.anchor, [Write(i.cluster.anchor.kind.field(c.attribute), c.value) for c in i.fix.changes if not is_floor_change(c)])
                 for i in items]
        phases = {i.cluster.anchor.index: i.fix.phase for i in items if i.fix.phase}  # the kubenet migration's mark
        code, refused = rewrite(parsed, plans, phases)
        for item in items:
            if item.cluster.anchor.index in refused:
                problems.append(Problem(relpath, item.cluster.line, f"not edited: {refused[item.cluster.anchor.index]}"))
                failed.add(item.key)
        done = [i for i in items if i.cluster.anchor.index not in refused]
        if not done:
            continue
        after = text.bom + code.encode("utf-8")
        why = _verify(text, after, relpath, done, files) if verify else None
        if why:
            problems.append(Problem(relpath, 1, f"not written, verification failed: {why}"))
            failed.update(i.key for i in done)
            continue
        lines.update(_edit_lines(text.body, code.encode("utf-8"), done))
        changes.append(FileChange(listing.root / relpath, relpath, text.data, after, done[0].cluster.format))
    # A floor is written with the fixes that need it: not at all when none of them was written.
    for package, (change, keys) in spec_changes.items():
        written = [item for item in writable if item.key in keys and item.key not in failed]
        if not written:
            continue
        changes.extend(change)
        for item in written:
            lines[item.key] = tuple(sorted(set(lines.get(item.key, ())) | {(c.relpath, n) for c in change for n in floors.changed_lines(c)}))
    return changes, failed, lines


def _floor_changes(writable: list[Planned], listing: Listing, verify: bool, problems: list[Problem], program: _Program, failed: set):
    """package -> (the project files raised to its floor, the keys of the fixes that need it); a
    floor that cannot be made or fails verification fails those fixes (added to `failed`)."""
    out = {}
    for package, (edits, high) in sorted(program.floors.items()):
        keys = {i.key for i in writable if i.fix.floor and i.fix.floor_of == package}
        if not keys:
            continue
        changes, problem = floors.file_changes(edits, high, listing.root, lambda r: _load(listing, r), program.folder, program.read,
                                               program.files_in, verify)
        if problem is not None:
            problems.append(problem)
            failed.update(keys)
            continue
        out[package] = (changes, keys)
    return out


def _load(listing: Listing, relpath: str) -> TextFile | None:
    data, _ = read_safely(listing.root, listing.root / relpath, relpath)
    try:
        return load_text(data) if data is not None else None
    except UnreadableText:
        return None


def _verify(before: TextFile, after: bytes, relpath: str, done: list[Planned], files) -> str | None:
    from fixer.formats.python import locate

    try:
        new = load_text(after)
        ast.parse(new.body.decode("utf-8"), filename=relpath)
    except (UnreadableText, SyntaxError, ValueError) as exc:
        return f"the result does not parse ({exc})"
    if new.bom != before.bom or not newline_consistent(before.data, after, before.newline):
        return "newline style or byte-order mark would change"
    reparsed = locate.parse(relpath, new.body)
    again = locate.find(reparsed).clusters
    if len(again) != len(files[relpath][2].clusters):
        return "the number of clusters in the file would change"
    why = _bystander_changed(files[relpath][1], files[relpath][2].clusters, reparsed, again, {i.cluster.anchor.index for i in done})
    if why:
        return why
    for item in done:
        kind, call, _ = again[item.cluster.anchor.index]
        cluster = locate.cluster_of(reparsed, kind, call, item.cluster.anchor.index, item.cluster.address,
                                    fills_kubenet=item.cluster.anchor.fills_kubenet,
                                    api=item.cluster.api_version)
        site = cluster.anchor.site
        for change in (c for c in item.fix.changes if not is_floor_change(c)):
            entry = site.entries.get(kind.field(change.attribute))
            if entry is None or (entry[1].value.literal or "").lower() != change.value.lower():
                return f"{cluster.address}: {kind.field(change.attribute)} does not read back as {change.value!r}"
        if item.fix.phase and cluster.profile.migration_pending != (item.fix.phase == 1):
            return f"{cluster.address}: the akfix:phase-1 mark does not read back as {'added' if item.fix.phase == 1 else 'removed'}"
        cluster = replace(cluster, windows_pools=item.cluster.windows_pools, live=item.cluster.live)
        second = planner.plan(cluster, item.context)
        if not planner.settled(item.fix, second):
            return f"not idempotent: a second run would change {cluster.address} again"
    return None


def _bystander_changed(parsed, found, reparsed, again, fixed: set[int]) -> str | None:
    """A cluster of the file that this write does not fix must read the same network settings
    afterwards (as Terraform's and the PUT formats' verification checks): the edit of a name's
    assignment must not reach a call that reads it through an expression akfix cannot decide."""
    from fixer.formats.python import locate

    addresses = locate.addresses(parsed, found)
    for index, ((kind, call, _), (new_kind, new_call, _)) in enumerate(zip(found, again)):
        if index in fixed:
            continue
        before = locate.cluster_of(parsed, kind, call, index, addresses[index], fills_kubenet=False, api=None)
        after = locate.cluster_of(reparsed, new_kind, new_call, index, addresses[index], fills_kubenet=False, api=None)
        if readings(before.profile) != readings(after.profile):
            return BYSTANDER.format(address=addresses[index])
    return None


def _edit_lines(old: bytes, new: bytes, done: list[Planned]) -> dict:
    """(file, line) of each changed or inserted line of the old file, per cluster: lines inside a
    cluster's call belong to it; lines outside (imports, assignments) to every cluster edited."""
    changed = set()
    matcher = difflib.SequenceMatcher(None, old.splitlines(), new.splitlines(), autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag != "equal":
            changed.update(range(i1 + 1, max(i2, i1 + 1) + 1) if tag != "insert" else [i1])
    out = {}
    spans = {i.key: _span(i) for i in done}
    for item in done:
        low, high = spans[item.key]
        own = [n for n in changed if low <= n <= high]
        outside = [n for n in changed if not any(a <= n <= b for a, b in spans.values())]
        out[item.key] = tuple((item.cluster.file, n) for n in sorted(set(own + outside)))
    return out


def _span(item: Planned) -> tuple[int, int]:
    from libcst.metadata import PositionProvider

    anchor = item.cluster.anchor
    position = anchor.parsed.reader.metadata(PositionProvider, anchor.call)
    return (position.start.line, position.end.line) if position else (item.cluster.line, item.cluster.line)

