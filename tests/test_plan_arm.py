"""Clusters deployed by a PUT (azapi, later ARM and Bicep): AKS transitions and API versions."""

from __future__ import annotations

import pytest

from fixer.model import MISSING, Cluster, Profile, Risk, Value, ValueKind
from fixer.plan.planner import PlanContext, plan
from fixer.plan.rules import arm


def lit(text):
    return Value(ValueKind.LITERAL, text, 1)


def cluster(api="2024-05-01", policy=MISSING, plugin="azure", mode="overlay", block=True, windows=()):
    return Cluster(
        file="main.tf", line=1, format="terraform", address="azapi_resource.aks",
        profile=Profile(block_present=block, plugin=lit(plugin) if plugin else MISSING,
                        plugin_mode=lit(mode) if mode else MISSING, policy=policy),
        api_version=api, windows_pools=tuple(windows),
    )


@pytest.mark.parametrize("version, field, value, ok", [
    ("2022-09-01", "networkPolicy", "cilium", False),
    ("2023-02-01", "networkPolicy", "cilium", True),
    ("2023-01-02-preview", "networkDataplane", "cilium", False),
    ("2023-02-02-preview", "networkDataplane", "cilium", True),
    ("2024-02-01", "networkPolicy", "none", False),
    ("2024-05-01", "networkPolicy", "none", True),
    ("2023-08-02-preview", "networkPolicy", "none", True),
    ("2019-02-01", "networkPolicy", "azure", True),
    ("2018-08-01", "networkPolicy", "azure", False),
])
def test_api_versions_know_values(version, field, value, ok):
    assert arm.accepts(arm.parse_api_version(version), field, value) is ok


@pytest.mark.parametrize("old, target, risk", [
    ("", "cilium", Risk.DISRUPTIVE),
    ("", "calico", Risk.DISRUPTIVE),
    ("", "azure", Risk.DISRUPTIVE),
    ("azure", "cilium", Risk.DISRUPTIVE),
    ("calico", "cilium", Risk.DISRUPTIVE),
    ("azure", "calico", Risk.MANUAL),
    ("cilium", "azure", Risk.MANUAL),
])
def test_put_transitions(old, target, risk):
    policy = lit(old) if old else MISSING
    fix = plan(cluster(policy=policy), PlanContext(engine=target, switch_engines=True))
    assert fix.risk is risk


def test_put_never_replaces_and_bumps_old_api():
    fix = plan(cluster(api="2022-09-01"), PlanContext())
    assert fix.risk is Risk.DISRUPTIVE
    assert ("apiVersion", "2023-02-01") in [(c.attribute, c.value) for c in fix.changes]
    assert any("bumped" in r for r in fix.reasons)


def test_put_adds_profile_without_plugin_for_calico_only():
    bare = cluster(plugin=None, mode=None, block=False)
    calico = plan(bare, PlanContext(engine="calico"))
    assert calico.risk is Risk.DISRUPTIVE and [c.attribute for c in calico.changes] == ["networkPolicy"]
    assert plan(bare, PlanContext()).risk is Risk.MANUAL  # cilium needs Azure CNI: unknown


def test_windows_pool_and_expression_api():
    assert plan(cluster(windows=["x"]), PlanContext()).risk is Risk.MANUAL
    assert plan(cluster(api="expression: ${var.api}"), PlanContext()).risk is Risk.MANUAL


def test_an_agent_pool_os_akfix_cannot_resolve_may_be_windows(tmp_path):
    """osType from a parameter with no default and no parameters file: it may be Windows, so it
    counts as a Windows pool; with allowedValues that name no Windows it does not."""
    import json as _json

    from fixer.pipeline import Options, run

    def template(parameter: dict) -> str:
        return _json.dumps({
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0",
            "parameters": {"userPoolOs": parameter},
            "resources": [{
                "type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2024-05-01", "name": "aks",
                "location": "westeurope",
                "properties": {"dnsPrefix": "aks",
                               "agentPoolProfiles": [{"name": "sys", "mode": "System", "count": 1, "vmSize": "Standard_D4s_v5"},
                                                     {"name": "user", "mode": "User", "count": 1, "vmSize": "Standard_D4s_v5",
                                                      "osType": "[parameters('userPoolOs')]"}],
                               "networkProfile": {"networkPlugin": "azure", "networkPluginMode": "overlay"}}}]}, indent=2)

    (tmp_path / "azuredeploy.json").write_text(template({"type": "string"}))
    (report,) = run(tmp_path, Options(), verify=False).clusters
    assert report.fix.blocker == "windows" and "osType unknown" in report.cluster.windows_pools[0]
    (tmp_path / "azuredeploy.json").write_text(template({"type": "string", "allowedValues": ["Linux"]}))
    (report,) = run(tmp_path, Options(), verify=False).clusters
    assert report.cluster.windows_pools == () and report.fix.engine == "cilium"


def test_previews_before_2023_03_know_overlay_with_a_capital_o():
    from fixer.plan.rules import arm as rules

    assert rules.accepts((2023, 2, 2, True), "networkPluginMode", "Overlay")
    assert not rules.accepts((2023, 2, 2, True), "networkPluginMode", "overlay")
    assert rules.accepts((2022, 4, 2, True), "networkPluginMode", "Overlay")
    assert not rules.accepts((2022, 3, 2, True), "networkPluginMode", "Overlay")
    assert not rules.accepts((2023, 2, 1, False), "networkPluginMode", "Overlay")  # stable: lowercase only
    assert not rules.accepts((2023, 3, 2, True), "networkPluginMode", "Overlay")


def test_a_preview_moves_to_the_first_preview_that_knows_every_value_never_to_an_older_stable():
    from fixer.plan.rules.arm import bump_target, parse_api_version
    cilium = [("networkPolicy", "cilium"), ("networkDataplane", "cilium")]
    assert bump_target(parse_api_version("2022-07-02-preview"), cilium) == (2023, 2, 2, True)
    assert bump_target(parse_api_version("2022-07-02-preview"), [*cilium, ("networkPluginMode", "overlay")]) == (2023, 3, 2, True)
    assert bump_target(parse_api_version("2023-01-02-preview"), [("networkPolicy", "none")]) == (2023, 8, 2, True)
    assert bump_target(parse_api_version("2022-09-01"), cilium) == (2023, 2, 1, False)  # stable: rule 8's stable floor
