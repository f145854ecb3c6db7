"""A plugin read from a template input's default whose allowed list offers other plugins is undecided
over that list (put_names.offered_plugin): a deployment may pass kubenet, so cilium is not written."""

from pathlib import Path

from fixer.formats.arm.template import locate_arm
from fixer.formats.bicep.template import locate_bicep
from fixer.formats.put_names import offered_plugin
from fixer.model import Validation, Value, ValueKind

FIXTURES = Path(__file__).parent / "fixtures"


def test_default_with_other_allowed_values_becomes_its_domain():
    default = Value(ValueKind.LITERAL, "azure", 6, via="param networkPlugin default",
                    validations=(Validation("main.bicep", 0, ("azure", "kubenet"), 2),))
    found = offered_plugin(default)
    assert found.kind is ValueKind.EXPRESSION
    assert found.domain == ("azure", "kubenet")
    assert "allows azure, kubenet (default 'azure')" in found.note


def test_default_whose_list_offers_nothing_else_stays_literal():
    only = Value(ValueKind.LITERAL, "azure", 6, via="param networkPlugin default", validations=(Validation("main.bicep", 0, ("Azure",), 2),))
    assert offered_plugin(only) is only
    from_file = Value(ValueKind.LITERAL, "azure", 2, via="prod.bicepparam param networkPlugin",
                      validations=(Validation("main.bicep", 0, ("azure", "kubenet"), 2),))
    assert offered_plugin(from_file) is from_file  # a deployment's own file says which one


def test_bicep_template_alone_offers_kubenet_but_its_parameters_file_decides():
    case = FIXTURES / "bicep" / "plugin-param-default-offers-kubenet-bicepparam" / "input"
    data = (case / "main.bicep").read_bytes()
    (alone,) = locate_bicep(data, "main.bicep", [])
    assert alone.profile.plugin.domain == ("azure", "kubenet")
    views = locate_bicep(data, "main.bicep", [("prod.bicepparam", (case / "prod.bicepparam").read_bytes())])
    assert [v.profile.plugin.literal for v in views] == ["azure"]


def test_arm_allowed_values_beside_a_default():
    case = FIXTURES / "arm" / "arm-plugin-parameter-default-offers-kubenet" / "input" / "azuredeploy.json"
    (cluster,) = locate_arm(case.read_bytes(), "azuredeploy.json", [])
    assert cluster.profile.plugin.kind is ValueKind.EXPRESSION
    assert cluster.profile.plugin.domain == ("azure", "kubenet")
