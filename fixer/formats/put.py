"""Templates deployed by a PUT (ARM JSON, Bicep) end to end: find clusters, one view per parameters
file, plan with the PUT rules, edit, verify. Each format supplies its parts as a PutFormat
(formats/arm/adapter.py, formats/bicep/adapter.py); this loop is theirs in common."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from fixer.discover import Listing, read_candidates, read_safely
from fixer.edit.edits import OverlappingEdits, apply_edits, origin_edits, validation_edits
from fixer.formats.bicep.modules import ThroughCaller
from fixer.formats.decide import is_member
from fixer.formats.deployment_parameters import parameter_folder_files
from fixer.formats.pool_targets import pool_targets
from fixer.formats.windows_evidence import with_evidence
from fixer.model import Cluster, Edit, FileChange, Problem, Value, ValueKind
from fixer.plan import planner
from fixer.plan.limits import minor_version
from fixer.plan.views import BYSTANDER, guard_shared_edits, readings
from fixer.textfile import TextFile, UnreadableText, line_indent, line_of, line_start, load_text
from fixer.versions import UNKNOWN


@dataclass(frozen=True)
class PutFormat:
    name: str
    suffixes: tuple[str, ...]
    markers: tuple[bytes, ...]
    is_parameters_file: Callable[[str], bool]
    parameter_files_for: Callable[[str, list[str]], list[str]]
    locate: Callable[[bytes, str, list[tuple[str, bytes]]], list[Cluster]]
    syntax_errors: tuple[type[Exception], ...]
    worth_reporting: Callable[[bytes], bool]  # a file that fails to parse: is it one of ours?
    in_block_edits: Callable[[bytes, object, list, bytes], list[Edit]]
    literal: Callable[[str, str], bytes]  # (value, file) -> the value written as a literal
    check_file: Callable[[TextFile, bytes, str], str | None]  # (before, after, relpath)
    parameters_apply: Callable[[bytes, str, str], bool] = lambda body, template, name: True  # does file `name` feed that template?
    # template -> parameters files elsewhere in the tree that name it (a .bicepparam's `using '../main.bicep'`)
    parameter_index: Callable[[Listing], dict[str, list[str]]] = lambda listing: {}
    # independent read-back: (before, after, [(anchor, {key: value})]) -> failure reason or None
    readback: Callable[[bytes, bytes, list], str | None] = lambda before, after, checks: None
    # template -> the files that call it as a local module (Bicep), each a view of its own like a parameters file
    callers: Callable[[Listing, set[str]], dict[str, list[str]]] = lambda listing, wanted: {}
    # (template, body) -> the local module files it calls (Bicep): part of its deployment
    called: Callable[[str, bytes], list[str]] = lambda relpath, body: []
    # Bytes whose files the reading pass remembers for `callers` (it then need not read them all again).
    remember: tuple[bytes, ...] = ()
    # the kubenet migration's phase-1 mark: (body, anchor, newline, remove) -> edits; None: the
    # format cannot carry it (plan/migration.py refuses phase 1 there)
    marker_edits: Callable[[bytes, str, bytes, bool], list[Edit]] | None = None
    # (relpath, bytes, the folder's listed files) -> a BuildOutput when the file is compiled from a source akfix reads
    # (ARM built by Bicep): listed, not planned, so the cluster is fixed once, at its source
    built_from: Callable[[str, bytes, tuple[str, ...]], object] | None = None
    # Params a fix passes where a module is called (Spot kind `argument:<name>`): (body, file, spot
    # start, {name: value}, newline) -> edits; and the anchor the read-back finds them under
    # ((body, file, spot start) -> e.g. "module aks", None: idempotence alone checks them).
    argument_edits: Callable[[bytes, str, int, dict[str, str], bytes], list[Edit]] | None = None
    argument_anchor: Callable[[bytes, str, int], str | None] = lambda body, file, at: None
    # The caller's text as one call's Windows evidence: (caller body, caller, template, view, the
    # template's views) -> bytes; other calls' clusters left out (Bicep: template.other_calls_blanked)
    caller_evidence: Callable[[bytes, str, str, Cluster, list[Cluster]], bytes] = lambda body, caller, template, view, views: body
    # Keys a fix adds to an object literal a setting reads without them (Spot kind `member:<key>`,
    # decide.member_or_slot): (body, file, the object's `{`, {key: value}, newline) -> edits
    member_edits: Callable[[bytes, str, int, dict[str, str], bytes], list[Edit]] | None = None

    @property
    def title(self) -> str:
        """The format's name for people (progress stages)."""
        return {"arm": "ARM", "bicep": "Bicep"}.get(self.name, self.name)


