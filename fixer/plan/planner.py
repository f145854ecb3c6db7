"""The planner: a pure function from a cluster (and what is known around it) to a Fix.

It encodes the compatibility rules and the transition table of aks-network-facts.md:
- status_of() says what the code declares (compliant / missing / none / unresolved);
- plan() decides what to change and how risky the change is for the live cluster.

Nothing here reads files or prints; every input is a value, every output is a value.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from fixer.model import ENGINES, MISSING, Change, Cluster, Fix, Risk, Status, Value, ValueKind, riskiest
from fixer.plan.changes import _FIELD_OF, change_for, manual_fix, plugin_expression_fix, summary_of
from fixer.plan.floors import floor_of, floor_refused, floored
from fixer.plan.greenfield import IF_DEPLOYED, plan_greenfield
from fixer.plan.limits import byo_limit, engine_module_limit, kubernetes_assumption, kubernetes_limit, module_limit, windows_limit
from fixer.plan.migration import migration_pending, phase_two, plan_phase_one
from fixer.plan.policy_update import plan_policy_update
from fixer.plan.preference import choose_engine
from fixer.plan.put import plan_put
from fixer.plan.rules import azurerm as rules
from fixer.plan.rules.modules import takes_greenfield_profile
from fixer.versions import NEWEST, UNKNOWN, Version, VersionRange, format_version

ASSUMABLE_NETWORKS = ("azure", "azure-overlay", "kubenet")

# Outbound types with a load-balancer profile; others may lose a policy-only update (rule 13).
_LB_OUTBOUND = ("", "loadBalancer")


@dataclass(frozen=True)
class PlanContext:
    engine: str = "cilium"
    fallback_engines: tuple[str, ...] = ()  # --engine cilium,calico: tried in order where `engine` cannot be written
    # Plan exactly `engine`: the caller chooses among engines itself (the Python adapter, which checks
    # each engine's fix against its package; the views' trials), so no calico is planned for the hints.
    one_engine: bool = False
    versions: VersionRange = UNKNOWN
    assume_network: str | None = None  # what the user says the live cluster runs, when code cannot
    switch_engines: bool = False  # also move clusters that run another engine to `engine`
    # How to make the azurerm version exact where the cluster is declared (a Python program pins
    # its bridge package instead of committing a Terraform lock file).
    pin_advice: str = "commit .terraform.lock.hcl or pass --azurerm-version"
    # Provider floors (Terraform): "raise" when the module states an azurerm constraint whose lower
    # bound the adapter can raise, "add" when it would add one (then only where the range already
    # lies in one major: an added floor pins the major the code is written for); None: no floors.
    floors: str | None = None
    # The lowest upper bound of the azurerm constraints of the module and of the roots that call it:
    # a floor at or above it would leave one of them no version (the range planned may span further
    # where a caller states nothing).
    ceiling: Version = NEWEST
    # The cluster is not deployed (--greenfield, or a `greenfield` glob): no live fact applies and the
    # complete recommended profile is written (greenfield.py).
    greenfield: bool = False
    # --migrate-kubenet: a kubenet cluster whose engine needs Azure CNI gets phase 1 (the move to
    # Azure CNI Overlay) alone; the engine follows in a later run (migration.py).
    migrate_kubenet: bool = False
    # Calico through azapi_update_resource where azurerm cannot write it in place (policy_update.py); --no-azapi.
    azapi_updates: bool = True


def status_of(cluster: Cluster) -> Status:
    """What the code says. `none` and "" are not compliant, unlike Checkov and Trivy."""
    profile = cluster.profile
    if profile.block_dynamic and not profile.dynamic_none:
        return Status.UNRESOLVED
    policy = MISSING if profile.dynamic_none else profile.policy  # no block rendered: no engine
    if policy.kind is ValueKind.EXPRESSION:
        return Status.UNRESOLVED
    if policy.kind is ValueKind.MISSING:
        live = cluster.live.policy if cluster.live else None
        return Status.COMPLIANT if live in ENGINES else Status.MISSING
    return Status.COMPLIANT if (policy.text or "").lower() in ENGINES else Status.NONE


def effective_policy(cluster: Cluster) -> str | None:
    """The engine the cluster runs as far as akfix can tell; None when there is none or it is unknown."""
    literal = cluster.profile.policy.literal
    if literal is not None:
        return literal.lower() if literal.lower() in ENGINES else None
    if cluster.live and cluster.live.policy in ENGINES:
        return cluster.live.policy
    return None


@dataclass(frozen=True)
class _Live:
    """The live cluster's network settings as far as code, plan JSON and the user tell."""

    policy: str | None  # "" = no engine; None = unknown
    plugin: str | None
    overlay: bool
    data_plane: str  # "azure" unless known to be cilium
    pinned_only: bool  # the live engine is real and the code just does not state it
    # What a plan or state says, where the code states no network_profile block: an added block
    # repeats any value other than the provider's default (load_balancer_sku is ForceNew).
    load_balancer_sku: str | None = None
    outbound_type: str | None = None


