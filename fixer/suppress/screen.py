"""The suppression filter: one step over a run's findings, between the pipeline and the renderers.

    screen(results, rules) -> Screened(results with suppressed clusters left out and new problems
                                       added, the suppressed ones with their reasons, warnings)

`filter_results` is the pure part (the comments already read); `screen` reads the comments first.
`Holder` asks the same question of one cluster before anything is edited, so `apply` never
writes a suppressed cluster's fix, while the other clusters of the same file are still fixed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator, Mapping

from fixer.discover import read_safely
from fixer.model import Cluster, Problem, Status
from fixer.suppress.baseline import relative
from fixer.suppress.entries import IgnoreEntry
from fixer.suppress.inline import NOTHING, Directive, InlineFile, read_inline
from fixer.suppress.rules import BASELINE, IGNORE_FILE, INLINE, Rules, Suppression, refusal

Inline = Mapping[Path, InlineFile]  # absolute file -> what its comments say


@dataclass(frozen=True)
class Decision:
    suppression: Suppression | None = None
    problems: tuple[Problem, ...] = ()  # suppressions written for this cluster that do not apply
    entry: IgnoreEntry | None = None  # the ignore entry used, if any


@dataclass(frozen=True)
class Suppressed:
    prefix: str  # the scanned root's display prefix, as in commands._roots
    report: object  # pipeline.ClusterReport
    suppression: Suppression


@dataclass(frozen=True)
class Screened:
    results: tuple  # ((prefix, RunResult), ...): suppressed clusters left out, refusals added to problems
    suppressed: tuple[Suppressed, ...] = ()
    warnings: tuple[tuple[str, Problem], ...] = ()  # (prefix, problem): reported, never an error


def value_file(cluster: Cluster) -> str | None:
    """Where the policy value is written (a variable default, a tfvars or .bicepparam file...)."""
    policy = cluster.profile.policy
    return (policy.file or cluster.profile_file or cluster.file) if policy.line else None


def _directives(root: Path, cluster: Cluster, inline: Inline) -> Iterator[tuple[str, Directive]]:
    """The directives attached to a cluster: on its header line, in the comment block directly
    above it, on its network profile's line, on the line of its policy value (wherever that is)."""
    own = inline.get(root / cluster.file, NOTHING)
    lines = [cluster.line]
    above = cluster.line - 1
    while above in own.comment_lines:
        lines.append(above)
        above -= 1
    if cluster.line in own.profile_lines:
        lines.append(own.profile_lines[cluster.line])
    places = [(cluster.file, line) for line in lines]
    if value_file(cluster):
        places.append((value_file(cluster), cluster.profile.policy.line))
    for relpath, line in dict.fromkeys(places):
        directive = inline.get(root / relpath, NOTHING).directives.get(line)
        if directive is not None:
            yield relpath, directive


def decide(root: Path, cluster: Cluster, kind: str, rules: Rules, inline: Inline) -> Decision:
    """What suppresses one finding (`kind`: its status), first comments, then the ignore list,
    then the baseline. Refused comments (no reason, expired, malformed) are returned as problems."""
    if not rules.enabled:
        return Decision()
    problems = []
    for relpath, directive in _directives(root, cluster, inline):
        if not directive.covers(kind) and not directive.error:  # a malformed one is reported wherever it sits
            continue
        why = refusal(directive.error, directive.reason, directive.expires, rules.today)
        if why:
            problems.append(Problem(relpath, directive.line, f"akfix:ignore not applied: {why}"))
            continue
        return Decision(Suppression(INLINE, directive.reason, relpath, directive.line, directive.expires), tuple(problems))
    file = root / cluster.file
    for entry in rules.entries:
        if entry.matches(file, cluster.address, kind) and not _entry_refusal(entry, rules):
            found = Suppression(IGNORE_FILE, entry.reason, relative(entry.source, root), entry.line, entry.expires)
            return Decision(found, tuple(problems), entry)
    if rules.baseline is not None and rules.baseline.holds(file, cluster.address, kind):
        found = Suppression(BASELINE, "accepted in the baseline", relative(rules.baseline.path, root), None)
        return Decision(found, tuple(problems))
    return Decision(None, tuple(problems))


