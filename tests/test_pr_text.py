"""Commit message and pull-request text rendered from templates/pr/."""

from __future__ import annotations

from fixer.deliver import pr_text


def remediation(policies: int = 2, held: bool = True) -> pr_text.Remediation:
    fixed = ({"address": "azurerm_kubernetes_cluster.main", "file": "infra/aks.tf", "environment": "prod.tfvars",
              "old": "none", "new": "cilium", "risk": "disruptive", "summary": "none -> cilium"},)
    kept = ({"address": "module.legacy", "file": "legacy/main.tf", "environment": None, "old": "calico", "new": "cilium",
             "risk": "replacement", "summary": "calico -> cilium | destroys the cluster on azurerm 3.x"},) if held else ()
    files = tuple({"path": f"k8s/network-policies/ns{i}/kustomization.yaml", "text": f"namespace: ns{i}"} for i in range(min(policies, pr_text.MAX_POLICY_FILES)))
    return pr_text.Remediation("cilium", fixed, kept, files, tuple(f"ns{i}" for i in range(policies)), "k8s/network-policies", policies)


def test_body_explains_every_risk_present_and_escapes_table_cells():
    body = pr_text.body(remediation())
    assert "| `azurerm_kubernetes_cluster.main` | `infra/aks.tf` (prod.tfvars) | none → **cilium** | disruptive |" in body
    assert "calico -> cilium \\| destroys" in body  # a | from a summary does not split the row
    assert "**disruptive**" in body and "**replacement**" in body and "--allow-replacement" in body
    assert "**in-place**" not in body and "**manual**" not in body  # only the risks that occur


def test_many_generated_files_are_counted_and_only_some_shown():
    body = pr_text.body(remediation(policies=40))
    assert "40 files under `k8s/network-policies/`" in body
    assert body.count("<details>") == pr_text.MAX_POLICY_FILES
    assert "… and 28 more in the branch." in body


def test_commit_message_carries_the_trailers_a_later_run_recognises():
    message = pr_text.commit_message(remediation(), "a" * 40, "b" * 40)
    assert message.splitlines()[0] == "akfix: enable the cilium network policy engine on 1 AKS cluster"
    assert "- azurerm_kubernetes_cluster.main (infra/aks.tf, prod.tfvars): none -> cilium, disruptive" in message
    assert "Not changed here (1): module.legacy (replacement)" in message
    assert message.rstrip().endswith(f"Akfix-Engine: cilium\nAkfix-Base: {'a' * 40}\nAkfix-Tree: {'b' * 40}")


def test_floors_and_phase_one_get_their_own_checklist_lines(tmp_path):
    import shutil
    from pathlib import Path

    from fixer.pipeline import Options, run

    fixtures = Path(__file__).parent / "fixtures" / "terraform"
    for case in ("floor-raised-in-constraint", "kubenet-migrate-phase1"):
        shutil.copytree(fixtures / case / "input", tmp_path / case)
    floored = run(tmp_path / "floor-raised-in-constraint", Options(), verify=True)
    migrated = run(tmp_path / "kubenet-migrate-phase1", Options(migrate_kubenet=True), verify=True)
    body = pr_text.body(pr_text.describe("cilium", [*floored.clusters, *migrated.clusters], [], [], "k8s/network-policies"))
    assert "**azurerm >= 4.58.0 required**" in body and "**azurerm >= 4.66.0 required**" in body
    assert "`terraform init -upgrade`" in body
    assert "phase 1 of 2" in body.lower() and "akfix:phase-1" in body
    assert "→ **Azure CNI Overlay (phase 1 of 2)**" in body  # phase 1 writes no engine


def test_a_fix_resting_on_a_state_file_asks_for_a_refreshed_plan(tmp_path):
    import shutil
    from pathlib import Path

    from fixer.pipeline import Options, run

    case = Path(__file__).parent / "fixtures" / "terraform" / "state-live-plugin-known" / "input"
    shutil.copytree(case, tmp_path / "repo")
    result = run(tmp_path / "repo", Options(), verify=True)
    body = pr_text.body(pr_text.describe("cilium", result.clusters, [], [], "k8s/network-policies"))
    assert "**Live values from Terraform state**" in body and "terraform.tfstate (serial 41, Terraform 1.9.7)" in body
    assert "Live values from Terraform state" not in pr_text.body(remediation())  # only where a fix rests on one


def test_calico_through_azapi_asks_for_init_and_a_plan_that_creates_only_the_update(tmp_path):
    import shutil
    from pathlib import Path

    from fixer.pipeline import Options, run

    case = Path(__file__).parent / "fixtures" / "terraform" / "policy-update-calico-unknown-plugin" / "input"
    shutil.copytree(case, tmp_path / "repo")
    result = run(tmp_path / "repo", Options(fallback_engines=("calico",)), verify=True)
    body = pr_text.body(pr_text.describe("cilium", result.clusters, [], [], "k8s/network-policies"))
    assert "**azapi >= 2.5.0 required**" in body and "`azapi_update_resource`" in body
    assert "→ **calico**" in body
    assert "azapi >= 2.5.0" not in pr_text.body(remediation())  # only where a fix writes one
