from pulumi_azure_native import containerservice

cluster = containerservice.ManagedCluster(
    "aks",
    resource_group_name="rg",
    network_profile=containerservice.ContainerServiceNetworkProfileArgs(
        network_plugin="azure",
        network_policy="none",
    ),
)

windows = containerservice.AgentPool(
    "win",
    resource_group_name="rg",
    resource_name_=cluster.name,
    os_type=containerservice.OSType.WINDOWS,
    count=2,
)
