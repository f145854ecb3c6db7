"""Configuration: discovery upward, precedence (flag > .akfix.toml > pyproject > built-in), errors
that name the key and the file, `skip`, and every key reaching the option it sets."""

from __future__ import annotations

from pathlib import Path

import pytest
from suppress_helpers import LOCK, findings, make_repo, run, tf_cluster

from fixer.cli import build_parser
from fixer.cli.config import ConfigError, load_config
from fixer.cli.options import settle
from fixer.globs import Glob


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "repo", {"infra/aks/main.tf": tf_cluster("a", "none"), "infra/aks/.terraform.lock.hcl": LOCK})


def engine_of(capsys, *argv) -> str:
    code, document, err = run(capsys, "scan", *argv, "--format", "json")
    assert code in (0, 1), err
    return document["engine"]


def test_found_upward_from_the_scanned_folder(repo, capsys):
    (repo / ".akfix.toml").write_text('engine = "calico"\n')
    assert engine_of(capsys, repo / "infra" / "aks") == "calico"
    assert engine_of(capsys, repo / "infra" / "aks" / "main.tf") == "calico"


def test_discovery_stops_at_the_repository_root(repo, capsys):
    (repo.parent / ".akfix.toml").write_text('engine = "calico"\n')  # above the .git folder: someone else's
    assert engine_of(capsys, repo / "infra") == "cilium"
    (repo / ".git").rmdir()
    (repo / ".git").write_text("gitdir: /elsewhere\n")  # a worktree's .git file stops it too
    assert engine_of(capsys, repo / "infra") == "cilium"


def test_flag_beats_configuration_beats_built_in(repo, capsys):
    (repo / ".akfix.toml").write_text('engine = "calico"\n')
    assert engine_of(capsys, repo, "--engine", "azure") == "azure"
    assert engine_of(capsys, repo) == "calico"
    assert engine_of(capsys, repo, "--no-config") == "cilium"


def test_akfix_toml_wins_over_pyproject_in_one_folder_and_nearest_folder_wins(repo, capsys):
    (repo / "pyproject.toml").write_text('[tool.akfix]\nengine = "azure"\n')
    assert engine_of(capsys, repo) == "azure"
    (repo / ".akfix.toml").write_text('engine = "calico"\n')
    assert engine_of(capsys, repo) == "calico"
    (repo / "infra" / "pyproject.toml").write_text('[tool.akfix]\nengine = "azure"\n')
    assert engine_of(capsys, repo / "infra") == "azure"


def test_pyproject_without_an_akfix_table_is_passed_over(repo, capsys):
    (repo / ".akfix.toml").write_text('engine = "calico"\n')
    (repo / "infra" / "pyproject.toml").write_text('[project]\nname = "infra"\n')
    assert engine_of(capsys, repo / "infra") == "calico"


def test_explicit_config_file(repo, capsys, tmp_path):
    elsewhere = tmp_path / "team.toml"
    elsewhere.write_text('engine = "azure"\n')
    (repo / ".akfix.toml").write_text('engine = "calico"\n')
    assert engine_of(capsys, repo, "--config", elsewhere) == "azure"
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    code, _, err = run(capsys, "scan", repo, "--config", tmp_path / "pyproject.toml")
    assert code == 2 and "pyproject.toml: no [tool.akfix] table" in err


