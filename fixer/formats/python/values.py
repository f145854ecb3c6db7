"""Python expressions as akfix Values: string literals, enum members (`NetworkPolicy.CILIUM`),
`None`, and names assigned once in the same scope; anything else is an expression akfix does not
evaluate (the planner then leaves the cluster to a person)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import libcst as cst
from libcst.metadata import Assignment

from fixer.formats.python.kinds import to_snake
from fixer.model import MISSING, Value, ValueKind

_ENUM = re.compile(r"\.(?:NetworkPolicy|NetworkPlugin|NetworkPluginMode|NetworkDataplane|OSType|OutboundType|NodeProvisioningMode|ResourceIdentityType)\.([A-Z_0-9]+)$")


NETWORK_FIELDS = frozenset({
    "network_policy", "network_plugin", "network_plugin_mode", "network_dataplane", "network_data_plane", "ebpf_data_plane",
})


@dataclass(frozen=True)
class Resolved:
    """A value and the node that holds it: the literal to rewrite (possibly in an assignment
    elsewhere in the file), or None when there is nothing akfix may rewrite."""

    value: Value
    node: cst.BaseExpression | None = None


class Reader:
    """Reads values in one parsed file; `metadata(provider, node)` comes from the locator."""

    def __init__(self, relpath: str, module: cst.Module, metadata, line_of, stars: tuple[str, ...] = ()):
        self.relpath, self.module, self.metadata, self.line_of = relpath, module, metadata, line_of
        self.stars = stars  # `from m import *` modules: their names resolve to nothing in libcst

    def code(self, node: cst.CSTNode) -> str:
        return " ".join(self.module.code_for_node(node).split())

    def qualified(self, node: cst.CSTNode) -> set[str]:
        from libcst.metadata import QualifiedNameProvider

        names = {q.name for q in self.metadata(QualifiedNameProvider, node) or ()}
        if not names and self.stars and isinstance(node, (cst.Name, cst.Attribute)):
            names = {f"{m}.{self.code(node)}" for m in self.stars}
        return names

    def read(self, node: cst.BaseExpression | None, depth: int = 0) -> Resolved:
        if node is None:
            return Resolved(MISSING)
        line = self.line_of(node)
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            text = node.evaluated_value
            if isinstance(text, str):
                return Resolved(Value(ValueKind.LITERAL, text, line), node)
        if isinstance(node, cst.FormattedString) and all(isinstance(p, cst.FormattedStringText) for p in node.parts):
            return Resolved(Value(ValueKind.LITERAL, "".join(p.value for p in node.parts), line), node)
        if isinstance(node, cst.Name) and node.value == "None":
            return Resolved(MISSING)
        if isinstance(node, cst.Attribute):
            member = next((m.group(1) for q in self.qualified(node) if (m := _ENUM.search(q))), None)
            if member is not None:
                return Resolved(Value(ValueKind.LITERAL, member.lower(), line, via=f"enum {self.code(node)}"), node)
        if isinstance(node, cst.IfExp) and depth < 4:
            chosen = self._decided_branch(node, depth)
            if chosen is not None:
                inner = self.read(chosen, depth + 1)
                # a literal branch only: an absent one (None) has no place for a new value besides the expression
                if inner.value.kind is ValueKind.LITERAL:
                    via = f"{self.code(node.test)} (decided by the code)"
                    return Resolved(replace(inner.value, via=f"{inner.value.via}; {via}" if inner.value.via else via), inner.node)
        if isinstance(node, cst.Name) and depth < 4:
            assigned = self.assigned_value(node)
            if isinstance(assigned, str):
                return Resolved(Value(ValueKind.EXPRESSION, node.value, line, note=assigned))
            if assigned is not None:
                inner = self.read(assigned, depth + 1)
                if inner.value.kind is not ValueKind.LITERAL:
                    return inner
                via = f"variable {node.value} (line {inner.value.line})"
                if not self._only_network_uses(node):
                    # Rewriting the assignment would change the other uses too.
                    note = f"{node.value} is also used for other things; give the network setting its own literal"
                    return Resolved(Value(ValueKind.LITERAL, inner.value.text, line, via=via, note=note))
                return Resolved(Value(ValueKind.LITERAL, inner.value.text, line, via=via), inner.node)
        return Resolved(Value(ValueKind.EXPRESSION, self.code(node), line))

    def _decided_branch(self, node: cst.IfExp, depth: int) -> cst.BaseExpression | None:
        """The branch of `a if x == "y" else b` the code decides: both sides of the one comparison
        read as literals (a name assigned a literal once, as `network_plugin = "azure"`). None where
        the test depends on anything else."""
        test = node.test
        if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
            return None
        target = test.comparisons[0]
        if not isinstance(target.operator, (cst.Equal, cst.NotEqual)):
            return None
        left, right = self.read(test.left, depth + 1).value, self.read(target.comparator, depth + 1).value
        if ValueKind.EXPRESSION in (left.kind, right.kind):
            return None
        equal = (left.text if left.kind is ValueKind.LITERAL else None) == (right.text if right.kind is ValueKind.LITERAL else None)
        return node.body if equal == isinstance(target.operator, cst.Equal) else node.orelse

    def assigned_value(self, name: cst.Name) -> cst.BaseExpression | str | None:
        """The value a name was given by its only assignment in scope, or why there is none."""
        from libcst.metadata import ScopeProvider

        scope = self.metadata(ScopeProvider, name)
        if scope is None:
            return None
        assignments = list(scope[name.value])
        if len(assignments) != 1 or not isinstance(assignments[0], Assignment):
            return f"{name.value} is assigned {len(assignments)} times" if len(assignments) > 1 else f"{name.value} is not a plain assignment"
        target = assignments[0].node
        if isinstance(target, cst.Param):
            return "a parameter of a function: set it where the function is called"
        statement = self._assign_of(target)
        if statement is None:
            return f"{name.value} is not a plain assignment"
        return statement.value

    def _only_network_uses(self, name: cst.Name) -> bool:
        """Every use of the name's assignment sets a network-profile field."""
        from libcst.metadata import ParentNodeProvider, ScopeProvider

        (assignment,) = self.metadata(ScopeProvider, name)[name.value]
        for reference in assignment.references:
            parent = self.metadata(ParentNodeProvider, reference.node)
            if isinstance(parent, cst.Arg) and parent.keyword is not None:
                key = parent.keyword.value
            elif isinstance(parent, cst.DictElement) and isinstance(parent.key, cst.SimpleString):
                key = str(parent.key.evaluated_value)
            else:
                return False
            if to_snake(key) not in NETWORK_FIELDS:
                return False
        return True

    def _assign_of(self, target: cst.CSTNode) -> cst.Assign | cst.AnnAssign | None:
        from libcst.metadata import ParentNodeProvider

        parent = self.metadata(ParentNodeProvider, target)
        if isinstance(parent, cst.AssignTarget):
            assign = self.metadata(ParentNodeProvider, parent)
            if isinstance(assign, cst.Assign) and len(assign.targets) == 1 and assign.targets[0].target is target:
                return assign
        if isinstance(parent, cst.AnnAssign) and parent.target is target and parent.value is not None:
            return parent
        return None


def keyword_args(node: cst.Call) -> dict[str, cst.Arg]:
    return {arg.keyword.value: arg for arg in node.args if arg.keyword is not None}


def dict_entries(node: cst.Dict) -> dict[str, cst.DictElement] | None:
    """A dict literal's string keys; None when a key is not a plain string (or a `**spread`)."""
    entries = {}
    for element in node.elements:
        if not isinstance(element, cst.DictElement) or not isinstance(element.key, cst.SimpleString):
            return None
        key = element.key.evaluated_value
        if not isinstance(key, str):
            return None
        entries[key] = element
    return entries
