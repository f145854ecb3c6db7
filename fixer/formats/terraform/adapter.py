"""Terraform end to end: locate clusters per module, plan them, edit and verify the files."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, replace
from pathlib import Path

from fixer import plan as planner
from fixer.discover import Candidate, Listing
from fixer.edit import apply_edits, fmt_unclean, newline_consistent, terraform_fmt
from fixer.formats.terraform import hcl
from fixer.formats.terraform.editor import EditFailure, edits_for
from fixer.formats.terraform.locate import CLUSTER_TYPE, FileDecls, ParseFailure, locate
from fixer.formats.terraform.module import clusters_of_module
from fixer.formats.terraform.plan_json import PlanFacts
from fixer.formats.terraform.readback import ReadbackFailure, check_readback
from fixer.formats.terraform.versions import VersionResolver, narrow_by_code
from fixer.model import Cluster, Edit, FileChange, Fix, Problem
from fixer.textfile import TextFile, UnreadableText, line_of, load_text
from fixer.versions import VersionRange

NAME = "terraform"
SUFFIXES = (".tf",)
MARKERS = (b"azurerm_kubernetes_cluster",)


@dataclass(frozen=True)
class Settings:
    engine: str
    assume_network: str | None
    switch_engines: bool
    azurerm_version: VersionRange | None  # given by the user: wins over everything found
    plans: tuple[PlanFacts, ...]


@dataclass(frozen=True)
class Planned:
    cluster: Cluster
    versions: VersionRange
    context: planner.PlanContext
    fix: Fix | None


@dataclass
class Located:
    """Everything read from the tree, kept so that verification can re-plan edited files."""

    texts: dict[str, TextFile]
    decls: dict[str, FileDecls]
    planned: list[Planned]


def locate_and_plan(listing: Listing, candidates: list[Candidate], settings: Settings) -> tuple[Located, list[Problem]]:
    problems: list[Problem] = []
    texts: dict[str, TextFile] = {}
    decls: dict[str, FileDecls] = {}
    for candidate in candidates:
        try:
            text = load_text(candidate.data)
            found = locate(text.body, candidate.relpath)
        except (UnreadableText, ParseFailure) as exc:
            problems.append(Problem(candidate.relpath, exc.line, f"{exc}; left untouched"))
            continue
        texts[candidate.relpath] = text
        decls[candidate.relpath] = found
    resolver = VersionResolver(listing.root, [f for f in listing.files if f.endswith(".tf")])
    planned = [_plan_cluster(c, resolver, settings) for c in _clusters(decls)]
    return Located(texts, decls, planned), problems


def _clusters(decls: dict[str, FileDecls]) -> list[Cluster]:
    by_module: dict[str, dict[str, FileDecls]] = {}
    for relpath, found in decls.items():
        if found.clusters or found.node_pools:
            by_module.setdefault(posixpath.dirname(relpath), {})[relpath] = found
    clusters: list[Cluster] = []
    for module_dir in sorted(by_module):
        clusters.extend(clusters_of_module(module_dir, by_module[module_dir]))
    return sorted(clusters, key=lambda c: (c.file, c.line))


def _plan_cluster(cluster: Cluster, resolver: VersionResolver, settings: Settings) -> Planned:
    live = next((facts.for_address(cluster.address) for facts in settings.plans if facts.for_address(cluster.address)), None)
    if live is not None:
        cluster = replace(cluster, live=live)
    versions = settings.azurerm_version or resolver.for_module(cluster.module_dir)
    if not versions.exact and not settings.azurerm_version:
        for facts in settings.plans:
            if facts.azurerm is not None:
                versions = versions.intersect(facts.azurerm) if versions.known else facts.azurerm
        versions = narrow_by_code(versions, cluster.profile, cluster.anchor.attribute_names)
    context = planner.PlanContext(
        engine=settings.engine,
        versions=versions,
        assume_network=settings.assume_network,
        switch_engines=settings.switch_engines,
    )
    return Planned(cluster, versions, context, planner.plan(cluster, context))


# --- edit + verify ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FileOutcome:
    change: FileChange | None
    edit_lines: dict[str, tuple[int, ...]]  # cluster address -> lines edited
    problem: Problem | None


def edit_file(located: Located, root: Path, relpath: str, planned: list[Planned], verify: bool = True) -> FileOutcome:
    """Edit one file for the given clusters' fixes, verify the result, and return it (unwritten).

    `verify=False` only locates the edits (for `scan`, which reports where fixes would go)."""
    text = located.texts[relpath]
    edits: list[Edit] = []
    lines: dict[str, tuple[int, ...]] = {}
    try:
        for item in planned:
            assert item.fix is not None
            name = item.cluster.address.split(".", 1)[1]
            these = edits_for(text.body, CLUSTER_TYPE, name, item.fix, text.newline)
            lines[item.cluster.address] = tuple(sorted({line_of(text.body, e.start) for e in these}))
            edits.extend(these)
        after = apply_edits(text.data, edits, offset=len(text.bom))
    except (EditFailure, ValueError) as exc:
        return FileOutcome(None, lines, Problem(relpath, getattr(exc, "line", 1), f"not edited: {exc}"))
    failure = _verify(located, relpath, text, after, planned) if verify else None
    if failure:
        return FileOutcome(None, lines, Problem(relpath, failure[0], f"not written, verification failed: {failure[1]}"))
    if after == text.data:
        return FileOutcome(None, lines, None)
    reason = ", ".join(p.cluster.address for p in planned)
    return FileOutcome(FileChange(root / relpath, relpath, text.data, after, reason), lines, None)


def _verify(located: Located, relpath: str, before: TextFile, after: bytes, planned: list[Planned]) -> tuple[int, str] | None:
    """(line, reason) of the first failed check, or None when the edited file is safe to write."""
    try:
        new = load_text(after)
    except UnreadableText as exc:
        return exc.line, f"result is not UTF-8 text ({exc})"
    if new.bom != before.bom:
        return 1, "byte-order mark changed"
    if not newline_consistent(before.data, after, before.newline):
        return 1, "newline style would be mixed"
    # 1. tree-sitter re-parse: no error node at all (the original had none).
    tree = hcl.parse(new.body)
    if tree.root_node.has_error:
        return hcl.first_error_line(tree.root_node) or 1, "tree-sitter finds a syntax error in the result"
    # 2. python-hcl2 reads the new values back.
    decoded = new.body.decode("utf-8")
    for item in planned:
        name = item.cluster.address.split(".", 1)[1]
        try:
            check_readback(decoded, CLUSTER_TYPE, name, item.fix.changes if item.fix else ())
        except ReadbackFailure as exc:
            return item.cluster.line, str(exc)
    # 3. idempotence: a second run over the new text plans nothing for these clusters.
    try:
        redeclared = locate(new.body, relpath)
    except ParseFailure as exc:
        return exc.line, str(exc)
    module_dir = posixpath.dirname(relpath)
    module_files = {p: d for p, d in located.decls.items() if posixpath.dirname(p) == module_dir}
    module_files[relpath] = redeclared
    again = {c.address: c for c in clusters_of_module(module_dir, module_files)}
    for item in planned:
        cluster = again.get(item.cluster.address)
        if cluster is None:
            return item.cluster.line, f"{item.cluster.address} disappeared after the edit"
        cluster = replace(cluster, live=item.cluster.live)
        second = planner.plan(cluster, item.context)
        if second is not None and second.changes:
            return item.cluster.line, f"not idempotent: a second run would change {item.cluster.address} again"
    return None


def fmt_regressions(changes: list[FileChange]) -> dict[str, int]:
    """Files that were terraform-fmt clean and would not be after the edit: relpath -> first line
    that differs. One terraform process checks every file before and after (check 4)."""
    texts = [c.before or b"" for c in changes] + [c.after for c in changes]
    texts = [t[3:] if t.startswith(b"\xef\xbb\xbf") else t for t in texts]
    unclean = fmt_unclean(texts)
    if unclean is None:
        return {}
    count = len(changes)
    broken = {}
    for index, change in enumerate(changes):
        if not unclean[index] and unclean[count + index]:
            broken[change.relpath] = _first_fmt_difference(texts[count + index])
    return broken


def _first_fmt_difference(text: bytes) -> int:
    lf = text.replace(b"\r\n", b"\n")
    formatted = terraform_fmt(lf) or lf
    pairs = zip(lf.splitlines(), formatted.splitlines())
    return next((i + 1 for i, (a, b) in enumerate(pairs) if a != b), 1)
