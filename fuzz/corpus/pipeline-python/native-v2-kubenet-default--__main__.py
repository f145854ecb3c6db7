from pulumi_azure_native import containerservice

# azure-native 2.x fills in network_plugin = kubenet when it is left out.
containerservice.ManagedCluster(
    "aks",
    resource_group_name="rg",
    network_profile=containerservice.ContainerServiceNetworkProfileArgs(
        pod_cidr="10.244.0.0/16",
    ),
)
