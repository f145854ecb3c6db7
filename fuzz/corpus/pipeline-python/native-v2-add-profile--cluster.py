from pulumi_azure_native import containerservice, resources

rg = resources.ResourceGroup("rg")

cluster = containerservice.ManagedCluster(
    "cluster",
    resource_group_name=rg.name,
    dns_prefix="aks",
    linux_profile={
        "admin_username": "aksuser",
        "ssh": {"public_keys": [{"key_data": "ssh-rsa AAAA"}]},
    },
    agent_pool_profiles=[
        {
            "count": 3,
            "mode": "System",
            "name": "agentpool",
            "os_type": "Linux",
            "vm_size": "Standard_D4s_v5",
        }
    ],
    enable_rbac=True,
)
