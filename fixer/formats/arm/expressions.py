"""Evaluate an ARM template expression that sets a network setting, under the defaults and over
every allowed input.

`"[if(equals(parameters('environmentScale'), 'Production'), 'azure', '')]"`, or a whole
`properties` built by `[union(createObject(...), if(...))]` (compiled Bicep, AKS-Construction
style): this module parses the expression language (function calls, 'strings', numbers, `.name`
and `[index]`) and evaluates `parameters` (a parameters file value, else the default; a default
may itself be an expression), `variables`, `if`, `equals`, `not`, `and`, `or`, `empty`, `union`,
`createObject`, `createArray`, `concat`, `format`, `toLower`, `toUpper`, `coalesce`, `contains`,
`length`, `json`, `true`, `false`, `null`. Inputs with `allowedValues` (or of type bool) are
enumerated by formats/decide.py.

Pure and bounded (a step budget, a depth limit, a cycle guard): never a hang or a traceback.
A fix writes only at a parameter default or parameters-file value that the expression passes
through unchanged (checked by re-evaluating with each engine written there); anything else stays
manual and names the parameter to set.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace

from fixer.formats import jsonspan
from fixer.formats.decide import (
    MAX_DEPTH,
    MAX_STEPS,
    PROBES,
    R,
    Unknown,
    common_function,
    decide,
    describe,
    either,
    evaluation_text,
    for_each_alternative,
    lowered,
    member,
    plain,
    setting_value,
)
from fixer.model import Spot, Value, ValueKind

_TOKEN = re.compile(r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+)|(?P<name>[A-Za-z_][\w]*)|(?P<punct>[(),.\[\]]))")


class _Stop(Exception):
    """Too big, too deep, or not an expression akfix reads."""


@dataclass(frozen=True)
class ArmScope:
    """One template's parameters and variables, and the parameters file beside it (if any)."""

    template: jsonspan.JNode
    data: bytes
    relpath: str
    parameter_files: tuple = ()  # (file, JNode document); the first one that sets a parameter wins
    # a nested deployment with `expressionEvaluationOptions.scope: inner`: the template around it and
    # the deployment's `properties.parameters` (each `{"value": ...}` evaluated in that outer scope)
    outer: "ArmScope | None" = None
    passed: jsonspan.JNode | None = None

    def passes(self, name: str) -> bool:
        """Does the nested deployment pass parameter `name` (a `parameters` expression passes any)?"""
        if self.outer is None or self.passed is None:
            return False
        return self.passed.kind != "object" or _get(self.passed, name) is not None


def _tokens(text: str) -> list[tuple[str, str]]:
    found, at = [], 0
    while at < len(text):
        if not text[at:].strip():
            break
        match = _TOKEN.match(text, at)
        if match is None:
            raise _Stop(f"unexpected {text[at:at + 10]!r}")
        kind = match.lastgroup
        found.append((kind, match.group(kind)))
        at = match.end()
    return found


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self) -> str:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else ""

    def take(self, text: str | None = None) -> tuple[str, str]:
        if self.i >= len(self.tokens) or (text is not None and self.tokens[self.i][1] != text):
            raise _Stop(f"expected {text or 'more'}")
        self.i += 1
        return self.tokens[self.i - 1]

    def parse(self):
        node = self.expression(0)
        if self.i != len(self.tokens):
            raise _Stop(f"unexpected {self.peek()!r}")
        return node

    def expression(self, depth: int):
        if depth > MAX_DEPTH:
            raise _Stop("the expression nests too deeply")
        kind, text = self.take()
        if kind == "string":
            node = ("lit", text[1:-1].replace("''", "'"))
        elif kind == "number":
            node = ("lit", int(text))
        elif kind == "name" and self.peek() == "(":
            self.take("(")
            args = []
            while self.peek() != ")":
                args.append(self.expression(depth + 1))
                if self.peek() == ",":
                    self.take()
                elif self.peek() != ")":
                    raise _Stop(f"{text}(...) is not an argument list")
            self.take(")")
            node = ("call", text.lower(), args)
        else:
            raise _Stop(f"unexpected {text!r}")
        while self.peek() in (".", "["):
            depth += 1
            if depth > MAX_DEPTH:
                raise _Stop("the expression nests too deeply")
            if self.take()[1] == ".":
                node = ("member", node, self.take()[1])
            else:
                node = ("index", node, self.expression(depth + 1))
                self.take("]")
        return node


