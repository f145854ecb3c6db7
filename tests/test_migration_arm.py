"""The kubenet migration in ARM JSON: the locator reads what the migration checks and akfix's mark
(the cluster resource's `comments` property), phase 1 writes the mark and phase 2 removes exactly
it, and the resources whose comments cannot carry it are refused saying why (golden cases:
tests/fixtures/arm/kubenet-migrate-*)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixer.edit.edits import apply_edits
from fixer.formats.arm.template import MARK, MARK_BEFORE, locate_arm, migration_marker_edits
from fixer.model import Risk
from fixer.plan import planner
from fixer.versions import UNKNOWN

CONTEXT = planner.PlanContext(engine="cilium", versions=UNKNOWN, migrate_kubenet=True)
SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def _resource(**extra) -> dict:
    resource = {"type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2024-05-01", "name": "aks-demo"}
    resource.update(extra)
    resource.setdefault("identity", {"type": "UserAssigned"})
    resource.setdefault("properties", {"kubernetesVersion": "1.29.4", "networkProfile": {"networkPlugin": "kubenet"}})
    return resource


def _template(resource: dict, indent=2) -> bytes:
    return json.dumps({"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": [resource]}, indent=indent).encode()


def _plan(data: bytes):
    [cluster] = locate_arm(data, "azuredeploy.json", [])
    return cluster, planner.plan(cluster, CONTEXT)


def _mark(data: bytes, remove: bool = False) -> bytes:
    return apply_edits(data, migration_marker_edits(data, ("0",), b"\n", remove=remove))


def test_locator_reads_what_the_migration_checks():
    cluster, _ = _plan(_template(_resource(comments=MARK, identity={"type": "SystemAssigned"})))
    assert cluster.profile.kubernetes_version.literal == "1.29.4"
    assert cluster.profile.identity_type.literal == "SystemAssigned"
    assert cluster.profile.migration_pending and not cluster.profile.unmarkable


def test_comments_without_the_mark_is_not_pending():
    cluster, _ = _plan(_template(_resource(comments="owned by team blue")))
    assert not cluster.profile.migration_pending


def test_phase_one_writes_overlay_alone_and_the_mark():
    data = _template(_resource())
    _, fix = _plan(data)
    assert fix.phase == 1 and fix.engine is None and fix.risk is Risk.DISRUPTIVE
    assert {c.attribute: c.value for c in fix.changes} == {"networkPlugin": "azure", "networkPluginMode": "overlay"}
    marked = _mark(data)
    resource = json.loads(marked)["resources"][0]  # strict JSON stays strict
    assert resource["comments"] == MARK and list(resource)[:4] == ["type", "apiVersion", "name", "comments"]
    assert _plan(marked)[0].profile.migration_pending


@pytest.mark.parametrize("comments, why", [
    ({"note": "x"}, "an object, not a string"),
    (["x"], "an array, not a string"),
    (42, "a number, not a string"),
    ("[concat('aks ', parameters('env'))]", "an ARM expression"),
])
def test_comments_that_cannot_carry_the_mark_are_refused(comments, why):
    data = _template(_resource(comments=comments))
    cluster, fix = _plan(data)
    assert fix.risk is Risk.MANUAL and not fix.changes and fix.blocker == "kubenet"
    assert why in cluster.profile.unmarkable and why in fix.hint
    with pytest.raises(ValueError, match="cannot carry the akfix:phase-1 mark"):
        migration_marker_edits(data, ("0",), b"\n", remove=False)


def test_system_assigned_identity_is_refused():
    _, fix = _plan(_template(_resource(identity={"type": "SystemAssigned"})))
    assert fix.risk is Risk.MANUAL and fix.blocker == "identity" and not fix.changes


def test_mark_in_front_of_the_users_comments_and_removed_from_there():
    data = _template(_resource(comments='team "blue" \\u00e9'))
    marked = _mark(data)
    assert json.loads(marked)["resources"][0]["comments"] == MARK_BEFORE + ' team "blue" \\u00e9'
    assert _mark(marked, remove=True) == data


def test_a_mark_the_user_changed_is_left_to_them():
    data = _template(_resource(comments="akfix:phase-1 moved to overlay on Tuesday"))
    with pytest.raises(ValueError, match="remove it by hand"):
        _mark(data, remove=True)


def test_nested_and_symbolic_clusters_are_marked_by_their_path():
    inner = {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": [_resource()]}
    template = {"$schema": SCHEMA, "languageVersion": "2.0", "contentVersion": "1.0.0.0", "resources": {
        "stamp": {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "stamp",
                  "properties": {"mode": "Incremental", "template": inner}}}}
    data = json.dumps(template, indent=2).encode()
    [cluster] = locate_arm(data, "main.json", [])
    assert cluster.anchor == ("stamp", "template", "0")
    marked = apply_edits(data, migration_marker_edits(data, cluster.anchor, b"\n", remove=False))
    assert json.loads(marked)["resources"]["stamp"]["properties"]["template"]["resources"][0]["comments"] == MARK
    assert locate_arm(marked, "main.json", [])[0].profile.migration_pending
    assert apply_edits(marked, migration_marker_edits(marked, cluster.anchor, b"\n", remove=True)) == data


@settings(max_examples=80, deadline=None)
@given(
    indent=st.sampled_from([2, 4, "\t"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    with_name=st.booleans(),
    comments=st.one_of(st.none(), st.text(st.characters(blacklist_categories=("Cs",)), max_size=20).filter(lambda t: not t.startswith("["))),
)
def test_mark_written_then_removed_gives_the_file_back(indent, newline, with_name, comments):
    """Phase 1's mark is read back as pending, keeps strict JSON strict, and phase 2's removal
    restores the bytes exactly: with or without a name to follow, with or without the user's comments."""
    resource = _resource() if comments is None else _resource(comments=comments)
    if not with_name:
        del resource["name"]
    data = _template(resource, indent).replace(b"\n", newline.encode())
    marked = apply_edits(data, migration_marker_edits(data, ("0",), newline.encode(), remove=False))
    parsed = json.loads(marked)["resources"][0]
    assert parsed["comments"] == (MARK if comments is None else f"{MARK_BEFORE} {comments}")
    assert marked.count(b"\n") == data.count(b"\n") + (comments is None)
    assert marked.count(b"\r\n") == data.count(b"\r\n") + (comments is None and newline == "\r\n")
    [cluster] = locate_arm(marked, "azuredeploy.json", [])
    assert cluster.profile.migration_pending
    assert apply_edits(marked, migration_marker_edits(marked, ("0",), newline.encode(), remove=True)) == data
