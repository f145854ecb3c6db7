"""End-to-end: the command line as a user runs it, exit codes, JSON contract, bad input."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from fixer import discover
from fixer.cli import main
from fixer.edit.write import write_changes
from fixer.model import FileChange

FIXTURES = Path(__file__).parent / "fixtures" / "terraform"


def copy_case(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURES / name / "input", target)
    return target


def akfix(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fixer", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_scan_json_contract(tmp_path):
    repo = copy_case("block-without-policy-4x", tmp_path)
    result = akfix("scan", str(repo), "--format", "json")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["version"] == 1 and document["engine"] == "cilium" and document["errors"] == []
    (entry,) = document["clusters"]
    assert {k: entry[k] for k in ("file", "line", "format", "address", "policy", "status")} == {
        "file": "main.tf",
        "line": 1,
        "format": "terraform",
        "address": "azurerm_kubernetes_cluster.main",
        "policy": None,
        "status": "missing",
    }
    assert entry["fix"]["risk"] == "disruptive"
    assert entry["fix"]["edits"] == [{"file": "main.tf", "line": 20}]
    assert isinstance(entry["fix"]["summary"], str) and "cilium" in entry["fix"]["summary"]


def test_scan_compliant_exits_zero(tmp_path):
    repo = copy_case("compliant-cilium", tmp_path)
    result = akfix("scan", str(repo))
    assert result.returncode == 0, result.stderr
    assert "compliant" in result.stdout


def test_apply_dry_run_prints_diff_and_writes_nothing(tmp_path):
    repo = copy_case("block-without-policy-4x", tmp_path)
    before = (repo / "main.tf").read_bytes()
    result = akfix("apply", str(repo), "--dry-run")
    assert result.returncode == 1
    assert result.stdout.startswith("--- a/main.tf\n+++ b/main.tf\n")
    assert '+    network_policy      = "cilium"' in result.stdout
    assert "would be written (dry run)" in result.stderr
    assert (repo / "main.tf").read_bytes() == before


def test_apply_writes_keeps_mode_and_leaves_no_temp_files(tmp_path):
    repo = copy_case("block-without-policy-4x", tmp_path)
    os.chmod(repo / "main.tf", 0o640)
    result = akfix("apply", str(repo))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE((repo / "main.tf").stat().st_mode) == 0o640
    assert 'network_policy      = "cilium"' in (repo / "main.tf").read_text()
    assert sorted(p.name for p in repo.iterdir()) == [".terraform.lock.hcl", "k8s", "main.tf"]  # k8s: the bases
    assert not list(repo.rglob("*.akfix-tmp"))
    assert "wrote main.tf" in result.stderr


def test_held_back_fix_names_the_flag(tmp_path):
    repo = copy_case("azurerm-3x-calico-replacement-held", tmp_path)
    result = akfix("apply", str(repo), "--engine", "calico", "--no-azapi")  # azurerm alone: held back
    assert result.returncode == 1
    assert "held back" in result.stderr and "--allow-replacement" in result.stderr
    assert "3.108" in result.stderr  # the version that would make it in place


def test_usage_errors_exit_two(tmp_path):
    assert akfix("scan", "--engine", "weave").returncode == 2
    missing = akfix("scan", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    assert akfix("scan", "--azurerm-version", "banana", str(tmp_path)).returncode == 2


def test_bad_files_are_reported_and_the_rest_goes_on(tmp_path):
    repo = copy_case("block-without-policy-4x", tmp_path)
    (repo / "broken.tf").write_text('resource "azurerm_kubernetes_cluster" "x" {\n  name = \n')
    (repo / "latin1.tf").write_bytes(b'# caf\xe9\nresource "azurerm_kubernetes_cluster" "y" {}\n')
    (repo / "utf16.tf").write_bytes('resource "azurerm_kubernetes_cluster" "z" {}\n'.encode("utf-16"))
    (repo / "binary.tf").write_bytes(b"azurerm_kubernetes_cluster\x00\x01")
    outside = tmp_path / "outside.tf"
    outside.write_text('resource "azurerm_kubernetes_cluster" "o" {}\n')
    (repo / "link.tf").symlink_to(outside)
    loop = repo / "loop.tf"
    loop.symlink_to(loop)
    snapshot = {p.name: p.read_bytes() for p in repo.iterdir() if p.is_file() and not p.is_symlink()}
    result = akfix("apply", str(repo))
    assert result.returncode == 2
    errors = result.stderr
    assert "broken.tf:2: HCL syntax error: unexpected end of file (a block opened at line 1 is not closed)" in errors
    assert "latin1.tf:1: not valid UTF-8" in errors
    assert "utf16.tf:1: file is UTF-16" in errors
    assert "binary.tf:1:" in errors and "NUL" in errors
    assert "link.tf:1: symlink points outside the scanned tree" in errors
    assert "loop.tf:1:" in errors
    # the good file was still fixed, the bad ones left byte-identical
    assert 'network_policy      = "cilium"' in (repo / "main.tf").read_text()
    for name, data in snapshot.items():
        if name != "main.tf":
            assert (repo / name).read_bytes() == data
    assert outside.read_text() == 'resource "azurerm_kubernetes_cluster" "o" {}\n'


def test_huge_file_is_refused(tmp_path, monkeypatch):
    repo = copy_case("block-without-policy-4x", tmp_path)
    monkeypatch.setattr(discover, "MAX_BYTES", 100)
    code = main(["scan", str(repo)])
    assert code == 2


def test_json_errors_carry_file_and_line(tmp_path, capsys):
    repo = tmp_path / "r"
    repo.mkdir()
    (repo / "a.tf").write_text('resource "azurerm_kubernetes_cluster" "x" {\n  network_profile {\n    = "azure"\n  }\n}\n')
    code = main(["scan", str(repo), "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 2
    assert document["errors"][0]["file"] == "a.tf" and document["errors"][0]["line"] == 2


def test_changed_on_disk_is_not_overwritten(tmp_path):
    path = tmp_path / "main.tf"
    path.write_text("new content by a person\n")
    change = FileChange(path, "main.tf", b"what akfix read\n", b"what akfix wrote\n")
    problems = write_changes([change])
    assert problems and "changed on disk" in problems[0].message
    assert path.read_text() == "new content by a person\n"


def test_single_file_argument_and_multiple_roots(tmp_path):
    one = copy_case("block-without-policy-4x", tmp_path)
    two = copy_case("policy-empty-string", tmp_path)
    result = akfix("scan", str(one / "main.tf"), "--format", "json")
    assert [c["file"] for c in json.loads(result.stdout)["clusters"]] == ["main.tf"]
    both = akfix("scan", str(one), str(two), "--format", "json")
    files = [c["file"] for c in json.loads(both.stdout)["clusters"]]
    assert files == [f"{one}/main.tf", f"{two}/main.tf"]


def test_git_work_tree_listing_respects_gitignore(tmp_path):
    repo = copy_case("block-without-policy-4x", tmp_path)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / ".gitignore").write_text("ignored/\n")
    (repo / "ignored").mkdir()
    shutil.copy(repo / "main.tf", repo / "ignored" / "main.tf")
    result = akfix("scan", str(repo), "--format", "json")
    assert [c["file"] for c in json.loads(result.stdout)["clusters"]] == ["main.tf"]


def test_help_lists_commands():
    result = akfix("--help")
    assert result.returncode == 0 and "scan" in result.stdout and "apply" in result.stdout


def test_fifo_is_not_read(tmp_path):
    repo = copy_case("block-without-policy-4x", tmp_path)
    os.mkfifo(repo / "pipe.tf")
    result = akfix("scan", str(repo))
    assert result.returncode == 2
    assert "pipe.tf:1: not a regular file" in result.stderr


def test_prevent_destroy_is_mentioned(tmp_path):
    repo = copy_case("prevent-destroy-replacement", tmp_path)
    document = json.loads(akfix("scan", str(repo), "--format", "json").stdout)
    (entry,) = document["clusters"]
    assert entry["fix"]["risk"] == "replacement"
    assert any("prevent_destroy" in reason for reason in entry["fix"]["reasons"])


def test_dry_run_json_carries_the_diff_and_nothing_else_on_stdout(tmp_path):
    repo = copy_case("block-without-policy-4x", tmp_path)
    result = akfix("apply", str(repo), "--dry-run", "--format", "json")
    document = json.loads(result.stdout)
    assert document["diff"].startswith("--- a/main.tf")
    assert document["clusters"][0]["outcome"] == "fixable"  # a dry run writes nothing


def test_unknown_aks_modules_are_listed_not_guessed(tmp_path):
    repo = copy_case("unknown-module-not-a-cluster", tmp_path)
    document = json.loads(akfix("scan", str(repo), "--format", "json").stdout)
    assert [c["address"] for c in document["clusters"]] == ["azurerm_kubernetes_cluster.x"]
    assert document["not_inspected"] == [
        {"file": "main.tf", "line": 1, "module": "module.k8s", "source": "git::https://example.com/platform/aks-cluster.git?ref=v1"}
    ]
    text = akfix("scan", str(repo)).stdout
    assert ("not inspected: 1 call of modules akfix does not know (they may build AKS clusters):\n"
            "    main.tf:1  module.k8s  source = git::https://example.com/platform/aks-cluster.git?ref=v1") in text


def test_a_template_built_by_bicep_is_listed_with_its_source_not_fixed_twice(tmp_path):
    repo = tmp_path / "built"
    shutil.copytree(FIXTURES.parent / "arm" / "built-by-bicep-fixed-at-source" / "input", repo)
    document = json.loads(akfix("check", str(repo), "--format", "json").stdout)
    assert [c["file"] for c in document["clusters"]] == ["main.bicep"]
    assert document["not_inspected"] == [
        {"file": "main.json", "line": 1, "built_from": "main.bicep", "generator": "bicep 0.44.1.10279"}
    ]
    text = akfix("check", str(repo)).stdout
    assert "main.json  built from main.bicep by bicep 0.44.1.10279" in text
    (repo / "main.bicep").unlink()  # without its source the template is a cluster of its own again
    document = json.loads(akfix("check", str(repo), "--format", "json").stdout)
    assert [c["file"] for c in document["clusters"]] == ["main.json"] and document["not_inspected"] == []


def test_symlink_inside_the_tree_stays_a_symlink(tmp_path):
    repo = copy_case("block-without-policy-4x", tmp_path)
    (repo / "shared").mkdir()
    (repo / "main.tf").rename(repo / "shared" / "aks.tf")
    (repo / "main.tf").symlink_to("shared/aks.tf")
    result = akfix("apply", str(repo), "--azurerm-version", "4.59.0")
    assert result.returncode in (0, 1), result.stderr
    assert (repo / "main.tf").is_symlink()
    assert 'network_policy      = "cilium"' in (repo / "shared" / "aks.tf").read_text()
    document = json.loads(akfix("scan", str(repo), "--format", "json").stdout)
    # Terraform reads the link as a file of the root folder: two modules, one file, both fixed by one write
    assert [(c["file"], c["status"]) for c in document["clusters"]] == [("main.tf", "compliant"), ("shared/aks.tf", "compliant")]
