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
