"""SARIF 2.1.0 for code-scanning services (GitHub upload-sarif, the Azure DevOps SARIF SAST tab).

One rule per finding kind; one result per finding, pointing at the offending value (or the
resource header) with line and column; partialFingerprints that survive unrelated edits (kind,
file, cluster address and view: never a line); the fix akfix would write as byte-exact
replacements; input errors as results of their own rule, and in the invocation.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fixer import __version__
from fixer.edit.regions import replacement_region, replacements, value_region
from fixer.pipeline import ClusterReport
from fixer.report.findings import HELP_BASE, RULES, Assessment, Finding, Kind, help_uri

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
BASE_ID = "SRCROOT"
FINGERPRINT = "akfixFinding/v1"  # our own key: GitHub reserves and recomputes primaryLocationLineHash
RULE_ORDER = list(Kind)


def to_sarif(assessment: Assessment, base: Path, tool_name: str = "akfix") -> dict:
    """`base`: the folder URIs are relative to (the repository's top, which code-scanning services
    resolve paths against); files outside it get absolute file URIs."""
    files = _Files(base, {root.prefix: root.result.root for root in assessment.roots})
    fixes = _fixes(assessment, files)
    results = [_result(f, files, fixes) for f in assessment.findings]
    results += [_result(f, files, fixes, suppressed=True) for f in assessment.suppressed]
    notifications = [
        {"level": "error", "message": {"text": f.message}, "descriptor": {"id": Kind.INPUT_ERROR.value}, **_notification_location(f, files)}
        for f in assessment.findings
        if f.kind is Kind.INPUT_ERROR
    ]
    invocation = {
        # Findings are results, not a failure of the run; files akfix could not read are.
        "executionSuccessful": not notifications,
        "exitCode": assessment.exit_code,
    }
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    run = {
        "tool": {"driver": _driver(tool_name)},
        "originalUriBaseIds": {BASE_ID: {"uri": base.resolve().as_uri().rstrip("/") + "/"}},
        "columnKind": "utf16CodeUnits",
        "invocations": [invocation],
        "results": results,
        "properties": {"engine": assessment.engine, "allowedEngines": list(assessment.allowed)},
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _driver(name: str) -> dict:
    rules = []
    for kind in RULE_ORDER:
        rule = RULES[kind]
        properties = {"tags": ["security", "kubernetes", "aks", "network-policy"] if rule.severity else ["correctness"],
                      "precision": "very-high" if kind in (Kind.MISSING, Kind.NONE, Kind.ENGINE_NOT_ALLOWED) else "high"}
        if rule.severity:
            properties["security-severity"] = rule.severity
        rules.append({
            "id": kind.value,
            "name": rule.name,
            "shortDescription": {"text": rule.short},
            "fullDescription": {"text": rule.full},
            "help": {"text": rule.help, "markdown": f"{rule.help}\n\n[More about `{kind.value}` in the akfix README]({help_uri(kind)})"},
            "helpUri": help_uri(kind),
            "defaultConfiguration": {"level": rule.level},
            "properties": properties,
        })
    return {"name": name, "version": __version__, "semanticVersion": __version__, "informationUri": HELP_BASE, "rules": rules}


def _result(finding: Finding, files: _Files, fixes: dict, suppressed: bool = False) -> dict:
    rule = RULES[finding.kind]
    location = finding.location
    result = {
        "ruleId": finding.kind.value,
        "ruleIndex": RULE_ORDER.index(finding.kind),
        "level": rule.level,
        "message": {"text": finding.message},
        "locations": [_location(finding.prefix, location.file, location.line, location.text, files, whole_line=finding.report is None)],
        "partialFingerprints": {FINGERPRINT: finding.fingerprint},
    }
    report = finding.report
    if report is not None:
        cluster = report.cluster
        if (location.file, location.line) != (cluster.file, cluster.line):
            header = _location(finding.prefix, cluster.file, cluster.line, None, files)
            header["message"] = {"text": f"the cluster {cluster.address}"}
            result["relatedLocations"] = [{"id": 1, **header}]
        found = fixes.get(id(report))
        if found:
            result["fixes"] = [{"description": {"text": report.fix.summary}, "artifactChanges": found}]
        result["properties"] = {
            key: value
            for key, value in {
                "address": cluster.address,
                "format": cluster.format,
                "status": report.status.value,
                "policy": report.policy,
                "environment": cluster.environment,
                "risk": report.fix.risk.value if report.fix else None,
                "outcome": report.outcome.value,
            }.items()
            if value is not None
        }
    if suppressed:
        # An akfix:ignore comment is in the source; an ignore entry or the baseline is not.
        found = finding.suppression
        kind = "inSource" if getattr(found, "source", None) == "inline" else "external"
        result["suppressions"] = [{"kind": kind, "status": "accepted", **({"justification": found.reason} if getattr(found, "reason", None) else {})}]
    return result


class _Files:
    """File bytes (read once each) and their URIs relative to the base."""

    def __init__(self, base: Path, roots: dict[str, Path]):
        self.base = base.resolve()
        self.roots = roots  # display prefix -> the scanned root
        self.data: dict[Path, bytes | None] = {}

    def path(self, prefix: str, relpath: str) -> Path:
        return self.roots[prefix] / relpath

    def read(self, path: Path) -> bytes | None:
        path = path.resolve()
        if path not in self.data:
            try:
                self.data[path] = path.read_bytes() if path.is_file() else None
            except OSError:
                self.data[path] = None
        return self.data[path]

    def artifact(self, path: Path) -> dict:
        absolute = path.resolve()
        try:
            relative = absolute.relative_to(self.base).as_posix()
        except ValueError:
            return {"uri": absolute.as_uri()}
        return {"uri": quote(relative, safe="/"), "uriBaseId": BASE_ID}


def _location(prefix: str, relpath: str, line: int, text: str | None, files: _Files, whole_line: bool = False) -> dict:
    path = files.path(prefix, relpath)
    region = {"startLine": max(line, 1)}
    if not whole_line:  # input errors: the file may be binary or not a regular file; do not read it
        data = files.read(path)
        found = value_region(data, line, text) if data is not None else None
        if found is not None:
            region = found.to_sarif()
    return {"physicalLocation": {"artifactLocation": files.artifact(path), "region": region}}


def _notification_location(finding: Finding, files: _Files) -> dict:
    if not finding.location.file:
        return {}
    return {"locations": [_location(finding.prefix, finding.location.file, finding.location.line, None, files, whole_line=True)]}


def _fixes(assessment: Assessment, files: _Files) -> dict[int, list[dict]]:
    """id(report) -> its artifactChanges. Each replacement found by diffing a changed file goes to
    the cluster(s) whose edits are nearest to it in that file: a file that several views of one
    cluster share (a variables.tf) gives each view its whole fix."""
    found: dict[int, dict[Path, list[dict]]] = {}
    for root in assessment.roots:
        editors: dict[str, list[ClusterReport]] = {}
        for report in root.result.clusters:
            for relpath in dict.fromkeys(file for file, _ in report.edit_lines):
                editors.setdefault(relpath, []).append(report)
        for change in root.result.changes:
            if change.before is None or change.relpath not in editors:
                continue
            path = files.path(root.prefix, change.relpath)
            for replacement in replacements(change.before, change.after):
                region = replacement_region(change.before, replacement)
                for report in _nearest(editors[change.relpath], change.relpath, region.start_line, region.end_line):
                    entry = {"deletedRegion": region.to_sarif(with_bytes=True),
                             "insertedContent": {"text": replacement.text.decode("utf-8", "surrogateescape")}}
                    found.setdefault(id(report), {}).setdefault(path, []).append(entry)
    return {
        key: [{"artifactLocation": files.artifact(path), "replacements": entries} for path, entries in per_file.items()]
        for key, per_file in found.items()
    }


def _nearest(reports: list[ClusterReport], relpath: str, first: int, last: int) -> list[ClusterReport]:
    def distance(report: ClusterReport) -> int:
        lines = [line for file, line in report.edit_lines if file == relpath]
        return min(0 if first <= line <= last else min(abs(line - first), abs(line - last)) for line in lines)

    best = min(distance(r) for r in reports)
    return [r for r in reports if distance(r) == best]