def plan(cluster: Cluster, context: PlanContext) -> Fix | None:
    """The fix for one cluster, or None when there is nothing to do; with fallback engines, the fix
    of the first engine that can be written (plan/preference.py). A greenfield cluster whose
    recommended profile cannot be written under any engine is planned as a live one."""
    fix = _lowercase_overlay(cluster, _plan_engines(cluster, context), context)
    if fix is not None and cluster.api_version is None and context.versions.known and context.versions.contradictory:
        return _NO_VERSION  # something to change, but no azurerm version whose rules could be applied
    if not context.greenfield or not _greenfield_planned(cluster) or fix is None or fix.writable(False):
        return fix
    # The live planner assumes the cluster may be deployed, so whatever it writes is safe either way;
    # it reaches what the profile cannot, e.g. calico through azapi_update_resource on azurerm 2.x code.
    as_live = _plan_engines(cluster, replace(context, greenfield=False))
    if as_live is None or not as_live.writable(False):
        return fix
    return replace(as_live, reasons=(_GREENFIELD_AS_LIVE.format(why=fix.summary), *as_live.reasons), otherwise=fix)


LOWERCASE_OVERLAY = (3, 62, 0)  # azurerm accepts only `overlay` from here, only `Overlay` before (facts 1.1, rule 14)


def _lowercase_overlay(cluster: Cluster, fix: Fix | None, context: PlanContext) -> Fix | None:
    """A floor that lifts code written for azurerm 3.35-3.61 (`network_plugin_mode = "Overlay"`) to
    3.62 or later also writes the mode as those versions spell it: left as it is, the plan the
    floor asks for fails validation. In place: from 3.72 the mode forces a new cluster only when the
    new value is not overlay, and the API has reported it lowercase since."""
    if fix is None or not fix.floor or fix.floor < LOWERCASE_OVERLAY or context.versions.low >= LOWERCASE_OVERLAY:
        return fix
    if cluster.profile.plugin_mode.literal != "Overlay" or any(c.attribute == "network_plugin_mode" for c in fix.changes):
        return fix
    if cluster.api_version is not None or not cluster.address.startswith("azurerm_kubernetes_cluster."):
        return fix  # a module's inputs are its own to spell; a PUT has its own rule (plan/put.py)
    note = (f'network_plugin_mode "Overlay" is written "overlay": azurerm {format_version(LOWERCASE_OVERLAY)} and later, '
            "which the floor requires, accept only the lowercase value.")
    return replace(fix, changes=(*fix.changes, change_for(cluster, "network_plugin_mode", "overlay")), reasons=(*fix.reasons, note))


# Two constraints no version meets (a legacy provider-block `version` beside required_providers, or
# a module's and its caller's): `terraform init` fails, so no version's rules apply and none is assumed.
_NO_VERSION = manual_fix(
    "the azurerm constraints admit no version",
    "`terraform init` fails with these constraints: make them agree (drop the legacy `version` of the provider "
    "block, or align required_providers across the module and its callers), then re-run akfix.",
    blocker="version-conflict",
)

_GREENFIELD_AS_LIVE = (
    "Greenfield: the recommended profile cannot be written here ({why}), so this cluster is planned as if it "
    "were deployed: that fix is safe whether or not it is."
)


def _plan_engines(cluster: Cluster, context: PlanContext) -> Fix | None:
    if context.one_engine:
        return _plan_engine(cluster, context)
    engines = (context.engine, *context.fallback_engines)
    return choose_engine(engines, lambda engine: _plan_engine(cluster, replace(context, engine=engine, fallback_engines=())))


def _plan_engine(cluster: Cluster, context: PlanContext) -> Fix | None:
    fix = _plan(cluster, context)
    assumed = kubernetes_assumption(cluster, fix.engine) if fix is not None and fix.changes and fix.engine else None
    if assumed:
        fix = replace(fix, reasons=(*fix.reasons, assumed))
    computed = _computed_without_origin(cluster, fix)
    if computed is not None:
        return computed
    refused = module_limit(cluster, list(fix.changes)) if fix is not None and fix.changes else None
    if refused is not None:
        return refused
    # A change with an origin rewrites the literal it comes from (a variable's default, a tfvars
    # value, a local's entry), whatever form the module input has; one without needs the input edited.
    in_input = fix is not None and any(c.origin is None for c in fix.changes)
    if fix is not None and fix.changes and not cluster.editable and (cluster.not_editable_why or in_input):
        wanted = ", ".join(f'{c.attribute} = "{c.value}"' for c in fix.changes)
        return manual_fix(
            f"set {wanted} in the {'call' if cluster.not_editable_why else 'network_profile argument'} of {cluster.module}"
            if cluster.module else f"set {wanted} (akfix cannot write it here)",
            cluster.not_editable_why or "akfix does not edit this module's object input yet. The module builds the cluster with "
            "azapi from v0.4.0: AKS applies the change as a PUT, in place, reimaging every node pool.",
            blocker=cluster.not_editable_blocker or ("module-input" if cluster.module else "layout"),
        )
    return fix


