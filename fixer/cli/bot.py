"""`akfix bot`: its options, its run, its report."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from fixer.cli.options import engine_list
from fixer.plan.planner import ASSUMABLE_NETWORKS

EXIT_OK, EXIT_REMAINING, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


def add_bot_parser(commands, parser_class, bases_options) -> None:
    from fixer.cli.branch import add_branch_options

    bot = commands.add_parser("bot", help="clone many repositories and open or update a remediation pull request in each")
    bot.add_argument("repos", nargs="*", metavar="REPO", help="clone URLs or paths of repositories (a base branch other than the default: use --repos)")
    bot.add_argument("--repos", dest="repos_file", type=Path, metavar="FILE", help="a file with one `URL [BASE-BRANCH]` per line (# comments)")
    bot.add_argument("--state", type=Path, default=Path("akfix-bot-state.json"), metavar="FILE",
                     help="the resumable record of finished repositories (default: akfix-bot-state.json)")
    bot.add_argument("--rerun", action="store_true", help="process every repository again, ignoring the state file's record")
    bot.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1), metavar="N", help="repositories processed at once")
    bot.add_argument("--shard", metavar="I/N", help="process only shard I of N (0-based, e.g. $JOB_COMPLETION_INDEX/4)")
    bot.add_argument("--workdir", type=Path, metavar="DIR", help="where clones go (default: the system's temporary directory)")
    bot.add_argument("--format", choices=("text", "json"), default="text")
    bot.add_argument("--engine", type=engine_list, default=("cilium",), metavar="E[,E...]",
                     help="the engine, or a preference per cluster such as cilium,calico (default: cilium)")
    bot.add_argument("--assume-network", choices=ASSUMABLE_NETWORKS)
    bot.add_argument("--azurerm-version", metavar="X.Y.Z")
    bot.add_argument("--switch", action="store_true")
    bot.add_argument("--migrate-kubenet", action="store_true",
                     help="kubenet clusters: phase 1 (to Azure CNI Overlay) first; the engine's pull request follows once it is merged")
    bot.add_argument("--allow-replacement", action="store_true")
    bot.add_argument("--no-bases", action="store_true")
    bot.add_argument("--quiet", "-q", action="store_true")
    bases_options(bot)
    add_branch_options(bot, bot=True)


def run_bot_command(args: argparse.Namespace) -> int:
    from fixer.cli.branch import branch_options
    from fixer.cli.commands import _bases_options
    from fixer.deliver.bot import BotJob, State, in_shard, parse_shard, read_repos, run_bot
    from fixer.pipeline import Options
    from fixer.versions import exactly, parse_version

    try:
        lines = list(args.repos)
        if args.repos_file:
            lines += args.repos_file.read_text(encoding="utf-8").splitlines()
        tasks = read_repos(lines)
        if not tasks:
            raise ValueError("no repositories: give URLs or --repos FILE")
        if args.shard:
            shard = parse_shard(args.shard)
            tasks = [t for t in tasks if in_shard(t, shard)]
        version = None
        if args.azurerm_version:
            parsed = parse_version(args.azurerm_version)
            if parsed is None:
                raise ValueError(f"--azurerm-version: not a version: {args.azurerm_version!r}")
            version = exactly(parsed, "--azurerm-version")
        state = State(args.state)
        if args.rerun:
            state.entries = {}
        options = Options(engine=args.engine[0], fallback_engines=tuple(args.engine[1:]), migrate_kubenet=args.migrate_kubenet,
                          assume_network=args.assume_network, switch_engines=args.switch,
                          allow_replacement=args.allow_replacement, azurerm_version=version)
        job = BotJob(options, None if args.no_bases else _bases_options(args), branch_options(args, bot=True),
                     str(args.workdir) if args.workdir else None)
    except (OSError, ValueError) as exc:
        print(f"akfix: error: {exc}", file=sys.stderr)
        return EXIT_ERROR

    def progress(outcome) -> None:
        if not args.quiet and args.format == "text":
            print(f"{outcome.repo}: {outcome.status}{' ' + outcome.pr_url if outcome.pr_url else ''}", file=sys.stderr, flush=True)

    try:
        outcomes, skipped = run_bot(tasks, job, state, args.workers, progress)
    except KeyboardInterrupt:
        left = sum(1 for t in tasks if not state.done(t))
        print(f"akfix: interrupted; {len(tasks) - left} of {len(tasks)} repositories are recorded in {args.state}; "
              "run the same command again to continue", file=sys.stderr)
        from fixer.interrupts import forget_interrupt

        forget_interrupt()
        return EXIT_INTERRUPTED
    everything = [state.entries[t.key] for t in tasks if t.key in state.entries]
    if args.format == "json":
        print(json.dumps({"version": 1, "repos": everything, "skipped": skipped, "state": str(args.state)}, indent=2))
    else:
        print(report_text(everything, skipped))
    statuses = [e["status"] for e in everything]
    if "error" in statuses:
        return EXIT_ERROR
    if "refused" in statuses or any(e.get("remaining") for e in everything):
        return EXIT_REMAINING
    return EXIT_OK


def report_text(entries: list[dict], skipped: int) -> str:
    width = max([len(e["repo"]) for e in entries] + [4])
    lines = [f"{'REPO':<{width}}  {'RESULT':<9}  DETAIL"]
    for entry in entries:
        detail = entry.get("pr_url") or ""
        if entry.get("message"):
            detail = f"{detail}  {entry['message']}".strip()
        lines.append(f"{entry['repo']:<{width}}  {entry['status']:<9}  {detail}")
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry["status"]] = counts.get(entry["status"], 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    lines.append("")
    lines.append(f"{len(entries)} repositories: {summary}" + (f" ({skipped} already done in an earlier run)" if skipped else ""))
    return "\n".join(lines)
