"""The command line: parse options, call the pipeline, render, choose the exit code.

Exit codes (design.md): 0 nothing left to fix; 1 clusters without a working network policy
remain (for apply: ones akfix did not or could not fix); 2 usage error, or some input could not be
read, parsed or written (each reported with file, line and reason; the rest is still processed).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from fixer import __version__
from fixer.cli.bot import add_bot_parser, run_bot_command
from fixer.cli.branch import add_branch_options, branch_options
from fixer.cli.facts import add_facts_options, live_facts_of
from fixer.cli.options import add_baseline_options, add_config_options, add_suppression_options, engine_list, settle
from fixer.model import ENGINES
from fixer.plan.planner import ASSUMABLE_NETWORKS

EXIT_OK, EXIT_REMAINING, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 on usage errors, as design.md wants
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"akfix: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="akfix",
        description="Find AKS clusters without a network-policy engine in IaC and fix them safely.",
    )
    parser.add_argument("--version", action="version", version=f"akfix {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    common = _Parser(add_help=False)
    common.add_argument("--engine", type=engine_list, metavar="E[,E...]",
                        help="the engine to move clusters to (default: cilium); a list is a preference per cluster: "
                        "`cilium,calico` = cilium where it can be written, else calico")
    common.add_argument(
        "--assume-network",
        choices=ASSUMABLE_NETWORKS,
        help="what clusters without a network_profile block really run (check with `az aks show --query networkProfile`): "
        "azure (Azure CNI, node or pod subnet), azure-overlay, kubenet",
    )
    common.add_argument("--plan", action="append", type=Path, default=[], metavar="FILE",
                        help="`terraform show -json` output (plan or state), or a Pulumi stack's state (`pulumi stack export`): live values "
                        "and provider version fill in what code cannot say")
    common.add_argument("--no-state", dest="read_state", action="store_false",
                        help="do not read terraform.tfstate files (local backend) for the live values of the clusters they record")
    common.add_argument("--no-azapi", dest="azapi_updates", action="store_false",
                        help="never write calico through an azapi_update_resource (where azurerm cannot add it in place)")
    add_facts_options(common)
    common.add_argument("--azurerm-version", metavar="X.Y.Z", help="the azurerm provider version in use, when no lock file says it")
    common.add_argument("--greenfield", action="store_true",
                        help="the clusters are not deployed (templates, examples, new environments): write the complete recommended "
                        "profile (Azure CNI Overlay + the engine), move kubenet to overlay, raise the provider floor it needs; "
                        "`greenfield = [globs]` in .akfix.toml marks paths instead")
    common.add_argument("--migrate-kubenet", action="store_true",
                        help="kubenet clusters whose engine needs Azure CNI: write phase 1 (the move to Azure CNI Overlay) alone; "
                        "a later run writes the engine once the code says overlay")
    common.add_argument("--switch", action="store_true", help="also move clusters that run another engine to --engine, where the transition table allows")
    common.add_argument("--quiet", "-q", action="store_true", help="print only the table or diff and errors (and no progress bar)")
    _color_option(common)
    add_suppression_options(common)
    add_config_options(common)

    scan = commands.add_parser("scan", parents=[common], help="report clusters, their status and the fix akfix would make")
    _paths(scan)
    _report_options(scan)
    scan.add_argument("--allow-replacement", action="store_true", help=argparse.SUPPRESS)
    add_baseline_options(scan)

    check = commands.add_parser("check", parents=[common], help="the CI gate: exit 1 when a cluster runs no allowed engine, 2 on unreadable input")
    _paths(check)
    check.add_argument("--allowed-engines", type=engine_list, metavar="E[,E...]",
                       help=f"engines that count as compliant (default: any of {', '.join(ENGINES)}); the --engine value is always allowed")
    _report_options(check)
    check.add_argument("--allow-replacement", action="store_true", help="SARIF fixes include replacements (as apply would write them)")
    check.add_argument("--fail-on-live-only", action="store_true",
                       help="also exit 1 when a live cluster no code declares (--inventory/--from-azure) runs no engine")
    add_baseline_options(check)

    explain = commands.add_parser("explain", parents=[common], help="why a cluster got its status and fix, with the facts behind them")
    explain.add_argument("target", metavar="ADDRESS|FILE:LINE", help="e.g. azurerm_kubernetes_cluster.main or infra/aks.tf:12")
    explain.add_argument("path", nargs="?", type=Path, metavar="PATH", help="the folder to scan (default: .)")

    apply = commands.add_parser("apply", parents=[common], help="fix clusters in place (or show the diff with --dry-run)")
    _paths(apply)
    apply.add_argument("--dry-run", action="store_true", help="print a unified diff and write nothing")
    apply.add_argument("--allow-replacement", action="store_true",
                       help="also write fixes that would destroy and recreate a live cluster")
    apply.add_argument("--format", choices=("text", "json"), default="text", help="json: the scan document, after the run")
    apply.add_argument("--no-bases", action="store_true", help="do not generate the per-namespace Kustomize bases")
    apply.add_argument("--lock-timeout", type=float, default=60.0, metavar="SECONDS",
                       help="how long to wait for another akfix run writing to the same repository (default: 60)")
    _bases_options(apply)
    add_branch_options(apply)

    bases = commands.add_parser("bases", help="only generate the per-namespace default-deny + DNS-allow Kustomize bases")
    bases.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="repository roots (default: .)")
    bases.add_argument("--engine", type=engine_list, metavar="E", help="the engine the policies will run on (LocalDNS form; of a list, the first)")
    bases.add_argument("--dry-run", action="store_true", help="print a unified diff and write nothing")
    bases.add_argument("--format", choices=("text", "json"), default="text")
    bases.add_argument("--quiet", "-q", action="store_true")
    _color_option(bases)
    add_config_options(bases)
    _bases_options(bases)
    add_bot_parser(commands, _Parser, _bases_options)
    from fixer.azure_policy.command import add_azure_policy_parser

    add_config_options(add_azure_policy_parser(commands, engine_list))
    return parser


def _paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or directories (default: .)")


def _color_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour the output: auto (a terminal, unless NO_COLOR is set; FORCE_COLOR forces it), always, never")


def _report_options(parser: argparse.ArgumentParser) -> None:
    from fixer.report.outputs import FORMATS, parse_output

    parser.add_argument("--format", choices=FORMATS, default="text", help="what stdout shows (default: text)")
    parser.add_argument("--output", action="append", type=parse_output, default=[], metavar="FORMAT=FILE",
                        help="also write a report to FILE, atomically (repeatable: --output sarif=akfix.sarif --output junit=junit.xml)")
    parser.add_argument("--sarif-tool-name", default="akfix", metavar="NAME",
                        help="runs[].tool.driver.name in SARIF (default: akfix); code scanning groups alerts by it")


def _bases_options(parser: argparse.ArgumentParser) -> None:
    from fixer.kustomize import DEFAULT_BASES_DIR

    parser.add_argument("--bases-dir", metavar="DIR",
                        help=f"where the bases go, inside the repository (default: {DEFAULT_BASES_DIR})")
    parser.add_argument("--namespace", action="append", default=[], metavar="NS", help="a namespace to cover besides the ones found (repeatable)")
    parser.add_argument("--exclude-namespace", action="append", default=[], metavar="NS", help="treat as a system namespace: no policies (repeatable)")
    parser.add_argument("--allow-namespace", action="append", default=[], metavar="NS", help="cover a namespace of the built-in system list after all (repeatable)")
    parser.add_argument("--localdns", action="store_true", help="also allow egress to AKS LocalDNS / node-local DNS (169.254.10.0/24)")
    parser.add_argument("--allow-same-namespace", action="store_true", help="also allow traffic between pods of the same namespace")
    parser.add_argument("--force", action="store_true", help="overwrite generated files a person has edited")
    parser.add_argument("--kyverno", action="store_true",
                        help="also write <bases>/kyverno/: a Kyverno ClusterPolicy giving namespaces created later the same policies")
    parser.add_argument("--connectivity-test", action="store_true",
                        help="also write <bases>/connectivity/: a Job per namespace that proves the policies on a running cluster")
    parser.add_argument("--flows", action="append", default=[], metavar="FILE",
                        help="a Hubble flow export (`hubble observe -o jsonpb`, gzip too): also write allow-observed.yaml per namespace, proven by replay (repeatable)")
    parser.add_argument("--min-flows", type=_positive_int, metavar="N", help="with --flows: allow only pairs seen at least N times (default: 1)")


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:
        # Files are replaced in whole fixes with interrupts held back, so each is old or new.
        print("akfix: interrupted; every file is either as it was or completely fixed", file=sys.stderr)
        from fixer.interrupts import forget_interrupt

        forget_interrupt()
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `akfix scan | head`: the reader left; say nothing more (Python would print a traceback).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_REMAINING


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in ("explain", "azure-policy"):
        args.paths = [args.path] if args.path else []
    try:
        settle(args)  # options not given: from the configuration file, then akfix's defaults
        options = None if args.command in ("bot", "azure-policy") else _options(args)
    except ValueError as exc:
        print(f"akfix: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if args.command == "bot":
        return run_bot_command(args)
    if args.command == "azure-policy":
        from fixer.azure_policy.command import run_azure_policy

        return run_azure_policy(args)
    from fixer.cli.commands import run_apply, run_bases, run_check, run_explain, run_scan

    if args.command == "bases":
        return run_bases(args)
    if args.command == "scan":
        return run_scan(args, options)
    if args.command == "check":
        return run_check(args, options)
    if args.command == "explain":
        return run_explain(args, options)
    return run_apply(args, options)


def _options(args):
    from fixer.facts.plan_json import PlanFacts, PlanFileError, load_live_file
    from fixer.globs import EVERYTHING, Globs
    from fixer.pipeline import Options
    from fixer.versions import exactly, parse_version

    version = None
    if getattr(args, "azurerm_version", None):
        parsed = parse_version(args.azurerm_version)
        if parsed is None:
            raise ValueError(f"--azurerm-version: not a version: {args.azurerm_version!r}")
        version = exactly(parsed, "--azurerm-version")
    plans, pulumi_states = [], []
    args.terraform_plans = []  # check --plan gates on these (a Pulumi state plans nothing)
    for path in getattr(args, "plan", []):
        try:
            facts = load_live_file(path)
        except PlanFileError as exc:
            raise ValueError(f"--plan {path}: {exc}") from exc
        if isinstance(facts, PlanFacts):
            plans.append(facts)
            args.terraform_plans.append(path)
        else:
            pulumi_states.append(facts)
    for path in args.paths or [Path(".")]:
        if not path.exists():
            raise ValueError(f"{path}: no such file or directory")
    if args.command == "apply":
        args.branch_options = branch_options(args)
        if args.branch_options and len(args.paths) > 1:
            raise ValueError("--branch/--push/--open-pr take one PATH: the repository (or a folder in it)")
    engines = tuple(args.engine)
    return Options(
        facts=live_facts_of(args),
        engine=engines[0],
        fallback_engines=engines[1:],
        greenfield=EVERYTHING if getattr(args, "greenfield", False) else getattr(args, "greenfield_paths", Globs()),
        migrate_kubenet=getattr(args, "migrate_kubenet", False),
        assume_network=getattr(args, "assume_network", None),
        switch_engines=getattr(args, "switch", False),
        allow_replacement=getattr(args, "allow_replacement", False),
        azurerm_version=version,
        plans=tuple(plans),
        pulumi_states=tuple(pulumi_states),
        read_state=getattr(args, "read_state", True),
        azapi_updates=getattr(args, "azapi_updates", True),
    )


if __name__ == "__main__":
    raise SystemExit(main())
