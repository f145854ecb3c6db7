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

# cdktf-cdktf-provider-azurerm: exact points read from the wheels, and major lines.
_CDKTF_EXACT = {(14, 23): (4, 55, 0), (13, 30): (4, 31, 0)}
_CDKTF_AZURERM = {12: ((3, 0, 0), (4, 0, 0)), 13: ((4, 0, 0), (5, 0, 0)), 14: ((4, 0, 0), (5, 0, 0))}


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
    return VersionRange(table[majors[0]][0], table[majors[-1]][1], source)


def _last_major(versions: VersionRange) -> int:
    """The highest major a range reaches: [2.0, 3.0) reaches only 2."""
    high = versions.high
    return high[0] - 1 if high[1:] == (0, 0) else high[0]
