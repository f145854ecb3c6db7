"""--engine cilium,calico: per cluster, the first engine whose fix can be written (plan/preference.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from fixer.model import Change, Fix, Risk
from fixer.plan.preference import choose_engine


def _fix(risk: Risk, engine: str, summary: str = "") -> Fix:
    return Fix(risk=risk, summary=summary or f"{engine} {risk.value}", engine=engine, changes=(Change("network_policy", engine),))


def test_first_engine_wins_when_it_can_be_written():
    asked = []
    fix = choose_engine(("cilium", "calico"), lambda e: asked.append(e) or _fix(Risk.DISRUPTIVE, e))
    assert (fix.engine, fix.skipped, asked) == ("cilium", (), ["cilium"])  # the next engine is never planned


@pytest.mark.parametrize("first_risk", [Risk.MANUAL, Risk.REPLACEMENT])
def test_next_engine_where_the_first_cannot_be_written(first_risk):
    plans = {"cilium": _fix(first_risk, "cilium", "Windows node pools rule out cilium"), "calico": _fix(Risk.DISRUPTIVE, "calico")}
    fix = choose_engine(("cilium", "calico"), plans.get)
    assert fix.engine == "calico"
    assert fix.skipped == (("cilium", f"{first_risk.value}: Windows node pools rule out cilium"),)
    assert fix.reasons[0].startswith("cilium skipped")


def test_no_engine_writable_keeps_the_first_answer_and_says_what_the_others_needed():
    plans = {"cilium": _fix(Risk.MANUAL, "cilium", "kubenet cannot run cilium"), "azure": _fix(Risk.MANUAL, "azure", "kubenet cannot run azure")}
    fix = choose_engine(("cilium", "azure"), plans.get)
    assert (fix.engine, fix.summary) == ("cilium", "kubenet cannot run cilium")
    assert fix.skipped == (("azure", "manual: kubenet cannot run azure"),)
    # ...and says it where the text report and explain show reasons, not only in the JSON
    assert fix.reasons[-1] == "azure, next in --engine, cannot be written either (manual: kubenet cannot run azure)"


def test_no_engine_writable_carries_each_later_blocker_and_hint():
    plans = {"cilium": Fix(risk=Risk.MANUAL, summary="plugin unknown", hint="give the plugin", blocker="live-plugin-unknown"),
             "calico": Fix(risk=Risk.MANUAL, summary="Kubernetes 1.26 is too old", hint="upgrade Kubernetes", blocker="kubernetes-version")}
    fix = choose_engine(("cilium", "calico"), plans.get)
    assert fix.blocker == "live-plugin-unknown" and fix.later_blockers == (("calico", "kubernetes-version"),)
    assert fix.hint == "give the plugin. For calico, next in --engine: upgrade Kubernetes."


def test_a_later_engine_held_as_a_replacement_is_grouped_as_one():
    """A held replacement carries no blocker of its own: the summary must still say what stands in its way."""
    first = Fix(risk=Risk.MANUAL, summary="kubenet cannot run cilium", blocker="kubenet")
    plans = {"cilium": first, "calico": _fix(Risk.REPLACEMENT, "calico", "none -> calico recreates")}
    fix = choose_engine(("cilium", "calico"), plans.get)
    assert (fix.blocker, fix.later_blockers) == ("kubenet", (("calico", "replacement"),))


def test_the_same_step_for_every_engine_is_said_once():
    plans = {e: Fix(risk=Risk.MANUAL, summary=f"{e}: too old", hint="Upgrade azurerm first.", blocker="version-too-old")
             for e in ("cilium", "calico")}
    assert choose_engine(("cilium", "calico"), plans.get).hint == "Upgrade azurerm first."


def test_nothing_to_do_under_the_first_engine_means_nothing_to_do():
    assert choose_engine(("cilium", "calico"), lambda e: None) is None


def test_a_later_engine_with_nothing_to_do_ends_the_search():
    plans = {"cilium": _fix(Risk.MANUAL, "cilium"), "calico": None}
    assert choose_engine(("cilium", "calico"), plans.get) is None


@pytest.mark.parametrize("value", ["cilium,weave", "", "none"])
def test_cli_refuses_unknown_engines(tmp_path, value):
    result = subprocess.run([sys.executable, "-m", "fixer", "scan", str(tmp_path), "--engine", value], capture_output=True, text=True)
    assert result.returncode == 2 and "--engine" in result.stderr


# One engine asked: its hints offer `--engine calico`, so calico is planned too, and the offer is kept
# only where calico can be written (plan/preference.py `_probed`).

def test_one_engine_asked_and_calico_writable_keeps_the_offer_and_marks_it():
    first = Fix(risk=Risk.MANUAL, summary="set by an expression", hint="Resolve it or pass --plan.", blocker="expression")
    asked = []
    plans = {"cilium": first, "calico": _fix(Risk.DISRUPTIVE, "calico")}
    fix = choose_engine(("cilium",), lambda e: asked.append(e) or plans[e])
    assert asked == ["cilium", "calico"]
    assert (fix.engine, fix.risk, fix.changes, fix.calico_writes) == (None, Risk.MANUAL, (), True)  # still cilium's answer
    assert fix.hint == "Resolve it or pass --plan. Or use --engine cilium,calico: calico can be written here."


def test_one_engine_asked_and_calico_held_takes_the_offer_back():
    first = Fix(risk=Risk.MANUAL, summary="kubenet cannot run cilium", blocker="kubenet",
                hint="Two steps, each its own apply. Or use --engine calico, which kubenet supports in place.")
    calico = Fix(risk=Risk.MANUAL, summary="Kubernetes 1.29.4 is too old for calico", hint="Upgrade the cluster first.",
                 blocker="kubernetes-version")
    fix = choose_engine(("cilium",), {"cilium": first, "calico": calico}.get)
    assert fix.hint == "Two steps, each its own apply. For calico: Upgrade the cluster first."
    assert fix.reasons[-1] == "calico cannot be written either (manual: Kubernetes 1.29.4 is too old for calico)"
    assert (fix.later_blockers, fix.later_asked, fix.calico_writes, fix.skipped) == ((("calico", "kubernetes-version"),), False, False, ())


def test_calico_asked_alone_plans_nothing_more():
    asked = []
    choose_engine(("calico",), lambda e: asked.append(e) or _fix(Risk.MANUAL, e))
    assert asked == ["calico"]


@pytest.mark.parametrize("hint, left", [
    ("Cilium on AKS is Linux-only; use --engine calico for this cluster (Calico supports Windows Server 2019/2022 on Azure CNI).",
     "Cilium on AKS is Linux-only."),
    ("Azure NPM on Windows is unsupported since 2026-09-30; use --engine calico for this cluster.",
     "Azure NPM on Windows is unsupported since 2026-09-30."),
    ("Migrate with `az aks update --network-plugin azure --network-plugin-mode overlay` first, or use --engine calico.",
     "Migrate with `az aks update --network-plugin azure --network-plugin-mode overlay` first."),
    ("Use --engine calico, or migrate the plugin first.", "Migrate the plugin first."),
    ("then re-run with --assume-network azure|azure-overlay, or use --engine calico.", "then re-run with --assume-network azure|azure-overlay."),
    ("(2) then enable cilium. Or use --engine calico, which kubenet supports in place.", "(2) then enable cilium."),
    ("Use --engine calico on kubenet clusters.", None),
    ("--assume-network azure|kubenet; or --greenfield if nothing is deployed; or --engine cilium,calico: calico needs no plugin, "
     "and akfix sets it through azapi_update_resource.", "--assume-network azure|kubenet; or --greenfield if nothing is deployed."),
])
def test_every_form_of_the_calico_offer_is_taken_back(hint, left):
    from fixer.plan.preference import without_calico_advice
    assert without_calico_advice(hint) == left


def test_one_engine_asked_and_calico_held_by_the_same_thing_says_it_once():
    first = Fix(risk=Risk.MANUAL, summary="set networkPolicy through its inputs", blocker="layout", hint="Set the input it reads.")
    calico = Fix(risk=Risk.MANUAL, summary="set networkPolicy through its inputs", blocker="layout", hint="Set the input it reads.")
    fix = choose_engine(("cilium",), {"cilium": first, "calico": calico}.get)
    assert (fix.reasons, fix.later_blockers, fix.calico_writes, fix.hint) == ((), (), False, "Set the input it reads.")


def test_a_fix_planned_with_calico_already_is_not_probed_again():
    """The Python adapter chooses around planner.plan, which probes itself: the note is said once."""
    first = Fix(risk=Risk.MANUAL, summary="plugin unknown", blocker="live-plugin-unknown")
    calico = Fix(risk=Risk.MANUAL, summary="Kubernetes 1.26.3 is too old for calico", blocker="kubernetes-version")
    plans = {"cilium": choose_engine(("cilium",), {"cilium": first, "calico": calico}.get), "calico": calico}
    fix = choose_engine(("cilium",), plans.get)
    assert sum("calico cannot be written either" in r for r in fix.reasons) == 1


PULUMI_KUBENET_126 = '''import pulumi_azure_native as azure_native

cluster = azure_native.containerservice.ManagedCluster(
    "aks",
    resource_group_name="rg",
    dns_prefix="aks",
    kubernetes_version="1.26.3",
    agent_pool_profiles=[azure_native.containerservice.ManagedClusterAgentPoolProfileArgs(
        name="sys", mode="System", count=1, vm_size="Standard_D2s_v5", os_type="Linux")],
    network_profile=azure_native.containerservice.ContainerServiceNetworkProfileArgs(network_plugin="kubenet"),
)
'''


@pytest.mark.parametrize("engines, said", [("cilium,calico", "calico, next in --engine, cannot be written either"),
                                           ("cilium", "calico cannot be written either")])
def test_the_python_adapter_says_what_calico_needs_once(tmp_path, engines, said):
    """The adapter chooses among engines around the planner: the planner plans one engine there
    (PlanContext.one_engine), so calico's blocker is said once, in the words of what was asked."""
    (tmp_path / "__main__.py").write_text(PULUMI_KUBENET_126)
    (tmp_path / "requirements.txt").write_text("pulumi>=3.0.0,<4.0.0\npulumi-azure-native>=3.0.0,<4.0.0\n")
    (tmp_path / "Pulumi.yaml").write_text("name: aks\nruntime: python\n")
    out = subprocess.run([sys.executable, "-m", "fixer", "scan", "--engine", engines, str(tmp_path)], capture_output=True, text=True).stdout
    assert out.count("cannot be written either") == 1 and said in out
    assert out.count("Since the 2026-05-29 release AKS refuses") == 1
