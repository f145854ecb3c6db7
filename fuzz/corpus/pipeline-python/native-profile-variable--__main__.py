from pulumi_azure_native import containerservice

# Shared by every environment's cluster.
profile = containerservice.ContainerServiceNetworkProfileArgs(
    network_plugin="azure",
    network_plugin_mode="overlay",
    network_policy="none",
)

for env in ["dev", "prod"]:
    containerservice.ManagedCluster(f"aks-{env}", resource_group_name=f"rg-{env}", network_profile=profile)
