"""What the AKS resource provider accepts per API version, and what a PUT does to a live cluster
(aks-network-facts.md §3). ARM templates, Bicep, azapi and azure-native all send a PUT, so they
share these rules; the azurerm provider's ForceNew rules (azurerm.py) do not apply to them.
"""

from __future__ import annotations

import re

ApiVersion = tuple[int, int, int, bool]  # (year, month, day, preview)

_API = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(-preview)?$")


def parse_api_version(text: str) -> ApiVersion | None:
    match = _API.match(text.strip())
    if not match:
        return None
    year, month, day, preview = match.groups()
    return (int(year), int(month), int(day), bool(preview))


def format_api_version(version: ApiVersion) -> str:
    year, month, day, preview = version
    return f"{year:04d}-{month:02d}-{day:02d}" + ("-preview" if preview else "")


# §3.1: the first API versions (stable, preview) in which a value is accepted.
FIRST_STABLE = {
    ("networkPolicy", "calico"): (2018, 3, 31, False),
    ("networkPolicy", "azure"): (2019, 2, 1, False),
    ("networkPolicy", "cilium"): (2023, 2, 1, False),
    ("networkPolicy", "none"): (2024, 5, 1, False),
    ("networkDataplane", "cilium"): (2023, 2, 1, False),
    ("networkDataplane", "azure"): (2023, 2, 1, False),
    ("networkPluginMode", "overlay"): (2023, 2, 1, False),
}
FIRST_PREVIEW = {
    ("networkPolicy", "cilium"): (2023, 2, 2, True),
    ("networkPolicy", "none"): (2023, 8, 2, True),
    ("networkDataplane", "cilium"): (2023, 2, 2, True),
    ("networkDataplane", "azure"): (2023, 2, 2, True),
    ("networkPluginMode", "overlay"): (2023, 3, 2, True),
}

# The API version akfix bumps to when a value needs a newer one: the first stable version that
# has every value akfix writes (cilium, networkDataplane, lowercase overlay).
BUMP_TO: ApiVersion = (2023, 2, 1, False)


def bump_target(version: ApiVersion, values: list[tuple[str, str]]) -> ApiVersion:
    """The API version a template moves to so that it knows `values` (rule 8): BUMP_TO from a stable
    version; from a preview, the first preview that knows them all. A preview template moved to
    2023-02-01 would lose what the preview adds (`apiServerAccessProfile.enableVnetIntegration`,
    workloadRuntime `KataMshvVmIsolation`): azapi then fails schema validation and Bicep drops them."""
    if not version[3]:
        return BUMP_TO
    firsts = [FIRST_PREVIEW.get(value) or FIRST_STABLE.get(value) or version for value in values]
    target = max([version, *firsts], key=lambda v: v[:3])
    return (*target[:3], True)


# Previews that know networkPluginMode only as `Overlay`, capital O (facts 3.1).
CAPITAL_OVERLAY: tuple[ApiVersion, ApiVersion] = ((2022, 4, 2, True), (2023, 2, 2, True))


def capital_overlay(version: ApiVersion) -> bool:
    return version[3] and CAPITAL_OVERLAY[0][:3] <= version[:3] <= CAPITAL_OVERLAY[1][:3]


def accepts(version: ApiVersion, field: str, value: str) -> bool:
    """Whether an API version knows a value. Previews are judged against the preview list, since
    a preview can lack a value that an older stable version has (and the other way round)."""
    if (field, value) == ("networkPluginMode", "Overlay"):
        return capital_overlay(version)
    key = (field, value)
    table = FIRST_PREVIEW if version[3] else FIRST_STABLE
    first = table.get(key) or FIRST_STABLE.get(key)
    if first is None:
        return True
    return version[:3] >= first[:3]


# §3.3: engine transitions a PUT makes in place. Every engine change reimages all node pools.
IN_PLACE = frozenset({("", "azure"), ("", "calico"), ("", "cilium"), ("azure", "cilium"), ("calico", "cilium")})
