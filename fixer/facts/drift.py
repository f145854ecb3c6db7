"""Drift: the code and the live cluster disagree about the engine.

Two cases matter (issue 17): the code says nothing and the cluster runs an engine -- the planner
pins that engine instead of switching it (plan.py, `pinned_only`) -- and the code says an engine
that the live cluster does not run: an apply is pending, or someone turned it off. The second is
reported here; akfix writes nothing for it (the code is already right).
"""

from __future__ import annotations

from fixer.model import ENGINES, Cluster


def drift_of(cluster: Cluster) -> str | None:
    """One line for people, or None when code and live agree (or nothing live is known)."""
    live = cluster.live
    if live is None or live.policy is None:
        return None
    plugin = (cluster.profile.plugin.literal or "").lower()
    if plugin and live.plugin and plugin != live.plugin:
        return (f"the code says network_plugin {plugin}, the live cluster runs {live.plugin}: an apply is pending or the plugin "
                "was changed outside the code")
    said = (cluster.profile.policy.literal or "").lower()
    running = live.policy or "none"
    if said in ENGINES and said != live.policy:
        return (f"the code says {said}, the live cluster runs {running}: an apply is pending or the engine was changed "
                "outside the code")
    if cluster.profile.policy.is_missing and live.policy in ENGINES:
        return f"the code says no engine, the live cluster runs {live.policy}: the fix pins it (nothing changes in Azure)"
    return None
