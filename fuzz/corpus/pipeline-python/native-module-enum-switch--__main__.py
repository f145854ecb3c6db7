from pulumi_azure_native import containerservice as cs

aks = cs.ManagedCluster("aks", resource_group_name="rg", network_profile=cs.ContainerServiceNetworkProfileArgs(
    network_plugin=cs.NetworkPlugin.AZURE, network_policy=cs.NetworkPolicy.CALICO))
