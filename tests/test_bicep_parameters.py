"""JSON parameters files for Bicep templates (formats/bicep/parameters.py) and ARM templates
(formats/deployment_parameters.py): which files feed which template, how their values reach the
evaluator, and what stays undecided."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from fixer.formats.arm.template import locate_arm
from fixer.formats.arm.template import parameter_files_for as arm_parameter_files_for
from fixer.formats.bicep.parameters import UNREAD, feeds, parameter_files_for, read_parameter_file
from fixer.formats.bicep.syntax import string_value
from fixer.formats.bicep.template import locate_bicep
from fixer.model import ValueKind

TEMPLATE = b"""param networkPolicy string = 'azure'
param location string

resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {
  name: 'aks'
  location: location
  properties: {
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
      networkPolicy: networkPolicy
    }
  }
}
"""


def _document(parameters: dict) -> bytes:
    return json.dumps({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
                       "contentVersion": "1.0.0.0", "parameters": parameters}, indent=2).encode()


def test_which_files_beside_a_template_are_its_parameters_files():
    files = ["infra/main.bicep", "infra/main.parameters.json", "infra/main.parameters.prod.json", "infra/parameters.json",
             "infra/dev.bicepparam", "infra/other.parameters.json", "infra/parameters-example.json", "infra/main.json",
             "elsewhere/main.parameters.json", "infra/parameters-main.json", "infra/parameters_prd.json", "infra/main.params.json",
             "infra/main.parameters.sample.json", "infra/mainparameters.json", "infra/params/dev.json", "infra/other/dev.json",
             "infra/params/nested/dev.json", "infra/settings.json"]
    # every name that says parameters, and the files of a parameters folder beside the template; whether
    # each feeds it is the content's question (a parameters document that sets only what it declares)
    assert parameter_files_for("infra/main.bicep", files) == [
        "infra/dev.bicepparam", "infra/main.parameters.json", "infra/main.parameters.prod.json", "infra/main.params.json",
        "infra/mainparameters.json", "infra/other.parameters.json", "infra/parameters-main.json", "infra/parameters.json",
        "infra/parameters_prd.json", "infra/params/dev.json"]


def test_a_json_file_feeds_when_it_is_a_parameters_document_and_a_bicepparam_when_using_names_the_template():
    assert feeds(_document({"x": {"value": 1}}), "main.bicep")
    assert feeds(b"\xef\xbb\xbf" + _document({}), "main.bicep")  # a BOM does not hide it
    assert not feeds(b'{"resources": []}', "main.bicep")  # a template, not parameters
    assert not feeds(b'{"parameters": {"x": {"type": "string"}}, "resources": []}', "main.bicep")  # its declarations are no values
    assert not feeds(b"{ not json", "main.bicep")
    assert feeds(b"using 'main.bicep'\nparam x = 1\n", "infra/main.bicep")
    assert not feeds(b"using 'other.bicep'\nparam x = 1\n", "infra/main.bicep")


def test_values_are_tokens_spanning_the_json_file_and_names_match_case_insensitively():
    body = _document({"NetworkPolicy": {"value": "none"}, "location": {"value": "westeurope"}})
    file, _, tokens, declarations = read_parameter_file("main.parameters.json", body, {"networkPolicy", "location"})
    first, end = declarations["networkPolicy"]  # the template's spelling
    token = tokens[first]
    assert (end - first, string_value(token), body[token.start:token.end]) == (1, "none", b'"none"')
    assert file == "main.parameters.json"


def test_a_parameter_the_template_does_not_declare_means_the_file_is_not_for_it():
    body = _document({"networkPolicy": {"value": "none"}, "vnetName": {"value": "hub"}})
    assert read_parameter_file("parameters.json", body, {"networkPolicy"}) is None


def test_what_akfix_does_not_read_is_an_unread_token_with_the_reason():
    body = _document({
        "a": {"value": "${AKS_POLICY}"},
        "b": {"reference": {"keyVault": {"id": "/x"}, "secretName": "s"}},
        "c": {"value": {"networkPolicy": "calico"}},
        "d": {"value": ["x"]},
        "e": {"value": None}, "f": {"value": True}, "g": {"value": 3},
    })
    _, _, tokens, declarations = read_parameter_file("p.parameters.json", body, set("abcdefg"))
    kinds = {name: (tokens[first].kind, tokens[first].text) for name, (first, _) in declarations.items()}
    assert kinds["a"] == (UNREAD, "${AKS_POLICY} (an azd environment substitution)")
    assert kinds["b"] == (UNREAD, "a Key Vault reference")
    assert kinds["c"] == ("punct", "{") and kinds["d"] == ("punct", "[")  # read as one-line literals
    assert kinds["e"] == ("ident", "null") and kinds["f"] == ("ident", "true") and kinds["g"] == ("number", "3")


def test_the_view_takes_the_files_value_over_the_default_it_overrides():
    [cluster] = locate_bicep(TEMPLATE, "main.bicep", [("main.parameters.json", _document({"networkPolicy": {"value": "none"}}))])
    policy = cluster.profile.policy
    assert (policy.kind, policy.text, policy.file, policy.line) == (ValueKind.LITERAL, "none", "main.parameters.json", 6)
    [unread] = locate_bicep(TEMPLATE, "main.bicep", [("main.parameters.json", _document({"networkPolicy": {"value": "${P}"}}))])
    assert unread.profile.policy.kind is ValueKind.EXPRESSION and unread.profile.policy.file == "main.parameters.json"
    assert "akfix does not read" in unread.profile.policy.note


def test_cli_never_takes_the_default_a_parameters_file_overrides(tmp_path):
    """Before: main.bicep's default 'azure' made the cluster compliant, while every deployment ran none."""
    from fixer.cli import main

    (tmp_path / "main.bicep").write_bytes(TEMPLATE)
    (tmp_path / "main.parameters.json").write_bytes(_document({"networkPolicy": {"value": "none"}, "location": {"value": "x"}}))
    assert main(["check", "--no-config", str(tmp_path)]) == 1


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=12),
                    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.lists(st.integers(), max_size=2))


