"""What `akfix scan`, `check`, `explain` and `apply` do with the pipeline's results."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from pathlib import Path

from fixer.cli import suppressions as suppression
from fixer.edit.write import write_changes
from fixer.model import Problem
from fixer.pipeline import Options, RunResult, engines_written, run
from fixer.report import text as report
from fixer.report.findings import Assessment, Root, allowed_engines, assess, cluster_finding
from fixer.report.style import PLAIN, style_for

EXIT_OK, EXIT_REMAINING, EXIT_ERROR = 0, 1, 2


def _roots(paths: list[Path]) -> list[tuple[str, Path]]:
    """(display prefix, root) per PATH; the prefix is empty for a single root (design.md: file
    is relative to the scanned root)."""
    paths = paths or [Path(".")]
    return [("" if len(paths) == 1 else str(p), p) for p in paths]


def _run_all(args, options: Options, verify: bool) -> list[Root]:
    from fixer.report.progress import for_terminal

    options = suppression.with_rules(args, options)  # skip globs; suppressed clusters' fixes held back

    progress = for_terminal(getattr(args, "quiet", False), style_for(args, sys.stderr).enabled)
    try:
        return [_run_one(prefix, path, options, verify, progress) for prefix, path in _roots(args.paths)]
    finally:
        if progress is not None:
            progress.close()


def _run_one(prefix: str, path: Path, options: Options, verify: bool, progress) -> Root:
    started = time.monotonic()
    root = path if path.is_dir() else path.parent
    result = run(root, options, verify=verify, progress=progress)
    if not path.is_dir():
        keep = path.resolve().relative_to(result.root).as_posix()
        result = RunResult(
            result.root,
            tuple(r for r in result.clusters if keep in (r.cluster.file, r.cluster.profile_file)),
            tuple(c for c in result.changes if c.relpath == keep),
            tuple(p for p in result.problems if p.file == keep),
            tuple(m for m in result.not_inspected if m.file == keep),
            result.listing,
        )
    return Root(prefix, str(path), result, time.monotonic() - started)


def gather(args, options: Options) -> Assessment:
    """Run every PATH and judge its clusters: the one place where findings are made. Suppressions
    and the baseline are applied here, between the pipeline and assess(): a suppressed cluster
    leaves the results and its finding moves to `suppressed`; exit codes and every renderer (text,
    JSON, SARIF, JUnit) then follow the filtered value."""
    allowed = allowed_engines(options.engines, getattr(args, "allowed_engines", None))
    roots, screened = _screen(args, _run_all(args, options, verify=False),
                              findable=lambda report: cluster_finding("", report, allowed) is not None)
    if args.command == "check" and getattr(args, "plan", None):
        roots = _with_planned_clusters(roots, getattr(args, "terraform_plans", args.plan))
    assessment = assess(options.engine, allowed, roots)
    aside = tuple(replace(finding, suppression=item.suppression) for item in screened.suppressed
                  if (finding := cluster_finding(item.prefix, item.report, allowed)) is not None)
    return replace(assessment, suppressed=aside, screened=screened, live_only=_live_only(options, assessment.clusters))


def _live_only(options: Options, clusters) -> tuple:
    """Live clusters (--inventory, --from-azure) that no cluster of any PATH was matched to."""
    if options.facts is None:
        return ()
    from fixer.facts.live_only import live_only
    from fixer.facts.match import matched_ids

    return tuple(live_only(options.facts.clusters, matched_ids(r.cluster for _, r in clusters), options.engine))


def _with_planned_clusters(roots: list[Root], plans: list[Path]) -> list[Root]:
    """`check --plan`: the plan's planned clusters join the first root as clusters of their own
    (fixer/facts/plan_gate.py), except those the code of that root declares at the same address."""
    from fixer.cli.config import shown
    from fixer.facts.plan_gate import PlanGateError, planned_clusters
    from fixer.model import Status
    from fixer.pipeline import ClusterReport, Outcome
    from fixer.plan import planner
    from fixer.versions import UNKNOWN

    first = roots[0]
    declared = {r.cluster.address for r in first.result.clusters if r.cluster.format == "terraform"}
    added, problems = [], []
    for path in plans:
        try:
            clusters = planned_clusters(path, shown(path.absolute()))
        except PlanGateError as exc:
            problems.append(Problem(exc.file, exc.line, exc.message))
            continue
        for cluster in clusters:
            if cluster.address in declared:
                continue
            status = planner.status_of(cluster)
            fix = None if status is Status.COMPLIANT else planner.manual_fix(
                "the plan leaves this cluster without a network-policy engine",
                "Set network_policy (cilium, calico or azure) in the code that builds it -- for a registry module, in its "
                "network-profile input -- then plan again.")
            added.append(ClusterReport(cluster, status, planner.effective_policy(cluster), UNKNOWN, fix,
                                       Outcome.OK if fix is None else Outcome.MANUAL))
    result = replace(first.result, clusters=first.result.clusters + tuple(added), problems=first.result.problems + tuple(problems))
    return [replace(first, result=result)] + list(roots[1:])


def _screen(args, roots: list[Root], findable=None):
    """(roots without their suppressed clusters, the Screened record of what was set aside)."""
    screened = suppression.screen_run(args, [(root.prefix, root.result) for root in roots], findable)
    return [replace(root, result=result) for root, (_, result) in zip(roots, screened.results)], screened


def _flatten(results: list[Root]):
    reports = [(root.prefix, r) for root in results for r in root.result.clusters]
    problems = [(root.prefix, p) for root in results for p in root.result.problems]
    changes = [(root.prefix, c) for root in results for c in root.result.changes]
    return reports, problems, changes


def _not_inspected(results: list[Root]):
    return [(root.prefix, m) for root in results for m in root.result.not_inspected]


def _print_problems(problems) -> None:
    for prefix, problem in problems:
        where = f"{report.display_path(prefix, problem.file)}:{problem.line}: " if problem.file else ""
        print(f"akfix: {where}{problem.message}", file=sys.stderr)


def _exit_code(problems, remaining: bool) -> int:
    if problems:
        return EXIT_ERROR
    return EXIT_REMAINING if remaining else EXIT_OK


def run_scan(args, options: Options) -> int:
    return _report(args, gather(args, options))


def run_check(args, options: Options) -> int:
    """The CI gate: findings are clusters without an allowed engine (none and "" fail) and input
    errors; exit 0, 1 or 2 as design.md says."""
    return _report(args, gather(args, options))


def _create_baseline(args, assessment: Assessment) -> int:
    """--create-baseline: record today's findings instead of reporting them."""
    problems = assessment.problems + suppression.create_baseline(args.create_baseline, assessment.screened)
    _print_problems(problems)
    return _exit_code(problems, remaining=False)