@pytest.mark.parametrize("text, message", [
    ('bases_dir = "k8s"\n', ".akfix.toml: unknown key 'bases_dir' (did you mean 'bases-dir'?)"),
    ('enigne = "calico"\n', ".akfix.toml: unknown key 'enigne' (did you mean 'engine'?)"),
    ('colour = "blue"\n', ".akfix.toml: unknown key 'colour' (valid keys: engine, allowed-engines,"),
    ('engine = "weave"\n', ".akfix.toml: engine: expected one of cilium, calico, azure, got 'weave'"),
    ("labels = \"security\"\n", ".akfix.toml: labels: expected a list of strings, got 'security'"),
    ('draft = "yes"\n', ".akfix.toml: draft: expected true or false, got 'yes'"),
    ('azurerm-version = "four"\n', ".akfix.toml: azurerm-version: not a version: 'four'"),
    ('allowed-engines = ["cilium", "weave"]\n', ".akfix.toml: allowed-engines: expected one of cilium, calico, azure, got 'weave'"),
    ('[[ignore]]\npath = "x"\nreson = "typo"\n', ".akfix.toml: ignore #1 (line 1): unknown key 'reson' (did you mean 'reason'?)"),
    ('[[ignore]]\nreason = "no path"\n', ".akfix.toml: ignore #1 (line 1): 'path' is required"),
    ('[[ignore]]\npath = "x"\nreason = "r"\nexpires = "soon"\n', ".akfix.toml: ignore #1 (line 1): expires: expected a date (YYYY-MM-DD), got 'soon'"),
    ("engine = \n", ".akfix.toml: not valid TOML"),
])
def test_bad_configuration_is_a_usage_error_naming_key_and_file(repo, capsys, monkeypatch, text, message):
    (repo / ".akfix.toml").write_text(text)
    monkeypatch.chdir(repo)
    code, out, err = run(capsys, "scan", ".")
    assert code == 2 and out == ""
    assert f"akfix: error: {message}" in err


def test_pyproject_errors_name_the_table(repo, capsys, monkeypatch):
    (repo / "pyproject.toml").write_text('[tool.akfix]\nnamespace = ["a"]\n')
    monkeypatch.chdir(repo)
    code, _, err = run(capsys, "scan", ".")
    assert code == 2 and "pyproject.toml: [tool.akfix]: unknown key 'namespace' (did you mean 'namespaces'?)" in err


def test_skip_globs_keep_files_out_of_discovery(repo, capsys):
    (repo / "legacy").mkdir()
    (repo / "legacy" / "old.tf").write_text(tf_cluster("old", "none"))
    (repo / "infra" / "aks" / "generated.tf").write_text(tf_cluster("gen", "none"))
    (repo / ".akfix.toml").write_text('skip = ["legacy", "**/generated.tf"]\n')
    code, document, _ = run(capsys, "scan", repo, "--format", "json")
    assert findings(document) == ["azurerm_kubernetes_cluster.a"]
    code, document, _ = run(capsys, "scan", repo / "infra", "--format", "json")  # globs are relative to the file, not the scan
    assert findings(document) == ["azurerm_kubernetes_cluster.a"]
    code, document, _ = run(capsys, "scan", repo, "--no-config", "--format", "json")
    assert len(findings(document)) == 3


def test_bases_options_from_configuration(repo, capsys):
    (repo / ".akfix.toml").write_text('bases-dir = "policies"\nnamespaces = ["payments"]\nexclude-namespaces = ["default"]\n')
    code, document, err = run(capsys, "bases", repo, "--dry-run", "--format", "json")
    (bases,) = document["bases"]
    assert bases["dir"] == "policies" and [n["name"] for n in bases["namespaces"]] == ["payments"]
    assert all(f.startswith("policies/") for f in bases["files"])
    code, document, _ = run(capsys, "bases", repo, "--dry-run", "--format", "json", "--bases-dir", "np", "--namespace", "web")
    assert document["bases"][0]["dir"] == "np" and [n["name"] for n in document["bases"][0]["namespaces"]] == ["web"]


def settled(argv: list[str]):
    args = build_parser().parse_args(argv)
    settle(args)
    return args


def test_every_key_reaches_its_option(repo, monkeypatch):
    (repo / ".akfix.toml").write_text(
        'engine = "calico"\nallowed-engines = ["cilium", "calico"]\nbases-dir = "np"\nnamespaces = ["a"]\n'
        'exclude-namespaces = ["b"]\nbranch = "sec/np"\nlabels = ["security"]\nreviewers = ["org/platform"]\n'
        'draft = true\nbase = "develop"\nassume-network = "azure-overlay"\nazurerm-version = "4.20.0"\n'
        'baseline = "b.json"\nskip = ["x"]\n')
    (repo / "b.json").write_text('{"version": 1, "findings": []}')
    monkeypatch.chdir(repo)
    args = settled(["apply", "--push"])
    assert (tuple(args.engine), args.bases_dir, args.namespace, args.exclude_namespace) == (("calico",), "np", ["a"], ["b"])
    assert (args.branch, args.label, args.reviewer, args.draft, args.base) == ("sec/np", ["security"], ["org/platform"], True, "develop")
    assert (args.assume_network, args.azurerm_version) == ("azure-overlay", "4.20.0")
    assert args.akfix_config.allowed_engines == ("cilium", "calico")
    assert args.skip.matches(repo.resolve() / "x" / "y.tf")
    assert settled(["scan"]).baseline == repo.resolve() / "b.json"
    assert settled(["apply"]).branch is None  # the configuration names the branch, never turns delivery on
    assert settled(["apply", "--branch"]).branch == "sec/np"
    flags = settled(["apply", "--branch", "mine", "--label", "x", "--engine", "azure", "--bases-dir", "d"])
    assert (flags.branch, flags.label, flags.engine, flags.bases_dir) == ("mine", ["x"], ("azure",), "d")


