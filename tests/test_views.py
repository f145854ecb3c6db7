"""Views of one cluster share what they read (plan/views.py): a fix writes a shared place only when
every view reading it plans the same change; where the first choice clashes, the view takes the
next one it was given (a later engine, or as a live cluster), and every view is checked again."""

from __future__ import annotations

from dataclasses import dataclass, replace

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
    planned = {(a.cluster, "cilium"): a.fix, (a.cluster, "calico"): _fix("calico", own="a"),
               (b.cluster, "cilium"): b.fix, (b.cluster, "calico"): _fix("calico", own="b")}
    monkeypatch.setattr(views.planner, "plan", lambda cluster, context: planned.get((cluster, context.engine)))

    guarded = {item.cluster.environment: item.fix for item in views.guard_shared_edits([a, b, c])}
    first = guarded["envs/a.bicep"]
    assert (first.engine, first.risk) == ("calico", Risk.DISRUPTIVE)
    assert first.reasons[0] == "cilium skipped: its change lands where other views read too (envs/c.bicep)"
    # B's cilium at SHARED_B matched A's first choice only: with A on calico it would change A's
    # cluster behind its plan, so B takes calico too (its own file, no shared place)
    assert (guarded["envs/b.bicep"].engine, guarded["envs/b.bicep"].risk) == ("calico", Risk.DISRUPTIVE)
    assert guarded["envs/c.bicep"] is None


def test_views_left_to_a_person_take_the_engine_they_can_all_write(monkeypatch):
    """The one-by-one guard gives each view its own first choice: dev (kubenet) calico, prod cilium,
    both through the template they share -- a clash, so both went to a person. The common-engine
    pass then plans every view with calico, which they all can write, the same change in one place."""
    preference = PlanContext(engine="cilium", fallback_engines=("calico",))
    shared = Spot("main.bicep", 300, 310, "raw")
    dev = Item(_view("dev", (shared,)), preference, Fix(risk=Risk.DISRUPTIVE, summary="none -> calico", engine="calico",
                                                  changes=(Change("networkPolicy", "calico", origin=shared),)))
    prod = Item(_view("prod", (shared,)), preference, Fix(risk=Risk.DISRUPTIVE, summary="none -> cilium", engine="cilium",
                                                    changes=(Change("networkPolicy", "cilium", origin=shared),)))
    manual = Fix(risk=Risk.MANUAL, summary="kubenet cannot run cilium", blocker="kubenet")
    planned = {(dev.cluster, "cilium"): manual, (dev.cluster, "calico"): dev.fix,
               (prod.cluster, "cilium"): prod.fix, (prod.cluster, "calico"): replace(dev.fix)}
    monkeypatch.setattr(views.planner, "plan", lambda cluster, context: planned[(cluster, context.engine)])

    greedy = _guarded_one_by_one([dev, prod])
    assert [item.fix.risk for item in greedy] == [Risk.MANUAL, Risk.MANUAL]

    guarded = views.guard_shared_edits([dev, prod])
    assert [(item.fix.engine, item.fix.risk) for item in guarded] == [("calico", Risk.DISRUPTIVE)] * 2
    assert all(item.fix.reasons[0].startswith("calico for every view of this cluster") for item in guarded)


def _guarded_one_by_one(planned: list) -> list:
    """guard_shared_edits without its common-engine pass (the greedy guard alone)."""
    original = views._common_engine
    try:
        views._common_engine = lambda positions, state: state
        return views.guard_shared_edits(planned)
    finally:
        views._common_engine = original


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