def _report(args, assessment: Assessment) -> int:
    """Render the format asked for on stdout and every --output file; the exit code."""
    from fixer.report.outputs import write_output

    if getattr(args, "create_baseline", None) is not None:
        return _create_baseline(args, assessment)
    sys.stdout.write(_render(args.format, assessment, args, style_for(args, sys.stdout)))
    sys.stdout.flush()
    failed = [reason for output in args.output if (reason := write_output(output, _render(output.format, assessment, args, PLAIN)))]
    if not (args.command == "check" and args.format == "text"):  # check's text lists them with the findings
        _print_problems(assessment.problems)
    if assessment.screened is not None:
        suppression.print_warnings(assessment.screened)
    for reason in failed:
        print(f"akfix: error: {reason}", file=sys.stderr)
    if failed:
        return EXIT_ERROR
    if getattr(args, "fail_on_live_only", False) and assessment.exit_code == EXIT_OK and any(not i.compliant for i in assessment.live_only):
        return EXIT_REMAINING  # asked for: a live cluster no code declares runs no engine
    return assessment.exit_code


def _render(fmt: str, assessment: Assessment, args, style) -> str:
    if fmt == "sarif":
        from fixer.edit.lock import repository_top
        from fixer.report.sarif import to_sarif

        base = repository_top(assessment.roots[0].result.root)  # code scanning resolves paths from the repository's top
        return json.dumps(to_sarif(assessment, base, args.sarif_tool_name), indent=2) + "\n"
    if fmt == "junit":
        from fixer.report.junit import to_junit

        return to_junit(assessment, f"akfix {args.command}")
    unknown = [(root.prefix, m) for root in assessment.roots for m in root.result.not_inspected]
    if fmt == "json":
        document = report.json_document(assessment.engine, assessment.clusters, assessment.problems, not_inspected=unknown, written=False)
        index = {id(r): i for i, (_, r) in enumerate(assessment.clusters)}
        document["findings"] = [f.to_json(index.get(id(f.report))) for f in assessment.findings]
        if assessment.live_only:
            document["live_only"] = [item.to_json() for item in assessment.live_only]
        if args.command == "check":
            document["allowed_engines"] = list(assessment.allowed)
            document["passed"] = not assessment.findings
        if assessment.screened is not None:  # suppressed clusters with reason, expiry and source; warnings
            return suppression.add_to_json(json.dumps(document), assessment.screened) + "\n"
        if assessment.suppressed:
            document["suppressed"] = [f.to_json(index.get(id(f.report))) for f in assessment.suppressed]
        return json.dumps(document, indent=2) + "\n"
    parts = []
    if args.command == "check":
        from fixer.report.gate import check_text

        parts.append(check_text(assessment, style))
    elif assessment.screened is not None:
        parts.append(suppression.table(assessment.clusters, assessment.screened, verbose=not args.quiet, style=style))
    else:
        parts.append(report.table(assessment.clusters, verbose=not args.quiet, style=style))
    if unknown:
        parts.append(report.not_inspected_text(unknown))
    if (facts := report.live_facts_text(assessment.clusters, assessment.live_only, verbose=not args.quiet)):
        parts.append(facts)
    if args.command != "check" and not args.quiet:
        parts += ["", report.summary([r for _, r in assessment.clusters], len(assessment.problems), None, False, style=style)]
        if assessment.screened is not None and (told := suppression.summary_text(assessment.screened, verbose=True)):
            parts.append(told)
    return "\n".join(parts) + "\n"


