import pulumi_azure_native.containerservice.v20220101 as aks_api

aks_api.ManagedCluster(
    "old-api",
    resource_group_name="rg",
    network_profile=aks_api.ContainerServiceNetworkProfileArgs(network_plugin="azure", network_policy="none"),
)
