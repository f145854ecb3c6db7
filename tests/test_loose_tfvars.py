"""tfvars files outside any module (`tfvars/prod/prod.tfvars`, `environments/dev/terraform.tfvars`),
passed to a root with `-var-file`: environments of the root that declares every variable they set
(formats/terraform/workspace.py). Unseen, they were deployments akfix planned past."""

from __future__ import annotations

import json
from pathlib import Path

from fixer.cli import main
from fixer.formats.terraform.workspace import tfvars_names

# the golden case's root module (fixtures/terraform/tfvars-outside-module-environment): network_policy
# defaults to "azure", location has no default
ROOT = (Path(__file__).parent / "fixtures/terraform/tfvars-outside-module-environment/input/infra/main.tf").read_text()


def _scan(tmp_path, capsys, *extra) -> list[tuple[str | None, str, str | None]]:
    capsys.readouterr()
    main(["scan", "--no-config", "--format", "json", "--azurerm-version", "4.60.0", *extra, str(tmp_path)])
    document = json.loads(capsys.readouterr().out)
    return sorted(((c.get("environment") or ""), c["status"], c.get("policy")) for c in document["clusters"])


def _tree(tmp_path, files: dict[str, str]):
    for relpath, text in {"infra/main.tf": ROOT, **files}.items():
        path = tmp_path / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_names_a_tfvars_file_sets():
    assert tfvars_names("a.tfvars", b'x = 1\ny = { a = "b" }\n') == {"x", "y"}
    assert tfvars_names("a.tfvars.json", b'{"x": 1, "z": null}') == {"x", "z"}
    assert tfvars_names("a.tfvars.json", b"[1, 2]") == frozenset() and tfvars_names("a.tfvars.json", b"{nope") == frozenset()


def test_a_loose_tfvars_setting_only_declared_variables_is_an_environment(tmp_path, capsys):
    _tree(tmp_path, {"tfvars/prod/prod.tfvars": 'location = "westeurope"\nnetwork_policy = "none"\n',
                     "tfvars/dev/terraform.tfvars.json": '{"network_policy": "calico", "location": "x"}'})
    assert _scan(tmp_path, capsys) == [
        ("", "compliant", "azure"),  # a run without -var-file: the default
        ("tfvars/dev/terraform.tfvars.json", "compliant", "calico"),  # not auto-loaded from there: an environment
        ("tfvars/prod/prod.tfvars", "none", None),  # was reported compliant (azure) before
    ]


def test_a_file_setting_a_variable_the_root_does_not_declare_is_another_root_s(tmp_path, capsys):
    _tree(tmp_path, {"tfvars/prod.tfvars": 'network_policy = "none"\nvnet_name = "hub"\n'})
    assert _scan(tmp_path, capsys) == [("", "compliant", "azure")]


def test_tfvars_beside_tf_files_or_a_terragrunt_configuration_are_not_loose(tmp_path, capsys):
    _tree(tmp_path, {"other/main.tf": 'variable "network_policy" {}\n', "other/prod.tfvars": 'network_policy = "none"\n',
                     "live/terragrunt.hcl": 'terraform {\n  source = "../elsewhere"\n}\n',
                     "live/extra.tfvars": 'network_policy = "none"\n'})
    assert _scan(tmp_path, capsys) == [("", "compliant", "azure")]


def test_a_fix_that_would_reach_a_loose_environment_is_held_to_the_same_guard(tmp_path, capsys):
    """The default (none) wants cilium and the data plane in the block, which prod's calico reads
    too: before, prod was invisible and would have been given a Cilium data plane beside calico."""
    _tree(tmp_path, {"tfvars/prod/prod.tfvars": 'location = "westeurope"\nnetwork_policy = "calico"\n'})
    (tmp_path / "infra/main.tf").write_text(ROOT.replace('default = "azure"', 'default = "none"'))
    before = (tmp_path / "infra/main.tf").read_text()
    assert main(["apply", "--no-config", "--no-bases", "--azurerm-version", "4.60.0", str(tmp_path)]) == 1
    assert (tmp_path / "infra/main.tf").read_text() == before
    assert "other environments read too (tfvars/prod/prod.tfvars)" in capsys.readouterr().err
