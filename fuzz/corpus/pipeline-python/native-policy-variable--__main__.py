from pulumi_azure_native import containerservice

NETWORK_POLICY = "none"  # TODO: pick an engine

containerservice.ManagedCluster(
    "aks",
    resource_group_name="rg",
    network_profile=containerservice.ContainerServiceNetworkProfileArgs(
        network_plugin="azure",
        network_plugin_mode="overlay",
        network_policy=NETWORK_POLICY,
    ),
)
