"""for_each instances of a Terraform cluster (formats/terraform/values.py `each`, resolve.py views):
`each.key` / `each.value...` read per instance, the instances listed wherever the collection is set
(a tfvars file, a -var-file environment, a caller, the default, a local, `toset([...])`), and one
view of the cluster per instance, each written where its own values are."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixer.cli import main
from fixer.facts.match import ClusterMapping, LiveFacts
from fixer.facts.plan_json import PlanFacts
from fixer.formats.terraform import hcl
from fixer.formats.terraform.values import Each, ModuleScope
from fixer.model import MISSING, Cluster, LiveState, Profile, ValueKind

VARIABLES = b'''variable "clusters" {
  type = map(object({
    policy = optional(string)
    mode   = optional(string, "overlay")
  }))
  default = {
    a = { policy = "calico" }
    b = { policy = null, mode = "none" }
  }
}

variable "labels" {
  type    = map(string)
  default = {}
}

locals {
  sizes = { small = { nodes = "1" }, large = { nodes = "5" } }
}
'''


def _scope(extra: dict[str, bytes] | None = None, expression: str = "var.clusters") -> tuple[ModuleScope, object]:
    files = {"m/variables.tf": VARIABLES, "m/probe.tf": f"collection = {expression}\n".encode(), **(extra or {})}
    scope = ModuleScope.build("m", files)
    collection = hcl.expression_of(hcl.attribute(hcl.body_of(scope.sources["m/probe.tf"].root), "collection"))
    return scope, collection


def _evaluate(scope: ModuleScope, expression: str):
    scope.sources["m/q.tf"] = type(scope.sources["m/probe.tf"])("m/q.tf", f"q = {expression}\n".encode(), None)
    root = hcl.parse(scope.sources["m/q.tf"].body).root_node
    scope.sources["m/q.tf"].root = root
    return scope.evaluate(hcl.expression_of(hcl.attribute(hcl.body_of(root), "q")), "m/q.tf")


def _bound(key: str, extra=None, expression: str = "var.clusters", strings: bool = False) -> ModuleScope:
    scope, collection = _scope(extra, expression)
    return replace(scope, each=Each(key, None if strings else collection, "m/probe.tf"))


def test_each_value_members_come_from_the_element_with_its_span():
    [found] = _evaluate(_bound("a"), "each.value.policy")
    assert (found.value.kind, found.value.text, found.value.file) == (ValueKind.LITERAL, "calico", "m/variables.tf")
    assert VARIABLES[found.value.origin.start:found.value.origin.end] == b'"calico"'
    [null] = _evaluate(_bound("b"), "each.value.policy")
    assert null.value.kind is ValueKind.MISSING and null.value.origin is not None  # an explicit null: written there


def test_each_key_and_the_type_default_of_a_map_of_objects():
    assert _evaluate(_bound("b"), "each.key")[0].value.text == "b"
    [mode] = _evaluate(_bound("a"), "each.value.mode")  # left out: optional(string, "overlay")
    assert (mode.value.kind, mode.value.text) == (ValueKind.LITERAL, "overlay")
    assert _evaluate(_bound("b"), "each.value.mode")[0].value.text == "none"


def test_each_indexes_other_maps_and_lookup_reads_the_element():
    scope = _bound("large", expression="local.sizes")
    assert _evaluate(scope, "local.sizes[each.key].nodes")[0].value.text == "5"
    assert _evaluate(scope, 'lookup(each.value, "nodes", "0")')[0].value.text == "5"
    assert _evaluate(scope, 'lookup(each.value, "zones", "none")')[0].value.text == "none"


def test_a_set_of_strings_gives_each_value_the_key():
    scope = _bound("web", expression='toset(["web", "ops"])', strings=True)
    assert _evaluate(scope, "each.value")[0].value.text == "web"
    assert _evaluate(scope, "each.value.x")[0].value.kind is ValueKind.EXPRESSION


def test_try_falls_back_only_where_the_element_is_not_there():
    scope = _bound("large", expression="local.sizes")
    [fallback] = _evaluate(scope, 'try(each.value.zones, "azure")')
    assert (fallback.value.kind, fallback.value.text) == (ValueKind.LITERAL, "azure")
    assert _evaluate(scope, 'try(each.value.nodes, "azure")')[0].value.text == "5"
    [absent] = _evaluate(scope, "each.value.zones")  # outside try(): Terraform fails, akfix does not guess
    assert absent.value.kind is ValueKind.EXPRESSION and "has no zones" in absent.value.note


def test_each_without_an_instance_stays_unresolved_with_the_reason():
    scope, _ = _scope()
    [found] = _evaluate(scope, "each.value.policy")
    assert found.value.kind is ValueKind.EXPRESSION and "for_each" in found.value.note
    unlisted = replace(scope, each=Each(None, why="the instances are not listed: a for expression"))
    assert "for expression" in _evaluate(unlisted, "each.key")[0].value.note


def test_lookup_on_a_map_variable_still_takes_its_default():
    """map(T) keys are never `declared` by the type: a key the map leaves out takes lookup's default."""
    scope, _ = _scope()
    assert _evaluate(scope, 'lookup(var.labels, "team", "platform")')[0].value.text == "platform"


