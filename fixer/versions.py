"""Provider versions and version ranges.

A range is what akfix knows about the azurerm version a module runs with: one exact version
(from `.terraform.lock.hcl` or a plan), the set a `required_providers` constraint admits, or
everything (unknown). The planner evaluates a fix at every rule boundary inside the range and
keeps the riskiest answer, so an unknown version is treated as the riskiest plausible one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

Version = tuple[int, int, int]

_VERSION = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+].*)?$")


def parse_version(text: str) -> Version | None:
    match = _VERSION.match(text.strip())
    if not match:
        return None
    major, minor, patch = (int(part) if part else 0 for part in match.groups())
    return (major, minor, patch)


def format_version(version: Version) -> str:
    return ".".join(str(part) for part in version)


OLDEST: Version = (2, 0, 0)  # nothing older than azurerm 2.0 is considered plausible
NEWEST: Version = (999, 0, 0)


@dataclass(frozen=True)
class VersionRange:
    """Versions v with low <= v < high. `exact` marks a range known to one version."""

    low: Version = OLDEST
    high: Version = NEWEST
    source: str = "unknown"  # where the knowledge came from, for people

    @property
    def exact(self) -> bool:
        return _next_patch(self.low) == self.high

    @property
    def known(self) -> bool:
        return self.source != "unknown"

    @property
    def empty(self) -> bool:
        return self.low >= self.high

    @property
    def contradictory(self) -> bool:
        """Constraints that no version meets at all (`= 2.36.0` beside `2.41.0`): `terraform init` fails."""
        return self.empty and not self.before_oldest

    @property
    def before_oldest(self) -> bool:
        """Every version admitted is older than azurerm 2.0 (`~> 1.5`): nothing akfix has rules for."""
        return self.high <= OLDEST

    def contains(self, version: Version) -> bool:
        return self.low <= version < self.high

    def intersect(self, other: VersionRange) -> VersionRange:
        return VersionRange(max(self.low, other.low), min(self.high, other.high), _join_sources(self.source, other.source))

    def span(self, other: VersionRange) -> VersionRange:
        """The smallest range holding both: a module that two roots call runs at either's version."""
        return VersionRange(min(self.low, other.low), max(self.high, other.high), _join_sources(self.source, other.source))

    def describe(self) -> str:
        parts = self.source.split("; ")
        source = self.source if len(parts) <= 3 else f"{parts[0]} and {len(parts) - 1} more files"
        if self.exact:
            return f"azurerm {format_version(self.low)} ({source})"
        if self.before_oldest:
            return f"azurerm < {format_version(self.high)} ({source})"
        if self.empty:
            return f"azurerm: no version meets every constraint ({source})"
        if not self.known:
            return "azurerm version unknown"
        high = "" if self.high == NEWEST else f", < {format_version(self.high)}"
        return f"azurerm >= {format_version(self.low)}{high} ({source})"


def _join_sources(*sources: str) -> str:
    """Sources joined once each, in order; "unknown" says nothing and is left out."""
    parts = [p for s in sources if s != "unknown" for p in s.split("; ")]
    return "; ".join(dict.fromkeys(parts)) or "unknown"


def _next_patch(version: Version) -> Version:
    return (version[0], version[1], version[2] + 1)


def exactly(version: Version, source: str) -> VersionRange:
    return VersionRange(version, _next_patch(version), source)


UNKNOWN = VersionRange()

_CLAUSE = re.compile(r"^\s*(~>|>=|<=|!=|>|<|=)?\s*(\S+)\s*$")


def parse_constraint(text: str, source: str, oldest: Version = OLDEST) -> VersionRange | None:
    """A Terraform version constraint ("~> 3.0", ">= 3.108, < 5.0", "4.58.0") as a range.

    `!=` clauses are ignored: excluding one version never changes which rule band applies.
    `oldest`: where a range without a lower bound starts (azurerm: 2.0; a module's releases: 0.0.0).
    Returns None for text that is not a constraint.
    """
    result = VersionRange(oldest, NEWEST, source)
    for clause in text.split(","):
        if not clause.strip():
            continue
        match = _CLAUSE.match(clause)
        if not match:
            return None
        operator, raw = match.group(1) or "=", match.group(2)
        version = parse_version(raw)
        if version is None:
            return None
        parts = len(raw.lstrip("v").split("-")[0].split("."))
        if operator == "=":
            bound = VersionRange(version, _next_patch(version), source)
        elif operator == ">=":
            bound = VersionRange(version, NEWEST, source)
        elif operator == ">":
            bound = VersionRange(_next_patch(version), NEWEST, source)
        elif operator == "<":
            bound = VersionRange(oldest, version, source)
        elif operator == "<=":
            bound = VersionRange(oldest, _next_patch(version), source)
        elif operator == "~>":
            # ~> 3.0 allows >= 3.0, < 4.0; ~> 3.1.2 allows >= 3.1.2, < 3.2.0
            upper = (version[0] + 1, 0, 0) if parts <= 2 else (version[0], version[1] + 1, 0)
            bound = VersionRange(version, upper, source)
        else:  # != : see docstring
            continue
        result = VersionRange(max(result.low, bound.low), min(result.high, bound.high), source)
    return result
