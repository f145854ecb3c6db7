"""Committed or local Terraform state as live facts (fixer/facts/state_file.py, formats/terraform/state.py):
read only where Terraform reads it, only where it speaks for every deployment, never printed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixer.facts.state_file import StateFileError, read_state
from fixer.pipeline import Options, Outcome, run

ROOT = Path(__file__).resolve().parents[1]
SECRET = "c2VjcmV0LWtleS1tYXRlcmlhbA-DO-NOT-PRINT"
CLUSTER_ID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-shop/providers/Microsoft.ContainerService/managedClusters/aks-shop"

CLUSTER = '''resource "azurerm_kubernetes_cluster" "aks" {
  name                = "aks-shop"
  location            = "westeurope"
  resource_group_name = "rg-shop"
  dns_prefix          = "shop"

  default_node_pool {
    name       = "system"
    node_count = 2
    vm_size    = "Standard_D4s_v5"
  }

  identity {
    type = "SystemAssigned"
  }
}
'''
VERSIONS = '''terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.60"
    }
  }
}
'''


def state(plugin="azure", mode="overlay", policy="", module=None, name="aks", extra=(), index_keys=(None,), lb="standard",
          outbound="loadBalancer") -> str:
    attributes = {
        "id": CLUSTER_ID, "current_kubernetes_version": "1.31.7", "kube_config": [{"client_key": SECRET}], "kube_config_raw": SECRET,
        "network_profile": [{"network_plugin": plugin, "network_plugin_mode": mode, "network_policy": policy, "network_data_plane": "azure",
                             "load_balancer_sku": lb, "outbound_type": outbound}],
    }
    resource = {"mode": "managed", "type": "azurerm_kubernetes_cluster", "name": name,
                "provider": 'provider["registry.terraform.io/hashicorp/azurerm"]',
                "instances": [{"schema_version": 2, **({"index_key": k} if k is not None else {}), "attributes": attributes} for k in index_keys]}
    if module:
        resource["module"] = module
    return json.dumps({"version": 4, "terraform_version": "1.9.7", "serial": 20, "lineage": "l", "outputs": {},
                       "resources": [resource, *extra]}, indent=2)


def tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for relpath, text in files.items():
        (tmp_path / relpath).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relpath).write_text(text)
    return tmp_path


def only(result):
    assert len(result.clusters) == 1
    return result.clusters[0]


# --- reading ---------------------------------------------------------------------------------------


def test_a_state_file_gives_each_cluster_instance_its_network_settings_and_windows_pools():
    pool = {"mode": "managed", "type": "azurerm_kubernetes_cluster_node_pool", "name": "win", "module": "module.aks",
            "instances": [{"attributes": {"os_type": "Windows", "kubernetes_cluster_id": CLUSTER_ID.upper()}}]}
    found = read_state(state(module="module.aks", index_keys=(0, "b"), extra=[pool]).encode(), "terraform.tfstate")
    instances = found.clusters["module.aks.azurerm_kubernetes_cluster.aks"]
    assert [i.live.plugin_mode for i in instances] == ["overlay", "overlay"]
    assert instances[0].live.load_balancer_sku == "standard" and instances[0].kubernetes_version == "1.31.7"
    assert instances[0].windows_pools == ("module.aks.azurerm_kubernetes_cluster_node_pool.win",)
    assert found.describe() == "terraform.tfstate (serial 20, Terraform 1.9.7)"


@pytest.mark.parametrize("data, why", [
    (b"{not json", "not JSON"),
    (b'{"version": 3, "modules": []}', "state format version 3"),
    (b"[]", "not a Terraform state"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b"[" * 100000, "nested too deeply"),
])
def test_a_file_that_is_no_readable_state_says_why_and_never_quotes_it(data, why):
    with pytest.raises(StateFileError) as raised:
        read_state(data, "terraform.tfstate")
    assert why in str(raised.value) and "modules" not in str(raised.value)


# --- matching --------------------------------------------------------------------------------------


def test_a_root_module_state_tells_the_plugin_and_the_fix_adds_the_block_as_it_is(tmp_path):
    repo = tree(tmp_path, {"main.tf": CLUSTER, "versions.tf": VERSIONS, "terraform.tfstate": state()})
    item = only(run(repo, Options(), verify=True))
    assert item.outcome is Outcome.FIXED and item.cluster.live.source.startswith("terraform.tfstate (serial 20")
    assert [(c.attribute, c.value) for c in item.fix.changes] == [
        ("network_plugin", "azure"), ("network_plugin_mode", "overlay"), ("network_policy", "cilium"), ("network_data_plane", "cilium")]


def test_live_values_other_than_the_provider_defaults_are_repeated_in_the_added_block(tmp_path):
    repo = tree(tmp_path, {"main.tf": CLUSTER, "versions.tf": VERSIONS, "terraform.tfstate": state(outbound="userDefinedRouting")})
    item = only(run(repo, Options(), verify=True))
    assert ("outbound_type", "userDefinedRouting") in [(c.attribute, c.value) for c in item.fix.changes]


def test_without_a_state_the_plugin_stays_unknown_and_no_state_flag_ignores_one(tmp_path):
    repo = tree(tmp_path, {"main.tf": CLUSTER, "versions.tf": VERSIONS})
    assert only(run(repo, Options(), verify=False)).fix.blocker == "live-plugin-unknown"
    (repo / "terraform.tfstate").write_text(state())
    assert only(run(repo, Options(read_state=False), verify=False)).fix.blocker == "live-plugin-unknown"


def test_a_kubenet_state_is_never_given_cilium_and_greenfield_yields_to_it(tmp_path):
    repo = tree(tmp_path, {"main.tf": CLUSTER, "versions.tf": VERSIONS, "terraform.tfstate": state(plugin="kubenet", mode="")})
    from fixer.globs import EVERYTHING

    item = only(run(repo, Options(greenfield=EVERYTHING), verify=False))
    assert item.outcome is not Outcome.FIXED and "Not treated as greenfield" in item.fix.reasons[0]
    calico = only(run(repo, Options(fallback_engines=("calico",)), verify=False))
    assert calico.fix.engine == "calico" and ("network_plugin", "kubenet") in [(c.attribute, c.value) for c in calico.fix.changes]


def test_another_backend_makes_a_local_state_a_leftover_that_is_not_read(tmp_path):
    backend = VERSIONS.replace("terraform {\n", 'terraform {\n  backend "azurerm" {}\n')
    repo = tree(tmp_path, {"main.tf": CLUSTER, "versions.tf": backend, "terraform.tfstate": state()})
    item = only(run(repo, Options(), verify=False))
    assert item.cluster.live is None and item.fix.blocker == "live-plugin-unknown"


def test_the_local_backend_path_is_where_the_state_is_read(tmp_path):
    backend = VERSIONS.replace("terraform {\n", 'terraform {\n  backend "local" {\n    path = "state/prod.tfstate"\n  }\n')
    repo = tree(tmp_path, {"main.tf": CLUSTER, "versions.tf": backend, "state/prod.tfstate": state(),
                           "terraform.tfstate": state(plugin="kubenet", mode="")})
    assert only(run(repo, Options(), verify=False)).cluster.live.plugin == "azure"


def test_a_module_s_cluster_takes_each_calling_root_s_state_under_the_module_address(tmp_path):
    module_call = 'module "aks" {\n  source = "../../modules/aks"\n}\n'
    repo = tree(tmp_path, {"modules/aks/main.tf": CLUSTER, "modules/aks/versions.tf": VERSIONS, "live/prod/main.tf": module_call,
                           "live/prod/terraform.tfstate": state(module="module.aks")})
    item = only(run(repo, Options(), verify=False))
    assert item.cluster.live is not None and item.cluster.live.plugin == "azure" and item.outcome is Outcome.FIXED


def test_a_module_deployed_from_two_roots_needs_a_state_for_each(tmp_path):
    module_call = 'module "aks" {\n  source = "../../modules/aks"\n}\n'
    files = {"modules/aks/main.tf": CLUSTER, "modules/aks/versions.tf": VERSIONS, "live/prod/main.tf": module_call,
             "live/dev/main.tf": module_call, "live/prod/terraform.tfstate": state(module="module.aks")}
    repo = tree(tmp_path, files)
    item = only(run(repo, Options(), verify=False))
    assert item.cluster.live is None and "live/dev has none" in item.cluster.live_note
    (repo / "live/dev/terraform.tfstate").write_text(state(module="module.aks", plugin="kubenet", mode=""))
    item = only(run(repo, Options(), verify=False))
    assert item.cluster.live is None and "disagree" in item.cluster.live_note


def test_workspaces_must_agree(tmp_path):
    repo = tree(tmp_path, {"main.tf": CLUSTER, "versions.tf": VERSIONS, "terraform.tfstate": state(),
                           "terraform.tfstate.d/prod/terraform.tfstate": state(plugin="kubenet", mode="")})
    item = only(run(repo, Options(), verify=False))
    assert item.cluster.live is None and "disagree" in item.cluster.live_note


def test_a_tfvars_environment_view_is_not_read_from_the_one_local_state(tmp_path):
    variable = 'variable "plugin" {\n  default = null\n}\n'
    cluster = CLUSTER.replace("  identity {", '  network_profile {\n    network_plugin = var.plugin\n  }\n\n  identity {')
    repo = tree(tmp_path, {"main.tf": cluster + variable, "versions.tf": VERSIONS, "prod.tfvars": 'plugin = "azure"\n',
                           "terraform.tfstate": state()})
    views = {r.cluster.environment: r.cluster.live for r in run(repo, Options(), verify=False).clusters}
    assert views["prod.tfvars"] is None


def test_a_plan_on_the_command_line_wins_over_the_state(tmp_path):
    from fixer.facts.plan_json import load_plan

    repo = tree(tmp_path, {"main.tf": CLUSTER, "versions.tf": VERSIONS, "terraform.tfstate": state()})
    plan = tmp_path.parent / f"{tmp_path.name}-plan.json"
    plan.write_text(json.dumps({"values": {"root_module": {"resources": [{"address": "azurerm_kubernetes_cluster.aks", "type": "azurerm_kubernetes_cluster",
                                "mode": "managed", "values": {"network_profile": [{"network_plugin": "kubenet"}]}}]}}}))
    item = only(run(repo, Options(plans=(load_plan(plan),)), verify=False))
    assert item.cluster.live.plugin == "kubenet" and item.cluster.live.source == str(plan)


def test_an_unreadable_state_is_noted_on_its_cluster_and_is_no_input_error(tmp_path):
    repo = tree(tmp_path, {"main.tf": CLUSTER, "versions.tf": VERSIONS, "terraform.tfstate": "{broken"})
    result = run(repo, Options(), verify=False)
    item = only(result)
    assert item.fix.blocker == "live-plugin-unknown" and not result.problems  # akfix reads state by the way: exit stays 1, not 2
    assert item.cluster.live_note.startswith("terraform.tfstate not read: not JSON: ")


def test_every_instance_of_a_module_call_with_for_each_is_a_deployment(tmp_path):
    module_call = 'module "aks" {\n  source   = "../../modules/aks"\n  for_each = toset(["blue", "green"])\n}\n'
    document = json.loads(state(module='module.aks["blue"]'))
    green = json.loads(state(module='module.aks["green"]'))["resources"][0]
    document["resources"].append(green)
    repo = tree(tmp_path, {"modules/aks/main.tf": CLUSTER, "modules/aks/versions.tf": VERSIONS, "live/prod/main.tf": module_call,
                           "live/prod/terraform.tfstate": json.dumps(document)})
    assert only(run(repo, Options(), verify=False)).cluster.live.plugin_mode == "overlay"
    green["instances"][0]["attributes"]["network_profile"][0]["network_plugin"] = "kubenet"
    (repo / "live/prod/terraform.tfstate").write_text(json.dumps(document))
    assert "disagree" in only(run(repo, Options(), verify=False)).cluster.live_note


def test_secrets_in_the_state_never_reach_any_output(tmp_path):
    repo = tree(tmp_path, {"main.tf": CLUSTER, "versions.tf": VERSIONS, "terraform.tfstate": state()})
    for command in (["scan", ".", "--format", "json"], ["scan", ".", "--format", "sarif"], ["explain", "main.tf:1", "."],
                    ["apply", "--dry-run", ".", "--no-bases"]):
        result = subprocess.run([sys.executable, "-m", "fixer", *command], cwd=repo, capture_output=True, text=True,
                                env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        assert result.returncode in (0, 1), result.stderr
        assert SECRET not in result.stdout + result.stderr
        if command[-1] == "json":
            assert json.loads(result.stdout)["clusters"][0]["live"]["source"].startswith("terraform.tfstate")


def test_the_attributes_a_state_records_tell_the_major_and_a_floor_is_added(tmp_path):
    document = json.loads(state())
    attributes = document["resources"][0]["instances"][0]["attributes"]
    attributes["default_node_pool"] = [{"name": "system", "auto_scaling_enabled": False}]  # the 4.0 name: written by 4.x
    repo = tree(tmp_path, {"main.tf": CLUSTER, "terraform.tfstate": json.dumps(document)})
    item = only(run(repo, Options(), verify=True))
    assert item.cluster.live.written_by == (4, 0, 0) and item.fix.floor == (4, 58, 0)
    assert ("required_providers.azurerm.version", "~> 4.58") in [(c.attribute, c.value) for c in item.fix.changes]
    assert item.outcome is Outcome.FIXED
    without = only(run(repo, Options(read_state=False), verify=False))
    assert without.outcome is not Outcome.FIXED


def test_narrow_by_state_is_a_lower_bound_and_yields_to_a_lock_or_a_contradiction():
    from fixer.formats.terraform.state import narrow_by_state
    from fixer.model import LiveState
    from fixer.versions import VersionRange, exactly

    live = LiveState(written_by=(4, 0, 0))
    assert narrow_by_state(VersionRange((3, 0, 0), (5, 0, 0), "code"), live).low == (4, 0, 0)
    assert narrow_by_state(exactly((3, 117, 0), "lock"), live).low == (3, 117, 0)
    assert narrow_by_state(VersionRange((3, 0, 0), (4, 0, 0), "~> 3.0"), live).high == (4, 0, 0)  # contradicted: unchanged


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 5) | st.sampled_from(["", "azure", "kubenet", "Windows", "overlay", "module.aks", CLUSTER_ID]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["version", "resources", "instances", "attributes", "type", "name", "mode", "module", "index_key", "id",
                         "network_profile", "network_plugin", "os_type", "kubernetes_cluster_id", "default_node_pool",
                         "node_provisioning_profile", "serial", "terraform_version"]), children, max_size=5),
    max_leaves=25,
)


@given(_JSON, st.sampled_from(["azurerm_kubernetes_cluster", "azurerm_kubernetes_cluster_node_pool", "other"]))
@settings(max_examples=300, deadline=None)
def test_any_document_is_read_or_refused_with_state_file_error(document, kind):
    shaped = {"version": 4, "resources": [{"mode": "managed", "type": kind, "name": "aks", "instances": [document]}]}
    for candidate in (document, shaped, {"version": 4, "resources": document}):
        try:
            found = read_state(json.dumps(candidate).encode(), "terraform.tfstate")
        except StateFileError:
            continue
        for instances in found.clusters.values():
            assert all(isinstance(i.schema_keys, frozenset) for i in instances)


def test_a_state_reached_through_a_link_out_of_the_tree_is_not_read(tmp_path):
    outside = tmp_path / "outside"
    (outside / "prod").mkdir(parents=True)
    (outside / "prod" / "terraform.tfstate").write_text(state())
    repo = tree(tmp_path / "repo", {"main.tf": CLUSTER, "versions.tf": VERSIONS})
    (repo / "terraform.tfstate.d").symlink_to(outside)
    item = only(run(repo, Options(), verify=False))
    assert item.cluster.live is None and "outside the scanned tree" in item.cluster.live_note


def test_a_registry_module_call_takes_the_cluster_its_module_keeps(tmp_path):
    call = ('module "aks" {\n  source              = "Azure/aks/azurerm"\n  version             = "9.4.1"\n'
            '  resource_group_name = "rg-shop"\n  prefix              = "shop"\n}\n')
    repo = tree(tmp_path, {"main.tf": call, "terraform.tfstate": state(module="module.aks", name="main", plugin="azure", mode="")})
    item = only(run(repo, Options(), verify=False))
    assert item.cluster.live is not None and item.cluster.live.plugin == "azure"


def test_deployments_agreeing_on_the_network_give_the_oldest_kubernetes_and_every_windows_pool(tmp_path):
    older = json.loads(state())
    older["resources"][0]["instances"][0]["attributes"]["current_kubernetes_version"] = "1.29.9"
    pool = {"mode": "managed", "type": "azurerm_kubernetes_cluster_node_pool", "name": "win",
            "instances": [{"attributes": {"os_type": "Windows", "kubernetes_cluster_id": CLUSTER_ID}}]}
    older["resources"].append(pool)
    repo = tree(tmp_path, {"main.tf": CLUSTER, "versions.tf": VERSIONS, "terraform.tfstate": state(),
                           "terraform.tfstate.d/old/terraform.tfstate": json.dumps(older)})
    item = only(run(repo, Options(fallback_engines=("calico",)), verify=False))
    assert item.cluster.profile.kubernetes_version.text == "1.29.9"
    assert item.cluster.windows_pools == ("azurerm_kubernetes_cluster_node_pool.win (in terraform.tfstate.d/old/terraform.tfstate)",)
    assert item.outcome is not Outcome.FIXED  # Windows rules out cilium, 1.29 rules out calico
