"""Provider floors (issue 16): raising an azurerm constraint's lower bound so a fix holds for every
version it still admits. The rules: only versions below the floor go; an upper bound is never
raised, removed or crossed; an added constraint pins the major the code is written for."""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fixer.edit.edits import apply_edits
from fixer.formats.terraform.constraints import find_site, floor_edits, new_constraint, raise_floor
from fixer.formats.terraform.readback import check_readback
from fixer.formats.terraform.versions import required_azurerm
from fixer.plan.floors import floor_refused
from fixer.versions import NEWEST, VersionRange, parse_constraint

versions = st.tuples(st.integers(2, 5), st.integers(0, 120), st.integers(0, 3))


def _written(version, parts: int) -> str:
    return ".".join(str(p) for p in version[:parts])


clauses = st.one_of(
    st.tuples(st.sampled_from([">=", ">", "<", "<=", "!="]), versions, st.integers(1, 3)).map(lambda t: f"{t[0]} {_written(t[1], t[2])}"),
    st.tuples(versions, st.integers(2, 3)).map(lambda t: f"~> {_written(t[0], t[1])}"),
)
constraints = st.lists(clauses, min_size=1, max_size=3).map(", ".join)
floors = st.tuples(st.integers(2, 5), st.integers(0, 120), st.just(0))


@given(constraints, floors)
def test_a_raised_constraint_admits_exactly_the_old_range_from_the_floor_on(constraint, floor):
    old = parse_constraint(constraint, "")
    raised = raise_floor(constraint, floor)
    if raised is None:
        assert old is None or old.empty or floor >= old.high  # refused only where no floor fits
        return
    new = parse_constraint(raised, "")
    assert (new.low, new.high) == (max(old.low, floor), old.high)  # the upper bound never moves
    assert raise_floor(raised, floor) == raised  # a second run changes nothing


@pytest.mark.parametrize("constraint, floor, expected", [
    ("~> 3.0", (3, 75, 0), "~> 3.75"),  # pessimistic stays pessimistic
    ("~> 4.0", (4, 58, 0), "~> 4.58"),
    (">= 3.0", (3, 108, 0), ">= 3.108.0"),
    (">= 3.0, < 4.0", (3, 75, 0), ">= 3.75.0, < 4.0"),
    ("< 4.0", (3, 75, 0), ">= 3.75.0, < 4.0"),
    (">= 2.0, != 3.5.0, != 3.80.0, < 4.0", (3, 75, 0), ">= 3.75.0, != 3.80.0, < 4.0"),
    ("~> 3.90", (3, 75, 0), "~> 3.90"),  # already above the floor
    ("~> 3.1.2", (3, 75, 0), None),  # the floor lies past the upper bound: never crossed
    (">= 3.0, < 4.0", (4, 58, 0), None),
    ("3.50.0", (3, 75, 0), None),  # exact versions are never raised
])
def test_raise_floor_examples(constraint, floor, expected):
    assert raise_floor(constraint, floor) == expected


FILES = {
    "value": b'terraform {\n  required_providers {\n    azurerm = {\n      source  = "hashicorp/azurerm"\n      version = "~> 3.0"\n    }\n  }\n}\n',
    "object": b'terraform {\n  required_providers {\n    azurerm = {\n      source = "hashicorp/azurerm"\n    }\n  }\n}\n',
    "entry": b'terraform {\n  required_version = ">= 1.3"\n  required_providers {\n    azapi = {\n      source  = "azure/azapi"\n      version = "~> 2.0"\n    }\n  }\n}\n',
    "block": b'resource "azurerm_resource_group" "rg" {\n  name     = "rg"\n  location = "westeurope"\n}\n',
    "string": b'terraform {\n  required_providers {\n    azurerm = "~> 3.0"\n  }\n}\n',
}


@pytest.mark.parametrize("kind", sorted(FILES))
@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_every_kind_of_site_gets_a_floor_that_reads_back(kind, newline, terraform_bin):
    body = FILES[kind].replace(b"\n", newline)
    site = find_site({"versions.tf": body}, "versions.tf")
    constraint = new_constraint(site, (3, 75, 0))
    after = apply_edits(body, floor_edits(body, site, constraint, newline))
    assert required_azurerm(after, "versions.tf").low == (3, 75, 0)
    assert required_azurerm(after, "versions.tf").high == (4, 0, 0)  # ~> 3.0 kept, or ~> 3.75 added
    check_readback(after.decode(), [])  # python-hcl2 reads the whole file
    assert after.count(b"\r\n") == (after.count(b"\n") if newline == b"\r\n" else 0)  # one newline style
    lf = after.replace(b"\r\n", b"\n")
    formatted = subprocess.run([terraform_bin, "fmt", "-"], input=lf, capture_output=True, env={"TF_CLI_CONFIG_FILE": "/dev/null"}).stdout
    assert formatted == lf  # terraform fmt clean


