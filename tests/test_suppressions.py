"""akfix:ignore comments and ignore entries, end to end through `fixer.cli.main`: where a comment
may sit in each format, what is never a comment, refused suppressions, --no-suppressions, and
`apply` leaving a suppressed cluster alone beside one it fixes."""

from __future__ import annotations

from datetime import date

import pytest
from suppress_helpers import (
    LOCK,
    PULUMI_PRELUDE,
    PULUMI_REQUIREMENTS,
    arm_template,
    bicep_cluster,
    findings,
    make_repo,
    python_cluster,
    run,
    suppressed,
    tf_cluster,
)

from fixer.cli import options as cli_config
from fixer.suppress.comments import comments
from fixer.suppress.inline import parse_directive

REASON = "legacy cluster, retired with the old VNet"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(cli_config, "today", lambda: date(2030, 1, 1))


def tf_repo(tmp_path, first: str, second: str | None = None, extra: dict | None = None):
    files = {"main.tf": first + ("\n" + second if second else ""), ".terraform.lock.hcl": LOCK, **(extra or {})}
    return make_repo(tmp_path / "repo", files)


def scan(capsys, repo, *flags):
    return run(capsys, "scan", repo, "--format", "json", *flags)


# ---- where a comment may sit, in each format ----

# format -> (cluster builder, file, address prefix, text before the clusters); place: the builder's keyword
# for where the comment goes
FORMATS = {
    "terraform": (tf_cluster, "main.tf", "azurerm_kubernetes_cluster.", ""),
    "bicep": (bicep_cluster, "main.bicep", "resource ", ""),
    "python": (python_cluster, "__main__.py", "ManagedCluster.", PULUMI_PRELUDE),
}


def two_clusters(tmp_path, fmt: str, **comment):
    """A repository with cluster `kept` (policy "") and, after it, `quiet` (policy none) carrying `comment`."""
    build, name, _, prelude = FORMATS[fmt]
    text = prelude + build("kept", "") + "\n" + build("quiet", "none", **comment)
    return make_repo(tmp_path / "repo", {name: text, ".terraform.lock.hcl": LOCK, "requirements.txt": PULUMI_REQUIREMENTS})


@pytest.mark.parametrize("fmt, marker, place", [
    ("terraform", "#", "header"), ("terraform", "//", "header"), ("terraform", "/* */", "header"),
    ("terraform", "#", "profile"), ("terraform", "#", "value"),
    ("bicep", "//", "header"), ("bicep", "/* */", "header"), ("bicep", "//", "profile"), ("bicep", "//", "value"),
    ("python", "#", "header"), ("python", "#", "profile"), ("python", "#", "value"),
])
def test_comment_places_suppress(tmp_path, capsys, fmt, marker, place):
    _, name, prefix, _ = FORMATS[fmt]
    comment = f" /* akfix:ignore {REASON} */" if marker == "/* */" else f" {marker} akfix:ignore {REASON}"
    repo = two_clusters(tmp_path, fmt, **{place: comment})
    code, document, _ = scan(capsys, repo)
    assert findings(document) == [prefix + "kept"]
    assert suppressed(document) == [prefix + "quiet"]
    (entry,) = document["suppressed"]
    assert entry["reason"] == REASON and entry["source"]["kind"] == "inline" and entry["source"]["file"] == name
    assert code == 1  # the other cluster still counts


@pytest.mark.parametrize("block, line", [
    (f"# akfix:ignore {REASON}\n", 1),
    (f"// akfix:ignore {REASON}\n# owned by team X\n", 1),
    (f"/*\n * akfix:ignore {REASON}\n */\n", 2),
])
def test_terraform_comment_block_directly_above_suppresses(tmp_path, capsys, block, line):
    repo = tf_repo(tmp_path, block + tf_cluster("quiet", "none"))
    code, document, _ = scan(capsys, repo)
    assert suppressed(document) == ["azurerm_kubernetes_cluster.quiet"] and findings(document) == []
    assert document["suppressed"][0]["source"]["line"] == line
    assert code == 0  # the only finding is suppressed


def test_comment_separated_by_a_blank_line_or_code_does_not_suppress(tmp_path, capsys):
    blank = f"# akfix:ignore {REASON}\n\n" + tf_cluster("a", "none")
    code_between = tf_cluster("b", "none").replace('  name                = "b"', f'  name                = "b"\n  # akfix:ignore {REASON}')
    repo = tf_repo(tmp_path, blank, code_between)
    code, document, _ = scan(capsys, repo)
    assert suppressed(document) == [] and sorted(findings(document)) == ["azurerm_kubernetes_cluster.a", "azurerm_kubernetes_cluster.b"]
    assert code == 1


