"""Calico through azapi_update_resource for azurerm clusters whose live network plugin is unknown
(plan/policy_update.py, formats/terraform/policy_update.py, formats/terraform/azapi_update.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixer.edit.edits import apply_edits
from fixer.formats.terraform import hcl
from fixer.formats.terraform import policy_update as update
from fixer.formats.terraform.locate import locate
from fixer.formats.terraform.module import clusters_of_module
from fixer.formats.terraform.readback import check_readback
from fixer.model import Risk, Status, Value, ValueKind
from fixer.plan import planner
from fixer.plan.policy_update import POLICY_UPDATE_ATTRIBUTE, plan_policy_update

CLUSTER = """resource "azurerm_kubernetes_cluster" "{name}" {{
{meta}  name                = "aks"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "aks"
{extra}
  default_node_pool {{
    name       = "default"
    node_count = 1
    vm_size    = "Standard_D2s_v3"
  }}
}}
"""


def _cluster(text: str, name: str = "aks"):
    decls = {"main.tf": locate(text.encode(), "main.tf")}
    return next(c for c in clusters_of_module("", decls) if c.address == f"azurerm_kubernetes_cluster.{name}")


def _plan(text: str, *engines: str):
    context = planner.PlanContext(engine=engines[0], fallback_engines=engines[1:])
    return planner.plan(_cluster(text), context)


# --- reading an update --------------------------------------------------------------------------

UPDATES = {
    "plain": ("", "azurerm_kubernetes_cluster.aks.id"),
    "count": ("  count = 1\n", "azurerm_kubernetes_cluster.aks[count.index].id"),
    "index": ("", "azurerm_kubernetes_cluster.aks[0].id"),
    "for_each": ("  for_each = azurerm_kubernetes_cluster.aks\n", "each.value.id"),
}


@pytest.mark.parametrize("form", sorted(UPDATES))
def test_an_update_of_the_cluster_gives_it_its_policy(form):
    meta, resource_id = UPDATES[form]
    text = CLUSTER.format(name="aks", meta="", extra="") + (
        f'\nresource "azapi_update_resource" "np" {{\n{meta}  type        = "Microsoft.ContainerService/managedClusters@2024-05-01"\n'
        f'  resource_id = {resource_id}\n  body = {{\n    properties = {{\n      networkProfile = {{\n        networkPolicy = "calico"\n'
        "      }\n    }\n  }\n}\n"
    )
    cluster = _cluster(text)
    assert planner.status_of(cluster) is Status.COMPLIANT
    assert (cluster.profile.policy.literal, cluster.profile.policy.via) == ("calico", "azapi_update_resource.np")
    assert text.encode()[cluster.profile.policy.origin.start:cluster.profile.policy.origin.end] == b'"calico"'


@pytest.mark.parametrize("resource_id, arm_type", [
    ("azurerm_kubernetes_cluster.other.id", "Microsoft.ContainerService/managedClusters@2024-05-01"),  # another cluster
    ("azurerm_kubernetes_cluster.aks.id", "Microsoft.Network/virtualNetworks@2024-05-01"),  # another kind of resource
    ("var.cluster_id", "Microsoft.ContainerService/managedClusters@2024-05-01"),  # akfix cannot tell which cluster
])
def test_an_update_of_something_else_gives_nothing(resource_id, arm_type):
    text = CLUSTER.format(name="aks", meta="", extra="") + (
        f'\nresource "azapi_update_resource" "np" {{\n  type        = "{arm_type}"\n  resource_id = {resource_id}\n'
        '  body = {\n    properties = {\n      networkProfile = {\n        networkPolicy = "calico"\n      }\n    }\n  }\n}\n'
    )
    assert planner.status_of(_cluster(text)) is Status.MISSING


# --- planning -----------------------------------------------------------------------------------


def test_calico_is_written_through_azapi_where_the_plugin_is_unknown():
    fix = _plan(CLUSTER.format(name="aks", meta="", extra=""), "calico")
    assert fix.risk is Risk.DISRUPTIVE and fix.engine == "calico"
    assert [(c.attribute, c.value) for c in fix.changes] == [(POLICY_UPDATE_ATTRIBUTE, "calico")]


def test_cilium_still_needs_the_plugin():
    fix = _plan(CLUSTER.format(name="aks", meta="", extra=""), "cilium")
    assert (fix.risk, fix.blocker) == (Risk.MANUAL, "live-plugin-unknown")
    assert "--engine cilium,calico" in fix.hint


def test_the_preference_falls_back_to_calico_through_azapi():
    fix = _plan(CLUSTER.format(name="aks", meta="", extra=""), "cilium", "calico")
    assert fix.engine == "calico" and fix.skipped[0][0] == "cilium"


@pytest.mark.parametrize("extra, blocker", [
    ('  kubernetes_version  = "1.29"\n', "kubernetes-version"),  # AKS installs Calico only on >= 1.30
    ('\n  network_profile {\n    load_balancer_sku = "standard"\n  }\n', "live-plugin-unknown"),  # a block needs its plugin
])
def test_what_the_construction_does_not_lift(extra, blocker):
    fix = _plan(CLUSTER.format(name="aks", meta="", extra=extra), "calico")
    assert (fix.risk, fix.blocker) == (Risk.MANUAL, blocker)


def test_only_for_azurerm_resources_and_only_calico():
    cluster = _cluster(CLUSTER.format(name="aks", meta="", extra=""))
    assert plan_policy_update(cluster, "azure") is None
    from dataclasses import replace
    assert plan_policy_update(replace(cluster, module="Azure/aks/azurerm 9.0.0"), "calico") is None
    assert plan_policy_update(replace(cluster, api_version="2024-05-01"), "calico") is None


# --- what the module must allow -----------------------------------------------------------------


def test_credentials_are_repeated_for_azapi_under_the_same_names():
    files = {"providers.tf": b'provider "azurerm" {\n  features {}\n  subscription_id = var.sub\n  use_oidc        = true\n}\n'}
    [(relpath, end, names)] = update.credential_blocks(files)
    assert (relpath, names) == ("providers.tf", ["subscription_id", "use_oidc"])
    after = apply_edits(files[relpath], [update.provider_edit(files[relpath], end, b"\n")])
    assert after.endswith(b'provider "azapi" {\n  subscription_id = var.sub\n  use_oidc        = true\n}\n')
    check_readback(after.decode(), [])


@pytest.mark.parametrize("files, expected", [
    ({"p.tf": b'provider "azurerm" {\n  features {}\n}\n'}, []),  # nothing to repeat
    ({"p.tf": b'provider "azurerm" {\n  features {}\n  client_id = "x"\n}\nprovider "azapi" {}\n'}, []),  # configured already
    ({"p.tf": b'provider "azurerm" {\n  alias     = "hub"\n  client_id = "x"\n  features {}\n}\n'}, []),  # an alias is not azapi's
    ({"p.tf": b'provider "azurerm" {\n  features {}\n  metadata_host = "x"\n}\n'}, "metadata_host"),  # azapi has no such argument
])
def test_credential_blocks(files, expected):
    found = update.credential_blocks(files)
    assert found == expected if isinstance(expected, list) else expected in found


@pytest.mark.parametrize("versions, expected", [
    ('    azapi = {\n      source  = "Azure/azapi"\n      version = "~> 2.0"\n    }\n', "~> 2.5"),
    ('    azapi = {\n      source  = "Azure/azapi"\n      version = ">= 2.6.0"\n    }\n', None),  # admits only >= 2.5 already
    ('    azapi = {\n      source  = "Azure/azapi"\n      version = "~> 1.12"\n    }\n', "admits no version from 2.5.0"),
    ('    azurerm = "~> 2.90"\n', "Terraform 0.12 syntax"),
    ('    azurerm = {\n      source = "hashicorp/azurerm"\n    }\n', "~> 2.5"),
])
def test_the_azapi_requirement(versions, expected):
    files = {"versions.tf": f"terraform {{\n  required_providers {{\n{versions}  }}\n}}\n".encode(), "main.tf": b""}
    found = update.azapi_site(files, "main.tf")
    assert (found if isinstance(found, str) else found[1]) == expected or expected in found


def test_another_module_pinning_azapi_below_2_5_stands_in_the_way():
    module = {"modules/aks/main.tf": b""}
    root = {"live/versions.tf": b'terraform {\n  required_providers {\n    azapi = {\n      source  = "azure/azapi"\n'
                                b'      version = "~> 1.9"\n    }\n  }\n}\n'}
    assert "live/versions.tf" in update.foreign_azapi_pins({**module, **root}, module)
    assert update.foreign_azapi_pins(module, module) is None


# --- the edit: property test --------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    name=st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True),
    meta=st.sampled_from(["", "  count               = 2\n", "  for_each            = var.clusters\n"]),
    crlf=st.booleans(),
    tabs=st.booleans(),
    trailer=st.sampled_from(["", "\noutput \"id\" {\n  value = 1\n}\n", "# end\n"]),
)
def test_the_written_update_parses_reads_back_and_makes_the_cluster_compliant(name, meta, crlf, tabs, trailer):
    text = CLUSTER.format(name=name, meta=meta, extra="") + trailer
    if tabs:
        text = text.replace("  ", "\t")
    body = (text.replace("\n", "\r\n") if crlf else text).encode()
    newline = b"\r\n" if crlf else b"\n"
    block = update.cluster_block(body, name)
    edit = update.update_edit(body, block, update.update_name(name, set()), "calico", newline)
    after = apply_edits(body, [edit])
    assert not hcl.parse(after).root_node.has_error
    check_readback(after.decode(), [])  # python-hcl2, the independent parser
    assert after[: edit.start] == body[: edit.start] and after[edit.start + len(edit.text):] == body[edit.start:]  # nothing else moved
    assert after.count(b"\r\n") == (after.count(b"\n") if crlf else 0)  # one newline style
    cluster = _cluster(after.decode(), name)
    assert (planner.status_of(cluster), cluster.profile.policy.literal) == (Status.COMPLIANT, "calico")


def test_the_written_update_is_terraform_fmt_clean(terraform_bin):
    for meta in ("", "  count               = 2\n", "  for_each            = var.clusters\n"):
        body = CLUSTER.format(name="aks", meta=meta, extra="").encode()
        block = update.cluster_block(body, "aks")
        after = apply_edits(body, [update.update_edit(body, block, "aks_network_policy", "calico", b"\n")])
        formatted = subprocess.run([terraform_bin, "fmt", "-"], input=after, capture_output=True,
                                   env={"TF_CLI_CONFIG_FILE": "/dev/null"}).stdout
        assert formatted == after


# --- end to end ---------------------------------------------------------------------------------


def _akfix(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fixer", *args], capture_output=True, text=True, cwd=cwd)


def test_apply_writes_once_and_the_second_run_finds_the_cluster_compliant(tmp_path):
    (tmp_path / "main.tf").write_text(CLUSTER.format(name="aks", meta="", extra=""))
    first = _akfix("apply", "--no-bases", "--engine", "cilium,calico", str(tmp_path))
    assert first.returncode == 0, first.stdout + first.stderr
    written = (tmp_path / "main.tf").read_text()
    assert 'resource "azapi_update_resource" "aks_network_policy"' in written and 'version = "~> 2.5"' in written
    again = _akfix("scan", "--format", "json", str(tmp_path))
    [cluster] = json.loads(again.stdout)["clusters"]
    assert (again.returncode, cluster["status"], cluster["policy"]) == (0, "compliant", "calico")
    second = _akfix("apply", "--no-bases", "--engine", "cilium,calico", str(tmp_path))
    assert second.returncode == 0 and (tmp_path / "main.tf").read_text() == written


def test_the_default_engine_writes_nothing_and_names_the_way_out(tmp_path):
    (tmp_path / "main.tf").write_text(CLUSTER.format(name="aks", meta="", extra=""))
    result = _akfix("apply", "--no-bases", str(tmp_path))
    assert result.returncode == 1 and "azapi_update_resource" in result.stdout + result.stderr
    assert (tmp_path / "main.tf").read_text() == CLUSTER.format(name="aks", meta="", extra="")


def test_a_value_from_an_update_is_a_literal_value():
    text = CLUSTER.format(name="aks", meta="", extra="") + (
        '\nresource "azapi_update_resource" "np" {\n  type        = "Microsoft.ContainerService/managedClusters@2024-05-01"\n'
        '  resource_id = azurerm_kubernetes_cluster.aks.id\n  body = {\n    properties = {\n      networkProfile = {\n'
        '        networkPolicy = local.engine\n      }\n    }\n  }\n}\n'
    )
    policy: Value = _cluster(text).profile.policy
    assert policy.kind is ValueKind.EXPRESSION  # an expression stays unresolved, never "missing"


def test_a_cluster_that_ends_the_file_without_a_newline_gets_the_update_then_the_requirement(tmp_path):
    text = CLUSTER.format(name="aks", meta="", extra="").rstrip("\n")  # the block ends the file
    (tmp_path / "main.tf").write_text(text)
    result = _akfix("apply", "--no-bases", "--engine", "calico", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    written = (tmp_path / "main.tf").read_text()
    assert written.startswith(text + "\n\n# Calico, set in place by azapi")
    assert written.index('resource "azapi_update_resource"') < written.index("terraform {\n  required_providers {\n    azapi = {")
    check_readback(written, [])


@pytest.mark.parametrize("required, refused", [("~> 0.14.0", True), (">= 0.13, < 0.15", True), (">= 0.13", False), ("~> 1.5", False)])
def test_terraform_older_than_1_0_cannot_run_azapi_2(required, refused):
    files = {"versions.tf": f'terraform {{\n  required_version = "{required}"\n}}\n'.encode()}
    assert bool(update.terraform_too_old(files)) is refused


@pytest.mark.parametrize("version", ["2.99.0", "3.36.0"])
def test_where_azurerm_would_recreate_to_add_the_policy_the_update_is_in_place(version):
    from fixer.versions import VersionRange

    text = CLUSTER.format(name="aks", meta="", extra='\n  network_profile {\n    network_plugin = "kubenet"\n  }\n')
    exact = VersionRange(tuple(map(int, version.split("."))), tuple(map(int, version.split("."))), "lock")
    exact = VersionRange(exact.low, (exact.low[0], exact.low[1], exact.low[2] + 1), "lock")
    fix = planner.plan(_cluster(text), planner.PlanContext(engine="calico", versions=exact))
    assert fix.risk is Risk.DISRUPTIVE and [c.attribute for c in fix.changes] == [POLICY_UPDATE_ATTRIBUTE]
    assert fix.reasons[0].startswith("Through azurerm: ") and "recreate" in fix.reasons[0]
    # ...but with the policy stated in the block (an expression, a null default), azurerm would fight it: not offered
    stated = text.replace('network_plugin = "kubenet"', 'network_plugin = "kubenet"\n    network_policy = var.policy')
    assert plan_policy_update(_cluster(stated), "calico", instead_of=fix) is None


def test_no_azapi_keeps_to_azurerm(tmp_path):
    (tmp_path / "main.tf").write_text(CLUSTER.format(name="aks", meta="", extra=""))
    result = _akfix("apply", "--no-bases", "--engine", "calico", "--no-azapi", str(tmp_path))
    assert result.returncode == 1 and "live network plugin is unknown" in result.stdout + result.stderr
    assert "azapi" not in (tmp_path / "main.tf").read_text()


def test_a_refused_update_gives_back_the_answer_it_replaced(tmp_path):
    """Where the module cannot take the update, the azurerm answer stands (here: a held replacement),
    with the reason; never a message about a block the cluster has."""
    text = CLUSTER.format(name="aks", meta="", extra='\n  network_profile {\n    network_plugin = "kubenet"\n  }\n')
    pins = 'terraform {\n  required_version = "~> 0.14"\n  required_providers {\n    azurerm = {\n      source  = "hashicorp/azurerm"\n' \
           '      version = "~> 2.90"\n    }\n  }\n}\n'
    (tmp_path / "main.tf").write_text(pins + text)
    result = _akfix("scan", "--format", "json", "--engine", "calico", str(tmp_path))
    [cluster] = json.loads(result.stdout)["clusters"]
    assert (cluster["fix"]["risk"], cluster["outcome"]) == ("replacement", "held")
    assert cluster["fix"]["reasons"][-1].startswith("Calico through azapi_update_resource cannot be written here: main.tf requires Terraform")
    assert "no network_profile block" not in cluster["fix"]["summary"]


def test_a_refused_update_under_greenfield_gives_back_the_greenfield_answer(tmp_path):
    pins = 'terraform {\n  required_version = "~> 0.14"\n  required_providers {\n    azurerm = {\n      source  = "hashicorp/azurerm"\n' \
           '      version = "= 2.57.0"\n    }\n  }\n}\n'
    (tmp_path / "main.tf").write_text(pins + CLUSTER.format(name="aks", meta="", extra=""))
    result = _akfix("scan", "--format", "json", "--greenfield", "--engine", "cilium,calico", str(tmp_path))
    [cluster] = json.loads(result.stdout)["clusters"]
    fix = cluster["fix"]
    assert (fix["risk"], fix["blocker"]) == ("manual", "version-too-old") and "cannot express this profile" in fix["summary"]
    assert fix["reasons"][-1].startswith("Calico through azapi_update_resource cannot be written here: main.tf requires Terraform")


def test_a_refused_update_the_preference_chose_gives_back_the_first_engines_answer(tmp_path):
    """--engine cilium,calico chose calico through azapi, which the module cannot take: the cluster is
    cilium's (plugin unknown) with calico's refusal said, and the summary offers no --engine again."""
    pins = 'terraform {\n  required_version = "~> 0.14"\n  required_providers {\n    azurerm = {\n      source  = "hashicorp/azurerm"\n' \
           '      version = "2.57.0"\n    }\n  }\n}\n'
    (tmp_path / "main.tf").write_text(pins + CLUSTER.format(name="aks", meta="", extra=""))
    result = _akfix("scan", "--format", "json", "--engine", "cilium,calico", str(tmp_path))
    document = json.loads(result.stdout)
    [cluster] = document["clusters"]
    fix = cluster["fix"]
    assert (fix["risk"], fix["blocker"], fix["engine"]) == ("manual", "live-plugin-unknown", None)
    assert [s["engine"] for s in fix["skipped"]] == ["calico"]
    assert fix["reasons"][-1].startswith("Calico through azapi_update_resource cannot be written here: main.tf requires Terraform")
    [group] = document["remaining"]
    assert "calico, next in --engine: calico through azapi_update_resource cannot be written" in group["reason"]
    assert "--engine" not in group["unlock"]


@pytest.mark.parametrize("code, refused", [
    ('resource "azapi_resource" "x" {\n  body = jsonencode({ a = 1 })\n}\n', "main.tf:2 gives azapi_resource.x its body as a string"),
    ('resource "azapi_resource" "x" {\n  body = <<EOT\n{"a": 1}\nEOT\n}\n', "main.tf:2 gives azapi_resource.x its body as a string"),
    ('data "azapi_resource" "x" {\n  body = "{}"\n}\n', "main.tf:2 gives azapi_resource.x its body as a string"),
    ('locals {\n  id = jsondecode(azapi_resource.x.output).id\n}\n', "main.tf:2 reads an azapi output with jsondecode"),
    ('resource "azapi_resource" "x" {\n  body = {\n    a = 1\n  }\n}\n', None),  # azapi 2.x style
    ('resource "azurerm_resource_group" "x" {\n  body = jsonencode({})\n}\n', None),  # not azapi
])
def test_azapi_1x_code_stands_in_the_way_of_the_azapi_2_update(code, refused):
    found = update.azapi_1x_code({"main.tf": code.encode()})
    assert (found is None) if refused is None else found.startswith(refused)
