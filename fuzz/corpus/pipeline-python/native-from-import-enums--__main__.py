from pulumi_azure_native.containerservice import (
    ContainerServiceNetworkProfileArgs,
    ManagedCluster,
    NetworkPlugin,
    NetworkPluginMode,
    NetworkPolicy,  # enums keep the program type-checked
)

aks = ManagedCluster(
    "aks",
    resource_group_name="rg",
    network_profile=ContainerServiceNetworkProfileArgs(
        network_plugin=NetworkPlugin.AZURE,
        network_plugin_mode=NetworkPluginMode.OVERLAY,
        network_policy=NetworkPolicy.NONE,
    ),
)
