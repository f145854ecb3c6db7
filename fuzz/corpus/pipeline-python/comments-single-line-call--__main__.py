from pulumi_azure_native import containerservice  # the AKS SDK

# The cluster.
cluster = containerservice.ManagedCluster("aks", resource_group_name="rg",  # keep this comment
    network_profile=containerservice.ContainerServiceNetworkProfileArgs(network_plugin="azure", network_plugin_mode="overlay")  # and this one
)  # and this