def test_the_instances_are_listed_per_environment():
    tfvars = b'clusters = {\n  x = { policy = "azure" }\n}\n'
    scope, collection = _scope({"m/terraform.tfvars": tfvars, "m/prod.tfvars": b'clusters = { p1 = {}, "p-2" = {} }\n'})
    listed = scope.for_each_keys(collection, "m/probe.tf")
    assert [(i.environment, i.file, i.keys) for i in listed] == [(None, "m/terraform.tfvars", ("x",)), ("m/prod.tfvars", "m/prod.tfvars", ("p1", "p-2"))]
    scope, collection = _scope(expression='toset(["a", "b", "a"])')
    [strings] = scope.for_each_keys(collection, "m/probe.tf")
    assert strings.keys == ("a", "b") and strings.strings
    scope, collection = _scope(expression="{ for k, v in var.clusters : k => v }")
    assert [i.keys for i in scope.for_each_keys(collection, "m/probe.tf")] == [("a", "b")]
    for reshaped in ("{ for k, v in var.clusters : k => v if v.policy != null }", "{ for k, v in var.clusters : k => v.policy }",
                     "{ for k, v in var.clusters : upper(k) => v }"):
        scope, collection = _scope(expression=reshaped)
        assert isinstance(scope.for_each_keys(collection, "m/probe.tf"), str), reshaped


LIST = b'''variable "list" {
  type = list(object({
    name    = string
    network = object({ policy = optional(string), plugin = optional(string, "azure") })
  }))
}
'''


def test_a_for_expression_over_a_list_of_objects_keys_each_element_by_its_name():
    """`{ for c in var.list : c.name => c }`: instances named by each element's name, each.value the
    element (read through the list's type: a left-out optional is null, added to that element)."""
    tfvars = b'list = [\n  { name = "dev", network = { policy = "calico" } },\n  { name = "prd", network = {} },\n]\n'
    scope, collection = _scope({"m/list.tf": LIST, "m/terraform.tfvars": tfvars}, "{ for c in var.list : c.name => c }")
    listed = scope.instances(collection, "m/probe.tf")
    assert [(i.keys, each.key, each.index) for i, each in listed] == [(("dev", "prd"), "dev", "0"), (("dev", "prd"), "prd", "1")]
    dev, prd = (replace(scope, each=each) for _, each in listed)
    assert _evaluate(dev, "each.value.network.policy")[0].value.text == "calico"
    [left_out] = _evaluate(prd, "each.value.network.policy")
    assert left_out.value.kind is ValueKind.MISSING and left_out.value.origin.kind == "entry:policy"
    assert tfvars[left_out.value.origin.start:left_out.value.origin.end] == b"{}"
    assert _evaluate(prd, "each.value.network.plugin")[0].value.text == "azure"  # the type's default
    assert _evaluate(prd, "each.key")[0].value.text == "prd"
    twice = b'list = [{ name = "a", network = {} }, { name = "a", network = {} }]\n'
    scope, collection = _scope({"m/list.tf": LIST, "m/terraform.tfvars": twice}, "{ for c in var.list : c.name => c }")
    assert "duplicate" in scope.instances(collection, "m/probe.tf")


