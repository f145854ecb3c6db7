"""The kubenet migration for Pulumi azure-native programs: the locator reads what the migration
checks and akfix's mark (a `# akfix:phase-1` line first inside the network_profile dict or args
call), phase 1 writes it and phase 2 removes it, and profiles that cannot carry it are refused
saying why (golden cases: tests/fixtures/python/kubenet-migrate-*)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixer.formats.python import locate
from fixer.formats.python.transform import rewrite
from fixer.model import Cluster, Profile, Risk, Value, ValueKind
from fixer.plan import planner
from fixer.versions import UNKNOWN

CONTEXT = planner.PlanContext(engine="cilium", versions=UNKNOWN, migrate_kubenet=True)


def _program(profile: str, identity: str = 'containerservice.ManagedClusterIdentityArgs(type="UserAssigned")',
             before: str = "") -> str:
    return f"""from pulumi_azure_native import containerservice
{before}
containerservice.ManagedCluster(
    "aks",
    kubernetes_version="1.29.4",
    identity={identity},
    network_profile={profile},
)
"""


def _cluster(source: str):
    parsed = locate.parse("__main__.py", source.encode())
    [(kind, call, _)] = locate.find(parsed).clusters
    return parsed, locate.cluster_of(parsed, kind, call, 0, "ManagedCluster.aks", fills_kubenet=False, api="2024-10-01")


def _plan(source: str):
    return planner.plan(_cluster(source)[1], CONTEXT)


@pytest.mark.parametrize("identity, read", [
    ('containerservice.ManagedClusterIdentityArgs(type="SystemAssigned")', "SystemAssigned"),
    ('{"type": "UserAssigned", "user_assigned_identities": ["id"]}', "UserAssigned"),
    ("containerservice.ManagedClusterIdentityArgs(type=containerservice.ResourceIdentityType.USER_ASSIGNED)", "user_assigned"),
])
def test_locator_reads_what_the_migration_checks(identity, read):
    _, cluster = _cluster(_program('{\n        # akfix:phase-1 by akfix\n        "network_plugin": "azure",\n    }', identity))
    assert cluster.profile.kubernetes_version.literal == "1.29.4"
    assert cluster.profile.identity_type.literal == read
    assert cluster.profile.migration_pending and cluster.profile.unmarkable == ""


def test_mark_outside_the_network_profile_does_not_count():
    _, cluster = _cluster(_program('{\n        "network_plugin": "azure",\n    }', before="# akfix:phase-1 elsewhere\n"))
    assert not cluster.profile.migration_pending


def test_phase_one_writes_overlay_alone():
    fix = _plan(_program('containerservice.ContainerServiceNetworkProfileArgs(\n        network_plugin="kubenet",\n    )'))
    assert fix.phase == 1 and fix.engine is None and fix.risk is Risk.DISRUPTIVE and fix.floor is None
    assert {c.attribute: c.value for c in fix.changes} == {"networkPlugin": "azure", "networkPluginMode": "overlay"}
    assert not any("identity type is not visible" in r for r in fix.reasons)


def test_user_assigned_enum_is_not_refused_and_system_assigned_is():
    enum = "containerservice.ManagedClusterIdentityArgs(type=containerservice.ResourceIdentityType.SYSTEM_ASSIGNED)"
    fix = _plan(_program('{\n        "network_plugin": "kubenet",\n    }', enum))
    assert fix.risk is Risk.MANUAL and fix.blocker == "identity" and not fix.changes


@pytest.mark.parametrize("profile, before, why", [
    ('containerservice.ContainerServiceNetworkProfileArgs(network_plugin="kubenet")', "", "written on one line"),
    ('{"network_plugin": "kubenet"}', "", "written on one line"),
    ("network", 'network = {\n    "network_plugin": "kubenet",\n}\n', "comes from variable network"),
])
def test_profiles_that_cannot_carry_the_mark_are_refused_saying_why(profile, before, why):
    fix = _plan(_program(profile, before=before))
    assert fix.risk is Risk.MANUAL and fix.blocker == "kubenet" and not fix.changes
    assert why in fix.hint


def test_profile_built_by_an_expression_cannot_carry_the_mark():
    _, cluster = _cluster(_program("make_profile()"))
    assert "built by an expression (make_profile())" in cluster.profile.unmarkable


def test_cdktf_is_still_refused_saying_why():
    plugin = Value(ValueKind.LITERAL, "kubenet")
    cluster = Cluster("main.py", 1, "cdktf", "aks", Profile(block_present=True, plugin=plugin))
    fix = planner.plan(cluster, CONTEXT)
    assert fix.risk is Risk.MANUAL and "CDK for Terraform program" in fix.hint


@settings(max_examples=60, deadline=None)
@given(
    unit=st.sampled_from(["  ", "    ", "\t"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    args=st.booleans(),
    entries=st.lists(st.sampled_from(['"pod_cidr": "10.244.0.0/16"', '"outbound_type": "loadBalancer"', "# a note of the team",
                                      '"service_cidr": "10.0.0.0/16",  # trailing note']), min_size=0, max_size=3),
)
def test_mark_written_then_removed_gives_the_file_back(unit, newline, args, entries):
    """Phase 1's mark is read back as pending, on its own line first inside the profile with the
    entries' indentation, and phase 2's removal restores the text exactly."""
    items = ['"network_plugin": "azure"', *entries]
    if args:
        items = [i.replace('"', "", 2).replace(": ", "=", 1) if not i.startswith("#") else i for i in items]
    body = "".join(f"{unit * 2}{i}{',' if not i.startswith('#') and not i.endswith('note') else ''}{newline}" for i in items)
    opening, closing = ("containerservice.ContainerServiceNetworkProfileArgs(", ")") if args else ("{", "}")
    source = (f"from pulumi_azure_native import containerservice{newline}{newline}containerservice.ManagedCluster({newline}"
              f'{unit}"aks",{newline}{unit}network_profile={opening}{newline}{body}{unit}{closing},{newline}){newline}')
    parsed, cluster = _cluster(source)
    assert not cluster.profile.migration_pending and not cluster.profile.unmarkable
    marked, refused = rewrite(parsed, [(cluster.anchor, [])], {0: 1})
    assert not refused
    lines = marked.split(newline)
    assert len(lines) == len(source.split(newline)) + 1
    assert lines[5].startswith(unit * 2 + "# akfix:phase-1 kubenet -> Azure CNI Overlay.")
    parsed_marked, again = _cluster(marked)
    assert again.profile.migration_pending
    unmarked, refused = rewrite(parsed_marked, [(again.anchor, [])], {0: 2})
    assert not refused and unmarked == source
