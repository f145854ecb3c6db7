"""Findings: what a gate (`akfix check`) or a report (SARIF, JUnit) holds against the scanned code.

The pipeline says what each cluster is (status, fix); this module says which of those are findings,
of which kind, where to point, and why, in one place, so that every renderer (text, JSON, SARIF,
JUnit) tells the same story. An Assessment is a plain value: a later step (suppressions, a
baseline) can take one and return another with some findings moved to `suppressed`, before any
renderer runs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import Enum

from fixer.model import ENGINES, Problem, Status
from fixer.pipeline import ClusterReport, Outcome, RunResult
from fixer.report.text import display_path, policy_source


class Kind(str, Enum):
    """A finding's kind; also its SARIF rule id and its JUnit failure type."""

    MISSING = "missing"
    NONE = "none"
    UNRESOLVED = "unresolved"
    ENGINE_NOT_ALLOWED = "engine-not-allowed"
    INPUT_ERROR = "input-error"


@dataclass(frozen=True)
class Rule:
    """What a kind means, for people and for code-scanning tools."""

    name: str  # PascalCase, as SARIF reportingDescriptor.name wants
    short: str
    full: str
    help: str
    anchor: str  # README section (GitHub heading anchor) that explains it
    level: str  # SARIF level: error | warning | note
    severity: str | None  # GitHub's security-severity (CVSS-like 0-10), None: not a security finding


RULES: dict[Kind, Rule] = {
    Kind.MISSING: Rule(
        "NetworkPolicyMissing",
        "AKS cluster has no network-policy engine",
        "The cluster's network profile sets no network policy, so Kubernetes NetworkPolicy objects are accepted and "
        "silently not enforced: every pod can reach every other pod.",
        "Set a network-policy engine (cilium, calico or azure). `akfix apply` writes the change where the value lives "
        "and says whether it reimages nodes or would recreate the cluster; `akfix explain` shows why.",
        "rule-missing",
        "error",
        "7.5",
    ),
    Kind.NONE: Rule(
        "NetworkPolicyNone",
        "AKS cluster sets its network policy to none",
        "The network policy is explicitly \"none\" or the empty string. Checkov, KICS and Trivy pass this; the cluster "
        "enforces no NetworkPolicy at all.",
        "Replace the value with a real engine (cilium, calico or azure), where it is written: the resource, a variable "
        "default, a tfvars or parameters file. `akfix apply` does it.",
        "rule-none",
        "error",
        "7.5",
    ),
    Kind.UNRESOLVED: Rule(
        "NetworkPolicyUnresolved",
        "AKS network policy is set by an expression akfix cannot resolve",
        "The network policy comes from an expression (or a dynamic block) whose value akfix cannot evaluate, so "
        "nobody can tell from the code whether an engine runs.",
        "Write a literal where the value comes from, or give akfix the live values with --plan "
        "(`terraform show -json`).",
        "rule-unresolved",
        "warning",
        "5.0",
    ),
    Kind.ENGINE_NOT_ALLOWED: Rule(
        "NetworkPolicyEngineNotAllowed",
        "AKS cluster runs a network-policy engine this check does not allow",
        "The cluster enforces network policies, but with an engine outside --allowed-engines (for example azure, "
        "the Network Policy Manager that Azure retires).",
        "Move the cluster to an allowed engine: `akfix apply --switch --engine ENGINE` where the transition table "
        "allows it, or follow the guidance of `akfix explain`.",
        "rule-engine-not-allowed",
        "error",
        "5.0",
    ),
    Kind.INPUT_ERROR: Rule(
        "InputError",
        "A file could not be read or parsed",
        "akfix could not read or parse this file, so clusters in it may be unreported. The rest of the run went on.",
        "Fix the syntax or the encoding (akfix reads UTF-8), or remove the file from the scanned tree.",
        "rule-input-error",
        "error",
        None,
    ),
}

HELP_BASE = "https://github.com/akfix/akfix"


def help_uri(kind: Kind) -> str:
    return f"{HELP_BASE}#{RULES[kind].anchor}"


@dataclass(frozen=True)
class Location:
    """Where a finding points: the offending value where it is written, else the resource header.
    `text`: the value's source text on that line (its column is looked up when rendering)."""

    file: str  # relative to the scanned root
    line: int
    text: str | None = None


@dataclass(frozen=True)
class Finding:
    kind: Kind
    prefix: str  # display prefix of the scanned root ("" for a single root)
    location: Location
    message: str  # one line: why this is a finding
    report: ClusterReport | None = None  # the cluster, or None for an input error
    problem: Problem | None = None
    suppression: object = None  # why a filter set it aside (fixer.suppress.rules.Suppression), if it did

    @property
    def fingerprint(self) -> str:
        """Stable across unrelated edits: the kind, the cluster's file and address (and view),
        never a line number; an input error: its file and message."""
        if self.report is not None:
            cluster = self.report.cluster
            parts = (self.kind.value, display_path(self.prefix, cluster.file), cluster.address, cluster.environment or "")
        else:
            parts = (self.kind.value, display_path(self.prefix, self.location.file), self.message)
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]

    def to_json(self, cluster: int | None) -> dict:
        """`cluster`: the index of its cluster in the document's `clusters` (None: an input error),
        which holds the address, view and fix; a finding does not repeat them."""
        return {
            "kind": self.kind.value,
            "file": display_path(self.prefix, self.location.file),
            "line": self.location.line,
            "cluster": cluster,
            "message": self.message,
            "fingerprint": self.fingerprint,
        }


@dataclass(frozen=True)
class Root:
    prefix: str  # "" for a single root (design.md: files are relative to the scanned root)
    label: str  # the PATH as given, for people (JUnit suite names)
    result: RunResult
    seconds: float = 0.0


