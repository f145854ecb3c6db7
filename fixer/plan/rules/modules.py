"""What each version of a known AKS module takes in its call (aks-network-facts.md §6.3, §6.4).

A fix for a module call writes the module's inputs, not the resource's attributes, and an input the
called version does not declare (Terraform: "An argument named ... is not expected here") or a value
its `@allowed` list leaves out (Bicep) makes the whole deployment fail to validate. Read from the
modules' release tags (Azure/terraform-azurerm-aks `variables.tf`, Azure/bicep-registry-modules
`avm/res/container-service/managed-cluster/main.bicep`).

Pure data and lookups: the version comes from the call as the reader recorded it in Cluster.module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fixer.versions import Version, VersionRange, format_version, parse_constraint, parse_version

AZURE_AKS = "Azure/aks/azurerm"
AVM_TERRAFORM = "Azure/avm-res-containerservice-managedcluster/azurerm"
AVM_BICEP = "avm/res/container-service/managed-cluster"


@dataclass(frozen=True)
class Taken:
    """An input (and, where only some values are allowed, one value of it) a module takes from
    `since` on, and up to but not including `until`."""

    name: str
    since: Version
    until: Version | None = None
    value: str | None = None  # None: every value the input is written with

    def covers(self, version: Version) -> bool:
        return self.since <= version and (self.until is None or version < self.until)


# Azure/aks (Terraform): inputs by the first release that declares them. network_data_plane was
# declared in 10.x only (11.0 dropped it again); ebpf_data_plane is the data-plane input from 7.2.
_AZURE_AKS: tuple[Taken, ...] = (
    Taken("network_plugin", (4, 4, 0)),
    Taken("network_policy", (4, 5, 0)),
    Taken("network_plugin_mode", (7, 1, 0)),
    Taken("ebpf_data_plane", (7, 2, 0)),
    Taken("network_data_plane", (10, 0, 0), (11, 0, 0)),
)

# Bicep AVM managed-cluster: the network params exist from 0.1.0; before 0.12.0 they carry
# @allowed lists. 'cilium' joined networkPolicy's list in 0.5.1 (with the forced overlay and policy
# when networkDataplane is cilium); 'none' only with the API-typed params of 0.12.0.
_AVM_BICEP: tuple[Taken, ...] = (
    Taken("networkPolicy", (0, 5, 1), value="cilium"),
    Taken("networkPolicy", (0, 12, 0), value="none"),
)
AVM_BICEP_FORCES_CILIUM_OVERLAY: Version = (0, 5, 1)

# The API version each Bicep AVM release deploys managedClusters with (its `resource` line).
_AVM_BICEP_API: tuple[tuple[Version, str], ...] = (
    ((0, 1, 0), "2023-07-02-preview"),
    ((0, 2, 0), "2024-03-02-preview"),
    ((0, 7, 0), "2024-09-02-preview"),
    ((0, 10, 1), "2025-05-01"),
    ((0, 11, 0), "2025-05-02-preview"),
    ((0, 12, 0), "2025-09-01"),
    ((0, 13, 0), "2025-10-01"),
)

_BICEP_TAG = re.compile(re.escape(AVM_BICEP) + r":v?([0-9][\w.+-]*)")


def avm_bicep_version(source: str) -> Version | None:
    """The release a `br/...avm/res/container-service/managed-cluster:<tag>` reference names; None
    for a tag that is not a version."""
    match = _BICEP_TAG.search(source)
    return parse_version(match.group(1)) if match else None


def avm_bicep_api_version(version: Version | None, unknown: str) -> str:
    """The API version a release deploys: the table's last row for a newer release (an older API
    knows fewer values, so that is the safe side), `unknown` for a tag that is not a version."""
    if version is None:
        return unknown
    rows = [name for since, name in _AVM_BICEP_API if since <= version]
    return rows[-1] if rows else _AVM_BICEP_API[0][1]


def avm_bicep_forces_overlay(version: Version | None) -> bool:
    """Whether the release turns networkDataplane cilium into policy cilium on overlay (0.5.1 on)."""
    return version is None or version >= AVM_BICEP_FORCES_CILIUM_OVERLAY


def lowest_version(module: str) -> tuple[str, Version, str] | None:
    """(name, the lowest release the call admits, the version as the call writes it) of a known
    module, from Cluster.module; None where the call names no version (the newest is fetched) or
    the module is not one of these."""
    for name in (AZURE_AKS, AVM_TERRAFORM):
        if module.startswith(name + " "):
            text = module[len(name) + 1:]
            # a constraint's lowest release, counted from 0.0.0 (the azurerm default floor of 2.0 would hide 0.x)
            versions = parse_constraint(text, name, oldest=(0, 0, 0)) if text != "unknown version" else None
            return (name, versions.low, text) if versions is not None else None
    version = avm_bicep_version(module)
    return (AVM_BICEP, version, format_version(version)) if version is not None else None


def refusal(module: str | None, writes: list[tuple[str, str]]) -> str | None:
    """Why the module release the call names cannot take these (input, value) writes, or None. A
    version constraint is judged by the lowest release it admits: `terraform init` may fetch it."""
    known = lowest_version(module or "")
    if known is None:
        return None
    name, version, written = known
    table = {AZURE_AKS: _AZURE_AKS, AVM_BICEP: _AVM_BICEP}.get(name, ())
    called = f"{name} {written}" + ("" if written == format_version(version) else f" (admits {format_version(version)})")
    for key, value in writes:
        rows = [t for t in table if t.name == key and t.value in (None, value)]
        if not rows or any(t.covers(version) for t in rows):
            continue
        first = min(rows, key=lambda t: t.since)
        bound = "" if first.until is None else f" up to {format_version(first.until)}"
        if first.value is None:
            return f"{called} has no input {key} (declared from {format_version(first.since)}{bound})"
        return f"{called} does not allow {key} = '{value}' (allowed from {format_version(first.since)})"
    return None


# Azure/aks 7.2.0-7.4.x check `network_plugin_mode == "Overlay"` (capitalised) or a pod subnet
# before they take ebpf_data_plane = "cilium"; 7.5.0 checks the lowercase value (main.tf preconditions).
_AZURE_AKS_CAPITAL_OVERLAY = Taken("network_plugin_mode", (7, 2, 0), (7, 5, 0), value="Overlay")


def cilium_precondition(module: str | None, plugin_mode: str | None, pod_subnet: bool) -> str | None:
    """Why the call's release would fail its own precondition for the Cilium data plane, or None."""
    known = lowest_version(module or "")
    if known is None or known[0] != AZURE_AKS or pod_subnet or not _AZURE_AKS_CAPITAL_OVERLAY.covers(known[1]):
        return None
    if plugin_mode == _AZURE_AKS_CAPITAL_OVERLAY.value:
        return None
    return (f"{AZURE_AKS} {known[2]} requires network_plugin_mode = \"Overlay\" (capitalised; lowercase from 7.5.0) or a pod "
            f"subnet before ebpf_data_plane = \"cilium\", and the call sets {plugin_mode!r}")


