"""`akfix explain`: the facts behind a cluster's status and fix, found by address or file:line."""

from __future__ import annotations

import shutil
from pathlib import Path

from reporting import examples, make_tree, run  # noqa: F401 (examples: a fixture)

FIXTURES = Path(__file__).parent / "fixtures" / "terraform"


def test_a_tfvars_line_names_its_view_and_the_facts(examples):
    code, out, err = run("explain", "team-environments/dev.tfvars:3", str(examples))
    assert code == 0, err
    assert out.startswith("azurerm_kubernetes_cluster.apps [team-environments/dev.tfvars]\n")
    assert "status       none: the policy is \"none\", which enforces nothing" in out
    assert 'policy               "none"                       at team-environments/dev.tfvars:3 via tfvars' in out
    assert 'plugin               "azure"                      at team-environments/main.tf:18' in out
    assert "provider     azurerm 4.59.0 (team-environments/.terraform.lock.hcl)" in out
    assert 'network_policy = "cilium" in team-environments/dev.tfvars (tfvars), extending 1 allowed-values list(s)' in out
    assert "      - Every node pool is reimaged at once: schedule a maintenance window." in out  # the Fix's reasons
    assert "edits at: team-environments/dev.tfvars:3, team-environments/main.tf:21, team-environments/variables.tf:20" in out
    assert "outcome: auto-fixable" in out
    assert "[team-environments/prod.tfvars]" not in out  # only the view that line belongs to


def test_an_address_explains_every_view(examples):
    code, out, _ = run("explain", "azurerm_kubernetes_cluster.apps", str(examples))
    assert code == 0
    assert out.count("azurerm_kubernetes_cluster.apps") == 3
    assert "policy               not set                      at team-environments/variables.tf:16 via var.network_policy default" in out


def test_windows_pools_and_the_hint(examples):
    code, out, _ = run("explain", "payments", str(examples))
    assert code == 0
    assert "Windows node pools: azurerm_kubernetes_cluster_node_pool.windows" in out
    assert "fix          manual: Windows node pools rule out cilium" in out
    assert "next: Cilium on AKS is Linux-only; use --engine calico" in out
    assert "provider     azurerm 3.117.0 (legacy-calico/.terraform.lock.hcl)" in out


def test_a_line_inside_the_block_and_an_arm_template(examples):
    code, out, _ = run("explain", "platform-aks/main.tf:9", str(examples))
    assert code == 0 and out.startswith("azurerm_kubernetes_cluster.main\n")
    code, out, _ = run("explain", "arm-legacy/azuredeploy.json:11", str(examples))
    assert code == 0
    assert "API version  2022-09-01 (from arm-legacy/azuredeploy.json): the AKS PUT rules apply" in out
    assert "live values  unknown (pass --inventory with `az aks list -o json` output to use them)" in out
    assert 'apiVersion = "2023-02-01"' in out


def test_live_values_from_a_plan(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "plan-json-live-overlay" / "input", repo)
    code, out, _ = run("explain", "main.tf:1", str(repo), "--plan", str(repo / "plan.json"))
    assert code == 0
    (line,) = [line for line in out.splitlines() if line.startswith("  live values")]
    assert f"from {repo / 'plan.json'}" in line or "from plan.json" in line
    assert "plugin azure, mode overlay" in line


def test_no_match_exits_two_with_close_names(examples):
    code, out, err = run("explain", "azurerm_kubernetes_cluster.mian", str(examples))
    assert code == 2 and out == ""
    assert "no cluster in" in err and "matches 'azurerm_kubernetes_cluster.mian'" in err
    assert "did you mean:\n    azurerm_kubernetes_cluster.main" in err
    code, _, err = run("explain", "nothing-like-it", str(examples))
    assert code == 2 and "the clusters there:" in err and "resource aks (bicep-platform/main.bicep:41)" in err


def test_no_clusters_at_all(tmp_path):
    code, _, err = run("explain", "x", str(tmp_path))
    assert code == 2 and "no AKS clusters were found there" in err


def test_a_compliant_cluster_needs_no_fix(tmp_path):
    repo = make_tree(tmp_path / "r", {"ok": "calico"})
    code, out, _ = run("explain", "ok/main.tf", str(repo))
    assert code == 0
    assert "status       compliant: the policy is \"calico\"" in out
    assert "fix          none needed (pass --switch to move a cluster that runs another engine)" in out


def test_a_pulumi_cluster_is_explained_in_the_program_s_own_keywords(examples):
    code, out, err = run("explain", "pulumi-aks/__main__.py:27", str(examples))
    assert code == 0, err
    assert out.startswith("ManagedCluster.aks-data\n")
    assert 'policy               "none"                       at pulumi-aks/__main__.py:27 via enum containerservice.NetworkPolicy.NONE' in out
    assert "API version  2024-10-01" in out
    assert '      network_policy = "cilium"\n      network_dataplane = "cilium"\n' in out  # not networkDataplane
