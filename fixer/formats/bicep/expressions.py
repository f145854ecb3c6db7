"""Evaluate a Bicep expression that sets a network setting, under the defaults and over every allowed input.

`networkPolicy: !empty(p) ? any(p) : null` with `param p string = ''` runs no engine; with
`@allowed(['azure', 'calico']) param p string` every input runs one. This module parses the value's
tokens (ternary, `!`, `==`/`!=`/`=~`, `&&`/`||`, `??`, `.`/`.?` member access, `[...]` index,
objects, arrays) and evaluates them over params (a .bicepparam value, else the default; `type?`
params default to null) and vars, with the functions `any`, `empty`, `contains`, `toLower`,
`toUpper`, `coalesce`, `union`, `length`, `concat`. Anything else is an `Unknown` with the reason.

Pure and bounded: a step budget and a depth limit turn huge or cyclic input into `Unknown`.
The fix goes where the value really lives: a param default (or .bicepparam value) that the
expression passes through unchanged, or the object member it reads -- checked by re-evaluating
with each engine written there, so a write never flips a condition.
"""

from __future__ import annotations

from bisect import bisect_right
from contextvars import ContextVar
from dataclasses import dataclass, field, replace

from fixer.formats.bicep.parameters import UNREAD
from fixer.formats.bicep.syntax import BicepSyntaxError, Token, bicepparam_anchor, interpolation_parts, matching, string_value, tokenize
from fixer.formats.decide import (
    MAX_DEPTH,
    MAX_STEPS,
    PROBES,
    R,
    Unknown,
    binding_key,
    common_function,
    decide,
    describe,
    either,
    evaluation_text,
    for_each_alternative,
    is_member,
    lowered,
    member,
    member_or_slot,
    plain,
    setting_value,
    without_slots,
)
from fixer.model import Spot, Value, ValueKind


class _Stop(Exception):
    """The expression is too big, too deep, or not Bicep akfix can read."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: tuple[int, int] | None  # token range of the default value
    nullable: bool
    allowed: tuple | None


@dataclass(frozen=True)
class Caller:
    """A local `module x './this.bicep' = { params: {...} }` call: the params it passes take the
    place of this file's defaults, each evaluated in the caller's own scope (its params and vars)."""

    file: str
    line: int  # of the `module` statement
    module: str  # the module's symbolic name in the caller
    entries: dict | None  # param name -> token range in the caller; None: params built by an expression or spread
    scope: "Scope"
    params_open: int | None = None  # byte offset of the params object's `{`: where a fix passes a param it does not
    refusal: str = ""  # why a fix cannot pass a param here (a one-line params object, a spread...)

    def passes(self, name: str) -> bool:
        return self.entries is None or name in self.entries

    def where(self) -> str:
        return f"{self.file}:{self.line} (module {self.module})"

    def argument(self, name: str) -> Spot | None:
        """Where a fix passes param `name`, which this call does not pass: an entry of its params
        object (kind `argument:<name>`, the span of the `{`), or None when it cannot (`refusal`)."""
        if self.refusal or self.params_open is None or self.passes(name):
            return None
        return Spot(self.file, self.params_open, self.params_open + 1, f"argument:{name}")


@dataclass
class Scope:
    """The template (and the .bicepparam file beside it, or the local module call) an expression is evaluated in."""

    tokens: list[Token]
    data: bytes
    relpath: str
    params: dict[str, Param]
    variables: dict[str, tuple[int, int]]
    parameter_file: tuple[str, bytes, list[Token], dict] | None = None
    caller: Caller | None = None
    # A resource loop's variables as one element binds them (`[for (c, i) in clusters: ...]`): name ->
    # the node it stands for, `clusters[0]` and `0`, evaluated like any expression, so a fix checked
    # by writing an engine into the element's literal sees it through the loop variable.
    loop: dict = field(default_factory=dict)
    # (token span, bindings, spot bindings) -> (result, vars used, whether the caller was read): the
    # network settings of one object are decided in turn, each probing the same inputs over the same
    # expression (AKS-Construction's properties: a union of ~60 names), so each evaluation runs once.
    evaluations: dict = field(default_factory=dict, repr=False)


def scope_of(tokens: list[Token], data: bytes, relpath: str, parameter_file=None) -> Scope:
    """`parameter_file`: a .bicepparam file (file, body, tokens, declarations) or a Caller."""
    caller = parameter_file if isinstance(parameter_file, Caller) else None
    parameter_file = None if caller is not None else parameter_file
    params: dict[str, Param] = {}
    variables: dict[str, tuple[int, int]] = {}
    for i, token in enumerate(tokens):
        if token.kind != "ident" or token.text not in ("param", "var") or (i and tokens[i - 1].kind != "newline"):
            continue
        if i + 1 >= len(tokens) or tokens[i + 1].kind != "ident":
            continue
        j = i + 2
        while j < len(tokens) and tokens[j].kind != "newline" and tokens[j].text != "=":
            j = matching(tokens, j) + 1 if tokens[j].kind == "punct" and tokens[j].text in ("(", "[", "{") else j + 1
        default = (j + 1, _extent(tokens, j + 1)) if j < len(tokens) and tokens[j].text == "=" else None
        name = tokens[i + 1].text
        if token.text == "var":
            if default is not None:
                variables.setdefault(name, default)
            continue
        type_text = tokens[i + 2].text if i + 2 < len(tokens) else ""
        nullable = default is None and tokens[j - 1].text == "?"
        params.setdefault(name, Param(name, type_text, default, nullable, allowed_values(tokens, i)))
    return Scope(tokens, data, relpath, params, variables, parameter_file, caller, loop=dict(LOOP.get()))


# The loop element a cluster is being read for (template.py sets it around one element's reading):
# every scope made meanwhile binds the loop's variables to it.
LOOP: ContextVar[tuple] = ContextVar("bicep_loop", default=())


def loop_elements(tokens: list[Token], data: bytes, relpath: str, parameter_file, names: tuple[str, ...],
                  source: tuple[int, int], condition: tuple[int, int] | None = None, limit: int = 64) -> list[tuple[int, tuple]] | str:
    """(index, bindings) of each element of a resource loop over the tokens of `source` (`clusters`,
    `range(0, 3)`), the bindings ((item name, `source[i]`), (index name, i)) as LOOP takes them. An
    element whose `if (condition)` is false here is not deployed and left out; one whose condition
    akfix cannot decide is kept. A reason where the source is not a list akfix can evaluate here."""
    scope = scope_of(tokens, data, relpath, parameter_file)
    try:
        node = _parsed(tokens, *source, relpath)
        found = _Evaluator(scope, {}, {}).run(node)
        test = _parsed(tokens, *condition, relpath) if condition is not None else None
    except (_Stop, ValueError, IndexError, RecursionError) as stop:
        return f"akfix does not evaluate it: {stop}"
    if isinstance(found.value, Unknown):
        return found.value.reason
    if not isinstance(found.value, list):
        return "it is not a list"
    if len(found.value) > limit:
        return f"it has {len(found.value)} elements (akfix reads at most {limit})"
    out = []
    for index in range(len(found.value)):
        element = ((names[0], ("index", node, ("lit", index, None), False)),) if names else ()
        element += ((names[1], ("lit", index, None)),) if len(names) > 1 else ()
        if test is not None:
            try:
                holds = _Evaluator(replace(scope, loop=dict(element), evaluations={}), {}, {}).run(test).value
            except (_Stop, ValueError, IndexError, RecursionError):
                holds = None
            if holds is False:
                continue
        out.append((index, element))
    return out


def _extent(tokens: list[Token], start: int) -> int:
    """Token index just past a declaration's value: the end of its line, past brackets it opens."""
    j = start
    while j < len(tokens) and tokens[j].kind != "newline":
        j = matching(tokens, j) + 1 if tokens[j].kind == "punct" and tokens[j].text in ("(", "[", "{") else j + 1
    return j