def _greenfield_planned(cluster: Cluster) -> bool:
    """Greenfield writes the whole profile: in the resource, or through a module call whose release
    has an input for each part (rules/modules.py); other module calls are planned as live."""
    return cluster.module is None or takes_greenfield_profile(cluster.module)


def _computed_without_origin(cluster: Cluster, fix: Fix | None) -> Fix | None:
    """A change aimed at a setting whose value an expression computes (decided by evaluating it,
    formats/decide.py) but which has no literal to rewrite: writing in the block would cut the
    expression off from its inputs, so a person sets the input instead."""
    if fix is None:
        return None
    profile = cluster.profile
    for change in fix.changes:
        if change.origin is not None:
            continue
        field = _FIELD_OF.get(change.attribute)
        value = getattr(profile, field) if field else None
        if value is not None and value.evaluation and value.kind is not ValueKind.EXPRESSION:
            evaluations = "\n".join(dict.fromkeys((profile.policy.evaluation, value.evaluation)))  # the policy's inputs first
            inputs = list(dict.fromkeys(line.removeprefix("would change it: ") for line in evaluations.splitlines()
                                        if line.startswith("would change it: ")))
            return manual_fix(
                f"set {change.attribute} = \"{change.value}\" through the inputs of the expression that computes it ({value.via})",
                "The expression is decided by evaluating it, but no literal in the code passes through it unchanged: "
                "writing a literal in its place would cut it off from its inputs. Set the input it reads (a param or "
                "variable; `akfix explain` lists them) so that it gives the engine"
                + (f": {'; '.join(inputs)}." if inputs else "."),
                blocker="expression",
            )
    return None


# What akfix follows, per format, before it calls a value "an expression it cannot resolve".
_EXPRESSION_HINTS = {
    "terraform": ("akfix follows variables, tfvars files, locals, module callers, for_each instances, dynamic blocks, "
                  "try/coalesce/lookup and decidable ternaries{why}. Set a literal where the value comes from, or pass --plan "
                  "with `terraform show -json` output."),
    "bicep": ("akfix follows params (defaults, .bicepparam and JSON parameters files, module callers), vars and functions, and "
              "decides conditions over every allowed input{why}. Set a literal where the value comes from."),
    "arm": ("akfix follows parameters (defaults, parameters files, nested deployments), variables and template functions, and "
            "decides conditions over every allowed input{why}. Set a literal where the value comes from."),
}
_EXPRESSION_HINTS["pulumi"] = _EXPRESSION_HINTS["cdktf"] = (
    "akfix follows strings, enum members and names assigned once in the same scope{why}; function parameters and "
    "**kwargs are left to a person. Set a literal where the value comes from.")


def _plan(cluster: Cluster, context: PlanContext) -> Fix | None:
    engine = context.engine
    profile = cluster.profile
    if profile.dynamic_none:
        return manual_fix(
            f"network_profile is a dynamic block ({profile.dynamic_why})",
            "This run gives the block nothing to render, so the cluster has no network profile; akfix does not add a "
            "block beside a dynamic one. Give this run a network profile with network_policy set in the value the "
            "block iterates over.",
            blocker="no-block-in-run",
        )
    if profile.block_dynamic:
        why = f" ({profile.dynamic_why})" if profile.dynamic_why else ""
        return manual_fix(
            f"network_profile is a dynamic block{why}",
            "akfix reads a dynamic block as the network profile only where it renders exactly one block in every run "
            "(`[var.x]`, `var.x != null ? [var.x] : []` with var.x set); set network_policy in the value it iterates over.",
            blocker="expression",
        )
    live = _live_state(cluster, context)
    if profile.policy.kind is ValueKind.EXPRESSION or profile.data_plane.kind is ValueKind.EXPRESSION:
        # Overwriting an expression with a literal would cut the value off from where it lives.
        value = profile.policy if profile.policy.kind is ValueKind.EXPRESSION else profile.data_plane
        known = f" (live: {cluster.live.policy or 'none'})" if cluster.live else ""
        why = f": {value.note}" if value.note else ""
        return manual_fix(
            f"set by an expression akfix cannot resolve: {value.text}{known}",
            _EXPRESSION_HINTS.get(cluster.format, _EXPRESSION_HINTS["terraform"]).format(why=why),
            blocker="expression",
        )
    if context.greenfield and _greenfield_planned(cluster):
        return plan_greenfield(cluster, engine, context)
    target = live.policy if live.pinned_only else engine
    if live.policy == target and not live.pinned_only:
        return None  # already runs the requested engine
    if live.policy and not live.pinned_only and not context.switch_engines:
        return None  # compliant with another engine: moving it is opt-in
    if cluster.api_version is None and context.versions.known and context.versions.before_oldest:
        # azurerm 1.x (`~> 1.5`): older than every rule akfix has, the azapi update included
        return manual_fix(
            f"{context.versions.describe()}: akfix's rules start at azurerm 2.0",
            "Upgrade the code to azurerm 2.x or later first (the provider's upgrade guides), then re-run akfix.",
            blocker="version-too-old",
        )
    pending = migration_pending(cluster, target)
    if pending is not None:
        return pending
    said, running = (profile.plugin.literal or "").lower(), ((cluster.live.plugin or "") if cluster.live else "").lower()
    if said and running and said != running:
        # Any fix would be planned for a plugin the cluster does not run; applying the code changes it.
        return manual_fix(
            f"the code says network_plugin {said}, the live cluster runs {running}",
            "Changing the plugin recreates the cluster (or migrates IPAM one way). Reconcile the code with the live "
            "cluster first, then re-run akfix.",
            f"live values from {cluster.live.source}",
        )
    blocked = _blocked(cluster, live, target, context.migrate_kubenet, greenfield=bool(context.greenfield))
    if blocked and blocked.blocker == "live-plugin-unknown" and not profile.block_present and live.policy == "" and context.azapi_updates:
        blocked = plan_policy_update(cluster, target) or blocked  # calico needs no plugin (policy_update.py)
    if blocked:
        return blocked
    if live.plugin == "kubenet" and target in ("cilium", "azure"):
        return plan_phase_one(cluster, live.policy or "", target, context)  # only reached with --migrate-kubenet
    if profile.migration_pending:  # confirmed applied (migration_pending() let it through): the engine, the mark removed
        return phase_two(plan(replace(cluster, profile=replace(profile, migration_pending=False)), context))
    if cluster.api_version is not None:
        fix = plan_put(cluster, live.policy or "", live.plugin, target, context)
        if context.greenfield and cluster.module and target == "cilium" and not live.overlay and fix is not None and fix.changes:
            fix = replace(fix, reasons=(_GREENFIELD_MODULE_OVERLAY, *fix.reasons))
        return _said_plugin_domain(fix, profile.plugin, target, live)
    fix = _plan_azurerm(cluster, live, target, context)
    fix = _said_plugin_domain(fix, profile.plugin, target, live)
    return _or_policy_update(cluster, live, target, fix) if context.azapi_updates else fix


