"""Property-based tests of the Bicep and ARM editing invariants on random layouts."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixer import jsonspan
from fixer.formats import arm, bicep
from fixer.formats.bicep_syntax import tokenize
from fixer.pipeline import Options, run


@st.composite
def bicep_files(draw):
    unit = draw(st.sampled_from(["  ", "    ", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    entries = ["networkPlugin: 'azure'"]
    if draw(st.booleans()):
        entries.append("networkPluginMode: 'overlay'")
    policy = draw(st.sampled_from([None, "''", "'none'"]))
    if policy:
        entries.insert(draw(st.integers(0, len(entries))), f"networkPolicy: {policy}")
    if draw(st.booleans()):
        entries.insert(draw(st.integers(0, len(entries))), "podCidr: '10.244.0.0/16'")
    lines = []
    for n, entry in enumerate(entries):
        if draw(st.integers(0, 3)) == 0:
            lines.append(f"{unit * 3}// note {n}")
        if draw(st.integers(0, 4)) == 0:
            lines.append("")
        trailing = f" // keep {n}" if draw(st.integers(0, 3)) == 0 else ""
        lines.append(f"{unit * 3}{entry}{trailing}")
    prelude = draw(st.sampled_from([
        "",
        "import { x } from 'types.bicep'\n\n",
        "@description('name')\nparam name string = 'aks'\n\nvar v = map([1], i => '${i}')\n\n",
        "#disable-next-line BCP081\n",
    ]))
    text = (
        prelude
        + "resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {\n"
        + f"{unit}name: 'aks' /* inline */\n{unit}properties: {{\n{unit * 2}networkProfile: {{\n"
        + "\n".join(lines)
        + f"\n{unit * 2}}}\n{unit}}}\n}}\n\noutput id string = aks.id\n"
    )
    return text.replace("\n", newline).encode()


def _comments(data: bytes) -> list[bytes]:
    return sorted(re.findall(rb"//[^\r\n]*|/\*.*?\*/", data, re.S))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=bicep_files(), engine=st.sampled_from(["cilium", "calico", "azure"]))
def test_bicep_edit_invariants(data, engine):
    options = Options(engine=engine, assume_network="azure")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "main.bicep").write_bytes(data)
        result = run(root, options, verify=True)
        assert not result.problems, result.problems
        (change,) = result.changes
        after = change.after
        tokenize(after)  # still balanced, still lexes
        assert _comments(after) == _comments(data)
        if b"\r\n" in data:
            assert after.count(b"\n") == after.count(b"\r\n")
        start, end = data.index(b"networkProfile: {"), data.rindex(b"output id")
        new_start, new_end = after.index(b"networkProfile: {"), after.rindex(b"output id")
        assert data[:start] == after[:new_start]  # everything before the object is untouched
        assert data[end:] == after[new_end:]
        (cluster,) = bicep.locate_bicep(after, "main.bicep", [])
        assert cluster.profile.policy.literal == engine
        (root / "main.bicep").write_bytes(after)
        again = run(root, options, verify=True)
        assert not again.changes and not again.problems


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    indent=st.sampled_from([None, 2, 4, "\t"]),
    policy=st.sampled_from([None, "", "none"]),
    engine=st.sampled_from(["cilium", "calico", "azure"]),
    api=st.sampled_from(["2022-09-01", "2023-02-01", "2024-05-01"]),
)
def test_arm_edit_invariants(indent, policy, engine, api):
    profile = {"networkPlugin": "azure"}
    if policy is not None:
        profile["networkPolicy"] = policy
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "st"},
            {"type": "Microsoft.ContainerService/managedClusters", "apiVersion": api, "name": "aks", "properties": {"networkProfile": profile}},
        ],
    }
    data = (json.dumps(template, indent=indent) + "\n").encode()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "azuredeploy.json").write_bytes(data)
        result = run(root, Options(engine=engine), verify=True)
        assert not result.problems, result.problems
        (change,) = result.changes
        document = json.loads(change.after)
        cluster = document["resources"][1]
        assert cluster["properties"]["networkProfile"]["networkPolicy"] == engine
        assert document["resources"][0] == template["resources"][0]  # the neighbour is untouched
        assert list(json.loads(data)) == list(document)  # key order kept
        if engine == "cilium":
            assert cluster["properties"]["networkProfile"]["networkDataplane"] == "cilium"
            assert cluster["apiVersion"] >= "2023-02-01"
        (only,) = arm.locate_arm(change.after, "azuredeploy.json", [])
        assert only.profile.policy.literal == engine
        jsonspan.parse(change.after, lazy=False)