def test_tfvars_value_comment_suppresses_only_that_environment(tmp_path, capsys):
    main = tf_cluster("env", None).replace('    network_plugin_mode = "overlay"\n', '    network_plugin_mode = "overlay"\n    network_policy      = var.policy\n')
    repo = tf_repo(tmp_path, main, extra={
        "variables.tf": 'variable "policy" {\n  type    = string\n  default = "none"\n}\n',
        "dev.tfvars": f'policy = "none" # akfix:ignore {REASON}\n',
        "prod.tfvars": 'policy = "none"\n',
    })
    code, document, _ = scan(capsys, repo)
    assert [c["environment"] for c in document["suppressed"]] == ["dev.tfvars"]
    assert document["suppressed"][0]["source"] == {"kind": "inline", "file": "dev.tfvars", "line": 1}
    assert sorted(c.get("environment", "") for c in document["clusters"]) == ["", "prod.tfvars"]


def test_bicep_comment_block_above_suppresses(tmp_path, capsys):
    repo = make_repo(tmp_path / "repo", {"main.bicep": f"// akfix:ignore[none] {REASON}\n" + bicep_cluster("quiet", "none")})
    code, document, _ = scan(capsys, repo)
    assert suppressed(document) == ["resource quiet"] and code == 0


# ---- strings are never comments ----

def test_marker_inside_an_hcl_string_does_not_suppress(tmp_path, capsys):
    one_line = f'resource "azurerm_kubernetes_cluster" "s" {{ name = "# akfix:ignore {REASON}" }}\n'
    heredoc = f'locals {{\n  note = <<EOT\n# akfix:ignore {REASON}\nEOT\n}}\n'
    repo = tf_repo(tmp_path, heredoc + one_line)
    code, document, _ = scan(capsys, repo)
    assert findings(document) == ["azurerm_kubernetes_cluster.s"] and suppressed(document) == []
    assert code == 1


def test_marker_inside_a_bicep_multiline_string_right_above_does_not_suppress(tmp_path, capsys):
    # The line right above the header *looks* like a comment, but the ''' string ends on it.
    text = f"var note = '''\n// akfix:ignore {REASON}'''\n" + bicep_cluster("s", "none")
    repo = make_repo(tmp_path / "repo", {"main.bicep": text})
    code, document, _ = scan(capsys, repo)
    assert findings(document) == ["resource s"] and suppressed(document) == []


def test_yaml_comments_skip_quoted_and_block_scalars():
    data = (b"# akfix:ignore top\n"
            b"a: 'it''s # akfix:ignore no' # akfix:ignore yes\n"
            b"b: |\n  # akfix:ignore block scalar\n  more\n"
            b"c: it's plain # akfix:ignore plain\n"
            b'd: "x # akfix:ignore no"\n'
            b"e: x#not-a-comment\n")
    found = [data[c.start:c.end].decode() for c in comments(data, "k8s/aks.yaml")]
    assert found == ["# akfix:ignore top", "# akfix:ignore yes", "# akfix:ignore plain"]


def test_directive_syntax():
    directive = parse_directive("# akfix:ignore[none, missing] -- old VNet expires=2026-09-30", 7)
    assert (directive.kinds, directive.reason, directive.expires.isoformat(), directive.error) == (frozenset({"none", "missing"}), "old VNet", "2026-09-30", None)
    assert parse_directive("// tflint-ignore: x // akfix:ignore because", 1).reason == "because"
    assert parse_directive("# see akfix:ignore in the README", 1) is None  # prose mentioning it is not a directive
    assert parse_directive("# akfix:ignored", 1) is None
    assert "unknown kind 'nope'" in parse_directive("# akfix:ignore[nope] x", 1).error
    assert "not a date" in parse_directive("# akfix:ignore x expires=2026-02-30", 1).error


# ---- suppressions that do not apply ----

@pytest.mark.parametrize("comment, message", [
    ("# akfix:ignore", "main.tf:1: akfix:ignore not applied: a reason is required"),
    (f"# akfix:ignore {REASON} expires=2029-12-31", "main.tf:1: akfix:ignore not applied: expired on 2029-12-31"),
    (f"# akfix:ignore[bogus] {REASON}", "main.tf:1: akfix:ignore not applied: unknown kind 'bogus'"),
])
def test_refused_suppressions_are_problems_and_do_not_suppress(tmp_path, capsys, comment, message):
    repo = tf_repo(tmp_path, tf_cluster("x", "none", header=" " + comment))
    code, document, err = scan(capsys, repo)
    assert code == 2
    assert message in err
    assert findings(document) == ["azurerm_kubernetes_cluster.x"] and suppressed(document) == []
    assert document["errors"][0]["file"] == "main.tf" and document["errors"][0]["line"] == 1