def allowed_values(tokens: list[Token], param_index: int) -> tuple | None:
    """The values of `@allowed([...])` among the decorators above tokens[param_index]."""
    k = param_index - 1
    while k > 0 and not (tokens[k].text == "allowed" and tokens[k - 1].text == "@"):
        if tokens[k].kind == "ident" and tokens[k].text in ("param", "var", "resource", "module", "output", "type", "func"):
            return None
        k -= 1
    if k <= 0 or k + 1 >= len(tokens) or tokens[k + 1].text != "(":
        return None
    items = []
    for t in tokens[k + 2:matching(tokens, k + 1)]:
        if t.kind in ("string", "mstring"):
            items.append(string_value(t))
        elif t.kind == "ident" and t.text in ("true", "false"):
            items.append(t.text == "true")
    return tuple(items) if items and None not in items else None


# --- parsing ------------------------------------------------------------------------------------

_BINARY = [("??",), ("||",), ("&&",), ("==", "!=", "=~", "!~"), ("<", ">", "<=", ">="), ("+", "-"), ("*", "/", "%")]
_TWO = {"??", "||", "&&", "==", "!=", "=~", "!~", "<=", ">=", ".?", "[?"}


class _Parser:
    def __init__(self, tokens: list[Token], start: int, end: int, file: str):
        self.tokens = [t for t in tokens[start:end] if t.kind != "newline"]
        self.newlines = [t.start for t in tokens[start:end] if t.kind == "newline"]  # sorted: multi-line objects
        self.i = 0
        self.file = file

    def peek(self, offset: int = 0) -> str:
        i = self.i + offset
        if i >= len(self.tokens):
            return ""
        a = self.tokens[i]
        if a.kind == "punct" and i + 1 < len(self.tokens) and self.tokens[i + 1].start == a.end and a.text + self.tokens[i + 1].text in _TWO:
            return a.text + self.tokens[i + 1].text
        return a.text if a.kind in ("punct", "ident") else f"<{a.kind}>"

    def take(self, text: str | None = None) -> Token:
        if self.i >= len(self.tokens):
            raise _Stop("the expression ends too early")
        found = self.peek()
        if text is not None and found != text:
            raise _Stop(f"expected {text!r}, found {found!r}")
        token = self.tokens[self.i]
        self.i += 2 if len(found) == 2 and found in _TWO else 1
        return token

    def parse(self):
        node = self.expression(0)
        if self.i != len(self.tokens):
            raise _Stop(f"unexpected {self.peek()!r}")
        return node

    def expression(self, depth: int):
        if depth > MAX_DEPTH:
            raise _Stop("the expression nests too deeply")
        condition = self.binary(0, depth)
        if self.peek() == "?":
            self.take()
            yes = self.expression(depth + 1)
            self.take(":")
            no = self.expression(depth + 1)
            return ("cond", condition, yes, no)
        return condition

    def binary(self, level: int, depth: int):
        if level == len(_BINARY):
            return self.unary(depth)
        left = self.binary(level + 1, depth)
        while self.peek() in _BINARY[level]:
            op = self.peek()
            self.take()
            left = ("bin", op, left, self.binary(level + 1, depth + 1))
            depth += 1
            if depth > MAX_DEPTH:
                raise _Stop("the expression nests too deeply")
        return left

    def unary(self, depth: int):
        if depth > MAX_DEPTH:
            raise _Stop("the expression nests too deeply")
        if self.peek() == "!":
            self.take()
            return ("not", self.unary(depth + 1))
        if self.peek() == "-":
            self.take()
            return ("neg", self.unary(depth + 1))
        return self.postfix(self.primary(depth), depth)

    def postfix(self, node, depth: int):
        while True:
            step = self.peek()
            if step in (".", ".?"):
                self.take()
                node = ("member", node, self.take().text, step == ".?")
            elif step in ("[", "[?"):
                self.take()
                index = self.expression(depth + 1)
                self.take("]")
                node = ("index", node, index, step == "[?")
            elif step == "!" and self.peek(1) not in ("=", "~"):
                self.take()  # `x!`: the non-null assertion changes nothing at run time
            else:
                return node
            depth += 1
            if depth > MAX_DEPTH:
                raise _Stop("the expression nests too deeply")

    def _interpolation(self, token: Token, depth: int):
        """`'aks-${env}-01'`: its literal parts and the expressions between them (never a place a
        fix writes: a literal there is only part of the value)."""
        if token.kind != "string":
            return ("unknown", f"the string template {token.text}")
        parts = []
        for part in interpolation_parts(token):
            if isinstance(part, str):
                parts.append(("lit", part, None))
                continue
            at, source = part
            try:
                inner = [replace(t, start=t.start + at, end=t.end + at) for t in tokenize(source.encode("utf-8"))]
            except BicepSyntaxError:
                return ("unknown", f"the string template {token.text}")
            parser = _Parser(inner, 0, len(inner), self.file)
            if depth > MAX_DEPTH or not parser.tokens:
                raise _Stop("the string template nests too deeply")
            parts.append(parser.expression(depth + 1))
            if parser.i != len(parser.tokens):
                return ("unknown", f"the string template {token.text}")
        return ("interp", parts)

    def _object_spot(self, open_token: Token, close: Token) -> Spot | None:
        """Where a missing key of this object may be added (kind `object`, at its `{`): only a
        multi-line object, whose entries stand one per line, takes a new line of its own."""
        i = bisect_right(self.newlines, open_token.start)
        multi_line = i < len(self.newlines) and self.newlines[i] < close.start
        return Spot(self.file, open_token.start, open_token.end, "object") if multi_line else None

    def primary(self, depth: int):
        token = self.take()
        if token.kind in ("string", "mstring"):
            value = string_value(token)
            if value is None:
                return self._interpolation(token, depth)
            return ("lit", value, Spot(self.file, token.start, token.end, "literal"))
        if token.kind == "number":
            return ("lit", int(token.text), None) if token.text.isdigit() else ("unknown", token.text)
        if token.kind == "ident":
            if token.text in ("true", "false"):
                return ("lit", token.text == "true", None)
            if token.text == "null":
                return ("lit", None, Spot(self.file, token.start, token.end, "null"))
            if self.peek() == "(":
                self.take()
                args = []
                while self.peek() != ")":
                    args.append(self.expression(depth + 1))
                    if self.peek() == ",":
                        self.take()
                    elif self.peek() != ")":
                        raise _Stop(f"{token.text}(...) is not an argument list akfix reads")
                self.take(")")
                return ("call", token.text, args)
            if self.peek() == "=>":
                raise _Stop("a lambda")
            return ("ref", token.text)
        if token.text == "(":
            inner = self.expression(depth + 1)
            self.take(")")
            return inner
        if token.text == "{":
            open_token, keys, values = token, [], []
            while self.peek() != "}":
                if self.peek() == ",":
                    self.take()
                    continue
                key = self.take()
                if key.kind not in ("ident", "string") or (key.kind == "string" and string_value(key) is None):
                    raise _Stop("an object key akfix does not read")
                self.take(":")
                keys.append(key.text if key.kind == "ident" else string_value(key))
                values.append(self.expression(depth + 1))
            close = self.take("}")
            return ("obj", keys, values, self._object_spot(open_token, close))
        if token.text == "[":
            items = []
            while self.peek() != "]":
                if self.peek() == ",":
                    self.take()
                    continue
                if self.peek() == "for":
                    raise _Stop("a for-expression")
                items.append(self.expression(depth + 1))
            self.take("]")
            return ("arr", items)
        raise _Stop(f"unexpected {token.text!r}")


