"""Input variables akfix adds to a module (formats/terraform/inputs.py): the declaration edit keeps
every byte before it, parses with an independent parser, and stays `terraform fmt` clean."""

from __future__ import annotations

import hcl2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixer.edit.edits import apply_edits, fmt_unclean
from fixer.formats.terraform.editor import EditFailure
from fixer.formats.terraform.inputs import declaration_edit, declaration_file, declared_variables, input_edits

NAMES = st.sampled_from(["network_plugin_mode", "network_data_plane", "ebpf_data_plane", "network_policy"])
EXISTING = st.lists(st.from_regex(r"[a-z][a-z_]{0,12}", fullmatch=True), max_size=4, unique=True)


def _module(variables: list[str], newline: str, trailing: bool) -> bytes:
    text = newline.join(f'variable "{v}" {{{newline}  type = string{newline}}}{newline}' for v in variables)
    if text and not trailing:
        text = text.rstrip(newline)
    return text.encode()


@settings(max_examples=60, deadline=None)
@given(EXISTING, st.lists(NAMES, min_size=1, max_size=3, unique=True), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_declarations_append_parse_and_keep_the_original(existing, names, newline, trailing):
    names = [n for n in names if n not in existing] or ["network_plugin_mode"]
    existing = [e for e in existing if e not in names]
    body = _module(existing, newline, trailing)
    after = apply_edits(body, [declaration_edit(body, names, newline.encode())])
    assert after.startswith(body)  # nothing before the insertion moves
    parsed = hcl2.loads(after.decode())
    declared = {name.strip('"'): block for entry in parsed.get("variable", []) for name, block in entry.items()}
    assert set(declared) == set(existing) | set(names)
    for name in names:
        assert declared[name]["default"] is None
    if newline == "\n":
        assert b"\r\n" not in after
    else:
        assert after.count(b"\n") == after.count(b"\r\n")


def test_declarations_are_fmt_clean(terraform_bin):
    body = b'variable "network_policy" {\n  type    = string\n  default = null\n}\n'
    after = apply_edits(body, [declaration_edit(body, ["network_data_plane", "network_plugin_mode"], b"\n")])
    assert fmt_unclean([after]) == [False]


def test_the_conventional_file_unless_other_folders_read_it():
    bodies = {"m/variables.tf": b'variable "a" {}\n', "m/main.tf": b'variable "b" {}\nvariable "c" {}\n'}
    declared = declared_variables(bodies)
    assert declaration_file("m", bodies, declared, "m/main.tf", lambda relpath: False) == "m/variables.tf"
    assert declaration_file("m", bodies, declared, "m/main.tf", lambda relpath: relpath == "m/variables.tf") == "m/main.tf"


def test_a_name_the_module_declares_already_is_refused():
    bodies = {"m/variables.tf": b'variable "network_data_plane" {\n  default = "azure"\n}\n'}
    with pytest.raises(EditFailure, match="already declares variable network_data_plane"):
        input_edits("m", bodies, declared_variables(bodies), ["network_data_plane"], "m/main.tf", lambda relpath: False, lambda relpath: b"\n")
