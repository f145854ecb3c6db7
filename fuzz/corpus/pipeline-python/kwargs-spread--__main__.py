from pulumi_azure_native import containerservice

common = dict(resource_group_name="rg", dns_prefix="aks")
containerservice.ManagedCluster("aks", **common)
