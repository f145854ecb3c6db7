"""`akfix check`, the CI gate: exit codes, allowed engines, text/JSON/JUnit output, --output files."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET

import pytest
from reporting import cluster_tf, make_tree, run


def test_all_compliant_exits_zero(tmp_path):
    repo = make_tree(tmp_path / "r", {"a": "cilium", "b": "calico"})
    code, out, err = run("check", str(repo))
    assert code == 0, out + err
    assert out.strip() == "PASSED: 2 clusters, every one runs an allowed engine (cilium, calico, azure)"


def test_no_clusters_passes(tmp_path):
    (tmp_path / "README.md").write_text("nothing here\n")
    code, out, _ = run("check", str(tmp_path))
    assert code == 0 and out.strip() == "PASSED: no AKS clusters found"


@pytest.mark.parametrize("policy, kind", [(None, "missing"), ("none", "none"), ("", "none")])
def test_missing_none_and_empty_fail(tmp_path, policy, kind):
    repo = make_tree(tmp_path / "r", {"ok": "cilium", "bad": policy})
    code, out, _ = run("check", str(repo))
    assert code == 1
    first, verdict = out.strip().splitlines()
    line = 20 if policy is not None else 1  # the value where it is written, else the resource header
    assert first.startswith(f"bad/main.tf:{line}: {kind}: azurerm_kubernetes_cluster.bad ")
    assert "`akfix apply` writes it" in first
    assert verdict.startswith(f"FAILED: 1 of 2 clusters without an allowed engine (1 {kind})")


def test_allowed_engines_decide_what_is_compliant(tmp_path):
    repo = make_tree(tmp_path / "r", {"npm": "azure", "cil": "cilium"})
    assert run("check", str(repo))[0] == 0  # by default any real engine passes
    code, out, _ = run("check", str(repo), "--allowed-engines", "cilium,calico")
    assert code == 1
    assert "npm/main.tf:20: engine-not-allowed: azurerm_kubernetes_cluster.npm runs azure, not one of the allowed engines (cilium, calico)" in out
    assert "akfix apply --switch" in out
    assert "cil/main.tf" not in out
    # the --engine value is always allowed, whatever the list says
    assert run("check", str(repo), "--engine", "azure", "--allowed-engines", "cilium")[0] == 0


def test_switch_plans_the_move_off_a_disallowed_engine(tmp_path):
    repo = make_tree(tmp_path / "r", {"npm": "azure"})
    code, out, _ = run("check", str(repo), "--allowed-engines", "cilium", "--switch")
    assert code == 1
    assert "engine-not-allowed" in out and "fix: disruptive, `akfix apply` writes it" in out


@pytest.mark.parametrize("policy, verdict", [
    ("cilium", "FAILED: 1 file could not be read or parsed"),
    ("none", "FAILED: 1 of 1 cluster without an allowed engine (1 none); allowed: cilium, calico, azure; 1 file could not be read or parsed"),
])
def test_input_errors_exit_two_and_are_listed(tmp_path, policy, verdict):
    repo = make_tree(tmp_path / "r", {"c": policy})
    (repo / "broken.tf").write_text('resource "azurerm_kubernetes_cluster" "x" {\n  name = \n')
    code, out, err = run("check", str(repo))
    assert code == 2  # input errors win over findings
    assert "broken.tf:2: input-error: HCL syntax error" in out
    assert out.strip().splitlines()[-1] == verdict
    assert err == ""  # listed once, with the findings


@pytest.mark.parametrize("args", [["--allowed-engines", "weave"], ["--allowed-engines", ","], ["--format", "xml"],
                                  ["--output", "sarif"], ["--output", "pdf=x.pdf"]])
def test_usage_errors_exit_two(tmp_path, args, capsys):
    with pytest.raises(SystemExit) as exit_:
        run("check", str(tmp_path), *args)
    assert exit_.value.code == 2


def test_missing_path_exits_two(tmp_path):
    code, _, err = run("check", str(tmp_path / "nope"))
    assert code == 2 and "no such file or directory" in err


def test_json_document_carries_findings_and_the_verdict(tmp_path):
    repo = make_tree(tmp_path / "r", {"bad": "none", "npm": "azure"})
    code, out, _ = run("check", str(repo), "--format", "json", "--allowed-engines", "cilium")
    document = json.loads(out)
    assert code == 1
    assert document["version"] == 1 and document["passed"] is False and document["allowed_engines"] == ["cilium"]
    assert {c["address"]: c["status"] for c in document["clusters"]} == {
        "azurerm_kubernetes_cluster.bad": "none", "azurerm_kubernetes_cluster.npm": "compliant"}
    kinds = {document["clusters"][f["cluster"]]["address"]: (f["kind"], f["file"], f["line"]) for f in document["findings"]}
    assert kinds == {"azurerm_kubernetes_cluster.bad": ("none", "bad/main.tf", 20),
                     "azurerm_kubernetes_cluster.npm": ("engine-not-allowed", "npm/main.tf", 20)}
    assert all(len(f["fingerprint"]) == 32 for f in document["findings"])


def test_scan_json_gains_findings_and_keeps_its_exit_code(tmp_path):
    repo = make_tree(tmp_path / "r", {"bad": None, "ok": "cilium"})
    code, out, _ = run("scan", str(repo), "--format", "json")
    assert code == 1
    document = json.loads(out)
    assert [f["kind"] for f in document["findings"]] == ["missing"]
    assert "passed" not in document  # a check key


def _junit(text: str) -> ET.Element:
    root = ET.fromstring(text)
    assert root.tag == "testsuites"
    return root


def test_junit_counts_match_the_cases(tmp_path):
    repo = make_tree(tmp_path / "r", {"a": None, "b": "none", "c": "cilium"})
    (repo / "broken.tf").write_text('resource "azurerm_kubernetes_cluster" "x" {\n')
    code, out, _ = run("check", str(repo), "--format", "junit")
    assert code == 2
    root = _junit(out)
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    failures = [c for c in cases if c.find("failure") is not None]
    errors = [c for c in cases if c.find("error") is not None]
    assert (len(cases), len(failures), len(errors)) == (4, 2, 1)
    for element in (root, suite):
        assert element.get("tests") == "4" and element.get("failures") == "2" and element.get("errors") == "1" and element.get("skipped") == "0"
    assert {c.get("classname") for c in cases} == {"akfix.terraform", "akfix.input"}
    assert {f.find("failure").get("type") for f in failures} == {"missing", "none"}
    passing = [c for c in cases if len(c) == 0]
    assert [c.get("name") for c in passing] == ["azurerm_kubernetes_cluster.c (c/main.tf:1)"]
    assert errors[0].get("file") == "broken.tf" and errors[0].find("error").get("type") == "input-error"
    float(suite.get("time"))  # a number, as Jenkins parses it


def test_junit_has_one_suite_per_scanned_root(tmp_path):
    one = make_tree(tmp_path / "one", {"a": "none"})
    two = make_tree(tmp_path / "two", {"b": "cilium", "c": "calico"})
    code, out, _ = run("scan", str(one), str(two), "--format", "junit")
    assert code == 1
    root = _junit(out)
    suites = root.findall("testsuite")
    assert [(s.get("name"), s.get("tests"), s.get("failures")) for s in suites] == [(str(one), "1", "1"), (str(two), "2", "0")]
    assert root.get("tests") == "3" and root.get("failures") == "1"


def test_output_files_beside_text_on_stdout(tmp_path):
    repo = make_tree(tmp_path / "r", {"bad": "none"})
    sarif, junit, data = tmp_path / "out" / "akfix.sarif", tmp_path / "out" / "junit.xml", tmp_path / "out" / "akfix.json"
    sarif.parent.mkdir()
    sarif.write_text("old contents, replaced whole\n")
    code, out, err = run("check", str(repo), "--output", f"sarif={sarif}", "--output", f"junit={junit}", "--output", f"json={data}")
    assert code == 1, err
    assert out.startswith("bad/main.tf:20: none:")  # stdout stays text
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert _junit(junit.read_text()).get("failures") == "1"
    assert json.loads(data.read_text())["findings"][0]["kind"] == "none"
    assert sorted(p.name for p in sarif.parent.iterdir()) == ["akfix.json", "akfix.sarif", "junit.xml"]  # no temporary files left


def test_output_text_file_has_no_colour(tmp_path):
    repo = make_tree(tmp_path / "r", {"bad": "none"})
    report = tmp_path / "check.txt"
    code, out, _ = run("check", str(repo), "--color", "always", "--output", f"text={report}")
    assert code == 1
    assert "\x1b[" in out and "\x1b[" not in report.read_text()
    assert report.read_text().startswith("bad/main.tf:20: none:")


def test_output_folders_are_made(tmp_path):
    repo = make_tree(tmp_path / "r", {"ok": "cilium"})
    target = tmp_path / "staging" / "CodeAnalysisLogs" / "akfix.sarif"
    assert run("check", str(repo), "--output", f"sarif={target}")[0] == 0
    assert json.loads(target.read_text())["runs"][0]["results"] == []


def test_unwritable_output_exits_two_after_the_report(tmp_path):
    repo = make_tree(tmp_path / "r", {"ok": "cilium"})
    (tmp_path / "a-file").write_text("")
    code, out, err = run("check", str(repo), "--output", f"sarif={tmp_path / 'a-file' / 'x.sarif'}")
    assert code == 2
    assert out.startswith("PASSED")
    assert f"akfix: error: --output sarif={tmp_path / 'a-file' / 'x.sarif'}: " in err


def test_sarif_on_stdout_and_problems_on_stderr(tmp_path):
    repo = make_tree(tmp_path / "r", {"ok": "cilium"})
    (repo / "broken.tf").write_text('resource "azurerm_kubernetes_cluster" "x" {\n')
    code, out, err = run("scan", str(repo), "--format", "sarif")
    assert code == 2
    assert json.loads(out)["runs"][0]["results"][0]["ruleId"] == "input-error"
    assert "akfix: broken.tf:2: HCL syntax error" in err


def test_check_reads_a_single_file_argument(tmp_path):
    repo = make_tree(tmp_path / "r", {"bad": "none", "ok": "cilium"})
    code, out, _ = run("check", str(repo / "ok" / "main.tf"))
    assert code == 0 and out.startswith("PASSED: 1 cluster,")


def test_pre_commit_hook_definition():
    import yaml

    root = os.path.join(os.path.dirname(__file__), "..")
    with open(os.path.join(root, ".pre-commit-hooks.yaml")) as handle:
        (hook,) = yaml.safe_load(handle)
    assert hook["id"] == "akfix-check" and hook["entry"] == "akfix check" and hook["language"] == "python"
    assert hook["pass_filenames"] is False
    import re

    files = re.compile(hook["files"])
    for name in ("infra/main.tf", "a.bicep", "azuredeploy.json", "prod.tfvars", "__main__.py", "x.tf.json", "dev.bicepparam"):
        assert files.search(name), name
    assert not files.search("README.md")


def test_cluster_tf_helper_is_what_it_says(tmp_path):
    """The tree helper writes what akfix reads: a literal policy on line 20."""
    text = cluster_tf("x", "none")
    assert text.splitlines()[19] == '    network_policy      = "none"'


def test_a_filter_between_gather_and_the_renderers_sets_findings_aside(tmp_path):
    """The contract for a suppressions/baseline step: it returns the Assessment with findings moved
    to `suppressed`; exit code, text, SARIF and JUnit follow."""
    from dataclasses import replace
    from types import SimpleNamespace

    from fixer.cli.commands import _render, gather
    from fixer.pipeline import Options
    from fixer.report.style import PLAIN

    repo = make_tree(tmp_path / "r", {"a": "none", "b": None})
    args = SimpleNamespace(paths=[repo], quiet=True, allowed_engines=None, command="check", sarif_tool_name="akfix", color="never")
    assessment = gather(args, Options())
    assert assessment.exit_code == 1 and len(assessment.findings) == 2
    kept, aside = assessment.findings
    filtered = replace(assessment, findings=(kept,), suppressed=(aside,))
    assert filtered.exit_code == 1
    assert replace(assessment, findings=(), suppressed=assessment.findings).exit_code == 0
    text = _render("text", filtered, args, PLAIN)
    assert "1 finding suppressed" in text and text.count(": none:") + text.count(": missing:") == 1
    results = json.loads(_render("sarif", filtered, args, None))["runs"][0]["results"]
    assert [r.get("suppressions") for r in results] == [None, [{"kind": "external", "status": "accepted"}]]
    suite = _junit(_render("junit", filtered, args, None)).find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("2", "1", "1")