@dataclass(frozen=True)
class Planned:
    cluster: Cluster
    versions: object
    context: planner.PlanContext
    fix: object

    @property
    def key(self):
        return (self.cluster.file, self.cluster.address, self.cluster.environment)  # templates of one folder are apart


def _views(fmt: PutFormat, data: bytes, relpath: str, parameters: dict[str, bytes], names: bool = False) -> list[Cluster]:
    """One view per parameters file beside the template (or one view when there is none), and per
    element of a resource loop (Bicep `[for c in clusters: ...]`), named after both.
    `names`: a file that sets the cluster's name is a view of its own too (live facts match by name)."""
    return [replace(c, environment=element_label(c.environment, c.instance)) if c.instance is not None else c
            for c in _file_views(fmt, data, relpath, parameters, names)]


_ELEMENT = ", element "


def element_label(environment: str | None, index: str) -> str:
    """How a view of one element of a resource loop is named: where its values come from, and its index."""
    return f"{environment}{_ELEMENT}{index}" if environment else f"element {index}"


def _file_views(fmt: PutFormat, data: bytes, relpath: str, parameters: dict[str, bytes], names: bool = False) -> list[Cluster]:
    if not parameters:
        return fmt.locate(data, relpath, [])
    views = []  # (file, view): a file may give several views (a Bicep file calling a module twice names each)
    for name, body in sorted(parameters.items()):
        views.extend((name, replace(c, environment=c.environment or name)) for c in fmt.locate(data, relpath, [(name, body)]))
    # A parameters file that sets nothing the network profile reads adds no view of its own.
    def reads_file(name: str, cluster: Cluster) -> bool:
        """The view reads the file, or a fix may pass a param there (a default it would otherwise share, plan/views.py)."""
        p = cluster.profile
        network = (p.policy, p.plugin, p.plugin_mode, p.data_plane)
        return any(v.file == name for v in network + ((cluster.name,) if names else ())) or \
            any(v.caller_origin is not None and v.caller_origin.file == name for v in network)

    # a caller read with its own .bicepparam is a deployment of its own, whatever it sets
    kept = [reads_file(name, v) or isinstance(parameters[name], ThroughCaller) for name, v in views]
    if all(kept):
        return [v for _, v in views] + _template_defaults(fmt, data, relpath, parameters, [v for _, v in views])
    plain = {(c.address, c.instance): c for c in fmt.locate(data, relpath, [])}
    for at, (name, v) in enumerate(views):
        # an element of a resource loop is the file's own where the file gives the loop other
        # elements (one the template lacks, or one read otherwise: its settings need not come from the file);
        # so is a view whose pools the file sets (`param nodePools = [...]`, all Linux where the template
        # alone leaves them to the deployer)
        template = plain.get((v.address, v.instance))
        kept[at] = kept[at] or (v.instance is not None and (template is None or (template.profile, template.name) != (v.profile, v.name)))
        kept[at] = kept[at] or (template is not None and template.windows_pools != v.windows_pools)
    distinct = [v for (_, v), own in zip(views, kept) if own]
    standing_in: dict[tuple, list[Cluster]] = {}  # the template's view -> the files' views it stands for
    for (_, v), own in zip(views, kept):
        if not own and (v.address, v.instance) in plain:
            standing_in.setdefault((v.address, v.instance), []).append(v)
    distinct += [_with_oldest_version(plain[key], group) for key, group in standing_in.items() if plain[key] not in distinct]
    return distinct + _template_defaults(fmt, data, relpath, parameters, distinct)


