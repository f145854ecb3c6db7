"""ARM JSON deployment templates: `Microsoft.ContainerService/managedClusters` at any depth.

Resources are found in `resources` arrays, in `languageVersion: 2.0` symbolic-name objects, as
child resources, and inside nested `Microsoft.Resources/deployments` templates. Values written as
`[parameters('x')]` or `[variables('x')]` are followed to the parameter default, a parameters file
beside the template (each one an environment), or the variable. Edits keep the file's layout
(jsonspan); comments are accepted. The PUT rules of plan/put.py decide the risk. The kubenet
migration's phase-1 mark is the cluster resource's `comments` property (migration_marker_edits).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field, replace

from fixer.formats import jsonspan, put_names
from fixer.formats.arm.expressions import ArmScope, evaluate_setting
from fixer.formats.arm.linked import as_parameters_document
from fixer.formats.deployment_parameters import declares_all, named_for, parameters_of
from fixer.formats.put_names import FIELDS, offered_plugin, partial_update, profile_from, profile_keys
from fixer.model import MISSING, Cluster, Edit, Profile, Spot, Validation, Value, ValueKind
from fixer.plan.migration import MIGRATION_MARKER
from fixer.textfile import line_of

CLUSTER_TYPE = "microsoft.containerservice/managedclusters"
DEPLOYMENTS = "microsoft.resources/deployments"
MARKERS = (b"managedClusters", b"managedclusters", b"ManagedClusters")
_PARAMETER = re.compile(r"^\[\s*parameters\(\s*'([^']+)'\s*\)\s*\]$", re.I)
_VARIABLE = re.compile(r"^\[\s*variables\(\s*'([^']+)'\s*\)\s*\]$", re.I)


def is_template(root: jsonspan.JNode) -> bool:
    schema = root.get("$schema") if root.kind == "object" else None
    return schema is not None and schema.kind == "string" and "deploymenttemplate" in str(schema.value).lower()


@dataclass
class _Scope:
    """Parameters and variables of one template (a nested deployment may have its own)."""

    template: jsonspan.JNode
    parameter_files: list[tuple[str, jsonspan.JNode]] = field(default_factory=list)
    parameter_bodies: dict[str, bytes] = field(default_factory=dict)  # each file's bytes: the line of a value it sets
    linked: frozenset[str] = frozenset()  # the parameter files that are templates deploying this one (linked.py)
    # scope `inner`: the template around the nested deployment, and the `parameters` it passes
    outer: "_Scope | None" = None
    passed: jsonspan.JNode | None = None

    def passes(self, name: str) -> bool:
        return self.outer is not None and self.passed is not None and (self.passed.kind != "object" or self.passed.get_ci(name) is not None)


@dataclass(frozen=True)
class ArmCluster:
    cluster: Cluster
    resource_path: tuple[str, ...]  # how to find the resource again after an edit


def locate_arm(data: bytes, relpath: str, parameter_files: list[tuple[str, bytes]]) -> list[Cluster]:
    root = jsonspan.parse(data)
    if not is_template(root):
        return []
    parsed = []
    declared = [key for key, _, _ in (root.get("parameters") or jsonspan.JNode("object", 0, 0)).members]
    linked = set()
    for name, body in parameter_files:
        try:
            document = jsonspan.parse(body)
        except jsonspan.JsonSpanError:
            continue
        if document.kind == "object" and document.get("resources") is not None:  # a template linking this one
            document = as_parameters_document(document, name, relpath)
            if document is None:
                continue
            linked.add(name)
        values = parameters_of(document)
        # a file setting a parameter this template does not declare is another template's: Azure refuses it here
        if values is not None and declares_all((key for key, _, _ in values.members), declared):
            parsed.append((name, document))
    clusters: list[Cluster] = []
    _walk(root, _Scope(root, parsed, dict(parameter_files), linked=frozenset(linked)), data, relpath, clusters, ())
    return clusters


def _resources(template: jsonspan.JNode):
    resources = template.get("resources")
    if resources is None:
        return
    if resources.kind == "array":
        for index, item in enumerate(resources.items):
            if item.kind == "object":
                yield str(index), item
    elif resources.kind == "object":  # languageVersion 2.0: symbolic names
        for name, _, item in resources.members:
            if item.kind == "object":
                yield name, item


def _walk(template, scope: _Scope, data: bytes, relpath: str, out: list[Cluster], path: tuple[str, ...]) -> None:
    for key, resource in _resources(template):
        kind = str((resource.get("type") or jsonspan.JNode("null", 0, 0)).value or "").lower()
        here = path + (key,)
        existing = resource.get("existing")
        properties = resource.get("properties") if kind == CLUSTER_TYPE else None
        if properties is not None and properties.kind == "object" and partial_update(key for key, _, _ in properties.members):
            pass  # re-PUTs a cluster created elsewhere (metrics, upgrade): AKS keeps its network profile
        elif kind == CLUSTER_TYPE and not (existing is not None and existing.value is True):
            # `"existing": true` (languageVersion 2.0) only references a cluster deployed elsewhere
            out.append(_cluster(resource, scope, data, relpath, here, template))
        elif kind == DEPLOYMENTS:
            properties = resource.get("properties")
            inner = properties.get("template") if properties is not None and properties.kind == "object" else None
            if inner is not None and inner.kind == "object":
                evaluation = properties.get("expressionEvaluationOptions")
                inner_scope = evaluation is not None and str((evaluation.get("scope") or jsonspan.JNode("null", 0, 0)).value).lower() == "inner"
                # `inner`: the nested template's parameters are the values the deployment passes, evaluated
                # in the outer scope (issue 20); `outer` (the default): the outer parameters are visible directly
                nested = _Scope(inner, outer=scope, passed=properties.get("parameters")) if inner_scope else scope
                _walk(inner, nested, data, relpath, out, here + ("template",))
        _walk(resource, scope, data, relpath, out, here)  # child resources


def _cluster(resource, scope: _Scope, data: bytes, relpath: str, path: tuple[str, ...], template) -> Cluster:
    properties = resource.get("properties")
    profile_node = properties.get("networkProfile") if properties is not None and properties.kind == "object" else None
    fields: dict[str, Value] = {}
    if profile_node is not None and profile_node.kind == "object":
        for key, field_name in profile_keys(name for name, _, _ in profile_node.members).items():
            fields[field_name] = _value(profile_node.get(key), scope, data, relpath, field_name == "policy")
    elif properties is not None and properties.kind != "object":
        # properties built by an ARM expression (union(), createObject()...): evaluated (issue 20);
        # a fix writes only at a parameter the setting passes through, else it stays manual
        line = data.count(b"\n", 0, properties.start) + 1
        for key, field_name in FIELDS.items():
            found = evaluate_setting(_arm_scope(scope, data, relpath), str(properties.value), line, ("networkProfile", key), field_name == "policy")
            if found.kind is ValueKind.EXPRESSION:
                if field_name != "policy":
                    continue  # as before: a setting akfix cannot read is not set
                found = replace(found, text=str(properties.value)[:120] + "...",
                                note=f"the cluster's properties are built by an ARM expression: {found.note}")
            fields[field_name] = found
    elif profile_node is not None:
        fields["policy"] = _value(profile_node, scope, data, relpath)
        if fields["policy"].kind is not ValueKind.EXPRESSION:
            fields["policy"] = Value(ValueKind.EXPRESSION, data[profile_node.start:profile_node.end].decode(), fields["policy"].line,
                                     note="networkProfile is built by an expression")
    if not scope.parameter_files and "plugin" in fields:  # no deployment's file: every value the template offers may be passed
        fields["plugin"] = offered_plugin(fields["plugin"], fields.get("plugin_mode", MISSING))
    windows = _windows(properties, resource, scope, data, relpath)
    api = resource.get("apiVersion")
    name = resource.get("name")
    name_text = str(name.value) if name is not None and name.kind == "string" else path[-1]
    address = f"Microsoft.ContainerService/managedClusters/{name_text}"
    profile = _migration_facts(profile_from(fields, profile_node is not None, _keys(profile_node)), resource, properties, scope, data, relpath)
    api_text = str(api.value) if api is not None and api.kind == "string" else ""
    api_spot = Spot(relpath, api.start + 1, api.end - 1, "raw") if api is not None and api.kind == "string" else None
    if api_text.startswith("[") and api_spot is not None:
        api_text, api_spot = _held_api_version(api_text, api_spot, scope, data, relpath)
    return Cluster(
        file=relpath,
        line=data.count(b"\n", 0, resource.start) + 1,
        format="arm",
        address=address,
        profile=profile,
        module_dir=posixpath.dirname(relpath),
        profile_file=relpath,
        windows_pools=tuple(windows),
        api_version=api_text if not api_text.startswith("[") else f"expression: {api_text}",
        api_origin=api_spot,
        name=_name(name, scope, data, relpath) if name is not None else MISSING,  # matched against inventories
        anchor=path,
    )


def _held_api_version(text: str, own: Spot, scope: _Scope, data: bytes, relpath: str) -> tuple[str, Spot]:
    """An apiVersion held by a variable (`[variables('apiVersionAks')]`) whose value is a literal: that
    version, and where a bump goes: the variable where this resource alone reads it, else this
    resource's own apiVersion (a variable other resources read may name their types' versions)."""
    variable = _VARIABLE.match(text)
    declared = (scope.template.get("variables") or jsonspan.JNode("object", 0, 0)).get_ci(variable.group(1)) if variable else None
    if declared is None or declared.kind != "string" or str(declared.value).startswith("["):
        return text, own
    reference = re.compile(rb"variables\(\s*'" + re.escape(variable.group(1).encode()) + rb"'\s*\)", re.I)
    alone = len(reference.findall(data, scope.template.start, scope.template.end)) == 1
    where = _literal(declared, relpath, data).origin if alone else own
    return str(declared.value), where


def _migration_facts(profile: Profile, resource, properties, scope: _Scope, data: bytes, relpath: str) -> Profile:
    """What the kubenet migration checks (plan/migration.py): the Kubernetes version, the identity
    type, and akfix's phase-1 mark in the resource's `comments` (or why it cannot carry one)."""
    version = properties.get_ci("kubernetesVersion") if properties is not None and properties.kind == "object" else None
    identity = resource.get_ci("identity")
    identity_type = identity.get_ci("type") if identity is not None and identity.kind == "object" else None
    comments = resource.get_ci("comments")
    unmarkable = _unmarkable(comments)
    kubernetes = _value(version, scope, data, relpath) if version is not None else MISSING
    if properties is not None and properties.kind == "string" and str(properties.value).startswith("["):
        # properties built by union(createObject(...)): the version is evaluated like the network settings
        line = data.count(b"\n", 0, properties.start) + 1
        found = evaluate_setting(_arm_scope(scope, data, relpath), str(properties.value), line, ("kubernetesVersion",), False)
        kubernetes = found if found.kind is ValueKind.LITERAL else kubernetes
    return replace(
        profile,
        kubernetes_version=kubernetes,
        identity_type=_value(identity_type, scope, data, relpath, evaluate=False) if identity_type is not None else MISSING,
        migration_pending=not unmarkable and comments is not None and MIGRATION_MARKER.decode() in str(comments.value),
        unmarkable=unmarkable,
    )


def _unmarkable(comments: jsonspan.JNode | None) -> str:
    """Why the resource's `comments` cannot carry the phase-1 mark; "" when it can (absent, or text)."""
    if comments is None:
        return ""
    if comments.kind != "string":
        kind = {"object": "an object", "array": "an array", "number": "a number", "null": "null"}.get(comments.kind, "a boolean")
        return f"the cluster resource's comments property is {kind}, not a string"
    text = str(comments.value)
    if text.startswith("[") and not text.startswith("[["):
        return "the cluster resource's comments property is an ARM expression, which text in front of it would turn into a string"
    return ""


