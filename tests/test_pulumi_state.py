"""Pulumi stack states as live facts: `pulumi stack export` given with --plan, and a self-managed
backend's checkpoints in the tree (fixer/facts/pulumi_state.py, formats/python/live_state.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixer.cli import main
from fixer.facts.pulumi_state import PulumiStateError, pulumi_state_of, read_pulumi_state
from fixer.pipeline import Options, Outcome, run

CLUSTER_ID = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-data5f1c2e7"
SECRET = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "c2VjcmV0"}

PROGRAM = '''import pulumi
from pulumi_azure_native import containerservice

aks = containerservice.ManagedCluster(
    "aks-data",
    resource_group_name="rg",
    dns_prefix="data",
    kubernetes_version="1.31.2",
    agent_pool_profiles=[containerservice.ManagedClusterAgentPoolProfileArgs(name="system", mode="System", count=2, vm_size="Standard_D4s_v5")],
)
'''


def _cluster(stack="dev", project="data-platform", name="aks-data", plugin="azure", mode="overlay", kind="azure-native:containerservice:ManagedCluster",
             **outputs):
    profile = {"networkPlugin": plugin, **({"networkPluginMode": mode} if mode else {}), "loadBalancerSku": "standard"}
    return {"urn": f"urn:pulumi:{stack}::{project}::{kind}::{name}", "custom": True, "type": kind, "id": CLUSTER_ID,
            "outputs": {"networkProfile": profile, "kubernetesVersion": "1.31.2", "kubeConfig": SECRET, **outputs}}


def _export(*resources, version=3):
    return {"version": version, "deployment": {"manifest": {"version": "v3.140.0"}, "resources": list(resources)}}


def test_export_gives_the_network_and_never_a_secret():
    state = pulumi_state_of(_export(_cluster()), "dev.json")
    (cluster,) = state.clusters
    assert (cluster.stack, cluster.project, cluster.package, cluster.name) == ("dev", "data-platform", "azure-native", "aks-data")
    assert (cluster.live.plugin, cluster.live.plugin_mode, cluster.live.policy, cluster.live.id) == ("azure", "overlay", "", CLUSTER_ID)
    assert cluster.kubernetes_version == "1.31.2"
    assert "c2VjcmV0" not in repr(state)  # the kubeconfig is never read


def test_checkpoint_of_a_file_backend_reads_like_an_export():
    document = {"version": 3, "checkpoint": {"stack": "organization/data-platform/dev", "latest": _export(_cluster(plugin="kubenet", mode=None))["deployment"]}}
    (cluster,) = read_pulumi_state(json.dumps(document).encode(), "x.json").clusters
    assert cluster.live.plugin == "kubenet" and cluster.live.plugin_mode is None


def test_versioned_module_and_pulumi_azure_types_are_clusters_other_types_are_not():
    native = _cluster(kind="azure-native:containerservice/v20240801:ManagedCluster")
    classic = _cluster(name="classic", kind="azure:containerservice/kubernetesCluster:KubernetesCluster",
                       networkProfile={"networkPlugin": "azure", "networkPolicy": "calico", "ebpfDataPlane": None})
    other = _cluster(name="registry", kind="azure-native:containerregistry:Registry")
    state = pulumi_state_of(_export(native, classic, other), "s.json")
    assert [(c.package, c.name, c.live.policy) for c in state.clusters] == [("azure-native", "aks-data", ""), ("azure", "classic", "calico")]


def test_windows_pools_separate_and_inline_and_pending_deletes_skipped():
    pool = {"urn": "urn:pulumi:dev::data-platform::azure-native:containerservice:AgentPool::win", "type": "azure-native:containerservice:AgentPool",
            "id": CLUSTER_ID + "/agentPools/win", "outputs": {"osType": "Windows"}}
    inline = _cluster(agentPoolProfiles=[{"name": "system", "osType": "Linux"}, {"name": "npwin", "osType": "Windows"}])
    gone = dict(_cluster(name="old", plugin="kubenet", mode=None), delete=True)
    (cluster,) = pulumi_state_of(_export(inline, pool, gone), "s.json").clusters
    assert cluster.windows_pools == ("npwin", "win")


@pytest.mark.parametrize("document, message", [
    ({"version": 1, "deployment": {"resources": []}}, "deployment version 1"),
    ({"version": 3, "deployment": {"resources": {}}}, "not a list"),
    ({"resources": []}, "not a Pulumi state"),
])
def test_unreadable_states_say_why(document, message):
    with pytest.raises(PulumiStateError, match=message):
        pulumi_state_of(document, "s.json")


def _program(tmp_path: Path, *stacks: str) -> Path:
    root = tmp_path / "prog"
    root.mkdir()
    (root / "__main__.py").write_text(PROGRAM)
    (root / "Pulumi.yaml").write_text("name: data-platform\nruntime: python\n")
    (root / "requirements.txt").write_text("pulumi-azure-native>=2.0.0,<3.0.0\n")
    for stack in stacks:
        (root / f"Pulumi.{stack}.yaml").write_text("config:\n  azure-native:location: westeurope\n")
    return root


def _checkpoint(root: Path, *resources, stack="dev", project="data-platform", folder=None):
    place = (folder or root) / ".pulumi" / "stacks" / project
    place.mkdir(parents=True, exist_ok=True)
    (place / f"{stack}.json").write_text(json.dumps({"version": 3, "checkpoint": {"latest": _export(*resources)["deployment"]}}))


def _only(root: Path, options=Options()):
    (report,) = run(root, options, verify=True).clusters
    return report


def test_every_stack_checkpointed_and_agreeing_gives_the_fact(tmp_path):
    root = _program(tmp_path, "dev", "prod")
    _checkpoint(root, _cluster(stack="dev"), stack="dev")
    _checkpoint(root, _cluster(stack="prod"), stack="prod")
    report = _only(root)
    assert report.outcome is Outcome.FIXED
    assert report.cluster.live.source.startswith(".pulumi/stacks/data-platform/dev.json (stack dev)")


def test_stacks_that_disagree_give_no_fact(tmp_path):
    root = _program(tmp_path, "dev", "prod")
    _checkpoint(root, _cluster(stack="dev"), stack="dev")
    _checkpoint(root, _cluster(stack="prod", plugin="kubenet", mode=None), stack="prod")
    report = _only(root)
    assert report.outcome is Outcome.MANUAL and "disagree" in report.cluster.live_note


def test_another_projects_checkpoint_above_the_program_is_not_read(tmp_path):
    root = _program(tmp_path)
    _checkpoint(root, _cluster(project="someone-else"), project="someone-else", folder=tmp_path)
    _checkpoint(root, _cluster(project="someone-else"), project="data-platform", folder=tmp_path)  # wrong project inside
    report = _only(root)
    assert report.outcome is Outcome.MANUAL and report.cluster.live is None


def test_a_checkpoint_at_the_repository_root_speaks_for_a_program_below(tmp_path):
    root = _program(tmp_path)
    _checkpoint(root, _cluster(), folder=tmp_path)
    (report,) = run(tmp_path, Options(), verify=True).clusters
    assert report.outcome is Outcome.FIXED


def test_no_state_flag_leaves_checkpoints_unread(tmp_path):
    root = _program(tmp_path)
    _checkpoint(root, _cluster())
    assert _only(root, Options(read_state=False)).outcome is Outcome.MANUAL


def test_a_computed_logical_name_matches_nothing_and_says_so(tmp_path):
    root = _program(tmp_path)
    (root / "__main__.py").write_text(PROGRAM.replace('"aks-data",', 'f"aks-{pulumi.get_stack()}",'))
    _checkpoint(root, _cluster())
    report = _only(root)
    assert report.outcome is Outcome.MANUAL and "logical name is computed" in report.cluster.live_note


def test_a_windows_pool_the_state_records_rules_out_cilium(tmp_path):
    root = _program(tmp_path)
    _checkpoint(root, _cluster(agentPoolProfiles=[{"name": "npwin", "osType": "Windows"}]))
    report = _only(root)
    assert report.outcome is Outcome.MANUAL and report.fix.blocker == "windows"


def test_cli_takes_an_export_with_plan_and_check_does_not_gate_on_it(tmp_path, capsys):
    root = _program(tmp_path)
    export = tmp_path / "dev-export.json"
    export.write_text(json.dumps(_export(_cluster())))
    assert main(["apply", str(root), "--plan", str(export), "--no-bases"]) == 0
    assert 'network_policy="cilium"' in (root / "__main__.py").read_text()
    assert main(["check", str(root), "--plan", str(export)]) == 0
    export.write_text(json.dumps({"version": 9, "deployment": {}}))
    assert main(["scan", str(root), "--plan", str(export)]) == 2
    assert "cannot read the Pulumi state: deployment version 9" in capsys.readouterr().err