def sole_plugin(plugin: Value) -> str | None:
    """The one plugin an expression gives for every allowed input (every stack, every allowed value)."""
    return plugin.domain[0] if len({value.lower() for value in plugin.domain}) == 1 else None


def _said_plugin_domain(fix: Fix | None, plugin: Value, target: str, live: _Live) -> Fix | None:
    """Where the engine was planned without the plugin because it runs on every value allowed, say so."""
    if fix is None or not fix.changes or plugin.kind is not ValueKind.EXPRESSION or not plugin.domain:
        return fix
    if sole_plugin(plugin) is not None:
        note = f"network_plugin is set by {plugin.text}, which the code allows to be {plugin.domain[0]} only ({plugin.via or plugin.note}): planned for it."
    elif _planned_without_plugin(live, plugin, target):
        note = (f"network_plugin is set by {plugin.text}, which the code allows to be {' or '.join(plugin.domain)}: "
                f"{target} runs on each, so the fix holds whichever it is.")
    else:
        return fix
    return replace(fix, reasons=(note, *fix.reasons))


def _or_policy_update(cluster: Cluster, live: _Live, target: str, fix: Fix | None) -> Fix | None:
    """Calico through azapi_update_resource where azurerm would recreate the cluster to add it, or
    where the provider range admits such versions and no floor can be written (policy_update.py)."""
    if fix is None or fix.writable(False) or live.policy != "" or fix.risk not in (Risk.REPLACEMENT, Risk.MANUAL):
        return fix
    if fix.risk is Risk.MANUAL and fix.blocker not in ("version-range", "version-too-old"):
        return fix
    return plan_policy_update(cluster, target, instead_of=fix) or fix


def _plan_azurerm(cluster: Cluster, live: _Live, target: str, context: PlanContext) -> Fix | None:
    outcomes = [(v, _plan_at(cluster, live, target, v)) for v in _versions_to_check(context.versions)]
    newest = outcomes[-1][1]
    worst_version, worst = max(outcomes, key=lambda item: item[1].risk.rank)
    floor = floor_of(outcomes) if context.floors and worst.risk is not newest.risk else None
    refused = floor_refused(floor, context.versions, context.floors, ceiling=context.ceiling) if floor else None
    if floor is not None and refused is None:
        return floored(outcomes, floor, context.versions, live.policy or "", target, context.floors)
    reasons = list(newest.reasons) + ([refused] if refused else [])
    if not context.versions.exact:
        reasons.insert(0, _range_note(context.versions, worst_version, worst, newest, context.pin_advice))
    if worst.risk is not newest.risk:
        pin = f"pin the azurerm version ({context.pin_advice})"
        fix = replace(
            worst,
            summary=f"{newest.summary} -- but the azurerm version is not pinned, and at {format_version(worst_version)}: {worst.summary}",
            changes=newest.changes,
            add_block=newest.add_block,
            reasons=tuple(reasons),
            hint=f"{pin}; else: {worst.hint}" if worst.hint else pin,
            blocker="version-range",
        )
    else:
        # The same answer at every version the code admits: where that is the version, a newer one
        # is what it takes, and no lock, pin or narrower constraint would help.
        blocker = "version-too-old" if newest.blocker == "version-range" else newest.blocker
        fix = replace(newest, reasons=tuple(reasons), blocker=blocker)
    return fix