def _windows(properties, resource, scope: _Scope, data: bytes, relpath: str) -> list[str]:
    """The cluster's Windows pools: inline profiles and agentPools children whose osType is Windows,
    read through parameters, parameters files and variables like the network settings. An osType
    akfix cannot resolve may be Windows: it counts too (cilium beside Windows is the unsafe error)."""
    found = []

    def os_of(node) -> str | None:
        """"windows", "unknown: <expression>" or None (Linux or unset)."""
        if node is None:
            return None
        text = str(node.value) if node.kind == "string" else ""
        if text.startswith("[") and not text.startswith("[[") and "'windows" in text.lower():
            return f"unknown: {text[:80]}"  # `[if(parameters('useWindows'), 'Windows', 'Linux')]`: an input picks Windows
        value = _value(node, scope, data, relpath)
        offered = _offers_windows(node, scope)
        if offered:
            return f"unknown: parameter {offered}, whose allowedValues offer Windows"
        if value.kind is ValueKind.LITERAL:
            return "windows" if str(value.text).lower().startswith("windows") else None
        if value.kind is ValueKind.MISSING:
            return None
        domain = [str(v).lower() for v in (value.domain or ())]
        if domain and not any(v.startswith("windows") for v in domain):
            return None  # every value the expression may take is no Windows
        return f"unknown: {str(node.value)[:80]}"

    pools = properties.get("agentPoolProfiles") if properties is not None and properties.kind == "object" else None
    items = list(pools.items) if pools is not None and pools.kind == "array" else []
    # a property `copy` loop building the profiles: its `input` is every pool's template
    copies = properties.get("copy") if properties is not None and properties.kind == "object" else None
    items += [loop.get("input") for loop in (copies.items if copies is not None and copies.kind == "array" else [])
              if loop.kind == "object" and str((loop.get("name") or jsonspan.JNode("null", 0, 0)).value).lower() == "agentpoolprofiles"
              and loop.get("input") is not None]
    for pool in items:
        os = os_of(pool.get_ci("osType") if pool.kind == "object" else None)
        if os is not None:
            name = pool.get("name")
            found.append(f"agentPoolProfiles/{name.value if name is not None else '?'}" + ("" if os == "windows" else f" (osType {os})"))
    # children of the cluster resource, and agentPools resources beside it in the same template
    # (`"name": "aks/user"`; cautious: each counts for every cluster of the template)
    siblings = [child for _, child in _resources(scope.template) if child is not resource]
    for child, inner in _nested_pools(scope.template):
        node = child.get("properties")
        os_node = node.get_ci("osType") if node is not None and node.kind == "object" else None
        text = str(os_node.value) if os_node is not None and os_node.kind == "string" else ""
        # an inner-scope template's parameters are its own (what the deployment passes): an expression there is unread
        os = (f"unknown: {text[:80]} (in a nested deployment)" if inner and text.startswith("[") and not text.startswith("[[")
              else os_of(os_node))
        if os is not None:
            found.append(f"agentPools/{(child.get('name') or jsonspan.JNode('string', 0, 0, '?')).value}"
                         + ("" if os == "windows" else f" (osType {os})"))
    for child in [c for _, c in _resources(resource)] + siblings:
        kind = str((child.get("type") or jsonspan.JNode("null", 0, 0)).value or "").lower()
        child_properties = child.get("properties")
        os_node = child_properties.get_ci("osType") if child_properties is not None and child_properties.kind == "object" else None
        os = os_of(os_node) if kind.endswith("agentpools") else None
        if os is not None:
            found.append(f"agentPools/{(child.get('name') or jsonspan.JNode('string', 0, 0, '?')).value}"
                         + ("" if os == "windows" else f" (osType {os})"))
    return found