def _template_defaults(fmt: PutFormat, data: bytes, relpath: str, parameters: dict, views: list[Cluster]) -> list[Cluster]:
    """The template deployed with its own defaults (`az deployment group create -f`, a Deploy to Azure
    button) is a deployment too, where those defaults settle the network settings and differ from
    what a parameters file sets: a write to the template must suit it as well (plan/views.py), or a
    fix planned for the file's kubenet -> azure would put cilium beside the template's kubenet
    default. ARM templates only: their parameters files sit beside templates that Deploy-to-Azure
    buttons and `-f` deploy alone, while a Bicep template with a .bicepparam (its `using`) or azd's
    main.parameters.json is deployed through that file. Not where a setting needs a value only a
    file gives."""
    if fmt.name != "arm" or any(not name.endswith(".json") for name in parameters):
        return []
    out = []
    for alone in fmt.locate(data, relpath, []):
        same = [v for v in views if (v.address, v.instance) == (alone.address, alone.instance)]
        profile = alone.profile
        # (a plugin undecided over the values its parameter offers is the template's own: put_names.offered_plugin)
        if not same or any(v.kind is ValueKind.EXPRESSION and not v.domain
                           for v in (profile.policy, profile.plugin, profile.plugin_mode, profile.data_plane)):
            continue
        if all(readings(v.profile) == readings(profile) for v in same):
            continue  # the files' views stand for it
        out.append(replace(alone, environment=_DEFAULTS))
    return out


_DEFAULTS = "template defaults"


def _with_oldest_version(template: Cluster, deployments: list[Cluster]) -> Cluster:
    """The template's view standing for parameters files that set nothing of the network profile:
    judged with the oldest Kubernetes version any of them deploys (AKS refuses NPM and Calico below
    1.30, so a file that sets 1.27 must hold the fix back even though it adds no view of its own);
    with none read, with one the files leave unread (a fix then states its assumption)."""
    values = [d.profile.kubernetes_version for d in deployments]
    read = sorted((minor_version(v.literal), at, v) for at, v in enumerate(values) if minor_version(v.literal) is not None)
    chosen = read[0][2] if read else next((v for v in values if v.kind is ValueKind.EXPRESSION), None)
    return replace(template, profile=replace(template.profile, kubernetes_version=chosen)) if chosen is not None else template


def _through_callers(fmt: PutFormat, listing: Listing, called_by: list[str], parameters: dict, texts: dict,
                     problems: list[Problem], elsewhere: dict[str, list[str]]) -> tuple[dict[str, str], list[str]]:
    """Callers whose own .bicepparam files feed them: each such file becomes a view of its own, read
    .bicepparam -> caller -> module (modules.ThroughCaller), in place of the caller alone, which no
    deployment runs. ({the .bicepparam file: its caller}, the callers kept back): a caller with a
    file akfix cannot read keeps its one view, undecided where its files may set the value
    (_undecided_through), so no deployment is left out."""
    from fixer.formats import jsonspan
    from fixer.formats.bicep.parameters import declared_params, read_parameter_file, validate
    from fixer.formats.bicep.syntax import BicepSyntaxError, tokenize

    found, kept_back = {}, []
    for caller in called_by:
        if caller not in parameters:
            continue  # no view goes through a caller akfix could not read
        own, fed, broken = {}, False, False
        declared = None
        for name in fmt.parameter_files_for(caller, [*listing.siblings(caller), *elsewhere.get(caller, ())]):
            body, problem = read_safely(listing.root, listing.root / name, name)
            if body and name.endswith(".json") and fmt.parameters_apply(body, caller, name):
                # a JSON file setting a parameter the caller does not declare feeds another template (Azure refuses it here)
                if declared is None:
                    try:
                        declared = declared_params(tokenize(texts[caller].body))
                    except BicepSyntaxError:
                        declared = frozenset()  # the caller's own run reports it; its views stay as they were
                if declared and read_parameter_file(name, body.removeprefix(b"\xef\xbb\xbf"), declared) is None:
                    continue
            if body and fmt.parameters_apply(body, caller, name):
                fed = True
                try:
                    own[name] = load_text(body)
                    validate(name, own[name].body)
                except (UnreadableText, BicepSyntaxError, jsonspan.JsonSpanError) as exc:
                    problem = Problem(name, getattr(exc, "line", 1), f"{exc}; left untouched")
            if problem is not None:
                broken = True
                if all(p.file != name for p in problems):
                    problems.append(problem)
        if fed and broken:
            kept_back.append(caller)
        elif own:
            texts.update(own)
            found.update((name, caller) for name in own)
    for name, caller in found.items():
        parameters[name] = ThroughCaller(caller, texts[caller].body, texts[name].body)
    for caller in set(found.values()):
        parameters.pop(caller, None)
    return found, kept_back


