"""Local Bicep module calls and ARM nested deployments (issue 20): the caller's values take the
place of the module's (or nested template's) defaults."""

from __future__ import annotations

import pytest

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


# --- params a fix passes where the module is called (template.argument_edits) ---------------------

NULLABLE = b"""param name string
param networkPlugin string?
param networkPolicy string = 'none'
param networkDataplane string?

resource aks 'Microsoft.ContainerService/managedClusters@2025-10-01' = {
  name: name
  properties: {
    networkProfile: {
      networkPlugin: networkPlugin
      networkDataplane: networkDataplane
      networkPolicy: networkDataplane == 'cilium' ? 'cilium' : networkPolicy
    }
  }
}
"""


def _call(params: str) -> bytes:
    return f"module aks './modules/aks.bicep' = {{\n  name: 'aks'\n  params: {params}\n}}\n".encode()


def test_a_nullable_param_the_caller_passes_is_the_caller_s_value():
    caller = _call("{\n    name: 'aks'\n    networkPlugin: 'kubenet'\n  }")
    [cluster] = locate_bicep(NULLABLE, "modules/aks.bicep", [("main.bicep", caller)])
    plugin = cluster.profile.plugin
    assert (plugin.literal, plugin.file) == ("kubenet", "main.bicep")  # was read as null: the caller's value ignored
    assert caller[plugin.origin.start:plugin.origin.end] == b"'kubenet'"


def test_a_param_the_caller_does_not_pass_is_passed_in_its_params_object_never_the_module_default():
    caller = _call("{\n    name: 'aks'\n  }")
    [cluster] = locate_bicep(NULLABLE, "modules/aks.bicep", [("main.bicep", caller)])
    profile = cluster.profile
    for value, name in ((profile.plugin, "networkPlugin"), (profile.policy, "networkPolicy"), (profile.data_plane, "networkDataplane")):
        assert value.origin.kind == f"argument:{name}" and value.origin.file == "main.bicep", (name, value)
        assert caller[value.origin.start:value.origin.end] == b"{" and value.line == 3
    assert profile.policy.literal == "none"  # the module's default decides today...
    assert NULLABLE.index(b"'none'") != profile.policy.origin.start  # ...but a fix does not write it there


def test_params_a_fix_cannot_add_say_why():
    one_line = _call("{ name: 'aks' }")
    [cluster] = locate_bicep(NULLABLE, "modules/aks.bicep", [("main.bicep", one_line)])
    assert cluster.profile.data_plane.origin is None and cluster.profile.data_plane.file == "main.bicep"
    assert "(akfix does not add it: its params object is on one line)" in cluster.profile.data_plane.evaluation
    spread = b"var shared = {\n  name: 'aks'\n}\n" + _call("{\n    ...shared\n  }")
    [cluster] = locate_bicep(NULLABLE, "modules/aks.bicep", [("main.bicep", spread)])
    assert cluster.profile.policy.kind is ValueKind.EXPRESSION
    assert "spread an object" in cluster.profile.policy.note


def test_argument_edits_keep_the_params_object_s_indentation_and_newlines():
    from fixer.edit.edits import apply_edits
    from fixer.formats.bicep.template import argument_edits

    caller = _call("{\n\t\tname: 'aks' // the name\n\t\tnetworkPlugin: 'azure'\n\t\tlocation: 'westeurope'\n\t}").replace(b"\n", b"\r\n")
    at = caller.index(b"params: {") + len(b"params: ")
    after = apply_edits(caller, argument_edits(caller, "main.bicep", at, {"networkPolicy": "cilium", "networkDataplane": "cilium"}, b"\r\n"))
    assert after == caller.replace(b"networkPlugin: 'azure'\r\n",
                                   b"networkPlugin: 'azure'\r\n\t\tnetworkPolicy: 'cilium'\r\n\t\tnetworkDataplane: 'cilium'\r\n")
    with pytest.raises(ValueError, match="one line"):
        one_line = _call("{ name: 'aks' }")
        argument_edits(one_line, "main.bicep", one_line.index(b"{ name"), {"networkPolicy": "cilium"}, b"\n")


def test_bicepparam_edits_add_lines_after_the_last_param():
    from fixer.edit.edits import apply_edits
    from fixer.formats.bicep.modules import bicepparam_edits

    def edited(body: bytes) -> bytes:
        return apply_edits(body, bicepparam_edits(body, {"networkPolicy": "cilium"}, b"\n"))

    assert edited(b"using 'main.bicep'\n") == b"using 'main.bicep'\n\nparam networkPolicy = 'cilium'\n"
    assert edited(b"using 'main.bicep'\nparam a = {\n  b: 1\n}\n// end\n") == \
        b"using 'main.bicep'\nparam a = {\n  b: 1\n}\nparam networkPolicy = 'cilium'\n// end\n"
    assert edited(b"using 'main.bicep'\n\nparam a = 'x'") == b"using 'main.bicep'\n\nparam a = 'x'\nparam networkPolicy = 'cilium'\n"
    with pytest.raises(ValueError, match="extends"):
        edited(b"using 'main.bicep'\nextends 'base.bicepparam'\n")