def _nested_pools(template: jsonspan.JNode, inner: bool = False, depth: int = 0):
    """(agentPools resource, read in an inner scope) of the inline templates of the template's nested
    deployments, at any depth: a pool added there belongs to a cluster of the deployment too."""
    if depth > 8:
        return
    for _, resource in _resources(template):
        if str((resource.get("type") or jsonspan.JNode("null", 0, 0)).value or "").lower() != "microsoft.resources/deployments":
            continue
        properties = resource.get("properties")
        nested = properties.get("template") if properties is not None and properties.kind == "object" else None
        if nested is None or nested.kind != "object":
            continue
        options = properties.get("expressionEvaluationOptions")
        scope = options.get_ci("scope") if options is not None and options.kind == "object" else None
        here = inner or (scope is not None and str(scope.value).lower() == "inner")
        for _, child in _resources(nested):
            if str((child.get("type") or jsonspan.JNode("null", 0, 0)).value or "").lower().endswith("/agentpools"):
                yield child, here
        yield from _nested_pools(nested, here, depth + 1)


def _offers_windows(node, scope: _Scope) -> str | None:
    """`"[parameters('os')]"` where the parameter's allowedValues include Windows and no parameters
    file of this view (nor a nested deployment's caller) sets it: a deployment may pass Windows."""
    match = _PARAMETER.match(str(node.value)) if node.kind == "string" else None
    if match is None or scope.passes(match.group(1)) or any(_file_parameter(file, match.group(1)) is not None for _, file in scope.parameter_files):
        return None
    declared = _declared_parameter(scope, match.group(1))
    allowed = declared.get_ci("allowedValues") if declared is not None and declared.kind == "object" else None
    values = [str(item.value).lower() for item in allowed.items] if allowed is not None and allowed.kind == "array" else []
    return match.group(1) if any(v.startswith("windows") for v in values) else None