def _environment_file(cluster: Cluster) -> str:
    """The file a view is named after: its parameters file or caller, without what template.py adds
    (" (module x)" for one of several calls, " via caller.bicep" for a caller's own .bicepparam)."""
    return (cluster.environment or "").split(_ELEMENT)[0].split(" (module ")[0].split(" via ")[0]


def _undecided_through(cluster: Cluster, shadowed: list[str]) -> Cluster:
    """A view through a caller whose own parameters files may override what it passes: values read
    in that caller are left unresolved rather than decided from its defaults (never a wrong answer)."""
    caller = next((c for c in shadowed if _environment_file(cluster) == c), None)
    if caller is None:
        return cluster
    note = f"{caller} passes it, and its own parameters files may set it per environment; akfix does not follow both"
    profile = cluster.profile
    fields = {f: getattr(profile, f) for f in ("policy", "plugin", "plugin_mode", "data_plane")}
    # A param the caller does not pass (a fix would pass it: `argument:`) is not one its parameters files reach.
    undecided = {f: Value(ValueKind.EXPRESSION, f"{v.via or v.text} (from {caller})", v.line, file=v.file, note=note)
                 for f, v in fields.items() if v.file == caller and not is_argument(v.origin)}
    return replace(cluster, profile=replace(profile, **undecided)) if undecided else cluster


def _deployment_files(relpath: str, body: bytes, parameters: dict[str, bytes], cluster: Cluster) -> dict[str, bytes]:
    """The template and what feeds this view: its caller or parameters file, or all of them for the
    view that stands for every file setting nothing of the network profile."""
    own = _environment_file(cluster)
    fed = {own: parameters[own]} if own in parameters else dict(parameters)
    files = {relpath: body}
    for name, value in fed.items():
        if isinstance(value, ThroughCaller):  # the .bicepparam and the caller it feeds
            files[value.caller] = value.caller_body
            value = value.body
        files[name] = value
    return files


MAX_CALLED = 32


def _called_files(fmt: PutFormat, listing: Listing, files: dict[str, bytes], seen: dict) -> dict[str, bytes]:
    """The local modules the deployment's templates call, down the chain: a Windows agent pool
    declared in one (an `agentPools` child of an `existing` cluster) is no locator's to tie to the
    cluster, so its text is evidence (windows_evidence `foreign` files). `seen`: the run's memo
    (a file's calls, a module's bytes), so the views of one template read each module once."""
    found: dict[str, bytes] = {}
    pending = [(name, body) for name, body in files.items() if name.endswith(".bicep")]
    while pending and len(found) < MAX_CALLED:
        name, body = pending.pop()
        if ("calls", name) not in seen:
            seen[("calls", name)] = fmt.called(name, body)
        for target in seen[("calls", name)]:
            if target in files or target in found:
                continue
            if ("body", target) not in seen:  # its own run reports a problem reading it
                seen[("body", target)] = read_safely(listing.root, listing.root / target, target)[0]
            data = seen[("body", target)]
            if data:
                found[target] = data
                if target.endswith(".bicep"):  # a loaded JSON/YAML file calls nothing
                    pending.append((target, data))
    return found


