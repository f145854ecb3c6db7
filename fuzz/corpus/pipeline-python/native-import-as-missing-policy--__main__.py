import pulumi
import pulumi_azure_native as azure_native

cluster = azure_native.containerservice.ManagedCluster(
    "cluster",
    resource_group_name="rg-aks",
    identity=azure_native.containerservice.ManagedClusterIdentityArgs(
        type=azure_native.containerservice.ResourceIdentityType.SYSTEM_ASSIGNED,
    ),
    network_profile=azure_native.containerservice.ContainerServiceNetworkProfileArgs(
        network_plugin="azure",
        network_plugin_mode="overlay"
    )
)