_GREENFIELD_MODULE_OVERLAY = (
    "Greenfield: akfix assumes no live cluster here, so the move to Azure CNI Overlay that the module makes with the "
    "Cilium data plane is no migration. " + IF_DEPLOYED
)


def _versions_to_check(versions: VersionRange) -> list[Version]:
    points = [versions.low] + [b for b in rules.BOUNDARIES if versions.low < b < versions.high]
    return points


def _range_note(versions: VersionRange, worst_version: Version, worst: Fix, newest: Fix, pin_advice: str) -> str:
    where = versions.describe()
    if worst.risk is newest.risk:
        return f"{where}: the same outcome ({newest.risk.value}) holds for every version in the range."
    return (
        f"{where}: treated as the riskiest plausible version, azurerm {format_version(worst_version)}, "
        f"where this fix is {worst.risk.value}; with the newest version in range it is {newest.risk.value}. "
        f"{pin_advice[0].upper()}{pin_advice[1:]} to be exact."
    )


def _live_state(cluster: Cluster, context: PlanContext) -> _Live:
    profile, live = cluster.profile, cluster.live
    policy_value = profile.policy
    pinned_only = False
    if policy_value.kind is ValueKind.LITERAL:
        text = (policy_value.text or "").lower()
        policy = text if text in ENGINES else ""
    elif live is not None and live.policy is not None:
        policy = live.policy if live.policy in ENGINES else ""
        # Drift: the code says nothing, the cluster runs an engine. Pin it, unless --switch asks to move it.
        pinned_only = policy_value.is_missing and policy != "" and not (context.switch_engines and policy != context.engine)
    elif policy_value.is_missing:
        # Never set in code: the cluster was created without an engine (the API default is none).
        policy = ""
    else:
        policy = None  # an expression akfix cannot evaluate

    plugin = profile.plugin.literal or sole_plugin(profile.plugin)
    mode = profile.plugin_mode.literal
    if plugin is None and live is not None and live.plugin:
        plugin, mode = live.plugin, live.plugin_mode
    # A PUT (ARM, Bicep, azapi, a module's params) keeps the live plugin wherever it names none,
    # block or not; azurerm cannot have a block without one.
    keeps_live = not profile.block_present or (cluster.api_version is not None and profile.plugin.is_missing)
    if plugin is None and keeps_live and context.assume_network:
        plugin = "azure" if context.assume_network.startswith("azure") else context.assume_network
        mode = "overlay" if context.assume_network == "azure-overlay" else None
    data_plane = (profile.data_plane.literal or (live.data_plane if live and live.data_plane else "azure")).lower()
    return _Live(
        policy=policy,
        plugin=plugin.lower() if plugin else None,
        overlay=(mode or "").lower() == "overlay",
        data_plane=data_plane,
        pinned_only=pinned_only,
        load_balancer_sku=live.load_balancer_sku if live is not None and not profile.block_present else None,
        outbound_type=live.outbound_type if live is not None and not profile.block_present else None,
    )


# Plugins calico runs on, in place: kubenet and Azure CNI alike (facts §4, §11.3); not `none` (bring your own CNI).
_CALICO_PLUGINS = frozenset({"azure", "kubenet"})


def fits_every_plugin(plugin: Value, target: str) -> bool:
    """A plugin set by an expression whose every allowed value (a parameter's allowed list, a
    variable's validation list) runs the engine: calico on azure or kubenet."""
    return target == "calico" and plugin.kind is ValueKind.EXPRESSION and bool(plugin.domain) and set(plugin.domain) <= _CALICO_PLUGINS


def _planned_without_plugin(live: _Live, plugin: Value, target: str) -> bool:
    """No live fact gives the plugin, and the engine runs on every value the code allows it."""
    return live.plugin is None and fits_every_plugin(plugin, target)