def _entry_refusal(entry: IgnoreEntry, rules: Rules) -> str | None:
    return refusal(None, entry.reason, entry.expires, rules.today)


def is_finding(report) -> bool:
    """What a suppression can cover: a cluster without a working engine, or one akfix would
    change (--switch). A compliant cluster akfix leaves alone needs no suppression."""
    return report.status is not Status.COMPLIANT or bool(report.fix is not None and report.fix.changes)


def filter_results(results, rules: Rules, inline: Inline, findable=is_finding) -> Screened:
    """The pure step: `results` is [(prefix, RunResult)] as commands._run_all returns it.
    `findable(report)`: which clusters a suppression may cover (a gate with allowed engines also
    counts compliant clusters on another engine)."""
    if not rules.enabled or not results:
        return Screened(tuple(results))
    out, suppressed, used = [], [], set()
    for prefix, result in results:
        kept, problems = [], list(result.problems)
        for report in result.clusters:
            decision = decide(result.root, report.cluster, report.status.value, rules, inline) if findable(report) else Decision()
            problems.extend(p for p in decision.problems if p not in problems)
            if decision.suppression is None:
                kept.append(report)
                continue
            suppressed.append(Suppressed(prefix, report, decision.suppression))
            used.add(decision.entry)
        out.append((prefix, replace(result, clusters=tuple(kept), problems=tuple(problems))))
    # Entries are rules of the whole run: their own faults are reported once, at the first root.
    prefix, first = out[0]
    refused = [Problem(relative(e.source, first.root), e.line, f"ignore entry not applied: {why}")
               for e in rules.entries if (why := _entry_refusal(e, rules))]
    out[0] = (prefix, replace(first, problems=first.problems + tuple(refused)))
    unused = [(prefix, Problem(relative(e.source, first.root), e.line, f"ignore entry matched no cluster in this run (path = {e.path.pattern!r})"))
              for e in rules.entries if e not in used and not _entry_refusal(e, rules)]
    return Screened(tuple(out), tuple(suppressed), tuple(unused))


def inline_files(results, findable=is_finding) -> dict[Path, InlineFile]:
    """Read the comments of every file a finding's suppression could sit in (I/O)."""
    headers: dict[tuple[Path, str], set[int]] = {}
    for _, result in results:
        for report in result.clusters:
            if findable(report):
                headers.setdefault((result.root, report.cluster.file), set()).add(report.cluster.line)
                if value_file(report.cluster):
                    headers.setdefault((result.root, value_file(report.cluster)), set())
    return {root / relpath: _read(root, relpath, tuple(sorted(lines))) for (root, relpath), lines in headers.items()}


def _read(root: Path, relpath: str, headers: tuple[int, ...]) -> InlineFile:
    data, _ = read_safely(root, root / relpath, relpath)  # an unreadable file is reported by the scan
    return read_inline(data, relpath, headers) if data else NOTHING


def screen(results, rules: Rules, findable=is_finding) -> Screened:
    """Read the comments, then filter: what commands call between the pipeline and rendering."""
    if not rules.enabled:
        return Screened(tuple(results))
    return filter_results(results, rules, inline_files(results, findable), findable)


class Holder:
    """`pipeline.Options.hold`: is this cluster suppressed (so its fix must not be written)?
    The same decision `filter_results` makes afterwards; comments are read once per file."""

    def __init__(self, rules: Rules):
        self.rules = rules
        self._files: dict[tuple[Path, str, tuple[int, ...]], InlineFile] = {}

    def __call__(self, root: Path, cluster: Cluster) -> bool:
        if not self.rules.enabled:
            return False
        from fixer.plan.planner import status_of

        inline = {root / cluster.file: self._file(root, cluster.file, (cluster.line,))}
        if value_file(cluster) and root / value_file(cluster) not in inline:
            inline[root / value_file(cluster)] = self._file(root, value_file(cluster), ())
        return decide(root, cluster, status_of(cluster).value, self.rules, inline).suppression is not None

    def _file(self, root: Path, relpath: str, headers: tuple[int, ...]) -> InlineFile:
        key = (root, relpath, headers)
        if key not in self._files:
            self._files[key] = _read(root, relpath, headers)
        return self._files[key]