def _same_cluster_elsewhere(planned: list[Planned]) -> list[Planned]:
    """Templates that declare a cluster of the same name (and resource group, where both state one)
    deploy one Azure resource: the Windows pools one of them declares are the others' too, which are
    planned again with them (a cluster two example folders both create, one adding a Windows pool)."""
    def group_of(cluster: Cluster) -> str | None:
        return (cluster.resource_group.literal or "").lower() or None

    windows: dict[str, list[Cluster]] = {}
    for item in planned:
        name = _literal_name(item.cluster)
        if name is not None and item.cluster.windows_pools:
            windows.setdefault(name, []).append(item.cluster)
    out = []
    for item in planned:
        name, group = _literal_name(item.cluster), group_of(item.cluster)
        others = [] if name is None or item.cluster.windows_pools else [
            c for c in windows.get(name, []) if c.file != item.cluster.file and (None in (group, group_of(c)) or group == group_of(c))]
        if others:
            pools = tuple(f"{pool} (the same cluster, {name}, declared in {c.file})" for c in others for pool in c.windows_pools)
            cluster = replace(item.cluster, windows_pools=pools)
            item = replace(item, cluster=cluster, fix=planner.plan(cluster, item.context))
        out.append(item)
    return out


def _literal_name(cluster: Cluster) -> str | None:
    """The cluster's Azure name where the code states it (lowercase: Azure names ignore case)."""
    return (cluster.name.literal or "").lower() or None


def _pool_files(lookups: dict[str, tuple[bytes, frozenset]], cluster: Cluster, deployment: dict[str, bytes]) -> dict[str, bytes]:
    """The pool-only templates of the tree (pool_targets.py) outside the deployment that may add
    pools to this cluster: they name it, or a name akfix cannot read, or its own name is unread."""
    name = _literal_name(cluster)
    return {relpath: data for relpath, (data, targets) in lookups.items()
            if relpath not in deployment and (name is None or None in targets or name in targets)}


def run(fmt: PutFormat, listing: Listing, settings, verify: bool, allow_replacement: bool, progress=None, held=lambda cluster: False):
    """(planned, changes, problems, failed keys, edit lines, build outputs) for every template of one
    format. `held(cluster)`: a suppressed cluster, whose fix is not edited."""
    scan = read_candidates(listing, fmt.suffixes, fmt.markers, remember=fmt.remember, progress=progress, stage=f"{fmt.title}: reading")
    problems: list[Problem] = list(scan.problems)
    texts, planned, built = {}, [], []
    seen: dict = {}  # _called_files' memo
    # pool-only templates (agent pools added to a cluster by name): evidence for the clusters they may name
    lookups = {c.relpath: (c.data, targets) for c in scan.candidates if (targets := pool_targets(c.relpath, c.data)) is not None}
    chains: dict[str, dict[str, str]] = {}  # template -> {a caller's own .bicepparam: that caller}
    callers = fmt.callers(listing, {c.relpath for c in scan.candidates})
    elsewhere = fmt.parameter_index(listing) if scan.candidates else {}
    for index, candidate in enumerate(scan.candidates):
        if progress is not None:
            progress(f"{fmt.title}: parsing", index + 1, len(scan.candidates))
        if fmt.is_parameters_file(candidate.relpath):
            continue
        try:
            text = load_text(candidate.data)
            parameters = {}
            called_by = callers.get(candidate.relpath, [])
            own = list(dict.fromkeys([*listing.siblings(candidate.relpath), *parameter_folder_files(listing, candidate.relpath),
                                      *elsewhere.get(candidate.relpath, ())]))
            for name in fmt.parameter_files_for(candidate.relpath, own) + called_by:
                body, problem = read_safely(listing.root, listing.root / name, name)
                if problem and name not in called_by:  # a caller's own problems are reported by its own run
                    problems.append(problem)
                if body and (name in called_by or fmt.parameters_apply(body, candidate.relpath, name)):
                    texts[name] = load_text(body)
                    parameters[name] = texts[name].body
            # a Bicep caller's own .bicepparam files feed it (an ARM caller's parameters files are not followed:
            # what it passes from them stays undecided, arm/linked.py)
            through, shadowed = (_through_callers(fmt, listing, called_by, parameters, texts, problems, elsewhere)
                                 if called_by and fmt.name == "bicep" else ({}, []))
            if through:
                chains[candidate.relpath] = through
            clusters = _views(fmt, text.body, candidate.relpath, parameters, names=getattr(settings, "facts", None) is not None)
            clusters = [_undecided_through(cluster, shadowed) for cluster in clusters]
        except (UnreadableText, *fmt.syntax_errors) as exc:
            if fmt.worth_reporting(candidate.data):
                problems.append(Problem(candidate.relpath, getattr(exc, "line", 1), f"{exc}; left untouched"))
            continue
        output = fmt.built_from(candidate.relpath, candidate.data, listing.siblings(candidate.relpath)) if fmt.built_from else None
        if output is not None:
            built += [output] if clusters else []  # listed only where it builds a cluster
            continue
        if clusters:
            texts[candidate.relpath] = text
        for cluster in clusters:
            deployment = _deployment_files(candidate.relpath, text.body, parameters, cluster)
            deployment.update({name: fmt.caller_evidence(body, name, candidate.relpath, cluster, clusters)
                               for name, body in deployment.items() if name in called_by})
            called = _called_files(fmt, listing, deployment, seen)
            standalone = _pool_files(lookups, cluster, {**deployment, **called})
            called.update(standalone)
            cluster = with_evidence(cluster, {**deployment, **called}, foreign=frozenset(called), standalone=frozenset(standalone))
            if getattr(settings, "facts", None) is not None:
                cluster = settings.facts.attach(cluster)
            context = planner.PlanContext(engine=settings.engine, fallback_engines=settings.fallback_engines, versions=UNKNOWN,
                                          greenfield=settings.is_greenfield(listing.root, cluster.file), assume_network=settings.assume_network,
                                          migrate_kubenet=settings.migrate_kubenet,
                                          switch_engines=settings.switch_engines)
            planned.append(Planned(cluster, UNKNOWN, context, planner.plan(cluster, context)))
    planned = guard_shared_edits(_same_cluster_elsewhere(planned))
    writable = [p for p in planned if p.fix is not None and p.fix.writable(allow_replacement) and not held(p.cluster)]
    changes, failed, lines = _edit(fmt, texts, writable, listing, verify, problems, names=getattr(settings, "facts", None) is not None,
                                   callers=callers, chains=chains, others=planned)
    return planned, changes, problems, failed, lines, tuple(built)


