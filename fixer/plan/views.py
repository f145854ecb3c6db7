"""Views of one cluster: tfvars environments, module callers, ARM parameter files.

Each view is planned on its own, but they share the resource and whatever several of them read, so a
fix may write to a shared place only when every other view reading it plans the very same change.
"""

from __future__ import annotations

from dataclasses import replace

from fixer.plan import planner


def _reads(item) -> set:
    """The places (Spots) this view of a cluster takes its network settings from."""
    profile = item.cluster.profile
    return {v.origin for v in (profile.policy, profile.plugin, profile.plugin_mode, profile.data_plane) if v.origin}


def guard_shared_edits(planned: list) -> list:
    """Views of one cluster (tfvars environments, callers of a module) share the resource block and
    whatever place several of them read. A fix may write to a shared place only when every other
    view reading it plans the very same change."""
    by_cluster: dict[tuple[str, str], list] = {}
    for item in planned:
        by_cluster.setdefault((item.cluster.module_dir, item.cluster.address), []).append(item)
    out = []
    for views in by_cluster.values():
        for view in views:
            changes = view.fix.changes if view.fix and view.fix.writable(True) else ()
            clashes = []
            for change in changes:
                for other in views:
                    if other is view or not (change.origin is None or change.origin in _reads(other)):
                        continue
                    if not (other.fix and change in other.fix.changes):
                        clashes.append(other.cluster.environment or "runs without a -var-file")
            if clashes:
                view = replace(view, fix=planner.shared_conflict(view.fix, ", ".join(sorted(set(clashes)))))
            out.append(view)
    return out


