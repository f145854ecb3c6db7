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


def test_a_file_that_does_not_call_the_module_gives_the_defaults():
    other = b"module aks './modules/other.bicep' = {\n  name: 'aks'\n  params: {\n    settings: {\n      networkPolicy: 'none'\n    }\n  }\n}\n"
    [cluster] = locate_bicep(MODULE, "modules/aks.bicep", [("main.bicep", other)])
    assert cluster.profile.policy.literal == "calico" and cluster.profile.policy.file is None