def test_built_in_defaults_without_configuration(repo, monkeypatch):
    monkeypatch.chdir(repo)
    args = settled(["apply"])
    assert (args.engine, args.bases_dir, args.namespace, args.label, args.draft) == (("cilium",), "k8s/network-policies", [], [], False)
    bot = settled(["bot", "https://example.invalid/r.git"])
    assert (bot.engine, bot.bases_dir) == (("cilium",), "k8s/network-policies")


def test_configured_azurerm_version_changes_the_plan(repo, capsys):
    (repo / "infra" / "aks" / ".terraform.lock.hcl").unlink()
    (repo / ".akfix.toml").write_text('azurerm-version = "3.74.0"\n')
    code, document, _ = run(capsys, "scan", repo, "--format", "json")
    fix = document["clusters"][0]["fix"]
    assert fix["risk"] == "manual" and "azurerm 3.74.0 does not accept" in fix["summary"]
    code, document, _ = run(capsys, "scan", repo, "--format", "json", "--azurerm-version", "4.59.0")
    assert document["clusters"][0]["fix"]["risk"] == "disruptive" and "azurerm 4.59.0" in document["clusters"][0]["fix"]["summary"]


def test_load_config_keeps_paths_relative_to_its_folder(tmp_path):
    path = tmp_path / "sub" / ".akfix.toml"
    path.parent.mkdir()
    path.write_text('baseline = "../b.json"\nskip = ["gen/**"]\n[[ignore]]\npath = "arm/*.json"\nreason = "r"\n')
    config = load_config(path)
    assert config.baseline.resolve() == (tmp_path / "b.json").resolve()
    assert config.skip.globs == (Glob("gen/**", path.parent.resolve()),)
    assert config.ignore[0].path.matches(path.parent.resolve() / "arm" / "t.json")
    with pytest.raises(ConfigError):
        load_config(tmp_path / "absent.toml")


@pytest.mark.parametrize("pattern, path, expected", [
    ("legacy", "legacy/a/b.tf", True),
    ("legacy/", "legacy/b.tf", True),
    ("legacy", "legacyx/b.tf", False),
    ("*.tf", "a.tf", True),
    ("*.tf", "d/a.tf", False),
    ("**/*.tf", "a.tf", True),
    ("**/*.tf", "d/e/a.tf", True),
    ("./d/a?.json", "d/ab.json", True),
    ("[!x]*.tf", "x.tf", False),
])
def test_globs(pattern, path, expected):
    base = Path("/r")
    assert Glob(pattern, base).matches(base / path) is expected


@pytest.mark.parametrize("written", ['engine = ["cilium", "calico"]', 'engine = "cilium,calico"'])
def test_engine_preference_from_configuration(repo, monkeypatch, written):
    (repo / ".akfix.toml").write_text(written + "\n")
    monkeypatch.chdir(repo)
    assert tuple(settled(["apply"]).engine) == ("cilium", "calico")
    assert tuple(settled(["apply", "--engine", "calico"]).engine) == ("calico",)  # the flag wins


@pytest.mark.parametrize("written", ['engine = ["cilium", "cilium"]', 'engine = []', 'engine = "cilium,weave"'])
def test_engine_preference_refused(repo, monkeypatch, written):
    (repo / ".akfix.toml").write_text(written + "\n")
    monkeypatch.chdir(repo)
    with pytest.raises(ValueError, match="engine"):
        settled(["apply"])