def _edit(fmt: PutFormat, texts, writable: list[Planned], listing: Listing, verify: bool, problems: list[Problem], names: bool = False,
          callers: dict | None = None, chains: dict | None = None, others: list[Planned] = ()):
    per_file: dict[str, dict[tuple[int, int], bytes]] = {}
    lines: dict = {}
    failed: set = set()
    for item in writable:
        mine: dict[tuple[str, int, int], bytes] = {}  # one fix's edits, kept only if all of them can be made
        try:
            for relpath, edit in _edits_of(fmt, texts, item):
                spot = (relpath, edit.start, edit.end)
                if per_file.get(relpath, {}).get(spot[1:], edit.text) != edit.text or mine.get(spot, edit.text) != edit.text:
                    raise ValueError(f"two fixes want different values at the same place ({relpath})")
                mine[spot] = edit.text
        except ValueError as exc:
            problems.append(Problem(item.cluster.file, item.cluster.line, f"not edited: {exc}"))
            failed.add(item.key)
            continue
        for (relpath, start, end), text in mine.items():
            per_file.setdefault(relpath, {})[(start, end)] = text
        lines[item.key] = tuple(sorted({(relpath, line_of(texts[relpath].body, start)) for relpath, start, _ in mine}))
    results = {}
    for relpath, spans in sorted(per_file.items()):
        text = texts[relpath]
        try:
            results[relpath] = apply_edits(text.data, [Edit(s, e, t) for (s, e), t in spans.items()], offset=len(text.bom))
        except OverlappingEdits as exc:  # as the Terraform adapter does: a Problem, never a traceback
            problems.append(Problem(relpath, line_of(text.body, min(s for s, _ in spans)), f"not edited: {exc}"))
            failed.update(key for key, found in lines.items() if relpath in {f for f, _ in found})
    bad = {}
    if verify:
        # Only the fixes that were edited are checked: one cluster akfix cannot edit must not make
        # the fix of another cluster in the same file fail "not idempotent" (found by fuzzing).
        edited = [item for item in writable if item.key not in failed]
        bad = {r: why for r, after in results.items() if (why := fmt.check_file(texts[r], after, r) or _readback(fmt, texts[r], after, r, edited))}
        for relpath, why in _second_run(fmt, texts, results, edited, bad, names, callers or {}, chains or {}, others).items():
            bad.setdefault(relpath, why)  # the first check that failed says why (not "not idempotent")
    # a fix is written whole or not at all: every file of a fix that has a bad file is held too
    # (with the other fixes that share one of those files, whose edits the file's text carries)
    held_files = dict(bad)
    while True:
        failing = [i for i in writable if {f for f, _ in lines.get(i.key, ())} & held_files.keys()]
        more = {f: f"not written: it belongs to a fix whose edit of {', '.join(sorted(held_files))} failed verification"
                for i in failing for f, _ in lines.get(i.key, ()) if f not in held_files}
        if not more:
            break
        held_files.update(more)
    changes = []
    for relpath, after in results.items():
        if relpath in held_files:
            problems.append(Problem(relpath, 1, f"not written, verification failed: {bad[relpath]}" if relpath in bad else held_files[relpath]))
            failed.update(i.key for i in writable if relpath in {f for f, _ in lines.get(i.key, ())})
        elif after != texts[relpath].data:
            changes.append(FileChange(listing.root / relpath, relpath, texts[relpath].data, after, fmt.name))
    return changes, failed, lines


