"""A small, pure evaluator of Azure Policy rules: the operators the akfix definition uses (field,
equals, notEquals, in, notIn, exists, allOf, anyOf, not) and `[parameters('x')]` values. It lets the
tests and `akfix azure-policy` show what the rule flags on sample clusters, offline.

Semantics followed (Learn, "definition structure: policy rule"): string comparisons are
case-insensitive; a field the resource does not have is absent, so `exists: false` is true,
`equals` and `in` are false and `notEquals` and `notIn` are true. Anything else raises
UnsupportedRule rather than guessing.
"""

from __future__ import annotations

import re

_PARAMETER = re.compile(r"^\[parameters\('([^']+)'\)\]$")
_ABSENT = object()
_TOP_LEVEL_FIELDS = ("type", "name", "location", "kind", "id")


class UnsupportedRule(ValueError):
    pass


def resolve(value, parameters: dict):
    """`[parameters('x')]` -> the parameter's value; anything else as it is."""
    if isinstance(value, str) and (match := _PARAMETER.match(value)):
        if match.group(1) not in parameters:
            raise UnsupportedRule(f"parameter {match.group(1)!r} has no value")
        return parameters[match.group(1)]
    return value


def field_value(resource: dict, field: str):
    """The value an alias or top-level field names on an ARM-shaped resource, or _ABSENT.
    An alias is `<resource type>/<path.in.properties>`; one of another type is absent."""
    if field.lower() in _TOP_LEVEL_FIELDS:
        return resource.get(field.lower(), _ABSENT)
    kind = str(resource.get("type", ""))
    if not field.lower().startswith(kind.lower() + "/") or not kind:
        return _ABSENT
    value = resource.get("properties", _ABSENT)
    for part in field[len(kind) + 1:].split("."):
        if not isinstance(value, dict):
            return _ABSENT
        value = next((v for k, v in value.items() if k.lower() == part.lower()), _ABSENT)  # aliases ignore case
    return value


def _fold(value):
    return value.lower() if isinstance(value, str) else value


def _as_list(value) -> list:
    if not isinstance(value, list):
        raise UnsupportedRule(f"`in`/`notIn` needs a list, got {value!r}")
    return [_fold(v) for v in value]


def holds(condition: dict, resource: dict, parameters: dict | None = None) -> bool:
    """Whether `condition` (an `if` block or part of one) is true for `resource`."""
    parameters = parameters or {}
    if "allOf" in condition:
        return all(holds(c, resource, parameters) for c in condition["allOf"])
    if "anyOf" in condition:
        return any(holds(c, resource, parameters) for c in condition["anyOf"])
    if "not" in condition:
        return not holds(condition["not"], resource, parameters)
    if "field" not in condition:
        raise UnsupportedRule(f"only field conditions and allOf/anyOf/not are supported: {sorted(condition)}")
    value = field_value(resource, condition["field"])
    present = value is not _ABSENT
    operators = [k for k in condition if k != "field"]
    if len(operators) != 1:
        raise UnsupportedRule(f"a condition needs exactly one operator: {operators}")
    operator = operators[0]
    expected = resolve(condition[operator], parameters)
    if operator == "exists":
        wanted = str(expected).lower() == "true"
        return present == wanted
    if operator == "equals":
        return present and _fold(value) == _fold(expected)
    if operator == "notEquals":
        return not present or _fold(value) != _fold(expected)
    if operator == "in":
        return present and _fold(value) in _as_list(expected)
    if operator == "notIn":
        return not present or _fold(value) not in _as_list(expected)
    raise UnsupportedRule(f"operator {operator!r} is not supported by this evaluator")


def effect_for(definition: dict, resource: dict, assigned: dict | None = None) -> str | None:
    """The effect an assignment (`assigned`: parameter name -> value; defaults fill the rest) has on
    `resource`, or None when the rule does not apply to it. `Disabled` counts as not applying."""
    properties = definition.get("properties", definition)
    values = {name: spec.get("defaultValue") for name, spec in properties.get("parameters", {}).items() if "defaultValue" in spec}
    values.update(assigned or {})
    rule = properties["policyRule"]
    if not holds(rule["if"], resource, values):
        return None
    effect = resolve(rule["then"]["effect"], values)
    return None if str(effect).lower() == "disabled" else effect


def sample_cluster(network_policy=_ABSENT, kind: str = "Microsoft.ContainerService/managedClusters") -> dict:
    """An ARM-shaped resource for checks: a cluster with this networkPolicy (absent when not given)."""
    profile = {"networkPlugin": "azure"}
    if network_policy is not _ABSENT:
        profile["networkPolicy"] = network_policy
    return {"type": kind, "name": "sample", "location": "westeurope", "properties": {"networkProfile": profile}}


# The cases `akfix azure-policy` reports and the tests check: (label, resource).
SAMPLES = (
    ("networkPolicy absent", sample_cluster()),
    ("networkPolicy \"none\"", sample_cluster("none")),
    ("networkPolicy \"\"", sample_cluster("")),
    ("networkPolicy \"azure\"", sample_cluster("azure")),
    ("networkPolicy \"calico\"", sample_cluster("calico")),
    ("networkPolicy \"cilium\"", sample_cluster("cilium")),
    ("a storage account", {"type": "Microsoft.Storage/storageAccounts", "name": "s", "properties": {}}),
)
