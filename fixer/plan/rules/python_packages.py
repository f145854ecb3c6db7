"""What the Python IaC packages send to Azure, per package version (aks-network-facts.md §7).

Pulumi's azure-native SDK sends a PUT of the AKS resource (the ARM rules of arm.py apply, at the
API version the package was generated from). pulumi-azure and the CDKTF azurerm bindings wrap the
azurerm Terraform provider, so the azurerm ForceNew rules apply at the provider version they bundle.
Pure data and lookups: nothing here reads files.
"""

from __future__ import annotations

from fixer.versions import Version, VersionRange, exactly

AZURE_NATIVE = "pulumi-azure-native"
PULUMI_AZURE = "pulumi-azure"
CDKTF_AZURERM = "cdktf-cdktf-provider-azurerm"

# azure-native major -> (API version of containerservice's default module, how it is known).
# 3.29.0 and 2.92.3 were read from the wheels (facts §7); the start of each major is the API
# version its release notes name, so a range uses the oldest API of its lowest major.
_AZURE_NATIVE_API: list[tuple[Version, str]] = [
    ((1, 0, 0), "2021-03-01"),  # v1 default module (assumed from v1 docs; no cilium, no networkDataplane)
    ((2, 0, 0), "2023-04-01"),
    ((3, 0, 0), "2024-10-01"),
    ((3, 29, 0), "2025-09-01"),
]


def azure_native_api(versions: VersionRange) -> str:
    """The API version the package's default containerservice module sends; for a range, the
    oldest one in it (an older API knows fewer values, so that is the safe assumption)."""
    api = _AZURE_NATIVE_API[1][1]  # unknown: assume >= 2.0, the oldest major still supported by Pulumi
    for start, value in _AZURE_NATIVE_API:
        if versions.known and versions.low >= start:
            api = value
    return api


def azure_native_fills_kubenet(versions: VersionRange) -> bool:
    """azure-native below 3.0 fills network_plugin = kubenet client-side when a network_profile is
    given without one (facts §7). True when the range reaches below 3.0 or is unknown."""
    return not versions.known or versions.low < (3, 0, 0)


# pulumi-azure major -> the azurerm major line it bridges (facts §7: 5.x -> 3.x, 6.x -> 4.x).
_PULUMI_AZURE_AZURERM = {4: ((2, 0, 0), (3, 0, 0)), 5: ((3, 0, 0), (4, 0, 0)), 6: ((4, 0, 0), (5, 0, 0))}

# pulumi-azure version -> the azurerm version it was the first release to bundle, at the azurerm
# rule boundaries (rules/azurerm.py BOUNDARIES; where no release bundled the boundary itself, the
# first one past it). Source: pulumi/pulumi-azure git history, the first release tag containing
# each "Upgrade terraform-provider-azurerm to vX.Y.Z (#PR)" commit, every later tag of the major
# containing it too (checked 2026-08 snapshot): #1180 3.36.0 -> v5.28.0, #1312 3.64.0 -> v5.45.0,
# 3.71.0 -> v5.49.0, 3.75.0 -> v5.52.0, #2143 3.109.0 -> v5.81.0 (3.108 was skipped), #3424 4.58.0
# -> v6.32.0 (merged 2026-02-05), #3438 4.61.0 -> v6.33.0, #3466 4.66.0 -> v6.34.0.
_PULUMI_AZURE_FIRST = (
    ((5, 28, 0), (3, 36, 0)),
    ((5, 45, 0), (3, 64, 0)),
    ((5, 49, 0), (3, 71, 0)),
    ((5, 52, 0), (3, 75, 0)),
    ((5, 81, 0), (3, 109, 0)),
    ((6, 32, 0), (4, 58, 0)),
    ((6, 33, 0), (4, 61, 0)),
    ((6, 34, 0), (4, 66, 0)),
)

# cdktf-cdktf-provider-azurerm: exact points read from the wheels, and major lines. Majors 7-11:
# the azurerm version in each release's kubernetes_cluster docstring (registry link), read from the
# release tags of cdktf/cdktf-provider-azurerm-go, which publishes the same release numbers (its
# 13.30.0 and 14.22.0 name azurerm 4.31.0 and 4.54.0, in line with the wheels above).
_CDKTF_EXACT = {(14, 23): (4, 55, 0), (13, 30): (4, 31, 0)}
_CDKTF_AZURERM = {major: ((3, 0, 0), (4, 0, 0)) for major in (7, 8, 9, 10, 11, 12)} | {13: ((4, 0, 0), (5, 0, 0)), 14: ((4, 0, 0), (5, 0, 0))}

# cdktf-cdktf-provider-azurerm version -> the azurerm version it was the first release to bundle
# (same source, at the azurerm rule boundaries): v7.0.0 3.52.0, v9.0.0 3.62.0, v10.0.2 3.72.0
# (v10.0.1: 3.70.0), v10.0.5 3.75.0, v12.21.0 3.108.0. No cdktf-cdktf-provider-azurerm release
# bundles azurerm >= 4.58 (the last, 14.23.x, bundles 4.55.0; the bindings continue under another
# name, cdktn-provider-azurerm, which akfix does not read): a floor there cannot be had.
_CDKTF_FIRST = (
    ((7, 0, 0), (3, 52, 0)),
    ((9, 0, 0), (3, 62, 0)),
    ((10, 0, 2), (3, 72, 0)),
    ((10, 0, 5), (3, 75, 0)),
    ((12, 21, 0), (3, 108, 0)),
)


def azurerm_of(package: str, versions: VersionRange, source: str) -> VersionRange:
    """The azurerm provider versions a bridged package version may bundle. Unknown package
    versions, and majors without facts, give the full range: the planner then takes the riskiest
    plausible provider version and says so."""
    if not versions.known:
        return VersionRange()
    if package == CDKTF_AZURERM:
        point = _CDKTF_EXACT.get(versions.low[:2])
        if point and versions.exact:
            return exactly(point, source)
        table = _CDKTF_AZURERM
    else:
        table = _PULUMI_AZURE_AZURERM
    majors = range(versions.low[0], _last_major(versions) + 1)
    if not majors or any(m not in table for m in majors):
        return VersionRange()
    # Releases only move forward within the sourced points: from a point on, at least its azurerm.
    first = _CDKTF_FIRST if package == CDKTF_AZURERM else _PULUMI_AZURE_FIRST
    low = max([table[majors[0]][0]] + [azurerm for start, azurerm in first if start <= versions.low])
    return VersionRange(low, table[majors[-1]][1], source)


def floor_candidates(package: str) -> tuple[Version, ...]:
    """The package versions at which what the package sends can change, as far as sourced facts go:
    the starts of the azure-native API table, of the bridged major lines and of the sourced
    first-release points. A package floor is only ever one of these."""
    if package == AZURE_NATIVE:
        points = [start for start, _ in _AZURE_NATIVE_API]
    elif package == CDKTF_AZURERM:
        points = [(major, 0, 0) for major in _CDKTF_AZURERM] + [start for start, _ in _CDKTF_FIRST]
    else:
        points = [(major, 0, 0) for major in _PULUMI_AZURE_AZURERM] + [start for start, _ in _PULUMI_AZURE_FIRST]
    return tuple(sorted(set(points)))


def _last_major(versions: VersionRange) -> int:
    """The highest major a range reaches: [2.0, 3.0) reaches only 2."""
    high = versions.high
    return high[0] - 1 if high[1:] == (0, 0) else high[0]
