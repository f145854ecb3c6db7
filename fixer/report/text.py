"""Renderers: the text table, the JSON of design.md, the unified diff and the summary."""

from __future__ import annotations

import difflib
import json
from collections import Counter

from fixer.facts.drift import drift_of
from fixer.formats.decide import EVALUATED
from fixer.model import FileChange, Problem, Risk, Status
from fixer.pipeline import ClusterReport, Outcome
from fixer.report.remaining import remaining_groups, remaining_text
from fixer.report.style import PLAIN, Style

JSON_VERSION = 1


def display_path(prefix: str, relpath: str) -> str:
    return f"{prefix.rstrip('/')}/{relpath}" if prefix else relpath


def to_json(engine: str, reports: list[tuple[str, ClusterReport]], problems: list[tuple[str, Problem]], diff: str | None = None, not_inspected=(), written: bool = True) -> str:
    return json.dumps(json_document(engine, reports, problems, diff, not_inspected, written), indent=2)


def json_document(engine: str, reports: list[tuple[str, ClusterReport]], problems: list[tuple[str, Problem]], diff: str | None = None, not_inspected=(), written: bool = True) -> dict:
    """The document of design.md. `written=False` (scan, dry run): a fix that would be applied is
    "fixable", not "fixed"."""
    clusters = []
    for prefix, report in reports:
        cluster, fix = report.cluster, report.fix
        entry = {
            "file": display_path(prefix, cluster.file),
            "line": cluster.line,
            "format": cluster.format,
            "address": cluster.address,
            "policy": report.policy,
            "status": report.status.value,
            "fix": None,
            "module": cluster.module_dir,
            "provider_version": None if cluster.api_version else report.versions.describe(),
            "outcome": "fixable" if report.outcome is Outcome.FIXED and not written else report.outcome.value,
        }
        if cluster.live is not None:
            entry["live"] = {"plugin": cluster.live.plugin, "plugin_mode": cluster.live.plugin_mode, "policy": cluster.live.policy, "data_plane": cluster.live.data_plane, "source": cluster.live.source}
            entry["live"].update({k: v for k in ("load_balancer_sku", "outbound_type") if (v := getattr(cluster.live, k))})
            if cluster.live.matched_by:  # facts from an inventory or Azure Resource Graph (fixer/facts)
                entry["live"].update(id=cluster.live.id, matched_by=cluster.live.matched_by)
        if cluster.live_note:
            entry["live_note"] = cluster.live_note
        if (drift := drift_of(cluster)) is not None:
            entry["drift"] = drift
        if cluster.api_version:
            entry["api_version"] = cluster.api_version
        if cluster.windows_pools:
            entry["windows_node_pools"] = list(cluster.windows_pools)
        if cluster.environment:
            entry["environment"] = display_path(prefix, cluster.environment)
        if cluster.instance is not None:
            entry["instance"] = cluster.instance  # the for_each key; Terraform's address is address["instance"]
        source = policy_source(cluster)
        if source:
            entry["policy_source"] = {**source, "file": display_path(prefix, source["file"])}
        if fix is not None:
            entry["fix"] = {
                "risk": fix.risk.value,
                "summary": fix.summary,
                "edits": [{"file": display_path(prefix, file), "line": line} for file, line in report.edit_lines],
                "engine": fix.engine,
                "changes": [{"attribute": c.attribute, "value": c.value} for c in fix.changes],
                "reasons": list(fix.reasons),
                "hint": fix.hint,
                "skipped": [{"engine": engine, "why": why} for engine, why in fix.skipped],
                "blocker": fix.blocker or None,
            }
        clusters.append(entry)
    errors = [{"file": display_path(prefix, p.file), "line": p.line, "message": p.message} for prefix, p in problems]
    document = {"version": JSON_VERSION, "engine": engine, "clusters": clusters, "errors": errors}
    document["remaining"] = [{"blocker": g.blocker, "count": g.count, "reason": g.reason, "unlock": g.unlock,
                              **({"in_templates": g.in_templates, "template_globs": list(g.template_globs)} if g.in_templates else {})}
                             for g in remaining_groups([r for _, r in reports])]
    document["not_inspected"] = [{**m.to_json(), "file": display_path(prefix, m.file)} for prefix, m in not_inspected]
    if diff is not None:
        document["diff"] = diff  # apply --dry-run --format json: the diff travels inside the JSON
    return document