def test_without_greenfield_a_caller_that_states_no_plugin_stays_manual_as_before(tmp_path):
    from fixer.pipeline import Options, run

    (tmp_path / "modules").mkdir()
    (tmp_path / "modules" / "aks.bicep").write_bytes(NULLABLE)
    (tmp_path / "bare.bicep").write_bytes(_call("{\n    name: 'bare'\n  }"))
    (tmp_path / "azure.bicep").write_bytes(_call("{\n    name: 'azure'\n    networkPlugin: 'azure'\n  }"))
    result = run(tmp_path, Options(), verify=True)
    fixes = {r.cluster.environment: r.fix for r in result.clusters}
    assert fixes["bare.bicep"].risk.value == "manual" and fixes["bare.bicep"].blocker == "live-plugin-unknown"
    # the plugin the caller passes is known: the engine is passed beside it, the module untouched
    assert {c.attribute: (c.value, c.origin.file) for c in fixes["azure.bicep"].changes} == {
        "networkPolicy": ("cilium", "azure.bicep"), "networkDataplane": ("cilium", "azure.bicep")}
    assert [c.relpath for c in result.changes] == ["azure.bicep"]


def test_aks_automatic_through_the_caller_is_compliant_and_never_written():
    module = NULLABLE.replace(b"param name string\n", b"param name string\nparam skuName string = 'Base'\n").replace(
        b"  name: name\n  properties", b"  name: name\n  sku: {\n    name: skuName\n  }\n  properties")
    automatic, base = (_call(f"{{\n    name: 'aks'\n    skuName: '{sku}'\n  }}") for sku in ("Automatic", "Base"))
    [cluster] = locate_bicep(module, "modules/aks.bicep", [("main.bicep", automatic)])
    assert (cluster.profile.policy.literal, cluster.profile.data_plane.literal, cluster.editable) == ("cilium", "cilium", False)
    assert cluster.profile.policy.file == "main.bicep"  # the call that makes it Automatic keeps a view of its own
    [cluster] = locate_bicep(module, "modules/aks.bicep", [("main.bicep", base)])
    assert cluster.profile.policy.literal == "none" and cluster.editable  # the module default


def test_the_caller_prefilter_skips_only_files_whose_every_call_it_read():
    from fixer.formats.bicep.modules import _may_call

    wanted = {"modules/aks.bicep"}
    plain = b"module net './net.bicep' = {\n  name: 'net'\n}\nmodule aks './aks.bicep' = {\n  name: 'aks'\n}\n"
    assert _may_call(plain, "modules/caller.bicep", wanted)  # ./aks.bicep from modules/ is the cluster template
    assert not _may_call(plain, "envs/caller.bicep", wanted)  # both calls name other templates: not tokenized
    assert not _may_call(b"module reg 'br/public:avm/res/x:1.0.0' = {}\n", "a.bicep", wanted)
    # forms the prefilter does not read are tokenized: a comment inside the statement, `module` as a key
    assert _may_call(b"module /* c */ aks '../modules/aks.bicep' = {}\n", "envs/a.bicep", wanted)
    assert _may_call(b"var x = {\n  module: 'y'\n}\nmodule net './net.bicep' = {}\n", "envs/a.bicep", wanted)
    assert _may_call(plain, "envs/caller.bicep", None)  # no wanted set: every file


def test_callers_restricted_to_cluster_templates_find_the_same_callers(tmp_path):
    from fixer.discover import list_files
    from fixer.formats.bicep.modules import callers

    (tmp_path / "modules").mkdir()
    (tmp_path / "envs").mkdir()
    (tmp_path / "modules" / "aks.bicep").write_text("resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {\n  name: 'a'\n}\n")
    (tmp_path / "modules" / "net.bicep").write_text("param x string = 'y'\n")
    (tmp_path / "envs" / "prod.bicep").write_text("module aks '../modules/aks.bicep' = {\n  name: 'aks'\n}\n")
    (tmp_path / "envs" / "net.bicep").write_text("module net '../modules/net.bicep' = {\n  name: 'net'\n}\n")
    listing = list_files(tmp_path, ())
    everything = callers(listing)
    assert everything == {"modules/aks.bicep": ["envs/prod.bicep"], "modules/net.bicep": ["envs/net.bicep"]}
    assert callers(listing, {"modules/aks.bicep"}) == {"modules/aks.bicep": ["envs/prod.bicep"]}


@pytest.mark.parametrize("source, expected", [
    ("github.com/Azure/terraform-azurerm-aks?ref=11.1.0", ("Azure/aks/azurerm", "11.1.0", "11.1.0")),
    ("git::https://github.com/Azure/terraform-azurerm-aks.git?ref=v9.0.0", ("Azure/aks/azurerm", "9.0.0", "v9.0.0")),
    ("git::ssh://git@github.com/Azure/terraform-azurerm-aks.git//v4?ref=10.0.0", ("Azure/aks/azurerm", "10.0.0", "10.0.0")),
    ("git::https://github.com/Azure/terraform-azurerm-aks.git?depth=1&ref=v9.4.1", ("Azure/aks/azurerm", "9.4.1", "v9.4.1")),
    ("git@github.com:Azure/terraform-azurerm-aks.git?ref=main", ("Azure/aks/azurerm", None, "main")),  # a branch: no version
    ("github.com/Azure/terraform-azurerm-aks", ("Azure/aks/azurerm", None, None)),  # the default branch
    ("github.com/Azure/terraform-azurerm-avm-res-containerservice-managedcluster?ref=v0.4.0",
     ("Azure/avm-res-containerservice-managedcluster/azurerm", "0.4.0", "v0.4.0")),
    ("github.com/Azure/terraform-azurerm-aks-extras?ref=1.0.0", None),  # another repository
    ("github.com/someone/terraform-azurerm-aks?ref=1.0.0", None),  # a fork is not the module
    ("gitlab.com/Azure/terraform-azurerm-aks?ref=1.0.0", None),
    ("Azure/aks/azurerm", None),  # the registry address is read as it is, not here
])
def test_known_modules_called_from_their_github_repositories(source, expected):
    from fixer.formats.terraform.modules import registry_of

    assert registry_of(source) == expected
