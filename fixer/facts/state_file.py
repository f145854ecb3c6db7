"""Read a Terraform state file (`terraform.tfstate`, format version 4): the clusters as Terraform
last applied them.

Many repositories commit the state of a local backend next to the code, and every working copy
that ran `terraform apply` has one. It answers what the code cannot: which network plugin a cluster
without a network_profile block runs, its load balancer SKU and outbound type (which a block added
to the code must repeat), its Kubernetes version, and the Windows node pools attached to it. These
are the values `terraform show -json` would print for the same file.

A state file also holds credentials (kube_config, client keys): only the settings named above are
read, and nothing of the file is ever printed; errors name the file and the position only.
Pure: bytes in, facts out (fixer/formats/terraform/state.py finds the files and matches them).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from fixer.facts.json_text import JsonTextError, load_json
from fixer.facts.plan_json import CLUSTER_TYPE, live_values
from fixer.model import LiveState

NODE_POOL_TYPE = "azurerm_kubernetes_cluster_node_pool"
_MODULE_KEY = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|\d+)\]')
FORMAT_VERSION = 4  # Terraform 0.12 and later; 0.11's version 3 keeps another layout


class StateFileError(ValueError):
    """The file is not a state akfix reads: the message names why (never its content)."""


@dataclass(frozen=True)
class StateCluster:
    """One cluster instance as the state records it."""

    live: LiveState
    kubernetes_version: str | None
    auto_provisioning: bool  # node_provisioning_profile.mode == Auto (4.57+)
    windows_pools: tuple[str, ...]  # addresses of the state's Windows node pools attached to it
    # The attribute names the provider that wrote it has (Terraform writes every attribute of the
    # resource's schema into the state, null where unset; see any state, e.g. the attributes of an
    # azurerm_kubernetes_cluster instance): top-level names, `block.name` inside blocks,
    # network_profile's by their own name -- the naming of plan/rules.ATTRIBUTE_MIN_VERSION.
    schema_keys: frozenset[str] = frozenset()
    index: str | None = None  # the resource instance's for_each key, or its count index as text; None otherwise


@dataclass(frozen=True)
class StateFile:
    relpath: str
    serial: int | None
    terraform_version: str | None
    clusters: dict[str, tuple[StateCluster, ...]]  # address without instance keys -> its instances

    def describe(self) -> str:
        serial = f"serial {self.serial}" if self.serial is not None else "no serial"
        return f"{self.relpath} ({serial}" + (f", Terraform {self.terraform_version})" if self.terraform_version else ")")


def read_state(data: bytes, relpath: str) -> StateFile:
    try:
        document = load_json(data)
    except JsonTextError as exc:
        raise StateFileError(f"{exc} (line {exc.line}, column {exc.column})" if exc.line else str(exc)) from None
    if not isinstance(document, dict) or not isinstance(document.get("resources", []), list):
        raise StateFileError("not a Terraform state (no resources list)")
    version = document.get("version")
    if version != FORMAT_VERSION:
        raise StateFileError(f"state format version {version!r}, akfix reads version {FORMAT_VERSION} (Terraform 0.12 and later)")
    pools: dict[str, list[str]] = {}  # cluster id (lower case) -> Windows pool addresses
    found: dict[str, list[tuple[dict, object]]] = {}  # cluster address without instance keys -> each instance's (attributes, index_key)
    for resource in document.get("resources") or []:
        if not isinstance(resource, dict) or resource.get("mode", "managed") != "managed":
            continue
        kind, name = resource.get("type"), resource.get("name")
        if kind not in (CLUSTER_TYPE, NODE_POOL_TYPE) or not isinstance(name, str):
            continue
        module = resource.get("module")
        # `module.aks["prod"]` -> `module.aks`: every instance of a module call is a deployment of the view
        module = _MODULE_KEY.sub("", module) if isinstance(module, str) else ""
        base = (f"{module}." if module else "") + f"{kind}.{name}"
        for instance in resource.get("instances") or []:
            attributes = instance.get("attributes") if isinstance(instance, dict) else None
            if not isinstance(attributes, dict):
                continue
            if kind == CLUSTER_TYPE:
                found.setdefault(base, []).append((attributes, instance.get("index_key")))
            elif str(attributes.get("os_type", "")).lower() == "windows" and isinstance(attributes.get("kubernetes_cluster_id"), str):
                pools.setdefault(attributes["kubernetes_cluster_id"].lower(), []).append(base + _index(instance.get("index_key")))
    clusters = {base: tuple(_cluster(attributes, relpath, pools, key) for attributes, key in instances) for base, instances in found.items()}
    serial = document.get("serial")
    terraform_version = document.get("terraform_version")
    return StateFile(relpath, serial if isinstance(serial, int) else None,
                     terraform_version if isinstance(terraform_version, str) else None, clusters)


def _cluster(attributes: dict, source: str, pools: dict[str, list[str]], key=None) -> StateCluster:
    live = live_values(attributes, source)
    version = attributes.get("current_kubernetes_version") or attributes.get("kubernetes_version")
    provisioning = attributes.get("node_provisioning_profile") or [{}]
    mode = provisioning[0].get("mode") if isinstance(provisioning, list) and provisioning and isinstance(provisioning[0], dict) else None
    return StateCluster(
        live=live,
        kubernetes_version=version if isinstance(version, str) and version else None,
        auto_provisioning=str(mode or "").lower() == "auto",
        windows_pools=tuple(sorted(pools.get((live.id or "").lower(), ()))) if live.id else (),
        schema_keys=_schema_keys(attributes),
        index=str(key) if isinstance(key, (str, int)) and not isinstance(key, bool) else None,
    )


def _schema_keys(attributes: dict) -> frozenset[str]:
    keys = set(attributes)
    for name, value in attributes.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            keys.update(value[0] if name == "network_profile" else (f"{name}.{inner}" for inner in value[0]))
    return frozenset(keys)


def _index(key) -> str:
    if key is None:
        return ""
    return f"[{key}]" if isinstance(key, int) else f"[{json.dumps(key)}]"
