"""Turn the declarations of one Terraform module (a directory) into clusters.

Terraform merges `override.tf` and `*_override.tf` files into the blocks they name, in lexical
order: an attribute replaces the original's, and a nested block type replaces every block of that
type in the original. So an override that writes `network_profile` decides the effective profile,
and is where the fix must go.
"""

from __future__ import annotations

import posixpath
from dataclasses import replace

from fixer.formats.terraform.decls import CLUSTER_TYPE, ClusterDecl, FileDecls, is_override_file
from fixer.formats.terraform.modules import module_inputs
from fixer.model import Cluster, Profile


def clusters_of_module(module_dir: str, files: dict[str, FileDecls]) -> list[Cluster]:
    """Clusters declared in one directory, overrides merged, Windows pools attached."""
    base: dict[str, ClusterDecl] = {}
    overrides: dict[str, list[ClusterDecl]] = {}
    for relpath in sorted(files, key=posixpath.basename):
        for decl in files[relpath].clusters:
            if is_override_file(relpath):
                overrides.setdefault(decl.address, []).append(decl)
            else:
                base.setdefault(decl.address, decl)
    for again, first in duplicate_declarations(files):
        base[first.address] = replace(base[first.address], editable=False, not_editable_why=_declared_twice(first, again),
                                      not_editable_blocker="duplicate")
    pools = [pool for decls in files.values() for pool in decls.node_pools]
    updates = {u.cluster_name: u for relpath in sorted(files) for u in files[relpath].policy_updates}
    clusters = []
    for address, decl in base.items():
        profile, profile_file = _merged_profile(decl, overrides.get(address, []))
        update = updates.get(decl.name) if address.startswith(f"{CLUSTER_TYPE}.") else None
        if update is not None and profile.policy.is_missing:
            # azapi sets the engine after azurerm, which reads it back (network_policy is Computed)
            profile = replace(profile, policy=update.policy)
        windows = tuple(
            sorted(p.address for p in pools if p.windows and p.cluster_name in (None, decl.name))
        ) + ((f"{address}.properties.agentPoolProfiles",) if decl.windows_inline else ())
        clusters.append(
            Cluster(
                file=decl.file,
                line=decl.line,
                format="terraform",
                address=address,
                profile=profile,
                module_dir=module_dir,
                profile_file=profile_file,
                windows_pools=windows,
                ignores_profile=decl.ignores_profile or any(o.ignores_profile for o in overrides.get(address, [])),
                prevent_destroy=decl.prevent_destroy or any(o.prevent_destroy for o in overrides.get(address, [])),
                module=decl.module,
                editable=decl.editable,
                not_editable_why=decl.not_editable_why,
                not_editable_blocker=decl.not_editable_blocker,
                api_version=decl.api_version,
                input_names=decl.input_names if decl.input_names is not None else module_inputs(decl.module),
                anchor=decl,
            )
        )
    return clusters


def duplicate_declarations(files: dict[str, FileDecls]) -> list[tuple[ClusterDecl, ClusterDecl]]:
    """(later, first) for every address declared again in another non-override file of the module:
    Terraform refuses to load such a module, so neither declaration is what gets deployed. (Twice in
    one file is refused when the file is located.)"""
    first: dict[str, ClusterDecl] = {}
    again: list[tuple[ClusterDecl, ClusterDecl]] = []
    for relpath in sorted(files, key=posixpath.basename):
        if is_override_file(relpath):
            continue
        for decl in files[relpath].clusters:
            if decl.address in first:
                again.append((decl, first[decl.address]))
            else:
                first[decl.address] = decl
    return again


def _declared_twice(first: ClusterDecl, again: ClusterDecl) -> str:
    return (f"{first.address} is declared in {first.file}:{first.line} and again in {again.file}:{again.line}: Terraform "
            "rejects duplicate resource blocks, so this module does not load. Remove or rename one declaration, then re-run akfix.")


def _merged_profile(decl: ClusterDecl, overrides: list[ClusterDecl]) -> tuple[Profile, str]:
    profile, profile_file = decl.profile, decl.file
    for override in overrides:
        if override.sets_profile:
            # The override's network_profile replaces the original's entirely.
            profile = replace(
                override.profile,
                pod_subnet=profile.pod_subnet,
                kubernetes_version=profile.kubernetes_version,
            )
            profile_file = override.file
        if override.sets_node_pool:
            profile = replace(profile, pod_subnet=override.profile.pod_subnet)
        if not override.kubernetes_version.is_missing:
            profile = replace(profile, kubernetes_version=override.kubernetes_version)
    return profile, profile_file
