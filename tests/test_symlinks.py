"""Terraform files symlinked to another file of the tree (issue 16, item 6).

Built in tmp in the spirit of Azure/terraform-azurerm-aks 9.x/10.x: a root module, and a v4/
folder whose main.tf is a symlink to ../main.tf with a v4/main_override.tf beside it.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from gitrepos import git
from hypothesis import given
from hypothesis import strategies as st
from test_cli import akfix

from fixer.formats.terraform.links import Links, guard_linked_files
from fixer.model import Change, Cluster, Edit, Fix, Profile, Risk

FIXTURES = Path(__file__).parent / "fixtures" / "terraform"
CASE_SAME = FIXTURES / "symlinked-module-same-fix" / "input"
CASE_DIFFERS = FIXTURES / "symlinked-module-override-differs" / "input"
ADDRESS = "azurerm_kubernetes_cluster.main"


def v4_tree(tmp_path: Path, case: Path = CASE_SAME) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(case, repo)
    (repo / "v4" / "main.tf").symlink_to("../main.tf")
    (repo / "v4" / "versions.tf").symlink_to("../versions.tf")
    return repo


def policy_from_a_linked_variable(repo: Path) -> None:
    """main.tf takes its policy from var.network_policy (default null); v4/variables.tf links the root's."""
    main = (repo / "main.tf").read_text().replace(
        '    network_plugin_mode = "overlay"\n', '    network_plugin_mode = "overlay"\n    network_policy      = var.network_policy\n'
    )
    (repo / "main.tf").write_text(main)
    (repo / "variables.tf").write_text('variable "network_policy" {\n  type    = string\n  default = null\n}\n')
    (repo / "v4" / "variables.tf").symlink_to("../variables.tf")


def scan_json(repo: Path) -> dict:
    result = akfix("scan", str(repo), "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def test_linked_folder_cluster_is_reported_at_its_own_folder(tmp_path):
    repo = v4_tree(tmp_path)
    document = scan_json(repo)
    assert [(c["file"], c["line"], c["module"], c["address"], c["status"]) for c in document["clusters"]] == [
        ("main.tf", 1, "", ADDRESS, "missing"),
        ("v4/main.tf", 1, "v4", ADDRESS, "missing"),
    ]
    assert document["errors"] == []
    text = akfix("scan", str(repo)).stdout
    assert "v4/main.tf:1" in text and "2 clusters" in text


def test_linked_folder_is_found_in_a_git_work_tree_too(tmp_path):
    """`git ls-files` lists a committed link (mode 120000) like a file."""
    repo = v4_tree(tmp_path)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "seed")
    assert "120000" in git(repo, "ls-files", "-s", "v4/main.tf")
    assert [c["file"] for c in scan_json(repo)["clusters"]] == ["main.tf", "v4/main.tf"]


def test_identical_fix_is_written_once_to_the_target_and_the_link_stays(tmp_path):
    repo = v4_tree(tmp_path)
    dry = akfix("apply", str(repo), "--dry-run", "--no-bases")
    assert dry.stdout.count("--- a/main.tf\n") == 1
    assert "+++ b/v4/" not in dry.stdout
    result = akfix("apply", str(repo), "--no-bases")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("wrote main.tf") == 1 and "wrote v4/" not in result.stderr
    assert (repo / "v4" / "main.tf").is_symlink() and os.readlink(repo / "v4" / "main.tf") == "../main.tf"
    assert 'network_policy      = "cilium"' in (repo / "main.tf").read_text()
    assert (repo / "v4" / "main_override.tf").read_bytes() == (CASE_SAME / "v4" / "main_override.tf").read_bytes()
    assert [(c["file"], c["status"]) for c in scan_json(repo)["clusters"]] == [("main.tf", "compliant"), ("v4/main.tf", "compliant")]
    assert not list(repo.rglob("*.akfix-tmp"))


