"""Live values from `terraform show -json` (a saved plan or the state).

The code cannot say which plugin a cluster without a network_profile block runs, or whether an
engine was switched on outside Terraform; the plan and state can. A plan's `before` values are the
refreshed live state; a state file's `values` are the last applied ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fixer.facts.json_text import JsonTextError, load_json
from fixer.model import LiveState
from fixer.versions import VersionRange, parse_constraint

CLUSTER_TYPE = "azurerm_kubernetes_cluster"


class PlanFileError(ValueError):
    pass


@dataclass(frozen=True)
class PlanFacts:
    live: dict[str, LiveState]  # full address (module.x.azurerm_kubernetes_cluster.y) -> values
    azurerm: VersionRange | None  # the provider constraint recorded in the plan's configuration

    def for_address(self, address: str) -> LiveState | None:
        """Exact match first, then a unique `module.*.<address>` match; [index] keys ignored, except
        for a for_each instance's address (`type.name["key"]`), which matches only itself."""
        if address in self.live:
            return self.live[address]
        if address.startswith("module."):
            # A registry module call: the cluster is a resource inside it.
            inner = [v for k, v in self.live.items() if k.startswith(address + ".") and f".{CLUSTER_TYPE}." in k]
            return inner[0] if len(inner) == 1 else None
        if address.endswith("]"):  # a for_each instance: its own address, under any module
            matches = [v for k, v in self.live.items() if k.endswith("." + address)]
            return matches[0] if len(matches) == 1 else None
        matches = [v for k, v in self.live.items() if _strip_index(k).endswith("." + address) or _strip_index(k) == address]
        return matches[0] if len(matches) == 1 else None


def _strip_index(address: str) -> str:
    return address.split("[")[0] if address.endswith("]") else address


def load_plan(path: Path) -> PlanFacts:
    return _plan_of(_document(path), path)


def load_live_file(path: Path):
    """What `--plan FILE` holds: `terraform show -json` output (PlanFacts), or a Pulumi stack's
    state, `pulumi stack export` or a file backend's checkpoint (facts/pulumi_state.PulumiState)."""
    from fixer.facts.pulumi_state import PulumiStateError, is_pulumi_state, pulumi_state_of

    document = _document(path)
    if is_pulumi_state(document):
        try:
            return pulumi_state_of(document, path.name)
        except PulumiStateError as exc:
            raise PlanFileError(f"cannot read the Pulumi state: {exc}") from None
    return _plan_of(document, path)


def _document(path: Path):
    try:
        return load_json(path.read_bytes())
    except OSError as exc:
        raise PlanFileError(f"cannot read plan JSON: {exc.strerror or exc}") from None
    except JsonTextError as exc:
        raise PlanFileError(f"cannot read plan JSON: {exc}" + (f" (line {exc.line}, column {exc.column})" if exc.line else "")) from None


def _plan_of(document, path: Path) -> PlanFacts:
    if not isinstance(document, dict):
        raise PlanFileError("not a `terraform show -json` document")
    live: dict[str, LiveState] = {}
    for change in document.get("resource_changes", []) or []:
        if change.get("type") == CLUSTER_TYPE and (change.get("change") or {}).get("before"):
            live[change["address"]] = live_values(change["change"]["before"], str(path))
    for values in (document.get("prior_state") or {}).get("values"), document.get("values"):
        if values:
            for resource in _resources(values.get("root_module") or {}):
                if resource.get("type") == CLUSTER_TYPE and resource.get("mode", "managed") == "managed":
                    live.setdefault(resource["address"], live_values(resource.get("values") or {}, str(path)))
    constraint = (((document.get("configuration") or {}).get("provider_config") or {}).get("azurerm") or {}).get("version_constraint")
    return PlanFacts(live, parse_constraint(constraint, f"{path.name} provider constraint") if constraint else None)


def _resources(module: dict):
    yield from module.get("resources", []) or []
    for child in module.get("child_modules", []) or []:
        yield from _resources(child)


def live_values(values: dict, source: str) -> LiveState:
    """The network settings of one azurerm_kubernetes_cluster's values (plan, `show -json`, or a state file's attributes)."""
    profiles = values.get("network_profile") or [{}]
    profile = profiles[0] if isinstance(profiles, list) and profiles and isinstance(profiles[0], dict) else {}
    data_plane = profile.get("network_data_plane") or profile.get("ebpf_data_plane") or None
    return LiveState(
        plugin=profile.get("network_plugin") or None,
        plugin_mode=profile.get("network_plugin_mode") or None,
        policy=profile.get("network_policy") or "",
        data_plane=data_plane,
        source=source,
        id=values.get("id") if isinstance(values.get("id"), str) else None,  # matches inventories exactly
        load_balancer_sku=_text(profile.get("load_balancer_sku")),
        outbound_type=_text(profile.get("outbound_type")),
    )


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None
