from __future__ import annotations

from pathlib import Path

import pytest

from fixer.formats.terraform.versions import VersionResolver, lock_version, narrow_by_code, provider_block_azurerm, required_azurerm
from fixer.model import Profile, Value, ValueKind
from fixer.versions import UNKNOWN, parse_constraint


@pytest.mark.parametrize(
    "text, low, high",
    [
        ("~> 3.0", (3, 0, 0), (4, 0, 0)),
        ("~> 3.75.1", (3, 75, 1), (3, 76, 0)),
        (">= 3.108, < 5.0", (3, 108, 0), (5, 0, 0)),
        ("= 4.58.0", (4, 58, 0), (4, 58, 1)),
        ("4.58.0", (4, 58, 0), (4, 58, 1)),
        (">= 3.0, != 3.50.0", (3, 0, 0), (999, 0, 0)),
        ("<= 4.1.0", (2, 0, 0), (4, 1, 1)),
        ("> 4.0.0", (4, 0, 1), (999, 0, 0)),
    ],
)
def test_constraints(text, low, high):
    found = parse_constraint(text, "x")
    assert (found.low, found.high) == (low, high)


def test_bad_constraint():
    assert parse_constraint("latest please", "x") is None


def test_lock_file_exact_version():
    data = b'provider "registry.terraform.io/hashicorp/azurerm" {\n  version     = "4.59.0"\n  constraints = "~> 4.0"\n}\n'
    found = lock_version(data, ".terraform.lock.hcl")
    assert found.exact and found.low == (4, 59, 0)
    other = b'provider "registry.terraform.io/hashicorp/azuread" {\n  version = "2.0.0"\n}\n'
    assert lock_version(other, "x") is None


def test_required_providers_forms():
    modern = b'terraform {\n  required_providers {\n    azuread = { source = "hashicorp/azuread", version = "~> 9.0" }\n    azurerm = {\n      source  = "hashicorp/azurerm"\n      version = ">= 3.108"\n    }\n  }\n}\n'
    assert required_azurerm(modern, "v.tf").low == (3, 108, 0)
    legacy = b'terraform {\n  required_providers {\n    azurerm = "~> 2.46"\n  }\n}\n'
    assert required_azurerm(legacy, "v.tf").high == (3, 0, 0)
    assert required_azurerm(b'terraform {}\n', "v.tf") is None


def test_code_narrows_unknown_versions():
    profile = Profile(block_present=True, plugin_mode=Value(ValueKind.LITERAL, "overlay", 1))
    narrowed = narrow_by_code(UNKNOWN, profile, frozenset({"network_data_plane"}))
    assert narrowed.low == (3, 108, 0) and narrowed.known
    capital = Profile(block_present=True, plugin_mode=Value(ValueKind.LITERAL, "Overlay", 1))
    assert narrow_by_code(UNKNOWN, capital, frozenset()).high == (3, 62, 0)
    # contradictions (ebpf_data_plane is gone in 4.0, but the range says >= 4.10) are ignored
    four = parse_constraint(">= 4.10", "v.tf")
    assert narrow_by_code(four, Profile(), frozenset({"ebpf_data_plane"})) == four


def test_resolver_prefers_lock_then_caller(tmp_path):
    (tmp_path / "modules" / "aks").mkdir(parents=True)
    (tmp_path / "live").mkdir()
    (tmp_path / "modules/aks/versions.tf").write_text('terraform {\n  required_providers {\n    azurerm = {\n      version = ">= 4.0"\n    }\n  }\n}\n')
    (tmp_path / "live/main.tf").write_text('module "aks" {\n  source = "../modules/aks"\n}\n')
    (tmp_path / "live/.terraform.lock.hcl").write_text('provider "registry.terraform.io/hashicorp/azurerm" {\n  version = "4.61.0"\n}\n')
    resolver = VersionResolver(tmp_path, ["live/main.tf", "modules/aks/versions.tf"])
    found = resolver.for_module("modules/aks")
    assert found.exact and found.low == (4, 61, 0) and "live/.terraform.lock.hcl" in found.source
    assert not resolver.for_module("elsewhere").known


