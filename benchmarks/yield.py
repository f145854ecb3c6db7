#!/usr/bin/env python3
"""Yield on real repositories: how many clusters that run no engine akfix fixes by itself, per mode,
and the safety checks every written fix must pass (not a test: run it by hand on trees you fetch).

    python3 benchmarks/yield.py DIR [DIR ...]          # one row per DIR and mode, then the totals
    python3 benchmarks/yield.py --no-state DIR ...     # the same without reading terraform.tfstate files

Modes: default (cilium), --engine cilium,calico, --greenfield, both, and --migrate-kubenet (whose
phase-1 writes are counted apart: they move the IPAM and write no engine). For every mode each tree is
copied, fixed with `akfix apply`, and checked:
- no cilium without the Cilium data plane, no cilium/azure on kubenet, no cilium beside Windows pools;
- no azurerm constraint whose upper bound grew, and every floor's lower bound reads back;
- every written file parses (python-hcl2 / JSON / tree-sitter-bicep / ast) and a terraform-fmt-clean
  .tf file stays clean;
- a second run changes nothing.
A cluster view the run did not fix must read the same policy afterwards (no bystander changed
through a value it shares). A violation is printed with its file and counted; the script exits 1 when there is any.
Independently of akfix's own Windows detection, a tree where cilium was written and any file sets an OS key
to Windows is listed "to review" (not counted: the pool may be another cluster's).
"""

from __future__ import annotations

import argparse
import ast
import json
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from fixer.edit.write import write_changes  # noqa: E402
from fixer.formats.terraform.versions import VersionResolver, required_azurerm  # noqa: E402
from fixer.globs import EVERYTHING  # noqa: E402
from fixer.model import Status  # noqa: E402
from fixer.pipeline import Options, Outcome, run  # noqa: E402

MODES = {
    "default": Options(),
    "cilium,calico": Options(fallback_engines=("calico",)),
    "greenfield": Options(greenfield=EVERYTHING),
    "greenfield + cilium,calico": Options(fallback_engines=("calico",), greenfield=EVERYTHING),
    "migrate-kubenet": Options(migrate_kubenet=True),
}
DATA_PLANE = {"network_data_plane", "ebpf_data_plane", "networkDataplane", "network_dataplane"}
PLUGIN = {"network_plugin", "networkPlugin"}
POLICY = {"network_policy", "networkPolicy"}


def measure(tree: Path, options: Options) -> tuple[int, int, Counter, list[str]]:
    with tempfile.TemporaryDirectory(prefix="akfix-yield-") as tmp:
        work = Path(tmp) / tree.name
        shutil.copytree(tree, work, symlinks=True)
        result = run(work, options, verify=True)
        wanting = [r for r in result.clusters if r.status is not Status.COMPLIANT]
        written = [r for r in wanting if r.outcome is Outcome.FIXED]
        # Phase 1 of the kubenet migration writes no engine: counted apart, never as a fix.
        fixed = [r for r in written if r.fix.phase != 1]
        phase_one = [r for r in written if r.fix.phase == 1]
        left = Counter((r.fix.blocker if r.fix else "") or r.outcome.value for r in wanting if r.outcome is not Outcome.FIXED)
        if phase_one:
            left["phase 1 written"] = len(phase_one)
        violations = [v for r in written for v in _fix_violations(r)]
        if any(r.fix.engine == "cilium" for r in fixed):
            _REVIEW.extend(f"[{tree.name}] cilium written while {hit}" for hit in _windows_text(work))
        before = {c.relpath: c.before for c in result.changes}
        floored = sorted({posixpath.dirname(c.relpath) for c in result.changes
                          if c.relpath.endswith(".tf") and b"required_providers" in c.after})
        conflicted = _without_a_version(work, floored)
        problems = write_changes(list(result.changes))
        violations += [f"write: {p}" for p in problems]
        violations += [v for c in result.changes for v in _file_violations(work, c.relpath, before[c.relpath])]
        violations += [f"{d or '.'}: its azurerm constraints and its callers' admit no version after the fix"
                       for d in sorted(_without_a_version(work, floored) - conflicted)]
        again = run(work, options, verify=True)
        violations += [f"{c.relpath}: a second run changes it again" for c in again.changes]
        violations += _bystanders(result.clusters, again.clusters)
        return len(wanting), len(fixed), left, violations


