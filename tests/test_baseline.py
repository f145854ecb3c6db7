"""The baseline, end to end: create it, gate on it, add a cluster, edit around old findings."""

from __future__ import annotations

import json

import pytest
from suppress_helpers import LOCK, findings, make_repo, run, suppressed, tf_cluster

from fixer.suppress.baseline import fingerprint


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "repo", {
        "infra/main.tf": tf_cluster("a", "none") + "\n" + tf_cluster("b", None),
        "infra/.terraform.lock.hcl": LOCK,
        "infra/ok.tf": tf_cluster("ok", "cilium"),
    })


def create(capsys, repo, *scanned):
    baseline = repo / ".akfix-baseline.json"
    code, out, err = run(capsys, "scan", *(scanned or [repo]), "--create-baseline", baseline)
    assert code == 0, err
    return baseline, out


def test_create_writes_sorted_versioned_findings_and_exits_zero(repo, capsys):
    baseline, out = create(capsys, repo)
    document = json.loads(baseline.read_text())
    assert document["version"] == 1
    assert [(f["file"], f["address"], f["kind"]) for f in document["findings"]] == [
        ("infra/main.tf", "azurerm_kubernetes_cluster.a", "none"),
        ("infra/main.tf", "azurerm_kubernetes_cluster.b", "missing"),
    ]  # the compliant cluster is not a finding
    assert document["findings"][0]["fingerprint"] == fingerprint("infra/main.tf", "azurerm_kubernetes_cluster.a", "none")
    assert "line" not in document["findings"][0]
    assert out == f"wrote baseline {baseline}: 2 findings\n"
    first = baseline.read_bytes()
    create(capsys, repo)
    assert baseline.read_bytes() == first  # deterministic: no timestamps, stable order


def test_gate_on_the_baseline_then_a_new_cluster_is_the_only_finding(repo, capsys):
    baseline, _ = create(capsys, repo)
    code, document, _ = run(capsys, "scan", repo, "--baseline", baseline, "--format", "json")
    assert code == 0 and findings(document) == []
    assert sorted(suppressed(document)) == ["azurerm_kubernetes_cluster.a", "azurerm_kubernetes_cluster.b"]
    assert {s["source"]["kind"] for s in document["suppressed"]} == {"baseline"}
    assert document["suppressed"][0]["source"]["file"] == ".akfix-baseline.json"

    (repo / "infra" / "new.tf").write_text(tf_cluster("c", "none"))
    code, document, _ = run(capsys, "scan", repo, "--baseline", baseline, "--format", "json")
    assert code == 1 and findings(document) == ["azurerm_kubernetes_cluster.c"]


def test_unrelated_edits_above_a_finding_keep_it_baselined(repo, capsys):
    baseline, _ = create(capsys, repo)
    main = repo / "infra" / "main.tf"
    main.write_text('locals {\n  owner = "platform"\n}\n\n' + main.read_text().replace('  dns_prefix          = "b"\n', '  dns_prefix          = "b"\n  sku_tier            = "Standard"\n'))
    code, document, _ = run(capsys, "scan", repo, "--baseline", baseline, "--format", "json")
    assert code == 0 and findings(document) == [] and len(document["suppressed"]) == 2
    assert document["suppressed"][0]["line"] == 5  # it moved, and still matched


def test_a_changed_status_is_a_new_finding(repo, capsys):
    baseline, _ = create(capsys, repo)
    main = repo / "infra" / "main.tf"
    main.write_text(main.read_text().replace('network_policy      = "none"', 'network_policy      = ""'))  # still "none"
    assert run(capsys, "scan", repo, "--baseline", baseline)[0] == 0
    main.write_text(tf_cluster("a", "azure") + "\n" + tf_cluster("b", "none"))  # b: missing -> none
    code, document, _ = run(capsys, "scan", repo, "--baseline", baseline, "--format", "json")
    assert code == 1 and findings(document) == ["azurerm_kubernetes_cluster.b"]


def test_paths_are_relative_to_the_baseline_not_to_the_scanned_folder(repo, capsys):
    baseline, _ = create(capsys, repo)
    code, document, _ = run(capsys, "scan", repo / "infra", "--baseline", baseline, "--format", "json")
    assert code == 0 and len(document["suppressed"]) == 2
    assert document["suppressed"][0]["source"]["file"] == "../.akfix-baseline.json"


def test_baseline_from_configuration_and_no_suppressions_audits(repo, capsys):
    create(capsys, repo)
    (repo / ".akfix.toml").write_text('baseline = ".akfix-baseline.json"\n')
    assert run(capsys, "scan", repo / "infra")[0] == 0  # configuration found upward, baseline relative to it
    code, document, _ = run(capsys, "scan", repo, "--no-suppressions", "--format", "json")
    assert code == 1 and len(findings(document)) == 2 and document["suppressed"] == []


def test_create_ignores_the_existing_baseline_and_keeps_inline_suppressions(repo, capsys):
    (repo / ".akfix.toml").write_text('baseline = "missing-for-now.json"\n')  # create does not read it
    main = repo / "infra" / "main.tf"
    main.write_text(main.read_text().replace('"a" {', '"a" { # akfix:ignore owned by team X'))
    baseline, _ = create(capsys, repo)
    assert [f["address"] for f in json.loads(baseline.read_text())["findings"]] == ["azurerm_kubernetes_cluster.b"]


@pytest.mark.parametrize("content, message", [
    (None, "baseline {path}: no such file; create it with `akfix scan --create-baseline {path}`"),
    ("{not json", "baseline {path}: not valid JSON (line 1"),
    ('{"version": 7, "findings": []}', "baseline {path}: not an akfix baseline"),
    ('{"version": 1, "findings": [{"file": "x"}]}', "baseline {path}: a finding without a fingerprint"),
])
def test_missing_or_corrupt_baseline_is_a_usage_error(repo, capsys, content, message):
    path = repo / "b.json"
    if content is not None:
        path.write_text(content)
    code, out, err = run(capsys, "scan", repo, "--baseline", path)
    assert code == 2 and out == ""
    assert message.format(path=path) in err
