from pulumi_azure_native import containerservice

containerservice.ManagedCluster("broken", network_profile={"network_policy": "none"}
