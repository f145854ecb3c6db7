"""A fix is written whole or not at all: when one file of a fix fails verification, its other files
(a provider floor, a parameters file) are not written on their own either (eleventh draw:
mohamediag/aks-terraform-cilium got its azurerm constraint raised and nothing else)."""

from __future__ import annotations

from pathlib import Path

from fixer.pipeline import Options, run

TERRAFORM_CLUSTER = """resource "azurerm_kubernetes_cluster" "main" {
  name                = "aks"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "aks"

  default_node_pool {
    name       = "system"
    node_count = 2
    vm_size    = "Standard_D4s_v5"
  }

  identity {
    type = "SystemAssigned"
  }

  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
  }
}
"""

VERSIONS = """terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 3.0"
    }
  }
}
"""


def test_a_provider_floor_is_not_written_without_its_cluster_edit(tmp_path: Path, monkeypatch):
    from fixer.formats.terraform import adapter as terraform

    (tmp_path / "aks.tf").write_text(TERRAFORM_CLUSTER)
    (tmp_path / "versions.tf").write_text(VERSIONS)
    whole = run(tmp_path, Options(), verify=True)
    assert sorted(c.relpath for c in whole.changes) == ["aks.tf", "versions.tf"]  # one fix, two files

    monkeypatch.setattr(terraform, "fmt_regressions", lambda changes: {"aks.tf": 17})
    result = run(tmp_path, Options(), verify=True)
    assert not result.changes
    assert sorted((p.file, p.message) for p in result.problems) == [
        ("aks.tf", "not written, verification failed: the file was terraform-fmt clean and the edit would break that"),
        ("versions.tf", "not written: it belongs to a fix whose edit of aks.tf failed verification"),
    ]


def test_a_parameters_file_is_not_written_without_its_template_edit(tmp_path: Path, monkeypatch):
    from fixer.formats import put

    (tmp_path / "main.bicep").write_text("""param policy string = ''

resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {
  name: 'aks'
  location: 'westeurope'
  properties: {
    kubernetesVersion: '1.31.2'
    dnsPrefix: 'aks'
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
      networkPolicy: policy
    }
  }
}
""")
    (tmp_path / "main.bicepparam").write_text("using 'main.bicep'\n\nparam policy = ''\n")
    whole = run(tmp_path, Options(), verify=True)
    assert sorted(c.relpath for c in whole.changes) == ["main.bicep", "main.bicepparam"]

    readback = put._readback
    monkeypatch.setattr(put, "_readback", lambda fmt, before, after, relpath, writable:
                        "forced" if relpath == "main.bicep" else readback(fmt, before, after, relpath, writable))
    result = run(tmp_path, Options(), verify=True)
    assert not result.changes
    assert sorted((p.file, p.message) for p in result.problems) == [
        ("main.bicep", "not written, verification failed: forced"),
        ("main.bicepparam", "not written: it belongs to a fix whose edit of main.bicep failed verification"),
    ]
