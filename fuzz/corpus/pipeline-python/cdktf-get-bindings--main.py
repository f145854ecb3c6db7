from cdktf import App, TerraformStack
from imports.azurerm.kubernetes_cluster import KubernetesCluster, KubernetesClusterNetworkProfile


class Stack(TerraformStack):
    def __init__(self, scope, name):
        super().__init__(scope, name)
        KubernetesCluster(self, "aks", name="aks", location="westeurope", resource_group_name="rg", dns_prefix="aks",
                          default_node_pool={"name": "system", "node_count": 3, "vm_size": "Standard_D4s_v5"},
                          network_profile=KubernetesClusterNetworkProfile(network_plugin="azure", network_plugin_mode="overlay"))


app = App()
Stack(app, "aks")
app.synth()