def _tree_with_callers(root, calls: dict[str, str], locks: dict[str, str]) -> list[str]:
    """calls: caller folder -> the module folder it calls; locks: folder -> its locked azurerm."""
    files = []
    for caller, target in calls.items():
        (root / caller).mkdir(parents=True, exist_ok=True)
        relative = Path(*[".."] * len(Path(caller).parts), target).as_posix()
        (root / caller / "main.tf").write_text(f'module "m" {{\n  source = "{relative}"\n}}\n')
        files.append(f"{caller}/main.tf")
    for folder, version in locks.items():
        (root / folder / ".terraform.lock.hcl").write_text(f'provider "registry.terraform.io/hashicorp/azurerm" {{\n  version = "{version}"\n}}\n')
    (root / "modules/aks").mkdir(parents=True, exist_ok=True)
    (root / "modules/aks/main.tf").write_text('resource "azurerm_kubernetes_cluster" "this" {}\n')
    return [*files, "modules/aks/main.tf"]


def test_a_module_two_roots_lock_apart_runs_at_either_version(tmp_path):
    """The module runs at each caller's version: their span, never the first lock alone (which
    planned a data-plane switch as in place at 4.60 while the other root, at 4.16, would recreate)."""
    files = _tree_with_callers(tmp_path, {"envs/a": "modules/aks", "envs/b": "modules/aks"}, {"envs/a": "4.60.0", "envs/b": "4.16.0"})
    found = VersionResolver(tmp_path, files).for_module("modules/aks")
    assert (found.low, found.high) == ((4, 16, 0), (4, 60, 1)) and not found.exact
    assert "envs/a/.terraform.lock.hcl" in found.source and "envs/b/.terraform.lock.hcl" in found.source


def test_a_caller_that_says_nothing_leaves_the_module_unknown(tmp_path):
    """One root locked, another with no lock and no constraint: that one may run any version."""
    files = _tree_with_callers(tmp_path, {"envs/a": "modules/aks", "envs/b": "modules/aks"}, {"envs/a": "4.60.0"})
    assert not VersionResolver(tmp_path, files).for_module("modules/aks").known


def test_one_root_reached_through_two_paths_keeps_its_lock(tmp_path):
    """A diamond (root -> two wrappers -> the module) is one root: its lock stays exact."""
    files = _tree_with_callers(tmp_path, {"live": "wrappers/one", "wrappers/one": "modules/aks", "wrappers/two": "modules/aks"}, {"live": "4.61.0"})
    (tmp_path / "live/two.tf").write_text('module "two" {\n  source = "../wrappers/two"\n}\n')
    found = VersionResolver(tmp_path, [*files, "live/two.tf"]).for_module("modules/aks")
    assert found.exact and found.low == (4, 61, 0)


def test_a_module_folder_that_is_a_root_too_spans_its_own_runs(tmp_path):
    """A scenario step applied on its own (it configures the provider) that an all-in-one root also
    calls: its own runs may use any version its constraint admits, not only the caller's lock."""
    files = _tree_with_callers(tmp_path, {"all": "modules/aks"}, {"all": "4.28.0"})
    (tmp_path / "modules/aks/providers.tf").write_text(
        'terraform {\n  required_providers {\n    azurerm = {\n      version = "~> 4.10"\n    }\n  }\n}\n\nprovider "azurerm" {\n  features {}\n}\n')
    found = VersionResolver(tmp_path, [*files, "modules/aks/providers.tf"]).for_module("modules/aks")
    assert (found.low, found.high) == ((4, 10, 0), (5, 0, 0))
    (tmp_path / "modules/aks/providers.tf").write_text('terraform {\n  required_providers {\n    azurerm = {\n      version = "~> 4.10"\n    }\n  }\n}\n')
    only_called = VersionResolver(tmp_path, [*files, "modules/aks/providers.tf"]).for_module("modules/aks")
    assert only_called.exact and only_called.low == (4, 28, 0) and only_called.source == "all/.terraform.lock.hcl"


