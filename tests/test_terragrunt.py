"""Terragrunt configurations that run a module of the tree (fixer/formats/terraform/terragrunt.py)."""

from __future__ import annotations

from fixer.formats.terraform.terragrunt import configurations, inputs_of, module_of


def test_local_sources_resolve_to_tree_folders():
    body = b'terraform {\n  source = "../../modules//aks"\n}\n'
    assert module_of("live/prod/terragrunt.hcl", body) == "modules/aks"
    assert module_of("live/dev/terragrunt.hcl", b'terraform {\n  source = "${get_repo_root()}/modules/aks"\n}\n') == "modules/aks"
    assert module_of("live/dev/terragrunt.hcl", b'terraform {\n  source = "${get_terragrunt_dir()}/../../modules/aks"\n}\n') == "modules/aks"


def test_remote_and_escaping_sources_are_left_alone():
    assert module_of("live/terragrunt.hcl", b'terraform {\n  source = "git::https://example.com/m.git//modules/aks"\n}\n') is None
    assert module_of("live/terragrunt.hcl", b'terraform {\n  source = "tfr:///Azure/aks/azurerm?version=9.0.0"\n}\n') is None
    assert module_of("terragrunt.hcl", b'terraform {\n  source = "../outside"\n}\n') is None
    assert module_of("terragrunt.hcl", b'include "root" {\n  path = find_in_parent_folders()\n}\n') is None
    parent = b'terraform {\n  source = "${get_parent_terragrunt_dir()}/modules/aks"\n}\n'
    assert module_of("live/prod/terragrunt.hcl", parent) is None  # depends on the include: not guessed


def test_inputs_are_the_first_level_keys():
    body = (b'inputs = {\n  name = "aks"\n  aks_cluster = {\n    network_plugin = "azure"\n  }\n'
            b'  "quoted" = 1\n  pools = [\n    { os_type = "Windows" },\n  ]\n  url = "https://x/{y}"\n}\n')
    assert inputs_of(body) == {"name", "aks_cluster", "quoted", "pools", "url"}
    assert inputs_of(b'terraform {\n  source = "../m"\n}\n') == frozenset()


def test_configurations_group_by_module():
    files = {
        "live/prod/terragrunt.hcl": b'terraform {\n  source = "../../modules//aks"\n}\ninputs = {\n  network_plugin = "kubenet"\n}\n',
        "live/dev/terragrunt.hcl": b'terraform {\n  source = "../../modules/aks"\n}\n',
    }
    assert configurations(files) == {"modules/aks": [("live/dev/terragrunt.hcl", frozenset()),
                                                     ("live/prod/terragrunt.hcl", frozenset({"network_plugin"}))]}
