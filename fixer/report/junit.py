"""JUnit XML for CI dashboards (Jenkins, GitLab, Azure Pipelines' PublishTestResults).

The common Jenkins shape: <testsuites> holding one <testsuite> per scanned root, one <testcase>
per cluster (classname `akfix.<format>`, so dashboards group by IaC format), a <failure> for each
finding against it, a <skipped> for a suppressed one, and one <testcase> with an <error> per file
akfix could not read. Counts on every suite and on the whole agree with the cases.
"""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from fixer.report.findings import RULES, Assessment, Finding, Kind
from fixer.report.text import display_path


def to_junit(assessment: Assessment, name: str = "akfix") -> str:
    suites = ET.Element("testsuites", name=name)
    stamp = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    host = socket.gethostname()
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    elapsed = 0.0
    for index, root in enumerate(assessment.roots):
        suite = ET.SubElement(suites, "testsuite", name=root.prefix or root.label, id=str(index), timestamp=stamp, hostname=host,
                              time=f"{root.seconds:.3f}")
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", name="engine", value=assessment.engine)
        ET.SubElement(properties, "property", name="allowed-engines", value=",".join(assessment.allowed))
        counts = dict.fromkeys(totals, 0)
        listed = {id(report) for report in root.result.clusters}
        # A filter may have taken a suppressed cluster out of the results: it is still a test, skipped.
        aside = [f.report for f in assessment.suppressed if f.prefix == root.prefix and f.report is not None and id(f.report) not in listed]
        for report in list(root.result.clusters) + aside:
            cluster = report.cluster
            where = display_path(root.prefix, cluster.file)
            view = f" [{display_path(root.prefix, cluster.environment)}]" if cluster.environment else ""
            case = ET.SubElement(suite, "testcase", classname=f"akfix.{cluster.format}", name=f"{cluster.address}{view} ({where}:{cluster.line})",
                                 file=where, line=str(cluster.line), time="0")
            counts["tests"] += 1
            findings = assessment.findings_of(report)
            for finding in findings:
                _outcome(case, "failure", finding)
            if findings:
                counts["failures"] += 1
            elif assessment.suppressed_of(report):
                skipped = assessment.suppressed_of(report)[0]
                why = f" ({skipped.suppression.reason})" if getattr(skipped.suppression, "reason", None) else ""
                ET.SubElement(case, "skipped", message=f"suppressed {skipped.kind.value}: {skipped.message}{why}")
                counts["skipped"] += 1
        for finding in assessment.findings:
            if finding.kind is Kind.INPUT_ERROR and finding.prefix == root.prefix:
                where = display_path(root.prefix, finding.location.file)
                case = ET.SubElement(suite, "testcase", classname="akfix.input", name=f"{where}:{finding.location.line}",
                                     file=where, line=str(finding.location.line), time="0")
                _outcome(case, "error", finding)
                counts["tests"] += 1
                counts["errors"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        elapsed += root.seconds
    for key, value in totals.items():
        suites.set(key, str(value))
    suites.set("time", f"{elapsed:.3f}")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _outcome(case: ET.Element, tag: str, finding: Finding) -> None:
    rule = RULES[finding.kind]
    element = ET.SubElement(case, tag, message=finding.message, type=finding.kind.value)
    location = f"{display_path(finding.prefix, finding.location.file)}:{finding.location.line}"
    element.text = f"{location}: {finding.message}\n{rule.short}. {rule.help}"
