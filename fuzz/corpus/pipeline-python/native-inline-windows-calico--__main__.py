from pulumi_azure_native import containerservice

containerservice.ManagedCluster(
    "aks",
    resource_group_name="rg",
    agent_pool_profiles=[
        {"name": "system", "mode": "System", "count": 3, "os_type": "Linux"},
        {"name": "win22", "mode": "User", "count": 2, "os_type": "Windows"},
    ],
    network_profile={
        "network_plugin": "azure",
        "network_policy": "none",
    },
)
