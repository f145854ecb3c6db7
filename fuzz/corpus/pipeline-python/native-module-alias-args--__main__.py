"""An AKS cluster with Azure CNI Overlay and no policy engine."""
import pulumi
from pulumi_azure_native import containerservice, resources

config = pulumi.Config()
resource_group = resources.ResourceGroup("rg")

cluster = containerservice.ManagedCluster(
    "aks",
    resource_group_name=resource_group.name,
    dns_prefix="aks",
    agent_pool_profiles=[
        containerservice.ManagedClusterAgentPoolProfileArgs(
            name="system",
            mode=containerservice.AgentPoolMode.SYSTEM,
            count=3,
            vm_size="Standard_D4s_v5",
        ),
    ],
    network_profile=containerservice.ContainerServiceNetworkProfileArgs(
        network_plugin="azure",
        network_plugin_mode="overlay",  # moved to overlay in 2024
        network_policy="none",
        pod_cidr="192.168.0.0/16",
    ),
)

pulumi.export("cluster_name", cluster.name)
