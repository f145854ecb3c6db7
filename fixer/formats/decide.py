"""Decide a policy expression: its value under the defaults, and over every input the code allows.

Shared by the per-language evaluators (bicep/expressions.py, ...). An evaluator is a pure function
`evaluate(bindings) -> value`, where `bindings` overrides some inputs (a param set to one of its
`@allowed` values) and a value is a Python string/None/bool/... or an `Unknown` that names the
inputs it waits for. This module asks the two questions of issue 20 and says which inputs matter:

- under the defaults: a known value decides (the inputs that would change it are listed);
- else over every allowed input (allowed lists, booleans): an engine for every combination is
  compliant whatever the input; a free input (no default, no allowed list) keeps it unresolved,
  and the reason names that input.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable

from fixer.model import ENGINES

_PROBES = ("azure",)
MAX_COMBINATIONS = 64  # allowed-value combinations tried before giving up (bounded, never a hang)


@dataclass(frozen=True)
class Unknown:
    """A value the code does not decide; `inputs` are the free inputs it waits for."""

    reason: str
    inputs: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Decision:
    decided: bool
    value: object = None  # the value under the defaults (or the one engine every input gives)
    every_input: tuple[str, ...] = ()  # engines given over every allowed input, when that decided it
    changes: tuple[str, ...] = ()  # "param x = 'azure' gives azure": inputs that would change the answer
    reason: str = ""  # why it stays unresolved


def is_engine(value: object) -> bool:
    return isinstance(value, str) and value.lower() in ENGINES


def show(value: object) -> str:
    """An input's value as the code would write it."""
    return ("true" if value else "false") if isinstance(value, bool) else repr(value)


def describe(value: object) -> str:
    if value is None:
        return "null (no engine)"
    if is_engine(value):
        return str(value).lower()
    return f"{value!r} (no engine)" if isinstance(value, str) else repr(value)


def decide(evaluate: Callable[[dict], object], domains: dict[str, tuple | None], label: Callable[[str], str] = str,
           policy: bool = True) -> Decision:
    """`domains`: input name -> its allowed values (None = free, any value). `policy`: the setting
    is a network policy, where every input giving *an* engine decides; for other settings every
    input must give the same value."""
    under_defaults = evaluate({})
    if not isinstance(under_defaults, Unknown):
        changes = []
        for name, allowed in domains.items():
            for option in allowed or _PROBES:  # a free input: would an engine written there pass through?
                other = evaluate({name: option})
                if not isinstance(other, Unknown) and is_engine(other) != is_engine(under_defaults):
                    changes.append(f"{label(name)} = {show(option)} gives {describe(other)}")
        return Decision(True, under_defaults, changes=tuple(changes[:8]))
    waiting = sorted(under_defaults.inputs)
    free = [name for name in waiting if domains.get(name) is None]
    if not waiting:
        return Decision(False, reason=under_defaults.reason)
    if free:
        return Decision(False, reason=f"{under_defaults.reason}; the answer depends on {', '.join(label(n) for n in free)} (a free input)")
    combinations = list(itertools.islice(itertools.product(*(domains[n] for n in waiting)), MAX_COMBINATIONS + 1))
    if len(combinations) > MAX_COMBINATIONS:
        return Decision(False, reason=f"too many allowed combinations of {', '.join(label(n) for n in waiting)}")
    results = []
    for combination in combinations:
        bindings = dict(zip(waiting, combination))
        result = evaluate(bindings)
        if isinstance(result, Unknown):
            return Decision(False, reason=result.reason)
        results.append((bindings, result))
    if policy and all(is_engine(result) for _, result in results):
        engines = tuple(dict.fromkeys(str(r).lower() for _, r in results))
        return Decision(True, engines[0], every_input=engines)
    if not policy and len({repr(r) for _, r in results}) == 1:
        return Decision(True, results[0][1], every_input=(str(results[0][1]),))
    failing = [", ".join(f"{label(k)} = {show(v)}" for k, v in b.items()) + f" gives {describe(r)}" for b, r in results if not is_engine(r)]
    return Decision(False, reason=f"the answer depends on {', '.join(label(n) for n in waiting)}: {'; '.join(failing[:4])}")