# How a fix that can be applied is labelled in the table, per command.
FIXED_LABEL = {None: "auto-fixable", True: "would write", False: "written"}


# What was not inspected, by kind (each entry's `group`): module calls akfix does not know
# (formats/terraform/decls.ModuleCall), templates read through their source (formats/arm/built.BuildOutput).
_NOT_INSPECTED_HEADINGS = {
    "unknown-module": lambda n: f"not inspected: {n} call{'s' if n != 1 else ''} of modules akfix does not know (they may build AKS clusters):",
    "built": lambda n: f"read through their source: {n} template{'s' if n != 1 else ''} built by Bicep:",
    "never-run": lambda n: f"never run by Pulumi: {n} file{'s' if n != 1 else ''} with clusters that no import can reach (left alone):",
}


def not_inspected_text(entries) -> str:
    """Module calls akfix does not know, then templates it reads through their source."""
    lines = []
    for group, heading in _NOT_INSPECTED_HEADINGS.items():
        mine = [(prefix, m) for prefix, m in entries if m.group == group]
        if mine:
            lines.append(heading(len(mine)))
            lines += ["    " + m.describe(lambda relpath, prefix=prefix: display_path(prefix, relpath)) for prefix, m in mine]
    return "\n".join(lines)


def live_facts_text(reports: list[tuple[str, ClusterReport]], live_only, verbose: bool = True) -> str:
    """How code clusters were matched to live ones (or why not), drift, and the live clusters no
    code declares with the `az aks update` that fixes each (fixer/facts)."""
    lines = []
    for prefix, report in reports:
        cluster = report.cluster
        where = f"{display_path(prefix, cluster.file)}:{cluster.line} {cluster.address}" + (f" [{display_path(prefix, cluster.environment)}]" if cluster.environment else "")
        if cluster.live is not None and cluster.live.matched_by and verbose:
            lines.append(f"  {where}: live {cluster.live.id} (matched by {cluster.live.matched_by})")
        elif cluster.live_note:
            lines.append(f"  {where}: no live facts: {cluster.live_note}")
        if (drift := drift_of(cluster)) is not None:
            lines.append(f"  {where}: drift: {drift}")
    parts = ["Live facts:", *lines] if lines else []
    if live_only:
        parts.append(f"Clusters no code declares ({len(live_only)}):")
        for item in live_only:
            c = item.cluster
            state = f"plugin {c.plugin}{'/' + c.plugin_mode if c.plugin_mode else ''}, policy {c.policy or 'none'}" + (f", {c.status}" if c.status else "")
            parts.append(f"  {c.name} (resource group {c.resource_group}, subscription {c.subscription}): {state}")
            parts.append(f"    {item.command}" if item.command else f"    {item.why}" if item.compliant else f"    no command: {item.why}")
    return "\n".join(parts)


def policy_source(cluster) -> dict | None:
    """Where a followed policy value lives, e.g. a variable default or a tfvars file."""
    value = cluster.profile.policy
    if value.origin is None:
        return None
    # file and line as one pair: a Bicep value a caller's view owns has the call's file and line
    # while its literal (origin) may sit in the module
    file = value.file if value.file and value.line is not None else value.origin.file
    return {"file": file, "line": value.line, "via": value.via or value.origin.kind}


