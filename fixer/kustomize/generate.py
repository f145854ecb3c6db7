"""Per-namespace default-deny + DNS-allow Kustomize bases, rendered from templates/bases/*.j2.

    <bases>/base/                 namespace-agnostic policies + kustomization.yaml
    <bases>/namespaces/<ns>/      one overlay per namespace: `namespace: <ns>` + ../../base
    <bases>/kustomization.yaml    every overlay

Each generated file carries a digest of its own content in its first line. On the next run a file
whose digest still matches is akfix's to update; one a person edited is kept and reported (unless
--force). An aggregate kustomization.yaml that a person wrote is extended in round-trip mode,
comments and order kept.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from fixer.discover import Listing
from fixer.kustomize.names import SYSTEM_NAMESPACES
from fixer.kustomize.namespaces import Discovery, FoundNamespace, SkippedNamespace, discover_namespaces
from fixer.kustomize.paths import UnsafePath, inside

# Rendering and the digest header live in render.py (the Kyverno and connectivity files use them
# too); the names stay importable from here.
from fixer.kustomize.render import comment_text, edited_by_person, render, templates_dir, with_header, yaml_scalar  # noqa: F401
from fixer.model import FileChange, Problem

DEFAULT_BASES_DIR = "k8s/network-policies"


@dataclass(frozen=True)
class BasesOptions:
    bases_dir: str = DEFAULT_BASES_DIR
    engine: str = "cilium"
    namespaces: tuple[str, ...] = ()  # given on the command line
    exclude: tuple[str, ...] = ()  # more system namespaces
    allow: tuple[str, ...] = ()  # system namespaces that should get policies after all
    localdns: bool = False
    same_namespace: bool = False
    force: bool = False
    kyverno: bool = False  # <bases>/kyverno/: a ClusterPolicy for namespaces created later
    connectivity_test: bool = False  # <bases>/connectivity/: Jobs that prove the bases on a cluster
    flows: tuple[str, ...] = ()  # Hubble flow exports: allow what already flows (kustomize/flows/)
    min_flows: int = 1


@dataclass(frozen=True)
class BasesResult:
    changes: tuple[FileChange, ...]
    namespaces: tuple[FoundNamespace, ...]
    skipped: tuple[SkippedNamespace, ...]
    kept: tuple[str, ...]  # generated files a person edited: kept, reported
    problems: tuple[Problem, ...]
    existing_policies: tuple = ()  # namespaces.ExistingPolicy of covered namespaces: reported
    flows: object | None = None  # flows.plan.Learned, when flows were given


def plan_bases(listing: Listing, options: BasesOptions) -> BasesResult:
    root = listing.root
    try:
        bases = inside(root, options.bases_dir)
    except UnsafePath as exc:
        return BasesResult((), (), (), (), (Problem(options.bases_dir, 0, str(exc)),))
    relbases = bases.relative_to(root).as_posix()
    system = (SYSTEM_NAMESPACES | frozenset(options.exclude)) - frozenset(options.allow)
    discovery: Discovery = discover_namespaces(listing, extra=options.namespaces, system=system, skip_prefix=relbases)
    names = discovery.names
    sources = {n: sorted({f.file for f in discovery.found if f.name == n}) for n in names}
    wanted: dict[str, bytes] = {
        "base/default-deny-all.yaml": render("default-deny-all.yaml.j2"),
        "base/allow-dns-egress.yaml": render("allow-dns-egress.yaml.j2"),
        "base/kustomization.yaml": render("base-kustomization.yaml.j2", localdns=options.localdns),
    }
    if options.localdns:
        wanted["base/allow-localdns-egress.yaml"] = render("allow-localdns-egress.yaml.j2", engine=options.engine)
    learned = None
    if options.flows:
        from fixer.kustomize.flows.plan import learn

        learned = learn(options.flows, names, system, options.engine, options.min_flows, render)
    for name in names:
        where = ", ".join(sources[name][:3]) + (f" and {len(sources[name]) - 3} more" if len(sources[name]) > 3 else "")
        wanted[f"namespaces/{name}/kustomization.yaml"] = render(
            "namespace-kustomization.yaml.j2", namespace=name, sources=where, same_namespace=options.same_namespace,
            observed=(learned is not None and name in learned.namespaces) or _has_observed(bases, name),
        )
        if options.same_namespace:
            wanted[f"namespaces/{name}/allow-same-namespace.yaml"] = render("allow-same-namespace.yaml.j2")
    wanted.update(_guardrails(options, names, system, relbases))
    if learned is not None:
        wanted.update(learned.files)
    wanted["kustomization.yaml"] = render("kustomization.yaml.j2", namespaces=names, bases_dir=relbases)

    changes: list[FileChange] = []
    kept: list[str] = []
    problems: list[Problem] = list(discovery.problems)
    for relative, content in wanted.items():
        relpath = f"{relbases}/{relative}"
        try:
            path = inside(root, relpath)
        except UnsafePath as exc:
            problems.append(Problem(relpath, 0, str(exc)))
            continue
        before = path.read_bytes() if path.is_file() else None
        if before == content:
            continue
        if before is not None and not options.force:
            state = edited_by_person(before)
            if relative == "kustomization.yaml" and state is None:
                extended = _extend_aggregate(before, names)
                if extended is None:
                    problems.append(Problem(relpath, 1, "existing kustomization.yaml cannot be read as YAML; left untouched"))
                elif extended != before:
                    changes.append(FileChange(path, relpath, before, extended, "add namespace overlays"))
                continue
            if state is not False:
                kept.append(relpath)
                continue
        changes.append(FileChange(path, relpath, before, content, "network-policy bases"))
    if learned is not None:  # replay against the files as they will be: kept edits included
        from fixer.kustomize.flows.plan import prove

        learned = prove(learned, names, wanted, kept, root, relbases, options.min_flows)
        problems.extend(learned.problems)
    covered = set(names)
    existing = tuple(p for p in discovery.policies if p.namespace in covered)
    return BasesResult(tuple(changes), discovery.found, discovery.skipped, tuple(kept), tuple(problems), existing, learned)


def _guardrails(options: BasesOptions, names: list[str], system: frozenset[str], relbases: str) -> dict[str, bytes]:
    """The Kyverno policy and the connectivity tests, when asked for: beside the overlays, never in them."""
    files: dict[str, bytes] = {}
    if options.kyverno:
        from fixer.kustomize.kyverno import kyverno_files

        files.update(kyverno_files(options, system, relbases))
    if options.connectivity_test:
        from fixer.kustomize.connectivity import connectivity_files

        files.update(connectivity_files(names, relbases))
    return files


def _has_observed(bases: Path, namespace: str) -> bool:
    """An allow-observed.yaml from an earlier `--flows` run stays in the overlay: a run without
    flows must not silently drop the allows a running application depends on."""
    return (bases / "namespaces" / namespace / "allow-observed.yaml").is_file()


def _extend_aggregate(data: bytes, names: list[str]) -> bytes | None:
    """A person's aggregate kustomization.yaml with the missing overlays appended to `resources`,
    in round-trip mode (comments, order and quoting kept)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    # Keep the file's list style: "  - item" (indented under the key) or "- item" (flush).
    dash = re.search(rb"^( *)- ", data, re.M)
    offset = len(dash.group(1)) if dash else 0
    yaml.indent(mapping=2, sequence=offset + 2, offset=offset)
    yaml.width = 4096  # never re-wrap a person's long lines
    try:
        document = yaml.load(data.decode("utf-8"))
    except (YAMLError, UnicodeDecodeError):
        return None
    if not isinstance(document, dict):
        return None
    resources = document.get("resources")
    if resources is None:
        document["resources"] = resources = []
    if not isinstance(resources, list):
        return None
    for name in names:
        entry = f"namespaces/{name}"
        if entry not in resources and entry + "/" not in resources:
            resources.append(entry)
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue().encode()
