from pulumi_azure_native.containerservice import *

ManagedCluster(
    "aks",
    resource_group_name="rg",
    network_profile=ContainerServiceNetworkProfileArgs(network_plugin="azure", network_plugin_mode="overlay", network_policy="none"),
)
