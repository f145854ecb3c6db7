"""The end of every run: what is still left for a person, grouped by what stands in the way, with
the flag or fact that unlocks each group, and where a group sits in example, template or test code,
the greenfield glob that would cover it (report/remaining.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

TERRAFORM = Path(__file__).parent / "fixtures" / "terraform"


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for target, case in [("infra/prod", "no-block-unknown-plugin"), ("examples/basic", "no-block-unknown-plugin"),
                         ("examples/kubenet", "kubenet-cilium-manual"), ("quickstart/kubenet", "kubenet-cilium-manual"),
                         ("live/kubenet", "kubenet-cilium-manual")]:
        shutil.copytree(TERRAFORM / case / "input", root / target)
    return root


def _akfix(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fixer", *args], capture_output=True, text=True, timeout=120)


def test_groups_count_reasons_and_name_the_greenfield_globs_of_template_code(tmp_path):
    root = _tree(tmp_path)
    document = json.loads(_akfix("check", str(root), "--format", "json").stdout)
    groups = {g["blocker"]: g for g in document["remaining"]}
    assert groups["kubenet"]["count"] == 3 and groups["live-plugin-unknown"]["count"] == 2
    assert "--engine cilium,calico" in groups["kubenet"]["unlock"] and "--greenfield" in groups["kubenet"]["unlock"]
    # live/ and infra/ are no template folders: only the others count, each glob once
    assert groups["kubenet"]["in_templates"] == 2
    assert groups["kubenet"]["template_globs"] == ["**/examples/**", "**/quickstart/**"]
    assert groups["live-plugin-unknown"]["in_templates"] == 1
    assert groups["live-plugin-unknown"]["template_globs"] == ["**/examples/**"]
    assert [g["blocker"] for g in document["remaining"]] == ["kubenet", "live-plugin-unknown"]  # largest first


def test_the_text_summary_ends_with_the_groups_and_the_hint(tmp_path):
    root = _tree(tmp_path)
    err = _akfix("apply", str(root), "--dry-run", "--no-bases").stderr
    tail = err[err.index("still needing a person, by what stands in the way:"):]
    assert "  3 clusters: kubenet cannot run the engine -> " in tail
    assert '      2 of them in example, template or test code: if that is not deployed, greenfield = ["**/examples/**", "**/quickstart/**"] in .akfix.toml' in tail


def test_the_hint_is_only_a_hint_and_the_glob_unlocks_exactly_those(tmp_path):
    root = _tree(tmp_path)
    (root / ".akfix.toml").write_text('greenfield = ["**/examples/**", "**/quickstart/**"]\n')
    applied = json.loads(_akfix("apply", str(root), "--dry-run", "--no-bases", "--format", "json").stdout)
    fixable = sorted(c["file"] for c in applied["clusters"] if c["outcome"] == "fixable")
    assert fixable == ["examples/basic/main.tf", "examples/kubenet/main.tf", "quickstart/kubenet/main.tf"]
    groups = {g["blocker"]: g for g in applied["remaining"]}
    assert groups["kubenet"]["count"] == 1 and "in_templates" not in groups["kubenet"]


def test_with_the_preference_tried_the_group_says_what_stands_in_the_way_of_each_engine(tmp_path):
    """--engine cilium,calico given: the preference is no longer offered as the way out; a cluster
    that calico cannot take either is grouped by both blockers, each engine with its own unlock."""
    root = tmp_path / "repo"
    shutil.copytree(TERRAFORM / "no-block-unknown-plugin" / "input", root / "live")
    shutil.copytree(TERRAFORM / "policy-update-kubernetes-too-old" / "input", root / "old")
    document = json.loads(_akfix("check", str(root), "--format", "json", "--engine", "cilium,calico").stdout)
    [old] = [g for g in document["remaining"] if "Kubernetes" in g["reason"]]
    assert old["blocker"] == "live-plugin-unknown"
    assert old["reason"] == "live network plugin unknown; calico, next in --engine: Kubernetes older than 1.30"
    assert "--engine" not in old["unlock"] and old["unlock"].endswith("; calico: upgrade the cluster's Kubernetes version first")
    plain = json.loads(_akfix("check", str(root), "--format", "json").stdout)
    # without the preference, calico is planned for the hint: offered only where it can be written
    offered, held = sorted(plain["remaining"], key=lambda g: g["reason"])
    assert offered["reason"] == "live network plugin unknown" and offered["unlock"].startswith("--engine cilium,calico (calico needs no plugin")
    assert held["reason"] == "live network plugin unknown; calico: Kubernetes older than 1.30" and "--engine" not in held["unlock"]


PINNED = """terraform {{
  required_providers {{
    azurerm = {{
      source  = "hashicorp/azurerm"
      version = "{version}"
    }}
  }}
}}

resource "azurerm_kubernetes_cluster" "aks" {{
  name                = "aks"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "aks"

  default_node_pool {{
    name       = "default"
    node_count = 1
    vm_size    = "Standard_D2s_v3"
  }}

  network_profile {{
    network_plugin = "azure"
  }}
}}
"""


def test_a_version_the_code_admits_that_is_too_old_is_no_range_to_narrow(tmp_path):
    """An exact pin, and a range wholly below the version the fix needs: no lock, pin or narrower
    constraint would help, so the group says a newer version is what it takes; a real range keeps its own."""
    for folder, version in [("pinned", "3.36.0"), ("patch-range", "~> 3.0.0"), ("range", ">= 3.0.0, < 4.0.0")]:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "main.tf").write_text(PINNED.format(version=version))
    document = json.loads(_akfix("check", str(tmp_path), "--format", "json").stdout)
    blockers = {c["file"].split("/")[0]: c["fix"]["blocker"] for c in document["clusters"]}
    assert blockers == {"pinned": "version-too-old", "patch-range": "version-too-old", "range": None}  # the range gets a floor
    [group] = document["remaining"]
    assert (group["blocker"], group["count"]) == ("version-too-old", 2)
    assert group["reason"] == "azurerm version the code admits is too old for the fix"
    assert "raise the pinned version or the constraint's upper bound" in group["unlock"]
    assert "lock.hcl" not in group["unlock"]


def test_the_preference_is_offered_only_where_calico_can_be_written(tmp_path):
    """A kubenet cluster on Kubernetes 1.29 cannot take calico either (AKS installs it only on >= 1.30):
    the summary must not send the reader to --engine cilium,calico for it, and says what calico needs."""
    root = tmp_path / "repo"
    shutil.copytree(TERRAFORM / "kubenet-cilium-manual" / "input", root / "new")
    shutil.copytree(TERRAFORM / "kubenet-cilium-manual" / "input", root / "old")
    main = root / "old" / "main.tf"
    text = main.read_text()
    assert "kubernetes_version" not in text
    main.write_text(text.replace('  dns_prefix ', '  kubernetes_version  = "1.29.4"\n  dns_prefix ', 1))
    assert "1.29.4" in main.read_text()
    document = json.loads(_akfix("check", str(root), "--format", "json").stdout)
    groups = sorted(document["remaining"], key=lambda g: g["reason"])
    assert [g["count"] for g in groups] == [1, 1]
    plain, old = groups
    assert plain["reason"] == "kubenet cannot run the engine" and "--engine cilium,calico" in plain["unlock"]
    assert old["reason"] == "kubenet cannot run the engine; calico: Kubernetes older than 1.30"
    assert "--engine cilium,calico" not in old["unlock"] and "calico: upgrade the cluster's Kubernetes version first" in old["unlock"]
    text = _akfix("scan", str(root / "old")).stdout
    assert "--engine calico" not in text and "calico cannot be written either" in text
