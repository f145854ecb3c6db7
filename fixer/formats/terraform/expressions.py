"""Decide a Terraform setting whose expression the value flow leaves unresolved (issue 20).

values.py follows an expression under the defaults. When that gives no answer -- a ternary on a
variable without a default -- this module asks formats/decide.py's second question: over every
input the code allows (a `validation { condition = contains([...], var.x) }` list, a bool), does
the setting always give an engine? A policy ternary whose every branch is an engine is compliant
whatever the condition. Otherwise the value stays unresolved, and the reason names the input
that decides it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from tree_sitter import Node

from fixer.formats.decide import Unknown, decide, describe, is_engine, show
from fixer.formats.terraform import hcl
from fixer.formats.terraform.values import Candidate, ModuleScope, _unwrap
from fixer.model import Value, ValueKind

_VARIABLE = re.compile(r"\bvar\.([A-Za-z_][\w-]*)")
MAX_BRANCHES = 32


def decide_setting(scope: ModuleScope, expression: Node, relpath: str, policy: bool) -> list[Candidate]:
    found = scope.evaluate(expression, relpath)
    if len(found) != 1 or found[0].value.kind is not ValueKind.EXPRESSION or found[0].environment:
        return found
    text = hcl.text(expression).strip()
    unresolved = found[0].value
    if policy:
        branches = _branches(scope, expression, relpath)
        if branches and all(is_engine(v.text) for v in branches):
            engines = tuple(dict.fromkeys(v.text.lower() for v in branches))
            evaluation = "\n".join([f"expression {text}"] + [f"branch {v.text!r}" + (f" ({v.via})" if v.via else "") for v in branches]
                                   + [f"result: an engine whatever the condition ({', '.join(engines)})"])
            return [Candidate(Value(ValueKind.LITERAL, engines[0], unresolved.line, via=f"every branch is an engine ({', '.join(engines)})",
                                    evaluation=evaluation))]
    names = sorted(set(_VARIABLE.findall(text)) & set(scope.variables))
    waiting = frozenset(n for n in names if _free(scope, n))
    domains = {name: _domain(scope, name) for name in names}

    def evaluate(bindings: dict) -> object:
        previous = scope.bindings
        scope.bindings = dict(bindings)
        try:
            candidates = scope.evaluate(expression, relpath)
        finally:
            scope.bindings = previous
        if len(candidates) != 1:
            return Unknown("the value differs per environment")
        value = candidates[0].value
        if value.kind is ValueKind.EXPRESSION:
            return Unknown(value.note or f"{text} is not evaluated", waiting - set(bindings))
        return None if value.kind is ValueKind.MISSING else value.text

    decision = decide(evaluate, domains, label=lambda n: f"var.{n}", policy=policy)
    used = [f"var.{n}: " + ("allowed " + ", ".join(show(v) for v in domains[n]) if domains[n] else "free (no default, no allowed list)")
            for n in names if n in waiting]
    if not decision.decided:
        evaluation = "\n".join([f"expression {text}", *used, f"unresolved: {decision.reason}"])
        return [Candidate(replace(unresolved, note=decision.reason, evaluation=evaluation, domain=decision.values))]
    evaluation = "\n".join([f"expression {text}", *used, f"result: {describe(decision.value)} for every allowed input"])
    kind = ValueKind.MISSING if decision.value is None else ValueKind.LITERAL
    return [Candidate(Value(kind, decision.value if kind is ValueKind.LITERAL else None, unresolved.line,
                            via=f"every allowed input gives {', '.join(decision.every_input)}", evaluation=evaluation))]


def _branches(scope: ModuleScope, expression: Node, relpath: str, depth: int = 0) -> list[Value]:
    """The values of a conditional's branches (nested ones flattened), each under the defaults;
    [] when a branch is not a single decided value."""
    node = _unwrap(expression)
    if node.type != "conditional":
        found = scope.evaluate(expression, relpath)
        return [found[0].value] if len(found) == 1 and found[0].value.kind is ValueKind.LITERAL else []
    parts = [c for c in node.children if c.type == "expression"]
    if len(parts) != 3 or depth > MAX_BRANCHES:
        return []
    yes, no = _branches(scope, parts[1], relpath, depth + 1), _branches(scope, parts[2], relpath, depth + 1)
    return yes + no if yes and no else []


def _free(scope: ModuleScope, name: str) -> bool:
    """A variable the value flow finds no value for (no default, no tfvars, no caller argument)."""
    found = scope._variable(name, 0)
    return len(found) == 1 and found[0].value.kind is ValueKind.EXPRESSION and found[0].value.text == f"var.{name}"


def _domain(scope: ModuleScope, name: str) -> tuple | None:
    """The values `validation { condition = contains([...], var.name) }` allows; (True, False) for a bool."""
    file, block_node = scope.variables[name]
    block = hcl._block(block_node)
    for validation in hcl.blocks(block.body):
        if validation.type != "validation":
            continue
        condition = hcl.attribute(validation.body, "condition")
        for call in hcl.descend(condition, "function_call"):
            if hcl.text(call.child(0)) != "contains":
                continue
            arguments = next((c for c in call.children if c.type == "function_arguments"), None)
            args = [c for c in arguments.children if c.type == "expression"] if arguments is not None else []
            if len(args) != 2 or hcl.text(args[1]).strip() != f"var.{name}":
                continue
            tuples = list(hcl.descend(args[0], "tuple"))
            if len(tuples) != 1:
                continue
            items = [_unwrap(c) for c in tuples[0].named_children if c.type == "expression"]
            words = [hcl.string_content(i) if i.type == "string_lit" else None for i in items]
            if items and None not in words:
                return tuple(words)
    type_attribute = hcl.attribute(block.body, "type")
    if type_attribute is not None and hcl.text(hcl.expression_of(type_attribute)).strip() == "bool":
        return (True, False)
    return None
