"""The kubenet migration (--migrate-kubenet) for Bicep: the preconditions it checks from the
template, the formats it refuses and why, and the phase-1 mark the Bicep editor writes and removes
(golden cases: tests/fixtures/bicep/kubenet-migrate-*); end to end for every PUT format (Bicep,
ARM JSON, azapi: their own marks in test_migration_arm.py and test_migration_azapi.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixer.edit.edits import apply_edits
from fixer.formats.bicep.template import locate_bicep, migration_marker_edits
from fixer.model import Risk
from fixer.plan import planner
from fixer.versions import UNKNOWN

CONTEXT = planner.PlanContext(engine="cilium", versions=UNKNOWN, migrate_kubenet=True)


def _bicep(network: str, identity: str = "UserAssigned", version: str = "1.29.4", api: str = "2024-05-01") -> bytes:
    return f"""resource aks 'Microsoft.ContainerService/managedClusters@{api}' = {{
  name: 'aks-demo'
  identity: {{
    type: '{identity}'
  }}
  properties: {{
    kubernetesVersion: '{version}'
    networkProfile: {{
{network}
    }}
  }}
}}
""".encode()


def _plan(data: bytes):
    [cluster] = locate_bicep(data, "main.bicep", [])
    return cluster, planner.plan(cluster, CONTEXT)


def test_bicep_locator_reads_what_the_migration_checks():
    cluster, _ = _plan(_bicep("      // akfix:phase-1 kubenet -> Azure CNI Overlay\n      networkPlugin: 'azure'", identity="SystemAssigned"))
    assert cluster.profile.kubernetes_version.literal == "1.29.4"
    assert cluster.profile.identity_type.literal == "SystemAssigned"
    assert cluster.profile.migration_pending


def test_bicep_mark_outside_the_network_profile_does_not_count():
    data = _bicep("      networkPlugin: 'azure'").replace(b"  properties: {", b"  // akfix:phase-1 elsewhere\n  properties: {")
    cluster, _ = _plan(data)
    assert not cluster.profile.migration_pending


def test_bicep_phase_one_writes_overlay_alone():
    _, fix = _plan(_bicep("      networkPlugin: 'kubenet'"))
    assert fix.phase == 1 and fix.engine is None and fix.risk is Risk.DISRUPTIVE
    assert {c.attribute: c.value for c in fix.changes} == {"networkPlugin": "azure", "networkPluginMode": "overlay"}


def test_bicep_kubenet_with_calico_is_refused():
    [cluster] = locate_bicep(_bicep("      networkPlugin: 'kubenet'\n      networkPolicy: 'calico'"), "main.bicep", [])
    fix = planner.plan(cluster, planner.PlanContext(engine="cilium", versions=UNKNOWN, migrate_kubenet=True, switch_engines=True))
    assert fix.risk is Risk.MANUAL and "calico" in fix.summary and not fix.changes


def test_bicep_kubernetes_older_than_1_27_is_refused():
    _, fix = _plan(_bicep("      networkPlugin: 'kubenet'", version="1.26.10"))
    assert fix.risk is Risk.MANUAL and fix.blocker == "kubernetes-version"


def test_bicep_expression_api_version_is_refused():
    data = _bicep("      networkPlugin: 'kubenet'").replace(b"@2024-05-01'", b"@${apiVersion}'")
    _, fix = _plan(b"param apiVersion string\n" + data)
    assert fix.risk is Risk.MANUAL and fix.blocker == "expression"


def test_trailing_mark_removed_and_code_kept():
    data = _bicep("      networkPlugin: 'azure' // akfix:phase-1 by hand")
    [edit] = migration_marker_edits(data, "aks", b"\n", remove=True)
    after = apply_edits(data, [edit])
    assert b"      networkPlugin: 'azure'\n" in after and b"akfix" not in after


def test_one_line_profile_cannot_carry_the_mark():
    data = _bicep("").replace(b"networkProfile: {\n\n    }", b"networkProfile: { networkPlugin: 'kubenet' }")
    try:
        migration_marker_edits(data, "aks", b"\n", remove=False)
    except ValueError as exc:
        assert "multi-line networkProfile" in str(exc)
    else:
        raise AssertionError("a one-line networkProfile got a mark")


@settings(max_examples=60, deadline=None)
@given(
    unit=st.sampled_from(["  ", "    ", "\t"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    entries=st.lists(st.sampled_from(["networkPlugin: 'kubenet'", "podCidr: '10.244.0.0/16'", "outboundType: 'loadBalancer'",
                                      "// a note of the team"]), min_size=1, max_size=4),
)
def test_mark_written_then_removed_gives_the_file_back(unit, newline, entries):
    """Phase 1's mark is read back as pending, and phase 2's removal restores the bytes exactly."""
    lines = ["resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {", f"{unit}properties: {{",
             f"{unit * 2}networkProfile: {{", *(unit * 3 + e for e in entries), f"{unit * 2}}}", f"{unit}}}", "}", ""]
    data = newline.join(lines).encode()
    marked = apply_edits(data, migration_marker_edits(data, "aks", newline.encode(), remove=False))
    [cluster] = locate_bicep(marked, "main.bicep", [])
    assert cluster.profile.migration_pending
    assert marked.count(b"\n") == data.count(b"\n") + 1 and marked.count(b"\r\n") == data.count(b"\r\n") + (newline == "\r\n")
    mark_line = marked.split(newline.encode())[3]
    assert mark_line.startswith((unit * 3 + "// akfix:phase-1").encode())
    assert apply_edits(marked, migration_marker_edits(marked, "aks", newline.encode(), remove=True)) == data


@pytest.mark.parametrize("case, name, engine", [
    ("bicep/kubenet-migrate-phase1", "main.bicep", ("networkPolicy: 'cilium'", "networkDataplane: 'cilium'")),
    ("arm/kubenet-migrate-phase1", "azuredeploy.json", ('"networkPolicy": "cilium"', '"networkDataplane": "cilium"')),
    ("terraform/azapi-kubenet-migrate-phase1", "main.tf", ('networkPolicy     = "cilium"', 'networkDataplane  = "cilium"')),
    ("python/kubenet-migrate-phase1-dict", "__main__.py", ('"network_policy": "cilium"', '"network_dataplane": "cilium"')),
])
def test_cli_phase_one_then_a_second_run_changes_nothing_until_the_mark_goes(tmp_path, case, name, engine):
    """End to end, per PUT format (Pulumi azure-native too): phase 1 written, the second run writes nothing (the mark keeps the
    engine waiting), and once the mark's line is deleted the third run writes the engine alone."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    repo = tmp_path / "repo"
    shutil.copytree(Path(__file__).parent / "fixtures" / case / "input", repo)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "fixer", "apply", str(repo), "--no-bases", "--migrate-kubenet", *args],
                              capture_output=True, text=True, timeout=120)

    first = run()
    assert first.returncode == 1 and "phase 1 of 2" in first.stdout + first.stderr
    after_phase_one = (repo / name).read_bytes()
    assert b"akfix:phase-1" in after_phase_one and b"networkPolicy" not in after_phase_one
    second = run()
    assert second.returncode == 1 and "phase 2) waits" in second.stdout + second.stderr
    assert (repo / name).read_bytes() == after_phase_one
    (repo / name).write_bytes(b"".join(line for line in after_phase_one.splitlines(keepends=True) if b"akfix:phase-1" not in line))
    third = run()
    assert third.returncode == 0
    final = (repo / name).read_text()
    assert all(setting in final for setting in engine) and "akfix" not in final