def test_fix_that_differs_between_the_folders_is_manual_naming_both(tmp_path):
    repo = v4_tree(tmp_path, CASE_DIFFERS)
    before = (repo / "main.tf").read_bytes()
    document = scan_json(repo)
    root, v4 = document["clusters"]
    assert (root["file"], root["fix"]["risk"]) == ("main.tf", "manual")
    assert "main.tf is read by the root folder and v4/ (through a symlink); v4/ plans no change there" in root["fix"]["summary"]
    assert (v4["file"], v4["fix"]["risk"]) == ("v4/main.tf", "in-place")
    assert v4["fix"]["edits"] == [{"file": "v4/main_override.tf", "line": 8}]
    result = akfix("apply", str(repo), "--no-bases")
    assert result.returncode == 1
    assert (repo / "main.tf").read_bytes() == before  # the shared file is left alone
    assert 'network_policy      = "cilium"' in (repo / "v4" / "main_override.tf").read_text()  # v4's own file is fixed
    assert (repo / "v4" / "main.tf").is_symlink()


def test_different_versions_per_folder_make_the_shared_edit_manual(tmp_path):
    """v4 pins another azurerm range in its own versions_override.tf: the two folders plan
    different risks for one edit of main.tf, so neither writes it."""
    repo = v4_tree(tmp_path)
    (repo / "v4" / "versions_override.tf").write_text(
        'terraform {\n  required_providers {\n    azurerm = {\n      source  = "hashicorp/azurerm"\n      version = ">= 3.90.0, < 4.0"\n    }\n  }\n}\n'
    )
    before = (repo / "main.tf").read_bytes()
    document = scan_json(repo)
    risks = {c["file"]: c["fix"]["risk"] for c in document["clusters"]}
    assert risks == {"main.tf": "manual", "v4/main.tf": "manual"}
    assert all("through a symlink" in c["fix"]["summary"] for c in document["clusters"])
    akfix("apply", str(repo), "--no-bases", "--allow-replacement")
    assert (repo / "main.tf").read_bytes() == before


def test_value_followed_into_a_linked_variables_file_is_written_once(tmp_path):
    repo = v4_tree(tmp_path)
    policy_from_a_linked_variable(repo)
    result = akfix("apply", str(repo), "--no-bases")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("wrote variables.tf") == 1
    assert 'default = "cilium"' in (repo / "variables.tf").read_text()
    assert (repo / "v4" / "variables.tf").is_symlink()
    assert [c["status"] for c in scan_json(repo)["clusters"]] == ["compliant", "compliant"]


def test_a_link_out_of_the_tree_is_still_refused(tmp_path):
    repo = v4_tree(tmp_path)
    outside = tmp_path / "elsewhere" / "main.tf"
    outside.parent.mkdir()
    shutil.copy(repo / "main.tf", outside)
    (repo / "v4" / "main.tf").unlink()
    (repo / "v4" / "main.tf").symlink_to(outside)
    result = akfix("apply", str(repo), "--no-bases")
    assert result.returncode == 2
    assert f"v4/main.tf:1: symlink points outside the scanned tree ({outside}); left untouched" in result.stderr
    assert 'network_policy      = "cilium"' in (repo / "main.tf").read_text()  # the rest of the run goes on
    assert outside.read_bytes() == (CASE_SAME / "main.tf").read_bytes()


def test_example_folder_made_of_links_calls_the_module_its_override_names(tmp_path):
    """examples/app_v4/main.tf -> ../app/main.tf calls `../..`, but main_override.tf beside it sets
    `source = "../../v4"`: Terraform merges the two, so app_v4 calls v4 with app's arguments."""
    repo = v4_tree(tmp_path)
    policy_from_a_linked_variable(repo)
    app = repo / "examples" / "app"
    app.mkdir(parents=True)
    (app / "main.tf").write_text('module "aks" {\n  source         = "../.."\n  network_policy = "azure"\n}\n')
    (repo / "examples" / "app_v4").mkdir()
    (repo / "examples" / "app_v4" / "main.tf").symlink_to("../app/main.tf")
    (repo / "examples" / "app_v4" / "main_override.tf").write_text('module "aks" {\n  source = "../../v4"\n}\n')
    views = [(c["file"], c["module"], c["environment"], c["status"], c["policy_source"]["file"]) for c in scan_json(repo)["clusters"]]
    assert views == [
        ("main.tf", "", "examples/app: module.aks", "compliant", "examples/app/main.tf"),
        ("v4/main.tf", "v4", "examples/app_v4: module.aks", "compliant", "examples/app_v4/main.tf"),
    ]


