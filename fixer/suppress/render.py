"""How suppressed clusters and warnings appear in the JSON document and the text output."""

from __future__ import annotations

import json
import sys
from collections import Counter

from fixer.report.text import display_path


def suppressed_json(screened) -> list[dict]:
    out = []
    for item in screened.suppressed:
        cluster, found, prefix = item.report.cluster, item.suppression, item.prefix
        out.append({
            "file": display_path(prefix, cluster.file),
            "line": cluster.line,
            "format": cluster.format,
            "address": cluster.address,
            "environment": display_path(prefix, cluster.environment) if cluster.environment else None,
            "policy": item.report.policy,
            "status": item.report.status.value,
            "reason": found.reason,
            "expires": found.expires.isoformat() if found.expires else None,
            "source": {"kind": found.source, "file": display_path(prefix, found.file), "line": found.line},
        })
    return out


def add_to_json(document: str, screened) -> str:
    """The scan/apply document with `suppressed` and `warnings` (always present, maybe empty)."""
    loaded = json.loads(document)
    loaded["suppressed"] = suppressed_json(screened)
    loaded["warnings"] = [{"file": display_path(prefix, p.file), "line": p.line, "message": p.message} for prefix, p in screened.warnings]
    return json.dumps(loaded, indent=2)


def summary_text(screened, verbose: bool) -> str | None:
    """"2 suppressed (1 inline, 1 baseline)" and, verbose, one line per cluster."""
    if not screened.suppressed:
        return None
    sources = Counter(item.suppression.source for item in screened.suppressed)
    lines = [f"{len(screened.suppressed)} suppressed ({', '.join(f'{n} {source}' for source, n in sorted(sources.items()))})"]
    if verbose:
        for item in screened.suppressed:
            cluster, found = item.report.cluster, item.suppression
            where = display_path(item.prefix, found.file) + (f":{found.line}" if found.line else "")
            until = f" until {found.expires.isoformat()}" if found.expires else ""
            lines.append(f"    {display_path(item.prefix, cluster.file)}:{cluster.line}  {cluster.address}  {item.report.status.value}"
                         f"  {found.source} {where}{until}: {found.reason}")
    return "\n".join(lines)


def print_warnings(screened) -> None:
    for prefix, problem in screened.warnings:
        print(f"akfix: warning: {display_path(prefix, problem.file)}:{problem.line}: {problem.message}", file=sys.stderr)
