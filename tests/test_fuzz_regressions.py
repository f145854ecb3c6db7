"""Inputs the fuzz targets found (`python -m fuzz run`), minimised, kept as literals.

Each test names the target that found the input, checks akfix's behaviour directly, and runs the
target's own invariants over the literal again. None of them needs atheris."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # fuzz/ is a folder of the repository, not an installed package

from fixer.formats import jsonspan  # noqa: E402
from fixer.formats.arm import template as arm
from fixer.formats.bicep import template as bicep  # noqa: E402
from fixer.formats.bicep.syntax import BicepSyntaxError  # noqa: E402
from fixer.formats.terraform.locate import ParseFailure, locate  # noqa: E402
from fixer.model import Change  # noqa: E402
from fixer.pipeline import Options, run  # noqa: E402
from fixer.versions import exactly  # noqa: E402
from fuzz.targets import load  # noqa: E402
from fuzz.targets.pipeline import check_pipeline  # noqa: E402

SCHEMA = b'"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"'


def run_file(tmp_path: Path, name: str, data: bytes, **options):
    (tmp_path / name).write_bytes(data)
    return run(tmp_path, Options(**options), verify=True)


# --- edit: jsonspan.insert_members replaced a whole empty object, comments and all -------------

ARM_EMPTY_PROPERTIES = (
    b'{\n  ' + SCHEMA + b',\n  "resources": [\n    {\n'
    b'      "type": "Microsoft.ContainerService/managedClusters",\n      "apiVersion": "2024-05-01",\n'
    b'      "name": "aks",\n      "properties": { /* the platform team fills this in */ }\n    }\n  ]\n}\n'
)


def test_insert_into_an_empty_object_keeps_its_comments():
    data = b'{"a": { // keep\n }}'
    start, end, text = jsonspan.insert_members(data, jsonspan.parse(data).get("a"), [("b", 1)], b"\n")
    after = data[:start] + text + data[end:]
    assert after == b'{"a": { // keep\n  "b": 1\n}}'
    assert jsonspan.parse(after, lazy=False).get("a").get("b").value == 1
    load("edit")(data)


def test_arm_networkprofile_added_after_a_comment_in_empty_properties(tmp_path):
    result = run_file(tmp_path, "azuredeploy.json", ARM_EMPTY_PROPERTIES, assume_network="azure")
    assert not result.problems
    (change,) = result.changes
    assert b"/* the platform team fills this in */" in change.after
    assert jsonspan.parse(change.after, lazy=False).get("resources").items[0].get("properties").get("networkProfile") is not None
    check_pipeline(ARM_EMPTY_PROPERTIES, "arm", Options(assume_network="azure"))


# --- bicep-locate: `key:` with no value gave its edit a span running backwards ------------------

BICEP_EMPTY_VALUE = (
    b"resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {\n"
    b"  properties: {\n    networkProfile: {\n      networkPlugin: 'azure'\n"
    b"      networkPolicy: 'none'\n      networkDataplane: // to do\n    }\n  }\n}\n"
)


def test_bicep_property_without_a_value_is_a_syntax_error_with_its_line(tmp_path):
    with pytest.raises(BicepSyntaxError) as info:
        bicep.locate_bicep(BICEP_EMPTY_VALUE, "main.bicep", [])
    assert info.value.line == 6
    result = run_file(tmp_path, "main.bicep", BICEP_EMPTY_VALUE)
    assert not result.changes and not result.clusters
    assert [str(p) for p in result.problems] == ["main.bicep:6: property 'networkDataplane' has no value on its line; left untouched"]
    load("bicep-locate")(BICEP_EMPTY_VALUE)
    # the minimised input as found (a one-line object with an empty entry)
    load("bicep-locate")(b"resource aks''={properties:{networkProfile:{networkPlugin://\n"
                         b"resource aks'Microsoft.ContainerService/managedClusters'={{{}}}}}}")


# --- terraform-locate: a cluster (or azapi resource) declared twice: read one, edit the other ----

TF_DUPLICATE_AZAPI = (
    b'resource "azapi_resource" "a" {\n  body = { properties = {} }\n}\n'
    b'resource "azapi_resource" "a" {\n  type = "Microsoft.ContainerService/managedClusters@2023-01-01"\n}\n'
)
TF_DUPLICATE_CLUSTER = (
    b'resource "azurerm_kubernetes_cluster" "main" {\n  network_profile {\n    network_plugin = "azure"\n'
    b'    network_policy = "azure"\n  }\n}\n\n'
    b'resource "azurerm_kubernetes_cluster" "main" {\n  network_profile {\n    network_plugin = "azure"\n  }\n}\n'
)


@pytest.mark.parametrize("data, line, name", [
    (TF_DUPLICATE_AZAPI, 4, "azapi_resource.a"),
    (TF_DUPLICATE_CLUSTER, 8, "azurerm_kubernetes_cluster.main"),
])
def test_terraform_block_declared_twice_is_refused_with_its_line(tmp_path, data, line, name):
    with pytest.raises(ParseFailure) as info:
        locate(data, "main.tf")
    assert info.value.line == line
    result = run_file(tmp_path, "main.tf", data, engine="calico", azurerm_version=exactly((4, 59, 0), "test"))
    assert not result.changes and not result.clusters  # the second cluster was reported compliant
    assert [str(p) for p in result.problems] == [
        f"main.tf:{line}: {name} is declared twice (first at line 1); Terraform rejects duplicate blocks; left untouched"]
    load("terraform-locate")(data)


def test_override_files_may_repeat_a_cluster(tmp_path):
    assert locate(TF_DUPLICATE_CLUSTER, "main_override.tf").clusters


# --- arm-jsonspan: a key written twice was looked up as its first value, json.loads keeps the last -

ARM_DUPLICATE_POLICY = (
    b'{\n  ' + SCHEMA + b',\n  "resources": [\n    {\n'
    b'      "type": "Microsoft.ContainerService/managedClusters",\n      "apiVersion": "2024-05-01",\n'
    b'      "name": "aks",\n      "properties": {\n        "networkProfile": {\n'
    b'          "networkPlugin": "azure",\n          "networkPolicy": "none",\n          "networkPolicy": "calico"\n'
    b'        }\n      }\n    }\n  ]\n}\n'
)


def test_duplicate_json_keys_are_refused_with_their_line(tmp_path):
    found = b'{"":{},"r":[{"name":"","name":"a","":{},"":{"":[{}],"":{}}}]}'  # minimised, as found
    with pytest.raises(jsonspan.JsonSpanError, match="duplicate key 'name'"):
        jsonspan.parse(found, lazy=False)
    load("arm-jsonspan")(found)
    result = run_file(tmp_path, "azuredeploy.json", ARM_DUPLICATE_POLICY)
    assert not result.changes and not result.clusters
    assert [str(p) for p in result.problems] == ["azuredeploy.json:12: duplicate key 'networkPolicy'; left untouched"]


# --- edit: JSON nested a few hundred levels deep overflowed the reader's recursion ---------------

def test_json_nested_too_deeply_is_refused_not_a_traceback(tmp_path):
    with pytest.raises(jsonspan.JsonSpanError, match="nested more than 200 levels deep"):
        jsonspan.parse(b"[" * 400 + b"]" * 400, lazy=False)
    lazy = jsonspan.parse(b'{"a": ' + b"[" * 400 + b"]" * 400 + b"}")  # read level by level, still counted
    with pytest.raises(jsonspan.JsonSpanError, match="nested more than"):
        node = lazy.get("a")
        while node.items:
            node = node.items[0]
    load("edit")(b'{"": {},\n\t"": ' + b"[" * 400 + b"]" * 400 + b"}")
    # a template whose unrelated variable nests deeper than json's C reader goes: a clean refusal
    deep = ARM_EMPTY_PROPERTIES.replace(b'"resources"', b'"variables": {"v": ' + b"[" * 1200 + b"]" * 1200 + b'},\n  "resources"')
    result = run_file(tmp_path, "azuredeploy.json", deep, assume_network="azure")
    assert not result.changes
    assert [str(p) for p in result.problems] == [
        "azuredeploy.json:1: not written, verification failed: the file does not parse as a whole (line 3: nested more than 200 levels deep)"]


# --- pipeline-terraform: two network_profile blocks: read from the last, edited in the first ------

TF_TWO_PROFILES = (
    b'resource "azurerm_kubernetes_cluster" "main" {\n\tnetwork_profile {\n\t\tnetwork_plugin = "azure"\n\t}\n'
    b'\tnetwork_profile {\n\t\tnetwork_plugin = "azure"\n\t}\n}\n'
)


def test_second_network_profile_block_is_refused_with_its_line(tmp_path):
    result = run_file(tmp_path, "main.tf", TF_TWO_PROFILES, engine="azure", azurerm_version=exactly((4, 59, 0), "test"))
    assert not result.changes and not result.clusters  # was: "not written ... not idempotent"
    assert [str(p) for p in result.problems] == [
        "main.tf:5: azurerm_kubernetes_cluster.main has a second network_profile block (the first at line 2); "
        "Terraform allows one; left untouched"]
    load("pipeline-terraform")(TF_TWO_PROFILES)


# --- pipeline-arm: a cluster akfix cannot edit made the fix of its neighbour "not idempotent" -----

ARM_ONE_EDITABLE = (
    b'{\n  ' + SCHEMA + b',\n  "resources": [\n'
    b'    {"type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2024-05-01", "name": "bare"},\n'
    b'    {\n      "type": "Microsoft.ContainerService/managedClusters",\n      "apiVersion": "2024-05-01",\n'
    b'      "name": "aks",\n      "properties": {\n        "networkProfile": {\n          "networkPlugin": "azure"\n'
    b'        }\n      }\n    }\n  ]\n}\n'
)


def test_a_cluster_that_cannot_be_edited_does_not_block_its_neighbour(tmp_path):
    result = run_file(tmp_path, "azuredeploy.json", ARM_ONE_EDITABLE, engine="calico")
    assert [str(p) for p in result.problems] == ["azuredeploy.json:4: not edited: the managed cluster has no properties object"]
    (change,) = result.changes
    assert b'"networkPolicy": "calico"' in change.after
    assert {r.cluster.address.rsplit("/", 1)[1]: r.outcome.value for r in result.clusters} == {"bare": "failed", "aks": "fixed"}
    check_pipeline(ARM_ONE_EDITABLE, "arm", Options(engine="calico"))


# --- pipeline-arm: a template broken where akfix does not read was refused as "the result does not
# parse", as if the edit had broken it ---------------------------------------------------------

def test_a_template_broken_outside_the_cluster_is_named_as_broken_with_its_line(tmp_path):
    broken = ARM_ONE_EDITABLE.replace(b'  "resources"', b'  "variables": {"a": 1 "b": 2},\n  "resources"')
    result = run_file(tmp_path, "azuredeploy.json", broken, engine="calico")
    assert not result.changes
    assert "azuredeploy.json:1: not written, verification failed: the file does not parse as a whole " \
           "(line 3: expected ',' or '}')" in [str(p) for p in result.problems]
    check_pipeline(broken, "arm", Options(engine="calico"))


# --- pipeline-terraform: HCL that tree-sitter reads and python-hcl2 does not (a bare word in a
# block) was refused as if the edit had broken it --------------------------------------------

TF_BARE_WORD = b'resource "azurerm_kubernetes_cluster" "main" {\n  name\n  default_node_pool {}\n}\n'


def test_hcl_beyond_python_hcl2_before_the_edit_is_named_so(tmp_path):
    minimised = b'resource"azurerm_kubernetes_cluster"""{n\ne{}}'
    options = dict(engine="calico", assume_network="azure", switch_engines=True, allow_replacement=True, azapi_updates=False)
    for data in (TF_BARE_WORD, minimised):
        result = run_file(tmp_path, "main.tf", data, **options)
        assert not result.changes
        (problem,) = result.problems
        assert problem.message.startswith("not written, verification failed: python-hcl2 cannot parse this file even before the edit (")
        check_pipeline(data, "terraform", Options(**options))


