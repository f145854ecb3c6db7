"""Namespace discovery and per-namespace default-deny + DNS-allow Kustomize bases."""

from fixer.kustomize.generate import DEFAULT_BASES_DIR, BasesOptions, BasesResult, plan_bases
from fixer.kustomize.names import SYSTEM_NAMESPACES
from fixer.kustomize.namespaces import FoundNamespace, SkippedNamespace, discover_namespaces

__all__ = [
    "DEFAULT_BASES_DIR",
    "SYSTEM_NAMESPACES",
    "BasesOptions",
    "BasesResult",
    "FoundNamespace",
    "SkippedNamespace",
    "discover_namespaces",
    "plan_bases",
]
