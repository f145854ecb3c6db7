"""The hook `kustomize.generate.plan_bases` calls when flows are given: read and aggregate the
flow files (once per run, whatever the number of repositories), plan `allow-observed.yaml` per
covered namespace, and after the write plan replay the result. Also the words for people: the text
summary, the JSON entry and the pull-request section's data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from fixer.kustomize.flows.aggregate import Aggregator, Observed
from fixer.kustomize.flows.allows import Allows, line, plan_allows
from fixer.kustomize.flows.read import MAX_REPORTED, ReadStats, finish_file, is_gzip, read_flows
from fixer.kustomize.flows.replay import Replay, replay
from fixer.kustomize.paths import UnsafePath, inside
from fixer.model import Problem

FILE_NAME = "allow-observed.yaml"
MAX_LISTED = 10  # lines per list in the text summary


@dataclass(frozen=True)
class Learned:
    files: dict = field(hash=False)  # relative to the bases dir -> rendered bytes
    allows: Allows
    observed: Observed
    stats: ReadStats = field(hash=False)
    problems: tuple[Problem, ...] = ()
    replay: Replay | None = None

    @property
    def namespaces(self) -> set[str]:
        return {n.namespace for n in self.allows.namespaces}


PARALLEL_FROM = 32 << 20  # plain files this large are read by several processes at once


@lru_cache(maxsize=4)
def _observe(files: tuple[tuple[str, int, int], ...]) -> tuple[Observed, ReadStats, tuple[Problem, ...]]:
    aggregator = Aggregator()
    stats = ReadStats()
    problems: list[Problem] = []
    add = aggregator.add
    for shown, size, _ in files:
        workers = _workers(Path(shown), size)
        if workers > 1:
            _observe_in_parallel(Path(shown), shown, size, workers, aggregator, stats, problems)
            continue
        for flow in read_flows(Path(shown), shown, problems, stats):
            add(flow)
    return aggregator.result(), stats, tuple(problems)


def _workers(path: Path, size: int) -> int:
    """Processes for one file: one per core for a large plain file (JSON parsing is the cost and
    holds the GIL); one for gzip, which can only be read from its start."""
    import multiprocessing
    import os

    if size < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    try:
        if is_gzip(path):
            return 1
    except OSError:
        return 1
    return min(os.cpu_count() or 1, 4)


def _spans(path: Path, size: int, parts: int) -> list[tuple[int, int]]:
    """Byte ranges that start at line starts."""
    offsets = [0]
    with path.open("rb") as handle:
        for part in range(1, parts):
            handle.seek(max(size * part // parts, offsets[-1]))
            handle.readline()
            offsets.append(min(handle.tell(), size))
    offsets.append(size)
    return [(start, end) for start, end in zip(offsets, offsets[1:]) if end > start]


def _observe_span(job: tuple[str, int, int]):
    shown, start, end = job
    aggregator, stats, problems = Aggregator(), ReadStats(), []
    for flow in read_flows(Path(shown), shown, problems, stats, span=(start, end)):
        aggregator.add(flow)
    return aggregator.export(), stats, problems


def _observe_in_parallel(path: Path, shown: str, size: int, workers: int, aggregator: Aggregator, stats: ReadStats,
                         problems: list[Problem]) -> None:
    """One file, its spans read by forked processes and merged in order: line numbers in problems
    are the file's, as if it had been read from the start."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from dataclasses import replace

    jobs = [(shown, start, end) for start, end in _spans(path, size, workers)]
    with ProcessPoolExecutor(len(jobs), mp_context=multiprocessing.get_context("fork")) as pool:
        parts = list(pool.map(_observe_span, jobs))
    stats.files.append(shown)
    before, listed, bad = stats.lines, [], 0
    for exported, part, found in parts:
        aggregator.merge(exported)
        listed += [replace(p, line=p.line + stats.lines - before) if p.line else p for p in found if p.line]
        problems += [p for p in found if not p.line]  # a span that could not be read at all
        bad += part.bad_lines
        stats.lines += part.lines
        stats.flows += part.flows
        stats.replies += part.replies
        stats.other_events += part.other_events
        stats.bad_lines += part.bad_lines
    problems += listed[:MAX_REPORTED]
    finish_file(shown, problems, stats.lines - before, sum(part.flows for _, part, _ in parts), bad)


def observe(paths: tuple[str, ...]) -> tuple[Observed, ReadStats, tuple[Problem, ...]]:
    """Read every flow file once per run (cached on name, size and modification time)."""
    keys = []
    for name in paths:
        try:
            info = Path(name).stat()
            keys.append((name, info.st_size, info.st_mtime_ns))
        except OSError:
            keys.append((name, -1, -1))
    return _observe(tuple(keys))


def learn(paths: tuple[str, ...], covered: list[str], system: frozenset[str], engine: str, min_flows: int, render) -> Learned:
    observed, stats, problems = observe(paths)
    allows = plan_allows(observed, frozenset(covered), system, engine, min_flows)
    files = {
        f"namespaces/{n.namespace}/{FILE_NAME}": render(
            "allow-observed.yaml.j2", namespace=n.namespace, policies=n.policies, flows=n.flows, first=n.first, last=n.last)
        for n in allows.namespaces
    }
    return Learned(files, allows, observed, stats, problems)


def prove(learned: Learned, covered: list[str], wanted: dict[str, bytes], kept, root: Path, relbases: str, min_flows: int) -> Learned:
    """Replay against the files as they will be: akfix's new content, a person's kept edits, and
    other files already there. An observed request they would drop is a problem (exit 2)."""
    kept = set(kept)

    def read(relative: str) -> bytes | None:
        if relative in wanted and f"{relbases}/{relative}" not in kept:
            return wanted[relative]
        try:
            path = inside(root, f"{relbases}/{relative}")
        except UnsafePath:
            return None
        return path.read_bytes() if path.is_file() else None

    result = replay(learned.observed, frozenset(covered), read, min_flows, learned.allows.outside)
    problems = list(learned.problems)
    problems += [Problem(f"{relbases}/namespaces", 0, f"replay: {message}") for message in result.problems]
    problems += [Problem(f"{relbases}/namespaces", 0, f"replay: {message}") for message in result.denied]
    return Learned(learned.files, learned.allows, learned.observed, learned.stats, tuple(problems), result)


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