def _expression_text(value: object) -> str | None:
    """The expression inside a JSON string `[...]`; None for a plain string (`[[` escapes one)."""
    if isinstance(value, str) and value.startswith("[") and not value.startswith("[[") and value.rstrip().endswith("]"):
        return value.strip()[1:-1]
    return None


class _Evaluator:
    def __init__(self, scope: ArmScope, bindings: dict, spot_bindings: dict):
        self.scope, self.bindings, self.spot_bindings = scope, bindings, spot_bindings
        self.steps = 0
        self.active: set[str] = set()
        self.used: dict[str, str] = {}
        self.called = False  # a value passed by the nested deployment was read

    def tick(self, depth: int) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS or depth > MAX_DEPTH:
            raise _Stop("the evaluation is too large")

    def json_value(self, node: jsonspan.JNode, file: str, depth: int) -> R:
        """A JSON value of the template: strings holding an expression are evaluated."""
        self.tick(depth)
        spot = Spot(file, node.start, node.end, "null" if node.kind == "null" else "literal") if node.kind in ("string", "null") else None
        if spot is not None and (file, node.start) in self.spot_bindings:
            return R(self.spot_bindings[(file, node.start)], spot)
        if node.kind == "object":
            return R({key: self.json_value(value, file, depth + 1) for key, _, value in node.members})
        if node.kind == "array":
            return R([self.json_value(item, file, depth + 1) for item in node.items])
        if node.kind == "string":
            inner = _expression_text(node.value)
            if inner is not None:
                return self.run(_Parser(inner).parse(), depth + 1)
            text = str(node.value)
            return R(text[1:] if text.startswith("[[") else text, spot)
        return R({"true": True, "false": False, "null": None}.get(node.kind, node.value), spot)

    def run(self, node, depth: int = 0) -> R:
        self.tick(depth)
        kind = node[0]
        if kind == "lit":
            return R(node[1])
        if kind == "member":
            return member(self.run(node[1], depth + 1), node[2])
        if kind == "index":
            target, index = self.run(node[1], depth + 1), self.run(node[2], depth + 1).value
            if isinstance(index, Unknown):
                return R(index)
            if isinstance(target.value, list) and isinstance(index, int) and not isinstance(index, bool):
                return target.value[index] if 0 <= index < len(target.value) else R(Unknown("index out of range"))
            return member(target, index) if isinstance(index, str) else R(target.value if isinstance(target.value, Unknown) else Unknown("an index akfix does not evaluate"))
        return self.call(node[1], node[2], depth)

    def call(self, name: str, arg_nodes: list, depth: int) -> R:
        if name in ("true", "false", "null") and not arg_nodes:
            return R({"true": True, "false": False, "null": None}[name])
        if name in ("parameters", "variables") and len(arg_nodes) == 1:
            key = self.run(arg_nodes[0], depth + 1).value
            if not isinstance(key, str):
                return R(key if isinstance(key, Unknown) else Unknown(f"{name}() of a non-string"))
            return self.parameter(key, depth) if name == "parameters" else self.variable(key, depth)
        if name == "if" and len(arg_nodes) == 3:
            condition = self.run(arg_nodes[0], depth + 1).value
            if isinstance(condition, Unknown):  # either branch, whatever the input: see either()
                return either(condition, [self.run(arg_nodes[1], depth + 1), self.run(arg_nodes[2], depth + 1)])
            if not isinstance(condition, bool):
                return R(Unknown("if() on a non-boolean"))
            return self.run(arg_nodes[1] if condition else arg_nodes[2], depth + 1)
        if name == "coalesce":
            for node in arg_nodes:
                found = self.run(node, depth + 1)
                if found.value is not None:
                    return found
            return R(None)
        if name not in _FUNCTIONS:
            return R(Unknown(f"{name}() is not evaluated by akfix"))
        args = [self.run(node, depth + 1) for node in arg_nodes]
        keys = args[::2] if name == "createobject" else []
        if name in ("createobject", "createarray") and not any(isinstance(k.value, Unknown) for k in keys):
            return self.apply(name, args)  # an unknown member or item leaves the others known, as a JSON object or array does
        unknown = next((a.value for a in args if isinstance(a.value, Unknown)), None)
        if unknown is not None:
            return for_each_alternative(args, lambda known: self.apply(name, known)) or R(unknown)
        return self.apply(name, args)

    def apply(self, name: str, args: list[R]) -> R:
        """A function over known arguments."""
        values = [plain(a.value) for a in args]
        found = common_function(name, args)
        if found is not None:
            return found
        if name == "equals" and len(values) == 2:
            return R(values[0] == values[1])
        if name == "not" and len(values) == 1 and isinstance(values[0], bool):
            return R(not values[0])
        if name in ("and", "or") and values and all(isinstance(v, bool) for v in values):
            return R(all(values) if name == "and" else any(values))
        if name == "createobject" and len(args) % 2 == 0 and all(isinstance(v, str) for v in values[::2]):
            return R({values[i]: args[i + 1] for i in range(0, len(args), 2)})
        if name == "createarray":
            return R(list(args))
        if name == "format" and values and isinstance(values[0], str) and all(isinstance(v, (str, int)) for v in values[1:]):
            try:
                return R(values[0].format(*values[1:]))
            except (IndexError, KeyError, ValueError, AttributeError, TypeError):  # '{0.x}', '{a}': Python, not ARM, syntax
                return R(Unknown("format() with a pattern akfix does not read"))
        if name == "json" and len(values) == 1 and isinstance(values[0], str):
            try:
                return _wrapped(json.loads(values[0]))
            except (ValueError, RecursionError):
                return R(Unknown("json() of invalid JSON"))
        return R(Unknown(f"{name}() with these arguments is not evaluated by akfix"))

    def parameter(self, name: str, depth: int) -> R:
        if name in self.bindings:
            self.used.setdefault(f"parameter {name}", f"tried = {self.bindings[name]!r}")
            return R(self.bindings[name])
        if ("p", name.lower()) in self.active:
            return R(Unknown(f"parameter {name} refers to itself"))
        if self.scope.passes(name):
            return self._passed(name, depth)
        for file, document in self.scope.parameter_files:
            entry = _get(_get(document, "parameters"), name)
            value = entry.get("value") if entry is not None and entry.kind == "object" else None
            if value is not None:
                return self._declared(("p", name.lower()), value, file, depth, f"parameter {name}", f"parameters file {file}")
        declared = _get(self.scope.template.get("parameters"), name)
        default = _get(declared, "defaultValue")
        if default is not None:
            return self._declared(("p", name.lower()), default, self.scope.relpath, depth, f"parameter {name}", f"parameter {name} default")
        if declared is None:
            return R(Unknown(f"parameter {name} is not declared"))
        nullable = _get(declared, "nullable")
        if nullable is not None and nullable.kind == "true":  # languageVersion 2.0: a nullable parameter is null
            self.used.setdefault(f"parameter {name}", "no value: a nullable parameter is null")
            return R(None)
        return R(Unknown(f"parameter {name} has no default", frozenset({name})))

    def _passed(self, name: str, depth: int) -> R:
        """A parameter the nested deployment passes: its `value` evaluated in the outer template."""
        self.called = True
        if self.scope.passed.kind != "object":
            return R(Unknown("the nested deployment passes its parameters by an expression akfix does not read"))
        value = _get(_get(self.scope.passed, name), "value")
        if value is None:
            return R(Unknown(f"the nested deployment passes parameter {name} without a value (a Key Vault reference?)"))
        outer = _Evaluator(self.scope.outer, {}, self.spot_bindings)
        outer.steps = self.steps
        self.active.add(("p", name.lower()))
        try:
            found = outer.json_value(value, self.scope.relpath, depth + 1)
        finally:
            self.active.discard(("p", name.lower()))
            self.steps = outer.steps
        for label, where in outer.used.items():
            self.used.setdefault(f"outer {label}", where)
        shown = "an object" if isinstance(found.value, dict) else ("unknown" if isinstance(found.value, Unknown) else describe(plain(found.value)))
        line = self.scope.data.count(b"\n", 0, value.start) + 1
        self.used.setdefault(f"parameter {name}", f"{shown} (passed by the nested deployment, line {line})")
        if isinstance(found.value, Unknown) and found.value.inputs:  # the outer template's inputs are not this template's
            return R(Unknown(f"{found.value.reason} (in the outer template)"))
        return found

    def variable(self, name: str, depth: int) -> R:
        declared = _get(self.scope.template.get("variables"), name)
        if declared is None:
            return R(Unknown(f"variable {name} is not declared here"))
        if ("v", name.lower()) in self.active:
            return R(Unknown(f"variable {name} refers to itself"))
        return self._declared(("v", name.lower()), declared, self.scope.relpath, depth, f"variable {name}", f"variable {name}")

    def _declared(self, key, node: jsonspan.JNode, file: str, depth: int, label: str, where: str) -> R:
        self.active.add(key)
        try:
            found = self.json_value(node, file, depth + 1)
        finally:
            self.active.discard(key)
        shown = "an object" if isinstance(found.value, dict) else ("unknown" if isinstance(found.value, Unknown) else describe(plain(found.value)))
        line = self.scope.data.count(b"\n", 0, node.start) + 1 if file == self.scope.relpath else None
        self.used.setdefault(label, f"{shown} ({where}{f', line {line}' if line else ''})")
        return found


