"""What every planner builds fixes from: a change written where its value really lives, a fix left
to a person, and the one-line summary of a fix. Below the planners (azurerm, PUT, greenfield), so
none imports another's peer."""

from __future__ import annotations

from fixer.model import Change, Cluster, Fix, Risk, Value

_FIELD_OF = {
    "networkPolicy": "policy",
    "networkPlugin": "plugin",
    "networkPluginMode": "plugin_mode",
    "networkDataplane": "data_plane",
    "network_policy": "policy",
    "network_plugin": "plugin",
    "network_plugin_mode": "plugin_mode",
    "network_data_plane": "data_plane",
    "ebpf_data_plane": "data_plane",
}


def change_for(cluster: Cluster, attribute: str, value: str) -> Change:
    """A change that writes where the current value really lives (a variable default, a tfvars
    file...) when it was followed there; else in the network_profile block."""
    field = _FIELD_OF.get(attribute)
    profile = cluster.profile
    if field == "data_plane" and profile.data_plane_attribute not in (None, attribute):
        field = None  # ebpf_data_plane stated, network_data_plane written: a new attribute in the block
    current = getattr(profile, field) if field else None
    attribute = dict(cluster.input_names).get(attribute, attribute)
    if current is not None and current.origin is not None:
        return Change(attribute, value, origin=current.origin, validations=current.validations)
    return Change(attribute, value)


def manual_fix(summary: str, guidance: str, *reasons: str, blocker: str = "") -> Fix:
    """A fix left to a person; `blocker` names what stands in the way (report/remaining.py groups by it)."""
    return Fix(risk=Risk.MANUAL, summary=summary, reasons=reasons, hint=guidance, blocker=blocker)


def plugin_expression_fix(plugin: Value, guidance: str) -> Fix:
    """network_plugin that akfix cannot resolve: no engine can be chosen without it."""
    why = f" ({plugin.note})" if plugin.note else ""
    return manual_fix(f"network_plugin is set by an expression: {plugin.text}{why}", guidance, blocker="expression")


def settings_text(changes, where: bool = True) -> str:
    """`a = "x", b = "y" (in variables.tf)`: what a fix sets, and where when not in the block."""
    return ", ".join(f'{c.attribute} = "{c.value}"' + (f" (in {c.origin.file})" if where and c.origin else "") for c in changes)


def summary_of(changes: list[Change], risk: Risk, at: str, old: str, target: str) -> str:
    sets = settings_text(changes)
    meaning = {
        Risk.IN_PLACE: "in place",
        Risk.DISRUPTIVE: "in place, reimages every node",
        Risk.REPLACEMENT: "would destroy and recreate the cluster",
        Risk.MANUAL: "needs a person",
    }[risk]
    return f"{old or 'none'} -> {target}: set {sets} ({at}: {meaning})"
