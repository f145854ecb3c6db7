"""The words for people about what was learned from flows: the lines under `akfix bases`, the
JSON entry, and the data of the pull request's section (templates/pr/body.md.j2).
"""

from __future__ import annotations

from fixer.kustomize.flows.allows import line
from fixer.kustomize.flows.plan import FILE_NAME, Learned

MAX_LISTED = 10  # lines per list in the text summary


def summary_lines(learned: Learned) -> list[str]:
    """The indented lines `akfix bases` prints under its own."""
    stats, allows, observed = learned.stats, learned.allows, learned.observed
    out = [f"    flows: {stats.flows} read from {len(stats.files)} file{'s' if len(stats.files) != 1 else ''}"
           + (f" ({stats.bad_lines} bad lines)" if stats.bad_lines else "")
           + f"; {observed.request_flows} requests in {len(observed.requests)} pairs"]
    ignored = [f"{count} {why}" for why, count in _ignored(learned)]
    if allows.dns:
        ignored.append(f"{allows.dns} DNS (the base allows it)")
    if stats.other_events:
        ignored.append(f"{stats.other_events} other Hubble events")
    if ignored:
        out.append("    ignored: " + ", ".join(ignored))
    for n in allows.namespaces:
        span = f", {n.first} .. {n.last}" if n.first else ""
        out.append(f"    {FILE_NAME} for {n.namespace}: {n.rules} allow{'s' if n.rules != 1 else ''} from {n.flows} flows{span}"
                   + (" (with a CiliumNetworkPolicy for outside traffic)" if n.cilium else ""))
    if allows.uncovered:
        out.append(f"    seen in flows, no base: {', '.join(allows.uncovered)} (add --namespace NAME to cover them)")
    if allows.below_threshold:
        out.append(f"    below --min-flows, left denied: {len(allows.below_threshold)} pair{'s' if len(allows.below_threshold) != 1 else ''}")
        out += [f"        {line(o)}" for o in allows.below_threshold[:MAX_LISTED]]
    if observed.drops:
        out.append(f"    DROPPED flows seen: {len(observed.drops)} pair{'s' if len(observed.drops) != 1 else ''} (would these need an allow?)")
        out += [f"        {line(o)}" for o in observed.drops[:MAX_LISTED]]
    if allows.for_person:
        out.append(f"    for a person (not allowed by akfix): {len(allows.for_person)}")
        out += [f"        {text}" for text in allows.for_person[:MAX_LISTED]]
    if observed.unattributed:
        out.append("    endpoints without a stable identity: " + "; ".join(observed.unattributed[:3]))
    if learned.replay is not None:
        out.append(f"    replay: {learned.replay.headline()}")
        out += [f"        allowed although never observed: {text}" for text in learned.replay.unobserved_allowed[:MAX_LISTED]]
    return out


def _ignored(learned: Learned) -> list[tuple[str, int]]:
    """What was not used, with replies counted whether they were parsed or not."""
    counts = dict(learned.observed.ignored)
    if learned.stats.replies:
        counts["replies"] = counts.get("replies", 0) + learned.stats.replies
    return sorted(counts.items())


def to_json(learned: Learned) -> dict:
    stats, allows, observed, result = learned.stats, learned.allows, learned.observed, learned.replay
    return {
        "files": list(stats.files), "lines": stats.lines, "flows": stats.flows, "bad_lines": stats.bad_lines,
        "other_events": stats.other_events,
        "requests": observed.request_flows, "ignored": dict(_ignored(learned)), "dns": allows.dns,
        "namespaces": [{"name": n.namespace, "allows": n.rules, "flows": n.flows, "first": n.first, "last": n.last,
                        "drops": [line(o) for o in n.drops]} for n in allows.namespaces],
        "drops": [line(o) for o in observed.drops], "for_person": list(allows.for_person),
        "below_min_flows": [line(o) for o in allows.below_threshold], "uncovered": list(allows.uncovered),
        "replay": None if result is None else {
            "observed_flows": result.observed_flows, "observed_pairs": result.observed_pairs, "denied": list(result.denied),
            "unobserved_pairs": result.unobserved, "unobserved_allowed": list(result.unobserved_allowed), "ok": result.ok},
    }


def pr_sections(results) -> tuple[dict, ...]:
    """The pull request's flows sections: one per BasesResult that learned from flows."""
    return tuple(pr_section(r.flows) for r in results if getattr(r, "flows", None) is not None)


def pr_section(learned: Learned) -> dict:
    """What the pull request says about the allows: per namespace, and the drops."""
    return {
        "namespaces": [{"name": n.namespace, "allows": n.rules, "flows": n.flows, "first": n.first, "last": n.last,
                        "cilium": n.cilium} for n in learned.allows.namespaces],
        "drops": [line(o) for o in learned.observed.drops],
        "for_person": list(learned.allows.for_person),
        "replay": learned.replay.headline() if learned.replay else "",
    }