def _cluster(instance: str | None) -> Cluster:
    return Cluster("main.tf", 1, "terraform", "azurerm_kubernetes_cluster.this", Profile(MISSING, MISSING), instance=instance)


def test_plan_facts_and_mappings_match_an_instance_by_its_own_address():
    live = {'module.app.azurerm_kubernetes_cluster.this["a"]': LiveState(policy="calico", plugin="azure", source="plan.json"),
            'module.app.azurerm_kubernetes_cluster.this["b"]': LiveState(policy=None, plugin="kubenet", source="plan.json")}
    facts = PlanFacts(live=live, azurerm=None)
    assert facts.for_address(_cluster("b").instance_address).plugin == "kubenet"
    assert facts.for_address(_cluster("c").instance_address) is None
    assert facts.for_address(_cluster(None).instance_address) is None  # two instances: neither is the resource
    by_address = ClusterMapping(id="/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerService/managedClusters/b",
                                address='azurerm_kubernetes_cluster.this["b"]', file=None, line=1)
    by_file = replace(by_address, address=None, file=Path("/nowhere/main.tf"))
    matcher = LiveFacts.of((), mappings=(by_address,))
    assert matcher._mapped(_cluster("b")) is not None and matcher._mapped(_cluster("a")) is None
    matcher = LiveFacts.of((), mappings=(by_file,)).for_root(Path("/nowhere"))
    assert matcher._mapped(_cluster("b")) is None  # a file holds every instance: it names none of them
    assert matcher._mapped(_cluster(None)) is not None


MAIN = '''terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.60"
    }
  }
}

variable "clusters" {
  type = map(object({ network_policy = optional(string) }))
}

resource "azurerm_kubernetes_cluster" "this" {
  for_each            = var.clusters
  name                = each.key
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = each.key

  default_node_pool {
    name       = "system"
    node_count = 1
    vm_size    = "Standard_D2s_v5"
  }

  identity {
    type = "SystemAssigned"
  }

  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    network_data_plane  = "cilium"
    network_policy      = each.value.network_policy
  }
}
'''

POLICIES = st.sampled_from([None, "null", "azure", "calico", "cilium"])  # None: left out of the element
KEYS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=8).filter(lambda k: k[0] != "-")


def _tfvars(elements: dict[str, str | None]) -> str:
    lines = ["clusters = {"]
    for key, policy in elements.items():
        inner = "" if policy is None else f"network_policy = {policy if policy == 'null' else json.dumps(policy)}"
        lines.append(f'  "{key}" = {{ {inner} }}' if inner else f'  "{key}" = {{}}')
    return "\n".join(lines + ["}", ""])


def _run(root: Path, *args: str) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["apply", "--no-bases", "--format", "json", *args, str(root)])
    return json.loads(out.getvalue())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(elements=st.dictionaries(KEYS, POLICIES, min_size=1, max_size=5))
def test_each_instance_is_written_in_its_own_element_and_nothing_else(tmp_path_factory, elements):
    """Whatever the instances say: only an element whose policy is null (stated, or left out of the
    object) gets cilium, in that element; every other element stays; the file still parses; a second
    run writes nothing."""
    root = tmp_path_factory.mktemp("fe")
    (root / "main.tf").write_text(MAIN)
    before = _tfvars(elements)
    (root / "terraform.tfvars").write_text(before)
    document = _run(root)
    after = (root / "terraform.tfvars").read_text()
    assert (root / "main.tf").read_text() == MAIN
    expected = _tfvars({k: ("cilium" if v in (None, "null") else v) for k, v in elements.items()})
    assert after == expected
    hcl.parse(after.encode())  # still HCL
    statuses = {c["instance"]: (c["status"], c["fix"]["risk"] if c.get("fix") else None) for c in document["clusters"]}
    assert set(statuses) == set(elements)
    for key, policy in elements.items():
        if policy in (None, "null"):  # left out (optional(string): null) or null: written in the element
            assert statuses[key][0] == "missing" and statuses[key][1] != "manual"
        else:
            assert statuses[key][0] == "compliant"
    _run(root)
    assert (root / "terraform.tfvars").read_text() == expected


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not installed: fmt not checked")
def test_the_written_element_stays_terraform_fmt_clean(tmp_path):
    (tmp_path / "main.tf").write_text(MAIN)
    (tmp_path / "terraform.tfvars").write_text('clusters = {\n  dev = {\n    network_policy = null\n  }\n}\n')
    _run(tmp_path)
    assert 'network_policy = "cilium"' in (tmp_path / "terraform.tfvars").read_text()
    assert subprocess.run(["terraform", "fmt", "-check", "-recursive", str(tmp_path)], capture_output=True).returncode == 0


