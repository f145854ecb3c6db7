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
    found = configurations(files)
    assert [(c.relpath, c.inputs, c.literal, c.inherited) for c in found["modules/aks"]] == [
        ("live/dev/terragrunt.hcl", frozenset(), True, frozenset()),
        ("live/prod/terragrunt.hcl", frozenset({"network_plugin"}), True, frozenset())]


def test_what_a_configuration_does_not_let_akfix_read_stays_undecided():
    source = 'terraform {\n  source = "../../modules/aks"\n}\n'
    files = {
        "terragrunt.hcl": b'inputs = {\n  location = "westeurope"\n}\n',
        "live/a/terragrunt.hcl": (source + 'include "root" {\n  path = find_in_parent_folders()\n}\ninputs = {\n  name = "a"\n}\n').encode(),
        "live/b/terragrunt.hcl": (source + 'inputs = merge(local.common, {\n  name = "b"\n})\n').encode(),
        "live/c/terragrunt.hcl": (source + 'include "root" {\n  path = "${get_repo_root()}/common.hcl"\n}\n').encode(),
        "live/d/terragrunt.hcl": (source + 'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n').encode(),
    }
    others = {"live/root.hcl": b'inputs = merge({}, {})\n'}
    asked = []
    by_file = {c.relpath: c for c in configurations(files, lambda relpath: asked.append(relpath) or others.get(relpath))["modules/aks"]}
    a, b, c, d = (by_file[f"live/{x}/terragrunt.hcl"] for x in "abcd")
    assert a.unread("name") is None and a.unread("network_policy") is None  # the root's inputs are read: it sets location only
    assert a.unread("location") == "terragrunt.hcl (included by live/a/terragrunt.hcl) sets it (Terragrunt, which akfix does not evaluate)"
    assert "built by an expression" in b.unread("name") and "built by an expression" in b.unread("network_policy")
    assert "the include at live/c/terragrunt.hcl:4" in c.unread("network_policy")  # a path akfix does not resolve
    assert "live/root.hcl" in d.unread("network_policy")  # a parent whose inputs are an expression
    assert "live/root.hcl" in asked and len(asked) == len(set(asked))  # what d's include looks for, read once, on first need


def test_input_edits_set_entries_in_layout_or_add_the_inputs_object():
    import pytest

    from fixer.edit.edits import apply_edits
    from fixer.formats.terraform.editor import EditFailure, terragrunt_input_edits
    from fixer.formats.terraform.readback import check_readback

    source = b'terraform {\n  source = "../../modules//aks"\n}\n'
    with_inputs = source + b'\ninputs = {\n  name = "aks-dev" # kept\n}\n'
    after = apply_edits(with_inputs, terragrunt_input_edits(with_inputs, {"network_policy": "cilium"}, b"\n"))
    assert after == source + b'\ninputs = {\n  name           = "aks-dev" # kept\n  network_policy = "cilium"\n}\n'
    added = apply_edits(source, terragrunt_input_edits(source, {"network_policy": "cilium"}, b"\n"))
    assert added == source + b'\ninputs = {\n  network_policy = "cilium"\n}\n'  # never inside the terraform block
    crlf = source.replace(b"\n", b"\r\n")
    assert apply_edits(crlf, terragrunt_input_edits(crlf, {"network_policy": "cilium"}, b"\r\n")).count(b"\n") == \
        apply_edits(crlf, terragrunt_input_edits(crlf, {"network_policy": "cilium"}, b"\r\n")).count(b"\r\n")
    for text in (after, added):
        check_readback(text.decode(), [])
    merged = source + b'inputs = merge(local.common, {\n  name = "x"\n})\n'
    with pytest.raises(EditFailure):
        terragrunt_input_edits(merged, {"network_policy": "cilium"}, b"\n")


