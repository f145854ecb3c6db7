"""discover -> locate -> plan -> edit -> verify, for one scanned root. Delivery is the caller's."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Callable, Iterable

from fixer.discover import Listing, list_files, read_candidates
from fixer.facts.plan_json import PlanFacts
from fixer.formats.terraform import adapter as terraform
from fixer.globs import Globs
from fixer.model import Cluster, FileChange, Fix, Problem, Risk, Status
from fixer.plan import planner
from fixer.versions import VersionRange


@dataclass(frozen=True)
class Options:
    engine: str = "cilium"
    fallback_engines: tuple[str, ...] = ()  # --engine cilium,calico: where the first cannot be written, the next
    greenfield: Globs = Globs()  # paths of clusters that are not deployed (--greenfield: every path)
    migrate_kubenet: bool = False  # kubenet -> overlay as phase 1 where the engine needs Azure CNI
    assume_network: str | None = None
    switch_engines: bool = False
    allow_replacement: bool = False
    azurerm_version: VersionRange | None = None
    plans: tuple[PlanFacts, ...] = ()
    pulumi_states: tuple = ()  # fixer.facts.pulumi_state.PulumiState: `pulumi stack export` files given with --plan
    read_state: bool = True  # live facts from the terraform.tfstate files of the folders that deploy a cluster
    azapi_updates: bool = True  # calico through azapi_update_resource where azurerm cannot write it in place
    facts: object = None  # fixer.facts.match.LiveFacts: live clusters from --inventory / --from-azure
    skip: object = None  # globs.Globs: files discovery never lists (configuration `skip`)
    @property
    def engines(self) -> tuple[str, ...]:
        """The --engine preference, in order."""
        return (self.engine, *self.fallback_engines)

    # Suppressed clusters (fixer/suppress): planned and reported, but their fixes are never edited,
    # so the other clusters of the same file are still fixed and verified on their own.
    hold: Callable[[Path, Cluster], bool] | None = field(default=None, compare=False)


class Outcome(str, Enum):
    OK = "ok"  # compliant, nothing to do
    FIXED = "fixed"  # the fix is in the changes (written unless dry run)
    HELD = "held"  # a replacement fix, held back without --allow-replacement
    MANUAL = "manual"  # needs a person
    FAILED = "failed"  # the edit failed verification or could not be made
    SUPPRESSED = "suppressed"  # a suppression covers it: the fix is not written


@dataclass(frozen=True)
class ClusterReport:
    cluster: Cluster
    status: Status
    policy: str | None
    versions: VersionRange
    fix: Fix | None
    outcome: Outcome
    edit_lines: tuple[tuple[str, int], ...] = ()  # (file, line) of each edit

    @property
    def remains(self) -> bool:
        """Still without a working engine after this run (what exit code 1 counts)."""
        if self.status is Status.COMPLIANT:
            return False
        return self.outcome is not Outcome.FIXED or (self.fix is not None and self.fix.phase == 1)  # phase 1 writes no engine


def engines_written(reports: Iterable[ClusterReport]) -> tuple[str, ...]:
    """The engines the fixes of a run write (or would write), most clusters first."""
    counts = Counter(r.fix.engine for r in reports if r.outcome is Outcome.FIXED and r.fix is not None and r.fix.engine)
    return tuple(engine for engine, _ in counts.most_common())


@dataclass(frozen=True)
class RunResult:
    root: Path
    clusters: tuple[ClusterReport, ...]
    changes: tuple[FileChange, ...]
    problems: tuple[Problem, ...]
    # module calls that may build clusters but that akfix does not know (decls.ModuleCall), and
    # templates built from a source akfix reads instead (formats/arm/built.BuildOutput)
    not_inspected: tuple = ()
    listing: Listing | None = None  # the files seen, reused by later stages (bases)


def run(root: Path, options: Options, *, verify: bool, progress=None) -> RunResult:
    """Find, plan and (in memory) fix every cluster under `root`. Nothing is written here.
    `progress(stage, done, total)`: optional, told how far each stage is (fixer/progress.py)."""
    listing: Listing = list_files(root, options.skip)
    settings = terraform.Settings(
        engine=options.engine,
        fallback_engines=options.fallback_engines,
        greenfield=options.greenfield,
        migrate_kubenet=options.migrate_kubenet,
        assume_network=options.assume_network,
        switch_engines=options.switch_engines,
        azurerm_version=options.azurerm_version,
        plans=options.plans,
        pulumi_states=options.pulumi_states,
        read_state=options.read_state,
        azapi_updates=options.azapi_updates,
        facts=options.facts.for_root(listing.root) if options.facts is not None else None,
    )
    held = _held(options, listing.root)
    from fixer.formats.python import adapter as python

    # Python programs start first: with many of them, forked workers parse them (libcst is slow to
    # import and to run) while this process does the other formats.
    pending = python.start(listing, settings, verify, options.allow_replacement, progress, held)
    try:
        located, planned, changes, problems, failed, lines, outputs = _other_formats(listing, settings, options, verify, progress, held)
        found, py_changes, py_problems, py_failed, py_lines = pending.finish()
    finally:
        pending.close()
    planned.extend(found)
    changes.extend(py_changes)
    problems.extend(py_problems)
    failed |= py_failed
    lines.update(py_lines)

    reports = []
    for item in list(located.planned) + planned:
        reports.append(
            ClusterReport(
                cluster=item.cluster,
                status=planner.status_of(item.cluster),
                policy=planner.effective_policy(item.cluster),
                versions=item.versions,
                fix=item.fix,
                outcome=_outcome(item.fix, options.allow_replacement, item.key in failed, held(item.cluster)),
                edit_lines=lines.get(item.key, ()) if item.fix else (),
            )
        )
    unknown = (tuple(m for relpath in sorted(located.decls) for m in located.decls[relpath].unknown_modules)
               + tuple(located.remote_terragrunt_runs()) + outputs + pending.never)
    return RunResult(listing.root, tuple(reports), tuple(changes), tuple(problems), unknown, listing)


def _other_formats(listing: Listing, settings, options: Options, verify: bool, progress, held):
    """Terraform, then the formats deployed by a PUT (ARM, Bicep): (Terraform's located modules,
    the PUT formats' planned clusters, changes, problems, failed keys, edit lines, build outputs)."""
    from fixer.kustomize.namespaces import TF_MARKER

    scan = read_candidates(listing, terraform.SUFFIXES, terraform.MARKERS, terraform.MODULE_HINT, terraform.LOCAL_MODULE_CALL,
                           remember=(TF_MARKER,), progress=progress, stage="Terraform: reading", read_links=True)
    candidates, problems = scan.candidates, scan.problems
    located, located_problems = terraform.locate_and_plan(listing, candidates, settings, scan.noted, progress=progress)
    problems.extend(located_problems)

    located.planned = terraform.guard_suppressed_links(located, held)
    writable = [i for i in located.planned if i.fix is not None and i.fix.writable(options.allow_replacement) and not held(i.cluster)]
    changes: list[FileChange] = []
    lines: dict[tuple[str, str, str | None], tuple[tuple[str, int], ...]] = {}
    failed: set[tuple[str, str, str | None]] = set()
    owners: dict[str, list[terraform.Planned]] = defaultdict(list)
    groups = terraform.groups_of(located, writable)
    if verify:
        terraform.prefetch_readback(located, groups)
    for group in groups:
        outcome = terraform.edit_group(located, group, verify=verify)
        lines.update(outcome.edit_lines)
        if outcome.problem:
            problems.append(outcome.problem)
            failed.update(item.key for item in group)
            continue
        changes.extend(outcome.changes)
        for change in outcome.changes:
            owners[change.relpath] = group

    if verify:
        # 4. a file that terraform fmt left unchanged stays unchanged by it (one batch process).
        broken = terraform.fmt_regressions(changes)
        # a fix is written whole or not at all: the other files of a group with a broken file (its
        # provider floor, its module input) would be an unasked-for change on their own
        dropped = {id(owners[relpath]) for relpath in broken}
        for change in [c for c in changes if id(owners[c.relpath]) in dropped]:
            changes.remove(change)
            if change.relpath in broken:
                why = "not written, verification failed: the file was terraform-fmt clean and the edit would break that"
                problems.append(Problem(change.relpath, broken[change.relpath], why))
            else:
                with_it = ", ".join(sorted(r for r in broken if owners[r] is owners[change.relpath]))
                problems.append(Problem(change.relpath, 1, f"not written: it belongs to a fix whose edit of {with_it} failed verification"))
            failed.update(item.key for item in owners[change.relpath])

    from fixer.formats import put
    from fixer.formats.arm.adapter import ARM
    from fixer.formats.bicep.adapter import BICEP

    put_planned, outputs = [], []
    for fmt in (ARM, BICEP):
        found, put_changes, put_problems, put_failed, put_lines, built = put.run(fmt, listing, settings, verify, options.allow_replacement,
                                                                                 progress, held)
        outputs.extend(built)
        put_planned.extend(found)
        changes.extend(put_changes)
        problems.extend(put_problems)
        failed |= put_failed
        lines.update(put_lines)
    return located, put_planned, changes, problems, failed, lines, tuple(outputs)


def _held(options: Options, root: Path) -> Callable[[Cluster], bool]:
    return (lambda cluster: options.hold(root, cluster)) if options.hold else (lambda cluster: False)


def _outcome(fix: Fix | None, allow_replacement: bool, failed: bool, held: bool = False) -> Outcome:
    if fix is None:
        return Outcome.OK
    if fix.risk is Risk.MANUAL:
        return Outcome.MANUAL
    if not fix.writable(allow_replacement):
        return Outcome.HELD
    if held:
        return Outcome.SUPPRESSED
    return Outcome.FAILED if failed else Outcome.FIXED
