#!/usr/bin/env python
from constructs import Construct
from cdktf import App, TerraformStack
from cdktf_cdktf_provider_azurerm.provider import AzurermProvider
from cdktf_cdktf_provider_azurerm.kubernetes_cluster import (
    KubernetesCluster,
    KubernetesClusterDefaultNodePool,
    KubernetesClusterIdentity,
    KubernetesClusterNetworkProfile,
)


class AksStack(TerraformStack):
    def __init__(self, scope: Construct, id: str):
        super().__init__(scope, id)
        AzurermProvider(self, "azurerm", features=[{}])
        KubernetesCluster(
            self,
            "aks",
            name="aks-cdktf",
            location="westeurope",
            resource_group_name="rg-aks",
            dns_prefix="aks",
            default_node_pool=KubernetesClusterDefaultNodePool(name="system", node_count=3, vm_size="Standard_D4s_v5"),
            identity=KubernetesClusterIdentity(type="SystemAssigned"),
            network_profile=KubernetesClusterNetworkProfile(network_plugin="azure", network_plugin_mode="overlay"),
        )


app = App()
AksStack(app, "aks")
app.synth()
