"""The CI gate with suppressions and a baseline: `check` sets aside what an akfix:ignore comment, an
ignore entry or the baseline covers, and SARIF, JUnit and the exit code follow."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from reporting import make_tree, run
from test_sarif import schema, validate  # noqa: F401  (schema is a fixture)


def _ignore_above(repo, name: str, comment: str) -> None:
    main_tf = repo / name / "main.tf"
    main_tf.write_text(comment + "\n" + main_tf.read_text())


def test_an_inline_suppression_passes_the_gate_and_is_in_source_in_sarif(tmp_path, schema):  # noqa: F811
    repo = make_tree(tmp_path / "r", {"legacy": "none", "ok": "cilium"})
    _ignore_above(repo, "legacy", "# akfix:ignore migrating in Q1 with the platform team expires=2099-01-01")
    code, out, err = run("check", str(repo), "--format", "sarif", "--no-config")
    assert code == 0, err
    document = json.loads(out)
    validate(document, schema)
    (result,) = document["runs"][0]["results"]
    assert result["suppressions"] == [{"kind": "inSource", "status": "accepted",
                                       "justification": "migrating in Q1 with the platform team"}]
    code, out, _ = run("check", str(repo), "--no-config")
    assert code == 0 and "1 finding suppressed" in out


def test_no_suppressions_makes_the_gate_fail_again(tmp_path):
    repo = make_tree(tmp_path / "r", {"legacy": "none"})
    _ignore_above(repo, "legacy", "# akfix:ignore migrating")
    assert run("check", str(repo), "--no-config")[0] == 0
    assert run("check", str(repo), "--no-config", "--no-suppressions")[0] == 1


def test_an_expired_suppression_is_itself_an_error_and_does_not_apply(tmp_path):
    repo = make_tree(tmp_path / "r", {"legacy": "none"})
    _ignore_above(repo, "legacy", "# akfix:ignore was fine once expires=2020-01-01")
    code, out, err = run("check", str(repo), "--no-config", "--format", "junit")
    assert code == 2  # the expired suppression is an input error; the finding is back
    suite = ET.fromstring(out).find("testsuite")
    assert (suite.get("failures"), suite.get("errors")) == ("1", "1")


def test_the_gate_reports_only_findings_new_since_the_baseline(tmp_path):
    repo = make_tree(tmp_path / "r", {"a": "none", "b": None})
    baseline = tmp_path / "r" / ".akfix-baseline.json"
    assert run("check", str(repo), "--no-config", "--create-baseline", str(baseline))[0] == 0
    code, out, _ = run("check", str(repo), "--no-config", "--baseline", str(baseline), "--format", "json")
    document = json.loads(out)
    assert code == 0 and document["passed"] and {s["source"]["kind"] for s in document["suppressed"]} == {"baseline"}
    make_tree(repo, {"c": "none"})  # a new cluster without an engine
    code, out, _ = run("check", str(repo), "--no-config", "--baseline", str(baseline), "--format", "sarif")
    results = json.loads(out)["runs"][0]["results"]
    assert code == 1
    assert sorted((r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "suppressions" in r) for r in results) == [
        ("a/main.tf", True), ("b/main.tf", True), ("c/main.tf", False)]
    assert {r["suppressions"][0]["kind"] for r in results if "suppressions" in r} == {"external"}


def test_allowed_engines_come_from_the_configuration_and_a_flag_wins(tmp_path):
    repo = make_tree(tmp_path / "r", {"npm": "azure"})
    (repo / ".akfix.toml").write_text('allowed-engines = ["cilium", "calico"]\n')
    code, out, _ = run("check", str(repo))
    assert code == 1 and "engine-not-allowed" in out
    assert run("check", str(repo), "--allowed-engines", "azure")[0] == 0


def test_junit_lists_a_suppressed_cluster_as_skipped_with_its_reason(tmp_path):
    repo = make_tree(tmp_path / "r", {"legacy": "none", "new": None})
    _ignore_above(repo, "legacy", "# akfix:ignore decommissioned in March")
    code, out, _ = run("check", str(repo), "--no-config", "--format", "junit")
    suite = ET.fromstring(out).find("testsuite")
    assert code == 1 and (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("2", "1", "1")
    (skipped,) = suite.iter("skipped")
    assert skipped.get("message").endswith("(decommissioned in March)")