@dataclass(frozen=True)
class Assessment:
    """Every cluster of the run and the findings against them, before any renderer runs."""

    engine: str
    allowed: tuple[str, ...]
    roots: tuple[Root, ...]
    findings: tuple[Finding, ...]
    suppressed: tuple[Finding, ...] = ()  # findings a filter (suppressions, baseline) set aside
    screened: object = None  # the filter's record (fixer.suppress.screen.Screened): sources, reasons, warnings
    live_only: tuple = ()  # fixer.facts.live_only.LiveOnly: live clusters no code declares (never findings)

    @property
    def clusters(self) -> list[tuple[str, ClusterReport]]:
        return [(root.prefix, report) for root in self.roots for report in root.result.clusters]

    @property
    def problems(self) -> list[tuple[str, Problem]]:
        return [(f.prefix, f.problem) for f in self.findings if f.problem is not None]

    @property
    def exit_code(self) -> int:
        """design.md: 2 for input errors, else 1 for findings, else 0."""
        if any(f.kind is Kind.INPUT_ERROR for f in self.findings):
            return 2
        return 1 if self.findings else 0

    def findings_of(self, report: ClusterReport) -> list[Finding]:
        return [f for f in self.findings if f.report is report]

    def suppressed_of(self, report: ClusterReport) -> list[Finding]:
        return [f for f in self.suppressed if f.report is report]


def allowed_engines(engines: tuple[str, ...], listed: tuple[str, ...] | None) -> tuple[str, ...]:
    """Every real engine unless a list narrows it; the engines akfix moves clusters to are always allowed."""
    chosen = set(listed or ENGINES) | set(engines)
    return tuple(e for e in ENGINES if e in chosen)


def assess(engine: str, allowed: tuple[str, ...], roots: list[Root]) -> Assessment:
    findings: list[Finding] = []
    for root in roots:
        for report in root.result.clusters:
            finding = cluster_finding(root.prefix, report, allowed)
            if finding is not None:
                findings.append(finding)
        findings.extend(problem_finding(root.prefix, p) for p in root.result.problems)
    return Assessment(engine, allowed, tuple(roots), tuple(findings))


def problem_finding(prefix: str, problem: Problem) -> Finding:
    return Finding(Kind.INPUT_ERROR, prefix, Location(problem.file, problem.line), problem.message, problem=problem)


def cluster_finding(prefix: str, report: ClusterReport, allowed: tuple[str, ...]) -> Finding | None:
    kind = _kind(report, allowed)
    if kind is None:
        return None
    location = _location(report)
    return Finding(kind, prefix, location, _why(prefix, report, kind, allowed, location), report=report)


def _kind(report: ClusterReport, allowed: tuple[str, ...]) -> Kind | None:
    if report.status is Status.COMPLIANT:
        return None if report.policy in allowed else Kind.ENGINE_NOT_ALLOWED
    return Kind(report.status.value)


def _location(report: ClusterReport) -> Location:
    """The policy value where it is written (a tfvars line, a param default, a variable default of
    null), when the code has one; else the resource header."""
    cluster = report.cluster
    value = cluster.profile.policy
    if value.line is not None and not cluster.profile.block_dynamic:
        text = value.text if not value.is_missing else ("null" if value.origin and value.origin.kind == "null" else None)
        return Location(value.file or cluster.profile_file or cluster.file, value.line, text)
    return Location(cluster.file, cluster.line)


def _why(prefix: str, report: ClusterReport, kind: Kind, allowed: tuple[str, ...], location: Location) -> str:
    cluster, value = report.cluster, report.cluster.profile.policy
    name = cluster.address + (f" [{display_path(prefix, cluster.environment)}]" if cluster.environment else "")
    source = policy_source(cluster)
    notes = []  # the finding points at the value: say how it was reached and where the cluster is
    if source and kind is not Kind.MISSING:
        notes.append(f"via {source['via']}")
    if (location.file, location.line) != (cluster.file, cluster.line):
        notes.append(f"cluster at {display_path(prefix, cluster.file)}:{cluster.line}")
    if kind is Kind.MISSING:
        why = f"{name} sets no network-policy engine"
        if cluster.profile.dynamic_none:
            notes.insert(0, "its dynamic network_profile renders no block in this run")
        elif source:
            notes.insert(0, f"{source['via']} is null")
    elif kind is Kind.NONE:
        why = f'{name} sets the network policy to "{value.text}"' if value.text else f'{name} sets the network policy to "", i.e. none'
    elif kind is Kind.UNRESOLVED:
        why = f"{name}: network_profile is a dynamic block" if cluster.profile.block_dynamic else f"{name} sets the network policy by an expression akfix cannot resolve: {value.text}"
    else:
        why = f"{name} runs {report.policy}, not one of the allowed engines ({', '.join(allowed)})"
    return why + (f" ({'; '.join(notes)})" if notes else "") + f"; {fix_note(report, kind)}"


def fix_note(report: ClusterReport, kind: Kind) -> str:
    """What akfix can do about it, in a few words."""
    fix = report.fix
    if fix is None:
        if kind is Kind.ENGINE_NOT_ALLOWED:
            return "move it with `akfix apply --switch --engine ENGINE`"
        return "no fix planned"
    if report.outcome is Outcome.FIXED:
        return f"fix: {fix.risk.value}, `akfix apply` writes it"
    if report.outcome is Outcome.HELD:
        return "fix: would replace the cluster, held back (--allow-replacement)"
    if report.outcome is Outcome.FAILED:
        return "fix: could not be edited safely"
    return f"needs a person: {fix.summary}"
