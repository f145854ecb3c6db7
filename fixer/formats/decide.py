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
from dataclasses import dataclass, field, replace
from typing import Callable

from fixer.model import ENGINES, Value, ValueKind

_PROBES = ("azure",)
MAX_COMBINATIONS = 64  # allowed-value combinations tried before giving up (bounded, never a hang)


@dataclass(frozen=True)
class Unknown:
    """A value the code does not decide; `inputs` are the free inputs it waits for."""

    reason: str
    inputs: frozenset[str] = field(default_factory=frozenset)
    # A conditional whose condition waits on the inputs: the values its branches give (R, each
    # known). Whatever the input, the value is one of them, so where a member or a function of
    # them comes out the same for each (a union() whose optional part never holds the setting),
    # that is the answer (either()).
    alternatives: tuple = field(default=(), compare=False, hash=False)


@dataclass(frozen=True)
class Decision:
    decided: bool
    value: object = None  # the value under the defaults (or the one engine every input gives)
    every_input: tuple[str, ...] = ()  # engines given over every allowed input, when that decided it
    changes: tuple[str, ...] = ()  # "param x = 'azure' gives azure": inputs that would change the answer
    reason: str = ""  # why it stays unresolved
    # Undecided, but every allowed input was tried and each gave a string: the strings it can be
    # (a plugin parameter allowed `azure` or `kubenet`). The planner may choose what fits them all.
    values: tuple[str, ...] = ()


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
    strings = all(isinstance(r, str) for _, r in results)
    return Decision(False, reason=f"the answer depends on {', '.join(label(n) for n in waiting)}: {'; '.join(failing[:4])}",
                    values=tuple(dict.fromkeys(r.lower() for _, r in results)) if strings else ())


# --- shared by the Bicep and ARM evaluators (the same runtime: Bicep compiles to ARM functions) ---

MAX_STEPS = 4000  # evaluation steps of one expression; more is "too large", never a hang
MAX_DEPTH = 40  # nesting of the expression and of the values it reads
PROBES = ("azure", "calico", "cilium")  # engines written at a candidate origin to check that they pass through


@dataclass(frozen=True)
class R:
    """A value and, when it is a literal written in a file, where (so that a fix can write there)."""

    value: object
    spot: object = None  # model.Spot


def plain(value):
    """A value without spots, for comparison and functions."""
    if isinstance(value, dict):
        return {k: plain(v.value) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v.value) for v in value]
    return value


def lowered(value) -> object:
    return value.lower() if isinstance(value, str) else value


EVALUATED = "evaluated under defaults: "  # the `via` of a value decided by evaluating it (report/text.py rewords it)
MAX_ALTERNATIVES = 8  # branch combinations followed before a conditional stays unknown


def either(why: Unknown, branches: list[R]) -> R:
    """One of `branches`, which one waiting on `why` (a condition on free inputs): their common value
    where they agree (written where they all write it, else nowhere), else an Unknown that keeps
    them. A branch that is itself unknown leaves the whole unknown."""
    options: list[R] = []
    for branch in branches:
        if isinstance(branch.value, Unknown) and not branch.value.alternatives:
            return R(why)
        options += branch.value.alternatives if isinstance(branch.value, Unknown) else [branch]
    if len(options) > MAX_ALTERNATIVES:
        return R(why)
    if all(plain(o.value) == plain(options[0].value) for o in options):
        spots = {o.spot for o in options}
        return R(options[0].value, options[0].spot if len(spots) == 1 else None)
    return R(Unknown(why.reason, why.inputs, alternatives=tuple(options)))


def for_each_alternative(args: list[R], apply: Callable[[list[R]], R]) -> R | None:
    """`apply` over every combination of the arguments' alternatives (either()), joined again;
    None where an argument is unknown without alternatives (the caller keeps its own answer)."""
    waiting = [a.value for a in args if isinstance(a.value, Unknown)]
    if not waiting or any(not w.alternatives for w in waiting):
        return None
    choices = [a.value.alternatives if isinstance(a.value, Unknown) else (a,) for a in args]
    combinations = list(itertools.islice(itertools.product(*choices), MAX_ALTERNATIVES + 1))
    if len(combinations) > MAX_ALTERNATIVES:
        return R(waiting[0])
    why = Unknown(waiting[0].reason, frozenset().union(*(w.inputs for w in waiting)))
    return either(why, [apply(list(combination)) for combination in combinations])


def member(target: R, name: str, safe: bool = False) -> R:
    """`object.name`; property names ignore case in Bicep and ARM. `safe`: `.?`, null when absent."""
    value = target.value
    if isinstance(value, Unknown):
        if value.alternatives:
            return either(value, [member(option, name, safe) for option in value.alternatives])
        return target
    if value is None and safe:
        return R(None)
    if isinstance(value, dict):
        found = value.get(name) or {k.lower(): v for k, v in value.items()}.get(name.lower())
        return found if found is not None else (R(None) if safe else R(Unknown(f"the object has no property {name}")))
    return R(Unknown(f".{name} of a value that is not an object"))


MEMBER_KIND = "member:"  # Spot kind of a key a fix adds to an object literal: `member:<key>`


def is_member(spot) -> bool:
    """A key a fix adds to an object literal that a setting reads (member_or_slot)."""
    return spot is not None and spot.kind.startswith(MEMBER_KIND)