def _declared_parameter(scope: _Scope, name: str) -> jsonspan.JNode | None:
    """The template's declaration of a parameter (names are case-insensitive)."""
    return (scope.template.get("parameters") or jsonspan.JNode("object", 0, 0)).get_ci(name)


def _file_parameter(document: jsonspan.JNode, name: str) -> jsonspan.JNode | None:
    """A parameters file's entry for a parameter, or None where the file does not set it."""
    parameters = document.get("parameters") if document.kind == "object" else None
    return parameters.get_ci(name) if parameters is not None and parameters.kind == "object" else None


def _literal(node: jsonspan.JNode, relpath: str, data: bytes, kind: str = "literal") -> Value:
    line = data.count(b"\n", 0, node.start) + 1
    if node.kind == "null":
        return Value(ValueKind.MISSING, None, line, file=relpath, origin=Spot(relpath, node.start, node.end, "null"))
    return Value(ValueKind.LITERAL, node.value, line, file=relpath, origin=Spot(relpath, node.start, node.end, kind))


def _arm_scope(scope: _Scope, data: bytes, relpath: str) -> ArmScope:
    outer = _arm_scope(scope.outer, data, relpath) if scope.outer is not None else None
    return ArmScope(scope.template, data, relpath, tuple(scope.parameter_files), outer, scope.passed)


