"""SARIF 2.1.0: valid against the official schema (offline copy), what GitHub code scanning reads,
fingerprints that survive unrelated edits, and fixes that reproduce akfix's own edits byte for byte."""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import shutil
from pathlib import Path

import jsonschema
import pytest
from reporting import EXAMPLES, apply_by_bytes, apply_by_lines, make_tree, run, sarif_file, sarif_replacements

HERE = Path(__file__).parent
SCHEMA_PATH = HERE / "schemas" / "sarif-schema-2.1.0.json"
FIXTURES = HERE / "fixtures"


@pytest.fixture(scope="module")
def schema():
    return json.loads(SCHEMA_PATH.read_text())


def validate(document: dict, schema: dict) -> None:
    """Against the metaschema the file declares (draft-04) and with a Draft-07 validator, as most
    SARIF consumers use the draft-07 edition of the same schema."""
    jsonschema.validators.validator_for(schema)(schema).validate(document)
    jsonschema.Draft7Validator(schema).validate(document)


def sarif(*args: str) -> tuple[int, dict]:
    code, out, _ = run("scan", *args, "--format", "sarif")
    return code, json.loads(out)


def test_the_schema_is_the_upstream_file():
    digest = hashlib.sha256(SCHEMA_PATH.read_bytes()).hexdigest()
    assert digest == "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