def _list_item(fmt: PutFormat, body: bytes, at: int, value: str, newline: bytes, file: str) -> bytes:
    """A new last item of an allowed-values list: on a line of its own when the items are one per
    line, else after a comma (JSON) or a space (Bicep arrays on one line)."""
    line = body[line_start(body, at):at]
    indent = line_indent(body, at)
    literal = fmt.literal(value, file)
    own_line = line.strip()[:1] in (b'"', b"'") and line.strip().count(line.strip()[:1]) == 2
    if own_line:  # JSON separates items with commas; multi-line Bicep arrays with newlines only
        return (b"," if fmt.name == "arm" else b"") + newline + indent + literal
    return b", " + literal


def _readback(fmt: PutFormat, before: TextFile, after: bytes, relpath: str, writable: list[Planned]) -> str | None:
    if fmt.is_parameters_file(relpath):
        return None  # a .bicepparam file is not Bicep to tree-sitter-bicep: check_file and the second run read it back
    checks = [
        (item.cluster.anchor, {c.attribute: c.value for c in item.fix.changes if c.origin is None})
        for item in writable
        if item.cluster.file == relpath
    ]
    for item in writable:  # params passed where the module is called
        for (file, at), values in _arguments(item.fix.changes).items():
            anchor = fmt.argument_anchor(before.body, file, at) if file == relpath else None
            if anchor is not None:
                checks.append((anchor, values))
    return fmt.readback(before.body, load_text(after).body, [c for c in checks if c[1]])


def is_argument(spot) -> bool:
    """A place where a fix passes a param the module call (or parameters file) does not pass yet."""
    return spot is not None and spot.kind.startswith("argument:")


def _arguments(changes) -> dict[tuple[str, int], dict[str, str]]:
    """(file, spot start) -> {param: value} of the changes passed where the module is called."""
    return _grouped(changes, is_argument)


def _grouped(changes, kind: Callable[[object], bool]) -> dict[tuple[str, int], dict[str, str]]:
    """(file, spot start) -> {name: value} of the changes whose spot is of `kind` and names a key
    (`argument:<name>`, `member:<key>`): one edit per params object or object literal."""
    found: dict[tuple[str, int], dict[str, str]] = {}
    for change in changes:
        if kind(change.origin):
            found.setdefault((change.origin.file, change.origin.start), {})[change.origin.kind.split(":", 1)[1]] = change.value
    return found