def _value(node: jsonspan.JNode, scope: _Scope, data: bytes, relpath: str, policy: bool = False, evaluate: bool = True) -> Value:
    """The literal behind a property: itself, a parameter default, a parameters file, a variable;
    else the expression evaluated under the defaults and over every allowed input (issue 20)."""
    line = data.count(b"\n", 0, node.start) + 1
    if node.kind != "string":
        return _literal(node, relpath, data) if node.kind == "null" else Value(ValueKind.EXPRESSION, data[node.start:node.end].decode(), line)
    text = str(node.value)
    if not text.startswith("[") or text.startswith("[["):
        return Value(ValueKind.LITERAL, text, line)  # written in place: no origin, edited in the block
    parameter = _PARAMETER.match(text)
    if parameter:
        name = parameter.group(1)
        declared = _declared_parameter(scope, name)
        allowed = _allowed_values(declared, relpath, data)
        if scope.passes(name):  # passed by the nested deployment: the outer value, evaluated
            if not evaluate:
                return Value(ValueKind.EXPRESSION, text, line, note=f"parameter {name} is passed by the nested deployment")
            found = evaluate_setting(_arm_scope(scope, data, relpath), text, line, policy=policy)
            return replace(found, validations=allowed + _outer_allowed(scope, found, relpath, data)) if found.origin is not None else found
        for file, document in scope.parameter_files:
            entry = _file_parameter(document, name)
            value = entry.get("value") if entry is not None and entry.kind == "object" else None
            undecided = _undecided_value(value, file, scope, allowed) if value is not None else None
            if undecided is not None:
                return undecided
            if value is not None:
                return replace(_param_value(value, file, scope.parameter_bodies.get(file)), validations=allowed)
        default = declared.get("defaultValue") if declared is not None and declared.kind == "object" else None
        if default is not None and default.kind in ("string", "null") and not str(default.value or "").startswith("["):
            found = _literal(default, relpath, data)
            return Value(found.kind, found.text, found.line, file=relpath, origin=found.origin, via=f"parameter {name} default",
                         validations=allowed)
        if not evaluate:
            return Value(ValueKind.EXPRESSION, text, line, note=f"parameter {name} has no literal default")
        found = evaluate_setting(_arm_scope(scope, data, relpath), text, line, policy=policy)
        if found.kind is ValueKind.EXPRESSION:
            return replace(found, note=f"parameter {name} has no literal default" + (f": {found.note}" if found.note else ""))
        return replace(found, validations=allowed)
    variable = _VARIABLE.match(text)
    if variable:
        name = variable.group(1)
        declared = (scope.template.get("variables") or jsonspan.JNode("object", 0, 0)).get_ci(name)
        if declared is not None and declared.kind in ("string", "null") and not str(declared.value or "").startswith("["):
            found = _literal(declared, relpath, data)
            return Value(found.kind, found.text, found.line, file=relpath, origin=found.origin, via=f"variable {name}")
    if not evaluate:  # names: format()/concat() below say where each part comes from
        return Value(ValueKind.EXPRESSION, text, line)
    found = evaluate_setting(_arm_scope(scope, data, relpath), text, line, policy=policy)
    return replace(found, validations=_default_allowed(scope, found, relpath, data)) if found.origin is not None else found


