"""The Azure name and resource group a Terraform cluster gets, followed through the same values
as its network settings (variables, tfvars and -var-file environments, locals, callers) plus string
templates such as `"${var.prefix}-aks"`: what fixer/facts/match.py compares with an inventory.

Only read when live facts are given. A name that differs per tfvars environment gives one view of
the cluster per environment, as a policy that differs does.
"""

from __future__ import annotations

from dataclasses import replace

from tree_sitter import Node

from fixer.formats.terraform import hcl
from fixer.formats.terraform.editor import block_key
from fixer.formats.terraform.values import Candidate, ModuleScope
from fixer.model import MISSING, Cluster, Value, ValueKind

# Where the name is written: resources and the module inputs of the registry modules akfix knows.
NAME_ARGUMENTS = ("name", "cluster_name")
GROUP_ARGUMENTS = ("resource_group_name",)


def name_views(cluster: Cluster, views: list[Cluster], scope: ModuleScope) -> list[Cluster]:
    """`views` (the cluster's environments so far) with `name` and `resource_group` set."""
    source = scope.sources.get(cluster.file)
    if source is None or source.root is None:
        return views
    kind, labels = block_key(cluster.address)
    resource = hcl.top_block(source.root, kind, labels)
    if resource is None:
        return views
    names = _candidates(scope, resource, NAME_ARGUMENTS, cluster.file)
    if not names and kind == "module" and hcl.attribute(resource.body, "prefix") is not None:
        # Azure/aks/azurerm: name = coalesce(var.cluster_name, "${var.prefix}-aks")
        prefixes = _candidates(scope, resource, ("prefix",), cluster.file)
        names = [Candidate(Value(ValueKind.LITERAL, f"{c.value.text}-aks", via=f"{c.value.via or 'prefix'} + \"-aks\" (module default)"),
                           c.environment) if c.value.literal is not None else c for c in prefixes]
    groups = _candidates(scope, resource, GROUP_ARGUMENTS, cluster.file)
    environments = sorted({c.environment for c in names + groups if c.environment})
    out: list[Cluster] = []
    for view in views:
        if view.environment is None and environments and len(views) == 1:
            tfvars_only = all(e.endswith((".tfvars", ".tfvars.json")) for e in environments)
            # A run without -var-file exists only if the name has a value there (a required variable
            # without one makes Terraform refuse the run).
            plain_run = tfvars_only and all(c.value.kind is not ValueKind.EXPRESSION for c in names + groups if c.environment is None)
            for environment in environments + ([None] if plain_run else []):
                out.append(_named(replace(view, environment=environment), names, groups))
        else:
            out.append(_named(view, names, groups))
    return out


def literal_named(cluster: Cluster, body: bytes) -> Cluster | None:
    """The cluster with its name and group when both are plain string literals (or absent) in its
    own block -- most clusters -- without building the module's scope; None when values must be
    followed."""
    kind, labels = block_key(cluster.address)
    if kind == "module":
        return None
    resource = hcl.top_block(hcl.parse(body).root_node, kind, labels)
    if resource is None:
        return None
    found = []
    for arguments in (NAME_ARGUMENTS, GROUP_ARGUMENTS):
        node = next((n for a in arguments if (n := hcl.attribute(resource.body, a)) is not None), None)
        expression = hcl.expression_of(node) if node is not None else None
        if expression is None:
            found.append(MISSING)
            continue
        inner = expression
        while inner.type in ("expression", "literal_value") and inner.named_child_count == 1:
            inner = inner.named_children[0]
        text = hcl.string_content(inner) if inner.type == "string_lit" else None
        if text is None:
            return None
        found.append(Value(ValueKind.LITERAL, text, inner.start_point[0] + 1, file=cluster.file))
    return replace(cluster, name=found[0], resource_group=found[1])


def _named(view: Cluster, names: list[Candidate], groups: list[Candidate]) -> Cluster:
    return replace(view, name=_choose(names, view.environment), resource_group=_choose(groups, view.environment))


def _choose(found: list[Candidate], environment: str | None) -> Value:
    if not found:
        return MISSING
    mine = [c for c in found if c.environment == environment] or [c for c in found if c.environment is None]
    if mine:
        return mine[0].value
    texts = {c.value.text for c in found}
    if len(texts) == 1:
        return found[0].value
    return Value(ValueKind.EXPRESSION, " | ".join(sorted(t or "" for t in texts)), note="it differs per environment")


def _candidates(scope: ModuleScope, resource: hcl.Block, arguments: tuple[str, ...], relpath: str) -> list[Candidate]:
    for argument in arguments:
        node = hcl.attribute(resource.body, argument)
        expression = hcl.expression_of(node) if node is not None else None
        if expression is not None:
            return evaluate(scope, expression, relpath)
    return []


def evaluate(scope: ModuleScope, expression: Node, relpath: str) -> list[Candidate]:
    """scope.evaluate, plus templates: each interpolation followed, one result per environment."""
    template = _template(expression)
    if template is None:
        return scope.evaluate(expression, relpath)
    parts: list[str | list[Candidate]] = []
    for child in template.children:
        if child.type == "template_literal":
            parts.append(hcl.text(child))
        elif child.type == "template_interpolation":
            inner = next((c for c in child.children if c.type == "expression"), None)
            if inner is None:
                return [Candidate(Value(ValueKind.EXPRESSION, hcl.text(expression)))]
            parts.append(scope.evaluate(inner, relpath))
        elif child.type not in ("quoted_template_start", "quoted_template_end"):
            return [Candidate(Value(ValueKind.EXPRESSION, hcl.text(expression), note="a template directive"))]
    followed = [p for p in parts if isinstance(p, list)]
    environments = sorted({c.environment for p in followed for c in p if c.environment})
    results = []
    for environment in environments + [None]:
        texts, vias = [], []
        for part in parts:
            if isinstance(part, str):
                texts.append(part)
                continue
            chosen = next((c for c in part if c.environment == environment), None) or next((c for c in part if c.environment is None), None)
            if chosen is None or chosen.value.literal is None:
                texts = None
                break
            texts.append(chosen.value.literal)
            if chosen.value.via:
                vias.append(chosen.value.via)
        text = hcl.text(expression).strip()
        if texts is None:
            if environment is None and not results:
                results.append(Candidate(Value(ValueKind.EXPRESSION, text, note="a part of the template has no literal value")))
            continue
        via = f"template {text}" + (f" with {', '.join(vias)}" if vias else "")
        results.append(Candidate(Value(ValueKind.LITERAL, "".join(texts), via=via), environment))
    return results


def _template(expression: Node) -> Node | None:
    """The quoted_template of `"...${...}..."`, or None for anything else."""
    node = expression
    while node is not None and node.type in ("expression", "template_expr") and node.named_child_count == 1:
        node = node.named_children[0]
    if node is not None and node.type == "quoted_template" and any(c.type == "template_interpolation" for c in node.children):
        return node
    return None
