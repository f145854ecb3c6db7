"""Provider floors, as the planner decides them: when a fix holds only from some azurerm version in
the range on, the fix is written together with a constraint that admits only those versions, which
makes it safe by construction (formats/terraform/constraints.py writes the constraint). Python
programs get package floors the same way (lowest_floor; formats/python/floors.py writes them).

Pure: outcomes per version in, a floor (or why not) out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from fixer.model import Fix, Risk, riskiest
from fixer.plan.changes import summary_of
from fixer.versions import NEWEST, Version, VersionRange, format_version


def floor_of(outcomes: list[tuple[Version, Fix]]) -> Version | None:
    """The lowest version from which every version in the range gets the newest version's fix,
    when that fix can be written. None: no floor helps."""
    newest = outcomes[-1][1]
    if newest.risk not in (Risk.IN_PLACE, Risk.DISRUPTIVE) or not newest.changes:
        return None
    start = len(outcomes) - 1
    while start > 0 and _same_fix(outcomes[start - 1][1], newest):
        start -= 1
    return outcomes[start][0] if start > 0 else None


def floor_refused(floor: Version, versions: VersionRange, how: str, greenfield: bool = False, ceiling: Version = NEWEST) -> str | None:
    """Why akfix may not write this floor, or None. A floor stays in the lowest major the range
    admits: one in a later major could force an upgrade the code was never written for. An added
    constraint (the module states none) also needs to know how far up the code goes: to the end of
    one major (the constraint pins it), or open-ended, every later version admitted (the constraint
    stays open: `>= 4.58.0` drops only older versions of the lowest major). A range that ends inside a
    later major (`>= 3.62, < 5.0`: the code runs 3.x and 4.x, not 5.x) leaves the major undecided."""
    wanted = f"azurerm >= {format_version(floor)}"
    if floor >= ceiling:
        # A root that calls the module (or the module itself) caps azurerm below the floor: written in
        # the module, the floor would leave that root no version to install (`terraform init` fails).
        return (f"A provider floor would need {wanted}, but a constraint of this module or of a root that calls it stops "
                f"below {format_version(ceiling)}, and akfix never crosses an upper bound: raise that constraint first.")
    if greenfield:
        # Nothing is deployed: no state is upgraded across a major and no lock would be held back. The
        # floor keeps any upper bound the range has (the constraint's, or the code's own cap).
        return None
    spans = versions.high > (versions.low[0] + 1, 0, 0)
    if how == "add" and (floor[0] != versions.low[0] or spans and versions.high != NEWEST):
        return (f"A provider floor would add {wanted}, but the module states no azurerm constraint and the code does not "
                f"show which major it is written for: add the major you run to its required_providers (`version = \"~> {floor[0]}.0\"` "
                "if that is it); akfix then raises the floor itself.")
    if floor[0] != versions.low[0]:
        return (f"A provider floor would need {wanted}, another major than the {versions.low[0]}.x this range admits: "
                f"akfix does not move code across a major. Narrow the constraint to one major (~> {floor[0]}.0) if the code "
                "is written for it; akfix then raises the floor itself.")
    return None


def _same_fix(fix: Fix, newest: Fix) -> bool:
    return fix.risk in (Risk.IN_PLACE, Risk.DISRUPTIVE) and fix.changes == newest.changes and fix.add_block == newest.add_block


def floored(outcomes: list[tuple[Version, Fix]], floor: Version, versions: VersionRange, old: str, target: str, how: str = "raise") -> Fix:
    """The fix, written together with `azurerm >= floor`: safe by construction for every version
    the raised constraint admits."""
    held = [fix for version, fix in outcomes if version >= floor]
    newest = held[-1]
    risk = riskiest([fix.risk for fix in held])
    at = f"azurerm >= {format_version(floor)}"
    note = (
        f"{versions.describe()}: below azurerm {format_version(floor)} this fix would "
        f"{'destroy and recreate the cluster or be refused' if any(f.risk is Risk.REPLACEMENT for v, f in outcomes if v < floor) else 'not be possible'}; "
        f"akfix raises the module's azurerm constraint to >= {format_version(floor)} in the same change "
        "(run `terraform init -upgrade` before the plan)."
    )
    if how == "add" and versions.high == NEWEST:
        note += (f" The added constraint stays open as the code is: `terraform init -upgrade` picks the newest azurerm every "
                 f"constraint admits, a later major included; to stay on {floor[0]}.x, add `< {floor[0] + 1}.0.0` to it first.")
    return replace(newest, risk=risk, summary=summary_of(list(newest.changes), risk, at, old, target), reasons=(note, *newest.reasons),
                   floor=floor, hint=None)


def required_floor(need: Version, versions: VersionRange, how: str | None, greenfield: bool = False,
                   ceiling: Version = NEWEST) -> tuple[Version | None, str | None]:
    """A fix that holds only from azurerm `need` on: (floor, None) where a floor makes it hold for
    the whole range, (None, None) where the range starts there anyway, (None, why) where akfix may not
    write the floor. The range must reach `need` (the callers check `need < versions.high`)."""
    if versions.low >= need:
        return None, None
    if not how:
        return None, f"It needs azurerm >= {format_version(need)}; akfix cannot raise the provider version where this cluster is declared: pin it."
    refused = floor_refused(need, versions, how, greenfield, ceiling)
    return (None, refused) if refused else (need, None)


def lowest_floor(candidates: tuple[Version, ...], versions: VersionRange, fix_from: Callable[[Version], Fix | None]) -> tuple[Version, Fix] | None:
    """A package floor: the lowest candidate strictly inside `versions` (above its low end, below
    its upper bound, which a floor never crosses) from which on `fix_from(candidate)`, the fix
    planned for the range raised to that candidate, can be written without --allow-replacement.
    None when no candidate gives one (the fix then stays as it is)."""
    for candidate in candidates:
        if versions.low < candidate < versions.high:
            fix = fix_from(candidate)
            if fix is not None and fix.risk in (Risk.IN_PLACE, Risk.DISRUPTIVE) and fix.changes:
                return candidate, fix
    return None
