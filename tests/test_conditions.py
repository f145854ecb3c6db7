"""Conditions decided per environment (formats/terraform/values.py `_condition`): `!`, `&&`, `||`,
`x != null` with x an object in one run and null in another, a for_each instance's condition
decided only in the environment that lists it -- and a dynamic network_profile read run by run
(`rendered`): one block where the condition holds, none where it does not."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from reporting import run

from fixer.formats.terraform import hcl
from fixer.formats.terraform.values import Each, ModuleScope

VARIABLES = b'''variable "flag" {
  type    = bool
  default = true
}

variable "plugin" {
  type    = string
  default = "azure"
}

variable "profile" {
  type    = any
  default = null
}

variable "clusters" {
  type = any
}
'''


def _scope(extra: dict[str, bytes] | None = None) -> ModuleScope:
    return ModuleScope.build("m", {"m/variables.tf": VARIABLES, **(extra or {})})


def _expression(scope: ModuleScope, text: str):
    """`text` parsed as the value of an attribute in a file of the scope's module."""
    body = f"probe = {text}\n".encode()
    source = type(next(iter(scope.sources.values())))("m/probe.tf", body, hcl.parse(body).root_node)
    scope.sources["m/probe.tf"] = source
    return hcl.expression_of(hcl.attribute(hcl.body_of(source.root), "probe"))


def _condition(scope: ModuleScope, text: str):
    return scope._condition(_expression(scope, text), "m/probe.tf", 0)


@pytest.mark.parametrize("condition, expected", [
    ('var.plugin == "azure" || var.nothing == "x"', True),  # one side settles ||, the other need not be known
    ('var.plugin == "kubenet" && var.nothing == "x"', False),  # ... and &&
    ('var.plugin == "kubenet" || var.nothing == "x"', None),  # here it does not
    ('!var.flag', False),
    ('!(var.plugin == "azure")', False),
    ('var.flag && var.plugin != "kubenet"', True),
    ('(var.plugin == "kubenet" || var.flag) && !(var.plugin == "none")', True),
    ("var.profile == null", True),
    ("var.profile != null", False),
])
def test_a_condition_is_decided_with_not_and_or(condition, expected):
    found = _condition(_scope(), condition)
    assert (found if found is None else found[None]) == expected


def test_an_object_in_one_run_and_null_in_another_is_decided_per_run():
    scope = _scope({"m/dev.tfvars": b'profile = { network_plugin = "azure" }\n', "m/prod.tfvars": b"profile = null\n"})
    assert _condition(scope, "var.profile != null") == {None: False, "m/dev.tfvars": True, "m/prod.tfvars": False}
    assert _condition(scope, "var.profile == null || var.flag") == {None: True, "m/dev.tfvars": True, "m/prod.tfvars": True}
    assert _condition(scope, "var.profile != null && var.flag") == {None: False, "m/dev.tfvars": True, "m/prod.tfvars": False}


def test_a_string_is_never_taken_for_an_object():
    """Only an object or list written out is known not to be null; an unread expression is not."""
    scope = _scope({"m/dev.tfvars": b"profile = local.somewhere\n"})
    assert _condition(scope, "var.profile != null") is None


INSTANCES = {"m/dev.tfvars": b'clusters = {\n  dev = { profile = { network_plugin = "azure" } }\n}\n',
             "m/prod.tfvars": b"clusters = {\n  prod = { profile = null }\n}\n"}


def _instance(scope: ModuleScope, key: str) -> ModuleScope:
    """The scope bound to the for_each instance `key` of var.clusters, as resolve.py binds it."""
    collection = _expression(scope, "var.clusters")
    [(_, each)] = [(i, e) for i, e in scope.instances(collection, "m/probe.tf") if e.key == key]
    return replace(scope, each=each)


def test_an_instance_condition_is_decided_where_the_instance_is_listed():
    """dev is listed by dev.tfvars alone: prod.tfvars, which has no dev, does not leave it undecided."""
    scope = _scope(INSTANCES)
    assert _condition(_instance(scope, "dev"), "each.value.profile != null") == {"m/dev.tfvars": True}
    assert _condition(_instance(scope, "prod"), "each.value.profile != null") == {"m/prod.tfvars": False}
    unbound = replace(scope, each=Each("dev", _expression(scope, "var.clusters"), "m/probe.tf"))
    assert _condition(unbound, "each.value.profile != null") is None  # listed everywhere: prod cannot say


def test_a_dynamic_block_renders_one_block_in_one_run_and_none_in_another():
    scope = _scope({"m/dev.tfvars": b'profile = { network_plugin = "azure" }\n', "m/prod.tfvars": b"profile = null\n"})
    rendered = scope.rendered(_expression(scope, "var.profile != null ? [var.profile] : []"), "m/probe.tf")
    assert rendered["m/prod.tfvars"] is None and rendered[None] is None
    assert rendered["m/dev.tfvars"].index == "0"
    assert isinstance(scope.sole_element(_expression(scope, "var.profile != null ? [var.profile] : []"), "m/probe.tf"), str)


@pytest.mark.parametrize("for_each", ["var.flag ? [1, 2] : []", "var.unknown_thing ? [var.profile] : []"])
def test_a_dynamic_block_that_renders_several_or_cannot_be_told_stays_a_person_s(for_each):
    scope = _scope()
    assert isinstance(scope.rendered(_expression(scope, for_each), "m/probe.tf"), str)


def test_a_list_that_is_empty_in_one_run_and_one_element_in_another_is_read_run_by_run():
    """`for_each = var.profiles`: [] by default, one object in dev.tfvars -- a block in dev, none otherwise."""
    scope = _scope({"m/p.tf": b'variable "profiles" {\n  default = []\n}\n', "m/dev.tfvars": b'profiles = [{ network_plugin = "azure" }]\n'})
    rendered = scope.rendered(_expression(scope, "var.profiles"), "m/probe.tf")
    assert rendered[None] is None and rendered["m/dev.tfvars"].index == "0"
    two = _scope({"m/p.tf": b'variable "profiles" {\n  default = [{}, {}]\n}\n'})
    assert isinstance(two.rendered(_expression(two, "var.profiles"), "m/probe.tf"), str)


FIXTURE = Path(__file__).parent / "fixtures" / "terraform" / "dynamic-profile-per-environment" / "input"


def test_a_run_without_a_block_is_reported_missing_and_grouped_with_what_unlocks_it(tmp_path):
    """prod.tfvars gives its instance a null profile: that view runs no engine (missing, not
    unresolved), stays a person's, and the summary's group says what to do."""
    shutil.copytree(FIXTURE, tmp_path / "repo")
    document = json.loads(run("scan", "--format", "json", str(tmp_path / "repo"))[1])
    [prod] = [c for c in document["clusters"] if c["instance"] == "prod"]
    assert prod["status"] == "missing" and prod["fix"]["blocker"] == "no-block-in-run"
    assert "renders no network_profile block in this run" in prod["fix"]["summary"]
    [group] = [g for g in document["remaining"] if g["blocker"] == "no-block-in-run"]
    assert group["count"] == 1 and "network_policy" in group["unlock"]