# --- the guard as a property: whatever each folder plans, the shared file gets one version -------


@dataclass(frozen=True)
class _Item:
    fix: Fix
    edits: tuple[tuple[str, Edit], ...]
    # a cluster whose values come from nowhere else: no caller can take a fix (plan/views.at_caller)
    cluster: Cluster = Cluster(file="main.tf", line=1, format="terraform", address="azurerm_kubernetes_cluster.main", profile=Profile())


_LINKS = Links({"v4/main.tf": "main.tf", "v4/variables.tf": "variables.tf"})
_FILES = {"": ("main.tf", "variables.tf", "other.tf"), "v4": ("v4/main.tf", "v4/variables.tf", "v4/main_override.tf")}


@st.composite
def _item(draw):
    folder = draw(st.sampled_from(sorted(_FILES)))
    risk = draw(st.sampled_from(list(Risk)))
    edits = draw(st.lists(st.tuples(st.sampled_from(_FILES[folder]), st.integers(0, 2), st.sampled_from([b"a", b"b"])), max_size=3))
    fix = Fix(risk=risk, summary="s", changes=(Change("network_policy", "cilium"),))
    return _Item(fix, tuple((relpath, Edit(start, start, text)) for relpath, start, text in edits))


def _wanted(items, real):
    """folder -> what the writable fixes of that folder would write into `real`."""
    found = {folder: set() for folder in _LINKS.folders(real)}
    for item in items:
        if item.fix.writable(True):
            for relpath, edit in item.edits:
                if _LINKS.real(relpath) == real:
                    found[relpath.rpartition("/")[0]].add((edit.start, edit.text, item.fix.risk))
    return found


@given(st.lists(_item(), max_size=6))
def test_every_folder_reading_a_linked_file_writes_it_alike_or_nobody_does(items):
    guarded = guard_linked_files(_LINKS, items, lambda item: list(item.edits))
    assert len(guarded) == len(items)
    for real in ("main.tf", "variables.tf"):
        plans = list(_wanted(guarded, real).values())
        assert all(plan == plans[0] for plan in plans)
    for before, after in zip(items, guarded):
        shared = any(_LINKS.real(relpath) in ("main.tf", "variables.tf") for relpath, _ in before.edits)
        if after.fix != before.fix:
            assert shared and before.fix.writable(True) and after.fix.risk is Risk.MANUAL
            assert "through a symlink" in after.fix.summary


def test_a_suppressed_folder_is_not_changed_through_the_link(tmp_path):
    repo = v4_tree(tmp_path)
    (repo / ".akfix-ignore.toml").write_text('[[ignore]]\npath = "v4"\nreason = "the v4 flavour is retired"\n')
    before = (repo / "main.tf").read_bytes()
    document = json.loads(akfix("apply", str(repo), "--no-bases", "--format", "json").stdout)
    assert [s["file"] for s in document["suppressed"]] == ["v4/main.tf"]
    (root,) = document["clusters"]
    assert root["fix"]["risk"] == "manual" and "v4/ plans no change there" in root["fix"]["summary"]
    assert (repo / "main.tf").read_bytes() == before


def test_a_provider_floor_in_a_linked_versions_file_is_raised_once(tmp_path):
    repo = v4_tree(tmp_path)
    (repo / "versions.tf").write_text((repo / "versions.tf").read_text().replace(">= 4.60.0, < 5.0", ">= 4.0, < 5.0"))
    result = akfix("apply", str(repo), "--no-bases")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("wrote versions.tf") == 1 and result.stderr.count("wrote main.tf") == 1
    assert 'version = ">= 4.58.0, < 5.0"' in (repo / "versions.tf").read_text()
    assert (repo / "v4" / "versions.tf").is_symlink()
    assert [c["status"] for c in scan_json(repo)["clusters"]] == ["compliant", "compliant"]