# [format('aks-{0}', parameters('env'))] and [concat('aks-', parameters('env'))]: names, mostly
_NAME_CALL = re.compile(r"^\[\s*(format|concat)\((.*)\)\s*\]$", re.I | re.S)
_NAME_ARGUMENT = re.compile(r"\s*(?:'((?:[^']|'')*)'|((?:parameters|variables)\(\s*'[^']+'\s*\)))\s*(?:,|$)", re.I)


def _name(node: jsonspan.JNode, scope: _Scope, data: bytes, relpath: str) -> Value:
    """The cluster's Azure name: what _value gives, plus format() and concat() over string literals,
    parameters and variables (each followed as _value follows it)."""
    found = _value(node, scope, data, relpath, evaluate=False)
    call = _NAME_CALL.match(str(node.value)) if found.kind is ValueKind.EXPRESSION and node.kind == "string" else None
    if call is None:
        return found
    parts, vias, files, at = [], [], [], 0
    body = call.group(2)
    while at < len(body):
        argument = _NAME_ARGUMENT.match(body, at)
        if argument is None or argument.end() == at:
            return found
        at = argument.end()
        if argument.group(1) is not None:
            parts.append(argument.group(1).replace("''", "'"))
            continue
        value = _value(jsonspan.JNode("string", node.start, node.end, f"[{argument.group(2)}]"), scope, data, relpath, evaluate=False)
        if value.literal is None:
            return Value(ValueKind.EXPRESSION, found.text, found.line, note=f"{argument.group(2)} has no literal value")
        parts.append(value.literal)
        vias.append(value.via or argument.group(2))
        files += [value.file] if value.file and value.file != relpath else []
    if call.group(1).lower() == "format":
        if not parts:
            return found
        arguments = parts[1:]
        if any(int(i) >= len(arguments) for i in re.findall(r"\{(\d+)\}", parts[0])) or re.search(r"\{(?!\d+\})", parts[0]):
            return found  # a placeholder akfix does not know ({0:D}, a brace of its own)
        text = re.sub(r"\{(\d+)\}", lambda m: arguments[int(m.group(1))], parts[0])
    else:
        text = "".join(parts)
    # `file`: the parameters file a part came from, so that file keeps a view of its own (put._views)
    return Value(ValueKind.LITERAL, text, found.line, file=files[0] if files else None,
                 via=f"{call.group(1).lower()}() with {', '.join(vias)}" if vias else f"{call.group(1).lower()}()")