def run_explain(args, options: Options) -> int:
    """Exit 0 once something is explained; 2 when the argument names no cluster (with close names)."""
    from fixer.report.explain import explain, select

    results = _run_all(args, options, verify=False)
    reports, problems, _ = _flatten(results)
    chosen = select(reports, args.target)
    _print_problems(problems)
    if not chosen.matches:
        where = ", ".join(str(p) for p in args.paths) or "."
        lines = [f"akfix: error: no cluster in {where} matches {args.target!r} (give an address, FILE:LINE or FILE)"]
        if chosen.suggestions:
            lines.append("did you mean:" if chosen.close else "the clusters there:")
            lines += [f"    {name}" for name in chosen.suggestions]
        else:
            lines.append("no AKS clusters were found there")
        print("\n".join(lines), file=sys.stderr)
        return EXIT_ERROR
    style = style_for(args, sys.stdout)
    print("\n\n".join(explain(prefix, r, options.engine, style) for prefix, r in chosen.matches))
    return EXIT_OK


def _bases_options(args, engine: str | None = None):
    """`engine`: the engine the fixes of this repository actually wrote, when that is one engine."""
    from fixer.kustomize import BasesOptions

    return BasesOptions(
        bases_dir=args.bases_dir,
        engine=engine or tuple(args.engine)[0],
        namespaces=tuple(args.namespace),
        exclude=tuple(args.exclude_namespace),
        allow=tuple(args.allow_namespace),
        localdns=args.localdns,
        same_namespace=args.allow_same_namespace,
        force=args.force,
        kyverno=args.kyverno,
        connectivity_test=args.connectivity_test,
        flows=tuple(str(name) for name in getattr(args, "flows", None) or ()),
        min_flows=getattr(args, "min_flows", None) or 1,
    )


