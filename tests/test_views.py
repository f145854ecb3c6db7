"""Views of one cluster share what they read (plan/views.py): a fix writes a shared place only when
every view reading it plans the same change; where the first choice clashes, the view takes the
next one it was given (a later engine, or as a live cluster), and every view is checked again."""

from __future__ import annotations

from dataclasses import dataclass

from fixer.model import Change, Cluster, Fix, Profile, Risk, Spot, Value, ValueKind
from fixer.plan import views
from fixer.plan.planner import PlanContext

SHARED_C = Spot("modules/aks.bicep", 100, 110, "raw")  # read by A and C
SHARED_B = Spot("modules/aks.bicep", 200, 210, "raw")  # read by A and B


@dataclass(frozen=True)
class Item:
    cluster: Cluster
    context: PlanContext
    fix: Fix | None


def _view(name: str, reads: tuple[Spot, ...]) -> Cluster:
    values = [Value(ValueKind.LITERAL, "x", 1, origin=spot) for spot in reads] + [None, None, None]
    profile = Profile(block_present=True, plugin=values[0] or Value(ValueKind.MISSING, None, None),
                      plugin_mode=values[1] or Value(ValueKind.MISSING, None, None),
                      policy=Value(ValueKind.LITERAL, "", 1, origin=Spot(f"envs/{name}.bicep", 1, 2, "raw")))
    return Cluster(file="modules/aks.bicep", line=1, format="bicep", address="resource aks", profile=profile,
                   module_dir="modules", environment=f"envs/{name}.bicep")


def _fix(engine: str, *spots: Spot, own: str) -> Fix:
    changes = tuple(Change("networkDataplane", engine, origin=spot) for spot in spots)
    return Fix(risk=Risk.DISRUPTIVE, summary=f"none -> {engine}", engine=engine,
               changes=(Change("networkPolicy", engine, origin=Spot(f"envs/{own}.bicep", 1, 2, "raw")), *changes))


def test_a_view_whose_first_choice_clashes_takes_the_next_and_the_others_are_checked_again(monkeypatch):
    preference = PlanContext(engine="cilium", fallback_engines=("calico",))
    a = Item(_view("a", (SHARED_C, SHARED_B)), preference, _fix("cilium", SHARED_C, SHARED_B, own="a"))
    b = Item(_view("b", (SHARED_B,)), preference, _fix("cilium", SHARED_B, own="b"))  # agrees with A's first choice
    c = Item(_view("c", (SHARED_C,)), preference, None)  # compliant: plans nothing at SHARED_C
    planned = {"cilium": a.fix, "calico": _fix("calico", own="a")}
    monkeypatch.setattr(views.planner, "plan", lambda cluster, context: planned[context.engine] if cluster is a.cluster else None)

    guarded = {item.cluster.environment: item.fix for item in views.guard_shared_edits([a, b, c])}

    first = guarded["envs/a.bicep"]
    assert (first.engine, first.risk) == ("calico", Risk.DISRUPTIVE)
    assert first.reasons[0] == "cilium skipped: its change lands where other views read too (envs/c.bicep)"
    # B's write at SHARED_B matched A's first choice only: with A on calico it would change A's
    # cluster behind its plan, so B is left to a person
    assert guarded["envs/b.bicep"].risk is Risk.MANUAL and guarded["envs/b.bicep"].blocker == "shared-value"
    assert guarded["envs/c.bicep"] is None


def test_a_single_engine_and_no_greenfield_has_nothing_else_to_take(monkeypatch):
    alone = PlanContext(engine="cilium")
    a = Item(_view("a", (SHARED_C,)), alone, _fix("cilium", SHARED_C, own="a"))
    c = Item(_view("c", (SHARED_C,)), alone, None)
    monkeypatch.setattr(views.planner, "plan", lambda cluster, context: (_ for _ in ()).throw(AssertionError("not re-planned")))
    [first, _] = views.guard_shared_edits([a, c])
    assert first.fix.blocker == "shared-value" and "envs/c.bicep" in first.fix.summary


def test_a_view_whose_write_matched_a_view_left_to_a_person_is_left_too(monkeypatch):
    """B writes SHARED_B, which A reads and planned too; A is then left to a person (its write at
    SHARED_C would change C). B's write would now change A behind A's plan, so B goes as well --
    with one engine and one cluster too, not only where a view took another choice."""
    alone = PlanContext(engine="cilium")
    b = Item(_view("b", (SHARED_B,)), alone, _fix("cilium", SHARED_B, own="b"))
    a = Item(_view("a", (SHARED_C, SHARED_B)), alone, _fix("cilium", SHARED_C, SHARED_B, own="a"))
    c = Item(_view("c", (SHARED_C,)), alone, None)
    monkeypatch.setattr(views.planner, "plan", lambda cluster, context: None)

    guarded = {item.cluster.environment: item.fix for item in views.guard_shared_edits([b, a, c])}

    assert guarded["envs/a.bicep"].risk is Risk.MANUAL
    assert guarded["envs/b.bicep"].risk is Risk.MANUAL and guarded["envs/b.bicep"].blocker == "shared-value"
