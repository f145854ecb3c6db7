"""Namespace discovery across a repository, each name with where it was found.

Sources: Kubernetes YAML (`kind: Namespace`, `metadata.namespace` of any object, several documents
per file), `kustomization.yaml` `namespace:`, Argo CD `Application` `spec.destination.namespace`,
Flux `Kustomization` / `HelmRelease` `spec.targetNamespace`, Terraform `kubernetes_namespace(_v1)`
`metadata { name = "..." }` literals. Helm chart templates are templated as a whole and skipped.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from fixer.discover import Listing, read_safely
from fixer.kustomize.names import SYSTEM_NAMESPACES, why_skipped
from fixer.model import Problem

YAML_SUFFIXES = (".yaml", ".yml")
_YAML_MARKERS = (b"namespace", b"Namespace", b"NetworkPolicy")  # the last: policies whose folder names the namespace
TF_MARKER = b"kubernetes_namespace"
_KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


@dataclass(frozen=True)
class FoundNamespace:
    name: str
    file: str
    line: int
    source: str  # Namespace | metadata.namespace | kustomization | argocd | flux | terraform | cli


@dataclass(frozen=True)
class SkippedNamespace:
    name: str
    file: str
    line: int
    reason: str


@dataclass(frozen=True)
class ExistingPolicy:
    """A network policy the repository already holds for a covered namespace: default-deny
    changes what it means (an allow that was redundant becomes the only way in)."""

    namespace: str
    kind: str  # NetworkPolicy | CiliumNetworkPolicy
    name: str
    file: str
    line: int


# Namespaced policy kinds whose meaning a default-deny changes (Calico's projectcalico.org
# NetworkPolicy has the same kind name and counts too).
POLICY_KINDS = ("NetworkPolicy", "CiliumNetworkPolicy")


@dataclass(frozen=True)
class Discovery:
    found: tuple[FoundNamespace, ...]
    skipped: tuple[SkippedNamespace, ...]
    problems: tuple[Problem, ...]
    policies: tuple[ExistingPolicy, ...] = ()

    @property
    def names(self) -> list[str]:
        return sorted({f.name for f in self.found})


def discover_namespaces(
    listing: Listing,
    *,
    extra: tuple[str, ...] = (),
    system: frozenset[str] = SYSTEM_NAMESPACES,
    skip_prefix: str = "",
) -> Discovery:
    """Every namespace the repository mentions. `skip_prefix` (the bases dir) is not read, so
    akfix's own overlays never feed the next run: re-running is a fixed point."""
    found: list[FoundNamespace] = []
    skipped: list[SkippedNamespace] = []
    problems: list[Problem] = []
    policies: list[tuple[str | None, str, str, str, int]] = []  # (namespace or None, kind, name, file, line)
    folder_namespace: dict[str, str] = {}  # a kustomization's `namespace:` sets it for its folder

    def note(name: object, line: int, file: str, source: str) -> None:
        if not isinstance(name, str) or not name:
            return
        reason = why_skipped(name, system)
        if reason:
            skipped.append(SkippedNamespace(name, file, line, reason))
        else:
            found.append(FoundNamespace(name, file, line, source))

    charts = {posixpath.dirname(f) for f in listing.files if posixpath.basename(f) == "Chart.yaml"}
    suffixes, holding = listing.remembered.get(TF_MARKER, ((), None))
    known_tf = holding if ".tf" in suffixes else None  # the Terraform scan already looked
    for relpath in listing.files:
        if skip_prefix and (relpath == skip_prefix or relpath.startswith(skip_prefix + "/")):
            continue
        is_yaml = relpath.endswith(YAML_SUFFIXES) or posixpath.basename(relpath) == "Kustomization"
        if not (is_yaml or relpath.endswith(".tf")) or (not is_yaml and known_tf is not None and relpath not in known_tf):
            continue
        if is_yaml and _in_chart_templates(relpath, charts):
            continue  # Helm templates: every value may be templated
        data, problem = read_safely(listing.root, listing.root / relpath, relpath)
        if problem:
            problems.append(problem)
        if not data:
            continue
        if is_yaml and any(m in data for m in _YAML_MARKERS):
            _from_yaml(data, relpath, note, problems, policies.append, folder_namespace)
        elif relpath.endswith(".tf") and TF_MARKER in data:
            _from_terraform(data, relpath, note)
    for name in extra:
        note(name, 0, "--namespace", "cli")
    key = lambda item: (item.name, item.file, item.line)  # noqa: E731
    return Discovery(tuple(sorted(set(found), key=key)), tuple(sorted(set(skipped), key=key)), tuple(problems),
                     _policies_of(policies, folder_namespace))


