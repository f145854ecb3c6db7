from pulumi_azure_native import containerservice

containerservice.ManagedCluster(
    "aks",
    resource_group_name="rg",
    network_profile=containerservice.ContainerServiceNetworkProfileArgs(
        network_plugin="kubenet",
        network_policy="none",
    ),
)
