"""The AKS resource classes akfix knows in Python IaC, recognised by qualified name (whatever
the import style), with their network-profile field names (aks-network-facts.md §7)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fixer.plan.rules.python_packages import AZURE_NATIVE, CDKTF_AZURERM, PULUMI_AZURE


@dataclass(frozen=True)
class Kind:
    name: str  # for people
    format: str  # Cluster.format: pulumi | cdktf
    package: str  # the PyPI package whose version decides the rules
    cluster: re.Pattern[str]  # qualified names of the cluster class
    node_pool: re.Pattern[str]  # qualified names of a separate node-pool class
    profile_class: str  # the network profile's args class / struct
    put: bool  # True: sends a PUT (ARM rules); False: bridges azurerm (ForceNew rules)
    fields: dict  # planner attribute (azurerm or ARM name) -> Python keyword
    name_argument: int  # index of the positional resource-name argument (CDKTF passes scope first)
    pool_list: str | None = None  # keyword holding inline agent pools, with os_type per pool

    def field(self, attribute: str) -> str:
        return self.fields[attribute]

    def attribute_of(self, keyword: str) -> str | None:
        """The planner attribute a Python keyword (snake_case or camelCase) stands for."""
        snake = to_snake(keyword)
        return next((a for a, f in self.fields.items() if f == snake), None)


def to_snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


_AZURERM_FIELDS = {
    "network_policy": "network_policy",
    "network_plugin": "network_plugin",
    "network_plugin_mode": "network_plugin_mode",
    "network_data_plane": "network_data_plane",
    "ebpf_data_plane": "ebpf_data_plane",
    "outbound_type": "outbound_type",
}

AZURE_NATIVE_KIND = Kind(
    name="pulumi-azure-native ManagedCluster",
    format="pulumi",
    package=AZURE_NATIVE,
    # containerservice, its versioned modules (v20230401, v20240502preview) and submodules
    cluster=re.compile(r"^pulumi_azure_native\.containerservice(?:\.v\d{8}(?:preview)?)?(?:\.[a-z_]+)?\.ManagedCluster$"),
    node_pool=re.compile(r"^pulumi_azure_native\.containerservice(?:\.v\d{8}(?:preview)?)?(?:\.[a-z_]+)?\.AgentPool$"),
    profile_class="ContainerServiceNetworkProfileArgs",
    put=True,
    fields={
        "networkPolicy": "network_policy",
        "networkPlugin": "network_plugin",
        "networkPluginMode": "network_plugin_mode",
        "networkDataplane": "network_dataplane",
        "outboundType": "outbound_type",
    },
    name_argument=0,
    pool_list="agent_pool_profiles",
)

PULUMI_AZURE_KIND = Kind(
    name="pulumi-azure KubernetesCluster",
    format="pulumi",
    package=PULUMI_AZURE,
    cluster=re.compile(r"^pulumi_azure\.containerservice(?:\.[a-z_]+)?\.KubernetesCluster$"),
    node_pool=re.compile(r"^pulumi_azure\.containerservice(?:\.[a-z_]+)?\.KubernetesClusterNodePool$"),
    profile_class="KubernetesClusterNetworkProfileArgs",
    put=False,
    fields=_AZURERM_FIELDS,
    name_argument=0,
)

CDKTF_KIND = Kind(
    name="CDKTF azurerm KubernetesCluster",
    format="cdktf",
    package=CDKTF_AZURERM,
    # prebuilt bindings (namespaced since v5, flat before) and `cdktf get` bindings under imports/
    cluster=re.compile(r"^(?:cdktf_cdktf_provider_azurerm|(?:[\w.]*\.)?imports\.azurerm)(?:\.kubernetes_cluster)?\.KubernetesCluster$"),
    node_pool=re.compile(r"^(?:cdktf_cdktf_provider_azurerm|(?:[\w.]*\.)?imports\.azurerm)(?:\.kubernetes_cluster_node_pool)?\.KubernetesClusterNodePool$"),
    profile_class="KubernetesClusterNetworkProfile",
    put=False,
    fields=_AZURERM_FIELDS,
    name_argument=1,
)

KINDS = (AZURE_NATIVE_KIND, PULUMI_AZURE_KIND, CDKTF_KIND)
# Bytes a program must contain to be worth parsing (class names, whatever the import style; node
# pools too: a Windows pool in another file of the program rules out cilium).
MARKERS = (b"ManagedCluster", b"KubernetesCluster", b"AgentPool")
# Files that define these classes are SDKs or generated bindings, not programs -- unless the class
# is a program's own component (`class KubernetesCluster(pulumi.ComponentResource)`, pierskarsenbarg/
# aks-reference), which builds a cluster and its pools like any program file.
DEFINITIONS = re.compile(rb"^class (?:ManagedCluster|KubernetesCluster)\((?!\s*(?:pulumi\.)?ComponentResource\b)", re.MULTILINE)


def kind_of(qualified_name: str) -> Kind | None:
    return next((k for k in KINDS if k.cluster.match(qualified_name)), None)


def pool_kind_of(qualified_name: str) -> Kind | None:
    return next((k for k in KINDS if k.node_pool.match(qualified_name)), None)


def api_of_module(qualified_name: str) -> str | None:
    """azure-native versioned modules carry their API version: v20230401 -> 2023-04-01."""
    match = re.search(r"\.v(\d{4})(\d{2})(\d{2})(preview)?\.", qualified_name)
    if not match:
        return None
    year, month, day, preview = match.groups()
    return f"{year}-{month}-{day}" + ("-preview" if preview else "")
