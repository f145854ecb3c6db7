"""Expressions decided under the defaults and over every allowed input (issue 20): the shared
decision (formats/decide.py), the Bicep evaluator (formats/bicep/expressions.py), the Terraform
enumeration (formats/terraform/expressions.py), bounded on any input, and shown by `akfix explain`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixer.formats.bicep.expressions import evaluate_setting, scope_of
from fixer.formats.bicep.syntax import BicepSyntaxError, tokenize
from fixer.formats.decide import Unknown, decide
from fixer.model import ValueKind

ROOT = Path(__file__).resolve().parents[1]


def _bicep(declarations: str, expression: str, policy: bool = True):
    data = f"{declarations}\nvar target = {expression}\n".encode()
    tokens = tokenize(data)
    scope = scope_of(tokens, data, "main.bicep")
    start, end = scope.variables["target"]
    return evaluate_setting(scope, start, end, policy), data


# --- decide ---------------------------------------------------------------------------------------


def test_defaults_decide_and_the_inputs_that_would_change_it_are_named():
    decision = decide(lambda b: b.get("p", ""), {"p": ("", "azure")}, label=lambda n: f"param {n}")
    assert decision.decided and decision.value == ""
    assert decision.changes == ("param p = 'azure' gives azure",)


def test_every_allowed_input_giving_an_engine_decides_and_a_free_input_does_not():
    evaluate = lambda b: b["p"] if "p" in b else Unknown("no default", frozenset({"p"}))  # noqa: E731
    assert decide(evaluate, {"p": ("azure", "calico")}).every_input == ("azure", "calico")
    free = decide(evaluate, {"p": None}, label=lambda n: f"param {n}")
    assert not free.decided and "param p (a free input)" in free.reason
    # for a setting other than the policy, every input must give the same value
    assert not decide(evaluate, {"p": ("azure", "kubenet")}, policy=False).decided


def test_too_many_combinations_stay_unresolved():
    names = {f"p{i}": ("a", "b") for i in range(8)}  # 256 > MAX_COMBINATIONS
    evaluate = lambda b: "azure" if b else Unknown("x", frozenset(names))  # noqa: E731
    decision = decide(evaluate, names)
    assert not decision.decided and "too many" in decision.reason


# --- Bicep ----------------------------------------------------------------------------------------


def test_bicep_empty_any_null_under_an_empty_default_is_missing_and_writes_the_default():
    value, data = _bicep("param p string = ''", "!empty(p) ? any(p) : null")
    assert value.kind is ValueKind.MISSING
    assert data[value.origin.start:value.origin.end] == b"''"  # p's default, not the null branch


def test_bicep_functions_and_operators():
    cases = {
        "toLower('AZURE')": "azure",
        "coalesce(null, 'calico')": "calico",
        "contains(['a', 'b'], 'b') ? 'azure' : 'none'": "azure",
        "'A' =~ 'a' && !('x' != 'x') ? 'cilium' : ''": "cilium",
        "union({ a: 'x' }, { networkPolicy: 'azure' }).networkPolicy": "azure",
        "[ 'none', 'calico' ][1]": "calico",
        "length('abc') > 2 ? 'azure' : 'none'": "azure",
        "{ a: null }.?b ?? 'azure'": "azure",
    }
    for expression, expected in cases.items():
        value, _ = _bicep("", expression)
        assert (value.kind, value.text) == (ValueKind.LITERAL, expected), expression


def test_bicep_object_param_member_is_decided_at_the_member():
    value, data = _bicep("param s object = {\n  networkPolicy: 'none'\n}", "s.networkPolicy")
    assert value.literal == "none"
    assert data[value.origin.start:value.origin.end] == b"'none'"


def test_bicep_a_write_that_would_flip_a_condition_is_not_an_origin():
    # writing an engine into p's default would take the other branch: no literal passes through
    value, _ = _bicep("param p string = 'none'", "p == 'none' ? p : 'x'")
    assert value.literal == "none" and value.origin is None and value.evaluation


def test_bicep_cyclic_vars_and_unknown_functions_stay_unresolved_with_a_reason():
    value, _ = _bicep("var a = b\nvar b = a", "a")
    assert value.kind is ValueKind.EXPRESSION and "itself" in value.note
    value, _ = _bicep("", "loadTextContent('x.txt')")
    assert value.kind is ValueKind.EXPRESSION and "loadTextContent() is not evaluated" in value.note


def test_bicep_pragmas_inside_an_object_are_trivia():
    props = "var props = union({\n  networkProfile: {\n    #disable-next-line BCP036 // no policy is ''\n    networkPolicy: policy\n  }\n}, {})"
    value, _ = _bicep(f"param policy string = ''\n{props}", "props.networkProfile.networkPolicy")
    assert value.kind is ValueKind.LITERAL and value.text == "", value.note


def test_bicep_every_param_behind_a_long_chain_of_vars_is_an_input():
    """The walk over the vars an expression reads stopped after 50 names (in a set's hash order, so
    differently in each process): a param further away was taken for a constant at its default."""
    from fixer.formats.bicep.expressions import _Parser, _reachable

    chain = "\n".join(f"var v{i} = v{i + 1}" for i in range(60))
    data = f"param policy string = ''\n{chain}\nvar v60 = policy\nvar target = v0\n".encode()
    tokens = tokenize(data)
    scope = scope_of(tokens, data, "main.bicep")
    node = _Parser(tokens, *scope.variables["target"], "main.bicep").parse()
    assert _reachable(scope, node) == {"policy"}


def test_bicep_deep_nesting_is_bounded():
    value, _ = _bicep("", "(" * 200 + "'azure'" + ")" * 200)
    assert value.kind is ValueKind.EXPRESSION and "deeply" in value.note


_ATOMS = st.sampled_from(["p", "q", "a", "b", "'azure'", "''", "null", "true", "false", "1", "s", "s.networkPolicy",
                          "empty(p)", "any(q)", "toLower(p)", "coalesce(a, p)", "union(s, {})", "f(x)", "[p, q]", "{ k: p }"])
_OPERATORS = st.sampled_from([" ? ", " : ", " ?? ", " == ", " != ", " && ", " || ", "!", ".", ".?", "[0]", "(", ")", " "])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_ATOMS, _OPERATORS), min_size=1, max_size=25))
def test_bicep_any_expression_gives_a_value_never_a_traceback_or_hang(parts):
    declarations = "param p string = ''\n@allowed([\n  'azure'\n  'calico'\n])\nparam q string\nvar a = b\nvar b = a\nparam s object = {\n  networkPolicy: p\n}"
    try:
        value, _ = _bicep(declarations, "".join(parts))
    except BicepSyntaxError:
        return  # unbalanced brackets are refused by the tokenizer, before any evaluation
    assert value.kind in (ValueKind.LITERAL, ValueKind.MISSING, ValueKind.EXPRESSION)
    if value.kind is ValueKind.EXPRESSION:
        assert value.note  # always a reason


# --- explain (end to end) -------------------------------------------------------------------------


def test_explain_shows_the_evaluation_and_where_each_value_came_from():
    case = ROOT / "tests" / "fixtures" / "bicep" / "evaluated-empty-any-param-default" / "input"
    result = subprocess.run([sys.executable, "-m", "fixer", "explain", "main.bicep", "."], cwd=case, capture_output=True, text=True,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert "evaluated    policy: expression !empty(aksClusterNetworkPolicy) ? any(aksClusterNetworkPolicy) : null" in result.stdout
    assert "param aksClusterNetworkPolicy = '' (no engine) (param aksClusterNetworkPolicy default, line 2)" in result.stdout
    assert "result under the defaults: null (no engine)" in result.stdout
    assert "would change it: param aksClusterNetworkPolicy = 'azure' gives azure" in result.stdout


def test_explain_names_the_input_a_terraform_value_depends_on():
    case = ROOT / "tests" / "fixtures" / "terraform" / "evaluated-validation-input-decides" / "input"
    result = subprocess.run([sys.executable, "-m", "fixer", "explain", "main.tf", "."], cwd=case, capture_output=True, text=True,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert "var.network_plugin: allowed 'azure', 'kubenet', 'none'" in result.stdout
    assert "var.network_plugin = 'none' gives '' (no engine)" in result.stdout


# --- ARM ------------------------------------------------------------------------------------------


def _arm(parameters: dict, expression: str, policy: bool = True, variables: dict | None = None):
    import json as _json

    from fixer.formats import jsonspan
    from fixer.formats.arm.expressions import ArmScope
    from fixer.formats.arm.expressions import evaluate_setting as arm_setting

    document = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "parameters": parameters, "variables": variables or {}}
    data = _json.dumps(document, indent=2).encode()
    return arm_setting(ArmScope(jsonspan.parse(data), data, "t.json"), expression, 1, policy=policy), data


def test_arm_functions():
    cases = {
        "[if(equals('a', 'a'), 'azure', '')]": "azure",
        "[toLower(format('{0}{1}', 'Cal', 'ico'))]": "calico",
        "[union(createObject('a', 'x'), createObject('p', 'azure')).p]": "azure",
        "[createArray('none', 'cilium')[1]]": "cilium",
        "[if(and(true(), not(empty('x'))), concat('az', 'ure'), 'none')]": "azure",
        "[coalesce(json('null'), 'calico')]": "calico",
        """[json('{"p": {"q": "azure"}}').p.q]""": "azure",
        "[if(contains(createArray('a'), 'a'), 'azure', '')]": "azure",
    }
    for expression, expected in cases.items():
        value, _ = _arm({}, expression)
        assert (value.kind, value.text) == (ValueKind.LITERAL, expected), expression


def test_arm_default_passed_through_is_the_origin_and_a_condition_is_not():
    value, data = _arm({"p": {"type": "string", "defaultValue": "no"}}, "[format('{0}ne', parameters('p'))]")
    assert value.literal == "none" and value.origin is None  # an engine written at p would not come out unchanged
    value, data = _arm({"p": {"type": "string", "defaultValue": "none"}}, "[toLower(parameters('p'))]")
    assert data[value.origin.start:value.origin.end] == b'"none"'  # lower-case engines pass through toLower
    value, data = _arm({"p": {"type": "string", "defaultValue": "none"}}, "[coalesce(parameters('p'), 'x')]")
    assert data[value.origin.start:value.origin.end] == b'"none"'
    value, _ = _arm({"env": {"type": "string", "defaultValue": "dev", "allowedValues": ["dev", "prod"]}},
                    "[if(equals(parameters('env'), 'prod'), 'azure', '')]")
    assert value.literal == "" and value.origin is None
    assert "would change it: parameter env = 'prod' gives azure" in value.evaluation


def test_arm_cycles_free_inputs_and_bad_expressions_stay_unresolved_with_a_reason():
    value, _ = _arm({}, "[variables('a')]", variables={"a": "[variables('b')]", "b": "[variables('a')]"})
    assert value.kind is ValueKind.EXPRESSION and "itself" in value.note
    value, _ = _arm({"p": {"type": "string"}}, "[parameters('p')]")
    assert value.kind is ValueKind.EXPRESSION and "parameter p (a free input)" in value.note
    for bad in ("[if(", "[parameters('p'", "['x'.]", "[" + "not(" * 100 + "true()" + ")" * 100 + "]"):
        value, _ = _arm({}, bad)
        assert value.kind is ValueKind.EXPRESSION and value.note, bad


_ARM_PARTS = st.sampled_from(["parameters('p')", "parameters('q')", "variables('a')", "'azure'", "''", "null()", "true()",
                              "if(", "equals(", "union(", "createObject(", "'networkPolicy'", "json('{}')", """json('{"p": [1]}')""", ", ", ")", ".p", "[0]", "x("])


@settings(max_examples=300, deadline=None)
@given(st.lists(_ARM_PARTS, min_size=1, max_size=25))
def test_arm_any_expression_gives_a_value_never_a_traceback_or_hang(parts):
    parameters = {"p": {"type": "string", "defaultValue": "[parameters('p')]"}, "q": {"type": "string", "allowedValues": ["azure", ""]}}
    value, _ = _arm(parameters, "[" + "".join(parts) + "]", variables={"a": "[variables('a')]"})
    assert value.kind in (ValueKind.LITERAL, ValueKind.MISSING, ValueKind.EXPRESSION)
    if value.kind is ValueKind.EXPRESSION:
        assert value.note


# --- Terraform: a condition on a value that differs per caller --------------------------------------

_MODULE = '''
variable "network_policy" {
  type    = string
  default = "cilium"
}

resource "azurerm_kubernetes_cluster" "this" {
  name                = "aks"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "aks"
  default_node_pool {
    name       = "system"
    node_count = 1
    vm_size    = "Standard_D4s_v5"
  }
  identity {
    type = "SystemAssigned"
  }
  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    network_policy      = var.network_policy
    network_data_plane  = var.network_policy == "cilium" ? "cilium" : null
  }
}
'''


def test_a_condition_on_a_per_caller_value_is_decided_for_each_caller(tmp_path):
    from fixer.pipeline import Options, run

    (tmp_path / "modules" / "aks").mkdir(parents=True)
    (tmp_path / "modules" / "aks" / "main.tf").write_text(_MODULE)
    for name, policy in (("calico", '"calico"'), ("cilium", '"cilium"'), ("default", None)):
        (tmp_path / name).mkdir()
        argument = f"\n  network_policy = {policy}" if policy else ""
        (tmp_path / name / "main.tf").write_text(f'module "aks" {{\n  source = "../modules/aks"{argument}\n}}\n')
    result = run(tmp_path, Options(), verify=False)
    views = {r.cluster.environment.split(":")[0]: r.cluster.profile for r in result.clusters}
    assert views["calico"].policy.text == "calico" and views["calico"].data_plane.kind is ValueKind.MISSING
    assert views["cilium"].data_plane.text == "cilium" and views["default"].data_plane.text == "cilium"
    assert {r.status.value for r in result.clusters} == {"compliant"} and all(r.fix is None or not r.fix.changes for r in result.clusters)


# --- a condition on a free input: either branch (decide.either) ----------------------------------


def test_a_free_condition_that_picks_only_parts_without_the_setting_decides_it():
    free = {"w": {"type": "object"}, "p": {"type": "string", "defaultValue": "calico"}}
    base = "createObject('networkProfile', createObject('networkPolicy', parameters('p')))"
    optional = "if(empty(parameters('w')), json('{}'), createObject('windowsProfile', parameters('w')))"
    value, data = _arm(free, f"[union({base}, {optional}).networkProfile.networkPolicy]")
    assert value.literal == "calico" and data[value.origin.start:value.origin.end] == b'"calico"'
    # where the condition picks the setting itself, it stays unresolved and names the free input
    value, _ = _arm(free, "[if(empty(parameters('w')), 'calico', '')]")
    assert value.kind is ValueKind.EXPRESSION and "parameter w (a free input)" in value.note
    # both branches the same literal value from two places: decided, but written nowhere (a write at
    # one place would leave the other branch as it was)
    value, _ = _arm(free, "[if(empty(parameters('w')), 'azure', 'azure')]")
    assert value.literal == "azure" and value.origin is None


def test_bicep_ternary_on_a_free_param_in_a_union():
    value, data = _bicep("param w object\nparam p string = 'azure'",
                         "union({ networkProfile: { networkPolicy: p } }, empty(w) ? {} : { windowsProfile: w }).networkProfile.networkPolicy")
    assert value.literal == "azure" and data[value.origin.start:value.origin.end] == b"'azure'"


_BRANCH_VALUES = st.sampled_from(["'azure'", "''", "'calico'", "json('{}')", "createObject('k', 'azure')", "createObject('k', '')",
                                  "createObject('k', parameters('w'))", "parameters('w')"])


def _branches(depth: int = 0):
    leaf = _BRANCH_VALUES
    if depth >= 2:
        return leaf
    inner = st.deferred(lambda: _branches(depth + 1))
    return st.one_of(leaf, st.tuples(inner, inner).map(lambda ab: f"if(empty(parameters('w')), {ab[0]}, {ab[1]})"),
                     st.tuples(inner, inner).map(lambda ab: f"union({ab[0]}, {ab[1]})"))


def _with_free_condition_fixed(expression: str, empty: bool) -> str:
    """The same expression in the world where the free object `w` is (or is not) empty."""
    return expression.replace("empty(parameters('w'))", "true()" if empty else "false()").replace("parameters('w')", "createObject('x', 1)")


@settings(max_examples=300, deadline=None)
@given(_branches(), st.sampled_from(["", ".k"]))
def test_either_is_sound_a_decided_value_holds_in_every_world(expression, path):
    """Whatever akfix decides for an expression whose conditions wait on a free input, it equals what
    the expression gives with the input empty and with it set (akfix's own evaluator, each world known)."""
    value, _ = _arm({"w": {"type": "object"}}, f"[{expression}{path}]")
    if value.kind is ValueKind.EXPRESSION:
        return
    for empty in (True, False):
        world, _ = _arm({}, f"[{_with_free_condition_fixed(expression, empty)}{path}]")
        assert world.kind is not ValueKind.EXPRESSION, (expression, world.note)
        assert (world.kind, world.text) == (value.kind, value.text), (expression, empty)


def test_a_setting_read_from_a_resource_loop_variable_says_so():
    """`resource aks '...' = [for c in clusters: {...}]` with `networkPolicy: c.policy` over a param
    whose elements akfix cannot list: the reason names the loop instead of "c is not a param or var"."""
    from fixer.formats.bicep.template import locate_bicep

    body = (Path(__file__).parent / "fixtures" / "bicep" / "resource-loop-unlisted" / "input" / "main.bicep").read_bytes()
    [cluster] = locate_bicep(body, "main.bicep", [])
    assert cluster.profile.policy.kind is ValueKind.EXPRESSION
    assert "loop variable of `[for c in clusters: ...]`" in cluster.profile.policy.note
    assert cluster.profile.plugin.literal == "azure"  # literals beside it are read as ever


def test_the_unresolved_hint_speaks_of_the_clusters_own_format():
    """A Bicep cluster's hint names params and parameters files, not tfvars and --plan."""
    from fixer.model import MISSING, Cluster, Profile, Value
    from fixer.plan.planner import PlanContext, plan

    expression = Value(ValueKind.EXPRESSION, "c.policy", 3, note="why")
    for fmt, says, never in (("bicep", ".bicepparam", "tfvars"), ("terraform", "tfvars", ".bicepparam"), ("pulumi", "assigned once", "tfvars")):
        cluster = Cluster("main", 1, fmt, "x", Profile(plugin=MISSING, policy=expression), api_version="2025-10-01" if fmt == "bicep" else None)
        fix = plan(cluster, PlanContext(engine="cilium"))
        assert fix.risk.value == "manual" and says in fix.hint and never not in fix.hint, fmt


def test_a_missing_key_of_a_multi_line_object_is_a_place_to_add_it():
    from fixer.formats.decide import R, binding_key, member_or_slot, without_slots
    from fixer.model import Spot

    where = Spot("main.bicepparam", 40, 41, "object")
    profile = R({"networkPlugin": R("azure", Spot("main.bicepparam", 60, 67, "literal"))}, where)
    slot = member_or_slot(profile, "networkDataplane", True, {})
    assert (slot.value, slot.spot) == (None, Spot("main.bicepparam", 40, 41, "member:networkDataplane"))
    assert member_or_slot(profile, "networkDataplane", True, {binding_key(slot.spot): "cilium"}).value == "cilium"
    assert member_or_slot(profile, "networkPlugin", True, {}).spot.kind == "literal"  # present: its literal
    assert member_or_slot(profile, "NETWORKPLUGIN", True, {}).value == "azure"  # keys ignore case, as in Bicep
    assert member_or_slot(profile, "networkDataplane", False, {}).spot is None  # `.x` of an absent key fails to deploy
    one_line = R(profile.value, None)
    assert member_or_slot(one_line, "networkDataplane", True, {}).spot is None
    typed = without_slots(R({"networkProfile": profile}, Spot("main.bicepparam", 10, 11, "object")))
    assert typed.spot is None and typed.value["networkProfile"].spot is None
    assert typed.value["networkProfile"].value["networkPlugin"].spot.kind == "literal"  # literals stay writable


def test_string_templates_are_evaluated_but_never_written():
    from fixer.formats.bicep.syntax import interpolation_parts

    data = b"""param env string = 'dev'
param minor int = 31
param policy string = 'calico'
var name = 'aks-${env}-${toLower('EU')}'
var version = '1.${minor}.2'
var profile = '${policy}'
var prefixed = 'x${policy}'
var nested = 'x-${empty('}') ? 'a' : 'b'}'
"""
    tokens = tokenize(data)
    scope = scope_of(tokens, data, "main.bicep", None)

    def value_of(var: str):
        start, end = scope.variables[var]
        return evaluate_setting(scope, start, end, policy=var in ("profile", "prefixed"))

    assert value_of("name").literal == "aks-dev-eu"
    assert value_of("version").literal == "1.31.2"
    assert value_of("nested").literal == "x-b"  # a brace inside a string inside the template
    # the param passes through unchanged: its default is where an engine goes; with a prefix it does not
    assert value_of("profile").origin.start == data.index(b"'calico'")
    assert value_of("prefixed").literal == "xcalico" and value_of("prefixed").origin is None
    template = next(t for t in tokens if t.interpolated and "minor" in t.text)
    assert interpolation_parts(template) == ["1.", (template.start + 5, "minor"), ".2"]