def test_remote_aks_sources_are_listed_as_not_inspected(tmp_path):
    from fixer.formats.terraform.terragrunt import remote_run
    from fixer.pipeline import Options, run

    git = b'terraform {\n  source = "git::https://example.com/m.git//modules/aks?ref=v2.3.0"\n}\n'
    assert remote_run("live/terragrunt.hcl", git).line == 2
    assert remote_run("live/terragrunt.hcl", b'terraform {\n  source = "tfr:///Azure/aks/azurerm?version=9.0.0"\n}\n') is not None
    assert remote_run("live/terragrunt.hcl", b'terraform {\n  source = "git::https://example.com/m.git//modules/vnet"\n}\n') is None
    assert remote_run("live/terragrunt.hcl", b'terraform {\n  source = "../../modules/aks"\n}\n') is None  # in the tree: read as a caller
    assert remote_run("live/terragrunt.hcl", b'terraform {\n  source = "${local.base}//aks"\n}\n') is None  # not a literal
    for folder, body in {"live/prod/aks": git, "live/prod/vnet": git.replace(b"aks", b"vnet")}.items():
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "terragrunt.hcl").write_bytes(body)
    result = run(tmp_path, Options(), verify=False)
    assert [(m.file, m.line, m.source) for m in result.not_inspected] == [
        ("live/prod/aks/terragrunt.hcl", 2, "git::https://example.com/m.git//modules/aks?ref=v2.3.0")]


def test_dependencies_name_unit_folders_from_the_configuration():
    files = {
        "live/prod/pool/terragrunt.hcl": b'''terraform {
  source = "../../../modules/pool"
}

dependency "aks" {
  config_path = "../aks"
}

dependency "named" {
  config_path = "${get_terragrunt_dir()}/../vnet"
}

dependencies {
  paths = ["../network", "../../../../outside"]
}
''',
        "live/prod/aks/terragrunt.hcl": b'terraform {\n  source = "../../../modules/aks"\n}\n',
    }
    found = configurations(files)
    (pool,) = found["modules/pool"]
    # an interpolated path is not followed; one out of the tree is dropped
    assert pool.depends_on == ("live/prod/aks", "live/prod/network")
    (aks,) = found["modules/aks"]
    assert aks.depends_on == ()


def test_a_source_an_include_carries_makes_the_unit_a_caller_from_its_own_folder():
    """`_env/aks.hcl`, included by every environment, holds the source and inputs: Terragrunt reads
    both as the child's, a relative source from the child's folder (HV-Hung/terragrunt-aks-helm)."""
    env = b'terraform {\n  source = "../../../modules/aks"\n}\ninputs = {\n  network_plugin = "kubenet"\n}\n'
    files = {
        "environments/dev/aks/terragrunt.hcl": b'include "env" {\n  path = "${get_terragrunt_dir()}/../../_env/aks.hcl"\n}\n',
        "environments/prod/aks/terragrunt.hcl": b'include "env" {\n  path = find_in_parent_folders("_env/aks.hcl")\n}\n',
        "environments/qa/aks/terragrunt.hcl": b'include "env" {\n  path = "${dirname(find_in_parent_folders("root.hcl"))}/_env/aks.hcl"\n}\n',
        "environments/uat/aks/terragrunt.hcl": b'include "env" {\n  path = "../../_env/aks.hcl"\n}\n',
        "environments/gone/aks/terragrunt.hcl": b'include "env" {\n  path = "../../_env/missing.hcl"\n}\n',
    }
    others = {"environments/_env/aks.hcl": env, "environments/root.hcl": b"locals {}\n"}
    found = configurations(files, others.get)
    units = {c.relpath.split("/")[1]: c for c in found["modules/aks"]}
    assert sorted(units) == ["dev", "prod", "qa", "uat"]  # the unit whose include is not in the tree runs nothing akfix knows
    for unit in units.values():
        assert unit.includes == ("environments/_env/aks.hcl",) and unit.inherited == frozenset({"network_plugin"})
        assert unit.unread("network_plugin").startswith("environments/_env/aks.hcl (included by ")
        assert unit.unread("network_policy") is None
