"""`akfix check` for people and CI logs: one line per finding (file:line, kind, why), then the verdict."""

from __future__ import annotations

from collections import Counter

from fixer.report.findings import Assessment, Kind
from fixer.report.style import PLAIN, Style
from fixer.report.text import display_path


def check_text(assessment: Assessment, style: Style = PLAIN) -> str:
    lines = []
    for finding in assessment.findings:
        where = f"{display_path(finding.prefix, finding.location.file)}:{finding.location.line}"
        lines.append(f"{style.paint(where, 'location')}: {style.paint(finding.kind.value, finding.kind.value)}: {finding.message}")
    if assessment.suppressed:
        lines.append(style.paint(f"{len(assessment.suppressed)} finding{_s(assessment.suppressed)} suppressed", "note"))
    lines.append(verdict(assessment, style))
    return "\n".join(lines)


def verdict(assessment: Assessment, style: Style = PLAIN) -> str:
    clusters = assessment.clusters
    allowed = ", ".join(assessment.allowed)
    kinds = Counter(f.kind for f in assessment.findings)
    errors = kinds.pop(Kind.INPUT_ERROR, 0)
    failing = {id(f.report) for f in assessment.findings if f.report is not None}
    counted = f"{len(clusters)} cluster{_s(clusters)}"
    if not assessment.findings:
        if not clusters:
            return f"{style.paint('PASSED', 'pass')}: no AKS clusters found"
        return f"{style.paint('PASSED', 'pass')}: {counted}, every one runs an allowed engine ({allowed})"
    parts = []
    if kinds:
        by_kind = ", ".join(style.paint(f"{count} {kind.value}", kind.value) for kind, count in sorted(kinds.items(), key=lambda item: list(Kind).index(item[0])))
        parts.append(f"{len(failing)} of {counted} without an allowed engine ({by_kind}); allowed: {allowed}")
    if errors:
        parts.append(f"{errors} file{'s' if errors != 1 else ''} could not be read or parsed")
    return f"{style.paint('FAILED', 'fail')}: " + "; ".join(parts)


def _s(items) -> str:
    return "" if len(items) == 1 else "s"