def _allowed_values(declared, relpath: str, data: bytes) -> tuple[Validation, ...]:
    """A parameter's `allowedValues` list: a fix extends it so the deployment still validates."""
    allowed = declared.get_ci("allowedValues") if declared is not None and declared.kind == "object" else None
    if allowed is None or allowed.kind != "array" or not allowed.items:
        return ()
    last = allowed.items[-1]
    values = tuple(str(i.value) for i in allowed.items if i.kind == "string")
    return (Validation(relpath, last.end, values, data.count(b"\n", 0, last.end) + 1),)


def _outer_allowed(scope: _Scope, found: Value, relpath: str, data: bytes) -> tuple[Validation, ...]:
    """The allowedValues of the outer parameter whose default a fix through a nested deployment writes."""
    return _default_allowed(scope.outer, found, relpath, data)


def _default_allowed(outer: _Scope | None, found: Value, relpath: str, data: bytes) -> tuple[Validation, ...]:
    """The allowedValues of the parameter (of this scope or one around it) whose default an
    evaluation's fix writes: a default outside them fails the deployment's validation."""
    while outer is not None:
        for _, _, declared in (outer.template.get("parameters") or jsonspan.JNode("object", 0, 0)).members:
            default = declared.get("defaultValue") if declared.kind == "object" else None
            if default is not None and found.origin is not None and default.start == found.origin.start and found.origin.file == relpath:
                return _allowed_values(declared, relpath, data)
        outer = outer.outer
    return ()


def _undecided_value(value: jsonspan.JNode, file: str, scope: _Scope, allowed: tuple[Validation, ...]) -> Value | None:
    """What a deployment's file passes where akfix reads no string from it, undecided (never the
    default it overrides; over the parameter's allowedValues): a linked deployment's expression
    (`[parameters('plugin')]`, linked.py), or a value that is no string. None where it is one."""
    text = str(value.value) if value.kind == "string" else ""
    if value.kind in ("string", "null") and not (file in scope.linked and text.startswith("[") and not text.startswith("[[")):
        return None
    body = scope.parameter_bodies.get(file)
    if value.kind != "string":
        text = body[value.start:value.end].decode("utf-8", "replace")[:120] if body is not None else value.kind
    return Value(ValueKind.EXPRESSION, text, line_of(body, value.start) if body is not None else None, file=file,
                 note=f"{file} passes {text[:80]}", domain=tuple(v for a in allowed for v in a.values))


def _param_value(node: jsonspan.JNode, file: str, body: bytes | None) -> Value:
    kind = ValueKind.MISSING if node.kind == "null" else ValueKind.LITERAL
    line = line_of(body, node.start) if body is not None else None
    return Value(kind, node.value if kind is ValueKind.LITERAL else None, line, file=file,
                 origin=Spot(file, node.start, node.end, "parameters"), via=f"parameters file {posixpath.basename(file)}")


# --- editing ----------------------------------------------------------------------------------


def find_resource(root: jsonspan.JNode, path: tuple[str, ...]) -> jsonspan.JNode | None:
    node = root
    for step in path:
        if step == "template":
            properties = node.get("properties")
            node = properties.get("template") if properties is not None else None
        else:
            node = dict(_resources(node)).get(step)
        if node is None:
            return None
    return node