ENTRY_CASES = [
    ('x = {\n  a = {\n    plugin = "azure"\n    nodes  = 1\n  }\n}\n', "a = {", 'x = {\n  a = {\n    plugin = "azure"\n    nodes  = 1\n    policy = "cilium"\n  }\n}\n'),
    ('x = {\n  a    = { plugin = "azure", nodes = 1 }\n  bbbb = {}\n}\n', "a    = {", 'x = {\n  a    = { plugin = "azure", nodes = 1, policy = "cilium" }\n  bbbb = {}\n}\n'),
    ('x = {\n  a    = { plugin = "azure", nodes = 1 }\n  bbbb = {}\n}\n', "bbbb = {", 'x = {\n  a    = { plugin = "azure", nodes = 1 }\n  bbbb = { policy = "cilium" }\n}\n'),
    ('x = { a = { plugin = "azure", } }\n', "a = {", 'x = { a = { plugin = "azure", policy = "cilium" } }\n'),
]


@pytest.mark.parametrize("body, at, expected", ENTRY_CASES)
def test_a_left_out_setting_is_added_to_its_object_in_its_layout(body, at, expected, tmp_path):
    """A one-line object stays on one line (expanded, its key would leave the column its neighbours
    align to); a multi-line one gains an aligned line."""
    from fixer.formats.terraform.editor import object_entry_edits

    data = body.encode()
    start = data.index(at.encode()) + len(at) - 1
    out = data
    for edit in sorted(object_entry_edits(data, start, {"policy": "cilium"}, b"\n"), key=lambda e: -e.start):
        out = out[:edit.start] + edit.text + out[edit.end:]
    assert out.decode() == expected
    assert not hcl.parse(out).root_node.has_error
    if shutil.which("terraform") and body.startswith("x = {\n"):  # the one-line-outer case is not fmt's layout to begin with
        (tmp_path / "a.tfvars").write_bytes(out)
        assert subprocess.run(["terraform", "fmt", "-check", str(tmp_path / "a.tfvars")], capture_output=True).returncode == 0


def test_try_falls_back_per_environment():
    """One tfvars file's element has the setting, another's does not: only the latter takes try()'s fallback."""
    files = {"m/terraform.tfvars": b'sizes = {\n  a = { zones = "calico" }\n}\n', "m/prod.tfvars": b'sizes = {\n  a = {}\n}\n',
             "m/sizes.tf": b'variable "sizes" {\n  type = any\n}\n'}
    scope, collection = _scope(files, "var.sizes")
    bound = replace(scope, each=Each("a", collection, "m/probe.tf"))
    found = {c.environment: c.value.text for c in _evaluate(bound, 'try(each.value.zones, "azure")')}
    assert found == {None: "calico", "m/prod.tfvars": "azure"}


@pytest.mark.parametrize("for_each, extra, expected", [
    ("[var.clusters]", {}, "0"),
    ('var.clusters == null ? [] : [var.clusters]', {}, "0"),
    ('var.clusters != null ? [var.clusters] : []', {}, "0"),
    ("local.sizes", {}, None),  # two keys: two blocks
    ('var.unset == null ? [] : [var.unset]', {"m/unset.tf": b'variable "unset" {\n  default = null\n}\n'}, None),  # null: no block
    ("[]", {}, None),
    ("var.one", {"m/one.tf": b'variable "one" {\n  default = [{ plugin = "azure" }]\n}\n'}, "0"),
    ("var.one", {"m/one.tf": b'variable "one" {\n  default = [{ plugin = "azure" }]\n}\n', "m/x.tfvars": b"one = []\n"}, None),
])
def test_a_dynamic_block_is_read_only_where_it_renders_exactly_one_block_in_every_run(for_each, extra, expected):
    scope, collection = _scope(extra, for_each)
    element = scope.sole_element(collection, "m/probe.tf")
    if expected is None:
        assert isinstance(element, str) and element
    else:
        assert not isinstance(element, str) and element.index == expected


