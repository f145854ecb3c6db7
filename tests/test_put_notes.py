"""What a PUT fix (Bicep, ARM) tells people beside its changes."""

from __future__ import annotations

import json

from fixer.cli import main

TEMPLATE = """resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {
  name: 'aks'
  location: 'westeurope'
  properties: {
    dnsPrefix: 'aks'
    networkProfile: {
      networkPlugin: 'azure'%s
    }
  }
}
"""


def _reasons(tmp_path, capsys, mode: str) -> list[str]:
    (tmp_path / "main.bicep").write_text(TEMPLATE % mode)
    main(["scan", "--format", "json", str(tmp_path)])
    (cluster,) = json.loads(capsys.readouterr().out)["clusters"]
    assert cluster["fix"]["engine"] == "cilium"
    return cluster["fix"]["reasons"]


def test_cilium_on_the_node_subnet_is_noted_as_the_azurerm_planner_does(tmp_path, capsys):
    assert any(r.startswith("No overlay in the code") for r in _reasons(tmp_path, capsys, ""))


def test_no_note_where_the_code_says_overlay(tmp_path, capsys):
    assert not any(r.startswith("No overlay") for r in _reasons(tmp_path, capsys, "\n      networkPluginMode: 'overlay'"))


def test_kubenet_guidance_speaks_the_templates_language(tmp_path, capsys):
    (tmp_path / "main.bicep").write_text((TEMPLATE % "").replace("networkPlugin: 'azure'", "networkPlugin: 'kubenet'"))
    main(["scan", "--format", "json", str(tmp_path)])
    (cluster,) = json.loads(capsys.readouterr().out)["clusters"]
    hint = cluster["fix"]["hint"]
    assert "networkPluginMode = 'overlay'" in hint and "in place by a PUT" in hint and "azurerm" not in hint


def test_a_param_default_written_says_who_else_gets_it(tmp_path, capsys):
    template = "param networkPolicy string = 'none'\n\n" + (TEMPLATE % "\n      networkPluginMode: 'overlay'").replace(
        "networkPlugin: 'azure'", "networkPlugin: 'azure'\n      networkPolicy: networkPolicy")
    (tmp_path / "main.bicep").write_text(template)
    main(["scan", "--format", "json", str(tmp_path)])
    (cluster,) = json.loads(capsys.readouterr().out)["clusters"]
    assert any(r.startswith("The fix changes a param default of the template") for r in cluster["fix"]["reasons"])
    (tmp_path / "main.bicep").write_text(TEMPLATE % "")  # a literal in the block: no default changes
    main(["scan", "--format", "json", str(tmp_path)])
    (cluster,) = json.loads(capsys.readouterr().out)["clusters"]
    assert not any(r.startswith("The fix changes a param default") for r in cluster["fix"]["reasons"])