# An independent check of akfix's Windows detection (which _fix_violations relies on): any file of the
# tree that sets an OS key to Windows, by this script's own regex. A hit beside a cilium write is listed
# for a person to review (the pool may belong to another cluster), not counted as a violation.
# Also an OS key whose line offers Windows in an expression (`osType: win ? 'Windows' : 'Linux'`) and an
# allowed-values list naming Windows (a deployment may pass it).
_OS_WINDOWS = re.compile(r"""(?i)\bos_?(?:type|sku)["']?\s*[:=][^\n]*["']windows|@allowed\(\[[^\]]*'windows|"allowedValues"\s*:\s*\[[^\]]*"windows""")
_TEXT_SUFFIXES = (".tf", ".tfvars", ".bicep", ".bicepparam", ".json", ".py", ".yaml", ".yml")
_REVIEW: list[str] = []


def _windows_text(root: Path) -> list[str]:
    hits = []
    for path in sorted(root.rglob("*")):
        if path.suffix in _TEXT_SUFFIXES and path.is_file() and not path.is_symlink():
            text = path.read_text("utf-8", "replace")
            for match in _OS_WINDOWS.finditer(text):
                hits.append(f"{path.relative_to(root).as_posix()}:{text.count(chr(10), 0, match.start()) + 1} names a Windows OS")
    return hits


def _bystanders(first, second) -> list[str]:
    """A cluster view the run did not fix must read the same policy after the write: a fix that
    rewrote a value it shares (a default two clusters read) would have changed it silently."""
    def key(report):
        c = report.cluster
        return (c.file, c.address, c.environment, c.instance)

    after = {key(r): r for r in second}
    return [f"{r.cluster.file}: {r.cluster.address} [{r.cluster.environment or ''}] was not fixed, yet its policy changed "
            f"({r.cluster.profile.policy.text!r} -> {after[key(r)].cluster.profile.policy.text!r})"
            for r in first if r.outcome is not Outcome.FIXED and key(r) in after
            and (r.cluster.profile.policy.kind, r.cluster.profile.policy.text) != (after[key(r)].cluster.profile.policy.kind,
                                                                                  after[key(r)].cluster.profile.policy.text)]


def _without_a_version(root: Path, module_dirs: list[str]) -> set[str]:
    """The folders among `module_dirs` whose azurerm constraint, with those of the roots that call
    them, admits no version (a floor above a caller's upper bound: `terraform init` fails there)."""
    if not module_dirs:
        return set()
    tf_files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.tf") if p.is_file() and not p.is_symlink())
    resolver = VersionResolver(root, tf_files)
    return {d for d in module_dirs if resolver.constraints_for(d).contradictory}


def _fix_violations(report) -> list[str]:
    fix, cluster = report.fix, report.cluster
    where = f"{cluster.file}:{cluster.line} {cluster.address}"
    written = {c.attribute: c.value for c in fix.changes}
    out = []
    if fix.phase == 1 and any(k in POLICY for k in written):
        out.append(f"{where}: phase 1 of the kubenet migration writes an engine too")
    if fix.engine == "cilium":
        plane = next((v for k, v in written.items() if k in DATA_PLANE), None) or cluster.profile.data_plane.literal
        if (plane or "").lower() != "cilium" and not (cluster.live and cluster.live.data_plane == "cilium"):
            out.append(f"{where}: cilium without the Cilium data plane")
        if cluster.windows_pools:
            out.append(f"{where}: cilium beside Windows pools")
    if fix.engine in ("cilium", "azure"):
        plugin = next((v for k, v in written.items() if k in PLUGIN), None) or cluster.profile.plugin.literal
        if (plugin or "").lower() == "kubenet":
            out.append(f"{where}: {fix.engine} on kubenet")
    return out


