"""Follow a value to the literal it comes from: variables, tfvars, locals and simple expressions.

`network_policy = var.network_policy` is not a policy; the variable's default, or the tfvars file
that sets it, is. This module evaluates the expressions that real modules use -- `var.x`,
`local.x`, their members (`var.x.key`, `var.x["key"]`, with the type's `optional(..., default)`),
`try(...)`, `coalesce(...)`, `lookup(map, key, default)`, ternaries whose condition is known and,
in one instance of a `for_each` (or a dynamic block's element), `each.key` and `each.value...` --
and returns, for each candidate value, the exact place (a Spot) where a fix writes a new literal.
tfvars files that only some runs load (`prod.tfvars`, passed with -var-file) are environments:
each gives its own candidate, reported and fixed on its own.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field, replace

from tree_sitter import Node

from fixer.formats.terraform import hcl
from fixer.model import MISSING, Spot, Validation, Value, ValueKind

MAX_DEPTH = 12  # locals referring to locals; deeper chains are reported as unresolved
ENGINE_WORDS = frozenset({"azure", "calico", "cilium", "none"})


@dataclass(frozen=True)
class Candidate:
    value: Value
    environment: str | None = None  # the -var-file that selects this value; None = every run


@dataclass
class _Source:
    relpath: str
    body: bytes
    root: Node | None  # None for .tfvars.json


@dataclass
class CallerRef:
    """A `module` block elsewhere that calls this module with a local `source`, or a Terragrunt
    configuration that runs it (terragrunt.py): then `block` is its `inputs` object, or the file's
    body where it has none, and `unread(name)` says why a value it may set is not read."""

    label: str  # e.g. "live/prod: module.aks", "live/prod: terragrunt"
    scope: "ModuleScope"
    relpath: str  # the caller's file
    block: Node  # the module block (a Terragrunt inputs object, or the file's body)
    overrides: tuple[tuple[str, Node], ...] = ()  # (file, block) of *_override.tf blocks merged into it, in order
    unread: Callable[[str], str | None] | None = None  # Terragrunt: why `name` is not read here
    beaten: frozenset[str] = frozenset()  # Terragrunt: inputs a var file overrides (unread says which)
    own_run: bool = False  # the module folder applied on its own: `block` is its terraform.tfvars body

    def argument(self, name: str) -> tuple[str, Node] | None:
        """(file, expression) of an argument: the last override setting it wins (Terraform's merge)."""
        if self.own_run:
            found = hcl.attribute(self.block, name)
            expression = hcl.expression_of(found) if found is not None else None
            return (self.relpath, expression) if expression is not None else None
        if self.unread is not None:  # Terragrunt: an element of the inputs object, unless a var file beats it
            found = hcl.object_element(self.block, name) if self.block.type == "object" and name not in self.beaten else None
            return (self.relpath, found[1]) if found is not None else None
        for relpath, block in reversed(((self.relpath, self.block), *self.overrides)):
            argument = hcl.attribute(hcl._block(block).body, name)
            expression = hcl.expression_of(argument) if argument is not None else None
            if expression is not None:
                return relpath, expression
        return None


def is_auto_tfvars(relpath: str) -> bool:
    """A tfvars file every run of its folder loads (the others are passed with -var-file)."""
    name = posixpath.basename(relpath)
    return name in ("terraform.tfvars", "terraform.tfvars.json") or ".auto.tfvars" in name


@dataclass(frozen=True)
class Each:
    """One instance of a `for_each`: `each.key` is `key`; `each.value` is the element at `index` (else
    at `key`) of the collection expression -- a map, or the list a `for` expression reads -- or the
    key itself where the collection is a set of strings (`collection` None). `key` None: the
    instances were not listed, and `why` says so."""

    key: str | None
    collection: Node | None = None
    file: str = ""
    why: str = ""
    index: str | None = None  # where each.value is in `collection`, when not at the key (a `for` over a list)
    environment: str | None = None  # the one environment (a -var-file, a caller) that lists the instance

    @classmethod
    def unlisted(cls, collection: Node, why: str) -> "Each":
        """each left unbound: the instances of `for_each = <collection>` are not listed, because `why`."""
        return cls(None, why=f"the instances of for_each = {hcl.text(collection).strip()} are not listed: {why}")


@dataclass(frozen=True)
class Instances:
    """The keys a for_each collection has in one environment (None: every run), and the file of the
    literal that lists them; `strings`: a set of strings, whose each.value is the key itself."""

    environment: str | None
    file: str
    keys: tuple[str, ...]
    strings: bool
    indexes: tuple[str, ...] = ()  # a `for` expression's: where each key's each.value is in its source


@dataclass(frozen=True)
class _ForObject:
    """`{ for key_name, value_name in source : key => value if ... }`: key and value as paths of names."""

    key_name: str | None
    value_name: str
    source: Node
    key: tuple[str, ...] | None
    value: tuple[str, ...] | None
    condition: bool


# An object element that is not there, read inside try(): Terraform's error, which try() catches.
_ABSENT = "(not there: an error try() catches)"
_COLLECTION = "(an object or list written out)"  # never null: `x != null` is decided on it
_NO_DEFAULT = " has no default: its value comes from a caller, a tfvars file or -var"


def required_unset(value: Value) -> bool:
    """A required variable no file sets: a run that reads it without a -var-file fails (so there is none)."""
    return value.kind is ValueKind.EXPRESSION and value.note.endswith(_NO_DEFAULT)
_TRYING: ContextVar[bool] = ContextVar("trying", default=False)


# Inside a comparison (`var.x.key == null ? "azure" : var.x.key`), an object element the value
# leaves out while its type says `optional(T)` is null: Terraform fills it in. Elsewhere it stays
# unresolved, since no literal holds it for a fix to rewrite. Set across scopes (a caller's value
# is read in the caller's scope), hence a context variable rather than an argument.
_COMPARING: ContextVar[bool] = ContextVar("comparing", default=False)


@dataclass
class ModuleScope:
    """The variables, tfvars and locals of one module directory."""

    module_dir: str
    sources: dict[str, _Source] = field(default_factory=dict)
    variables: dict[str, tuple[str, Node]] = field(default_factory=dict)  # name -> (file, block node)
    locals: dict[str, tuple[str, Node]] = field(default_factory=dict)  # name -> (file, attribute node)
    auto_tfvars: list[str] = field(default_factory=list)  # loaded on every run, in precedence order
    env_tfvars: list[str] = field(default_factory=list)  # loaded with -var-file
    callers: list[CallerRef] = field(default_factory=list)  # a called module gets values from these
    # Inputs set while trying each allowed value (terraform/expressions.py); empty otherwise.
    bindings: dict[str, object] = field(default_factory=dict)
    each: Each | None = None  # the for_each instance being read (resolve.py binds one scope per instance)
    # A dynamic block's iterator (`network_profile.value...` in its content): its name and element.
    iterator: tuple[str, Each] | None = None
    count_index: str | None = None  # the `count` instance being read: count.index (resolve.py binds one scope per index)
    # `var.x` / `local.x` declared in the folder's .tf.json files (JSON syntax), whose declarations akfix
    # does not evaluate: such a value is undecided, and said so (never "not declared")
    json_declared: dict[str, str] = field(default_factory=dict)

    def undeclared(self, kind: str, name: str) -> str:
        """Why `kind.name` has no value here."""
        file = self.json_declared.get(f"{kind}.{name}")
        word = "variable " + name if kind == "var" else f"{kind}.{name}"
        return f"{word} is declared in {file}, whose JSON syntax akfix does not evaluate" if file else f"{word} is not declared in this module"

    @property
    def heads(self) -> tuple[str, ...]:
        return HEADS + ((self.iterator[0],) if self.iterator is not None else ()) + (("count",) if self.count_index is not None else ())

    @classmethod
    def build(cls, module_dir: str, files: dict[str, bytes]) -> "ModuleScope":
        """`files`: relpath -> body (BOM removed) of the module's .tf and tfvars files."""
        scope = cls(module_dir)
        for relpath in sorted(files):
            body = files[relpath]
            name = posixpath.basename(relpath)
            if name.endswith(".tfvars.json"):
                scope.sources[relpath] = _Source(relpath, body, None)
            else:
                tree = hcl.parse(body)
                scope.sources[relpath] = _Source(relpath, body, tree.root_node)
            if name.endswith((".tfvars", ".tfvars.json")):
                if is_auto_tfvars(relpath):
                    scope.auto_tfvars.append(relpath)
                else:
                    scope.env_tfvars.append(relpath)
            elif name.endswith((".tf", ".hcl")):  # a terragrunt.hcl has locals too
                scope._index_declarations(relpath)
        # Terraform's order: terraform.tfvars, terraform.tfvars.json, then *.auto.tfvars lexically.
        scope.auto_tfvars.sort(key=lambda p: (not posixpath.basename(p).startswith("terraform."), posixpath.basename(p)))
        return scope

    def add_var_file(self, relpath: str, body: bytes) -> None:
        """A tfvars file from outside the module's folder, passed with -var-file: an environment,
        whatever its name (a `terraform.tfvars` elsewhere is loaded by no run on its own)."""
        if relpath.endswith(".json"):
            self.sources[relpath] = _Source(relpath, body, None)
        else:
            self.sources[relpath] = _Source(relpath, body, hcl.parse(body).root_node)
        self.env_tfvars.append(relpath)

    def _index_declarations(self, relpath: str) -> None:
        root = self.sources[relpath].root
        for block in hcl.blocks(hcl.body_of(root)):
            if block.type == "variable" and block.labels:
                self.variables.setdefault(block.labels[0], (relpath, block.node))
            elif block.type == "locals":
                for name, node in hcl.attributes(block.body):
                    self.locals.setdefault(name, (relpath, node))

    # --- evaluation ------------------------------------------------------------------------

    def evaluate(self, expression: Node, relpath: str, depth: int = 0) -> list[Candidate]:
        """Candidates for an expression node of file `relpath`."""
        node = _unwrap(expression)
        text = hcl.text(expression).strip()
        if depth > MAX_DEPTH:
            return [Candidate(_unresolved(text, "too many indirections"))]
        literal = hcl.string_content(node) if node.type == "string_lit" else None
        if literal is not None:
            return [Candidate(self._literal(literal, relpath, node, "literal"))]
        if node.type == "literal_value" and node.named_child_count == 1 and node.named_children[0].type == "null_lit":
            return [Candidate(_null(relpath, node, self.sources[relpath].body))]
        if node.type == "null_lit":
            return [Candidate(_null(relpath, node, self.sources[relpath].body))]
        inner = _sole_interpolation(node)
        if inner is not None:  # "${var.x}": Terraform 0.11 style, the value of var.x
            return self.evaluate(inner, relpath, depth + 1)
        path = _path(expression, self.heads)
        if path is not None and (path[2] or path[0] not in ("var", "local")):
            return self._member(*path, text, depth)
        parts = _path_parts(expression.named_children, self.heads) if path is None and expression.type == "expression" else None
        if parts is not None:  # a computed index: `local.settings[var.env].policy`
            return self._indexed_member(*parts, relpath, text, depth)
        reference = _reference(expression)
        if reference is not None:
            kind, name = reference
            if kind == "var":
                return self._variable(name, depth)
            if kind == "local" and name in self.locals:
                file, attribute = self.locals[name]
                inner = hcl.expression_of(attribute)
                if inner is not None:
                    return [_via(c, f"local.{name}") for c in self.evaluate(inner, file, depth + 1)]
            return [Candidate(_unresolved(text, self.undeclared(kind, name)))]
        if node.type == "function_call":
            return self._function(node, relpath, text, depth)
        if node.type == "conditional":
            return self._conditional(node, relpath, text, depth)
        if _object_of(expression) is not None or _tuple_of(expression) is not None:
            return [Candidate(replace(_unresolved(text), via=_COLLECTION))]
        return [Candidate(_unresolved(text))]

    def _literal(self, value: str, relpath: str, node: Node, kind: str) -> Value:
        body = self.sources[relpath].body
        return Value(
            ValueKind.LITERAL,
            value,
            body.count(b"\n", 0, node.start_byte) + 1,
            file=relpath,
            origin=Spot(relpath, node.start_byte, node.end_byte, kind),
        )

    def _member(self, kind: str, name: str, keys: tuple[str, ...], text: str, depth: int, absent=None) -> list[Candidate]:
        """`var.x.key...` / `local.x.key...`: the element of the object the variable or local holds.
        `absent()`: what a value that leaves the key out gives (lookup's default), where the type does not say."""
        if kind == "var":
            return self._variable(name, depth, keys, absent)
        if kind == "count" and self.count_index is not None:
            if name != "index" or keys:
                return [Candidate(_unresolved(text, "count has only count.index"))]
            return [Candidate(Value(ValueKind.LITERAL, self.count_index, None, via=f"count.index = {self.count_index}"))]
        if kind not in ("var", "local"):  # each, or a dynamic block's iterator
            return self._each(kind, name, keys, text, depth, absent)
        if kind == "local" and name in self.locals:
            file, attribute = self.locals[name]
            inner = hcl.expression_of(attribute)
            if inner is not None:
                absent = absent or (lambda entry=None: _left_out(text, f"local.{name} has no {'.'.join(keys)}"))  # noqa: E731
                return [_via(c, f"local.{name}") for c in self._select(inner, file, keys, absent, depth + 1)]
        return [Candidate(_unresolved(text, self.undeclared(kind, name)))]

    def _binding(self, head: str) -> Each | None:
        """What `each` or a dynamic block's iterator is bound to in this scope."""
        if head == "each":
            return self.each
        return self.iterator[1] if self.iterator is not None and self.iterator[0] == head else None

    def _each(self, head: str, name: str, keys: tuple[str, ...], text: str, depth: int, absent=None) -> list[Candidate]:
        """`each.key` / `each.value...` of the instance this scope is bound to (or `<iterator>.value...`
        of a dynamic block's element): the element of the collection at the instance's key,
        followed wherever that collection comes from."""
        each = self._binding(head)
        if each is None or each.key is None:
            why = each.why if each is not None else ("each is only set under for_each" if head == "each" else f"{head} is not a value")
            return [Candidate(_unresolved(text, why))]
        if name == "key" and not keys:
            return [Candidate(Value(ValueKind.LITERAL, each.key, None, via=f"{head}.key = {each.key!r}"))]
        if name != "value":
            return [Candidate(_unresolved(text, f"{head}.{name} is not {head}.key or {head}.value"))]
        if each.collection is None:  # a set of strings: the value is the key
            if keys:
                return [Candidate(_unresolved(text, f"{head}.value is a string here"))]
            return [Candidate(Value(ValueKind.LITERAL, each.key, None, via=f"{head}.value = {each.key!r}"))]
        absent = absent or (lambda entry=None: _left_out(text, f"the element {each.key!r} has no {'.'.join(keys)}"))  # noqa: E731
        at = each.index if each.index is not None else each.key
        found = self._select(each.collection, each.file, (at, *keys), absent, depth + 1)
        return [_via(c, f"{head}.value ({each.key!r})" if head == "each" else f"dynamic {head}") for c in found]

    def _indexed_member(self, kind: str, names: list, relpath: str, text: str, depth: int) -> list[Candidate]:
        """`local.settings[var.env].policy`: the index evaluated (per environment), then the member it
        names, each environment taking the element its own index picks. One such index at most."""
        dynamic = [i for i, part in enumerate(names) if not isinstance(part, str)]
        if len(dynamic) != 1:
            return [Candidate(_unresolved(text, "more than one computed index"))]
        at = dynamic[0]
        indexes = self.evaluate(names[at], relpath, depth + 1)
        found: list[Candidate] = []
        for index in indexes:
            if index.value.kind is not ValueKind.LITERAL:
                why = index.value.note or "it is not decided from the code"
                found.append(Candidate(_unresolved(text, f"the index {hcl.text(names[at]).strip()}: {why}"), index.environment))
                continue
            keys = tuple(names[1:at]) + (index.value.text,) + tuple(names[at + 1:])
            members = [_via(c, f"index {index.value.text!r}") for c in self._member(kind, names[0], keys, text, depth + 1)]
            if index.environment is None and len(indexes) == 1:
                return members
            chosen = _in_environment(members, index.environment)
            if chosen is None:
                return [Candidate(_unresolved(text, "the element differs per environment in another way than its index"))]
            found.append(Candidate(chosen.value, index.environment))
        return found

    def _select(self, expression: Node, relpath: str, keys: tuple[str, ...], absent, depth: int) -> list[Candidate]:
        """Candidates for the element at `keys` of the object `expression` evaluates to; `absent(entry)`
        gives them where an object literal leaves the key out (a type default may apply; `entry`: where
        the last key would be added to that literal, kind `entry:<key>`, and its line)."""
        if not keys:
            return self.evaluate(expression, relpath, depth + 1)
        text = hcl.text(expression).strip()
        if depth > MAX_DEPTH:
            return [Candidate(_unresolved(text, "too many indirections"))]
        elements = _object_literal(expression)
        if elements is None and keys[0].isdigit():  # a list's element (`for` over a list: each.value)
            elements = dict(_elements(expression)) if _tuple_of(expression) is not None else None
        if elements is not None:
            if keys[0] not in elements:
                node = _object_of(expression)
                entry = None
                if node is not None and len(keys) == 1:  # (where, its line): the literal may be in a caller's file
                    line = self.sources[relpath].body.count(b"\n", 0, node.start_byte) + 1
                    entry = (Spot(relpath, node.start_byte, node.end_byte, f"entry:{keys[0]}"), line)
                return absent(entry)
            return self._select(elements[keys[0]], relpath, keys[1:], absent, depth + 1)
        path = _path(expression, self.heads)
        if path is not None:
            kind, name, inner = path
            # `absent` travels along: where this value (a caller's variable, a local) leaves the key out
            # and its own type does not fill it, the type of the variable it is passed to does
            return self._member(kind, name, inner + keys, f"{text}.{'.'.join(keys)}", depth + 1, absent)
        return [Candidate(_unresolved(f"{text}.{'.'.join(keys)}", "not an object akfix can read"))]

    def _variable(self, name: str, depth: int, keys: tuple[str, ...] = (), absent=None) -> list[Candidate]:
        """The value of `var.name` -- or of its element at `keys` -- per environment."""
        if keys and name in self.variables:
            return self._variable_member(name, keys, depth, absent)
        if name in self.bindings:  # an allowed value being tried: a bool stays an expression, as `true` does
            bound = self.bindings[name]
            if isinstance(bound, bool):
                return [Candidate(Value(ValueKind.EXPRESSION, "true" if bound else "false"))]
            return [Candidate(Value(ValueKind.LITERAL, str(bound), via=f"var.{name} = {bound!r} (an allowed value)"))]
        if name not in self.variables:
            return [Candidate(_unresolved(f"var.{name}", self.undeclared("var", name)))]
        file, block_node = self.variables[name]
        validations = self._validations(file, block_node)
        if self.callers:
            # A called module: each caller's argument decides, else the default. Its own tfvars
            # files are not loaded when it runs as a child module.
            return [Candidate(_with_validations(c.value, validations), c.environment) for c in self._from_callers(name, file, block_node, depth)]
        base: list[Candidate] = []
        for tfvars in reversed(self.auto_tfvars):  # the last loaded file wins
            found = self._tfvars_value(tfvars, name)
            if found is not None:
                base = [Candidate(found)]
                break
        if not base:
            base = self._default(name, file, block_node, depth)
        environments = []
        for tfvars in self.env_tfvars:
            found = self._tfvars_value(tfvars, name)
            if found is not None:
                environments.append(Candidate(found, environment=tfvars))
        candidates = environments + base if environments else base
        return [Candidate(_with_validations(c.value, validations), c.environment) for c in candidates]

    def _default(self, name: str, file: str, block_node: Node, depth: int) -> list[Candidate]:
        default = hcl.attribute(hcl._block(block_node).body, "default")
        if default is not None and hcl.expression_of(default) is not None:
            return [_via(c, f"var.{name} default") for c in self.evaluate(hcl.expression_of(default), file, depth + 1)]
        return [Candidate(_unresolved(f"var.{name}", f"variable {name}{_NO_DEFAULT}"))]

    def _variable_member(self, name: str, keys: tuple[str, ...], depth: int, absent=None) -> list[Candidate]:
        """`var.name.key...`: the element in whatever sets the variable (a caller's argument, a
        tfvars file, the default), or the type's `optional(..., default)` where it is left out --
        or `absent()` (lookup's default) where the type declares no such element (a map, `any`)."""
        reference = f"var.{name}.{'.'.join(keys)}"
        if name in self.bindings:
            return [Candidate(_unresolved(reference, "an allowed value of an object variable"))]
        file, block_node = self.variables[name]
        if absent is None or self.declares(name, keys):
            absent = lambda entry=None: self._type_default(name, keys, depth, entry)  # noqa: E731

        def select(scope: "ModuleScope", relpath: str, expression: Node) -> list[Candidate]:
            return scope._select(expression, relpath, keys, absent, depth + 1)

        def default() -> list[Candidate]:
            node = hcl.attribute(hcl._block(block_node).body, "default")
            expression = hcl.expression_of(node) if node is not None else None
            if expression is None:
                return [Candidate(_unresolved(reference, f"variable {name}{_NO_DEFAULT}"))]
            return [_via(c, f"var.{name} default") for c in select(self, file, expression)]

        if self.callers:
            found: list[Candidate] = []
            for caller in self.callers:
                argument = caller.argument(name)
                why = caller.unread(name) if caller.unread is not None and argument is None else None
                if why is not None:
                    candidates = [Candidate(_unresolved(reference, why))]
                elif argument is not None:
                    candidates = [_via(c, f"{caller.label} argument {name}") for c in select(caller.scope, *argument)]
                else:
                    candidates = default()
                found += [Candidate(c.value, caller.label + (f" ({c.environment})" if c.environment else "")) for c in candidates]
            return found

        def from_tfvars(relpath: str) -> list[Candidate] | None:
            source = self.sources[relpath]
            if source.root is None:  # .tfvars.json: objects there are not read
                return [Candidate(_unresolved(reference, f"{relpath} sets {name} in JSON"))] if _json_sets(source, name) else None
            node = hcl.attribute(hcl.body_of(source.root), name)
            expression = hcl.expression_of(node) if node is not None else None
            return select(self, relpath, expression) if expression is not None else None

        base = next((found for found in map(from_tfvars, reversed(self.auto_tfvars)) if found is not None), None) or default()
        environments = []
        for tfvars in self.env_tfvars:
            for candidate in from_tfvars(tfvars) or ():
                if candidate.environment is None:
                    environments.append(Candidate(candidate.value, tfvars))
        return environments + base if environments else base

    def declares(self, name: str, keys: tuple[str, ...]) -> bool:
        """The variable's object type declares the element at `keys` (so a value without it has the
        type's default); with no keys, the variable's type is an object."""
        if name not in self.variables:
            return False
        file, block_node = self.variables[name]
        node = hcl.attribute(hcl._block(block_node).body, "type")
        kind = hcl.expression_of(node) if node is not None else None
        for at, key in enumerate(keys):
            element = _element_type(kind, key) if kind is not None else None
            if element is None:
                return False
            if at == len(keys) - 1 and _object_type_fields(kind) is None:
                return False  # a map's key: any may be left out (lookup's default applies)
            kind = element[0]
        return bool(keys) or (kind is not None and _object_type_fields(kind) is not None)

    def _type_default(self, name: str, keys: tuple[str, ...], depth: int, entry: tuple[Spot, int] | None = None) -> list[Candidate]:
        """An object element left out of the value: the default its type gives it,
        `optional(string, "azure")`; null (no engine) where `optional(string)` gives none -- written,
        where the value is an object literal (`entry`), as a new element of that literal."""
        file, block_node = self.variables[name]
        reference = f"var.{name}.{'.'.join(keys)}"
        node = hcl.attribute(hcl._block(block_node).body, "type")
        kind = hcl.expression_of(node) if node is not None else None
        for at, key in enumerate(keys):
            element = _element_type(kind, key) if kind is not None else None
            if element is None:
                return [Candidate(_unresolved(reference, f"the type of variable {name} does not declare {key}"))]
            kind, default, optional = element
            if at < len(keys) - 1:
                continue
            if default is None:
                if optional and _COMPARING.get():
                    return [Candidate(Value(ValueKind.MISSING, None, None, via=f"var.{name} type default (optional, null)"))]
                if optional and entry is not None:  # null; a fix adds the element to the literal that leaves it out
                    spot, line = entry
                    return [Candidate(Value(ValueKind.MISSING, None, line, file=spot.file, origin=spot,
                                            via=f"var.{name}: {keys[-1]} left out (optional(), null)"))]
                if optional:  # optional(string): null, and no literal to rewrite
                    return [Candidate(_unresolved(reference, f"var.{name} leaves out {'.'.join(keys)}, whose optional() type default is null: set it in the value of var.{name}"))]
                return [Candidate(_unresolved(reference, f"{'.'.join(keys)} is required by the type of var.{name} but left out"))]
            found = [_via(c, f"var.{name} type default") for c in self.evaluate(default, file, depth + 1)]
            if entry is not None and optional and entry[0].file.endswith(".tfvars"):
                # an environment's object literal that leaves the element out: a fix adds the element there, for
                # that environment only, not to the type's default, which every other value leaving it out reads
                spot, line = entry
                found = [replace(c, value=replace(c.value, file=spot.file, origin=spot, line=line))
                         if c.value.kind is ValueKind.LITERAL and c.value.origin is not None else c for c in found]
            return found
        return [Candidate(_unresolved(reference))]

    def _from_callers(self, name: str, file: str, block_node: Node, depth: int) -> list[Candidate]:
        found: list[Candidate] = []
        for caller in self.callers:
            found_argument = caller.argument(name)
            why = caller.unread(name) if caller.unread is not None and found_argument is None else None
            if why is not None:
                candidates = [Candidate(_unresolved(f"var.{name}", why))]
            elif found_argument is not None:
                relpath, expression = found_argument
                candidates = [_via(c, f"{caller.label} argument {name}") for c in caller.scope.evaluate(expression, relpath, depth + 1)]
            else:
                argument_at = Spot(caller.relpath, caller.block.start_byte, caller.block.end_byte, f"argument:{name}")
                candidates = [replace(c, value=replace(c.value, caller_origin=argument_at)) if c.value.origin else c
                              for c in self._default(name, file, block_node, depth)]
            for candidate in candidates:
                label = caller.label + (f" ({candidate.environment})" if candidate.environment else "")
                found.append(Candidate(candidate.value, label))
        return found

    def _tfvars_value(self, relpath: str, name: str) -> Value | None:
        source = self.sources[relpath]
        if source.root is None:
            return _json_tfvars_value(source, name)
        node = hcl.attribute(hcl.body_of(source.root), name)
        if node is None:
            return None
        expression = hcl.expression_of(node)
        if expression is None:
            return None
        inner = _unwrap(expression)
        literal = hcl.string_content(inner) if inner.type == "string_lit" else None
        if literal is not None:
            return self._literal(literal, relpath, inner, "tfvars")
        if hcl.is_null(expression):
            return _null(relpath, inner, source.body)
        value = _unresolved(hcl.text(expression), f"{relpath} sets {name} to an expression")
        return replace(value, via=_COLLECTION) if _object_of(expression) is not None or _tuple_of(expression) is not None else value

    def _validations(self, relpath: str, block_node: Node) -> tuple[Validation, ...]:
        """Lists of engine names inside `validation { condition = ... }`: extended by a fix so the
        new value still passes `terraform validate`."""
        found = []
        block = hcl._block(block_node)
        for validation in hcl.blocks(block.body):
            if validation.type != "validation":
                continue
            condition = hcl.attribute(validation.body, "condition")
            for tuple_node in hcl.descend(condition, "tuple"):
                items = [_unwrap(c) for c in tuple_node.named_children if c.type == "expression"]
                words = [hcl.string_content(i) if i.type == "string_lit" else None for i in items]
                if items and all(w is not None for w in words) and ENGINE_WORDS & set(words):
                    last = items[-1]
                    body = self.sources[relpath].body
                    found.append(Validation(relpath, last.end_byte, tuple(words), body.count(b"\n", 0, last.end_byte) + 1))
            found += _regex_alternatives(condition, relpath, self.sources[relpath].body)
            chain = _comparison_chain(condition)
            if chain is not None:
                compared, words, last = chain
                body = self.sources[relpath].body
                found.append(Validation(relpath, last.end_byte, words, body.count(b"\n", 0, last.end_byte) + 1, compare=compared))
        return tuple(found)

    def _function(self, node: Node, relpath: str, text: str, depth: int) -> list[Candidate]:
        name = hcl.text(node.child(0))
        arguments = next((c for c in node.children if c.type == "function_arguments"), None)
        args = [c for c in arguments.children if c.type == "expression"] if arguments is not None else []
        if name == "try" and args:
            return self._try(args, relpath, text, depth)
        if name == "coalesce" and args:
            # coalesce() skips null and "" and takes the first other value.
            for arg in args:
                candidates = self.evaluate(arg, relpath, depth + 1)
                if any(c.value.kind is ValueKind.EXPRESSION for c in candidates):
                    return [Candidate(_unresolved(text))]
                if len(candidates) > 1:
                    return [Candidate(_unresolved(text, "coalesce over a value that differs per environment"))]
                if candidates[0].value.kind is ValueKind.LITERAL and candidates[0].value.text:
                    return candidates
            return [Candidate(MISSING)]
        if name == "lookup" and len(args) in (2, 3):
            return self._lookup(args, relpath, text, depth)
        return [Candidate(_unresolved(text))]

    def _try(self, args: list[Node], relpath: str, text: str, depth: int) -> list[Candidate]:
        """try() falls back only on errors: a declared variable or local never errors; an object
        element that is not there does (`try(each.value.mode, null)`) and the next argument counts --
        per environment, since one tfvars file may hold the element and another not."""
        trying = _TRYING.set(True)
        try:
            found = self.evaluate(args[0], relpath, depth + 1)
        finally:
            _TRYING.reset(trying)
        out: list[Candidate] = []
        rest: list[Candidate] | None = None
        for candidate in found:
            if candidate.value.via.endswith(_ABSENT):
                if rest is None:
                    rest = self._try(args[1:], relpath, text, depth + 1) if len(args) > 1 else [
                        Candidate(_unresolved(text, "every argument of try() fails"))]
                chosen = _in_environment(rest, candidate.environment)
                out.append(Candidate(chosen.value, candidate.environment) if chosen is not None else Candidate(
                    _unresolved(text, "the fallback differs per environment"), candidate.environment))
            elif candidate.value.kind is ValueKind.EXPRESSION:
                out.append(Candidate(_unresolved(text, candidate.value.note), candidate.environment))
            else:
                out.append(candidate)
        return out

    def _lookup(self, args: list[Node], relpath: str, text: str, depth: int) -> list[Candidate]:
        """`lookup(map, key[, default])`: the element, read from whatever sets the map (a caller's
        argument, a tfvars file, the default, a local), else the default; without one Terraform fails."""
        keys = self.evaluate(args[1], relpath, depth + 1)
        if len(keys) != 1 or keys[0].value.kind is not ValueKind.LITERAL:
            return [Candidate(_unresolved(text, "the key is not a literal"))]
        key = keys[0].value.text
        if len(args) == 3:
            absent = lambda entry=None: [_via(c, f"lookup default (no {key} in the map)") for c in self.evaluate(args[2], relpath, depth + 1)]  # noqa: E731
        else:
            absent = lambda entry=None: _left_out(text, f"the map has no {key}: Terraform fails without a default")  # noqa: E731
        elements = _object_literal(args[0])
        if elements is not None:
            return self.evaluate(elements[key], relpath, depth + 1) if key in elements else absent()
        path = _path(args[0], self.heads)
        if path is None:
            return [Candidate(_unresolved(text))]
        kind, name, inner = path
        return self._member(kind, name, (*inner, key), text, depth + 1, absent)

    # --- for_each instances ----------------------------------------------------------------

    def for_each_keys(self, expression: Node, relpath: str) -> list[Instances] | str:
        """The instances a `for_each = <expression>` makes, per environment (a -var-file, a caller):
        the keys of the map it evaluates to -- an object literal, directly or behind variables,
        tfvars files, callers and locals -- the strings of `toset([...])`, or the keys a `for`
        expression gives a list or map of objects (`{ for c in var.clusters : c.name => c }`). A
        reason where akfix cannot list them (a filtered or reshaped `for`, a data source, JSON)."""
        strings = _string_set(expression)
        if strings is not None:
            return [Instances(None, relpath, strings, True)]
        loop = _for_object(expression)
        if loop is not None:
            return self._loop_keys(loop, relpath)
        found = self._values_of(expression, relpath, (), 0)
        if isinstance(found, str):
            return found
        listed = []
        for environment, file, node in found:
            elements = _object_literal(node)
            if elements is None:
                return f"{hcl.text(node).strip()[:60]} is not a map"
            computed = next((k for k in elements if k.startswith("(") or "${" in k), None)
            if computed is not None:
                return f"the key {computed} is computed"
            listed.append(Instances(environment, file, tuple(elements), False))
        return listed

    def count_indexes(self, expression: Node, relpath: str) -> list[Instances] | str:
        """The instances `count = <expression>` makes, per environment: a whole number, or
        `length(<list>)` of a list literal followed like a value (variables, tfvars, callers, locals);
        their keys are the indexes "0", "1", ... A reason where akfix cannot count them."""
        node = _unwrap(expression)
        if node.type == "numeric_lit" and hcl.text(node).strip().isdigit():
            return [Instances(None, relpath, tuple(str(i) for i in range(int(hcl.text(node)))), False)]
        arguments = _call(expression, "length")
        if arguments is None:  # a number behind variables, tfvars, locals, a decidable ternary
            found = self.evaluate(expression, relpath)
            # a number stays an expression to the evaluator (settings are strings): its text is the number
            numbers = [(c, (c.value.text or "").strip()) for c in found if c.value.kind is not ValueKind.MISSING]
            if not found or len(numbers) != len(found) or any(not n.isdigit() for _, n in numbers):
                return f"count = {hcl.text(expression).strip()[:60]} is neither a number nor length() of a list akfix reads"
            return [Instances(c.environment, c.value.file or relpath, tuple(str(i) for i in range(int(n))), False) for c, n in numbers]
        if len(arguments) != 1:
            return "length() takes one argument"
        found = self._values_of(arguments[0], relpath, (), 0)
        if isinstance(found, str):
            return found
        listed = []
        for environment, file, value in found:
            if _tuple_of(value) is None:
                return f"{hcl.text(value).strip()[:60]} is not a list"
            listed.append(Instances(environment, file, tuple(index for index, _ in _elements(value)), False))
        return listed

    def instances(self, collection: Node, relpath: str) -> list[tuple[Instances, Each]] | str:
        """Every instance of `for_each = <collection>` (file `relpath`): where it is listed, and the
        binding of each.key / each.value that reads it; a reason where they cannot be listed."""
        listed = self.for_each_keys(collection, relpath)
        if isinstance(listed, str):
            return listed
        if not any(instances.keys for instances in listed):  # a reusable module's `default = {}`
            return "it has no instances in any run here (its callers are not in this tree)"
        loop = _for_object(collection)
        source = loop.source if loop is not None else collection
        return [(instances, Each(key, None if instances.strings else source, relpath,
                                 index=instances.indexes[position] if instances.indexes else None,
                                 environment=instances.environment))
                for instances in listed for position, key in enumerate(instances.keys)]

    def sole_element(self, collection: Node, relpath: str) -> Each | str:
        """The one element a dynamic block's `for_each = <collection>` renders in every run, as a
        binding for its iterator; a reason where some run renders no block, several, or akfix cannot
        tell (rendered() says which runs render one)."""
        found = self.rendered(collection, relpath)
        if isinstance(found, str):
            return found
        elements = set(found.values())
        if None in elements:
            return f"{hcl.text(collection).strip()} renders no block in some run"
        if len(elements) != 1:
            return f"{hcl.text(collection).strip()} renders its block from a different element per run"
        return elements.pop()

    def rendered(self, collection: Node, relpath: str) -> dict[str | None, Each | None] | str:
        """Per environment (None: every run not named), what a dynamic block's `for_each =
        <collection>` renders: the one element, as a binding for its iterator, or None for no block.
        `[X]`; `cond ? [X] : []` with the condition decided per environment (`X != null` where X is an
        object in one run and null in another); a value that is a list or map of at most one element
        wherever it is set. A reason where some run renders several blocks or akfix cannot tell."""
        node = _unwrap(collection)
        if node.type != "conditional":
            return self._one_element(collection, relpath)
        parts = [c for c in node.children if c.type == "expression"]
        cases = self._condition(parts[0], relpath, 0) if len(parts) == 3 else None
        if cases is None:
            return f"whether {hcl.text(parts[0] if parts else node).strip()} holds is not decided from the code"
        found: dict[str | None, Each | None] = {}
        for environment, holds in cases.items():
            branch = self._one_element(parts[1] if holds else parts[2], relpath)
            if isinstance(branch, str) or set(cases) == {None}:
                return branch
            if environment not in branch and None not in branch:
                return f"{hcl.text(collection).strip()} differs per run in another way than its condition"
            found[environment] = branch.get(environment, branch.get(None))
        return found

    def _one_element(self, collection: Node, relpath: str) -> dict[str | None, Each | None] | str:
        """Per environment, the element a collection renders a block from, or None where it is empty
        (no block); a reason where some run renders several or akfix cannot list it."""
        text = hcl.text(collection).strip()
        if _tuple_of(collection) is not None:
            items = _elements(collection)
            if len(items) > 1:
                return f"{text} renders {len(items)} blocks"
            return {None: Each("0", collection, relpath, index="0") if items else None}
        if _object_literal(collection) == {}:
            return {None: None}
        found = self._values_of(collection, relpath, (), 0)
        if isinstance(found, str):
            return found
        per_run: dict[str | None, Each | None] = {}
        for environment, _file, literal in found:
            elements = dict(_elements(literal)) if _tuple_of(literal) is not None else _object_literal(literal) or {}
            if len(elements) > 1:
                return f"{text} renders {len(elements)} blocks in some run"
            index = next(iter(elements), None)
            element = Each(index, collection, relpath, index=index) if index is not None else None
            if per_run.setdefault(environment, element) != element:
                return f"{text} is set twice for one run"
        return per_run

    def _values_of_path(self, kind: str, name: str, keys: tuple[str, ...], depth: int) -> list[tuple[str | None, str, Node]] | str:
        """_values_of for `kind.name.keys...`: a local, a variable, or the element each / a dynamic
        block's iterator is bound to."""
        if kind == "local":
            if name not in self.locals:
                return self.undeclared("local", name)
            file, attribute = self.locals[name]
            inner = hcl.expression_of(attribute)
            return self._values_of(inner, file, keys, depth + 1) if inner is not None else f"local.{name} is empty"
        if kind == "var":
            return self._variable_values(name, keys, depth)
        binding = self._binding(kind)
        if binding is None or binding.key is None or binding.collection is None or name != "value":
            return f"{kind}.{name} is not a collection akfix can list"
        at = binding.index if binding.index is not None else binding.key
        return self._values_of(binding.collection, binding.file, (at, *keys), depth + 1)

    def _loop_keys(self, loop: _ForObject, relpath: str) -> list[Instances] | str:
        """`{ for k, v in SRC : k => v }` (SRC's own keys) and `{ for v in SRC : v.name => v }` (each
        element's name, SRC a list of objects, or a map read with `k, v`): each.value is SRC's element."""
        if loop.condition:
            return "the for expression filters its elements (if ...)"
        if loop.value != (loop.value_name,):
            return "the for expression reshapes its elements"
        if loop.key is None:
            return "the for expression computes its keys"
        found = self._values_of(loop.source, relpath, (), 0)
        if isinstance(found, str):
            return found
        listed = []
        for environment, file, node in found:
            if loop.key == (loop.key_name,) and loop.key_name != loop.value_name:  # `k => v`: the map's own keys
                elements = _object_literal(node)
                if elements is None:
                    return "the for expression's keys come from a collection that is not a map"
                listed.append(Instances(environment, file, tuple(elements), False, tuple(elements)))
                continue
            if loop.key[:1] != (loop.value_name,) or len(loop.key) != 2:
                return "the for expression's key is not an attribute of the element"
            items = _elements(node) if _tuple_of(node) is not None else list((_object_literal(node) or {}).items())
            keys = []
            for _index, item in items:
                named = _object_literal(item)
                name = named.get(loop.key[1]) if named is not None else None
                literal = _unwrap(name) if name is not None else None
                if literal is None or literal.type != "string_lit":
                    return f"an element's {loop.key[1]} is not a literal"
                keys.append(hcl.string_content(literal))
            if len(set(keys)) != len(keys):
                return f"two elements share a {loop.key[1]} (Terraform refuses duplicate keys)"
            listed.append(Instances(environment, file, tuple(keys), False, tuple(index for index, _ in items)))
        return listed

    def _values_of(self, expression: Node, relpath: str, keys: tuple[str, ...], depth: int) -> list[tuple[str | None, str, Node]] | str:
        """(environment, file, literal) of the object or tuple literal an expression evaluates to, per
        environment, followed like a value: variables (tfvars, -var-file, callers, default) and locals."""
        text = hcl.text(expression).strip()
        if depth > MAX_DEPTH:
            return "too many indirections"
        if _object_of(expression) is not None or _tuple_of(expression) is not None:
            if not keys:
                return [(None, relpath, expression)]
            elements = _object_literal(expression) if _object_of(expression) is not None else dict(_elements(expression))
            if elements is None or keys[0] not in elements:
                return f"{text[:60]} has no {keys[0]}"
            return self._values_of(elements[keys[0]], relpath, keys[1:], depth + 1)
        path = _path(expression, self.heads)
        if path is None:
            return f"{text} is not a collection akfix can list"
        kind, name, inner = path
        return self._values_of_path(kind, name, inner + keys, depth)

    def _variable_values(self, name: str, keys: tuple[str, ...], depth: int) -> list[tuple[str | None, str, Node]] | str:
        """`var.name...` as a collection: its literal wherever its value is set, as _variable reads it."""
        if name not in self.variables:
            return self.undeclared("var", name)
        file, block_node = self.variables[name]

        required = f"variable {name} has no default"

        def default() -> list[tuple[str | None, str, Node]] | str:
            node = hcl.attribute(hcl._block(block_node).body, "default")
            expression = hcl.expression_of(node) if node is not None else None
            return self._values_of(expression, file, keys, depth + 1) if expression is not None else required

        if self.callers:
            found: list[tuple[str | None, str, Node]] = []
            for caller in self.callers:
                argument = caller.argument(name)
                why = caller.unread(name) if caller.unread is not None and argument is None else None
                listed = why or (caller.scope._values_of(argument[1], argument[0], keys, depth + 1) if argument is not None else default())
                if isinstance(listed, str):
                    return listed
                found += [(caller.label + (f" ({environment})" if environment else ""), at, node) for environment, at, node in listed]
            return found

        def from_tfvars(relpath: str) -> list[tuple[str | None, str, Node]] | str | None:
            source = self.sources[relpath]
            if source.root is None:
                return f"{relpath} sets {name} in JSON" if _json_sets(source, name) else None
            node = hcl.attribute(hcl.body_of(source.root), name)
            expression = hcl.expression_of(node) if node is not None else None
            return self._values_of(expression, relpath, keys, depth + 1) if expression is not None else None

        base = next((found for found in map(from_tfvars, reversed(self.auto_tfvars)) if found is not None), None) or default()
        environments: list[tuple[str | None, str, Node]] = []
        for tfvars in self.env_tfvars:
            listed = from_tfvars(tfvars)
            if isinstance(listed, str):
                return listed
            environments += [(tfvars, at, node) for environment, at, node in listed or () if environment is None]
        if base is required:  # runs without a -var-file fail without a value; the environments list theirs
            return environments or required
        if isinstance(base, str):  # e.g. `default = null`: a run without a -var-file has no collection to list
            return base
        return base + environments

    def object_variable(self, expression: Node | None) -> str | None:
        """The name of the variable an expression is, where that variable is typed as an object."""
        reference = _reference(expression) if expression is not None else None
        if reference is None or reference[0] != "var" or not self.declares(reference[1], ()):
            return None
        return reference[1]

    def variable(self, name: str) -> list[Candidate]:
        """The value of `var.name` per environment (each caller's, each tfvars file's, the default)."""
        return self._variable(name, 0)

    def variable_member(self, name: str, keys: tuple[str, ...]) -> list[Candidate]:
        """`var.name.key...` per environment: a caller's argument, a tfvars file, the default, the type's default."""
        return self._member("var", name, keys, f"var.{name}.{'.'.join(keys)}", 0)

    def local_object(self, expression: Node, relpath: str) -> tuple[str, dict[str, Node]] | None:
        """(file, key -> value expression) of the object literal an expression holds, directly or
        behind locals; None where it is anything else. Not behind a variable: a default says nothing
        about what the callers pass."""
        return self._object(expression, relpath, 0)

    def _object(self, expression: Node, relpath: str, depth: int) -> tuple[str, dict[str, Node]] | None:
        """An object literal, directly or behind locals."""
        elements = _object_literal(expression)
        if elements is not None:
            return relpath, elements
        reference = _reference(expression)
        if reference is None or depth > MAX_DEPTH:
            return None
        kind, name = reference
        if kind == "local" and name in self.locals:
            file, attribute = self.locals[name]
            return self._object(hcl.expression_of(attribute), file, depth + 1)
        return None

    def _conditional(self, node: Node, relpath: str, text: str, depth: int) -> list[Candidate]:
        """A ternary whose condition the code decides. A condition on a value that differs per
        environment (a tfvars file, a caller of a shared module) is decided per environment, and each
        gets the branch its own condition picks."""
        parts = [c for c in node.children if c.type == "expression"]
        if len(parts) != 3:
            return [Candidate(_unresolved(text))]
        cases = self._condition(parts[0], relpath, depth)
        if cases is None:
            return [Candidate(_unresolved(text, "the condition cannot be decided from the code"))]
        if set(cases) == {None}:
            return self.evaluate(parts[1] if cases[None] else parts[2], relpath, depth + 1)
        found: list[Candidate] = []
        for environment, decided in cases.items():
            branch = self.evaluate(parts[1] if decided else parts[2], relpath, depth + 1)
            chosen = _in_environment(branch, environment)
            if chosen is None:
                return [Candidate(_unresolved(text, "the branch differs per environment in another way than the condition"))]
            found.append(Candidate(chosen.value, environment))
        return found

    def _condition(self, expression: Node, relpath: str, depth: int) -> dict[str | None, bool] | None:
        """The condition's value per environment (None: every run); None where the code does not
        decide it for every environment. `a == b`, `x != null` (x an object in one run, null in
        another), `!a`, `a && b`, `a || b`, a bool variable."""
        node = _unwrap(expression)
        raw = hcl.text(node).strip()
        if raw in ("true", "false"):
            return {None: raw == "true"}
        if _path(expression, self.heads) is not None:
            return self._truth([expression], relpath, depth)
        if node.type != "operation":
            return None
        inner = node.named_children[0] if node.named_child_count == 1 else node
        if inner.type == "unary_operation" and inner.children and inner.children[0].type == "!":
            cases = self._truth([c for c in inner.children[1:] if c.is_named], relpath, depth)  # `!(...)`: no parentheses
            return {environment: not holds for environment, holds in cases.items()} if cases is not None else None
        at = next((i for i, c in enumerate(inner.children) if c.type in ("==", "!=", "&&", "||")), None)
        if inner.type != "binary_operation" or at is None:
            return None
        operator = inner.children[at].type
        # the grammar may leave a side's parentheses as bare tokens of the operation
        left, right = ([c for c in side if c.is_named] for side in (inner.children[:at], inner.children[at + 1:]))
        if operator in ("&&", "||"):
            return _combine(self._truth(left, relpath, depth), self._truth(right, relpath, depth), operator == "||")
        # `var.x == "azure"`: tree-sitter-hcl puts var.x's two nodes straight in the operation
        comparing = _COMPARING.set(True)
        try:
            a = self._operand(left, relpath, depth)
            b = self._operand(right, relpath, depth)
        finally:
            _COMPARING.reset(comparing)
        if a is None or b is None:
            return None

        def compare(first: Value, second: Value) -> bool | None:
            if ValueKind.EXPRESSION in (first.kind, second.kind):
                if {first.kind, second.kind} != {ValueKind.EXPRESSION, ValueKind.MISSING} or not _collection(first, second):
                    return None
                same = False  # `x != null`, x an object or list literal in this run: never null
            else:
                same = first.text == second.text and first.kind is second.kind
            return same if operator == "==" else not same
        return _per_environment([a, b], compare, self._only())

    def _only(self) -> str | None | bool:
        """The one environment this scope's for_each instance is listed in (False: no such limit):
        a condition need not be decided in runs that do not make the instance."""
        return self.each.environment if self.each is not None and self.each.environment is not None else False

    def _truth(self, nodes: list[Node], relpath: str, depth: int) -> dict[str | None, bool] | None:
        """A condition given as the grammar's nodes: one expression, or `var.x` / `each.value.x` as
        the variable_expr and get_attr nodes an operation holds (a bool, read per environment)."""
        if len(nodes) == 1 and _path(nodes[0], self.heads) is None:
            return self._condition(nodes[0], relpath, depth + 1)
        operand = self._operand(nodes[0].named_children if len(nodes) == 1 else nodes, relpath, depth)
        return _per_environment([operand], _as_bool, self._only()) if operand is not None else None

    def _operand(self, nodes: list[Node], relpath: str, depth: int) -> list[Candidate] | None:
        """Candidates of one side of a comparison: one expression node, or `var.x` / `local.x` as
        the variable_expr and get_attr nodes the grammar gives."""
        if len(nodes) == 1:
            return self.evaluate(nodes[0], relpath, depth + 1)
        path = _path_of(nodes, self.heads)
        if path is None:
            return None
        kind, name, keys = path
        if keys:
            return self._member(kind, name, keys, "".join(hcl.text(n) for n in nodes), depth + 1)
        if kind == "var":
            return self._variable(name, depth + 1)
        if name in self.locals:
            file, attribute = self.locals[name]
            inner = hcl.expression_of(attribute)
            return self.evaluate(inner, file, depth + 1) if inner is not None else None
        return None


def _in_environment(candidates: list[Candidate], environment: str | None) -> Candidate | None:
    """The one candidate a run in `environment` gets: its own, else the one every run gets."""
    own = [c for c in candidates if c.environment == environment]
    shared = [c for c in candidates if c.environment is None]
    chosen = own or shared
    return chosen[0] if len(chosen) == 1 else None


def _per_environment(sides: list[list[Candidate]], decide, only: str | None | bool = False) -> dict[str | None, bool] | None:
    """`decide(*values)` for every environment any side names (or once, when none does) -- or for
    `only` that one (a for_each instance listed in one environment); None when a side has no single
    value there or `decide` cannot tell."""
    environments: list[str | None] = sorted({c.environment for side in sides for c in side if c.environment is not None})
    if only is not False:
        environments = [only]
    elif not environments or all(any(c.environment is None for c in side) for side in sides):
        environments.append(None)  # runs without a -var-file: the values every run shares
    if environments[-1] is None and len(environments) > 1 and any(
            c.environment is None and required_unset(c.value) for side in sides for c in side):
        environments.pop()  # a required variable the -var-files set: a run without one fails, so there is none
    decided: dict[str | None, bool] = {}
    for environment in environments:
        values = [_in_environment(side, environment) for side in sides]
        if None in values:
            return None
        result = decide(*(v.value for v in values))
        if result is None:
            return None
        decided[environment] = result
    return decided


def _combine(left: dict[str | None, bool] | None, right: dict[str | None, bool] | None, either: bool) -> dict[str | None, bool] | None:
    """`left || right` (either) or `left && right`, per environment as _per_environment pairs them.
    One side alone decides where it settles the result (true for `||`, false for `&&`)."""
    sides = (left, right)
    environments: list[str | None] = sorted({e for side in sides if side for e in side if e is not None})
    if not environments or all(side is None or None in side for side in sides):
        environments.append(None)
    decided: dict[str | None, bool] = {}
    for environment in environments:
        values = [side.get(environment, side.get(None)) if side is not None else None for side in sides]
        if either in values:
            decided[environment] = either
        elif None in values:
            return None
        else:
            decided[environment] = not either
    return decided


def _collection(*values: Value) -> bool:
    """One of the values is an object or list written out (evaluate() leaves those as expressions,
    marked): a value that is never null."""
    return any(v.kind is ValueKind.EXPRESSION and v.via.endswith(_COLLECTION) for v in values)


def _as_bool(value: Value) -> bool | None:
    """A bool variable's value: values.py keeps `true`/`false` as expressions (they are no engine)."""
    return {"true": True, "false": False}.get(value.text or "") if value.kind is ValueKind.EXPRESSION else None


def _unwrap(node: Node) -> Node:
    """The meaningful node inside `expression` / `literal_value` wrappers."""
    while node.type in ("expression", "literal_value", "template_expr") and node.named_child_count == 1:
        node = node.named_children[0]
    return node


def _sole_interpolation(node: Node) -> Node | None:
    """The expression of a string that is one interpolation and nothing else (`"${var.x}"`)."""
    if node.type != "quoted_template":
        return None
    parts = [c for c in node.named_children if c.type not in ("quoted_template_start", "quoted_template_end")]
    if len(parts) != 1 or parts[0].type != "template_interpolation":
        return None
    inner = [c for c in parts[0].named_children if c.type == "expression"]
    return inner[0] if len(inner) == 1 else None


HEADS = ("var", "local", "each")  # the names a value path starts with (a dynamic block adds its iterator)


def _path(expression: Node, heads: tuple[str, ...] = HEADS) -> tuple[str, str, tuple[str, ...]] | None:
    """("var"|"local"|..., name, keys) for `var.name`, `var.name.key`, `local.name["key"]` ... with
    attribute names and string indexes only."""
    return _path_of(expression.named_children, heads) if expression.type == "expression" else None


def _path_of(nodes: list[Node], heads: tuple[str, ...] = HEADS) -> tuple[str, str, tuple[str, ...]] | None:
    parts = _path_parts(nodes, heads)
    if parts is None or not all(isinstance(part, str) for part in parts[1]):
        return None
    kind, names = parts
    return kind, names[0], tuple(names[1:])


def _path_parts(nodes: list[Node], heads: tuple[str, ...] = HEADS) -> tuple[str, list[str | Node]] | None:
    """(head, [name, key, ...]) of `var.name.key["k"][expr]`: attribute names and string indexes as
    text, any other index as the node of its expression (`local.settings[var.env]`)."""
    if len(nodes) < 2 or nodes[0].type != "variable_expr" or hcl.text(nodes[0]).strip() not in heads:
        return None
    names: list[str | Node] = []
    for node in nodes[1:]:
        if node.type == "get_attr" and node.named_child_count:
            names.append(hcl.text(node.named_children[-1]))
        elif node.type == "index" and names:
            inner = [c for c in node.named_children[0].named_children if c.type == "expression"] if node.named_child_count else []
            if len(inner) != 1:
                return None
            key = _unwrap(inner[0])
            if key.type == "numeric_lit" and hcl.text(key).strip().isdigit():  # a list's element: `var.clusters[0]`
                names.append(hcl.text(key).strip())
            else:
                names.append(hcl.string_content(key) if key.type == "string_lit" else inner[0])
        else:
            return None
    if not names or not isinstance(names[0], str):
        return None
    return hcl.text(nodes[0]).strip(), names


def _object_of(expression: Node) -> Node | None:
    """The `object` node an expression is (inside its wrappers), else None."""
    node = _unwrap(expression)
    if node.type == "collection_value" and node.named_child_count == 1:
        node = node.named_children[0]
    return node if node.type == "object" else None


def _object_literal(expression: Node) -> dict[str, Node] | None:
    """key -> value expression of an object literal (`{ a = "x", "b" = null }`), else None."""
    node = _object_of(expression)
    if node is None:
        return None
    elements: dict[str, Node] = {}
    for element in (c for c in node.children if c.type == "object_elem"):
        parts = [c for c in element.children if c.type == "expression"]
        if len(parts) == 2:
            key = _unwrap(parts[0])
            elements[hcl.string_content(key) if key.type == "string_lit" else hcl.text(key).strip()] = parts[1]
    return elements


def _tuple_of(expression: Node) -> Node | None:
    """The `tuple` node an expression is (a list literal), else None."""
    node = _unwrap(expression)
    if node.type == "collection_value" and node.named_child_count == 1:
        node = node.named_children[0]
    return node if node.type == "tuple" else None


def _elements(expression: Node) -> list[tuple[str, Node]]:
    """(index, element expression) of a list literal."""
    node = _tuple_of(expression)
    items = [c for c in node.named_children if c.type == "expression"] if node is not None else []
    return [(str(index), item) for index, item in enumerate(items)]


def _for_object(expression: Node) -> _ForObject | None:
    """The parts of `{ for k, v in source : key => value if cond }`, keys and values as name paths
    (`v.name` -> ("v", "name")); None for any other expression."""
    node = _unwrap(expression)
    if node.type == "for_expr" and node.named_child_count == 1:
        node = node.named_children[0]
    if node.type != "for_object_expr":
        return None
    intro = next((c for c in node.children if c.type == "for_intro"), None)
    if intro is None:
        return None
    names = [hcl.text(c) for c in intro.children if c.type == "identifier"]
    source = next((c for c in intro.children if c.type == "expression"), None)
    parts = [c for c in node.children if c.type == "expression"]
    if source is None or len(parts) != 2 or not 1 <= len(names) <= 2:
        return None

    def names_of(part: Node) -> tuple[str, ...] | None:
        if part.named_child_count == 1 and part.named_children[0].type == "variable_expr":
            return (hcl.text(part.named_children[0]).strip(),)
        return _path_parts_any(part.named_children)

    return _ForObject(names[0] if len(names) == 2 else None, names[-1], source, names_of(parts[0]), names_of(parts[1]),
                      any(c.type == "for_cond" for c in node.children))


def _path_parts_any(nodes: list[Node]) -> tuple[str, ...] | None:
    """`v.name` / `v["name"]` as ("v", "name"): a for expression's own variable and string keys."""
    if len(nodes) < 2 or nodes[0].type != "variable_expr":
        return None
    names = [hcl.text(nodes[0]).strip()]
    for node in nodes[1:]:
        if node.type == "get_attr" and node.named_child_count:
            names.append(hcl.text(node.named_children[-1]))
        elif node.type == "index" and node.named_child_count:
            inner = [c for c in node.named_children[0].named_children if c.type == "expression"]
            key = _unwrap(inner[0]) if len(inner) == 1 else None
            if key is None or key.type != "string_lit":
                return None
            names.append(hcl.string_content(key))
        else:
            return None
    return tuple(names)


def _string_set(expression: Node) -> tuple[str, ...] | None:
    """The strings of `toset(["a", "b"])`: a for_each over a set of string literals."""
    arguments = _call(expression, "toset")
    node = _unwrap(arguments[0]) if arguments is not None and len(arguments) == 1 else None
    if node is not None and node.type == "collection_value" and node.named_child_count == 1:
        node = node.named_children[0]
    if node is None or node.type != "tuple":
        return None
    items = [_unwrap(c) for c in node.named_children if c.type == "expression"]
    words = [hcl.string_content(i) if i.type == "string_lit" else None for i in items]
    return tuple(dict.fromkeys(words)) if None not in words else None


def _call(expression: Node, name: str) -> list[Node] | None:
    """The arguments of a call of function `name`, else None."""
    node = _unwrap(expression)
    if node.type != "function_call" or hcl.text(node.child(0)) != name:
        return None
    arguments = next((c for c in node.children if c.type == "function_arguments"), None)
    return [c for c in arguments.children if c.type == "expression"] if arguments is not None else []


def _object_type_fields(kind: Node) -> dict[str, Node] | None:
    """The attribute types of `object({ a = string, b = optional(string, "x") })`."""
    arguments = _call(kind, "object")
    return _object_literal(arguments[0]) if arguments is not None and len(arguments) == 1 else None


def _element_type(kind: Node, key: str) -> tuple[Node, Node | None, bool] | None:
    """(type, default, optional) of the element `key` of a value of type `kind`: an object type's
    attribute, or any key of `map(T)` (a for_each collection of objects); None where the type has none."""
    fields = _object_type_fields(kind)
    if fields is not None:
        return _optional_parts(fields[key]) if key in fields else None
    arguments = _call(kind, "map") or _call(kind, "list")  # any key of a map, any index of a list
    return (arguments[0], None, False) if arguments is not None and len(arguments) == 1 else None


def _optional_parts(kind: Node) -> tuple[Node, Node | None, bool]:
    """(type, default, True) of `optional(type[, default])`; (kind, None, False) for any other type."""
    arguments = _call(kind, "optional")
    if not arguments:
        return kind, None, False
    return arguments[0], arguments[1] if len(arguments) > 1 else None, True


def _json_sets(source: _Source, name: str) -> bool:
    try:
        document = json.loads(source.body.decode("utf-8"))
    except ValueError:
        return False
    return isinstance(document, dict) and name in document


def _reference(expression: Node) -> tuple[str, str] | None:
    """("var"|"local", name) for `var.name` / `local.name` with nothing after the name."""
    node = expression if expression.type == "expression" else None
    if node is None:
        return None
    children = node.named_children
    if len(children) == 2 and children[0].type == "variable_expr" and children[1].type == "get_attr":
        root = hcl.text(children[0]).strip()
        if root in ("var", "local"):
            name = children[1].named_children[-1] if children[1].named_child_count else None
            return (root, hcl.text(name)) if name is not None else None
    return None


def _left_out(text: str, reason: str) -> list[Candidate]:
    """An object element that is not there: Terraform fails, which try() catches (marked for it)."""
    value = _unresolved(text, reason)
    return [Candidate(replace(value, via=_ABSENT) if _TRYING.get() else value)]


def _unresolved(text: str, reason: str = "") -> Value:
    return Value(ValueKind.EXPRESSION, text, None, note=reason)


def _null(relpath: str, node: Node, body: bytes) -> Value:
    return Value(ValueKind.MISSING, None, body.count(b"\n", 0, node.start_byte) + 1, file=relpath,
                 origin=Spot(relpath, node.start_byte, node.end_byte, "null"))


def _via(candidate: Candidate, step: str) -> Candidate:
    value = candidate.value
    via = f"{step} -> {value.via}" if value.via else step
    return replace(candidate, value=replace(value, via=via))


# A group of plain alternatives inside a regex: `^(azure|calico)$`, `^(?i)(azure|calico)$`
_ALTERNATIVES = re.compile(rb"\(((?:[A-Za-z]+\|)+[A-Za-z]+)\)")


def _regex_alternatives(condition: Node | None, relpath: str, body: bytes) -> list[Validation]:
    """`can(regex("^(azure|calico)$", var.x))`: the group of engine words a fix extends with
    `|cilium` (Validation.regex), as it extends a `contains([...])` list."""
    found = []
    for call in hcl.descend(condition, "function_call"):
        if hcl.text(call.child(0)) not in ("regex", "regexall"):
            continue
        arguments = next((c for c in call.children if c.type == "function_arguments"), None)
        first = next((c for c in arguments.children if c.type == "expression"), None) if arguments is not None else None
        pattern = _unwrap(first) if first is not None else None
        if pattern is None or pattern.type != "string_lit":
            continue
        for match in _ALTERNATIVES.finditer(body, pattern.start_byte, pattern.end_byte):
            words = tuple(word.lower() for word in match.group(1).decode().split("|"))
            if ENGINE_WORDS & set(words):
                at = match.end() - 1  # before the group's ")"
                found.append(Validation(relpath, at, words, body.count(b"\n", 0, at) + 1, regex=True))
    return found


# The node types a condition made only of `==` comparisons joined by `||` consists of
_CHAIN_NODES = frozenset({"attribute", "identifier", "=", "expression", "(", ")", "operation", "binary_operation", "||", "==",
                          "variable_expr", "get_attr", ".", "literal_value", "string_lit", "quoted_template_start",
                          "template_literal", "quoted_template_end", "null_lit"})


def _comparison_chain(condition: Node | None) -> tuple[str, tuple[str, ...], Node] | None:
    """(the compared expression, the engine words it may equal, the last comparison) of a condition
    such as `var.x == null || (var.x == "azure") || (var.x == "calico")`: a fix appends
    `|| var.x == "cilium"` after the last comparison, as it extends a `contains([...])` list. None
    for any other condition (an `&&`, a function, a negation): left as it is."""
    if condition is None:
        return None
    stack, comparisons = [condition], []
    while stack:
        node = stack.pop()
        if node.type not in _CHAIN_NODES:
            return None
        if node.type == "binary_operation":
            operator = next((c.type for c in node.children if c.type in ("||", "==")), None)
            if operator is None:
                return None
            if operator == "==":
                comparisons.append(node)
                continue
        stack.extend(node.children)
    compared, words = None, []
    for node in comparisons:
        operator = next(c for c in node.children if c.type == "==")
        left = [c for c in node.children if c.end_byte <= operator.start_byte]
        right = [c for c in node.children if c.start_byte >= operator.end_byte]
        literal, other = (left, right) if [c.type for c in left] == ["literal_value"] else (right, left)
        if [c.type for c in literal] != ["literal_value"] or not other or "literal_value" in [c.type for c in other]:
            return None
        text = node.text[other[0].start_byte - node.start_byte:other[-1].end_byte - node.start_byte].decode("utf-8", "replace")
        if compared is not None and text != compared:
            return None
        compared = text
        string = literal[0].named_children[0] if literal[0].named_children else None
        if string is not None and string.type == "string_lit":
            words.append(hcl.string_content(string))
    if not comparisons or None in words or not ENGINE_WORDS & set(words):
        return None
    return compared, tuple(words), max(comparisons, key=lambda n: n.end_byte)


def _with_validations(value: Value, validations: tuple[Validation, ...]) -> Value:
    return replace(value, validations=value.validations + validations) if validations else value


_JSON_STRING = r'"((?:[^"\\]|\\.)*)"'


def _json_tfvars_value(source: _Source, name: str) -> Value | None:
    """A top-level string (or null) of a .tfvars.json file, with its byte span."""
    try:
        document = json.loads(source.body.decode("utf-8"))
    except ValueError:
        return None
    if not isinstance(document, dict) or name not in document:
        return None
    match = re.search(rb'"' + re.escape(name.encode()) + rb'"\s*:\s*(' + _JSON_STRING.encode() + rb'|null)', source.body)
    if match is None:
        return _unresolved(json.dumps(document[name]), f"{source.relpath} sets {name} to a non-string")
    start, end = match.span(1)
    line = source.body.count(b"\n", 0, start) + 1
    if document[name] is None:
        return Value(ValueKind.MISSING, None, line, file=source.relpath, origin=Spot(source.relpath, start, end, "null"))
    return Value(ValueKind.LITERAL, document[name], line, file=source.relpath, origin=Spot(source.relpath, start, end, "tfvars"))