_FUNCTIONS = {"equals", "not", "and", "or", "empty", "length", "tolower", "toupper", "createobject", "createarray", "union",
              "concat", "format", "contains", "json"}


def _get(node: jsonspan.JNode | None, key: str) -> jsonspan.JNode | None:
    return node.get_ci(key) if node is not None and node.kind == "object" else None


def _wrapped(value) -> R:
    """A JSON value as the evaluator holds it: objects and arrays of R."""
    if isinstance(value, dict):
        return R({k: _wrapped(v) for k, v in value.items()})
    if isinstance(value, list):
        return R([_wrapped(v) for v in value])
    return R(value)


def _parameters(node) -> set[str]:
    """Names of `parameters('x')` in a parsed expression."""
    found = set()
    if isinstance(node, tuple):
        if node[0] == "call" and node[1] == "parameters" and len(node[2]) == 1 and node[2][0][0] == "lit":
            found.add(str(node[2][0][1]))
        for part in node[1:]:
            for item in part if isinstance(part, list) else [part]:
                found |= _parameters(item)
    return found


def evaluate_setting(scope: ArmScope, expression: str, line: int, path: tuple[str, ...] = (), policy: bool = False) -> Value:
    """The Value of a setting written as the JSON string `expression` ("[...]"), or found at `path`
    inside the object it builds (`properties` from union(createObject(...)))."""
    inner = _expression_text(expression)
    try:
        if inner is None:
            raise _Stop("not an expression")
        node = _Parser(inner).parse()
    except _Stop as stop:
        return Value(ValueKind.EXPRESSION, expression, line, note=f"akfix does not evaluate it: {stop}")
    used: dict[str, str] = {}
    shown = expression if not path else f"{expression[:80]}{'...' if len(expression) > 80 else ''} .{'.'.join(path)}"

    def evaluate(bindings: dict, spot_bindings: dict | None = None) -> object:
        evaluator = _Evaluator(scope, bindings, spot_bindings or {})
        try:
            result = evaluator.run(node)
            for step in path:
                if result.value is None:
                    break  # an absent networkProfile: the setting is not set
                result = member(result, step)
                if isinstance(result.value, Unknown) and "has no property" in result.value.reason:
                    result = R(None)  # an object without the property: not set
        except (_Stop, RecursionError) as stop:
            return Unknown(f"akfix does not evaluate it: {stop}")
        if not bindings and not spot_bindings:
            used.update(evaluator.used)
            evaluate.result = result
            evaluate.called = evaluator.called
        value = plain(result.value)
        return value if isinstance(value, (str, bool, int, type(None), Unknown)) else Unknown("the value is not a string")

    names = sorted(_reachable(scope, node))
    domains = {name: _domain(scope, name) for name in names if not scope.passes(name)}  # a passed value is the outer one
    decision = decide(evaluate, domains, label=lambda n: f"parameter {n}", policy=policy)
    found = setting_value(decision, expression, shown, line, evaluation_text(shown, used, decision), policy, scope.relpath,
                          lambda: _writable_origin(scope, names, evaluate))
    if getattr(evaluate, "called", False) and decision.decided and not decision.every_input and found.origin is None \
            and found.kind is not ValueKind.EXPRESSION:
        passed = [n for n in names if scope.passes(n)]
        at = scope.data.count(b"\n", 0, scope.passed.start) + 1
        hint = (f"would change it: set {' or '.join(f'parameter {n}' for n in passed) or 'the parameter'} in the nested deployment's "
                f"parameters ({scope.relpath}:{at}) to a value that gives an engine")
        found = replace(found, evaluation=f"{found.evaluation}\n{hint}")
    return found