def _second_run(fmt: PutFormat, texts, results: dict[str, bytes], writable: list[Planned], bad: dict, names: bool = False,
                callers: dict | None = None, chains: dict | None = None, others: list[Planned] = ()) -> dict[str, str]:
    """Idempotence over all edited files at once: re-read every fixed cluster, plan nothing more;
    and every other view of an edited template (`others`: all planned) reads what it read before."""
    bodies = {n: (load_text(results[n]).body if n in results and n not in bad else t.body) for n, t in texts.items()}
    failures = {}
    read_again: dict[str, list[Cluster]] = {}  # template -> its views over the edited text
    for item in writable:
        relpath = item.cluster.file
        own_files = [n for n in fmt.parameter_files_for(relpath, list(bodies)) if fmt.parameters_apply(bodies[n], relpath, n)]
        parameters = {n: bodies[n] for n in own_files + (callers or {}).get(relpath, []) if n in bodies}
        for own, caller in (chains or {}).get(relpath, {}).items():  # as run() read them
            parameters.pop(caller, None)
            parameters[own] = ThroughCaller(caller, bodies[caller], bodies[own])
        views = read_again.setdefault(relpath, _views(fmt, bodies[relpath], relpath, parameters, names))
        again = [c for c in views if (c.address, c.environment) == (item.cluster.address, item.cluster.environment)]
        if not again and item.cluster.environment == _DEFAULTS:
            continue  # the defaults now read as the files' views do (_template_defaults): those are checked
        second = planner.plan(replace(again[0], live=item.cluster.live), item.context) if again else None
        if not again or not planner.settled(item.fix, second):
            failures[relpath] = f"not idempotent: a second run would change {item.cluster.address} again"
    # a view of an edited template that no fix here writes must read what it read before
    written = {item.key for item in writable}
    for item in others:
        if item.key in written or item.cluster.file not in read_again:
            continue
        after = next((c for c in read_again[item.cluster.file]
                      if (c.address, c.environment) == (item.cluster.address, item.cluster.environment)), None)
        if after is not None and readings(after.profile) != readings(item.cluster.profile):
            failures.setdefault(item.cluster.file, BYSTANDER.format(address=item.cluster.address))
    return failures


def _edits_of(fmt: PutFormat, texts, item: Planned) -> list[tuple[str, Edit]]:
    text = texts[item.cluster.file]
    in_template = [c for c in item.fix.changes if c.origin is None]
    out = [(item.cluster.file, e) for e in fmt.in_block_edits(text.body, item.cluster.anchor, in_template, text.newline)] if in_template else []
    if item.fix.phase:  # phase 1 writes the mark, phase 2 removes it (plan/migration.py)
        if fmt.marker_edits is None:
            raise ValueError(f"{fmt.title} cannot carry the kubenet migration's phase-1 mark")
        out += [(item.cluster.file, e) for e in fmt.marker_edits(text.body, item.cluster.anchor, text.newline, item.fix.phase == 2)]
    def list_item(validation, value: str) -> bytes:
        text = texts[validation.file]
        return _list_item(fmt, text.body, validation.insert_at, value, text.newline, validation.file)

    arguments = _arguments(item.fix.changes)
    if arguments and fmt.argument_edits is None:
        raise ValueError(f"{fmt.title} cannot pass a param where a module is called")
    for (file, at), values in arguments.items():  # one edit per params object (or parameters file)
        out += [(file, e) for e in fmt.argument_edits(texts[file].body, file, at, values, texts[file].newline)]
    members = _grouped(item.fix.changes, is_member)
    if members and fmt.member_edits is None:
        raise ValueError(f"{fmt.title} cannot add a key to an object literal")
    for (file, at), values in members.items():  # one edit per object
        out += [(file, e) for e in fmt.member_edits(texts[file].body, file, at, values, texts[file].newline)]
    moved = [c for c in item.fix.changes if is_argument(c.origin) or is_member(c.origin)]
    out += [edit for change in moved for edit in validation_edits(change, list_item)]  # the module's @allowed still checks it
    return out + origin_edits([c for c in item.fix.changes if c not in moved], fmt.literal, list_item)