# --- pipeline-terraform: `network_profile = {...}` (an argument, not a block) got a block added
# beside it, and the read-back died on python-hcl2's dict with a KeyError traceback ------------

TF_PROFILE_ARGUMENT = (
    b'resource "azurerm_kubernetes_cluster" "main" {\n  default_node_pool {\n    name = "system"\n  }\n'
    b'  network_profile = {\n    network_plugin = "azure"\n  }\n}\n'
)


def test_network_profile_written_as_an_argument_is_refused_with_its_line(tmp_path):
    minimised = b'c""{o{s{}}}resource"azurerm_kubernetes_cluster"""{default_node_pool{y{e=""}}e""""""{a=""\n}network_profile={n="a"\t}}'
    load("pipeline-terraform")(minimised)  # options from its checksum, as when it was found
    options = dict(assume_network="azure", azurerm_version=exactly((4, 59, 0), "test"))
    result = run_file(tmp_path, "main.tf", TF_PROFILE_ARGUMENT, **options)
    assert not result.changes and not result.clusters
    assert [str(p) for p in result.problems] == [
        "main.tf:5: azurerm_kubernetes_cluster.main: network_profile is written as an argument (`= {...}`); "
        "Terraform expects a block; left untouched"]
    check_pipeline(TF_PROFILE_ARGUMENT, "terraform", Options(**options))


