"""Views of one cluster: tfvars environments, module callers, ARM parameter files.

Each view is planned on its own, but they share the resource and whatever several of them read, so a
fix may write to a shared place only when every other view reading it plans the very same change.
"""

from __future__ import annotations

from dataclasses import replace

from fixer.plan import planner
from fixer.plan.changes import _FIELD_OF
from fixer.plan.greenfield import ASSUMPTION
from fixer.plan.policy_update import is_policy_update


def _reads(item) -> set:
    """The places (Spots) this view of a cluster takes its network settings from."""
    profile = item.cluster.profile
    values = _settings(profile)
    return {v.origin for v in values if v.origin} | {v.caller_origin for v in values if v.caller_origin}


def _settings(profile) -> tuple:
    """The network settings a view reads and a fix writes."""
    return (profile.policy, profile.plugin, profile.plugin_mode, profile.data_plane, profile.data_plane_alternate)


def readings(profile) -> tuple:
    """What a view's network settings say, line numbers aside (an edit may move them): a cluster a
    write does not fix must read the same afterwards (each adapter's verification checks it)."""
    return tuple((v.kind, v.text, v.domain, v.note) for v in _settings(profile))


BYSTANDER = ("the edit changes what {address} reads, a cluster this run does not fix "
             "(it reads the edited value on some input akfix cannot decide)")


def _cluster_key(item) -> tuple[str, str, str]:
    # the file too: two Bicep or ARM templates of one folder may name their clusters alike
    return (item.cluster.module_dir, item.cluster.address, item.cluster.file)


def guard_shared_edits(planned: list) -> list:
    """Views of one cluster (tfvars environments, callers of a module) share the resource block and
    whatever place several of them read; other clusters may read that place too (a variable or
    param default two resources read). A fix may write to a shared place only when every other
    view reading it -- of this cluster or another -- plans the very same change. A module default
    that a caller reaches by not passing the input is written as that caller's argument instead,
    where that avoids the clash."""
    by_cluster: dict[tuple[str, str, str], list[int]] = {}
    for position, item in enumerate(planned):
        by_cluster.setdefault(_cluster_key(item), []).append(position)
    state = list(planned)
    for positions in by_cluster.values():
        # each view is weighed against the others as already guarded (a view that took another
        # engine is what the next one must agree with), then all are settled together
        for position in positions:
            view = state[position]
            clashes = _clashes(view, state)
            if clashes:
                moved = at_caller(view)
                if moved is not None and not _clashes(moved, state, itself=view):
                    view = moved
                elif (other := _alternative(view, state, clashes)) is not None:
                    view = other
                else:
                    view = _conflict(view, clashes)
            state[position] = view
    # a view guarded early is checked again against what the views guarded after it now write: one
    # that took another choice, or one left to a person whose write it matched
    state = _settled(state)
    for positions in by_cluster.values():
        state = _common_engine(positions, state)
    return state


def _common_engine(positions: list[int], state: list) -> list:
    """Where views of one cluster were left to a person because they clash, the first engine of
    --engine that every one of them can write, the same change in every shared place: dev on
    kubenet and prod on Azure CNI both get calico through the one template or variable they share,
    where the greedy guard above gave each its own first choice and then neither."""
    views = [state[p] for p in positions]
    if len(views) < 2 or not any(v.fix is not None and v.fix.blocker == "shared-value" for v in views):
        return state
    context = views[0].context
    if not context.fallback_engines:
        return state  # one engine: the views were planned with it already
    for engine in (context.engine, *context.fallback_engines):
        trial = list(state)
        for position in positions:
            view = state[position]
            fix = planner.plan(view.cluster, replace(view.context, engine=engine, fallback_engines=(), one_engine=True))
            if fix is not None and (not fix.writable(False) or any(is_policy_update(c) for c in fix.changes)):
                break
            trial[position] = replace(view, fix=fix)
        else:
            if not any(_clashes(trial[p], trial) for p in positions):
                note = f"{engine} for every view of this cluster: one engine they can all take, written once where they share"
                for position in positions:
                    if trial[position].fix is not None and trial[position].fix.changes:
                        trial[position] = replace(trial[position], fix=replace(trial[position].fix, reasons=(note, *trial[position].fix.reasons)))
                return trial
    return state


def _conflict(view, clashes: list[str]):
    return replace(view, fix=planner.shared_conflict(view.fix, ", ".join(sorted(set(clashes))), put=view.cluster.format in ("bicep", "arm"),
                                                     instances=view.cluster.instance is not None,
                                                     clusters=any(c.startswith(_OTHER_CLUSTER) for c in clashes)))


def _alternative(view, views, clashes: list[str]):
    """The view planned with the next choice it was given, where the first one's change lands where
    other views read: a later engine of --engine, or as a live cluster where greenfield was asked.
    The preference means "the first engine that can be written", and a clash is a reason it cannot.
    An azapi update is never taken here: its requirements were checked before the guard."""
    context, chosen = view.context, view.fix
    engines = (context.engine, *context.fallback_engines)
    if len(engines) == 1 and not context.greenfield:
        return None
    for greenfield in ((True, False) if context.greenfield else (False,)):
        for engine in engines:
            fix = planner.plan(view.cluster, replace(context, engine=engine, fallback_engines=(), greenfield=greenfield, one_engine=True))
            if fix is None or fix == chosen or not fix.writable(False) or any(is_policy_update(c) for c in fix.changes):
                continue
            candidate = replace(view, fix=fix)
            if _clashes(candidate, views, itself=view):
                continue
            why = f"its change lands where other views read too ({', '.join(sorted(set(clashes)))})"
            how = f"{chosen.engine}{' (greenfield)' if context.greenfield and not _is_live(chosen) else ''}"
            note = f"{how} skipped: {why}"
            return replace(candidate, fix=replace(fix, reasons=(note, *fix.reasons), skipped=((chosen.engine or "", why),)))
    return None


