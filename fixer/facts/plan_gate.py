"""The plan as a gate: `akfix check --plan PLAN` judges each AKS cluster the plan would leave
behind (`resource_changes[].change.after`) as a cluster of its own, at its full address
(`module.aks.azurerm_kubernetes_cluster.this`) -- also the ones inside registry modules whose code
akfix cannot read. Absent, "" and none fail; real engines pass. (The conftest gate in the seed
article only catches "".)
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from fixer.model import MISSING, Cluster, Profile, Value, ValueKind

AZURERM_TYPE = "azurerm_kubernetes_cluster"
AZAPI_TYPE = "azapi_resource"
_AKS = "microsoft.containerservice/managedclusters@"


class PlanGateError(ValueError):
    def __init__(self, file: str, line: int, message: str):
        super().__init__(f"{file}:{line}: {message}")
        self.file, self.line, self.message = file, line, message


def planned_clusters(path: Path, shown: str) -> list[Cluster]:
    """Clusters the plan creates or updates (deleted ones leave nothing to judge). `shown`: the
    plan's path as reports show it."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanGateError(shown, exc.lineno, f"not JSON (column {exc.colno}): {exc.msg}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanGateError(shown, 1, f"cannot read: {exc}") from None
    if not isinstance(document, dict):
        raise PlanGateError(shown, 1, "not a `terraform show -json` document")
    clusters = []
    for change in document.get("resource_changes") or []:
        if not isinstance(change, dict) or change.get("mode", "managed") != "managed":
            continue
        after = (change.get("change") or {}).get("after")
        address = change.get("address")
        if not isinstance(after, dict) or not isinstance(address, str):
            continue
        policy = _policy(change.get("type"), after)
        if policy is None:
            continue  # not an AKS cluster
        if policy is MISSING and _unknown(change):
            policy = Value(ValueKind.EXPRESSION, "(known after apply)", note="the plan cannot say it before the apply")
        clusters.append(Cluster(
            file=shown,
            line=_line_of(text, address),
            format="plan",
            address=address,
            profile=Profile(block_present=policy is not MISSING, policy=policy),
            editable=False,
        ))
    return clusters


def _policy(kind, after: dict) -> Value | None:
    """The planned network policy as a Value (MISSING when absent), or None for other resources."""
    if kind == AZURERM_TYPE:
        profiles = after.get("network_profile")
        profile = profiles[0] if isinstance(profiles, list) and profiles and isinstance(profiles[0], dict) else {}
        return _value(profile.get("network_policy"), "network_profile.network_policy")
    if kind == AZAPI_TYPE and str(after.get("type", "")).lower().startswith(_AKS):
        body = after.get("body")
        if isinstance(body, str):  # azapi 1.x: a JSON string
            try:
                body = json.loads(body)
            except ValueError:
                return Value(ValueKind.EXPRESSION, body[:80], note="body is not JSON")
        profile = ((body or {}).get("properties") or {}).get("networkProfile") if isinstance(body, dict) else None
        return _value((profile or {}).get("networkPolicy") if isinstance(profile, dict) else None, "body.properties.networkProfile.networkPolicy")
    return None


def _unknown(change: dict) -> bool:
    """`after_unknown` marks the policy (or the whole profile or body) as computed at apply time."""
    unknown = (change.get("change") or {}).get("after_unknown") or {}
    if not isinstance(unknown, dict):
        return False
    profiles = unknown.get("network_profile")
    if profiles is True or unknown.get("body") is True:
        return True
    first = profiles[0] if isinstance(profiles, list) and profiles else None
    return first is True or (isinstance(first, dict) and first.get("network_policy") is True)


def _value(raw, via: str) -> Value:
    if raw is None:
        return MISSING
    return Value(ValueKind.LITERAL, str(raw), via=f"planned {via}")


def _line_of(text: str, address: str) -> int:
    found = re.search(r'"address"\s*:\s*' + re.escape(json.dumps(address)), text)
    return text.count("\n", 0, found.start()) + 1 if found else 1
