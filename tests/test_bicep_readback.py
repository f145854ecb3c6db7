"""tree-sitter-bicep as the independent read-back of Bicep edits."""

from __future__ import annotations

from pathlib import Path

from fixer.formats.bicep.readback import readback

CASE = Path(__file__).parent / "fixtures" / "bicep" / "no-profile-calico"


def test_new_value_is_seen_and_a_wrong_one_is_caught():
    before = (CASE / "input" / "main.bicep").read_bytes()
    after = (CASE / "expected" / "main.bicep").read_bytes()
    assert readback(before, after, [("aks", {"networkPolicy": "calico"})]) is None
    assert "expected 'cilium'" in readback(before, after, [("aks", {"networkPolicy": "cilium"})])


def test_a_result_that_no_longer_parses_is_caught():
    before = (CASE / "input" / "main.bicep").read_bytes()
    assert readback(before, before.replace(b"properties: {", b"properties: {{"), [("aks", {})]) is not None


def test_module_params_are_read_back():
    case = Path(__file__).parent / "fixtures" / "bicep" / "avm-module-overlay"
    before, after = (case / "input" / "main.bicep").read_bytes(), (case / "expected" / "main.bicep").read_bytes()
    assert readback(before, after, [("module aks", {"networkPolicy": "cilium", "networkDataplane": "cilium"})]) is None