# --- pipeline-bicep: a cluster's symbolic name declared twice: read one, edited the other --------

BICEP_DUPLICATE_SYMBOL = (
    b"resource aks 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n  name: 'st'\n}\n"
    b"resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {\n  properties: {\n"
    b"    networkProfile: {\n      networkPlugin: 'azure'\n    }\n  }\n}\n"
)


def test_bicep_cluster_symbol_declared_twice_is_refused_with_its_line(tmp_path):
    result = run_file(tmp_path, "main.bicep", BICEP_DUPLICATE_SYMBOL, engine="calico")
    assert not result.changes and not result.clusters  # was: "not written ... not idempotent"
    assert [str(p) for p in result.problems] == [
        "main.bicep:4: resource aks is declared twice (first at line 1); akfix cannot tell which one to edit; left untouched"]
    load("pipeline-bicep")(BICEP_DUPLICATE_SYMBOL)


# --- round 3 -------------------------------------------------------------------------------------
# edit: a line comment in an empty object lost its trailing space (the kept part was rstripped)


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_insert_into_an_empty_object_keeps_its_comments_byte_for_byte(newline):
    data = b"{// " + newline + b"}//"  # minimised, as found
    load("edit")(data)
    start, end, text = jsonspan.insert_members(data, jsonspan.parse(data), [("a", 1)], newline)
    assert data[:start] + text + data[end:] == b"{// " + newline + b'  "a": 1' + newline + b"}//"


