"""`akfix azure-policy [PATH] [--effect E] [--allowed-engines E,E] [--iac auto|terraform|bicep]
[--output-dir DIR] [--management-group NAME] [--format text|json] [--dry-run] [--force]`.

Writes `<PATH>/<DIR>/akfix-aks-network-policy.tf` (or `.bicep`): a standalone root module /
template holding the definition and its assignment, in the IaC form the repository already uses
(Terraform when it holds `.tf` files, Bicep when it holds `.bicep` files only; when it holds both,
the one that declares AKS clusters, Terraform on a tie). `--format json` prints the definition and
writes nothing. The file carries akfix's digest header: a re-run rewrites it only while untouched;
a person's edits are kept (and reported) unless --force, and a file akfix did not write is never
replaced without --force.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from fixer.azure_policy.definition import DEFAULT_EFFECT, DEFINITION_NAME, EFFECTS, check_engines, definition
from fixer.azure_policy.evaluate import SAMPLES, effect_for
from fixer.azure_policy.iac import FORMS, Scope, check_management_group, render
from fixer.model import ENGINES, FileChange, Problem

EXIT_OK, EXIT_PENDING, EXIT_ERROR = 0, 1, 2
DEFAULT_DIR = "azure-policy"
SUFFIX = {"terraform": ".tf", "bicep": ".bicep"}
COMMENT = {"terraform": "#", "bicep": "//"}
_CLUSTER_MARKERS = {"terraform": b"azurerm_kubernetes_cluster", "bicep": b"Microsoft.ContainerService/managedClusters"}


def add_azure_policy_parser(commands, engine_list):
    parser = commands.add_parser("azure-policy",
                                 help="write a custom Azure Policy definition + assignment that flags AKS clusters without an allowed engine")
    parser.add_argument("path", nargs="?", type=Path, metavar="PATH", help="the repository (default: .)")
    parser.add_argument("--effect", choices=EFFECTS, default=DEFAULT_EFFECT, help="the assignment's effect (default: Audit)")
    parser.add_argument("--allowed-engines", type=engine_list, metavar="E[,E...]",
                        help=f"engines that count as compliant (default: {', '.join(ENGINES)}; the configuration's allowed-engines)")
    parser.add_argument("--iac", choices=("auto",) + FORMS, default="auto", help="the form to write (default: the one the repository uses)")
    parser.add_argument("--output-dir", default=DEFAULT_DIR, metavar="DIR", help=f"the folder, inside PATH (default: {DEFAULT_DIR})")
    parser.add_argument("--management-group", metavar="NAME", help="define and assign at this management group instead of the subscription")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="json: print the definition, write nothing")
    parser.add_argument("--dry-run", action="store_true", help="print a unified diff and write nothing")
    parser.add_argument("--force", action="store_true", help="replace the file even when a person edited it or akfix did not write it")
    parser.add_argument("--quiet", "-q", action="store_true")
    return parser  # the CLI adds the configuration options it gives every command


@dataclass(frozen=True)
class Planned:
    form: str
    relpath: str
    change: FileChange | None  # None: up to date, kept or refused
    kept: bool = False
    problem: Problem | None = None


def choose_form(files: list[str], read) -> tuple[str | None, str]:
    """(terraform|bicep|None, why) from the repository's files; `read(relpath) -> bytes` for ties."""
    present = {form: [f for f in files if f.endswith(SUFFIX[form])] for form in FORMS}
    if not any(present.values()):
        return None, "no .tf or .bicep file in PATH"
    if not present["bicep"]:
        return "terraform", "the repository holds Terraform"
    if not present["terraform"]:
        return "bicep", "the repository holds Bicep"
    holding = {form: sum(1 for f in names if _CLUSTER_MARKERS[form] in read(f)) for form, names in present.items()}
    if holding["bicep"] > holding["terraform"]:
        return "bicep", "Terraform and Bicep both present; Bicep declares the AKS clusters"
    return "terraform", "Terraform and Bicep both present; Terraform declares the AKS clusters" if holding["terraform"] > holding["bicep"] else "Terraform and Bicep both present, neither declares more clusters: Terraform"


def reparse_problem(form: str, text: bytes) -> str | None:
    """Why `text` must not be written (it does not re-parse, or is not `terraform fmt` clean), or None."""
    if form == "terraform":
        import hcl2

        from fixer.edit.edits import terraform_fmt
        from fixer.formats.terraform import hcl

        if hcl.parse(text).root_node.has_error:
            return "tree-sitter-hcl cannot parse the generated Terraform"
        try:
            hcl2.loads(text.decode())
        except Exception as exc:  # python-hcl2 raises lark errors of many kinds
            return f"python-hcl2 cannot read the generated Terraform ({type(exc).__name__})"
        formatted = terraform_fmt(text)
        if formatted is not None and formatted != text:
            return "the generated Terraform is not `terraform fmt` clean"
        return None
    from fixer.formats.bicep.readback import _parser

    parser = _parser()
    if parser is not None and parser.parse(text).root_node.has_error:
        return "tree-sitter-bicep cannot parse the generated Bicep"
    return None