def _is_live(fix) -> bool:
    return not any(r.startswith(_GREENFIELD_NOTE) for r in fix.reasons)


_GREENFIELD_NOTE = ASSUMPTION.split("(", 1)[0]  # how a greenfield fix begins its reasons


def _settled(views: list) -> list:
    """Once every view is guarded, each is checked again against what the others now write (a view
    may have taken another choice, or been left to a person), until none clashes; a clash at this
    point leaves the view to a person."""
    while True:
        clashing = next(((i, c) for i, v in enumerate(views) if (c := _clashes(v, views))), None)
        if clashing is None:
            return views
        index, clashes = clashing
        views = views[:index] + [_conflict(views[index], clashes)] + views[index + 1:]


_OTHER_CLUSTER = "cluster "  # how a clash with a view of another cluster is named


def _clashes(view, views, itself=None) -> list[str]:
    """The other views that read a place this view's fix writes and plan something else there:
    views of this cluster (which also share its resource block), and of other clusters that read
    the same value (a variable default, a param default, an object element)."""
    changes = view.fix.changes if view.fix and view.fix.writable(True) else ()
    own = _cluster_key(view)
    clashes = []
    for change in changes:
        for other in views:
            same = _cluster_key(other) == own
            # a policy update sits beside the resource block: every view of the cluster reads it
            shared = (same and (change.origin is None or is_policy_update(change))) or (
                change.origin is not None and not is_policy_update(change) and change.origin in _reads(other))
            if other is view or other is itself or not shared:
                continue
            if not (other.fix and change in other.fix.changes):
                environment = other.cluster.environment
                alone = "the template deployed with its own defaults" if other.cluster.format in ("bicep", "arm") else "runs without a -var-file"
                clashes.append((environment or alone) if same else
                               f"{_OTHER_CLUSTER}{other.cluster.address}" + (f" [{environment}]" if environment else ""))
    return clashes


def at_caller(view):
    """The view with every change to a module default its caller reaches moved to the caller's
    argument, and every setting the shared resource block lacks passed as a new module input
    (Change.exposes); None when some shared change has no caller to go to."""
    profile = view.cluster.profile
    by_origin = {v.origin: v.caller_origin for v in _settings(profile) if v.origin}
    caller = next((v.caller_origin for v in _settings(profile) if v.caller_origin), None)
    moved, summary, exposed = [], view.fix.summary, []
    for change in view.fix.changes:
        if change.origin is not None and by_origin.get(change.origin) is not None:
            target = by_origin[change.origin]
            summary = summary.replace(f'{change.attribute} = "{change.value}" (in {change.origin.file})',
                                      f'{change.attribute} = "{change.value}" (in {target.file})', 1)
            change = replace(change, origin=target)  # the variable's validation list is still extended
        elif change.origin is None:
            # The resource block itself, shared by every view: only a setting it does not state yet
            # can become an input of the module that this caller passes. Only the Terraform editor
            # declares that input and reads it in the block (terraform/inputs.py); a Bicep parameters
            # file or module call given a param the template does not declare fails to compile.
            if caller is None or view.fix.add_block or not _absent(profile, change.attribute) or view.cluster.format != "terraform":
                return None
            what = "a new variable, set" if caller.file.endswith(".tfvars") else "a new module input"
            summary = summary.replace(f'{change.attribute} = "{change.value}"',
                                      f'{change.attribute} = "{change.value}" ({what} in {caller.file})', 1)
            change = replace(change, origin=replace(caller, kind=f"argument:{change.attribute}"), exposes=True)
            exposed.append(change.attribute)
        moved.append(change)
    if moved == list(view.fix.changes):
        return None  # nothing to move (or moved already)
    notes = ["Written where this view's values come from (arguments of the module call in the caller's file, its own "
             "parameters file, or its -var-file): the other views read the module's defaults and plan otherwise, so the defaults "
             "stay as they are."]
    # the planner's note that the fix changes a default no longer holds: the default stays
    kept = tuple(r for r in view.fix.reasons if not r.startswith(_CHANGES_DEFAULT))
    if exposed:
        notes.append(f"The module gains the input{'s' if len(exposed) > 1 else ''} {', '.join(exposed)} (default null: "
                     "Terraform treats a null argument as not set, so callers that do not pass it plan no change) "
                     "and its network_profile block reads it.")
    return replace(view, fix=replace(view.fix, changes=tuple(moved), summary=summary, reasons=(*kept, *notes)))


_CHANGES_DEFAULT = "The fix changes the default of "  # planner.py's note on a variable's default


def _absent(profile, attribute: str) -> bool:
    """The resource block does not state this setting at all (not even as null)."""
    field = _FIELD_OF.get(attribute)
    if field is None:
        return False
    if field == "data_plane" and (profile.data_plane_attribute or not profile.data_plane_alternate.is_missing):
        return False
    value = getattr(profile, field)
    return value.is_missing and value.origin is None and value.text is None
