import pulumi
from pulumi_azure_native import containerservice


def make_cluster(name: str, resource_group: str, policy: str) -> containerservice.ManagedCluster:
    """Every team's cluster, built the same way."""
    return containerservice.ManagedCluster(
        name,
        resource_group_name=resource_group,
        network_profile=containerservice.ContainerServiceNetworkProfileArgs(
            network_plugin="azure",
            network_policy=policy,
        ),
    )


def make_sandbox(name: str) -> containerservice.ManagedCluster:
    return containerservice.ManagedCluster(
        name,
        resource_group_name="rg-sandbox",
        network_profile=containerservice.ContainerServiceNetworkProfileArgs(
            network_plugin="azure",
            network_plugin_mode="overlay",
            network_policy="none",
        ),
    )


teams = [make_cluster(f"aks-{team}", "rg", "none") for team in ("a", "b")]
sandbox = make_sandbox("aks-sandbox")
