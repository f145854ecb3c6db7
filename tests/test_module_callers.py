"""Local Bicep module calls and ARM nested deployments (issue 20): the caller's values take the
place of the module's (or nested template's) defaults."""

from __future__ import annotations

from fixer.formats.bicep.modules import local_target
from fixer.formats.bicep.template import locate_bicep
from fixer.model import ValueKind

MODULE = b"""param settings object = {
  networkPolicy: 'calico'
}
param plugin string = 'azure'

resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {
  name: 'aks'
  properties: {
    networkProfile: {
      networkPlugin: plugin
      networkPolicy: settings.networkPolicy
    }
  }
}
"""


def test_registry_and_template_spec_modules_are_not_followed():
    assert local_target("infra/main.bicep", "./modules/aks.bicep") == "infra/modules/aks.bicep"
    assert local_target("infra/main.bicep", "../shared/aks.bicep") == "shared/aks.bicep"
    for source in ("br/public:avm/res/container-service/managed-cluster:0.1.0", "br:contoso.azurecr.io/aks:1.0",
                   "ts:0000/rg/aks:1.0", "ts/corp:aks:1.0", "./modules/aks.json", "../../outside.bicep"):
        assert local_target("infra/main.bicep", source) is None, source


def test_the_caller_s_literal_takes_the_place_of_the_module_default_and_is_the_origin():
    caller = b"module aks './modules/aks.bicep' = {\n  name: 'aks'\n  params: {\n    settings: {\n      networkPolicy: 'none'\n    }\n  }\n}\n"
    [cluster] = locate_bicep(MODULE, "modules/aks.bicep", [("main.bicep", caller)])
    policy = cluster.profile.policy
    assert (policy.kind, policy.text, policy.file, policy.line) == (ValueKind.LITERAL, "none", "main.bicep", 5)
    assert policy.origin.file == "main.bicep" and caller[policy.origin.start:policy.origin.end] == b"'none'"
    assert cluster.profile.plugin.literal == "azure"  # not passed: the module's default


def test_a_caller_param_without_a_default_leaves_it_unresolved_naming_that_param():
    caller = b"param mine object\nmodule aks './modules/aks.bicep' = {\n  name: 'aks'\n  params: {\n    settings: mine\n  }\n}\n"
    [cluster] = locate_bicep(MODULE, "modules/aks.bicep", [("main.bicep", caller)])
    assert cluster.profile.policy.kind is ValueKind.EXPRESSION
    assert "param mine has no default in main.bicep" in cluster.profile.policy.note


def test_each_call_of_the_module_in_one_file_is_a_view_named_after_the_call():
    call = "module {name} './modules/aks.bicep' = {{\n  name: '{name}'\n  params: {{\n    settings: {{\n      networkPolicy: '{policy}'\n    }}\n  }}\n}}\n"
    caller = (call.format(name="dev", policy="calico") + call.format(name="prod", policy="none")).encode()
    views = locate_bicep(MODULE, "modules/aks.bicep", [("main.bicep", caller)])
    assert [(v.environment, v.profile.policy.literal, v.profile.policy.line) for v in views] == [
        ("main.bicep (module dev)", "calico", 5), ("main.bicep (module prod)", "none", 13)]


def test_a_file_that_does_not_call_the_module_gives_the_defaults():
    other = b"module aks './modules/other.bicep' = {\n  name: 'aks'\n  params: {\n    settings: {\n      networkPolicy: 'none'\n    }\n  }\n}\n"
    [cluster] = locate_bicep(MODULE, "modules/aks.bicep", [("main.bicep", other)])
    assert cluster.profile.policy.literal == "calico" and cluster.profile.policy.file is None


def _nested(passed: str, inner_parameters: str, policy: str, outer_parameters: str = "{}") -> bytes:
    return f"""{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": {outer_parameters},
  "resources": [{{
    "type": "Microsoft.Resources/deployments", "name": "nested",
    "properties": {{
      "expressionEvaluationOptions": {{"scope": "inner"}},
      "parameters": {passed},
      "template": {{
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "parameters": {inner_parameters},
        "resources": [{{"type": "Microsoft.ContainerService/managedClusters", "name": "aks",
                        "properties": {{"networkProfile": {{"networkPlugin": "azure", "networkPolicy": "{policy}"}}}}}}]
      }}
    }}
  }}]
}}""".encode()


def test_arm_inner_scope_takes_the_passed_outer_parameter_and_writes_its_default():
    from fixer.formats.arm.template import locate_arm

    data = _nested('{"p": {"value": "[parameters(\'outer\')]"}}',
                   '{"p": {"type": "string", "defaultValue": "calico", "allowedValues": ["calico", "none"]}}',
                   "[parameters('p')]", '{"outer": {"type": "string", "defaultValue": "none"}}')
    [cluster] = locate_arm(data, "t.json", [])
    policy = cluster.profile.policy
    assert policy.literal == "none"
    assert data[policy.origin.start:policy.origin.end] == b'"none"'
    assert data.index(b'"defaultValue": "none"') + len(b'"defaultValue": ') == policy.origin.start  # the outer default
    assert [v.values for v in policy.validations] == [("calico", "none")]  # the nested @allowedValues is extended by a fix


def test_arm_inner_scope_without_the_parameter_passed_keeps_the_nested_default():
    from fixer.formats.arm.template import locate_arm

    data = _nested("{}", '{"p": {"type": "string", "defaultValue": "calico"}}', "[parameters('p')]",
                   '{"p": {"type": "string", "defaultValue": "none"}}')
    [cluster] = locate_arm(data, "t.json", [])
    assert cluster.profile.policy.literal == "calico"


def test_arm_a_free_outer_input_leaves_it_unresolved_naming_it():
    from fixer.formats.arm.template import locate_arm

    data = _nested('{"p": {"value": "[parameters(\'free\')]"}}', '{"p": {"type": "string", "defaultValue": "calico"}}',
                   "[parameters('p')]", '{"free": {"type": "string"}}')
    [cluster] = locate_arm(data, "t.json", [])
    assert cluster.profile.policy.kind is ValueKind.EXPRESSION
    assert "parameter free has no default (in the outer template)" in cluster.profile.policy.note
