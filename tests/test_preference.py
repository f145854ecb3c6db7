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