def table(reports: list[tuple[str, ClusterReport]], verbose: bool = True, dry_run: bool | None = None, branch: str | None = None,
          style: Style = PLAIN) -> str:
    """`branch`: the fixes went to that branch, not to the working tree."""
    if not reports:
        return "No AKS clusters found."
    header = ("LOCATION", "ADDRESS", "POLICY", "STATUS", "FIX")
    rows = [header]
    details: list[list[str]] = []
    for prefix, report in reports:
        cluster, fix = report.cluster, report.fix
        location = f"{display_path(prefix, cluster.file)}:{cluster.line}"
        address = cluster.address + (f" [{display_path(prefix, cluster.environment)}]" if cluster.environment else "")
        rows.append((location, address, report.policy or "-", report.status.value, _fix_cell(report, dry_run, branch)))
        lines = []
        source = policy_source(cluster)
        if source and verbose:
            via = source["via"]
            if via.startswith(EVALUATED):  # "policy from x.networkPolicy (evaluated under the defaults)", not "from evaluated..."
                expression, _, written = via[len(EVALUATED):].partition("; ")
                via = f"{expression} (evaluated under the defaults{'; ' + written if written else ''})"
            lines.append(f"policy from {via} at {display_path(prefix, source['file'])}:{source['line']}")
        if fix is not None:
            lines.append(fix.summary)
            if verbose:
                lines.append(_api_line(cluster.api_version, report.versions) if cluster.api_version else f"provider: {report.versions.describe()}")
            if verbose:
                lines.extend(fix.reasons)
            if fix.hint and report.outcome is not Outcome.FIXED:
                lines.append(f"-> {fix.hint}")
        details.append(lines)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    out = [style.paint("  ".join(cell.ljust(width) for cell, width in zip(rows[0], widths)).rstrip(), "bold")]
    for (_, report), row, lines in zip(reports, rows[1:], details):
        # Pad first, paint after: escape codes must not count towards the column widths.
        roles = ("location", None, None, report.status.value, report.fix.risk.value if report.fix else None)
        cells = [style.paint(cell, role) + " " * (width - len(cell)) if role else cell.ljust(width)
                 for cell, width, role in zip(row, widths, roles)]
        out.append("  ".join(cells).rstrip())
        out.extend(f"    {line}" for line in lines)
    return "\n".join(out)


def _fix_cell(report: ClusterReport, dry_run: bool | None, branch: str | None = None) -> str:
    if report.fix is None:
        return "-"
    if report.outcome is Outcome.MANUAL:
        return "manual"
    label = ("committed" if branch else FIXED_LABEL[dry_run]) if report.outcome is Outcome.FIXED else report.outcome.value
    return f"{report.fix.risk.value} ({label})"


def unified_diff(changes: list[tuple[str, FileChange]]) -> str:
    parts = []
    for prefix, change in changes:
        path = display_path(prefix, change.relpath)
        before = (change.before or b"").decode("utf-8", "replace").splitlines(keepends=True)
        after = change.after.decode("utf-8", "replace").splitlines(keepends=True)
        old_name = f"a/{path}" if change.before is not None else "/dev/null"
        for line in difflib.unified_diff(before, after, old_name, f"b/{path}"):
            parts.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(parts)


def summary(reports: list[ClusterReport], problems: int, dry_run: bool | None, allow_replacement: bool, branch: str | None = None,
            style: Style = PLAIN) -> str:
    """Counts by status and by risk, and which flag would apply what was held back (as Ruff does)."""
    statuses = Counter(r.status for r in reports)
    status_text = ", ".join(style.paint(f"{statuses[s]} {s.value}", s.value) for s in Status if statuses[s])
    lines = [f"{len(reports)} cluster{'s' if len(reports) != 1 else ''}" + (f": {status_text}" if reports else "")]
    fixes = [r for r in reports if r.fix is not None]
    if fixes:
        risks = Counter(r.fix.risk for r in fixes)
        risk_text = ", ".join(style.paint(f"{risks[k]} {k.value}", k.value) for k in Risk if risks[k])
        lines.append(f"fixes: {risk_text}")
        outcomes = Counter(r.outcome for r in fixes)
        if dry_run is not None:
            verb = "would be written (dry run)" if dry_run else (f"committed to {branch}" if branch else "written")
            if outcomes[Outcome.FIXED]:
                lines.append(f"{outcomes[Outcome.FIXED]} fix{'es' if outcomes[Outcome.FIXED] != 1 else ''} {verb}")
        else:
            fixable = outcomes[Outcome.FIXED]
            if fixable:
                lines.append(f"{fixable} fix{'es' if fixable != 1 else ''} can be applied with `akfix apply` (preview with --dry-run)")
        engines = Counter(r.fix.engine for r in fixes if r.outcome is Outcome.FIXED and r.fix.engine)
        if len(engines) > 1:
            lines.append("engines: " + ", ".join(f"{count} {engine}" for engine, count in engines.most_common()))
        disruptive = sum(1 for r in fixes if r.fix.risk is Risk.DISRUPTIVE and r.outcome is Outcome.FIXED)
        if disruptive:
            lines.append(style.paint(f"!! {disruptive} of them reimage every node pool of their cluster: plan a maintenance window", "warn"))
        if outcomes[Outcome.HELD]:
            lines.append(style.paint(
                f"{outcomes[Outcome.HELD]} replacement fix{'es' if outcomes[Outcome.HELD] != 1 else ''} held back: "
                "they would destroy and recreate the cluster (apply with --allow-replacement, or raise the azurerm version)", "yellow"
            ))
        if outcomes[Outcome.MANUAL]:
            lines.append(style.paint(f"{outcomes[Outcome.MANUAL]} need a person (see the guidance above)", "manual"))
        if outcomes[Outcome.FAILED]:
            lines.append(style.paint(f"{outcomes[Outcome.FAILED]} could not be edited safely (see the errors)", "red"))
    if problems:
        lines.append(style.paint(f"{problems} file{'s' if problems != 1 else ''} could not be read or written (see the errors)", "input-error"))
    left = remaining_text(remaining_groups(reports))
    if left:
        lines.append(left)
    return "\n".join(lines)