# Azure/aks: the azurerm constraint each release's versions.tf states (the release tags; a row holds
# until the next). Terraform intersects it with the caller's, so it bounds the versions the module
# runs at, and a floor written in the caller may never cross its upper bound.
_AZURE_AKS_AZURERM: tuple[tuple[Version, str], ...] = (
    ((4, 4, 0), "~> 2.34.0"), ((4, 6, 0), "~> 2.34"), ((4, 13, 0), "~> 2.46"), ((5, 0, 0), "~> 3.3"), ((6, 0, 0), "~> 3.21"),
    ((6, 1, 0), ">= 3.21"), ((6, 2, 0), ">= 3.27"), ((6, 6, 0), ">= 3.40"), ((6, 7, 0), ">= 3.40, < 4.0"),
    ((6, 8, 0), ">= 3.47.0, < 4.0"), ((7, 0, 0), ">= 3.51.0, < 4.0"), ((7, 4, 0), ">= 3.69.0, < 4.0"),
    ((8, 0, 0), ">= 3.84.0, < 4.0"), ((9, 1, 0), ">= 3.106.1, < 4.0"), ((10, 0, 0), ">= 3.107.0, < 4.0"),
    ((11, 0, 0), ">= 4.16.0, < 5.0"), ((11, 5, 0), ">= 4.48.0, < 5.0"),
)
# The AVM Terraform module builds the cluster with azurerm up to v0.3.3 (from v0.4.0 with azapi,
# where the azurerm version no longer decides); its terraform.tf per release tag.
_AVM_TERRAFORM_AZURERM: tuple[tuple[Version, str], ...] = (
    ((0, 1, 0), "< 4.0.0"), ((0, 1, 3), ">= 4.0.0, < 5.0.0"), ((0, 3, 1), ">= 4.40.0, < 5.0.0"), ((0, 3, 2), ">= 4.46.0, < 5.0.0"),
)
# releases after the newest tag read (Azure/aks) or past the azurerm-backed ones (AVM) are not assumed
_AZURERM_TABLES = {AZURE_AKS: (_AZURE_AKS_AZURERM, (11, 6, 0)), AVM_TERRAFORM: (_AVM_TERRAFORM_AZURERM, (0, 4, 0))}


def module_azurerm(module: str | None) -> VersionRange | None:
    """The azurerm versions the release a call names (exactly: `version = "9.4.1"`) admits by its
    own constraint; None for a version range, an unknown release or another module."""
    known = lowest_version(module or "")
    if known is None or known[0] not in _AZURERM_TABLES or parse_version(known[2]) != known[1] or "-" in known[2]:
        return None
    table, until = _AZURERM_TABLES[known[0]]
    rows = [text for since, text in table if since <= known[1]]
    if not rows or known[1] >= until:
        return None
    return parse_constraint(rows[-1], f"{known[0]} {known[2]} requires azurerm \"{rows[-1]}\"")


def takes_greenfield_profile(module: str) -> bool:
    """Whether a call of this module can be given the whole recommended profile through its inputs:
    Azure/aks from 7.2.0 (plugin, mode, policy and data plane inputs; the newest where the call names
    no version), the Bicep AVM module (its network params exist in every release) and the AVM
    Terraform module from v0.4.0 (its network_profile object, every field optional, sent by azapi as
    written). Its azurerm-backed releases before are planned as live."""
    if module.startswith(AZURE_AKS + " "):
        known = lowest_version(module)
        return known is None and module.endswith(" unknown version") or known is not None and known[1] >= (7, 2, 0)
    if module.startswith(AVM_TERRAFORM + " "):
        known = lowest_version(module)
        return known is not None and known[1] >= (0, 4, 0) and "-" not in known[2]
    return AVM_BICEP in module
