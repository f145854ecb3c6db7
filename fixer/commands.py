"""What `akfix scan` and `akfix apply` do with the pipeline's results."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from fixer import report
from fixer.deliver import write_changes
from fixer.model import Problem
from fixer.pipeline import Options, RunResult, run
from fixer.suppress import command as suppression

EXIT_OK, EXIT_REMAINING, EXIT_ERROR = 0, 1, 2


def _roots(paths: list[Path]) -> list[tuple[str, Path]]:
    """(display prefix, root) per PATH; the prefix is empty for a single root (design.md: file
    is relative to the scanned root)."""
    paths = paths or [Path(".")]
    return [("" if len(paths) == 1 else str(p), p) for p in paths]


def _run_all(args, options: Options, verify: bool) -> list[tuple[str, RunResult]]:
    options = suppression.with_rules(args, options)
    results = []
    for prefix, path in _roots(args.paths):
        root = path if path.is_dir() else path.parent
        result = run(root, options, verify=verify)
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
        results.append((prefix, result))
    return results


def _flatten(results):
    reports = [(prefix, r) for prefix, result in results for r in result.clusters]
    problems = [(prefix, p) for prefix, result in results for p in result.problems]
    changes = [(prefix, c) for prefix, result in results for c in result.changes]
    return reports, problems, changes


def _not_inspected(results):
    return [(prefix, m) for prefix, result in results for m in result.not_inspected]


def _print_problems(problems) -> None:
    for prefix, problem in problems:
        where = f"{report.display_path(prefix, problem.file)}:{problem.line}: " if problem.file else ""
        print(f"akfix: {where}{problem.message}", file=sys.stderr)


def _exit_code(problems, remaining: bool) -> int:
    if problems:
        return EXIT_ERROR
    return EXIT_REMAINING if remaining else EXIT_OK


def run_scan(args, options: Options) -> int:
    screened = suppression.screen_run(args, _run_all(args, options, verify=False))
    results = screened.results
    reports, problems, _ = _flatten(results)
    if getattr(args, "create_baseline", None) is not None:
        problems += suppression.create_baseline(args.create_baseline, screened)
        _print_problems(problems)
        return _exit_code(problems, remaining=False)
    unknown = _not_inspected(results)
    if args.format == "json":
        print(suppression.add_to_json(report.to_json(options.engine, reports, problems, not_inspected=unknown, written=False), screened))
    else:
        print(suppression.table(reports, screened, verbose=not args.quiet))
        if unknown:
            print(report.not_inspected_text(unknown))
        if not args.quiet:
            print()
            print(report.summary([r for _, r in reports], len(problems), None, options.allow_replacement))
            suppression.print_summary(screened, verbose=True)
    _print_problems(problems)
    suppression.print_warnings(screened)
    remaining = any(r.status.value != "compliant" for _, r in reports)
    return _exit_code(problems, remaining)


def _bases_options(args):
    from fixer.kustomize import BasesOptions

    return BasesOptions(
        bases_dir=args.bases_dir,
        engine=args.engine,
        namespaces=tuple(args.namespace),
        exclude=tuple(args.exclude_namespace),
        allow=tuple(args.allow_namespace),
        localdns=args.localdns,
        same_namespace=args.allow_same_namespace,
        force=args.force,
    )


def _plan_bases(root: Path, args, listing=None):
    from fixer.discover import list_files
    from fixer.kustomize import plan_bases

    return plan_bases(listing or list_files(root, getattr(args, "skip", None)), _bases_options(args))


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
            sys.stdout.write(diff)
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

    from fixer.lock import LockBusy, announce_on_stderr, repository_lock, repository_top

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
    screened = suppression.screen_run(args, _run_all(args, options, verify=True))
    results = screened.results
    reports, problems, changes = _flatten(results)
    bases = []
    if not args.no_bases:
        for prefix, result in results:
            if result.clusters:  # only repositories that hold clusters get policies
                planned = _plan_bases(result.root, args, result.listing)
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
        sys.stdout.write(diff)
    info = sys.stderr if args.format == "text" else None
    if args.format == "json":
        document = report.to_json(options.engine, reports, problems, diff=diff if args.dry_run else None,
                                  not_inspected=_not_inspected(results), written=not args.dry_run)
        if bases or delivery:
            loaded = json.loads(document)
            if bases:
                loaded["bases"] = [report.bases_json(prefix, planned, args.bases_dir) for prefix, planned in bases]
            if delivery:
                loaded["delivery"] = delivery.to_json()
            document = json.dumps(loaded, indent=2)
        print(suppression.add_to_json(document, screened))
    elif not args.quiet:
        committed = delivery.branch if delivery and delivery.status in ("created", "updated", "unchanged") else None
        print(suppression.table(reports, screened, dry_run=args.dry_run, branch=committed), file=info)
        if _not_inspected(results):
            print(report.not_inspected_text(_not_inspected(results)), file=info)
        print(file=info)
        print(report.summary([r for _, r in reports], len(problems), args.dry_run, options.allow_replacement, committed), file=info)
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
    from fixer import pr_text
    from fixer.forges import ForgeError, ForgeSetupError
    from fixer.git import GitError
    from fixer.remediate import Refused, deliver

    root = results[0][1].root
    bases_changes = [c for _, planned in bases for c in planned.changes]
    namespaces = [n.name for _, planned in bases for n in planned.namespaces]
    remediation = pr_text.describe(engine, [r for _, r in reports], bases_changes, namespaces, args.bases_dir)
    try:
        delivery = deliver(root, [c for _, c in changes], remediation, branch)
    except (Refused, GitError, ForgeError, ForgeSetupError) as exc:
        problems.append(("", Problem("", 0, f"branch {branch.branch}: {exc}")))
        return None
    if delivery.status == "refused":
        problems.append(("", Problem("", 0, f"branch {branch.branch}: {delivery.message}")))
    return delivery