def _policies_of(policies, folder_namespace: dict[str, str]) -> tuple[ExistingPolicy, ...]:
    """Policies with their namespace: their own, else their folder's kustomization's; unknown ones
    (set only when applied) are left out rather than guessed."""
    known = []
    for namespace, kind, name, file, line in policies:
        namespace = namespace or folder_namespace.get(posixpath.dirname(file))
        if namespace:
            known.append(ExistingPolicy(namespace, kind, name, file, line))
    return tuple(sorted(set(known), key=lambda p: (p.namespace, p.file, p.line)))


def _in_chart_templates(relpath: str, charts: set[str]) -> bool:
    parts = relpath.split("/")
    for index, part in enumerate(parts[:-1]):
        if part == "templates" and "/".join(parts[:index]) in charts:
            return True
    return False


def _from_yaml(data: bytes, relpath: str, note, problems: list[Problem], policy=None, folder_namespace=None) -> None:
    """Read with PyYAML's libyaml composer: node trees carry line numbers and it is many times
    faster than a pure-Python round-trip load (discovery reads every manifest of a monorepo)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        documents = list(yaml.compose_all(data.decode("utf-8-sig"), Loader=loader))
    except (yaml.YAMLError, UnicodeDecodeError, ValueError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problems.append(Problem(relpath, line, f"YAML cannot be read ({str(exc).splitlines()[0][:120]}); namespaces in it not seen"))
        return
    kustomization = posixpath.basename(relpath) in _KUSTOMIZATION_FILES
    for root in documents:
        document = _Mapping(root)
        if not document:
            continue
        kind, api = document.text("kind"), document.text("apiVersion") or ""
        metadata, spec = document.mapping("metadata"), document.mapping("spec")
        if kustomization or kind == "Kustomization" and api.startswith("kustomize.config.k8s.io"):
            note(*document.located("namespace"), relpath, "kustomization")
            if folder_namespace is not None and document.text("namespace"):
                folder_namespace[posixpath.dirname(relpath)] = document.text("namespace")
            continue
        if policy is not None and kind in POLICY_KINDS:
            name, line = metadata.located("name")
            policy((metadata.text("namespace"), kind, name or "", relpath, line))
        if kind == "Namespace":
            note(*metadata.located("name"), relpath, "Namespace")
        # Argo CD and Flux objects live in their controller's namespace, which is not a workload's.
        controller = "argoproj.io" in api or "fluxcd.io" in api
        if not controller:
            note(*metadata.located("namespace"), relpath, "metadata.namespace")
        if kind == "Application" and api.startswith("argoproj.io"):
            note(*spec.mapping("destination").located("namespace"), relpath, "argocd")
        if kind in ("Kustomization", "HelmRelease") and "fluxcd.io" in api:
            note(*spec.located("targetNamespace"), relpath, "flux")


class _Mapping:
    """Read-only view of a YAML mapping node: scalar values with their line numbers."""

    def __init__(self, node):
        import yaml

        self.items = {}
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    self.items[key.value] = value

    def __bool__(self) -> bool:
        return bool(self.items)

    def text(self, key: str) -> str | None:
        import yaml

        node = self.items.get(key)
        return node.value if isinstance(node, yaml.ScalarNode) else None

    def located(self, key: str) -> tuple[str | None, int]:
        node = self.items.get(key)
        return self.text(key), (node.start_mark.line + 1 if node is not None else 1)

    def mapping(self, key: str) -> "_Mapping":
        return _Mapping(self.items.get(key))


def _from_terraform(data: bytes, relpath: str, note) -> None:
    from fixer.formats.terraform import hcl

    root = hcl.parse(data.removeprefix(b"\xef\xbb\xbf")).root_node
    for block in hcl.blocks(hcl.body_of(root)):
        if block.type != "resource" or not block.labels or block.labels[0] not in ("kubernetes_namespace", "kubernetes_namespace_v1"):
            continue
        metadata = next((b for b in hcl.blocks(block.body) if b.type == "metadata"), None)
        name = hcl.attribute(metadata.body, "name") if metadata is not None else None
        expression = hcl.expression_of(name) if name is not None else None
        if expression is None:
            continue
        literal = hcl.string_content(expression)
        line = expression.start_point[0] + 1
        # An expression (var.x, "${...}") is reported as templated, never used as a name.
        text = hcl.text(expression).strip()
        note(literal if literal is not None else (text if "${" in text else "${" + text + "}"), line, relpath, "terraform")

