"""`akfix azure-policy`: the definition against Azure's schemas (offline copies), the rule evaluated
on sample clusters, Terraform (`terraform fmt`, python-hcl2 read-back) and Bicep (tree-sitter)
renderings, and the command end to end: where it writes, what it keeps, what it refuses."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from fixer.azure_policy.command import choose_form
from fixer.azure_policy.definition import POLICY_ALIAS, assignment_parameters, definition
from fixer.azure_policy.evaluate import SAMPLES, UnsupportedRule, effect_for, holds, sample_cluster
from fixer.azure_policy.iac import Scope, bicep, bicep_string, terraform

SCHEMAS = Path(__file__).parent / "schemas"
REPO = Path(__file__).resolve().parents[1]
FILE = "azure-policy/akfix-aks-network-policy"


def akfix(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fixer", *args], capture_output=True, text=True, timeout=120)


# ---- the definition against Azure's published schemas ----

@pytest.mark.parametrize("name, digest", [
    ("azure-policy-rule-2020-10-01.json", "21d2ad6229404ef099ef59a0b6bbea01be838ca9b8ad6150672b981f860e01a5"),
    ("azure-microsoft-authorization-2023-04-01.json", "204aa769fd537cd354f79a0e8df9022332dae7e1d46db92ab376edc7314c9467"),
    ("azure-common-definitions.json", "5be65fcdfc43b8e5fdfca1794fe499c9e0836bbbbe55f3cc15ac03f7b6e6855f"),
])
def test_schema_copies_are_the_recorded_ones(name, digest):
    assert hashlib.sha256((SCHEMAS / name).read_bytes()).hexdigest() == digest


def _validator(schema_file: str, pointer: str | None = None):
    """A draft-04 validator whose remote references resolve to the offline copies only."""
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    loaded = {name: json.loads((SCHEMAS / name).read_text()) for name in
              ("azure-policy-rule-2020-10-01.json", "azure-microsoft-authorization-2023-04-01.json", "azure-common-definitions.json")}
    registry = Registry().with_resources(
        (document["id"].rstrip("#"), Resource.from_contents(document, default_specification=DRAFT4)) for document in loaded.values()
    )
    root = loaded[schema_file]
    schema = {"$ref": root["id"].rstrip("#") + "#" + pointer} if pointer else root
    return jsonschema.Draft4Validator(schema, registry=registry)


@pytest.mark.parametrize("engines", [("cilium", "calico", "azure"), ("cilium",), ("calico", "cilium")])
def test_definition_validates_against_azures_schemas(engines):
    document = definition(engines)
    _validator("azure-policy-rule-2020-10-01.json").validate(document["properties"]["policyRule"])
    resource = {"apiVersion": "2023-04-01", **document}
    _validator("azure-microsoft-authorization-2023-04-01.json", "/subscription_resourceDefinitions/policyDefinitions").validate(resource)
    properties = document["properties"]
    assert properties["mode"] == "Indexed" and properties["policyType"] == "Custom"
    effect = properties["parameters"]["effect"]
    assert effect["allowedValues"] == ["Audit", "Deny", "Disabled"] and effect["defaultValue"] == "Audit"


def test_the_schema_check_can_fail():
    import jsonschema

    rule = definition()["properties"]["policyRule"]
    rule["if"]["allOf"][1]["anyOf"][0] = {"field": POLICY_ALIAS, "isMissing": True}
    with pytest.raises(jsonschema.ValidationError):
        _validator("azure-policy-rule-2020-10-01.json").validate(rule)


def test_assignment_validates_against_azures_schema():
    assignment = {"name": "akfix-aks-network-policy", "type": "Microsoft.Authorization/policyAssignments", "apiVersion": "2023-04-01",
                  "properties": {"policyDefinitionId": "/subscriptions/0/providers/Microsoft.Authorization/policyDefinitions/akfix-aks-network-policy",
                                 "parameters": assignment_parameters("Deny", ("cilium",))}}
    _validator("azure-microsoft-authorization-2023-04-01.json", "/subscription_resourceDefinitions/policyAssignments").validate(assignment)
    with pytest.raises(ValueError):
        assignment_parameters("deny-all", ("cilium",))


# ---- the rule, evaluated ----

@pytest.mark.parametrize("label, verdict", [
    ('networkPolicy absent', "Audit"), ('networkPolicy "none"', "Audit"), ('networkPolicy ""', "Audit"),
    ('networkPolicy "azure"', None), ('networkPolicy "calico"', None), ('networkPolicy "cilium"', None), ("a storage account", None),
])
def test_rule_flags_absent_none_and_empty_and_passes_engines(label, verdict):
    resource = dict(SAMPLES)[label]
    assert effect_for(definition(), resource) == verdict


def test_assignment_parameters_change_the_outcome():
    document = definition()
    assert effect_for(document, sample_cluster("azure"), {"allowedEngines": ["cilium", "calico"]}) == "Audit"
    assert effect_for(document, sample_cluster("none"), {"effect": "Deny"}) == "Deny"
    assert effect_for(document, sample_cluster("none"), {"effect": "Disabled"}) is None
    assert effect_for(document, sample_cluster("Cilium")) is None  # Azure compares strings case-insensitively


def test_exists_false_alone_misses_clusters_that_store_none():
    """Why the rule has more than the common hand-written `exists: false` (facts §12)."""
    naive = {"field": POLICY_ALIAS, "exists": "false"}
    assert holds(naive, sample_cluster()) and not holds(naive, sample_cluster("none"))


@given(value=st.one_of(st.none(), st.sampled_from(["", "none", "None", "azure", "calico", "cilium", "CILIUM", "antrea"]), st.text(max_size=8)),
       engines=st.lists(st.sampled_from(["cilium", "calico", "azure"]), min_size=1, max_size=3, unique=True))
def test_rule_flags_exactly_what_is_not_an_allowed_engine(value, engines):
    resource = sample_cluster() if value is None else sample_cluster(value)
    flagged = effect_for(definition(tuple(engines)), resource) is not None
    assert flagged == (value is None or value.lower() not in engines)


def test_evaluator_operators_and_refusals():
    resource = sample_cluster("cilium")
    assert holds({"not": {"field": POLICY_ALIAS, "equals": "none"}}, resource)
    assert holds({"field": POLICY_ALIAS, "notEquals": "calico"}, resource)
    assert not holds({"field": "Microsoft.Storage/storageAccounts/x", "exists": "true"}, resource)
    with pytest.raises(UnsupportedRule):
        holds({"field": POLICY_ALIAS, "like": "cil*"}, resource)
    with pytest.raises(UnsupportedRule):
        holds({"field": POLICY_ALIAS, "notIn": "[parameters('missing')]"}, resource)


# ---- Terraform and Bicep ----

@pytest.mark.parametrize("scope", [Scope(), Scope("platform")])
def test_terraform_is_fmt_clean_and_reads_back_as_the_definition(terraform_bin, scope):
    import hcl2

    text = terraform("Deny", ("cilium", "calico"), scope)
    formatted = subprocess.run([terraform_bin, "fmt", "-"], input=text, capture_output=True, text=True, timeout=60)
    assert formatted.returncode == 0 and formatted.stdout == text
    parsed = hcl2.loads(text)  # python-hcl2 8 keeps labels and strings quoted
    resources = {kind.strip('"'): body for block in parsed["resource"] for kind, body in block.items()}
    assignment = "azurerm_management_group_policy_assignment" if scope.management_group else "azurerm_subscription_policy_assignment"
    assert set(resources) == {"azurerm_policy_definition", assignment}
    (read,) = resources["azurerm_policy_definition"].values()
    heredoc = {name: json.loads(read[name].strip('"').split("\n", 1)[1].rsplit("\n", 1)[0]) for name in ("metadata", "parameters", "policy_rule")}
    properties = definition(("cilium", "calico"))["properties"]
    assert heredoc == {"metadata": properties["metadata"], "parameters": properties["parameters"], "policy_rule": properties["policyRule"]}
    assert read["mode"] == '"Indexed"' and read["policy_type"] == '"Custom"'
    variables = {name.strip('"'): body for block in parsed["variable"] for name, body in block.items()}
    assert variables["effect"]["default"] == '"Deny"' and variables["allowed_engines"]["default"] == ['"cilium"', '"calico"']


def _bicep_parser():
    import tree_sitter_bicep
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_bicep.language()))


@pytest.mark.parametrize("scope, target", [(Scope(), "subscription"), (Scope("platform"), "managementGroup")])
def test_bicep_parses_and_declares_both_resources(scope, target):
    text = bicep("Audit", ("cilium",), scope)
    root = _bicep_parser().parse(text.encode()).root_node
    assert not root.has_error
    declarations = [c.text.decode() for c in root.children if c.type == "resource_declaration"]
    assert any("'Microsoft.Authorization/policyDefinitions@" in d for d in declarations)
    assert any("'Microsoft.Authorization/policyAssignments@" in d for d in declarations)
    assert f"targetScope = '{target}'" in text
    assert "effect: '[parameters(\\'effect\\')]'" in text  # Bicep passes the policy's own expression through


def _bicep_unquote(literal: str) -> str:
    """What the Bicep compiler reads from a single-quoted literal (its escapes)."""
    simple = {"\\": "\\", "'": "'", "n": "\n", "r": "\r", "t": "\t", "$": "$"}
    return re.sub(r"\\u\{([0-9A-Fa-f]+)\}|\\(.)", lambda m: chr(int(m.group(1), 16)) if m.group(1) else simple[m.group(2)], literal[1:-1])


@example("//")  # tree-sitter-bicep read this as a comment (hypothesis found it)
@example("\t/*x")
@given(st.text(max_size=30))
def test_bicep_strings_parse_whatever_they_hold(value):
    literal = bicep_string(value)
    root = _bicep_parser().parse(f"var x = {literal}\n".encode()).root_node
    assert not root.has_error
    assert _bicep_unquote(literal) == value


# ---- the command ----

def test_json_prints_the_definition_and_writes_nothing(tmp_path):
    """Done when: `akfix azure-policy --format json` prints a definition whose rule flags absent,
    none and "" and passes azure, calico and cilium."""
    result = akfix("azure-policy", str(tmp_path), "--format", "json")
    assert result.returncode == 0 and not any(tmp_path.iterdir())
    document = json.loads(result.stdout)
    assert document == definition()
    verdicts = {label: effect_for(document, resource) for label, resource in SAMPLES}
    assert [v for v in verdicts.values()] == ["Audit", "Audit", "Audit", None, None, None, None]


def test_writes_terraform_in_a_terraform_repository_then_is_a_fixed_point(tmp_path, terraform_bin):
    repo = tmp_path / "repo"
    (repo / "infra").mkdir(parents=True)
    (repo / "infra" / "main.tf").write_text('resource "azurerm_kubernetes_cluster" "a" {}\n')
    first = akfix("azure-policy", str(repo), "--effect", "Deny", "--allowed-engines", "cilium,calico")
    assert first.returncode == 0, first.stderr
    assert f"wrote {FILE}.tf" in first.stdout and 'networkPolicy "azure"      Deny' in first.stdout
    written = (repo / f"{FILE}.tf").read_bytes()
    assert written.startswith(b"# Generated by akfix (sha256:")
    assert subprocess.run([terraform_bin, "fmt", "-check", str(repo / f"{FILE}.tf")], capture_output=True).returncode == 0
    again = akfix("azure-policy", str(repo), "--effect", "Deny", "--allowed-engines", "cilium,calico")
    assert again.returncode == 0 and "up to date" in again.stdout and (repo / f"{FILE}.tf").read_bytes() == written


def test_a_persons_edit_is_kept_and_a_foreign_file_is_refused(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "main.bicep").write_text("resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {}\n")
    assert akfix("azure-policy", str(repo)).returncode == 0
    target = repo / f"{FILE}.bicep"
    assert target.read_text().startswith("// Generated by akfix")
    target.write_text(target.read_text().replace("param effect string = 'Audit'", "param effect string = 'Deny'"))
    edited = target.read_text()
    kept = akfix("azure-policy", str(repo), "--effect", "Disabled")
    assert kept.returncode == 0 and "kept" in kept.stdout and target.read_text() == edited
    forced = akfix("azure-policy", str(repo), "--effect", "Disabled", "--force")
    assert forced.returncode == 0 and "param effect string = 'Disabled'" in target.read_text()
    target.write_text("// mine\n")
    refused = akfix("azure-policy", str(repo))
    assert refused.returncode == 2 and "not written by akfix" in refused.stderr and target.read_text() == "// mine\n"


def test_bad_input_exits_2_with_the_reason(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    none = akfix("azure-policy", str(empty))
    assert none.returncode == 2 and "--iac terraform|bicep" in none.stderr
    outside = akfix("azure-policy", str(empty), "--iac", "terraform", "--output-dir", "../elsewhere")
    assert outside.returncode == 2 and not (tmp_path / "elsewhere").exists()
    engines = akfix("azure-policy", str(empty), "--allowed-engines", "cilium,antrea")
    assert engines.returncode == 2 and "antrea" in engines.stderr
    group = akfix("azure-policy", str(empty), "--iac", "bicep", "--management-group", "a/b")
    assert group.returncode == 2 and "management group" in group.stderr


def test_dry_run_shows_the_diff_and_the_configuration_sets_the_engines(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "aks.tf").write_text("")
    (repo / ".akfix.toml").write_text('allowed-engines = ["cilium"]\n')
    dry = akfix("azure-policy", str(repo), "--dry-run")
    assert dry.returncode == 1 and f"+++ b/{FILE}.tf" in dry.stdout and not (repo / "azure-policy").exists()
    assert 'default     = ["cilium"]' in dry.stdout


def test_the_form_follows_the_clusters():
    files = {"a.tf": b"", "b.bicep": b"resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01'"}
    assert choose_form(list(files), files.get)[0] == "bicep"
    assert choose_form(["a.tf"], files.get)[0] == "terraform"
    assert choose_form(["README.md"], files.get)[0] is None