def test_constraints_that_admit_no_version_are_said_as_such():
    """`= 2.36.0` beside `2.41.0`: `terraform init` fails; not ">= 2.41.0, < 2.36.1", and not azurerm 1.x."""
    both = parse_constraint("=2.36.0", "a.tf").intersect(parse_constraint("2.41.0", "b.tf"))
    assert both.contradictory and not both.before_oldest
    assert both.describe() == "azurerm: no version meets every constraint (a.tf; b.tf)"
    assert not parse_constraint("~> 1.5", "c.tf").contradictory


def test_override_file_constraint_replaces_the_original(tmp_path):
    """Terraform: an override's constraint for a provider replaces the original's (the v4/ folder
    of terraform-azurerm-aks: versions.tf says < 4.0, versions_override.tf says >= 4.16, < 5.0)."""
    (tmp_path / "versions.tf").write_text('terraform {\n  required_providers {\n    azurerm = {\n      version = ">= 3.107.0, < 4.0"\n    }\n  }\n}\n')
    (tmp_path / "versions_override.tf").write_text('terraform {\n  required_providers {\n    azurerm = {\n      version = ">= 4.16.0, < 5.0"\n    }\n  }\n}\n')
    found = VersionResolver(tmp_path, ["versions.tf", "versions_override.tf"]).for_module("")
    assert (found.low, found.high) == ((4, 16, 0), (5, 0, 0)) and found.source == "versions_override.tf"
    alone = VersionResolver(tmp_path, ["versions.tf"]).for_module("")
    assert (alone.low, alone.high) == ((3, 107, 0), (4, 0, 0))


def test_provider_block_version_is_a_constraint():
    """Terraform 0.12 style, still honoured by Terraform (intersected with required_providers)."""
    found = provider_block_azurerm(b'provider "azurerm" {\n  version = "~>2.11"\n  features {}\n}\n', "main.tf")
    assert (found.low, found.high) == ((2, 11, 0), (3, 0, 0)) and "provider block" in found.source
    nested = b'provider "azurerm" {\n  features {\n    version = "1.0"\n  }\n}\n'
    assert provider_block_azurerm(nested, "main.tf") is None  # a nested block's argument is not the provider's
    assert provider_block_azurerm(b'provider "azapi" {\n  version = "~> 1.0"\n}\n', "main.tf") is None


def test_resolver_reads_the_provider_block_and_skips_fifos(tmp_path):
    import os

    (tmp_path / "main.tf").write_text('provider "azurerm" {\n  version = "~> 3.0"\n  features {}\n}\n')
    os.mkfifo(tmp_path / "pipe.tf")
    resolver = VersionResolver(tmp_path, ["main.tf", "pipe.tf"])
    found = resolver.for_module("")
    assert (found.low, found.high) == ((3, 0, 0), (4, 0, 0))
    (tmp_path / ".terraform.lock.hcl").write_text(
        'provider "registry.terraform.io/hashicorp/azurerm" {\n  version = "3.50.0"\n}\n')
    locked = VersionResolver(tmp_path, ["main.tf", "pipe.tf"])
    assert locked.for_module("").exact and locked.constraints_for("").high == (4, 0, 0)


def test_attributes_3x_added_and_4_0_removed_pin_the_major():
    profile = Profile(block_present=True, plugin=Value(ValueKind.LITERAL, "azure"))
    both = narrow_by_code(UNKNOWN, profile, frozenset({"oidc_issuer_enabled", "azure_active_directory_role_based_access_control.managed"}))
    assert (both.low, both.high) == ((3, 1, 0), (4, 0, 0))
    only_removed = narrow_by_code(UNKNOWN, profile, frozenset({"docker_bridge_cidr"}))
    assert only_removed.high == (4, 0, 0) and only_removed.low[0] == 2  # 2.x had it too: still two majors


