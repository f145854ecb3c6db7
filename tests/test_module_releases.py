"""What each release of a known AKS module takes in its call (fixer/plan/rules/modules.py)."""

import pytest

from fixer.plan.rules.modules import (
    avm_bicep_api_version,
    avm_bicep_forces_overlay,
    avm_bicep_version,
    cilium_precondition,
    module_azurerm,
    refusal,
    takes_greenfield_profile,
)

AVM = "br/public:avm/res/container-service/managed-cluster"


@pytest.mark.parametrize(
    ("module", "writes", "refused"),
    [
        ("Azure/aks/azurerm 6.8.0", [("network_policy", "cilium"), ("ebpf_data_plane", "cilium")], "no input ebpf_data_plane"),
        ("Azure/aks/azurerm 7.2.0", [("ebpf_data_plane", "cilium")], None),
        ("Azure/aks/azurerm ~> 7.0", [("ebpf_data_plane", "cilium")], "admits 7.0.0"),  # init may fetch 7.0.x
        ("Azure/aks/azurerm 7.0.0", [("network_plugin_mode", "overlay")], "no input network_plugin_mode"),
        ("Azure/aks/azurerm 4.4.0", [("network_policy", "calico")], "no input network_policy"),
        ("Azure/aks/azurerm 4.5.0", [("network_policy", "calico")], None),
        ("Azure/aks/azurerm 11.5.0", [("network_data_plane", "cilium")], "up to 11.0.0"),
        ("Azure/aks/azurerm unknown version", [("ebpf_data_plane", "cilium")], None),  # the newest is fetched
        (f"{AVM}:0.3.0", [("networkPolicy", "cilium")], "does not allow networkPolicy = 'cilium'"),
        (f"{AVM}:0.5.0", [("networkPolicy", "cilium")], "allowed from 0.5.1"),
        (f"{AVM}:0.5.1", [("networkPolicy", "cilium"), ("networkDataplane", "cilium")], None),
        (f"{AVM}:0.3.0", [("networkPolicy", "calico")], None),
        (f"{AVM}:0.11.1", [("networkPolicy", "none")], "allowed from 0.12.0"),
        (f"{AVM}:latest", [("networkPolicy", "cilium")], None),  # not a release: nothing known
        ("Azure/avm-res-containerservice-managedcluster/azurerm 0.3.3", [("network_policy", "cilium")], None),
        (None, [("network_policy", "cilium")], None),
    ],
)
def test_refusal(module, writes, refused):
    why = refusal(module, writes)
    assert (why is None) == (refused is None), why
    if refused:
        assert refused in why


@pytest.mark.parametrize(
    ("tag", "api", "forces"),
    [("0.1.7", "2023-07-02-preview", False), ("0.3.0", "2024-03-02-preview", False), ("0.5.1", "2024-03-02-preview", True),
     ("0.7.0", "2024-09-02-preview", True), ("0.10.1", "2025-05-01", True), ("0.12.0", "2025-09-01", True),
     ("0.14.0", "2025-10-01", True), ("0.30.0", "2025-10-01", True)],
)
def test_avm_bicep_release_table(tag, api, forces):
    version = avm_bicep_version(f"{AVM}:{tag}")
    assert avm_bicep_api_version(version, "unknown") == api
    assert avm_bicep_forces_overlay(version) is forces


def test_avm_bicep_tag_that_is_no_version():
    assert avm_bicep_version(f"{AVM}:main") is None
    assert avm_bicep_api_version(None, "2025-10-01") == "2025-10-01"
    assert avm_bicep_forces_overlay(None)  # the newest behaviour: the stricter rule


@pytest.mark.parametrize(
    ("module", "mode", "pod_subnet", "refused"),
    [("Azure/aks/azurerm 7.3.0", "overlay", False, True), ("Azure/aks/azurerm 7.3.0", "Overlay", False, False),
     ("Azure/aks/azurerm 7.3.0", None, True, False), ("Azure/aks/azurerm 7.5.0", "overlay", False, False),
     ("Azure/aks/azurerm ~> 7.2", "overlay", False, True)],
)
def test_capital_overlay_precondition(module, mode, pod_subnet, refused):
    assert (cilium_precondition(module, mode, pod_subnet) is not None) is refused


@pytest.mark.parametrize(
    ("module", "low", "high"),
    [("Azure/aks/azurerm 9.4.1", (3, 106, 1), (4, 0, 0)), ("Azure/aks/azurerm 6.8.0", (3, 47, 0), (4, 0, 0)),
     ("Azure/aks/azurerm 6.1.0", (3, 21, 0), None), ("Azure/aks/azurerm 11.5.0", (4, 48, 0), (5, 0, 0)),
     ("Azure/aks/azurerm 5.0.0", (3, 3, 0), (4, 0, 0)),
     ("Azure/avm-res-containerservice-managedcluster/azurerm 0.3.3", (4, 46, 0), (5, 0, 0)),
     ("Azure/avm-res-containerservice-managedcluster/azurerm 0.2.0", (4, 0, 0), (5, 0, 0))],
)
def test_a_release_states_its_own_azurerm_constraint(module, low, high):
    from fixer.versions import NEWEST

    versions = module_azurerm(module)
    assert versions.low == low and versions.high == (high or NEWEST)
    assert module.split(" ")[1] in versions.source


@pytest.mark.parametrize("module", ["Azure/aks/azurerm ~> 9.0", "Azure/aks/azurerm 12.0.0", "Azure/aks/azurerm 4.0.0",
                                    "Azure/aks/azurerm unknown version", "Azure/aks/azurerm 10.0.0-beta", f"{AVM}:0.9.0", None,
                                    "Azure/avm-res-containerservice-managedcluster/azurerm 0.4.0",  # azapi-backed
                                    "Azure/avm-res-containerservice-managedcluster/azurerm 0.4.0-pre2"])
def test_no_constraint_is_assumed_for_a_range_or_an_unknown_release(module):
    assert module_azurerm(module) is None


@pytest.mark.parametrize(
    ("module", "takes"),
    [("Azure/aks/azurerm 9.4.1", True), ("Azure/aks/azurerm 7.2.0", True), ("Azure/aks/azurerm 7.1.0", False),
     ("Azure/aks/azurerm ~> 7.0", False), ("Azure/aks/azurerm unknown version", True), (f"{AVM}:0.3.0", True),
     ("Azure/avm-res-containerservice-managedcluster/azurerm 0.4.0", True),
     ("Azure/avm-res-containerservice-managedcluster/azurerm 0.3.3", False),  # azurerm-backed: the object is partly edited
     ("Azure/avm-res-containerservice-managedcluster/azurerm 0.4.0-pre2", False)],
)
def test_which_calls_take_the_whole_greenfield_profile(module, takes):
    assert takes_greenfield_profile(module) is takes