def _plan_bases(root: Path, args, listing=None, engine: str | None = None):
    from fixer.discover import list_files
    from fixer.kustomize import plan_bases

    return plan_bases(listing or list_files(root, getattr(args, "skip", None)), _bases_options(args, engine))


def _deliver(prefix_changes, dry_run: bool, problems, together=()) -> str:
    """The diff (dry run) or the writes; write failures join `problems`. `together`: (prefix,
    set of files) that make up one fix, written all or none."""
    if dry_run:
        return report.unified_diff(prefix_changes)
    for prefix in dict.fromkeys(p for p, _ in prefix_changes):
        mine = [c for p, c in prefix_changes if p == prefix]
        groups = [files for p, files in together if p == prefix]
        problems.extend((prefix, problem) for problem in write_changes(mine, groups))
    return ""


def _fix_groups(reports, bases) -> list[tuple[str, set[str]]]:
    """The files of each cluster's fix, and of each set of bases: each is written all or none."""
    groups = [(prefix, {file for file, _ in r.edit_lines}) for prefix, r in reports if r.edit_lines]
    groups += [(prefix, {c.relpath for c in planned.changes}) for prefix, planned in bases if planned.changes]
    return groups


def run_bases(args) -> int:
    return _locked(args, lambda: _bases(args))


def _bases(args) -> int:
    results = []
    for prefix, path in _roots(args.paths):
        if not path.is_dir():
            print(f"akfix: error: {path}: not a directory", file=sys.stderr)
            return EXIT_ERROR
        results.append((prefix, _plan_bases(path, args)))
    changes = [(prefix, c) for prefix, r in results for c in r.changes]
    problems = [(prefix, p) for prefix, r in results for p in r.problems]
    diff = _deliver(changes, args.dry_run, problems)
    if args.format == "json":
        print(json.dumps({"version": report.JSON_VERSION, "bases": [report.bases_json(prefix, r, args.bases_dir) for prefix, r in results],
                          "diff": diff if args.dry_run else None,
                          "errors": [{"file": report.display_path(prefix, p.file), "line": p.line, "message": p.message} for prefix, p in problems]}, indent=2))
    else:
        if diff:
            sys.stdout.write(style_for(args, sys.stdout).diff(diff))
        if not args.quiet:
            for prefix, result in results:
                print(report.bases_text(prefix, result, args.bases_dir, args.dry_run), file=sys.stderr if args.dry_run else sys.stdout)
    _print_problems(problems)
    pending = args.dry_run and bool(changes)
    return _exit_code(problems, pending)


def run_apply(args, options: Options) -> int:
    return _locked(args, lambda: _apply(args, options))


def _locked(args, work) -> int:
    """Run `work` under the lock of every repository it writes to (a dry run writes nothing)."""
    if args.dry_run:
        return work()
    from contextlib import ExitStack

    from fixer.edit.lock import LockBusy, announce_on_stderr, repository_lock, repository_top

    tops = sorted({repository_top(p if p.is_dir() else p.parent) for p in (args.paths or [Path(".")])})
    with ExitStack() as stack:
        try:
            for top in tops:  # in one order, so two multi-root runs cannot deadlock
                stack.enter_context(repository_lock(top, getattr(args, "lock_timeout", 60.0), None if args.quiet else announce_on_stderr))
        except LockBusy as exc:
            print(f"akfix: error: {exc}", file=sys.stderr)
            return EXIT_ERROR
        return work()


