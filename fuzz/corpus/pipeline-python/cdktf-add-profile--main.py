from cdktf import App, TerraformStack
from cdktf_cdktf_provider_azurerm.kubernetes_cluster import KubernetesCluster, KubernetesClusterDefaultNodePool


class Stack(TerraformStack):
    def __init__(self, scope, name):
        super().__init__(scope, name)
        self.cluster = KubernetesCluster(
            self,
            "aks",
            name="aks",
            location="westeurope",
            resource_group_name="rg",
            dns_prefix="aks",
            default_node_pool=KubernetesClusterDefaultNodePool(name="system", node_count=3, vm_size="Standard_D4s_v5"),
        )


app = App()
Stack(app, "aks")
app.synth()
