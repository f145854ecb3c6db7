"""Greenfield (issue 16): clusters that are not deployed get the complete recommended profile; the
`greenfield` configuration key marks paths, `--greenfield` the whole run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CLUSTER = '''resource "azurerm_kubernetes_cluster" "main" {
  name                = "aks"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "aks"

  default_node_pool {
    name       = "system"
    node_count = 1
    vm_size    = "Standard_D4s_v5"
  }
}
'''
VERSIONS = 'terraform {\n  required_providers {\n    azurerm = {\n      source  = "hashicorp/azurerm"\n      version = "~> 4.0"\n    }\n  }\n}\n'
WINDOWS_POOL = '''
resource "azurerm_kubernetes_cluster_node_pool" "win" {
  name                  = "win"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.main.id
  vm_size               = "Standard_D4s_v5"
  os_type               = "Windows"
}
'''


def _module(folder: Path, extra: str = "") -> None:
    folder.mkdir(parents=True)
    (folder / "main.tf").write_text(CLUSTER + extra)
    (folder / "versions.tf").write_text(VERSIONS)


def _scan(root: Path, *args: str) -> dict:
    result = subprocess.run([sys.executable, "-m", "fixer", "scan", str(root), "--format", "json", *args], capture_output=True, text=True)
    assert result.returncode in (0, 1), result.stderr
    return {c["file"]: c for c in json.loads(result.stdout)["clusters"]}


def test_configured_globs_mark_only_their_paths(tmp_path):
    _module(tmp_path / "quickstart" / "aks")
    _module(tmp_path / "prod")
    (tmp_path / ".akfix.toml").write_text('greenfield = ["quickstart/**"]\n')
    clusters = _scan(tmp_path)
    quickstart, prod = clusters["quickstart/aks/main.tf"], clusters["prod/main.tf"]
    assert (quickstart["fix"]["risk"], quickstart["outcome"]) == ("in-place", "fixable")
    assert [c["attribute"] for c in quickstart["fix"]["changes"]] == ["network_plugin", "network_plugin_mode", "network_policy", "network_data_plane"]
    assert any("assumes no live cluster" in r for r in quickstart["fix"]["reasons"])
    assert prod["fix"]["risk"] == "manual" and "live network plugin is unknown" in prod["fix"]["summary"]  # deployed code: no guess


def test_the_flag_marks_the_whole_run_and_windows_takes_the_next_engine(tmp_path):
    _module(tmp_path / "aks", WINDOWS_POOL)
    cluster = _scan(tmp_path, "--greenfield", "--engine", "cilium,calico")["aks/main.tf"]
    assert (cluster["fix"]["engine"], cluster["fix"]["skipped"][0]["engine"]) == ("calico", "cilium")
    assert {c["attribute"]: c["value"] for c in cluster["fix"]["changes"]} == {
        "network_plugin": "azure", "network_plugin_mode": "overlay", "network_policy": "calico"}


def test_greenfield_never_touches_a_cluster_that_already_runs_an_engine(tmp_path):
    folder = tmp_path / "aks"
    _module(folder)
    (folder / "main.tf").write_text(CLUSTER.replace("  default_node_pool {", '  network_profile {\n    network_plugin = "azure"\n    network_policy = "calico"\n  }\n\n  default_node_pool {'))
    cluster = _scan(tmp_path, "--greenfield")["aks/main.tf"]
    assert (cluster["status"], cluster["fix"]) == ("compliant", None)


# --- a greenfield profile that cannot be written: planned as a live cluster -----------------------

def _no_profile_cluster():
    from fixer.model import MISSING, Cluster, Profile

    profile = Profile(block_present=False, plugin=MISSING, plugin_mode=MISSING, policy=MISSING, data_plane=MISSING)
    return Cluster(file="main.tf", line=1, format="terraform", address="azurerm_kubernetes_cluster.main", profile=profile)


def _greenfield_at(version, **kwargs):
    from fixer.plan.planner import PlanContext
    from fixer.versions import exactly

    return PlanContext(versions=exactly(version, "test"), greenfield=True, **kwargs)


def test_a_profile_azurerm_2x_cannot_express_falls_back_to_calico_through_azapi():
    from fixer.model import Risk
    from fixer.plan.planner import plan
    from fixer.plan.policy_update import is_policy_update

    fix = plan(_no_profile_cluster(), _greenfield_at((2, 47, 0), fallback_engines=("calico",)))
    assert (fix.risk, fix.engine) == (Risk.DISRUPTIVE, "calico") and is_policy_update(fix.changes[0])
    assert fix.reasons[0].startswith("Greenfield: the recommended profile cannot be written here (")
    assert "3.75.0 (with ebpf_data_plane)" in fix.reasons[0]  # why: the lowest azurerm that expresses the cilium profile


def test_the_fallback_never_writes_what_the_live_planner_would_not():
    from fixer.model import Risk
    from fixer.plan.planner import plan

    # cilium alone: as a live cluster the plugin is unknown, so the greenfield answer stands
    alone = plan(_no_profile_cluster(), _greenfield_at((2, 47, 0)))
    assert (alone.risk, alone.blocker) == (Risk.MANUAL, "version-too-old") and "cannot express this profile" in alone.summary
    # without azapi updates calico has no in-place path either
    held = plan(_no_profile_cluster(), _greenfield_at((2, 47, 0), fallback_engines=("calico",), azapi_updates=False))
    assert held.risk is Risk.MANUAL and "cannot express this profile" in held.summary


def test_a_profile_that_can_be_written_is_preferred_to_the_live_fix():
    from fixer.plan.planner import plan

    fix = plan(_no_profile_cluster(), _greenfield_at((4, 58, 0), fallback_engines=("calico",)))
    assert fix.engine == "cilium" and [c.attribute for c in fix.changes][:2] == ["network_plugin", "network_plugin_mode"]
    assert not any(r.startswith("Greenfield: the recommended profile cannot") for r in fix.reasons)


def test_the_greenfield_note_names_the_network_it_keeps():
    from fixer.plan.planner import plan

    fix = plan(_no_profile_cluster(), _greenfield_at((4, 20, 0)))
    assert "written: Azure CNI Overlay and the engine with the Cilium data plane" in fix.reasons[0]
    from dataclasses import replace

    from fixer.model import Value, ValueKind

    stated = _no_profile_cluster()
    azure_cni = replace(stated, profile=replace(stated.profile, block_present=True, plugin=Value(ValueKind.LITERAL, "azure", 3)))
    fix = plan(azure_cni, _greenfield_at((4, 20, 0), engine="calico"))
    assert "written: the code's Azure CNI and the engine." in fix.reasons[0]  # not "Overlay": none is written
    assert {c.attribute for c in fix.changes} == {"network_policy"}