def _blocked(cluster: Cluster, live: _Live, target: str, migrate_kubenet: bool = False, greenfield: bool = False) -> Fix | None:
    """Rules that no provider version lifts: these always need a person."""
    profile = cluster.profile
    if cluster.ignores_profile:
        return manual_fix(
            "lifecycle.ignore_changes covers network_profile",
            "Terraform would never apply the change. Remove network_profile from ignore_changes (or make the change outside "
            "Terraform with `az aks update`), then re-run akfix.",
            blocker="lifecycle",
        )
    if live.pinned_only:
        return None  # pinning the live value changes nothing in Azure
    limit = windows_limit(cluster, target)
    if limit:
        return limit
    if target == "cilium" and profile.auto_provisioning:
        return manual_fix(
            "node auto-provisioning is on",
            "AKS refuses the Cilium data-plane switch while node auto-provisioning is enabled; set "
            "node_provisioning_profile mode = \"Manual\" in its own apply first.",
            blocker="auto-provisioning",
        )
    if live.policy == "cilium":
        return manual_fix(
            f"cilium -> {target} is not offered",
            "AKS documents no way back from Cilium; keep cilium or rebuild the cluster deliberately.",
            blocker="no-way-back",
        )
    if {live.policy, target} == {"azure", "calico"}:
        return manual_fix(
            f"{live.policy} -> {target} needs two steps",
            f"AKS refuses a direct azure <-> calico change; it goes through policy none (az aks update --network-policy none, "
            f"then --network-policy {target}), and azurerm cannot write none. Do it with the CLI, then set network_policy = \"{target}\".",
            blocker="two-steps",
        )
    fits = _planned_without_plugin(live, profile.plugin, target)
    if profile.plugin.kind is ValueKind.EXPRESSION and live.plugin is None and not fits:
        return plugin_expression_fix(profile.plugin, "akfix needs the plugin to know which engines are allowed; resolve it or pass --plan.")
    if live.plugin is None and cluster.api_version is not None:
        pass  # a PUT keeps the live plugin: plan_put decides whether the engine needs to know it
    elif fits:
        pass  # the block names the plugin by an expression, and the engine runs on every value it allows
    elif live.plugin is None and profile.block_present:
        return manual_fix(
            "network_profile has no network_plugin",
            "network_plugin is required by azurerm and must equal the live plugin; set it, or pass --plan.",
            blocker="live-plugin-unknown",
        )
    elif live.plugin is None:
        return manual_fix(
            "no network_profile block and the live network plugin is unknown",
            "The block's network_plugin is required and changing it recreates the cluster, so it must equal the live plugin. "
            "The AKS default depends on the Kubernetes version (kubenet before 1.30, Azure CNI Overlay from 1.30). "
            "Give akfix the live facts: --inventory with `az aks list -o json` (or --from-azure), --plan with `terraform show "
            "-json` output, or --assume-network azure|azure-overlay|kubenet (a local backend's terraform.tfstate beside the root "
            "that deploys it is read by itself); or --greenfield if nothing is deployed from this code; or --engine "
            "cilium,calico: calico needs no plugin, and akfix sets it through azapi_update_resource.",
            blocker="live-plugin-unknown",
        )
    if live.plugin == "none":
        return byo_limit()
    if live.plugin == "kubenet" and target in ("cilium", "azure") and not migrate_kubenet:
        camel = cluster.format in ("bicep", "arm")
        settings = ("networkPlugin = 'azure' and networkPluginMode = 'overlay'" if camel
                    else 'network_plugin = "azure" and network_plugin_mode = "overlay"')
        where = "in place by a PUT" if cluster.api_version else "in place only on azurerm >= 4.66"
        return manual_fix(
            f"kubenet cannot run {target}",
            f"Two steps, each its own apply: (1) migrate IPAM kubenet -> Azure CNI Overlay with {settings} while network policy "
            f"is none ({where}; needs a user-assigned identity); (2) then enable {target}. --migrate-kubenet writes step 1 and, "
            "once it is applied, a later run writes step 2. Or use --engine calico, which kubenet supports in place.",
            blocker="kubenet",
        )
    refused = engine_module_limit(cluster, target)
    if refused is not None:
        return refused
    # Greenfield: nothing is deployed, so the move to overlay the module forces is no migration; a kubenet
    # cluster under --migrate-kubenet gets that move as phase 1 (migration.py).
    migrating = live.plugin == "kubenet" and migrate_kubenet
    if cluster.module and target == "cilium" and not live.overlay and profile.pod_subnet.is_missing and not greenfield and not migrating:
        return manual_fix(
            f"{cluster.module.split(' ')[0]} refuses the Cilium data plane without overlay or a pod subnet",
            ("Pass networkPluginMode: 'overlay' (a one-way IPAM migration, its own deployment) or give the agent pools a "
             "podSubnetResourceId first" if cluster.format == "bicep" else
             "Set network_plugin_mode = \"overlay\" (a one-way IPAM migration, its own apply) or pod_subnet_id first")
            + "; or --engine cilium,calico, which needs neither.",
            blocker="module-needs-overlay",
        )
    return kubernetes_limit(cluster, target)