def test_expiry_day_itself_still_suppresses(tmp_path, capsys):
    repo = tf_repo(tmp_path, tf_cluster("x", "none", header=f" # akfix:ignore {REASON} expires=2030-01-01"))
    code, document, _ = scan(capsys, repo)
    assert code == 0 and document["suppressed"][0]["expires"] == "2030-01-01"


def test_kind_filter_does_not_cover_other_statuses(tmp_path, capsys):
    repo = tf_repo(tmp_path, tf_cluster("x", None, header=f" # akfix:ignore[none] {REASON}"))  # status: missing
    code, document, err = scan(capsys, repo)
    assert findings(document) == ["azurerm_kubernetes_cluster.x"] and code == 1 and err == ""


def test_no_suppressions_reports_everything_and_refuses_nothing(tmp_path, capsys):
    repo = tf_repo(tmp_path, tf_cluster("a", "none", header=f" # akfix:ignore {REASON}"), tf_cluster("b", "none", header=" # akfix:ignore"))
    (repo / ".akfix-ignore.toml").write_text(f'[[ignore]]\npath = "*.tf"\nreason = "{REASON}"\n')
    code, document, err = scan(capsys, repo, "--no-suppressions")
    assert sorted(findings(document)) == ["azurerm_kubernetes_cluster.a", "azurerm_kubernetes_cluster.b"]
    assert document["suppressed"] == [] and document["warnings"] == [] and err == ""
    assert code == 1


# ---- the ignore list (ARM templates hold no comments) ----

def test_ignore_file_suppresses_arm_clusters_by_path_and_address(tmp_path, capsys):
    repo = make_repo(tmp_path / "repo", {
        "arm/azuredeploy.json": arm_template("aks-old", "aks-new"),
        ".akfix-ignore.toml": f'[[ignore]]\npath = "arm/*.json"\naddress = "*/aks-old"\nreason = "{REASON}"\nexpires = 2031-01-01\n',
    })
    code, document, err = scan(capsys, repo)
    assert suppressed(document) == ["Microsoft.ContainerService/managedClusters/aks-old"]
    assert findings(document) == ["Microsoft.ContainerService/managedClusters/aks-new"]
    assert document["suppressed"][0]["source"] == {"kind": "ignore-file", "file": ".akfix-ignore.toml", "line": 1}
    assert document["suppressed"][0]["expires"] == "2031-01-01"
    assert code == 1 and err == ""


def test_ignore_entries_in_pyproject_and_unused_entry_is_a_warning(tmp_path, capsys):
    repo = make_repo(tmp_path / "repo", {
        "azuredeploy.json": arm_template("aks-old"),
        "pyproject.toml": f'[project]\nname = "x"\n\n[[tool.akfix.ignore]]\npath = "azuredeploy.json"\nreason = "{REASON}"\n\n'
                          f'[[tool.akfix.ignore]]\npath = "gone/*.json"\nreason = "{REASON}"\n',
    })
    code, document, err = scan(capsys, repo)
    assert suppressed(document) == ["Microsoft.ContainerService/managedClusters/aks-old"]
    assert code == 0  # a warning is not an error
    assert document["warnings"] == [{"file": "pyproject.toml", "line": 8, "message": "ignore entry matched no cluster in this run (path = 'gone/*.json')"}]
    assert "akfix: warning: pyproject.toml:8: ignore entry matched no cluster" in err


@pytest.mark.parametrize("entry, message", [
    ('path = "*.json"\nreason = "x"\nexpires = 2029-06-30\n', ".akfix-ignore.toml:1: ignore entry not applied: expired on 2029-06-30"),
    ('path = "*.json"\n', ".akfix-ignore.toml:1: ignore entry not applied: a reason is required"),
])
def test_refused_ignore_entries_are_problems(tmp_path, capsys, entry, message):
    repo = make_repo(tmp_path / "repo", {"azuredeploy.json": arm_template("aks"), ".akfix-ignore.toml": "[[ignore]]\n" + entry})
    code, document, err = scan(capsys, repo)
    assert code == 2 and message in err
    assert suppressed(document) == [] and findings(document) == ["Microsoft.ContainerService/managedClusters/aks"]


# ---- apply never edits a suppressed cluster ----

