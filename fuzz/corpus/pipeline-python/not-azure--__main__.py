import pulumi_digitalocean as do


class ManagedCluster:
    """Not Azure's: a local class with the same name."""

    def __init__(self, name, **kwargs):
        self.name = name


do.KubernetesCluster("do-cluster", region="ams3", version="1.31.1-do.0", node_pool={"name": "pool", "size": "s-2vcpu-2gb", "node_count": 3})
ManagedCluster("local", network_profile={"network_policy": "none"})