_PARSED: dict[tuple[int, int, int], tuple[list, object]] = {}


def _parsed(tokens: list[Token], start: int, end: int, file: str):
    """The parse of tokens[start:end], once per run: deciding a setting evaluates the same vars and
    params thousands of times (every probe of every input). Keyed by the token list's identity, which
    the entry keeps alive so that it cannot be reused; a failed parse raises every time."""
    key = (id(tokens), start, end)
    hit = _PARSED.get(key)
    if hit is not None and hit[0] is tokens:
        return hit[1]
    node = _Parser(tokens, start, end, file).parse()
    if len(_PARSED) > 20000:
        _PARSED.clear()
    _PARSED[key] = (tokens, node)
    return node


_NEWLINES: dict[int, tuple[bytes, list[int]]] = {}


def _line(data: bytes, offset: int) -> int:
    """The 1-based line of a byte offset, by bisecting the file's newline offsets (indexed once per
    file: an evaluation names the line of every var it reads, over and over)."""
    hit = _NEWLINES.get(id(data))
    if hit is None or hit[0] is not data:
        if len(_NEWLINES) > 256:
            _NEWLINES.clear()
        hit = _NEWLINES[id(data)] = (data, [i for i, byte in enumerate(data) if byte == 10])
    return bisect_right(hit[1], offset - 1) + 1