def _plan_at(cluster: Cluster, live: _Live, target: str, version: Version) -> Fix:
    """The fix if the module ran exactly azurerm `version`."""
    profile = cluster.profile
    at = f"azurerm {format_version(version)}"
    reasons: list[str] = []
    risks: list[Risk] = []
    changes: list[Change] = []
    add_block = not profile.block_present

    if add_block:
        changes.append(Change("network_plugin", live.plugin or "azure"))
        if live.overlay:
            casing = rules.band(rules.PLUGIN_MODE_OVERLAY, version)
            if casing is None:
                return manual_fix(f"{at} has no network_plugin_mode", "Raise the azurerm version; the live cluster runs overlay.")
            changes.append(Change("network_plugin_mode", casing))
        kept = [Change(name, value) for name, value, default in (("load_balancer_sku", live.load_balancer_sku, "standard"),
                                                                 ("outbound_type", live.outbound_type, "loadbalancer"))
                if value and value.lower() != default]
        changes.extend(kept)
        if live.load_balancer_sku:
            reasons.append(
                "Adds a network_profile block that repeats the live cluster's plugin"
                + (", overlay mode" if live.overlay else "")
                + (" and " + ", ".join(c.attribute for c in kept) if kept else "")
                + f" (load balancer SKU {live.load_balancer_sku}, outbound type {live.outbound_type or 'not recorded'}, as the live values say)."
            )
        else:
            reasons.append(
                "Adds a network_profile block that must match the live cluster (plugin"
                + (", overlay mode" if live.overlay else "")
                + "): a mismatch on network_plugin, network_plugin_mode or load_balancer_sku recreates the cluster. Review `terraform plan`."
            )

    if target not in rules.band(rules.POLICY_VALUES, version):
        return manual_fix(
            f"{at} does not accept network_policy = \"{target}\"",
            f"Raise azurerm to >= {format_version(rules.first_in_place_version('', target) or (3, 75, 0))}.",
            blocker="version-range",
        )
    changes.append(change_for(cluster, "network_policy", target))
    if "default" in profile.policy.via:
        step = profile.policy.via.split(" -> ")[-1]
        subject = (f"the optional() default in the type of {step.removesuffix(' type default')}" if step.endswith(" type default")
                   else f"the default of {step.replace(' default', '')}")
        if cluster.instance_is_index and profile.policy.via.startswith(f"index '{cluster.instance}'"):
            reasons.append(f"The fix changes element {cluster.instance} of {subject}: "
                           f"only the instance count.index = {cluster.instance} reads it.")
        else:
            who = ("every instance of for_each whose element does not set it" if cluster.instance is not None
                   else "every caller of this module that does not set it")
            reasons.append(f"The fix changes {subject}: {who} gets the new engine.")

    if live.pinned_only:
        if target == "cilium" and live.data_plane == "cilium" and profile.data_plane.is_missing and version >= (3, 108, 0):
            changes.append(change_for(cluster, "network_data_plane", "cilium"))
        return Fix(
            risk=Risk.IN_PLACE,
            summary=f"pin the live engine: network_policy = \"{target}\" (no change in Azure)",
            engine=target,
            changes=tuple(changes),
            add_block=add_block,
            reasons=tuple(reasons + ["The live cluster already runs this engine; the code now says so."]),
        )

    old = live.policy or ""
    if (old, target) in rules.band(rules.POLICY_IN_PLACE, version):
        # A cluster already on the Cilium data plane enforces with Cilium: naming the policy
        # changes nothing on the nodes. Every other engine change reimages them (rule 11).
        quiet = target == "cilium" and live.data_plane == "cilium"
        risks.append(Risk.IN_PLACE if quiet else Risk.DISRUPTIVE)
    else:
        first = rules.first_in_place_version(old, target)
        risks.append(Risk.REPLACEMENT)
        reasons.append(
            f"On {at} changing network_policy from {old or 'none'} to {target} destroys and recreates the cluster"
            + (f"; from azurerm {format_version(first)} it is in place." if first else ".")
        )

    if target == "cilium":
        data_plane_fix = _cilium_data_plane(cluster, live, version)
        if isinstance(data_plane_fix, Fix):
            return data_plane_fix
        change, risk, note = data_plane_fix
        if change:
            changes.append(change)
        risks.append(risk)
        if note:
            reasons.append(note)
        if live.plugin != "azure":
            return manual_fix(f"cilium needs network_plugin azure, not {live.plugin}", "Migrate the plugin first.", blocker="kubenet")
        if not live.overlay and profile.pod_subnet.is_missing:
            reasons.append(
                "Neither overlay nor a pod subnet: Cilium on the node subnet needs AKS >= 2025-03 (Azure CLI >= 2.69); "
                "the azurerm docs still ask for overlay or default_node_pool.pod_subnet_id."
            )
        reasons.append("Node auto-provisioning must be off for the Cilium data-plane switch; Cilium enforces only after every node is reimaged.")
    elif target == "azure" and live.plugin != "azure":
        return manual_fix("policy azure (NPM) needs network_plugin azure", "Use --engine calico on kubenet clusters.", blocker="kubenet")

    if target in ("azure", "calico"):
        reasons.append("AKS installs NPM/Calico only on Kubernetes >= 1.30 (since the 2026-05-29 release).")
        outbound = profile.outbound_type.literal or live.outbound_type or ""  # the block added repeats the live value
        if rules.band(rules.POLICY_ONLY_UPDATE_NEEDS_LB, version) and outbound not in _LB_OUTBOUND:
            reasons.append(
                f"outbound_type = {outbound}: this azurerm version may not send a policy-only change to Azure; "
                "verify the engine after apply with `az aks show --query networkProfile.networkPolicy`."
            )

    risk = riskiest(risks)
    if risk is Risk.DISRUPTIVE:
        reasons.append("Every node pool is reimaged at once: schedule a maintenance window.")
    summary = summary_of(changes, risk, at, old, target)
    hint = None
    if risk is Risk.REPLACEMENT:
        hint = "--allow-replacement (or raise the azurerm version so the change is in place)"
        if cluster.prevent_destroy:
            reasons.append("lifecycle.prevent_destroy = true: Terraform will refuse this replacement at plan time.")
    return Fix(
        risk=risk,
        summary=summary,
        engine=target,
        changes=tuple(changes),
        add_block=add_block,
        reasons=tuple(reasons),
        hint=hint,
    )