def _apply(args, options: Options) -> int:
    results, screened = _screen(args, _run_all(args, options, verify=True))
    reports, problems, changes = _flatten(results)
    bases = []
    if not args.no_bases:
        for root in results:
            if root.result.clusters:  # only repositories that hold clusters get policies
                written = engines_written(root.result.clusters)
                engine = written[0] if len(written) == 1 else None  # several: the preferred engine's form
                prefix, planned = root.prefix, _plan_bases(root.result.root, args, root.result.listing, engine)
                bases.append((prefix, planned))
                changes.extend((prefix, c) for c in planned.changes)
                problems.extend((prefix, p) for p in planned.problems)
    branch = getattr(args, "branch_options", None)
    delivery = None
    if branch is not None and not args.dry_run:
        delivery = _deliver_branch(results, reports, changes, bases, options.engine, branch, args, problems)
        diff = ""
    else:
        diff = _deliver(changes, args.dry_run, problems, _fix_groups(reports, bases))
    if args.dry_run and diff and args.format == "text":
        sys.stdout.write(style_for(args, sys.stdout).diff(diff))
    info = sys.stderr if args.format == "text" else None
    style = style_for(args, sys.stderr)
    live_only = _live_only(options, reports)  # listed, never written
    if args.format == "json":
        document = report.json_document(options.engine, reports, problems, diff=diff if args.dry_run else None,
                                        not_inspected=_not_inspected(results), written=not args.dry_run)
        if bases:
            document["bases"] = [report.bases_json(prefix, planned, args.bases_dir) for prefix, planned in bases]
        if live_only:
            document["live_only"] = [item.to_json() for item in live_only]
        if delivery:
            document["delivery"] = delivery.to_json()
        print(suppression.add_to_json(json.dumps(document, indent=2), screened))
    elif not args.quiet:
        committed = delivery.branch if delivery and delivery.status in ("created", "updated", "unchanged") else None
        print(suppression.table(reports, screened, dry_run=args.dry_run, branch=committed, style=style), file=info)
        if _not_inspected(results):
            print(report.not_inspected_text(_not_inspected(results)), file=info)
        if (facts := report.live_facts_text(reports, live_only)):
            print(facts, file=info)
        print(file=info)
        print(report.summary([r for _, r in reports], len(problems), args.dry_run, options.allow_replacement, committed, style=style), file=info)
        suppression.print_summary(screened, verbose=True, file=info)
        for prefix, planned in bases:
            print(report.bases_text(prefix, planned, args.bases_dir, args.dry_run, committed), file=info)
        if delivery:
            print(report.delivery_text(delivery), file=info)
        elif not args.dry_run and changes:
            for prefix, change in changes:
                print(f"wrote {report.display_path(prefix, change.relpath)}", file=info)
    _print_problems(problems)
    suppression.print_warnings(screened)
    remaining = any(r.remains for _, r in reports) or (args.dry_run and bool(changes))
    return _exit_code(problems, remaining)


def _deliver_branch(results, reports, changes, bases, engine: str, branch, args, problems):
    """Commit the changes to the remediation branch (push, pull request) instead of writing the
    working tree. A refusal or a host error joins `problems` (exit 2); nothing is half-written."""
    from fixer.deliver import pr_text
    from fixer.deliver.forges import ForgeError, ForgeSetupError
    from fixer.deliver.git import GitError
    from fixer.deliver.remediate import Refused, deliver
    from fixer.kustomize.flows.summary import pr_sections

    root = results[0].result.root
    bases_changes = [c for _, planned in bases for c in planned.changes]
    namespaces = [n.name for _, planned in bases for n in planned.namespaces]
    existing = [p for _, planned in bases for p in planned.existing_policies]
    remediation = pr_text.describe(engine, [r for _, r in reports], bases_changes, namespaces, args.bases_dir, existing,
                                   pr_sections(planned for _, planned in bases))
    try:
        delivery = deliver(root, [c for _, c in changes], remediation, branch)
    except (Refused, GitError, ForgeError, ForgeSetupError) as exc:
        problems.append(("", Problem("", 0, f"branch {branch.branch}: {exc}")))
        return None
    if delivery.status == "refused":
        problems.append(("", Problem("", 0, f"branch {branch.branch}: {delivery.message}")))
    return delivery
