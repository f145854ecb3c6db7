"""Engine preference: `--engine cilium,calico` means "cilium where it can be written, else calico",
decided per cluster.

An engine "can be written" when its fix is in place or disruptive: a replacement is held back and a
manual fix is left to a person, so either makes the next engine worth asking. A cluster that needs
nothing under the first engine (it runs it already, or runs another and moving it is opt-in) needs
nothing at all. When no engine can be written the first engine's answer stands, with what each
later engine would have needed, so the report still says what would unlock the preferred one.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable

from fixer.model import Fix, Risk
from fixer.plan.policy_update import is_policy_update

_WRITABLE = (Risk.IN_PLACE, Risk.DISRUPTIVE)


PROBED = "calico"  # the engine a one-engine run's hints offer: it runs on kubenet, beside Windows pools, on any plugin


def choose_engine(engines: tuple[str, ...], plan_for: Callable[[str], Fix | None]) -> Fix | None:
    """The fix of the first engine in `engines` that can be written; `plan_for(engine)` plans one."""
    first = plan_for(engines[0])
    if first is None or _can_write(first):
        return first
    if len(engines) == 1:
        return _probed(engines[0], first, plan_for)
    skipped = [(engines[0], first)]
    for engine in engines[1:]:
        fix = plan_for(engine)
        if fix is None:
            return None
        if _can_write(fix):
            return _chosen(engine, fix, skipped)
        skipped.append((engine, fix))
    return _none_written(skipped)


def _probed(engine: str, first: Fix, plan_for: Callable[[str], Fix | None]) -> Fix:
    """One engine asked and its fix cannot be written: calico, the way out the hints offer, is
    planned too. Where it can be written the hint says so; where it cannot, the offer is taken back
    and calico's own blocker said, as if the preference had been asked (the summary groups it so)."""
    if engine == PROBED or first.calico_writes is not None:
        return first  # calico itself, or a fix whose hints were settled already
    calico = plan_for(PROBED)
    if calico is None:
        return first
    if _can_write(calico):
        offer = "" if _OFFERS_CALICO.search(first.hint or "") else f"Or use --engine {engine},{PROBED}: {PROBED} can be written here."
        return replace(first, hint=" ".join(filter(None, [_sentence(first.hint), offer])) or None, calico_writes=True)
    first = replace(first, calico_writes=False)
    if _blocker(calico) == _blocker(first):
        return replace(first, hint=without_calico_advice(first.hint))  # the same thing stands in calico's way: said once
    return _none_written([(engine, first), (PROBED, calico)])


# How the planners offer calico in a hint (plan/limits.py, plan/migration.py, plan/put.py, planner.py, the
# Python adapter): each form, and what the hint says without it.
_CALICO_ADVICE = (
    (re.compile(r"\s*Or use --engine calico[^.]*\."), ""),
    (re.compile(r"; use --engine calico for this cluster(?: \([^)]*\))?\."), "."),
    (re.compile(r",? or use --engine calico\."), "."),
    (re.compile(r";? or --engine (?:\w+,)*calico\b[^.]*\."), "."),
    (re.compile(r"Use --engine calico, or (\w)"), lambda m: m.group(1).upper()),
    (re.compile(r"\s*Use --engine calico[^.]*\."), ""),
)


_OFFERS_CALICO = re.compile(r"--engine (?:\w+,)*calico")


def without_calico_advice(hint: str | None) -> str | None:
    """The hint without its offer of --engine calico, where calico was planned and cannot be written."""
    if not hint:
        return hint
    for pattern, replacement in _CALICO_ADVICE:
        hint = pattern.sub(replacement, hint)
    return hint.strip() or None


def _none_written(skipped: list[tuple[str, Fix]]) -> Fix:
    """The first engine's answer, with what each later engine would have needed (the later engines
    --engine asked for, or calico, planned for the hints where one engine was asked: _probed)."""
    first, tried = skipped[0][1], skipped[1:]
    asked = first.later_asked
    if any(engine == PROBED for engine, _ in tried):  # calico was planned and cannot be written: not offered
        first = replace(first, hint=without_calico_advice(first.hint))
    later = tuple((engine, _why(fix)) for engine, fix in tried)
    where = ", next in --engine," if asked else ""
    # Said where the reader looks: the first engine's hint may still suggest a later engine.
    notes = tuple(f"{engine}{where} cannot be written either ({why})" for engine, why in later)
    hints = [_sentence(first.hint)] + [_sentence(f"For {engine}{where.rstrip(',')}: {fix.hint}") for engine, fix in tried
                                       if fix.hint and fix.hint != first.hint]  # the same step is said once
    return replace(first, reasons=first.reasons + notes, skipped=later if asked else first.skipped,
                   hint=" ".join(filter(None, hints)) or None,
                   later_blockers=tuple((engine, _blocker(fix)) for engine, fix in tried))


def _blocker(fix: Fix) -> str:
    """What stands in the way of a fix that cannot be written: a held replacement is one too."""
    return fix.blocker or ("replacement" if fix.risk is Risk.REPLACEMENT else "")


def _sentence(text: str | None) -> str:
    return "" if not text else text if text.rstrip().endswith(".") else text.rstrip() + "."


def _can_write(fix: Fix) -> bool:
    return fix.risk in _WRITABLE and bool(fix.changes)


def _why(fix: Fix) -> str:
    return f"{fix.risk.value}: {fix.summary}"


def _chosen(engine: str, fix: Fix, skipped: list[tuple[str, Fix]]) -> Fix:
    notes = tuple(f"{earlier_engine} skipped ({_why(earlier)})" for earlier_engine, earlier in skipped)
    chosen = replace(fix, reasons=notes + fix.reasons, skipped=tuple((e, _why(earlier)) for e, earlier in skipped))
    if not any(is_policy_update(c) for c in fix.changes):
        return chosen
    # The Terraform adapter may still refuse calico through azapi_update_resource for the module
    # around it: the answer then is the one this engine replaced, or the earlier engines' own.
    refused = Fix(risk=Risk.MANUAL, summary="calico through azapi_update_resource cannot be written for this module",
                  blocker="azapi-update")
    otherwise = _chosen(engine, fix.otherwise, skipped) if fix.otherwise else _none_written([*skipped, (engine, refused)])
    return replace(chosen, otherwise=otherwise)