def edits_for(data: bytes, path: tuple[str, ...], changes, newline: bytes) -> list[Edit]:
    """In-template edits (values that live in the resource itself) for one cluster."""
    root = jsonspan.parse(data)
    resource = find_resource(root, path)
    if resource is None:
        raise ValueError("managed cluster resource not found again")
    properties = resource.get("properties")
    if properties is None or properties.kind != "object":
        raise ValueError("the managed cluster has no properties object")
    profile = properties.get("networkProfile")
    if profile is not None and profile.kind != "object":  # found by fuzzing: an array was edited as an object
        raise ValueError("networkProfile is not an object")
    if profile is None:
        start, end, text = jsonspan.insert_members(data, properties, [("networkProfile", {c.attribute: c.value for c in changes})], newline)
        return [Edit(start, end, text)]
    values = [(c.attribute, c.value) for c in changes]
    edits = []
    if put_names.renames_data_plane(_keys(profile), {key for key, _ in values}):
        key_node = next(key for name, key, _ in profile.members if name == put_names.PREVIEW_DATA_PLANE)
        edits.append(Edit(key_node.start, key_node.end, b'"networkDataplane"'))
        wanted = dict(values).pop("networkDataplane")
        values = [(key, value) for key, value in values if key != "networkDataplane"]
        if profile.get(put_names.PREVIEW_DATA_PLANE).value != wanted:
            values.append((put_names.PREVIEW_DATA_PLANE, wanted))
    return edits + [Edit(*edit) for edit in jsonspan.set_members(data, profile, values, newline)]


def _keys(node: jsonspan.JNode | None) -> list[str]:
    return [name for name, _, _ in node.members] if node is not None and node.kind == "object" else []


# The kubenet migration's phase-1 mark (plan/migration.py). ARM JSON has no comments to be sure
# of (strict JSON files must stay strict), but every resource has a `comments` property: "Your notes
# for documenting the resources in your template" (Microsoft Learn, "Understand the structure and
# syntax of ARM templates", Resources: learn.microsoft.com/azure/azure-resource-manager/templates/
# syntax#resources). Deployments ignore it, so it carries the mark without changing the PUT.
MARK = "akfix:phase-1 kubenet -> Azure CNI Overlay. Delete this property once the deployment has run; akfix then writes the engine."
# In front of the user's own comments the mark must not ask to delete the property.
MARK_BEFORE = "akfix:phase-1 kubenet -> Azure CNI Overlay. Delete these two sentences once the deployment has run; akfix then writes the engine."


def migration_marker_edits(data: bytes, path: tuple[str, ...], newline: bytes, remove: bool) -> list[Edit]:
    """Phase 1 marks the cluster resource: a `comments` property after its name, or the mark in front
    of the comments it has; phase 2 removes exactly what phase 1 wrote, the user's text stays."""
    resource = find_resource(jsonspan.parse(data), path)
    if resource is None:
        raise ValueError("managed cluster resource not found again")
    key = resource.key_ci("comments")
    comments = resource.get(key) if key is not None else None
    why = _unmarkable(comments)
    if why:
        raise ValueError(f"{why}: it cannot carry the akfix:phase-1 mark")
    if not remove:
        if comments is None:
            return [Edit(*jsonspan.insert_members(data, resource, [("comments", MARK)], newline, after=resource.key_ci("name")))]
        at = comments.start + 1  # the mark's text needs no JSON escapes: written as it is, the user's bytes untouched
        return [Edit(at, at, MARK_BEFORE.encode() + b" ")]
    if comments is None:
        return []
    raw = data[comments.start + 1:comments.end - 1]
    if raw == MARK.encode():  # the property phase 1 added
        return [Edit(*edit) for edit in jsonspan.remove_member(data, resource, key)]
    for sentence in (MARK_BEFORE.encode(), MARK.encode()):  # in front of the user's text: the sentences alone go
        found = raw.find(sentence)
        if found >= 0:
            end = found + len(sentence) + (raw[found + len(sentence):found + len(sentence) + 1] == b" ")
            return [Edit(comments.start + 1 + found, comments.start + 1 + end, b"")]
    if MIGRATION_MARKER in raw:
        raise ValueError("the akfix:phase-1 mark in the cluster's comments was changed: remove it by hand")
    return []


def parameter_files_for(relpath: str, files: list[str]) -> list[str]:
    """The files named as parameters files of template `x.json` beside it (deployment_parameters):
    whether each may feed it is checked where it is read (locate_arm)."""
    return sorted(other for other in files if named_for(relpath, other, files))