def binding_key(spot) -> tuple:
    """How an engine written at `spot` is bound while a fix is checked (the evaluators' spot
    bindings): a literal by its place; a key added to an object by the object's place and the key."""
    return (spot.file, spot.start, spot.kind) if is_member(spot) else (spot.file, spot.start)


def member_or_slot(target: R, name: str, safe: bool, bindings: dict) -> R:
    """member(); and where `.?name` (or a setting the resource reads from the object) finds no such
    key in an object literal that can take one (R.spot of kind `object`: written one entry per line,
    in no typed param), the place a fix may add it: kind `member:<name>`, null until an engine is
    bound there. Writing the key there changes this value and nothing the object does not reach."""
    found = member(target, name, safe)
    where = target.spot
    if not (safe and found.value is None and found.spot is None and isinstance(target.value, dict)
            and where is not None and where.kind == "object"):
        return found
    if name.lower() in {key.lower() for key in target.value}:
        return found  # present, and null by an expression: not a place to add it
    slot = replace(where, kind=f"{MEMBER_KIND}{name}")
    return R(bindings.get(binding_key(slot)), slot)


def without_slots(found: R) -> R:
    """The value with no object that takes a new key (a typed param's value: its type may not
    declare the key, and Bicep and ARM refuse a property the type does not allow)."""
    value = found.value
    if isinstance(value, dict):
        spot = found.spot if found.spot is None or found.spot.kind != "object" else None
        return R({k: without_slots(v) for k, v in value.items()}, spot)
    if isinstance(value, list):
        return R([without_slots(v) for v in value], found.spot)
    return found


def merge(left: dict, right: dict) -> dict:
    """union() of objects: later values win, nested objects merge."""
    merged = dict(left)
    for key, value in right.items():
        old = merged.get(key)
        if old is not None and isinstance(old.value, dict) and isinstance(value.value, dict):
            merged[key] = R(merge(old.value, value.value))
        else:
            merged[key] = value
    return merged


def common_function(name: str, args: list[R]) -> R | None:
    """The functions Bicep and ARM share, over evaluated arguments (no Unknown among them);
    None when `name` with these arguments is not one of them."""
    values = [plain(a.value) for a in args]
    if name == "any" and len(args) == 1:
        return args[0]
    if name == "empty" and len(values) == 1:
        return R(values[0] is None or (isinstance(values[0], (str, list, dict)) and not values[0]))
    if name == "length" and len(values) == 1 and isinstance(values[0], (str, list, dict)):
        return R(len(values[0]))
    if name in ("tolower", "toupper") and len(values) == 1 and isinstance(values[0], str):
        return R(values[0].lower() if name == "tolower" else values[0].upper())
    if name == "contains" and len(values) == 2:
        container, item = values
        if isinstance(container, list) or (isinstance(container, str) and isinstance(item, str)):
            return R(item in container)
        if isinstance(container, dict) and isinstance(item, str):
            return R(item.lower() in {k.lower() for k in container})
    if name == "union" and args and all(isinstance(a.value, dict) for a in args):
        merged: dict = {}
        for a in args:
            merged = merge(merged, a.value)
        return R(merged)
    if name == "concat" and args and all(isinstance(v, list) for v in values):
        return R([item for a in args for item in a.value])
    if name == "concat" and values and all(isinstance(v, str) for v in values):
        return R("".join(values))
    return None


def evaluation_text(text: str, used: dict[str, str], decision: Decision) -> str:
    """What `akfix explain` prints: the expression, each value used and where it came from, the result."""
    lines = [f"expression {text}"] + [f"{name} = {where}" for name, where in sorted(used.items())]
    if decision.decided and decision.every_input:
        lines.append(f"result: the same answer for every allowed input ({', '.join(decision.every_input)})")
    elif decision.decided:
        lines.append(f"result under the defaults: {describe(decision.value)}")
        lines += [f"would change it: {change}" for change in decision.changes]
    else:
        lines.append(f"unresolved: {decision.reason}")
    return "\n".join(lines)


def setting_value(decision: Decision, text: str, shown: str, line: int, evaluation: str, policy: bool, relpath: str,
                  origin: Callable[[], object]) -> Value:
    """The Value of a setting from its decision: unresolved with the reason, an engine for every
    input, or the value under the defaults written at `origin()` (a model.Spot, or None: manual)."""
    if not decision.decided:
        return Value(ValueKind.EXPRESSION, text, line, note=decision.reason, evaluation=evaluation, domain=decision.values)
    if decision.every_input:
        via = f"every allowed input gives {'an engine' if policy else 'it'} ({', '.join(decision.every_input)})"
        return Value(ValueKind.LITERAL, str(decision.value), line, via=via, evaluation=evaluation)
    value = decision.value
    if value is not None and not isinstance(value, str):
        return Value(ValueKind.EXPRESSION, text, line, note=f"under the defaults it is {value!r}, not a string", evaluation=evaluation)
    spot = origin()
    return Value(ValueKind.MISSING if value is None else ValueKind.LITERAL, value, line,
                 file=spot.file if spot is not None and spot.file != relpath else None, origin=spot,
                 via=f"{EVALUATED}{shown}", evaluation=evaluation)
