"""A plugin set by an expression the code bounds (an ARM/Bicep parameter's allowed values, a Terraform
validation list): calico runs on every plugin it allows, so it is planned without knowing which
(plan/planner.py `fits_every_plugin`, formats/decide.py `Decision.values`)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fixer.formats.decide import Unknown, decide
from fixer.model import Value, ValueKind
from fixer.plan.planner import fits_every_plugin

ARM = Path(__file__).parent / "fixtures" / "arm" / "arm-plugin-parameter-allowed-calico" / "input"


def _plugin(bindings: dict) -> object:
    """`parameters('plugin')` with no default: unknown until an input is bound."""
    return bindings.get("plugin") or Unknown("no default", frozenset({"plugin"}))


def test_an_undecided_setting_carries_every_string_its_allowed_inputs_give():
    decision = decide(_plugin, {"plugin": ("Azure", "kubenet")}, policy=False)
    assert (decision.decided, decision.values) == (False, ("azure", "kubenet"))


def test_no_values_where_an_input_is_free():
    decision = decide(_plugin, {"plugin": None}, policy=False)
    assert (decision.decided, decision.values) == (False, ())


@pytest.mark.parametrize("domain, target, fits", [
    (("azure", "kubenet"), "calico", True),
    (("kubenet",), "calico", True),
    (("azure", "kubenet", "none"), "calico", False),  # bring-your-own CNI runs no AKS engine
    (("azure", "kubenet"), "cilium", False),  # cilium needs Azure CNI
    ((), "calico", False),  # nothing known about the values
])
def test_calico_fits_every_plugin_only_where_every_value_runs_it(domain, target, fits):
    plugin = Value(ValueKind.EXPRESSION, "var.network_plugin", 1, domain=domain)
    assert fits_every_plugin(plugin, target) is fits


def test_a_parameter_that_allows_none_is_left_to_a_person(tmp_path):
    tree = tmp_path / "t"
    shutil.copytree(ARM, tree)
    template = tree / "azuredeploy.json"
    data = json.loads(template.read_text())
    data["parameters"]["networkPlugin"]["allowedValues"].append("none")
    template.write_text(json.dumps(data, indent=2) + "\n")
    before = template.read_bytes()
    done = subprocess.run([sys.executable, "-m", "fixer", "apply", "--no-bases", "--engine", "calico", "--format", "json", str(tree)],
                          capture_output=True, text=True)
    [cluster] = json.loads(done.stdout)["clusters"]
    assert (done.returncode, cluster["fix"]["risk"], cluster["fix"]["blocker"]) == (1, "manual", "expression")
    assert template.read_bytes() == before