def _reachable(scope: ArmScope, node, limit: int = 50) -> set[str]:
    """Parameters the expression reads, directly or through variables and other defaults (bounded)."""
    names, queue, seen = set(), [node], 0
    variables = scope.template.get("variables")
    while queue and seen < limit:
        seen += 1
        current = queue.pop()
        names |= _parameters(current)
        for call in _calls(current, "variables"):
            for inner in _expression_strings(_get(variables, call)):
                try:
                    queue.append(_Parser(inner).parse())
                except _Stop:
                    pass
    return {n for n in names if _get(scope.template.get("parameters"), n) is not None}


def _expression_strings(node: jsonspan.JNode | None, limit: int = 200):
    """The expressions of a variable's value: itself, or the strings of an object or array that
    hold one (`{"networkProfile": {"networkPolicy": "[parameters('p')]"}}`), breadth first, bounded."""
    queue = [node] if node is not None else []
    while queue and limit > 0:
        limit -= 1
        current = queue.pop(0)
        if current.kind == "string":
            inner = _expression_text(current.value)
            if inner is not None:
                yield inner
        elif current.kind == "object":
            queue += [value for _, _, value in current.members]
        elif current.kind == "array":
            queue += current.items


def _calls(node, function: str) -> set[str]:
    found = set()
    if isinstance(node, tuple):
        if node[0] == "call" and node[1] == function and len(node[2]) == 1 and node[2][0][0] == "lit":
            found.add(str(node[2][0][1]))
        for part in node[1:]:
            for item in part if isinstance(part, list) else [part]:
                found |= _calls(item, function)
    return found


