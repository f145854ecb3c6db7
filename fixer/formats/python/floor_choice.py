"""Which package floor each fix of a Python program needs, if any.

A fix the package range holds back (manual, or a replacement) is planned again as if the range
started at each sourced release point inside it (rules/python_packages.py floor_candidates), lowest
first; the first point where it can be written is its floor (plan/floors.py lowest_floor). A program
gets one floor per package, the highest its fixes need, raised in every project file that states the
package (floors.py); where that is refused, each fix stays as it was and says why. An exact pin (a
lock file, `==`) is never raised: the fix says which version to upgrade to. A floor past the stated
upper bound is never written either: the fix says which one would work.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, replace

from fixer.formats.python import floors
from fixer.formats.python.packages import LOCK_FILES, OLDEST, Pin, Pins
from fixer.model import Fix, Risk
from fixer.plan.floors import lowest_floor
from fixer.plan.rules.python_packages import floor_candidates
from fixer.versions import NEWEST, Version, VersionRange, format_version


def writes(fix: Fix | None) -> bool:
    """A fix akfix writes without --allow-replacement."""
    return fix is not None and fix.risk in (Risk.IN_PLACE, Risk.DISRUPTIVE) and bool(fix.changes)


@dataclass(frozen=True)
class FloorChooser:
    plan: Callable  # (declared, package range, pin) -> Planned: the adapter's planning of one cluster
    pins: Pins
    stated: Callable  # package -> spec_sites.Statements
    read: Callable  # relpath -> text
    held: Callable  # cluster -> bool: suppressed, never written

    def with_floors(self, planned: list, declared: list) -> tuple[list, dict]:
        """(the fixes with their floors, package -> (FloorEdits, the stated upper bound) to write)."""
        out = list(planned)
        wanted: dict[int, tuple[str, Version]] = {}  # position -> (package, floor)
        for position, item in enumerate(planned):
            found = self._floor_for(declared[position], item)
            if isinstance(found, tuple):
                wanted[position] = found
            elif found is not None:
                out[position] = replace(item, fix=found)
        to_write = {}
        for package in sorted({p for p, _ in wanted.values()}):
            mine = [i for i, (p, _) in wanted.items() if p == package]
            written = [i for i in mine if not self.held(planned[i].cluster)] or mine
            floor = max(wanted[i][1] for i in written)  # a fix that holds from 2.0 holds from 3.0 too: re-planned there
            edits = floors.floor_edits(package, floor, self.stated(package), self.read)
            pin = self.pins.get(package)
            for i in mine:
                today, narrowed = planned[i], self._raised(declared[i], floor)
                if edits.refused or not writes(narrowed.fix):
                    why = edits.refused or f"another cluster of this program needs {package} >= {format_version(floor)}, where this fix differs"
                    out[i] = replace(today, fix=floors.refused_fix(today.fix, package, floor, why))
                    continue
                tool = "cdktf deploy" if declared[i].kind.format == "cdktf" else "pulumi up"
                out[i] = replace(narrowed, fix=floors.floored_fix(today.fix, narrowed.fix, edits, self._stated_as(package), tool,
                                                                  pin.versions.low if pin is not None else None))
            if not edits.refused:
                to_write[package] = (edits, pin.versions.high if pin else NEWEST)
        return out, to_write

    def _floor_for(self, declared, item):
        """(package, floor) where a floor lets this fix be written; the fix with advice where the pin
        is exact or the floor lies past the stated upper bound; None where no floor helps."""
        fix, package = item.fix, declared.kind.package
        if fix is None or writes(fix):
            return None
        pin = self.pins.get(package)
        candidates = floor_candidates(package)

        def to_major_end(floor: Version) -> Fix | None:  # the range widened to the end of the floor's major
            return self._raised(declared, floor, (floor[0] + 1, 0, 0)).fix

        if pin is not None and pin.versions.exact:
            found = lowest_floor(candidates, VersionRange(pin.versions.low, NEWEST, pin.file), to_major_end)
            return floors.exact_advice(fix, package, found[0], pin.file, posixpath.basename(pin.file) in LOCK_FILES) if found else None
        if pin is None and not self.stated(package).sites:
            return None  # no project file states the package: nowhere to raise a floor
        versions = pin.versions if pin is not None else VersionRange(OLDEST, NEWEST, "no version stated")
        found = lowest_floor(candidates, versions, lambda floor: self._raised(declared, floor).fix)
        if found:
            return package, found[0]
        above = lowest_floor(candidates, VersionRange(OLDEST, NEWEST, "any"), lambda f: to_major_end(f) if f >= versions.high else None)
        if above is None:
            return None
        stated = pin.describe() if pin else package
        return floors.refused_fix(fix, package, above[0], f"{stated} excludes it, and akfix never raises or crosses an upper bound "
                                                          f"(widen it yourself if the code runs on {package} {format_version(above[0])})")

    def _raised(self, declared, floor: Version, high: Version | None = None):
        """The plan if the program's range of the package started at `floor` (and ended at `high`)."""
        package = declared.kind.package
        pin = self.pins.get(package)
        high = high or (pin.versions.high if pin else NEWEST)
        sites = () if pin else self.stated(package).sites
        file = pin.file if pin else (sites[0].file if sites else "")
        text = f"{pin.text} raised to >={format_version(floor)}" if pin else f">={format_version(floor)}"
        raised = Pin(package, VersionRange(floor, high, file), text, file)
        return self.plan(declared, raised.versions, raised)

    def _stated_as(self, package: str) -> str:
        pin = self.pins.get(package)
        return pin.describe() if pin else f"{package} (no version stated)"