def test_an_empty_for_each_keeps_the_cluster_in_the_report(tmp_path):
    """A reusable module's `default = {}`: no instance here, but the cluster is still reported (as a person's)."""
    (tmp_path / "main.tf").write_text(MAIN.replace('type = map(object({ network_policy = optional(string) }))',
                                                   'type = map(object({ network_policy = optional(string) }))\n  default = {}'))
    document = _run(tmp_path)
    [cluster] = document["clusters"]
    assert cluster["status"] == "unresolved" and "no instances" in json.dumps(cluster)


def test_a_null_default_set_only_by_a_var_file_leaves_the_plain_run_without_a_block():
    """`default = null`, an object in prod.tfvars: a run without -var-file renders no block, so the
    dynamic block is not read as one (whereas a required variable has no such run)."""
    extra = {"m/nd.tf": b'variable "nd" {\n  default = null\n}\n', "m/prod.tfvars": b'nd = { plugin = "azure" }\n'}
    scope, collection = _scope(extra, "var.nd == null ? [] : [var.nd]")
    assert isinstance(scope.sole_element(collection, "m/probe.tf"), str)
    required = {"m/nd.tf": b'variable "nd" {}\n', "m/prod.tfvars": b'nd = { plugin = "azure" }\n'}
    scope, collection = _scope(required, "var.nd == null ? [] : [var.nd]")
    assert scope.sole_element(collection, "m/probe.tf").index == "0"


def test_instances_that_plan_differently_in_a_shared_block_say_so(tmp_path):
    """blue (Azure CNI overlay) could take cilium, green (kubenet) cannot: the data plane cilium needs
    would land in the block both read, so neither is written, and the message names the instance."""
    main = (MAIN.replace('network_plugin      = "azure"', "network_plugin      = each.value.plugin")
            .replace('    network_data_plane  = "cilium"\n', "")
            .replace("type = map(object({ network_policy = optional(string) }))",
                     "type = map(object({ network_policy = optional(string), plugin = string }))"))
    (tmp_path / "main.tf").write_text(main)
    (tmp_path / "terraform.tfvars").write_text('clusters = {\n  blue  = { plugin = "azure" }\n  green = { plugin = "kubenet" }\n}\n')
    document = _run(tmp_path)
    blue = next(c for c in document["clusters"] if c["instance"] == "blue")
    assert blue["fix"]["risk"] == "manual" and blue["fix"]["blocker"] == "shared-value"
    assert 'other instances of its for_each read too (terraform.tfvars: each.key = "green")' in blue["fix"]["summary"]


def test_each_instance_reads_its_own_state_instance(tmp_path):
    """A committed terraform.tfstate with two instances that run different plugins: each view takes
    the one with its own index_key (before, instances read no state at all)."""
    case = Path(__file__).parent / "fixtures" / "terraform" / "for-each-state-instances" / "input"
    shutil.copytree(case, tmp_path, dirs_exist_ok=True)
    state = json.loads((tmp_path / "terraform.tfstate").read_text())
    prod = state["resources"][0]["instances"][1]
    assert prod["index_key"] == "prod"
    prod["attributes"]["network_profile"][0].update(network_plugin="kubenet", network_plugin_mode=None)
    (tmp_path / "terraform.tfstate").write_text(json.dumps(state))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["scan", "--format", "json", str(tmp_path)])
    live = {c["instance"]: c["live"]["plugin"] for c in json.loads(out.getvalue())["clusters"]}
    assert live == {"dev": "azure", "prod": "kubenet"}


def test_instance_labels_of_for_each_and_count_strip_back_to_their_environment():
    from fixer.formats.terraform.resolve import instance_base, instance_label

    assert instance_label("dev.tfvars", "prod") == 'dev.tfvars: each.key = "prod"'
    assert instance_label("dev.tfvars", "0", counted=True) == "dev.tfvars: count.index = 0"
    assert instance_base(instance_label("dev.tfvars", "0", counted=True)) == "dev.tfvars"
    assert instance_base(instance_label("live: module.aks", "1", counted=True)) == "live: module.aks"