def _domain(scope: ArmScope, name: str) -> tuple | None:
    declared = _get(scope.template.get("parameters"), name)
    allowed = _get(declared, "allowedValues")
    if allowed is not None and allowed.kind == "array" and allowed.items and all(i.kind in ("string", "true", "false") for i in allowed.items):
        return tuple(i.value if i.kind == "string" else i.kind == "true" for i in allowed.items)
    kind = _get(declared, "type")
    if kind is not None and str(kind.value).lower() == "bool":
        return (True, False)
    return None


def _writable_origin(scope: ArmScope, names: list[str], evaluate) -> Spot | None:
    """A parameter's literal value (parameters file, else default; for a parameter a nested
    deployment passes, the literal it passes or the outer parameter's) that the expression passes
    through unchanged: writing an engine there gives that engine."""
    for spot in (spot for name in names for spot in _literal_spots(scope, name)):
        if all(lowered(evaluate({}, {(spot.file, spot.start): engine})) == engine for engine in PROBES):
            return spot
    return None


_OUTER_PARAMETER = re.compile(r"^\[\s*parameters\(\s*'([^']+)'\s*\)\s*\]$", re.I)


def _literal_spots(scope: ArmScope, name: str, depth: int = 0) -> list[Spot]:
    """Where parameter `name`'s value is written as a literal (at most one place per scope)."""
    if depth > 8:
        return []
    if scope.passes(name):
        value = _get(_get(scope.passed, name), "value")
        if value is None:
            return []
        if value.kind in ("string", "null") and _expression_text(value.value) is None:
            return [Spot(scope.relpath, value.start, value.end, "null" if value.kind == "null" else "literal")]
        outer = _OUTER_PARAMETER.match(str(value.value)) if value.kind == "string" else None
        return _literal_spots(scope.outer, outer.group(1), depth + 1) if outer else []
    return _own_literal_spots(scope, name)


def _own_literal_spots(scope: ArmScope, name: str) -> list[Spot]:
    """The parameters file's literal value of `name`, else its literal default."""
    node, file = None, scope.relpath
    for parameters_file, document in scope.parameter_files:
        entry = _get(_get(document, "parameters"), name)
        node = entry.get("value") if entry is not None and entry.kind == "object" else None
        if node is not None:
            file = parameters_file
            break
    if node is None:
        node = _get(_get(scope.template.get("parameters"), name), "defaultValue")
    if node is None or node.kind not in ("string", "null") or _expression_text(node.value) is not None:
        return []
    return [Spot(file, node.start, node.end, "null" if node.kind == "null" else ("parameters" if file != scope.relpath else "literal"))]
