"""Where a followed policy value lives (`policy_source` in the JSON report): file and line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from fixer.cli import main

FIXTURES = Path(__file__).parent / "fixtures"


def test_arm_parameters_file_value_reports_its_line(tmp_path, capsys):
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "arm/arm-parameter-files/input", root)
    main(["scan", "--format", "json", str(root)])
    sources = {c["environment"]: c["policy_source"] for c in json.loads(capsys.readouterr().out)["clusters"]}
    dev = sources["azuredeploy.parameters.dev.json"]
    lines = (root / dev["file"]).read_text().splitlines()
    assert '"value"' in lines[dev["line"] - 1]  # the line that sets it (was null: the file's bytes were not at hand)


def test_bicep_value_a_callers_view_owns_names_one_file_and_its_line(tmp_path, capsys):
    """The module builds its properties with union(); the caller's view owns the evaluation. The
    file and line reported are one pair (before: the module's file with the call's line, a line the
    module may not even have)."""
    (tmp_path / "modules").mkdir()
    (tmp_path / "modules" / "aks.bicep").write_text(
        "param name string\nparam kubernetesVersion string\n\nvar common = {\n  kubernetesVersion: kubernetesVersion\n}\n\n"
        "var specific = {\n  networkProfile: {\n    networkPlugin: 'azure'\n    networkPolicy: 'none'\n  }\n}\n\n"
        "resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {\n  name: name\n  location: 'westeurope'\n"
        "  properties: union(common, specific)\n}\n")
    (tmp_path / "main.bicep").write_text(
        "module aksCluster './modules/aks.bicep' = {\n  name: 'aks'\n  params: {\n    name: 'lab'\n    kubernetesVersion: '1.33.1'\n  }\n}\n")
    main(["scan", "--format", "json", str(tmp_path)])
    (cluster,) = json.loads(capsys.readouterr().out)["clusters"]
    source = cluster["policy_source"]
    line = (tmp_path / source["file"]).read_text().splitlines()[source["line"] - 1]
    assert "module aksCluster" in line or "networkPolicy" in line


def test_aks_automatic_says_the_policy_it_states_is_not_what_runs(tmp_path, capsys):
    (tmp_path / "main.bicep").write_text(
        "resource auto 'Microsoft.ContainerService/managedClusters@2025-03-01' = {\n  name: 'aks-auto'\n  location: 'westeurope'\n"
        "  sku: {\n    name: 'Automatic'\n    tier: 'Standard'\n  }\n  properties: {\n    networkProfile: {\n"
        "      networkPolicy: 'azure'\n    }\n  }\n}\n")
    main(["explain", "main.bicep:1", str(tmp_path)])
    out = capsys.readouterr().out
    assert "compliant" in out and "the code's networkPolicy 'azure' (line 10) is not what AKS runs" in out