def test_run_with_findings_fixes_and_errors_is_valid(tmp_path, schema):
    repo = tmp_path / "examples"
    shutil.copytree(EXAMPLES, repo)
    (repo / "broken.tf").write_text('resource "azurerm_kubernetes_cluster" "x" {\n')
    code, document = sarif(str(repo))
    assert code == 2
    validate(document, schema)
    results = document["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"missing", "none", "input-error"}
    assert any("fixes" in r for r in results)
    (invocation,) = document["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 2
    assert invocation["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "broken.tf"


def test_engine_not_allowed_run_is_valid(tmp_path, schema):
    repo = make_tree(tmp_path / "r", {"npm": "azure", "ok": "cilium"})
    code, out, _ = run("check", str(repo), "--allowed-engines", "cilium", "--switch", "--format", "sarif")
    document = json.loads(out)
    assert code == 1
    validate(document, schema)
    (result,) = document["runs"][0]["results"]
    assert result["ruleId"] == "engine-not-allowed" and result["fixes"]
    assert document["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_what_github_code_scanning_reads(tmp_path):
    repo = make_tree(tmp_path / "r", {"a": "none", "b": None})
    code, document = sarif(str(repo), "--sarif-tool-name", "akfix-aks")
    assert code == 1
    run_ = document["runs"][0]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "akfix-aks"
    rule_ids = [r["id"] for r in driver["rules"]]
    assert rule_ids == ["missing", "none", "unresolved", "engine-not-allowed", "input-error"]
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["helpUri"].startswith("https://github.com/akfix/akfix#rule-")
        if rule["id"] != "input-error":
            assert "security" in rule["properties"]["tags"]
            assert 0 < float(rule["properties"]["security-severity"]) <= 10
    for result in run_["results"]:
        assert result["ruleId"] in rule_ids and rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        assert result["message"]["text"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "SRCROOT"
        assert not location["artifactLocation"]["uri"].startswith("/")  # relative to the base
        assert sarif_file(document, location["artifactLocation"]).is_file()
        assert "primaryLocationLineHash" not in result["partialFingerprints"]  # GitHub computes that one itself
    assert run_["originalUriBaseIds"]["SRCROOT"]["uri"] == repo.resolve().as_uri() + "/"


def test_help_links_point_at_readme_sections():
    """Every rule's helpUri anchor is a heading of the README (GitHub's anchor rules)."""
    from fixer.report.findings import RULES, Kind, help_uri

    readme = (HERE.parent / "README.md").read_text()
    anchors = {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in re.findall(r"^#+ (.+)$", readme, re.M)}
    for kind in Kind:
        assert help_uri(kind).split("#")[1] in anchors, RULES[kind].anchor


def test_regions_point_at_the_value_with_columns(tmp_path):
    repo = make_tree(tmp_path / "r", {"bad": "none", "gone": None})
    _, document = sarif(str(repo))
    regions = {}
    for result in document["runs"][0]["results"]:
        location = result["locations"][0]["physicalLocation"]
        path = sarif_file(document, location["artifactLocation"])
        region = location["region"]
        line = path.read_text().splitlines()[region["startLine"] - 1]
        regions[result["properties"]["address"]] = line[region["startColumn"] - 1 : region["endColumn"] - 1]
    assert regions == {
        "azurerm_kubernetes_cluster.bad": '"none"',  # the value
        "azurerm_kubernetes_cluster.gone": 'resource "azurerm_kubernetes_cluster" "gone" {',  # the header
    }


def _fingerprints(document: dict) -> dict[str, str]:
    return {r["properties"]["address"]: r["partialFingerprints"]["akfixFinding/v1"] for r in document["runs"][0]["results"]}


def _lines(document: dict) -> dict[str, int]:
    return {r["properties"]["address"]: r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in document["runs"][0]["results"]}


def test_fingerprints_survive_an_unrelated_line_above_the_cluster(tmp_path):
    repo = make_tree(tmp_path / "r", {"a": "none", "b": None})
    _, before = sarif(str(repo))
    for name in ("a", "b"):
        main = repo / name / "main.tf"
        main.write_text('# owner: platform team\nlocals {\n  x = 1\n}\n\n' + main.read_text())
    _, after = sarif(str(repo))
    assert {k: v + 5 for k, v in _lines(before).items()} == _lines(after)  # the findings moved...
    assert _fingerprints(before) == _fingerprints(after)  # ...and are still the same findings
    assert len(set(_fingerprints(after).values())) == 2


def test_fingerprints_tell_kinds_files_and_views_apart(tmp_path):
    repo = tmp_path / "examples"
    shutil.copytree(EXAMPLES, repo)
    _, document = sarif(str(repo))
    prints = [r["partialFingerprints"]["akfixFinding/v1"] for r in document["runs"][0]["results"]]
    assert len(prints) == len(set(prints)) == 9  # three views of one cluster among them
    # the same cluster with another kind is another finding
    (repo / "team-environments" / "dev.tfvars").write_text((repo / "team-environments" / "dev.tfvars").read_text().replace('"none"', '"azure"'))
    code, out, _ = run("check", str(repo), "--allowed-engines", "cilium", "--format", "sarif")
    changed = {r["ruleId"]: r["partialFingerprints"]["akfixFinding/v1"] for r in json.loads(out)["runs"][0]["results"]
               if r["properties"].get("environment", "").endswith("dev.tfvars")}
    assert list(changed) == ["engine-not-allowed"] and changed["engine-not-allowed"] not in prints


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _check_fixes_reproduce_apply(work: Path, args: list[str]) -> int:
    """Apply the SARIF fixes to the original files, then let akfix apply; the trees must match.
    Only the target engine is allowed, so that clusters moved by --switch are findings too."""
    engine = args[args.index("--engine") + 1] if "--engine" in args else "cilium"
    code, out, err = run("check", str(work), "--format", "sarif", "--allowed-engines", engine, *args)
    document = json.loads(out)
    original = _tree(work)
    patched = dict(original)
    replaced = sarif_replacements(document)
    for path, replacements in replaced.items():
        relpath = path.relative_to(work.resolve()).as_posix()
        patched[relpath] = apply_by_bytes(original[relpath], replacements)
    # the line/column regions say the same as the byte offsets
    for result in document["runs"][0]["results"]:
        for fix in result.get("fixes", []):
            for change in fix["artifactChanges"]:
                relpath = sarif_file(document, change["artifactLocation"]).relative_to(work.resolve()).as_posix()
                regions = [(r["deletedRegion"], r["insertedContent"]["text"]) for r in change["replacements"]]
                mine = {(r["deletedRegion"]["byteOffset"], r["deletedRegion"]["byteLength"], r["insertedContent"]["text"]) for r in change["replacements"]}
                by_lines = apply_by_lines(original[relpath].decode("utf-8"), regions).encode("utf-8")
                assert by_lines == apply_by_bytes(original[relpath], mine), relpath
    apply_code, _, apply_err = run("apply", str(work), "--no-bases", "-q", *args)
    assert apply_code == 2 if code == 2 else apply_code in (0, 1), apply_err  # input errors: 2 for both
    assert _tree(work) == patched
    return len(replaced)


def test_fixes_reproduce_apply_on_the_examples(tmp_path):
    work = tmp_path / "examples"
    shutil.copytree(EXAMPLES, work)
    assert _check_fixes_reproduce_apply(work, []) == 8  # files changed by fixes: the whole dry-run diff


def _golden_cases():
    cases = []
    for fmt in ("terraform", "arm", "bicep", "python"):
        for case in sorted((FIXTURES / fmt).iterdir()):
            if (case / "input").is_dir() and (case / "expected").is_dir():
                cases.append(f"{fmt}/{case.name}")
    return cases


# Fixes of clusters that are no finding (a cluster whose live engine, the target one, gets pinned
# in code) are not in SARIF: SARIF carries results, and a compliant cluster has none.
NOT_FINDINGS = {"terraform/plan-json-pins-live-engine"}


@pytest.mark.parametrize("name", [c for c in _golden_cases() if c not in NOT_FINDINGS])
def test_fixes_reproduce_apply_on_every_golden_case(tmp_path, name):
    case = FIXTURES / name
    work = tmp_path / "repo"
    shutil.copytree(case / "input", work)
    args = shlex.split((case / "args").read_text().replace("{root}", str(work))) if (case / "args").exists() else []
    assert _check_fixes_reproduce_apply(work, args) >= 1