@settings(max_examples=200, deadline=None)
@given(values=st.dictionaries(st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,8}", fullmatch=True), SCALARS, max_size=5),
       indent=st.sampled_from([None, 2, 4]))
def test_any_parameters_document_reads_to_tokens_inside_the_file(values, indent):
    body = json.dumps({"parameters": {k: {"value": v} for k, v in values.items()}}, indent=indent).encode()
    declared = {k.lower() for k in values}
    found = read_parameter_file("x.parameters.json", body, declared)
    if len({k.lower() for k in values}) < len(values):
        return  # two spellings of one name: whichever wins, nothing outside the file is read
    assert found is not None
    _, _, tokens, declarations = found
    assert set(declarations) == declared
    for name, (first, end) in declarations.items():
        token = tokens[first]
        assert 0 <= token.start <= token.end <= len(body) and first < end
        assert all(0 <= t.start <= t.end <= len(body) and t.kind != "newline" for t in tokens[first:end])  # one line
        original = next(v for k, v in values.items() if k.lower() == name)
        if token.kind == "string":  # a string the evaluator reads is the JSON string at that span
            assert string_value(token) == original == json.loads(body[token.start:token.end]) and end == first + 1
        for leaf in tokens[first:end]:  # every string in an object or array is the JSON string at its span
            if leaf.kind == "string":
                assert string_value(leaf) == json.loads(body[leaf.start:leaf.end])


ARM = json.dumps({
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {"networkPolicy": {"type": "string", "defaultValue": "azure"}},
    "resources": [{"type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2024-05-01", "name": "aks",
                   "properties": {"networkProfile": {"networkPlugin": "azure", "networkPluginMode": "overlay",
                                                     "networkPolicy": "[parameters('networkPolicy')]"}}}],
}, indent=2).encode()


def test_arm_templates_take_the_same_names_and_only_files_that_fit_them():
    files = ["t/aks.json", "t/aks.parameters.json", "t/parameters_dev.json", "t/parameters-example.json", "t/net.parameters.json"]
    assert arm_parameter_files_for("t/aks.json", files) == ["t/aks.parameters.json", "t/net.parameters.json", "t/parameters_dev.json"]
    fits = ("t/aks.parameters.json", _document({"networkPolicy": {"value": "none"}}))
    foreign = ("t/parameters_dev.json", _document({"networkPolicy": {"value": "calico"}, "vnetName": {"value": "hub"}}))
    [cluster] = locate_arm(ARM, "t/aks.json", [fits])
    assert (cluster.profile.policy.text, cluster.profile.policy.file) == ("none", "t/aks.parameters.json")
    [alone] = locate_arm(ARM, "t/aks.json", [foreign])  # sets vnetName, which aks.json does not declare: not its file
    assert (alone.profile.policy.text, alone.profile.policy.file) == ("azure", "t/aks.json")  # the default
