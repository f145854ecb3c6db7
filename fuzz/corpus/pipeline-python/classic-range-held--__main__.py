from pulumi import export
from pulumi_azure import containerservice, core

resource_group = core.ResourceGroup("aks")

cluster = containerservice.KubernetesCluster(
    "aksCluster",
    resource_group_name=resource_group.name,
    dns_prefix="sample-kube",
    default_node_pool=containerservice.KubernetesClusterDefaultNodePoolArgs(
        name="aksagentpool",
        node_count=3,
        vm_size="Standard_D2_v2",
    ),
    network_profile=containerservice.KubernetesClusterNetworkProfileArgs(
        network_plugin="azure",
        network_plugin_mode="overlay",
    ),
)
export("cluster_name", cluster.name)