_ENTRIES = {
    "azapi": '    azapi = {\n      source  = "azure/azapi"\n      version = "~> 2.0"\n    }\n',
    "random": '    random = {\n      source = "hashicorp/random"\n    }\n',
}
_AZURERM = {
    "object-version": '    azurerm = {\n      source  = "hashicorp/azurerm"\n      version = "{c}"\n    }\n',
    "object-version-comment": '    azurerm = {\n      source  = "hashicorp/azurerm" # pinned by platform\n      version = "{c}" # see ADR-7\n    }\n',
    "object-no-version": '    azurerm = {\n      source = "hashicorp/azurerm"\n    }\n',
    "string": '    azurerm = "{c}"\n',
    "absent": "",
}


@given(
    st.sampled_from(sorted(_AZURERM)),
    st.lists(st.sampled_from(sorted(_ENTRIES)), unique=True),
    st.sampled_from(["~> 3.0", ">= 3.0, < 4.0", "< 4.0", ">= 3.10"]),
    st.booleans(),
    st.booleans(),
    st.sampled_from([(4, 0, 0), NEWEST]),
)
def test_a_floor_edit_keeps_every_other_byte_and_reads_back(azurerm, others, constraint, crlf, lead_comment, code_high):
    block = "".join([_AZURERM[azurerm].replace("{c}", constraint)] + [_ENTRIES[o] for o in others])
    if not block:
        return
    text = ("# providers\n" if lead_comment else "") + 'terraform {\n  required_version = ">= 1.5"\n  required_providers {\n' + block + "  }\n}\n"
    newline = b"\r\n" if crlf else b"\n"
    body = text.encode().replace(b"\n", newline)
    site = find_site({"versions.tf": body}, "versions.tf")
    constraint_after = new_constraint(site, (3, 75, 0), code_high)
    after = apply_edits(body, floor_edits(body, site, constraint_after, newline))
    check_readback(after.decode(), [])  # python-hcl2 reads it
    read = required_azurerm(after, "versions.tf")
    raised = azurerm in ("object-version", "object-version-comment", "string")
    # A raised bound keeps its upper end; an added one pins 3.x where the code is written for 3.x,
    # and stays open where the code admits later majors too.
    expected_high = parse_constraint(constraint, "").high if raised else code_high
    assert read is not None and (read.low, read.high) == ((3, 75, 0), expected_high)
    assert (b"\r\n" in after) == crlf and after.count(b"\n") - after.count(b"\r\n") == (0 if crlf else after.count(b"\n"))
    for other in others:  # the other providers are untouched
        assert _ENTRIES[other].replace("\n", newline.decode()).encode() in after
    assert b"# see ADR-7" in after or azurerm != "object-version-comment"  # comments survive


@pytest.mark.parametrize("versions, floor, refused", [
    (VersionRange((4, 57, 0), NEWEST, "code"), (4, 58, 0), None),  # the lowest major the code admits: no major crossed
    (VersionRange((4, 0, 0), (5, 0, 0), "code"), (4, 58, 0), None),
    (VersionRange((2, 0, 0), (5, 0, 0), "code"), (4, 58, 0), "does not show which major"),
    (VersionRange((3, 0, 0), NEWEST, "code"), (4, 58, 0), "does not show which major"),
    (VersionRange((3, 62, 0), (5, 0, 0), "code"), (3, 108, 0), "does not show which major"),  # 3.x or 4.x: undecided
])
def test_an_added_floor_stays_in_the_lowest_major_the_code_admits(versions, floor, refused):
    why = floor_refused(floor, versions, "add")
    assert (why is None) if refused is None else (refused in why)


def test_a_raised_floor_never_crosses_the_stated_major():
    why = floor_refused((4, 58, 0), VersionRange((3, 0, 0), NEWEST, "versions.tf"), "raise")
    assert why is not None and "another major than the 3.x" in why


def test_greenfield_may_cross_the_major_a_range_starts_in_and_keeps_its_cap():
    from fixer.formats.terraform.constraints import floor_constraint
    from fixer.versions import VersionRange

    code = VersionRange((2, 0, 0), (5, 0, 0), "attributes used in the code")
    assert floor_refused((3, 108, 0), code, "add") is not None  # a live cluster: never across a major
    assert floor_refused((3, 108, 0), code, "add", greenfield=True) is None  # nothing deployed: no state to upgrade
    assert floor_constraint((3, 108, 0), (5, 0, 0)) == ">= 3.108.0, < 5.0.0"  # spans 3.x and 4.x, the code's cap kept
    assert floor_constraint((3, 108, 0), (4, 0, 0)) == "~> 3.108"


def test_a_floor_never_crosses_a_callers_upper_bound_greenfield_included():
    """The range planned may be the module's own (a caller states nothing) while another caller
    pins `~> 4.23.0`: a floor at 4.58 would leave that root no version (`terraform init` fails)."""
    module = VersionRange((4, 0, 0), (5, 0, 0), "attributes used in the code")
    assert floor_refused((4, 58, 0), module, "raise") is None
    for greenfield in (False, True):
        why = floor_refused((4, 58, 0), module, "raise", greenfield=greenfield, ceiling=(4, 24, 0))
        assert why is not None and "stops below 4.24.0" in why
    assert floor_refused((4, 20, 0), module, "raise", ceiling=(4, 24, 0)) is None
