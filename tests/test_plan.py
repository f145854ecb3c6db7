"""The planner against the transition table of aks-network-facts.md, band by band."""

from __future__ import annotations

import pytest

from fixer.model import MISSING, Cluster, LiveState, Profile, Risk, Status, Value, ValueKind
from fixer.plan.planner import PlanContext, effective_policy, plan, status_of
from fixer.plan.rules import azurerm as rules
from fixer.versions import UNKNOWN, exactly, parse_constraint


def lit(text: str) -> Value:
    return Value(ValueKind.LITERAL, text, 1)


def cluster(policy: Value = MISSING, plugin: str | None = "azure", mode: str | None = "overlay", data_plane: Value = MISSING,
            data_plane_attribute: str | None = None, block: bool = True, windows=(), live=None, **profile) -> Cluster:
    return Cluster(
        file="main.tf",
        line=1,
        format="terraform",
        address="azurerm_kubernetes_cluster.main",
        profile=Profile(
            block_present=block,
            plugin=lit(plugin) if plugin else MISSING,
            plugin_mode=lit(mode) if mode else MISSING,
            policy=policy,
            data_plane=data_plane,
            data_plane_attribute=data_plane_attribute,
            **profile,
        ),
        windows_pools=tuple(windows),
        live=live,
    )


def at(version: str, **kwargs) -> PlanContext:
    major, minor, patch = (int(p) for p in version.split("."))
    kwargs.setdefault("azapi_updates", False)  # azurerm's own rules (the azapi path: test_policy_update.py)
    return PlanContext(versions=exactly((major, minor, patch), "test"), **kwargs)


# --- status ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "policy, expected",
    [
        (MISSING, Status.MISSING),
        (lit(""), Status.NONE),
        (lit("none"), Status.NONE),
        (lit("calico"), Status.COMPLIANT),
        (lit("azure"), Status.COMPLIANT),
        (lit("cilium"), Status.COMPLIANT),
        (Value(ValueKind.EXPRESSION, "var.policy", 1), Status.UNRESOLVED),
    ],
)
def test_status_none_and_empty_are_not_compliant(policy, expected):
    assert status_of(cluster(policy)) is expected


def test_status_uses_live_engine_when_code_is_silent():
    live = LiveState(plugin="azure", policy="calico")
    assert status_of(cluster(live=live)) is Status.COMPLIANT
    assert effective_policy(cluster(live=live)) == "calico"


# --- §1.2 policy transitions, every row, every band -------------------------------------------

POLICY_ROWS = [
    # (version, old policy, target, expected risk)
    ("3.74.0", "", "calico", Risk.REPLACEMENT),  # <= 3.74: schema ForceNew
    ("3.74.0", "", "azure", Risk.REPLACEMENT),
    ("3.75.0", "", "calico", Risk.REPLACEMENT),  # 3.75-3.107: only "" -> cilium
    ("3.107.0", "", "azure", Risk.REPLACEMENT),
    ("3.108.0", "", "calico", Risk.DISRUPTIVE),  # 3.108+: "" -> any
    ("3.108.0", "", "azure", Risk.DISRUPTIVE),
    ("4.57.0", "", "calico", Risk.DISRUPTIVE),
    ("5.2.0", "", "azure", Risk.DISRUPTIVE),
]


@pytest.mark.parametrize("version, old, target, risk", POLICY_ROWS)
def test_policy_transition_rows(version, old, target, risk):
    fix = plan(cluster(lit(old) if old else MISSING), at(version, engine=target))
    assert fix is not None and fix.risk is risk
    assert ("network_policy", target) in [(c.attribute, c.value) for c in fix.changes]


SWITCH_ROWS = [
    ("4.57.0", "azure", Risk.REPLACEMENT),
    ("4.58.0", "azure", Risk.DISRUPTIVE),  # PR #30958
    ("4.58.0", "calico", Risk.REPLACEMENT),
    ("4.59.0", "calico", Risk.DISRUPTIVE),  # PR #31627
    ("5.0.0", "calico", Risk.DISRUPTIVE),
]


@pytest.mark.parametrize("version, old, risk", SWITCH_ROWS)
def test_switch_to_cilium_rows(version, old, risk):
    fix = plan(cluster(lit(old)), at(version, switch_engines=True))
    assert fix is not None and fix.risk is risk
    assert {c.attribute for c in fix.changes} == {"network_policy", "network_data_plane"}


