import pulumi_azure as azure

cluster = azure.containerservice.KubernetesCluster(
    "aksCluster",
    resource_group_name="rg",
    dns_prefix="aks",
    default_node_pool={"name": "system", "node_count": 3, "vm_size": "Standard_D2_v2"},
    network_profile={
        "network_plugin": "azure",
        "network_plugin_mode": "overlay",
        "network_policy": "calico",
    },
)
