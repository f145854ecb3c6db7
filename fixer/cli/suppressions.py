"""What scan and apply (and, later, check) do with suppressions: the few calls commands.py makes.

    options = with_rules(args, options)       # before the pipeline: skip globs, hold suppressed fixes
    screened = screen_run(args, results)      # after it: the filter; render from screened.results
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

from fixer.model import Problem, Status
from fixer.suppress import baseline
from fixer.suppress.render import add_to_json, print_warnings, summary_text
from fixer.suppress.rules import Rules
from fixer.suppress.screen import Holder, Screened, is_finding, screen

__all__ = ["add_to_json", "create_baseline", "print_summary", "print_warnings", "screen_run", "summary_text", "table", "with_rules"]


def _rules(args) -> Rules:
    from fixer.cli.options import today

    return getattr(args, "suppression_rules", None) or Rules(today(), enabled=False)


def with_rules(args, options):
    """Pipeline options for this command line: discovery skips `skip`, fixes of suppressed
    clusters are held back before any edit is made."""
    rules = _rules(args)
    return replace(options, skip=getattr(args, "skip", None), hold=Holder(rules) if rules.enabled else None)


def screen_run(args, results, findable=None) -> Screened:
    """`results`: [(prefix, RunResult)]; `findable`: see screen.filter_results (None: is_finding)."""
    return screen(results, _rules(args), findable or is_finding)


def table(reports, screened: Screened, **options) -> str:
    """report.table, except that a run whose every cluster is suppressed does not claim to have
    found none."""
    from fixer.report import text as report

    if not reports and screened.suppressed:
        return f"No AKS clusters besides {len(screened.suppressed)} suppressed."
    return report.table(reports, **options)


def print_summary(screened: Screened, verbose: bool, file=None) -> None:
    text = summary_text(screened, verbose)
    if text:
        print(text, file=file)


def create_baseline(path: Path, screened: Screened) -> list[tuple[str, Problem]]:
    """Write every remaining finding (suppressed ones are not findings) to the baseline file;
    a write failure is returned as a problem."""
    findings = [(result.root / r.cluster.file, r.cluster.address, r.status.value)
                for _, result in screened.results for r in result.clusters if r.status is not Status.COMPLIANT]
    text = baseline.render(findings, path.resolve().parent)
    try:
        from fixer.textfile import atomic_write

        atomic_write(path, text.encode())
    except OSError as exc:
        return [("", Problem(str(path), 0, f"cannot write the baseline: {exc.strerror or exc}"))]
    count = len(json.loads(text)["findings"])  # views of one cluster with one status share a fingerprint
    print(f"wrote baseline {path}: {count} finding{'s' if count != 1 else ''}", file=sys.stdout)
    return []