def _file_violations(root: Path, relpath: str, before: bytes | None) -> list[str]:
    after = (root / relpath).read_bytes()
    text = after.decode("utf-8-sig", "replace")
    out = []
    try:
        if relpath.endswith((".tf", ".tfvars")):
            import hcl2

            hcl2.loads(text)
            if before is not None:
                old, new = required_azurerm(before, relpath), required_azurerm(after, relpath)
                if old is not None and (new is None or new.high > old.high):
                    out.append(f"{relpath}: the azurerm constraint's upper bound grew")
                if _fmt_clean(before) and not _fmt_clean(after):
                    out.append(f"{relpath}: was terraform fmt clean and is not any more")
        elif relpath.endswith(".json"):
            _json_parses_as_before(text, before)
        elif relpath.endswith(".py"):
            ast.parse(text)
        elif relpath.endswith(".bicep"):
            from fixer.formats.bicep.syntax import tokenize

            tokenize(text.encode())
    except Exception as exc:  # noqa: BLE001 - any parser's complaint is a violation
        out.append(f"{relpath}: does not parse after the fix ({exc})")
    return out


def _json_parses_as_before(text: str, before: bytes | None) -> None:
    """Raises where the written JSON is less parseable than it was: strict JSON stays strict; a template
    with multi-line strings (ARM accepts them) parses with `strict=False`; one with comments, with the
    template parser akfix reads it with."""
    old = before.decode("utf-8-sig", "replace") if before is not None else None
    for parse in (json.loads, lambda t: json.loads(t, strict=False)):
        try:
            if old is not None:
                parse(old)
        except ValueError:
            continue
        parse(text)
        return
    from fixer.formats import jsonspan

    jsonspan.parse(text.encode())


def _fmt_clean(data: bytes) -> bool:
    binary = shutil.which("terraform")
    if binary is None:
        return True
    lf = data.lstrip(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
    done = subprocess.run([binary, "fmt", "-"], input=lf, capture_output=True, env={"TF_CLI_CONFIG_FILE": "/dev/null"})
    return done.returncode == 0 and done.stdout == lf


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trees", nargs="+", type=Path)
    parser.add_argument("--json", type=Path, help="also write the numbers as JSON")
    parser.add_argument("--no-state", action="store_true", help="every mode without reading terraform.tfstate files (the baseline for them)")
    parser.add_argument("--mode", action="append", choices=sorted(MODES), help="a mode to run (repeatable; default: all)")
    args = parser.parse_args()
    modes = {name: replace(options, read_state=not args.no_state) for name, options in MODES.items()
             if not args.mode or name in args.mode}
    totals = {mode: [0, 0, Counter()] for mode in modes}
    all_violations = []
    rows = []
    for tree in args.trees:
        for mode, options in modes.items():
            wanting, fixed, left, violations = measure(tree, options)
            totals[mode][0] += wanting
            totals[mode][1] += fixed
            totals[mode][2] += left
            all_violations += [f"[{tree.name}, {mode}] {v}" for v in violations]
            rows.append({"tree": tree.name, "mode": mode, "no_engine": wanting, "fixed": fixed, "left": dict(left)})
            print(f"{tree.name:28} {mode:28} {fixed:4}/{wanting:<4} {_pct(fixed, wanting):>5}  left: {dict(left)}")
    print()
    for mode, (wanting, fixed, left) in totals.items():
        print(f"{'TOTAL':28} {mode:28} {fixed:4}/{wanting:<4} {_pct(fixed, wanting):>5}  left: {dict(left)}")
    print(f"\nsafety violations: {len(all_violations)}")
    for violation in all_violations:
        print("  " + violation)
    review = list(dict.fromkeys(_REVIEW))
    if review:
        print(f"\nto review ({len(review)}: a Windows OS named in a tree where cilium was written; akfix judged the pool another "
              "cluster's, or no pool)")
        for line in review:
            print("  " + line)
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "violations": all_violations}, indent=2) + "\n")
    return 1 if all_violations else 0


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


if __name__ == "__main__":
    raise SystemExit(main())