def test_apply_fixes_one_cluster_and_leaves_the_suppressed_one_in_the_same_file(tmp_path, capsys):
    quiet = tf_cluster("quiet", "", value=f" # akfix:ignore {REASON}")
    repo = tf_repo(tmp_path, tf_cluster("fixed", ""), quiet)
    code, document, _ = run(capsys, "apply", repo, "--no-bases", "--format", "json")
    text = (repo / "main.tf").read_text()
    assert text.endswith(quiet)  # byte for byte
    assert 'network_policy      = "cilium"' in text[:-len(quiet)]
    assert suppressed(document) == ["azurerm_kubernetes_cluster.quiet"]
    assert [c["outcome"] for c in document["clusters"]] == ["fixed"]
    assert code == 0  # the fixed one is fixed, the suppressed one does not count


@pytest.mark.parametrize("fmt, marker, fixed", [("bicep", "//", "networkPolicy: 'cilium'"), ("python", "#", 'network_policy="cilium"')])
def test_apply_leaves_the_suppressed_cluster_of_a_put_or_python_file(tmp_path, capsys, fmt, marker, fixed):
    build, name, _, _ = FORMATS[fmt]
    quiet = build("quiet", "none", header=f" {marker} akfix:ignore {REASON}")
    repo = two_clusters(tmp_path, fmt, header=f" {marker} akfix:ignore {REASON}")
    code, _, err = run(capsys, "apply", repo, "--no-bases")
    text = (repo / name).read_text()
    assert text.endswith(quiet) and fixed in text[:-len(quiet)]
    assert "1 suppressed (1 inline)" in err and code == 0


def test_marker_inside_a_python_string_does_not_suppress(tmp_path, capsys):
    # the resource name, on the header line: a `#` inside a string is not a comment
    text = PULUMI_PRELUDE + python_cluster("s", "none").replace('s = ManagedCluster(\n    "s",', f's = ManagedCluster("s # akfix:ignore {REASON}",')
    assert f'ManagedCluster("s # akfix:ignore {REASON}",' in text
    repo = make_repo(tmp_path / "repo", {"__main__.py": text, "requirements.txt": PULUMI_REQUIREMENTS})
    code, document, _ = scan(capsys, repo)
    assert findings(document) == [f"ManagedCluster.s # akfix:ignore {REASON}"]  # the address is the resource name
    assert suppressed(document) == []


def test_apply_dry_run_diff_has_no_suppressed_edit(tmp_path, capsys):
    repo = tf_repo(tmp_path, tf_cluster("quiet", "none", header=f" # akfix:ignore {REASON}"))
    code, out, err = run(capsys, "apply", repo, "--dry-run", "--no-bases")
    assert out == "" and code == 0
    assert "azurerm_kubernetes_cluster.quiet  none  inline main.tf:1: " + REASON in err


def test_scan_text_summarises_suppressed(tmp_path, capsys):
    repo = tf_repo(tmp_path, tf_cluster("a", "none", header=f" # akfix:ignore {REASON}"), tf_cluster("b", "none", value=f" # akfix:ignore {REASON}"))
    code, out, _ = run(capsys, "scan", repo)
    assert "2 suppressed (2 inline)" in out and code == 0


def test_a_fully_suppressed_run_does_not_claim_it_found_nothing(tmp_path, capsys):
    repo = tf_repo(tmp_path, tf_cluster("a", "none", header=f" # akfix:ignore {REASON}"))
    code, out, _ = run(capsys, "scan", repo, "-q")
    assert out.splitlines()[0] == "No AKS clusters besides 1 suppressed." and code == 0


def test_the_filter_is_pure_and_takes_the_gates_notion_of_a_finding(tmp_path):
    """What `akfix check` plugs in: a compliant cluster on an engine the gate does not allow is a
    finding there, so a comment may cover it when the caller says so."""
    from fixer.pipeline import Options
    from fixer.pipeline import run as pipeline_run
    from fixer.suppress import Rules, filter_results
    from fixer.suppress.screen import inline_files

    repo = tf_repo(tmp_path, tf_cluster("calico", "calico", header=f" # akfix:ignore[compliant] {REASON}"))
    results = [("", pipeline_run(repo, Options(), verify=False))]
    rules = Rules(date(2030, 1, 1))
    assert filter_results(results, rules, inline_files(results)).suppressed == ()  # compliant: nothing to suppress
    gate = lambda report: report.policy != "cilium"  # noqa: E731 - a gate allowing only cilium
    screened = filter_results(results, rules, inline_files(results, gate), gate)
    assert [s.report.cluster.address for s in screened.suppressed] == ["azurerm_kubernetes_cluster.calico"]
    assert screened.results[0][1].clusters == () and results[0][1].clusters != ()  # new values; the input is untouched