def test_switch_is_opt_in():
    assert plan(cluster(lit("azure")), at("4.59.0")) is None


@pytest.mark.parametrize("old, target", [("azure", "calico"), ("calico", "azure"), ("cilium", "calico"), ("cilium", "azure")])
def test_non_migratable_transitions_are_manual(old, target):
    fix = plan(cluster(lit(old)), at("5.0.0", engine=target, switch_engines=True))
    assert fix.risk is Risk.MANUAL and not fix.changes


def test_same_engine_needs_nothing():
    assert plan(cluster(lit("cilium"), data_plane=lit("cilium"), data_plane_attribute="network_data_plane"), at("4.59.0")) is None


# --- §1.3 data plane by version --------------------------------------------------------------

DATA_PLANE_ROWS = [
    ("3.34.0", None, Risk.MANUAL),  # neither attribute exists yet (and no cilium policy)
    ("3.70.0", None, Risk.MANUAL),  # cilium policy needs 3.75
    ("3.75.0", "ebpf_data_plane", Risk.DISRUPTIVE),  # "" -> cilium + ebpf in place from 3.71
    ("3.107.0", "ebpf_data_plane", Risk.DISRUPTIVE),
    ("3.117.0", "ebpf_data_plane", Risk.DISRUPTIVE),  # network_data_plane would recreate on 3.x
    ("4.0.0", "network_data_plane", Risk.REPLACEMENT),  # Default azure -> cilium recreates
    ("4.57.0", "network_data_plane", Risk.REPLACEMENT),
    ("4.58.0", "network_data_plane", Risk.DISRUPTIVE),
    ("5.2.0", "network_data_plane", Risk.DISRUPTIVE),
]


@pytest.mark.parametrize("version, attribute, risk", DATA_PLANE_ROWS)
def test_cilium_data_plane_by_version(version, attribute, risk):
    fix = plan(cluster(), at(version))
    assert fix.risk is risk
    if attribute:
        assert (attribute, "cilium") in [(c.attribute, c.value) for c in fix.changes]
        assert ("network_policy", "cilium") in [(c.attribute, c.value) for c in fix.changes]


def test_explicit_network_data_plane_on_3x_recreates():
    fix = plan(cluster(data_plane=lit("azure"), data_plane_attribute="network_data_plane"), at("3.110.0"))
    assert fix.risk is Risk.REPLACEMENT
    assert ("network_data_plane", "cilium") in [(c.attribute, c.value) for c in fix.changes]


def test_ebpf_attribute_on_4x_needs_rename():
    fix = plan(cluster(data_plane=lit(""), data_plane_attribute="ebpf_data_plane"), at("4.10.0"))
    assert fix.risk is Risk.MANUAL


def test_cilium_data_plane_already_makes_policy_quiet():
    fix = plan(cluster(data_plane=lit("cilium"), data_plane_attribute="network_data_plane"), at("4.50.0"))
    assert fix.risk is Risk.IN_PLACE
    assert [c.attribute for c in fix.changes] == ["network_policy"]


# --- plugins, Windows, Kubernetes version ------------------------------------------------------

def test_kubenet_takes_calico_but_not_cilium_or_azure():
    assert plan(cluster(plugin="kubenet", mode=None), at("4.66.0", engine="calico")).risk is Risk.DISRUPTIVE
    for engine in ("cilium", "azure"):
        fix = plan(cluster(plugin="kubenet", mode=None), at("4.66.0", engine=engine))
        assert fix.risk is Risk.MANUAL and "Two steps" in fix.hint


def test_byo_cni_is_manual():
    assert plan(cluster(plugin="none", mode=None), at("4.66.0")).risk is Risk.MANUAL


def test_windows_pools_rule_out_cilium_and_azure_never_calico():
    windows = ["azurerm_kubernetes_cluster_node_pool.win"]
    assert plan(cluster(windows=windows), at("4.59.0")).risk is Risk.MANUAL
    assert "calico" in plan(cluster(windows=windows), at("4.59.0")).hint
    assert plan(cluster(windows=windows), at("4.59.0", engine="azure")).risk is Risk.MANUAL
    assert plan(cluster(windows=windows), at("4.59.0", engine="calico")).risk is Risk.DISRUPTIVE


