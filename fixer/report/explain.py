"""`akfix explain`: why a cluster got its status and its fix, with the facts behind them.

Two pure parts: `select()` finds the clusters an argument names (an address, a file:line, a file),
or close matches to suggest; `explain()` turns one cluster's report into text: the values read and
where from, the provider or API version and its source, live values from plans, Windows pools,
lifecycle flags, and the planner's decision with its reasons and hint.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from fixer.model import Value, ValueKind
from fixer.pipeline import ClusterReport, Outcome
from fixer.report.style import PLAIN, Style
from fixer.report.text import FIXED_LABEL, display_path


@dataclass(frozen=True)
class Selection:
    matches: list[tuple[str, ClusterReport]]
    suggestions: list[str]  # when nothing matches: names close to the argument, else every cluster
    close: bool = False  # the suggestions are close matches, not the plain list


def select(reports: list[tuple[str, ClusterReport]], argument: str) -> Selection:
    file, line = _file_line(argument)
    if line is not None or _names_a_file(reports, file):
        matches = _by_location(reports, file, line)
    else:
        matches = [(p, r) for p, r in reports if _address_matches(r.cluster.address, argument)]
    if matches:
        return Selection(matches, [])
    names = sorted({r.cluster.address for _, r in reports} | {_where(p, r) for p, r in reports})
    close = difflib.get_close_matches(argument, names, n=6, cutoff=0.5)
    if close:
        return Selection([], close, close=True)
    # Nothing like it: list what there is, so the next try can be a copy.
    return Selection([], list(dict.fromkeys(f"{r.cluster.address} ({_where(p, r)})" for p, r in reports))[:10])


def _file_line(argument: str) -> tuple[str, int | None]:
    head, _, tail = argument.rpartition(":")
    if head and tail.isdigit():
        return head, int(tail)
    return argument, None


def _same_file(given: str, shown: str) -> bool:
    """`given` as typed (relative to the current folder or to the scanned root) names `shown`."""
    given, shown = given.removeprefix("./"), shown.removeprefix("./")
    return given == shown or given.endswith("/" + shown) or shown.endswith("/" + given)


def _names_a_file(reports, file: str) -> bool:
    return any(_same_file(file, display_path(p, r.cluster.file)) for p, r in reports)


def _by_location(reports, file: str, line: int | None) -> list[tuple[str, ClusterReport]]:
    """Clusters whose header, values or edits are at file:line; else, in that file, the cluster
    whose header is the nearest above the line (the line is inside its block)."""
    exact = [(p, r) for p, r in reports if (line is None and _same_file(file, display_path(p, r.cluster.file)))
             or (line is not None and any(_same_file(file, display_path(p, f)) and n == line for f, n in _lines_of(r)))]
    if exact or line is None:
        return exact
    above = [(p, r) for p, r in reports if _same_file(file, display_path(p, r.cluster.file)) and r.cluster.line <= line]
    if not above:
        return []
    nearest = max(r.cluster.line for _, r in above)
    return [(p, r) for p, r in above if r.cluster.line == nearest]


def _lines_of(report: ClusterReport) -> list[tuple[str, int]]:
    cluster = report.cluster
    own = cluster.profile_file or cluster.file
    lines = [(cluster.file, cluster.line)]
    lines += [(value.file or own, value.line) for _, value in _values(cluster.profile) if value.line]
    return lines + list(report.edit_lines)


def _address_matches(address: str, argument: str) -> bool:
    argument = argument.removeprefix("resource.")
    return address == argument or address.endswith("." + argument) or address.endswith(" " + argument)


def _where(prefix: str, report: ClusterReport) -> str:
    return f"{display_path(prefix, report.cluster.file)}:{report.cluster.line}"


def _values(profile) -> list[tuple[str, Value]]:
    data_plane = profile.data_plane_attribute or "data plane"
    return [
        ("plugin", profile.plugin),
        ("plugin mode", profile.plugin_mode),
        ("policy", profile.policy),
        (data_plane, profile.data_plane),
        ("pod subnet", profile.pod_subnet),
        ("outbound type", profile.outbound_type),
        ("kubernetes version", profile.kubernetes_version),
    ]


def explain(prefix: str, report: ClusterReport, engine: str, style: Style = PLAIN) -> str:
    cluster, fix = report.cluster, report.fix
    title = cluster.address + (f" [{display_path(prefix, cluster.environment)}]" if cluster.environment else "")
    out = [style.paint(title, "bold")]
    module = f", module {cluster.module}" if cluster.module else (f", module folder {cluster.module_dir or '.'}" if cluster.format == "terraform" else "")
    out.append(f"  declared at  {_where(prefix, report)} ({cluster.format}{module})")
    if cluster.profile_file and cluster.profile_file != cluster.file:
        out.append(f"  profile from {display_path(prefix, cluster.profile_file)} (an override file wins)")
    if cluster.environment:
        out.append(f"  view         values as {display_path(prefix, cluster.environment)} sets them (one view per environment file)")
    policy = report.policy or "no engine"
    out.append(f"  status       {style.paint(report.status.value, report.status.value)}: {_status_why(report)}")
    out.append(f"  engine       {policy} in effect; akfix moves clusters to {engine} (--engine)")
    profile = cluster.profile
    block = ("dynamic, rendering no block in this run" if profile.dynamic_none else "dynamic (akfix cannot read it)") if profile.block_dynamic else (
        "present" if profile.block_present else "absent")
    out.append(f"  network profile block: {block}")
    out.append("  values read:")
    for label, value in _values(profile):
        out.append(f"    {label:<20} {_value_text(value):<28} {_value_source(prefix, cluster, value)}".rstrip())
    for label, value in (("policy", profile.policy), ("data plane", profile.data_plane)):
        if value.evaluation:  # how an expression was evaluated (formats/decide.py)
            out.append(f"  evaluated    {label}: " + "\n               ".join(value.evaluation.splitlines()))
    if cluster.api_version:
        origin = f" (from {display_path(prefix, cluster.api_origin.file)})" if cluster.api_origin else ""
        out.append(f"  API version  {cluster.api_version}{origin}: the AKS PUT rules apply")
    else:
        out.append(f"  provider     {report.versions.describe()}")
    if cluster.live is not None:
        live = cluster.live
        out.append(f"  live values  from {live.source}: plugin {live.plugin or '-'}, mode {live.plugin_mode or '-'}, "
                   f"policy {live.policy or 'none'}, data plane {live.data_plane or '-'}"
                   + (f", load balancer {live.load_balancer_sku}" if live.load_balancer_sku else "")
                   + (f", outbound {live.outbound_type}" if live.outbound_type else ""))
        if live.matched_by:
            out.append(f"               {live.id}, matched by {live.matched_by}")
    elif cluster.live_note:
        out.append(f"  live values  none matched: {cluster.live_note}")
    elif cluster.format == "terraform":
        out.append("  live values  unknown (pass --plan with `terraform show -json` output, or --inventory, to use them)")
    else:
        out.append("  live values  unknown (pass --inventory with `az aks list -o json` output to use them)")
    out.append(f"  Windows node pools: {', '.join(cluster.windows_pools) if cluster.windows_pools else 'none'}")
    flags = [text for on, text in ((cluster.ignores_profile, "lifecycle.ignore_changes covers network_profile"),
                                   (cluster.prevent_destroy, "lifecycle.prevent_destroy = true"),
                                   (profile.auto_provisioning, "node auto-provisioning is on"),
                                   (not cluster.editable, "akfix cannot edit this declaration yet")) if on]
    for flag in flags:
        out.append(f"  note         {flag}")
    out.extend(_fix_lines(prefix, report, style))
    return "\n".join(out)


def _status_why(report: ClusterReport) -> str:
    profile, live = report.cluster.profile, report.cluster.live
    value = profile.policy
    if profile.dynamic_none:
        return f"the network profile is a dynamic block that renders no block in this run ({profile.dynamic_why}): no engine"
    if profile.block_dynamic:
        return "the network profile is a dynamic block"
    if value.kind is ValueKind.EXPRESSION:
        return f"the policy is the expression {value.text}" + (f" ({value.note})" if value.note else "")
    if value.kind is ValueKind.MISSING:
        if live is not None and live.policy:
            return f"the code sets no policy, the live cluster runs {live.policy} (from {live.source})"
        return "the code sets no policy (AKS then runs none)"
    if report.policy:
        return f'the policy is "{value.text}"'
    return f'the policy is "{value.text}", which enforces nothing (other scanners pass it)'


def _value_text(value: Value) -> str:
    if value.kind is ValueKind.LITERAL:
        return f'"{value.text}"'
    if value.kind is ValueKind.EXPRESSION:
        return f"{value.text} (unresolved)"
    return "not set"


def _value_source(prefix: str, cluster, value: Value) -> str:
    if value.line is None:
        return ""
    where = f"{display_path(prefix, value.file or cluster.profile_file or cluster.file)}:{value.line}"
    via = value.via or (value.origin.kind if value.origin else "")
    return f"at {where}" + (f" via {via}" if via else "")


def _fix_lines(prefix: str, report: ClusterReport, style: Style) -> list[str]:
    fix = report.fix
    if fix is None:
        if report.policy:
            return ["  fix          none needed (pass --switch to move a cluster that runs another engine)"]
        return ["  fix          none planned"]
    out = [f"  fix          {style.paint(fix.risk.value, fix.risk.value)}: {fix.summary}"]
    if fix.changes:
        out.append("    changes:")
        for change in fix.changes:
            where = f" in {display_path(prefix, change.origin.file)} ({change.origin.kind})" if change.origin else ""
            extra = f", extending {len(change.validations)} allowed-values list(s)" if change.validations else ""
            out.append(f'      {_as_written(report.cluster, change.attribute)} = "{change.value}"{where}{extra}')
    if fix.add_block:
        out.append("    adds the network_profile block")
    if fix.reasons:
        out.append("    because:")
        out.extend(f"      - {reason}" for reason in fix.reasons)
    if report.edit_lines:
        out.append("    edits at: " + ", ".join(f"{display_path(prefix, f)}:{n}" for f, n in report.edit_lines))
    outcome = {
        Outcome.FIXED: f"{FIXED_LABEL[None]}: `akfix apply` writes it (preview with --dry-run)",
        Outcome.HELD: "held back: it would destroy and recreate the cluster",
        Outcome.MANUAL: "needs a person: akfix never writes a manual fix",
        Outcome.FAILED: "the edit could not be made safely (see the errors)",
        Outcome.OK: "nothing to do",
    }[report.outcome]
    out.append(f"    outcome: {outcome}")
    if fix.hint:
        out.append(f"    next: {fix.hint}")
    return out


def _as_written(cluster, attribute: str) -> str:
    """The attribute as the cluster's own code spells it: Python programs use snake_case keywords
    (network_dataplane) where the PUT rules name the ARM property (networkDataplane)."""
    if cluster.format in ("pulumi", "cdktf") and attribute[:1].islower() and any(c.isupper() for c in attribute):
        return re.sub(r"(?<=[a-z])([A-Z])", r"_\1", attribute).lower()
    return attribute