def plan(root: Path, form: str, effect: str, engines: tuple[str, ...], scope: Scope, output_dir: str, force: bool) -> Planned:
    from fixer.kustomize.paths import UnsafePath, inside
    from fixer.kustomize.render import edited_by_person, with_header

    relpath = f"{output_dir.strip('/')}/{DEFINITION_NAME}{SUFFIX[form]}"
    try:
        path = inside(root, relpath)
    except UnsafePath as exc:
        return Planned(form, relpath, None, problem=Problem(relpath, 0, str(exc)))
    content = with_header(render(form, effect, engines, scope).encode(), COMMENT[form])
    reason = reparse_problem(form, content)
    if reason:
        return Planned(form, relpath, None, problem=Problem(relpath, 0, f"{reason}; nothing written"))
    before = path.read_bytes() if path.is_file() else None
    if before == content:
        return Planned(form, relpath, None)
    if before is not None and not force:
        state = edited_by_person(before)
        if state is None:
            return Planned(form, relpath, None, problem=Problem(relpath, 1, "exists and was not written by akfix; left untouched (--force replaces it)"))
        if state:
            return Planned(form, relpath, None, kept=True)
    return Planned(form, relpath, FileChange(path, relpath, before, content, "azure policy definition"))


def verdicts(engines: tuple[str, ...], effect: str) -> list[tuple[str, str]]:
    """(sample, what the assignment does to it): the rule checked by the evaluator, not described."""
    document = definition(engines)
    assigned = {"effect": effect, "allowedEngines": list(engines)}
    return [(label, effect_for(document, resource, assigned) or "compliant") for label, resource in SAMPLES]


def run_azure_policy(args) -> int:
    try:
        engines = check_engines(tuple(args.allowed_engines or ENGINES))
        scope = Scope(check_management_group(args.management_group) if args.management_group else None)
    except ValueError as exc:
        print(f"akfix: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if args.format == "json":
        print(json.dumps(definition(engines), indent=2))
        return EXIT_OK
    root = (args.path or Path("."))
    if not root.is_dir():
        print(f"akfix: error: {root}: not a directory", file=sys.stderr)
        return EXIT_ERROR
    form, why = _form(root.resolve(), args)
    if form is None:
        print(f"akfix: error: {root}: {why}; say which with --iac terraform|bicep", file=sys.stderr)
        return EXIT_ERROR
    planned = plan(root.resolve(), form, args.effect, engines, scope, args.output_dir, args.force)
    problems = [planned.problem] if planned.problem else []
    if planned.change is not None:
        if args.dry_run:
            from fixer.report import text as report

            sys.stdout.write(report.unified_diff([("", planned.change)]))
        else:
            from fixer.edit.write import write_changes

            problems += write_changes([planned.change])
    if not args.quiet and not problems:
        _print_summary(planned, why, args, engines, scope)
    for problem in problems:
        print(f"akfix: {problem.file}:{problem.line}: {problem.message}", file=sys.stderr)
    if problems:
        return EXIT_ERROR
    return EXIT_PENDING if args.dry_run and planned.change is not None else EXIT_OK


def _form(root: Path, args) -> tuple[str | None, str]:
    if args.iac != "auto":
        return args.iac, "--iac"
    from fixer.discover import list_files

    listing = list_files(root, getattr(args, "skip", None))
    own = args.output_dir.strip("/") + "/"
    files = [f for f in listing.files if not f.startswith(own)]  # akfix's own file does not vote

    def read(relpath: str) -> bytes:
        try:
            return (root / relpath).read_bytes()[:2_000_000]
        except OSError:
            return b""

    return choose_form(files, read)


def _print_summary(planned: Planned, why: str, args, engines: tuple[str, ...], scope: Scope) -> None:
    out = sys.stderr if args.dry_run else sys.stdout
    if planned.kept:
        state = "kept (edited by a person; --force replaces it)"
    elif planned.change is None:
        state = "up to date"
    else:
        state = "would write" if args.dry_run else "wrote"
    print(f"{state} {planned.relpath}: {planned.form} ({why}), {scope.kind} scope, effect {args.effect}, "
          f"allowed engines {', '.join(engines)}", file=out)
    print("the rule, evaluated on sample resources:", file=out)
    for label, verdict in verdicts(engines, args.effect):
        print(f"  {label:<26} {verdict}", file=out)