def test_calico_needs_kubernetes_130():
    old = cluster(kubernetes_version=lit("1.29.4"))
    assert plan(old, at("4.59.0", engine="calico")).risk is Risk.MANUAL
    assert plan(cluster(kubernetes_version=lit("1.30")), at("4.59.0", engine="calico")).risk is Risk.DISRUPTIVE


def test_missing_block_needs_the_live_plugin():
    bare = cluster(plugin=None, mode=None, block=False)
    fix = plan(bare, at("4.59.0"))
    assert fix.risk is Risk.MANUAL and "--assume-network" in fix.hint
    assumed = plan(bare, at("4.59.0", assume_network="azure-overlay"))
    assert assumed.add_block and [(c.attribute, c.value) for c in assumed.changes] == [
        ("network_plugin", "azure"),
        ("network_plugin_mode", "overlay"),
        ("network_policy", "cilium"),
        ("network_data_plane", "cilium"),
    ]


@pytest.mark.parametrize("version, casing", [("3.50.0", "Overlay"), ("3.61.9", "Overlay"), ("3.62.0", "overlay"), ("4.59.0", "overlay")])
def test_overlay_casing_follows_the_provider(version, casing):
    fix = plan(cluster(plugin=None, mode=None, block=False), at(version, engine="calico", assume_network="azure-overlay"))
    assert ("network_plugin_mode", casing) in [(c.attribute, c.value) for c in fix.changes]


def test_live_state_fills_in_the_plugin():
    live = LiveState(plugin="azure", plugin_mode="overlay", policy="", data_plane="azure")
    fix = plan(cluster(plugin=None, mode=None, block=False, live=live), at("4.59.0"))
    assert fix.risk is Risk.DISRUPTIVE and ("network_plugin_mode", "overlay") in [(c.attribute, c.value) for c in fix.changes]


def test_live_engine_is_pinned_not_switched():
    live = LiveState(plugin="azure", plugin_mode="overlay", policy="calico", data_plane="azure")
    fix = plan(cluster(live=live), at("4.59.0"))
    assert fix.risk is Risk.IN_PLACE and [(c.attribute, c.value) for c in fix.changes] == [("network_policy", "calico")]


def test_expression_is_never_overwritten_even_with_live_values():
    live = LiveState(plugin="azure", policy="calico")
    fix = plan(cluster(Value(ValueKind.EXPRESSION, "var.p", 1), live=live), at("4.59.0"))
    assert fix.risk is Risk.MANUAL and not fix.changes and "live: calico" in fix.summary


def test_policy_only_change_warns_on_udr():
    fix = plan(cluster(outbound_type=lit("userDefinedRouting")), at("4.59.0", engine="calico"))
    assert any("outbound_type" in r for r in fix.reasons)


# --- version ranges: the riskiest plausible version wins -----------------------------------------

def test_unknown_version_takes_the_riskiest_band():
    fix = plan(cluster(), PlanContext(engine="calico", versions=UNKNOWN, azapi_updates=False))
    assert fix.risk is Risk.REPLACEMENT
    assert "riskiest" in fix.reasons[0]


def test_constraint_range_spanning_bands():
    versions = parse_constraint("~> 4.0", "versions.tf")
    fix = plan(cluster(), PlanContext(versions=versions))
    assert fix.risk is Risk.REPLACEMENT  # 4.0-4.57 recreate on the data plane switch
    # the edit is the one the newest version in range wants
    assert ("network_data_plane", "cilium") in [(c.attribute, c.value) for c in fix.changes]
    narrow = plan(cluster(), PlanContext(versions=parse_constraint(">= 4.59, < 5.0", "versions.tf")))
    assert narrow.risk is Risk.DISRUPTIVE


def test_boundaries_cover_every_table_row():
    for table in (rules.POLICY_IN_PLACE, rules.DATA_PLANE_ENABLE, rules.PLUGIN_MODE_OVERLAY, rules.POLICY_VALUES):
        for start, _ in table:
            assert start in rules.BOUNDARIES


def test_node_auto_provisioning_blocks_cilium_only():
    auto = cluster(auto_provisioning=True)
    assert plan(auto, at("4.59.0")).risk is Risk.MANUAL
    assert plan(auto, at("4.59.0", engine="calico")).risk is Risk.DISRUPTIVE