def test_a_constraint_below_azurerm_2_is_said_as_it_is_and_left_to_a_person():
    """`~> 1.5` admits nothing akfix has rules for: the range is empty, described as what it is (not
    ">= 2.0.0, < 2.0.0"), and the planner leaves the cluster to a person, the azapi update included."""
    from fixer.model import Cluster, Risk
    from fixer.plan import planner

    versions = parse_constraint("~> 1.5", "main.tf")
    assert versions.before_oldest and versions.describe() == "azurerm < 2.0.0 (main.tf)"
    assert not parse_constraint(">= 4.0, < 3.0", "main.tf").before_oldest  # contradictory, not 1.x
    cluster = Cluster(address="azurerm_kubernetes_cluster.aks", file="main.tf", line=1, format="terraform", profile=Profile())
    for engines in (("cilium",), ("calico",), ("cilium", "calico")):
        fix = planner.plan(cluster, planner.PlanContext(engine=engines[0], fallback_engines=engines[1:], versions=versions))
        assert (fix.risk, fix.blocker, fix.changes) == (Risk.MANUAL, "version-too-old", ())
        assert "rules start at azurerm 2.0" in fix.summary


def test_a_floor_may_go_as_far_as_every_module_above_admits(tmp_path):
    """root (`~> 4.23.0`) -> wrapper (no constraint) -> module: the root's bound limits a floor written
    in the module, though it is no direct caller."""
    files = _tree_with_callers(tmp_path, {"live": "wrappers/aks", "wrappers/aks": "modules/aks"}, {})
    (tmp_path / "live/versions.tf").write_text('terraform {\n  required_providers {\n    azurerm = {\n      version = "~> 4.23.0"\n    }\n  }\n}\n')
    admitted = VersionResolver(tmp_path, [*files, "live/versions.tf"]).constraints_for("modules/aks")
    assert admitted.high == (4, 24, 0) and "live/versions.tf" in admitted.source


def test_a_duplicate_module_call_still_counts_as_a_caller(tmp_path):
    """Two `module "x"` blocks in one root (Terraform refuses it): each is still a caller, so the
    root's `~> 4.27.0` reaches the module the second block calls, and no floor of 4.58 is written."""
    from fixer.model import Risk
    from fixer.pipeline import Options, run

    module = (Path(__file__).parent / "fixtures/terraform/module-floor-above-a-callers-bound/input/modules/aks/main.tf").read_text()
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "main.tf").write_text(module if name == "second" else "# nothing here\n")
    (tmp_path / "versions.tf").write_text('terraform {\n  required_providers {\n    azurerm = {\n      version = "~> 4.27.0"\n    }\n  }\n}\n')
    (tmp_path / "one.tf").write_text('module "same" {\n  source = "./first"\n}\n')
    (tmp_path / "two.tf").write_text('module "same" {\n  source = "./second"\n}\n')
    [report] = run(tmp_path, Options(), verify=False).clusters
    assert report.fix.risk is Risk.REPLACEMENT and report.fix.floor is None
    assert any("< 4.28.0 (versions.tf)" in reason for reason in report.fix.reasons)  # the root's bound reached the module


def test_commented_out_constraints_are_no_constraints():
    from fixer.formats.terraform.versions import code_only, required_azurerm

    body = (b'terraform {\n  required_providers {\n    azurerm = {\n      source = "hashicorp/azurerm"\n'
            b'      # version = "~> 4.66"\n      // version = ">= 4.70"\n      version = "= 4.20.0" # pinned\n    }\n  }\n}\n')
    found = required_azurerm(body, "versions.tf")
    assert found.exact and found.low == (4, 20, 0)
    only_comment = b'terraform {\n  required_providers {\n    azurerm = {\n      source = "hashicorp/azurerm"\n      #version = "= 4.0.0"\n    }\n  }\n}\n'
    assert required_azurerm(only_comment, "versions.tf") is None
    text = b'url = "https://x/#a" # note\n/* a\nb */ x = 1\n'
    blanked = code_only(text)
    assert len(blanked) == len(text) and blanked.count(b"\n") == text.count(b"\n")
    assert b'"https://x/#a"' in blanked and b"note" not in blanked and b"a\nb" not in blanked
