"""The kubenet migration for azapi clusters: the locator reads what the migration checks and akfix's
mark (a `#` comment line first in the body's networkProfile object), phase 1 writes it and phase 2
removes it, and profiles that cannot carry it are refused saying why (golden cases:
tests/fixtures/terraform/azapi-kubenet-migrate-*)."""

from __future__ import annotations

import hcl2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixer.edit.edits import apply_edits
from fixer.formats.terraform.editor import EditFailure, migration_marker_edits
from fixer.formats.terraform.locate import locate
from fixer.model import Cluster, Risk
from fixer.plan import planner
from fixer.plan.migration import plan_phase_one
from fixer.versions import UNKNOWN

CONTEXT = planner.PlanContext(engine="cilium", versions=UNKNOWN, migrate_kubenet=True)
ADDRESS = "azapi_resource.aks"


def _azapi(network: str, identity: str = "UserAssigned", version: str = "1.29.4", api: str = "2024-05-01",
           wrap: tuple[str, str] = ("{", "}")) -> bytes:
    return f"""resource "azapi_resource" "aks" {{
  type = "Microsoft.ContainerService/managedClusters@{api}"
  name = "aks-azapi"

  identity {{
    type = "{identity}"
  }}

  body = {wrap[0]}
    properties = {{
      kubernetesVersion = "{version}"
      networkProfile = {{
{network}
      }}
    }}
  {wrap[1]}
}}
""".encode()


def _plan(data: bytes):
    [decl] = locate(data, "main.tf").clusters
    cluster = Cluster("main.tf", decl.line, "terraform", decl.address, decl.profile, api_version=decl.api_version)
    return decl, planner.plan(cluster, CONTEXT)


def _mark(data: bytes, remove: bool = False) -> bytes:
    return apply_edits(data, migration_marker_edits(data, ADDRESS, b"\n", remove=remove))


def test_locator_reads_what_the_migration_checks():
    decl, _ = _plan(_azapi('        # akfix:phase-1 by akfix\n        networkPlugin = "azure"', identity="SystemAssigned"))
    assert decl.profile.kubernetes_version.literal == "1.29.4"
    assert decl.profile.identity_type.literal == "SystemAssigned"
    assert decl.profile.migration_pending


def test_mark_outside_the_network_profile_does_not_count():
    data = _azapi('        networkPlugin = "azure"').replace(b"  body = {", b"  # akfix:phase-1 elsewhere\n  body = {")
    decl, _ = _plan(data)
    assert not decl.profile.migration_pending


def test_phase_one_writes_overlay_alone_with_no_floor():
    _, fix = _plan(_azapi('        networkPlugin = "kubenet"', api="2022-09-01"))
    assert fix.phase == 1 and fix.engine is None and fix.risk is Risk.DISRUPTIVE and fix.floor is None
    assert {c.attribute: c.value for c in fix.changes} == {"networkPlugin": "azure", "networkPluginMode": "overlay",
                                                           "apiVersion": "2023-02-01"}


def test_system_assigned_identity_is_refused():
    _, fix = _plan(_azapi('        networkPlugin = "kubenet"', identity="SystemAssigned"))
    assert fix.risk is Risk.MANUAL and fix.blocker == "identity" and not fix.changes


def test_one_line_network_profile_is_refused_saying_why():
    data = _azapi("").replace(b"networkProfile = {\n\n      }", b'networkProfile = { networkPlugin = "kubenet" }')
    _, fix = _plan(data)
    assert fix.risk is Risk.MANUAL and not fix.changes and "written on one line" in fix.hint
    with pytest.raises(EditFailure, match="multi-line networkProfile"):
        _mark(data)


def test_no_network_profile_is_refused_saying_why():
    data = _azapi("").replace(b"      networkProfile = {\n\n      }\n", b"")
    [decl] = locate(data, "main.tf").clusters
    cluster = Cluster("main.tf", 1, "terraform", decl.address, decl.profile, api_version=decl.api_version)
    fix = plan_phase_one(cluster, "", "cilium", CONTEXT)  # reached with live facts saying kubenet
    assert fix.risk is Risk.MANUAL and "no networkProfile object" in fix.hint


def test_mark_inside_jsonencode_is_a_comment_hcl_drops():
    """azapi 1.x `body = jsonencode({...})`: the object is HCL, so the comment never reaches the JSON."""
    data = _azapi('        networkPlugin = "azure"', wrap=("jsonencode({", "})"))
    marked = _mark(data)
    assert _plan(marked)[0].profile.migration_pending
    body = hcl2.loads(marked.decode())["resource"][0]['"azapi_resource"']['"aks"']["body"]
    assert "akfix" not in body and "networkPlugin" in body
    assert _mark(marked, remove=True) == data


def test_trailing_mark_removed_and_code_kept():
    removed = _mark(_azapi('        networkPlugin = "azure" # akfix:phase-1 by hand'), remove=True)
    assert b'        networkPlugin = "azure"\n      }' in removed and b"akfix" not in removed


@settings(max_examples=60, deadline=None)
@given(
    unit=st.sampled_from(["  ", "    ", "\t"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    entries=st.lists(st.sampled_from(['networkPlugin = "kubenet"', 'podCidr = "10.244.0.0/16"', "# a note of the team",
                                      'outboundType = "loadBalancer" # why']), min_size=1, max_size=4),
)
def test_mark_written_then_removed_gives_the_file_back(unit, newline, entries):
    """Phase 1's mark is the profile's first line, read back as pending; phase 2's removal restores
    the bytes exactly."""
    lines = ['resource "azapi_resource" "aks" {', f'{unit}type = "Microsoft.ContainerService/managedClusters@2024-05-01"',
             f"{unit}body = {{", f"{unit * 2}properties = {{", f"{unit * 3}networkProfile = {{", *(unit * 4 + e for e in entries),
             f"{unit * 3}}}", f"{unit * 2}}}", f"{unit}}}", "}", ""]
    data = newline.join(lines).encode()
    marked = apply_edits(data, migration_marker_edits(data, ADDRESS, newline.encode(), remove=False))
    [decl] = locate(marked, "main.tf").clusters
    assert decl.profile.migration_pending
    assert marked.split(newline.encode())[5].startswith((unit * 4 + "# akfix:phase-1").encode())
    assert apply_edits(marked, migration_marker_edits(marked, ADDRESS, newline.encode(), remove=True)) == data