def _cilium_data_plane(cluster: Cluster, live: _Live, version: Version) -> Fix | tuple[Change | None, Risk, str | None]:
    """The data-plane part of a cilium fix: policy cilium is invalid without data plane cilium."""
    profile = cluster.profile
    at = f"azurerm {format_version(version)}"
    if live.data_plane == "cilium":
        existing = profile.data_plane_attribute
        if existing and profile.data_plane.literal == "cilium":
            return (None, Risk.IN_PLACE, None)
        attribute = existing or rules.band(rules.DATA_PLANE_ENABLE, version)[0]
        if attribute is None:
            return manual_fix(f"{at} cannot express the Cilium data plane", "Raise azurerm to >= 4.58.")
        return (change_for(cluster, attribute, "cilium"), Risk.IN_PLACE, None)
    attribute, in_place = rules.band(rules.DATA_PLANE_ENABLE, version)
    if attribute is None:
        return manual_fix(
            f"{at} cannot express the Cilium data plane",
            f"Raise azurerm to >= {format_version(rules.first_version_enabling_cilium_in_place())} (in place there).",
        )
    if profile.data_plane_attribute == "network_data_plane":
        # The code already states network_data_plane (azure): changing that attribute is what counts.
        nd_in_place = rules.band(rules.NETWORK_DATA_PLANE_IN_PLACE, version)
        if nd_in_place is None:
            return manual_fix(f"{at} does not know network_data_plane", "Raise the azurerm version.")
        attribute, in_place = "network_data_plane", nd_in_place
    if profile.data_plane_attribute == "ebpf_data_plane" and attribute != "ebpf_data_plane":
        return manual_fix(f"{at} removed ebpf_data_plane", "Rename ebpf_data_plane to network_data_plane first (azurerm 4.0 upgrade guide).")
    if in_place:
        return (change_for(cluster, attribute, "cilium"), Risk.DISRUPTIVE, None)
    first = rules.first_version_enabling_cilium_in_place()
    return (
        change_for(cluster, attribute, "cilium"),
        Risk.REPLACEMENT,
        f"On {at} switching the data plane azure -> cilium ({attribute}) recreates the cluster; "
        f"from azurerm {format_version(first)} it is in place.",
    )


def settled(first: Fix, second: Fix | None) -> bool:
    """Idempotence: after `first` is written, a second run leaves the cluster alone (after phase 1 of
    the kubenet migration too: its mark keeps the engine waiting, see migration.py)."""
    return second is None or not second.changes


def shared_conflict(fix: Fix, others: str, put: bool = False, instances: bool = False, clusters: bool = False) -> Fix:
    """Demote a fix whose edit would also change other environments of the same cluster.
    `put`: a Bicep/ARM template, whose environments are parameters files and module callers;
    `instances`: the views are instances of one for_each, which share the resource block;
    `clusters`: other clusters read the value the fix writes (a default two resources read)."""
    if clusters:
        return manual_fix(
            f"{fix.summary} -- but it writes a value other clusters read too ({others})",
            "Those clusters plan otherwise, and the value would change them as well; give each cluster its own "
            f"{'param' if put else 'variable'} (or a literal), or use --engine cilium,calico where one engine fits them all.",
            *fix.reasons,
            blocker="shared-value",
        )
    if instances:
        what, setting, source = (("elements of its resource loop", "networkDataplane", "the loop variable") if put
                                 else ("instances of its for_each", "network_data_plane", "each.value"))
        return manual_fix(
            f"{fix.summary} -- but part of it lands where other {what} read too ({others})",
            f"Those {what.split(' of ')[0]} plan differently; read the shared setting (e.g. {setting}) from {source} "
            "and set it in each element, or use --engine cilium,calico where calico fits them all.",
            *fix.reasons,
            blocker="shared-value",
        )
    route = ("make the shared part (a property or the API version) a param that each parameters file or module call sets"
             if put else "route the shared setting (e.g. network_data_plane) through a variable set in each tfvars file")
    return manual_fix(
        f"{fix.summary} -- but part of it lands where other environments read too ({others})",
        f"Those environments plan differently; {route}, or fix the environments one by one with the CLI.",
        *fix.reasons,
        blocker="shared-value",
    )