# --- evaluation ---------------------------------------------------------------------------------


class _Evaluator:
    def __init__(self, scope: Scope, bindings: dict, spot_bindings: dict):
        self.scope = scope
        self.bindings = bindings  # param name -> value (an allowed input being tried)
        self.spot_bindings = spot_bindings  # (file, start) -> value (an engine written there, to check a fix)
        self.steps = 0
        self.active: set[str] = set()
        self.used: dict[str, str] = {}  # "param p" -> where its value came from
        self.called = False  # a value passed by a local module call was read
        self.unread: tuple[str, int] | None = None  # (file, line) of a parameters-file value akfix does not read

    def run(self, node, depth: int = 0) -> R:
        self.steps += 1
        if self.steps > MAX_STEPS or depth > MAX_DEPTH:
            raise _Stop("the evaluation is too large")
        kind = node[0]
        if kind == "lit":
            spot = node[2]
            if spot is not None and binding_key(spot) in self.spot_bindings:
                return R(self.spot_bindings[binding_key(spot)], spot)
            return R(node[1], spot)
        if kind == "unknown":
            return R(Unknown(f"{node[1]} is not evaluated"))
        if kind == "ref":
            return self.reference(node[1], depth)
        if kind == "cond":
            condition = self.run(node[1], depth + 1).value
            if isinstance(condition, Unknown):  # either branch, whatever the input: see either()
                return either(condition, [self.run(node[2], depth + 1), self.run(node[3], depth + 1)])
            if not isinstance(condition, bool):
                return R(Unknown("the condition is not a boolean"))
            return self.run(node[2] if condition else node[3], depth + 1)
        if kind == "not":
            value = self.run(node[1], depth + 1).value
            return R(value if isinstance(value, Unknown) else (not value if isinstance(value, bool) else Unknown("! of a non-boolean")))
        if kind == "neg":
            value = self.run(node[1], depth + 1).value
            return R(-value if isinstance(value, int) and not isinstance(value, bool) else Unknown("- of a non-number"))
        if kind == "bin":
            return self.binary(node[1], node[2], node[3], depth)
        if kind == "member":
            return member_or_slot(self.run(node[1], depth + 1), node[2], node[3], self.spot_bindings)
        if kind == "index":
            target, index = self.run(node[1], depth + 1), self.run(node[2], depth + 1).value
            if isinstance(index, Unknown):
                return R(index)
            if isinstance(target.value, list) and isinstance(index, int) and not isinstance(index, bool):
                return target.value[index] if -len(target.value) <= index < len(target.value) else (R(None) if node[3] else R(Unknown("index out of range")))
            if isinstance(index, str):
                return member(target, index, node[3])
            return R(target.value if isinstance(target.value, Unknown) else Unknown("an index akfix does not evaluate"))
        if kind == "obj":
            return R({key: self.run(value, depth + 1) for key, value in zip(node[1], node[2])}, node[3])
        if kind == "interp":
            pieces = []
            for part in node[1]:
                value = self.run(part, depth + 1).value
                if isinstance(value, Unknown):
                    return R(value)
                if isinstance(value, bool):
                    value = "true" if value else "false"
                if not isinstance(value, (str, int)):
                    return R(Unknown("an object, array or null inside a string template"))
                pieces.append(str(value))
            return R("".join(pieces))
        if kind == "arr":
            return R([self.run(item, depth + 1) for item in node[1]])
        if kind == "call":
            return self.call(node[1], node[2], depth)
        raise _Stop(f"unknown node {kind}")

    def binary(self, op: str, left_node, right_node, depth: int) -> R:
        left = self.run(left_node, depth + 1)
        if op == "??":
            if isinstance(left.value, Unknown):
                return left
            return left if left.value is not None else self.run(right_node, depth + 1)
        if op in ("&&", "||"):
            if left.value is (op == "||"):
                return R(left.value)  # short circuit: the right side may be anything
            right = self.run(right_node, depth + 1).value
            for side in (left.value, right):
                if isinstance(side, Unknown):
                    return R(side)
                if not isinstance(side, bool):
                    return R(Unknown(f"{op} of a non-boolean"))
            return R(right)
        a, b = left.value, self.run(right_node, depth + 1).value
        if isinstance(a, Unknown) or isinstance(b, Unknown):
            return R(a if isinstance(a, Unknown) else b)
        a, b = plain(a), plain(b)
        if op in ("==", "!="):
            return R((a == b) == (op == "=="))
        if op in ("=~", "!~"):
            if not (isinstance(a, str) and isinstance(b, str)):
                return R(Unknown(f"{op} of non-strings"))
            return R((a.lower() == b.lower()) == (op == "=~"))
        if isinstance(a, int) and isinstance(b, int) and not isinstance(a, bool) and not isinstance(b, bool):
            if op in ("<", ">", "<=", ">="):
                return R({"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op])
            if op in ("+", "-", "*"):
                result = {"+": a + b, "-": a - b, "*": a * b}[op]
                return R(result if abs(result) < 2**63 else Unknown("a number out of range"))
        return R(Unknown(f"the operator {op} on these values"))

    def call(self, name: str, arg_nodes: list, depth: int) -> R:
        lowered_name = name.lower()
        if lowered_name not in _FUNCTIONS:
            return R(Unknown(f"{name}() is not evaluated by akfix"))
        if lowered_name == "coalesce":  # the first non-null argument, evaluated lazily
            for node in arg_nodes:
                found = self.run(node, depth + 1)
                if found.value is not None:
                    return found
            return R(None)
        args = [self.run(node, depth + 1) for node in arg_nodes]
        unknown = next((a.value for a in args if isinstance(a.value, Unknown)), None)
        if unknown is not None:
            return for_each_alternative(args, lambda known: self.apply(name, known)) or R(unknown)
        return self.apply(name, args)

    @staticmethod
    def apply(name: str, args: list[R]) -> R:
        """A function over known arguments."""
        if name.lower() == "range":  # range(start, count): what a resource loop counts over
            bounds = [a.value for a in args]
            if len(bounds) != 2 or not all(isinstance(b, int) and not isinstance(b, bool) for b in bounds) or not 0 <= bounds[1] <= 1000:
                return R(Unknown("range() with these arguments is not evaluated by akfix"))
            return R([R(bounds[0] + offset) for offset in range(bounds[1])])
        found = common_function(name.lower(), args)
        if found is not None:
            return found
        return R(Unknown(f"{name}() with these arguments is not evaluated by akfix"))

    def reference(self, name: str, depth: int) -> R:
        scope = self.scope
        if name in self.active:
            return R(Unknown(f"{name} refers to itself"))
        if name in self.bindings:
            self.used[f"param {name}"] = f"tried = {self.bindings[name]!r}"
            return R(self.bindings[name])
        if name in scope.loop:  # a resource loop's variable: the element this view reads
            self.active.add(name)
            try:
                return self.run(scope.loop[name], depth + 1)
            finally:
                self.active.discard(name)
        if name in scope.variables:
            return self._declared(f"var {name}", name, scope.tokens, scope.variables[name], scope.relpath, depth)
        param = scope.params.get(name)
        if param is not None and scope.caller is not None and scope.caller.passes(name):
            return _typed(param, self._passed(name, depth))
        if scope.parameter_file is not None and name in scope.parameter_file[3]:
            file, _body, ptokens, declarations = scope.parameter_file
            first, _end = declarations[name]
            if ptokens[first].kind == UNREAD:  # a JSON parameters file's value akfix does not read (parameters.py)
                self.unread = (file, _line(_body, ptokens[first].start))
                return R(Unknown(f"{file} sets param {name} to {ptokens[first].text}, which akfix does not read"))
            found = self._declared(f"param {name}", name, ptokens, (first, _extent(ptokens, first)), file, depth, f"{file} param {name}")
            return _typed(param, found)
        if param is None:
            return R(Unknown(f"{name} is not a param or var of this file"))
        if param.default is not None:
            return _typed(param, self._declared(f"param {name}", name, scope.tokens, param.default, scope.relpath, depth, f"param {name} default"))
        if param.nullable:
            self.used[f"param {name}"] = "no value: a nullable param is null"
            return R(None)
        return R(Unknown(f"param {name} has no default", frozenset({name})))

    def _passed(self, name: str, depth: int) -> R:
        """A param the local module call passes: its value evaluated in the caller's scope."""
        caller = self.scope.caller
        self.called = True
        if caller.entries is None:
            return R(Unknown(f"{caller.where()}: {caller.refusal or 'its params are built by an expression akfix does not read'}"))
        start, end = caller.entries[name]
        inner = _Evaluator(caller.scope, {}, self.spot_bindings)
        inner.steps = self.steps
        self.active.add(name)
        try:
            found = inner.run(_parsed(caller.scope.tokens, start, end, caller.file), depth + 1)
        finally:
            self.active.discard(name)
            self.steps = inner.steps
            self.unread = self.unread or inner.unread
        for label, where in inner.used.items():
            self.used.setdefault(f"{caller.file} {label}", where)
        if f"param {name}" in self.used:
            return self._caller_unknown(found)
        line = _line(caller.scope.data, caller.scope.tokens[start].start)
        shown = "an object" if isinstance(found.value, (dict, list)) else "unknown" if isinstance(found.value, Unknown) else describe(found.value)
        self.used.setdefault(f"param {name}", f"{shown} (passed by {caller.file}:{line}, module {caller.module})")
        return self._caller_unknown(found)

    def _caller_unknown(self, found: R) -> R:
        if isinstance(found.value, Unknown) and found.value.inputs:  # the caller's free inputs are not this file's params
            return R(Unknown(f"{found.value.reason} in {self.scope.caller.file}"))
        return found

    def _declared(self, label: str, name: str, tokens, span, file: str, depth: int, where: str = "") -> R:
        self.active.add(name)
        try:
            found = self.run(_parsed(tokens, span[0], span[1], file), depth + 1)
        finally:
            self.active.discard(name)
        if label in self.used:
            return found  # described already (setdefault keeps the first): counting lines is not free
        if not isinstance(found.value, (dict, list)):
            shown = describe(found.value) if not isinstance(found.value, Unknown) else "unknown"
            fed = self.scope.parameter_file
            body = self.scope.data if file == self.scope.relpath else fed[1] if fed is not None and file == fed[0] else None
            # a parameters file's tokens are its own: their offsets are in its body
            line = _line(body, tokens[span[0]].start) if body is not None and span[0] < len(tokens) else None
            self.used.setdefault(label, f"{shown} ({where or label}{f', line {line}' if line else ''})")
        else:
            self.used.setdefault(label, f"an object ({where or label})")
        return found


def _typed(param: Param | None, found: R) -> R:
    """A param's value as a fix may write it: a key may be added to its objects only where the
    param is a plain `object` or `array` (a user-defined type may not declare the key)."""
    return found if param is not None and param.type in ("object", "array") else without_slots(found)


_FUNCTIONS = {"any", "empty", "length", "tolower", "toupper", "contains", "coalesce", "union", "concat", "range"}


def _references(node) -> set[str]:
    if not isinstance(node, tuple):
        return set()
    if node[0] == "ref":
        return {node[1]}
    found = set()
    for part in node[1:]:
        for item in part if isinstance(part, list) else [part]:
            found |= _references(item)
    return found


def evaluate_setting(scope: Scope, start: int, end: int, policy: bool = False, path: tuple[str, ...] = ()) -> Value:
    """The Value of the setting whose value is tokens[start:end]: decided under the defaults or over
    every allowed input, else an expression with the reason (and the input it waits for)."""
    tokens = scope.tokens
    text = scope.data[tokens[start].start:tokens[end - 1].end].decode("utf-8", "replace")
    line = scope.data.count(b"\n", 0, tokens[start].start) + 1
    try:
        node = _Parser(tokens, start, end, scope.relpath).parse()
    except (_Stop, ValueError, IndexError) as stop:
        return Value(ValueKind.EXPRESSION, text, line, note=f"akfix does not evaluate it: {stop}")
    used: dict[str, str] = {}

    def evaluate(bindings: dict, spot_bindings: dict | None = None) -> object:
        key = (start, end, tuple(sorted(bindings.items())), tuple(sorted((spot_bindings or {}).items())))
        if key not in scope.evaluations:
            evaluator = _Evaluator(scope, bindings, spot_bindings or {})
            try:
                scope.evaluations[key] = (evaluator.run(node), dict(evaluator.used), evaluator.called, evaluator.unread)
            except (_Stop, ValueError, IndexError, RecursionError) as stop:
                scope.evaluations[key] = (Unknown(f"akfix does not evaluate it: {stop}"), {}, False, None)
        whole, whole_used, called, unread = scope.evaluations[key]
        if not bindings and not spot_bindings:
            evaluate.unread = unread
        if isinstance(whole, Unknown):
            return whole
        try:
            result = whole
            for step in path:  # a setting inside the object the expression builds; absent = not set
                result = member_or_slot(result, step, True, spot_bindings or {})
        except (_Stop, ValueError, IndexError, RecursionError) as stop:
            return Unknown(f"akfix does not evaluate it: {stop}")
        if not bindings and not spot_bindings:
            used.update(whole_used)
            evaluate.result = result
            evaluate.called = called
        value = plain(result.value)
        return value if isinstance(value, (str, bool, int, type(None), Unknown)) else Unknown("the value is not a string")

    try:
        reachable = _reachable(scope, node)
    except _Stop as stop:
        return Value(ValueKind.EXPRESSION, text, line, note=f"akfix does not evaluate it: {stop}")
    domains = {}
    for name in sorted(reachable):
        param = scope.params[name]
        domains[name] = param.allowed if param.allowed else ((True, False) if param.type == "bool" else None)
    decision = decide(evaluate, domains, label=lambda n: f"param {n}", policy=policy)
    shown = f"{text[:80]}{'...' if len(text) > 80 else ''} .{'.'.join(path)}" if path else text
    found = setting_value(decision, text, shown, line, evaluation_text(shown, used, decision), policy, scope.relpath,
                          lambda: _writable_origin(scope, node, evaluate, getattr(evaluate, "result", R(None)), start, end))
    if found.origin is not None and not found.origin.kind.startswith("argument:"):
        # reported where the value is written (a param default, a loop element, a parameters file's line), not at the setting
        fed = scope.parameter_file
        body = fed[1] if fed is not None and found.origin.file == fed[0] else scope.data if found.origin.file == scope.relpath else None
        if body is not None:
            found = replace(found, line=_line(body, found.origin.start))
    unread = getattr(evaluate, "unread", None)
    if found.kind is ValueKind.EXPRESSION and unread is not None:
        # undecided by a parameters file (put._views keeps that file's view: never the default it overrides)
        return replace(found, file=unread[0], line=unread[1])
    if found.origin is not None and found.origin.kind.startswith("argument:"):
        # passed by the fix where the module is called: the value is that file's (put._views keeps its view)
        body = scope.caller.scope.data if scope.caller is not None else scope.parameter_file[1]
        return replace(found, file=found.origin.file, line=body.count(b"\n", 0, found.origin.start) + 1)
    if found.origin is not None and found.origin.file == scope.relpath:
        owner = _default_holding(scope, found.origin.start)
        if owner is not None:  # plan/put.py: every deployment that does not set the param reads the fix
            found = replace(found, via=f"{found.via}; written in the default of param {owner}")
    whole = found.origin is not None and not is_member(found.origin)  # a key added to an object is no param's whole value
    if whole and scope.caller is None and scope.parameter_file is not None:
        default_of = next((n for n, p in scope.params.items() if p.default is not None and found.origin.file == scope.relpath
                           and scope.tokens[p.default[0]].start == found.origin.start), None)
        if default_of is not None:  # the default, shared by every .bicepparam file: this one's own line where they clash (plan/views.py)
            found = replace(found, caller_origin=bicepparam_argument(scope.parameter_file, default_of))
    if scope.caller is None or not getattr(evaluate, "called", False):
        return _unpassed(scope, node, decision, found)
    caller = scope.caller
    # a view of the module through one caller: the value belongs to that caller (put._views keeps the view)
    at = found.origin.start if found.origin is not None and found.origin.file == caller.file else None
    line = caller.scope.data.count(b"\n", 0, at) + 1 if at is not None else caller.line
    found = replace(found, file=found.file or caller.file, line=line if (found.file or caller.file) == caller.file else found.line)
    fed = caller.scope.parameter_file  # the caller's own .bicepparam (modules.ThroughCaller)
    if fed is not None and found.origin is not None and found.origin.file == fed[0]:
        found = replace(found, file=fed[0], line=_line(fed[1], found.origin.start))
    elif fed is not None and whole and found.origin.file == caller.file:
        # a default of the caller's, which each of its .bicepparam files reads: this file's own line
        # where they clash (plan/views.py), as for a template's own .bicepparam files
        default_of = next((n for n, p in caller.scope.params.items() if p.default is not None
                           and caller.scope.tokens[p.default[0]].start == found.origin.start), None)
        if default_of is not None:
            found = replace(found, caller_origin=bicepparam_argument(fed, default_of))
    if decision.decided and found.origin is None and found.kind is not ValueKind.EXPRESSION and not decision.every_input:
        passed = sorted(n for n in _references(node) | _reachable_all(scope, node) if n in scope.params and caller.passes(n))
        hint = f"would change it: pass {' or '.join(passed) or 'the param'} in the params of {caller.where()} so that it gives an engine"
        found = replace(found, evaluation=f"{found.evaluation}\n{hint}")
    return found


def _default_holding(scope: Scope, at: int) -> str | None:
    """The param whose default value holds byte `at` of the template, if any."""
    for name, param in scope.params.items():
        if param.default is not None and scope.tokens[param.default[0]].start <= at < scope.tokens[param.default[1] - 1].end:
            return name
    return None


def _unpassed(scope: Scope, node, decision, found: Value) -> Value:
    """A value the view's module call (or .bicepparam file) would decide by passing a param it does
    not pass, where akfix does not add it (a one-line params object, an `extends`...) or the param
    would not pass through: still that view's, with the reason beside the inputs it names."""
    if not (decision.decided and not decision.every_input and found.origin is None):
        return found
    free = sorted(_reachable(scope, node))
    if scope.caller is not None:
        where, refusal, file, line = f"the params of {scope.caller.where()}", scope.caller.refusal, scope.caller.file, scope.caller.line
    elif scope.parameter_file is not None:
        file, body, ptokens, declarations = scope.parameter_file
        free = [n for n in free if n not in declarations and scope.params[n].nullable]
        refusal = "" if bicepparam_anchor(ptokens) is not None else (
            "it is a JSON parameters file, where akfix adds no parameter" if file.endswith(".json") else "it extends a parameters file akfix does not read")
        where, line = file, 1
        if not refusal:
            return found  # the param would not pass through: the template's own view says so
    else:
        return found
    if not free:
        return found
    hint = f"\nwould change it: pass {' or '.join(free)} in {where} (akfix does not add it: {refusal})" if refusal else ""
    return replace(found, file=file, line=line, evaluation=found.evaluation + hint)


def _reachable_all(scope: Scope, node) -> set[str]:
    """Params the expression reads, passed by the caller or not."""
    caller, scope.caller = scope.caller, None
    try:
        return _reachable(scope, node)
    except _Stop:
        return set()  # only a hint's list of params
    finally:
        scope.caller = caller


def _reachable(scope: Scope, node, limit: int = 400) -> set[str]:
    """Params the expression reads, directly or through vars. Every name is followed, in a fixed
    order: a walk cut short (or ordered by string hashes) would leave out params that decide the
    value, so one that reads more than `limit` names stops the evaluation instead."""
    seen, queue, params = set(), sorted(_references(node)), set()
    while queue:
        name = queue.pop(0)
        if name in seen:
            continue
        seen.add(name)
        if len(seen) > limit:
            raise _Stop(f"it reads more than {limit} vars and params")
        if name in scope.loop:  # a loop variable reads what its source reads
            queue.extend(sorted(_references(scope.loop[name])))
        elif name in scope.variables:
            try:
                queue.extend(sorted(_references(_parsed(scope.tokens, *scope.variables[name], scope.relpath))))
            except (_Stop, ValueError, IndexError):
                pass
        elif name in scope.params and not (scope.caller is not None and scope.caller.passes(name)):
            params.add(name)  # a param the module call passes is the caller's value, not an input here
    return params


def _writable_origin(scope: Scope, node, evaluate, result: R, start: int, end: int) -> Spot | None:
    """Where writing an engine makes the expression give that engine: a param's literal default
    (or .bicepparam value) first, then the literal the value was read from outside the setting.
    A param the view's module call does not pass is passed there (kind `argument:<name>`), never
    written as the module's default, which every other caller reads; a nullable param a .bicepparam
    file does not set gets a line there. Each is checked as if that engine were passed."""
    candidates: list[tuple[Spot, str | None]] = []  # (spot, the param it passes; None: a literal rewritten)
    for name in sorted(_reachable(scope, node)):
        param = scope.params[name]
        if scope.parameter_file is not None and name in scope.parameter_file[3]:
            file, _body, ptokens, declarations = scope.parameter_file
            first, last = declarations[name]
            if last - first == 1 and (string_value(ptokens[first]) is not None or ptokens[first].text == "null"):
                token = ptokens[first]
                candidates.append((Spot(file, token.start, token.end, "null" if token.text == "null" else "literal"), None))
        elif scope.caller is not None:
            argument = scope.caller.argument(name)
            if argument is not None:
                candidates.append((argument, name))
        elif param.default is not None and param.default[1] - param.default[0] == 1:
            token = scope.tokens[param.default[0]]
            if string_value(token) is not None or token.text == "null":
                candidates.append((Spot(scope.relpath, token.start, token.end, "null" if token.text == "null" else "literal"), None))
        elif param.default is None and param.nullable and scope.parameter_file is not None:
            argument = bicepparam_argument(scope.parameter_file, name)
            if argument is not None:
                candidates.append((argument, name))
    inside = (scope.tokens[start].start, scope.tokens[end - 1].end)
    if result.spot is not None and not (result.spot.file == scope.relpath and inside[0] <= result.spot.start < inside[1]):
        candidates.append((result.spot, None))
    for spot, passed in candidates:
        def written(engine: str):
            return evaluate({passed: engine}) if passed else evaluate({}, {binding_key(spot): engine})

        if all(lowered(written(engine)) == engine for engine in PROBES):
            return spot
    return None


def bicepparam_argument(parameter_file, name: str) -> Spot | None:
    """Where a fix adds `param <name> = ...` to a .bicepparam file (file, body, tokens, declarations)
    that does not set it: after its `using` (kind `argument:<name>`); None where akfix adds none."""
    file, _body, ptokens, declarations = parameter_file
    using = bicepparam_anchor(ptokens) if name not in declarations else None
    return Spot(file, using.start, using.end, f"argument:{name}") if using is not None else None