# arm-jsonspan: a networkProfile that is an array was edited as if it were an object

def test_arm_network_profile_that_is_not_an_object_is_not_edited():
    found = (b'{"$schema":"deploymentTemplate","resources":[{"type":"Microsoft.ContainerSeRvice/managedClusters",'
             b'"properties":{"networkProfile":[0],"":{}}}]}')  # minimised, as found
    load("arm-jsonspan")(found)
    with pytest.raises(ValueError, match="networkProfile is not an object"):
        arm.edits_for(found, ("0",), [Change("networkPolicy", "cilium")], b"\n")
    with pytest.raises(ValueError, match="not to an array"):
        jsonspan.insert_members(b"[0]", jsonspan.parse(b"[0]"), [("a", 1)], b"\n")


# bicep-locate: a new entry anchored after a multi-line value that ends on the object's closing
# line was inserted inside that value (the two edits of one fix overlapped)

def test_bicep_entry_is_not_inserted_inside_a_multi_line_value():
    found = b"''{''{}resource aks'Microsoft.ContainerService/managedClusters'=if(()){properties:{[{}]networkProfile:{networkPolicy:''{\n}}}}}"
    load("bicep-locate")(found)
    data = (b"resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {\n  properties: {\n"
            b"    networkProfile: {\n      networkPlugin: toLower(\n        'azure') }\n  }\n}\n")
    with pytest.raises(ValueError, match="networkPlugin ends on the line that closes the object"):
        bicep.edits_for(data, "aks", [Change("networkPolicy", "calico")], b"\n")


# --- pipeline-python: a syntax error after a lone CR was reported past the file's last line ------

PYTHON_LONE_CR = b"from pulumi_azure_native import containerservice as cs\ncs.ManagedCluster('a')\r`"


def test_a_python_syntax_error_after_a_lone_cr_names_a_line_of_the_file(tmp_path):
    result = run_file(tmp_path, "__main__.py", PYTHON_LONE_CR)
    (problem,) = result.problems
    assert problem.file == "__main__.py" and problem.line == 2  # Python counts the CR as a line end; akfix counts LFs
    assert problem.message.startswith("Python syntax error") and not result.changes
    load("pipeline-python")(PYTHON_LONE_CR)


# --- pipeline-arm: a template broken inside a part only the Windows-pool search reads raised
# JsonSpanError out of the run (the search parsed lazily and met the break while walking) ---------

@pytest.mark.parametrize("data", [
    b'{"$schema":"deploymentTemplate","":{"":{}},"resources":[{"type":"Microsoft.ContainerService/managedClusters",'
    b'"":{},"r":{"":[{"":""indows}]}}]}',
    b'{"$schema":"deploymentTemplate","":{"":{}},"resources":[{"type":"Microsoft.ContainerService/managedClusters",'
    b'"":{"":[{"""indows"}],"networkProfile":{],"networkProfile"}}]}',
])
def test_a_template_broken_where_only_the_windows_search_reads_is_a_problem_not_a_traceback(tmp_path, data):
    result = run_file(tmp_path, "azuredeploy.json", data, engine="calico")
    assert not result.changes
    check_pipeline(data, "arm", Options(engine="calico"))