def bases_json(prefix: str, result, bases_dir: str) -> dict:
    return {
        "dir": display_path(prefix, bases_dir),
        "namespaces": [{"name": n.name, "file": display_path(prefix, n.file), "line": n.line, "source": n.source} for n in result.namespaces],
        "skipped": [{"name": n.name, "file": display_path(prefix, n.file), "line": n.line, "reason": n.reason} for n in result.skipped],
        "files": [display_path(prefix, c.relpath) for c in result.changes],
        "kept": [display_path(prefix, k) for k in result.kept],
        "existing_policies": [{"namespace": p.namespace, "kind": p.kind, "name": p.name, "file": display_path(prefix, p.file), "line": p.line}
                              for p in getattr(result, "existing_policies", ())],
        **({"flows": _flows().to_json(result.flows)} if getattr(result, "flows", None) is not None else {}),
    }


def _flows():
    from fixer.kustomize.flows import summary

    return summary


def bases_text(prefix: str, result, bases_dir: str, dry_run: bool, branch: str | None = None) -> str:
    names = sorted({n.name for n in result.namespaces})
    where = display_path(prefix, bases_dir)
    lines = [f"bases in {where}: {len(names)} namespace{'s' if len(names) != 1 else ''}" + (f" ({', '.join(names)})" if names else " (none found: add --namespace NAME)")]
    skipped: dict[str, list[str]] = {}
    for item in result.skipped:
        skipped.setdefault(item.reason, []).append(item.name)
    for reason, items in sorted(skipped.items()):
        lines.append(f"    skipped ({reason}): {', '.join(sorted(set(items)))}")
    if result.changes:
        files = f"{len(result.changes)} file{'s' if len(result.changes) != 1 else ''}"
        if branch and not dry_run:
            lines.append(f"    {files} committed to {branch}")
        else:
            lines.append(f"    {'would write' if dry_run else 'wrote'} {files}")
    else:
        lines.append("    up to date")
    for kept in result.kept:
        lines.append(f"    kept {display_path(prefix, kept)}: edited by a person since akfix wrote it (--force overwrites)")
    for policy in getattr(result, "existing_policies", ()):
        lines.append(f"    {policy.namespace} already has {policy.kind} {policy.name} ({display_path(prefix, policy.file)}:{policy.line}): "
                     "with default-deny, only what such policies allow gets through; review them together")
    if getattr(result, "flows", None) is not None:
        lines += _flows().summary_lines(result.flows)
    lines.append("    roll out: staging first; DNS allow before default-deny egress; then `kubectl apply -k` one namespace at a time")
    return "\n".join(lines)


def delivery_text(delivery) -> str:
    """What happened to the remediation branch and its pull request, for people."""
    short = (delivery.commit or "")[:10]
    lines = {
        "created": f"branch {delivery.branch}: created from {delivery.base} ({short}, {len(delivery.files)} files)",
        "updated": f"branch {delivery.branch}: rebuilt from {delivery.base} ({short}, {len(delivery.files)} files)",
        "unchanged": f"branch {delivery.branch}: up to date ({short})",
        "nothing": f"branch {delivery.branch}: not created, nothing to change",
        "refused": f"branch {delivery.branch}: {delivery.message}",
    }
    out = [lines[delivery.status]]
    if delivery.pushed:
        out.append(f"pushed {delivery.branch}")
    if delivery.pr_action and delivery.status != "refused":
        out.append(f"pull request {delivery.pr_action}: {delivery.pr_url}")
    return "\n".join(out)


def _api_line(api: str, versions) -> str:
    """The API version, and where akfix learned it when it came from a package (Pulumi azure-native)."""
    return f"API version {api}" + (f" (sent by {versions.source})" if versions.known else "")
