"""The Kubernetes version decides whether AKS installs NPM or Calico (>= 1.30 since the 2026-05-29
release): read through values and parameters files, and where it cannot be read, the fix says what
it assumes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from fixer.cli import main

FIXTURES = Path(__file__).parent / "fixtures"


def _scan(case: str, tmp_path: Path, capsys) -> list[dict]:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / case / "input", root)
    main(["scan", "--engine", "calico", "--format", "json", str(root)])
    return json.loads(capsys.readouterr().out)["clusters"]


def test_unread_version_states_the_assumption(tmp_path, capsys):
    (cluster,) = _scan("terraform/kubernetes-version-unread-assumed", tmp_path, capsys)
    reasons = " ".join(cluster["fix"]["reasons"])
    assert cluster["fix"]["risk"] == "disruptive"
    assert "kubernetes_version is set by var.kubernetes_version, which akfix cannot read" in reasons
    assert "assumes Kubernetes >= 1.30" in reasons


def test_version_through_a_local_and_a_variable_default(tmp_path, capsys):
    clusters = {c["address"]: c["fix"] for c in _scan("terraform/kubernetes-version-variable-default", tmp_path, capsys)}
    legacy, current = clusters["azurerm_kubernetes_cluster.aks"], clusters["azurerm_kubernetes_cluster.current"]
    assert legacy["risk"] == "manual"
    assert legacy["summary"] == "Kubernetes 1.27.7 is too old for calico (local.kubernetes_version -> var.k8s_version default)"
    assert current["risk"] == "disruptive" and not any("assumes" in r for r in current["reasons"])


def test_parameters_file_that_sets_only_the_version_decides_it(tmp_path, capsys):
    (cluster,) = _scan("bicep/kubernetes-version-from-parameters-file", tmp_path, capsys)
    assert cluster["fix"]["summary"].startswith("Kubernetes 1.27.9 is too old for calico")
    assert "main.parameters.json" in cluster["fix"]["summary"]


def test_arm_parameters_file_overrides_a_new_default(tmp_path, capsys):
    (cluster,) = _scan("arm/kubernetes-version-from-parameters-file", tmp_path, capsys)
    assert cluster["fix"]["summary"] == "Kubernetes 1.17.13 is too old for calico (parameters file aks.parameters.json)"


def test_arm_version_through_a_variable(tmp_path, capsys):
    (cluster,) = _scan("arm/kubernetes-version-through-variable", tmp_path, capsys)
    assert cluster["fix"]["summary"].startswith("Kubernetes 1.28.5 is too old for calico")


def test_tfvars_environments_each_get_their_version(tmp_path, capsys):
    clusters = _scan("terraform/kubernetes-version-per-tfvars", tmp_path, capsys)
    by_environment = {c.get("environment"): c["fix"] for c in clusters}
    assert set(by_environment) == {"dev.tfvars", "prod.tfvars"}  # no run without a -var-file: the variable is required
    assert by_environment["prod.tfvars"]["summary"] == "Kubernetes 1.28.3 is too old for calico (set in prod.tfvars)"
    assert by_environment["dev.tfvars"]["risk"] == "manual"  # its write lands in the block prod shares



def test_pulumi_stack_configs_give_the_versions_they_deploy(tmp_path, capsys):
    (cluster,) = _scan("python/pulumi-stack-config-version", tmp_path, capsys)
    assert cluster["fix"]["summary"].startswith('Kubernetes 1.29.9 (what config.get("k8sVersion") may be) is too old for calico')
    assert "Pulumi.dev.yaml, Pulumi.prod.yaml" in cluster["fix"]["summary"]


def test_pulumi_stacks_all_on_supported_versions_need_no_assumption(tmp_path, capsys):
    (cluster,) = _scan("python/pulumi-stack-config-all-supported", tmp_path, capsys)
    assert cluster["fix"]["risk"] == "disruptive"
    assert not any("assumes" in r for r in cluster["fix"]["reasons"])
