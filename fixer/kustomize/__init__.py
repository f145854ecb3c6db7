"""Kustomize: namespace discovery and per-namespace default-deny + DNS-allow bases, rendered
from templates/bases/.

May import fixer.discover, fixer.model and formats/terraform's hcl (namespaces declared in
Terraform); the pipeline, deliver and cli import kustomize. flows/ learns `allow-observed.yaml`
from Hubble flow exports and proves it by replay with netpol.py, the pure NetworkPolicy evaluator.
"""

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
